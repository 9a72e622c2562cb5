// x87 double-extended arithmetic (SDM Vol. 1 §4.2.2, §4.8, §8.1.5, §8.5): 80-bit values as a sign/exponent word
// and a 64-bit significand with an explicit integer bit, computed exactly with BigInt and rounded once under the
// control word's rounding control (RC) and precision control (PC). x87 code is rare, so BigInt per instruction is
// acceptable here (the SSE path avoids it). Exceptions accumulate in `fx` (FSW bit positions) and C1 in `fxC1`.

/** FSW exception bits (and FCW mask bits at the same positions). */
export const FE_IE = 1;
export const FE_DE = 2;
export const FE_ZE = 4;
export const FE_OE = 8;
export const FE_UE = 16;
export const FE_PE = 32;
export const FE_SF = 64;

/** Rounding control (FCW bits 11:10). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** Exceptions raised by the current operation (FSW bit positions). */
export let fx = 0;
/** C1 after the current operation: 1 when an inexact result was rounded up in magnitude. */
export let fxC1 = 0;

export function fxBegin(): void {
  fx = 0;
  fxC1 = 0;
}
export function fxClear(): void {
  fx = 0;
  fxC1 = 0;
}
export function fxRaise(bits: number): void {
  fx |= bits;
}

const M64 = (1n << 64n) - 1n;
const J = 1n << 63n;
const QUIET = 1n << 62n;
/** The result of an operation: sign/exponent word and significand (results are written through these). */
export let rSe = 0;
export let rSig = 0n;

export const BIAS = 16383;
/** The QNaN floating-point indefinite (SDM Vol. 1 Table 4-3): negative, exponent all ones, 1100…0. */
export const INDEF_SE = 0xffff;
export const INDEF_SIG = 0xc000000000000000n;

/** Operand classes. */
export const K_ZERO = 0;
export const K_DENORMAL = 1; // includes pseudo-denormals (exponent 0, integer bit set)
export const K_NORMAL = 2;
export const K_INF = 3;
export const K_QNAN = 4;
export const K_SNAN = 5;
export const K_UNSUPPORTED = 6; // unnormals, pseudo-infinities, pseudo-NaNs (invalid operands since the 80387)

export function classify(se: number, sig: bigint): number {
  const e = se & 0x7fff;
  if (e === 0) return sig === 0n ? K_ZERO : K_DENORMAL;
  if ((sig & J) === 0n) return K_UNSUPPORTED;
  if (e === 0x7fff) {
    const frac = sig & ~J & M64;
    if (frac === 0n) return K_INF;
    return (sig & QUIET) !== 0n ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}

export function setResult(se: number, sig: bigint): void {
  rSe = se;
  rSig = sig;
}
function indefinite(): void {
  fx |= FE_IE;
  rSe = INDEF_SE;
  rSig = INDEF_SIG;
}

/** Exponent of the significand's unit bit: value = sig × 2^(unbiased exponent − 63); denormals use exponent 1. */
function unbiased(se: number): number {
  const e = se & 0x7fff;
  return (e === 0 ? 1 : e) - BIAS - 63;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * Rounds sign·mag·2^e2 (exact; mag > 0) to p significant bits, with the leading bit's exponent in [emin, emax]
 * (unbiased) and gradual underflow below emin (the last kept bit never below emin − p + 1: with x87 precision
 * control a tiny result keeps p bits relative to the smallest normal, as the hardware does). Sets PE/UE/OE and
 * fxC1. The result is rndQ·2^rndLsb with leading-bit exponent rndE (rndQ = 0: zero), or rndInf.
 */
let rndE = 0;
let rndQ = 0n;
let rndLsb = 0;
let rndInf = false;
function roundCore(
  sign: number,
  mag: bigint,
  e2: number,
  p: number,
  emin: number,
  emax: number,
  rc: number,
): void {
  const n = bitLength(mag);
  let E = e2 + n - 1;
  const lsbPrecision = E - p + 1;
  const lsbDenormal = emin - p + 1;
  let tiny = false;
  if (E < emin) {
    // tininess is detected after rounding (to p bits with an unbounded exponent), as SSE does
    const r = roundAt(sign, mag, lsbPrecision - e2, rc);
    tiny = lsbPrecision + bitLength(r.q) - 1 < emin;
  }
  const lsb = Math.max(lsbPrecision, lsbDenormal);
  const r = roundAt(sign, mag, lsb - e2, rc);
  if (r.inexact) {
    fx |= FE_PE;
    if (tiny) fx |= FE_UE;
    if (r.up) fxC1 = 1;
  }
  rndInf = false;
  rndQ = r.q;
  rndLsb = lsb;
  if (r.q === 0n) {
    rndE = emin - 1;
    return;
  }
  E = lsb + bitLength(r.q) - 1;
  rndE = E;
  if (E > emax) {
    fx |= FE_OE | FE_PE;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
    if (toInf) {
      rndInf = true;
      fxC1 = 1;
      return;
    }
    fxC1 = 0;
    rndQ = (1n << BigInt(p)) - 1n;
    rndLsb = emax - p + 1;
    rndE = emax;
  }
}

function roundAt(
  sign: number,
  mag: bigint,
  s: number,
  rc: number,
): { q: bigint; inexact: boolean; up: boolean } {
  if (s <= 0) return { q: mag << BigInt(-s), inexact: false, up: false };
  const sb = BigInt(s);
  let q = mag >> sb;
  const rem = mag & ((1n << sb) - 1n);
  if (rem === 0n) return { q, inexact: false, up: false };
  const half = 1n << (sb - 1n);
  let inc: boolean;
  switch (rc) {
    case RC_NEAREST:
      inc = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    case RC_DOWN:
      inc = sign === 1;
      break;
    case RC_UP:
      inc = sign === 0;
      break;
    default:
      inc = false;
  }
  if (inc) q += 1n;
  return { q, inexact: true, up: inc };
}

/** Rounds sign·mag·2^e2 to an 80-bit register value with p-bit precision (PC) into rSe/rSig. */
export function roundToExt(sign: number, mag: bigint, e2: number, p: number, rc: number): void {
  const s = sign << 15;
  if (mag === 0n) {
    rSe = s;
    rSig = 0n;
    return;
  }
  const emin = 1 - BIAS;
  roundCore(sign, mag, e2, p, emin, 0x7ffe - BIAS, rc);
  if (rndInf) {
    rSe = s | 0x7fff;
    rSig = J;
  } else if (rndQ === 0n) {
    rSe = s;
    rSig = 0n;
  } else if (rndE < emin) {
    rSe = s; // denormal: the significand counts units of 2^(emin − 63)
    rSig = rndQ << BigInt(rndLsb - (emin - 63));
  } else {
    rSe = s | (rndE + BIAS);
    rSig = rndQ << BigInt(63 - (rndE - rndLsb));
  }
}

/** Precision bits of PC (FCW bits 9:8): 00 single, 10 double, 11 extended (01 reserved: treated as extended). */
export function precisionBits(fcw: number): number {
  const pc = (fcw >> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

/** NaN propagation for two operands (SDM Vol. 1 Table 4-7, x87 column); at least one is a NaN. */
function propagateNaN(aSe: number, aSig: bigint, ka: number, bSe: number, bSig: bigint, kb: number): void {
  if (ka === K_SNAN || kb === K_SNAN) fx |= FE_IE;
  const aNaN = ka === K_QNAN || ka === K_SNAN;
  const bNaN = kb === K_QNAN || kb === K_SNAN;
  let useA: boolean;
  if (aNaN && bNaN) {
    if (ka !== kb) useA = ka === K_QNAN;
    else {
      const ma = aSig & ~QUIET & M64;
      const mb = bSig & ~QUIET & M64;
      useA = ma > mb || (ma === mb && (aSe & 0x8000) === 0);
      if (ma === mb && (aSe & 0x8000) === (bSe & 0x8000)) useA = true;
    }
  } else useA = aNaN;
  rSe = useA ? aSe : bSe;
  rSig = (useA ? aSig : bSig) | QUIET;
}

export const OP_ADD = 0;
export const OP_MUL = 1;
export const OP_SUB = 4;
export const OP_SUBR = 5;
export const OP_DIV = 6;
export const OP_DIVR = 7;

/** dst op src (kind: OP_ADD … OP_DIVR as in the D8 /r encoding) under fcw, into rSe/rSig (and fx, fxC1). */
export function arith(
  kind: number,
  dSe: number,
  dSig: bigint,
  sSe: number,
  sSig: bigint,
  fcw: number,
  srcDenormal = false,
): void {
  let aSe = dSe;
  let aSig = dSig;
  let bSe = sSe;
  let bSig = sSig;
  let k = kind;
  if (kind === OP_SUBR || kind === OP_DIVR) {
    aSe = sSe;
    aSig = sSig;
    bSe = dSe;
    bSig = dSig;
    k = kind - 1;
  }
  let ka = classify(aSe, aSig);
  let kb = classify(bSe, bSig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    indefinite();
    return;
  }
  // a denormal memory source was normalised on loading: it still counts as denormal for DE
  if (srcDenormal) {
    if (kind === OP_SUBR || kind === OP_DIVR) ka = ka === K_NORMAL ? K_DENORMAL : ka;
    else kb = kb === K_NORMAL ? K_DENORMAL : kb;
  }
  if (ka >= K_QNAN || kb >= K_QNAN) {
    // the NaN rule is stated for (destination, source) order
    if (kind === OP_SUBR || kind === OP_DIVR) propagateNaN(bSe, bSig, kb, aSe, aSig, ka);
    else propagateNaN(aSe, aSig, ka, bSe, bSig, kb);
    return;
  }
  const sa = aSe >> 15;
  let sbn = bSe >> 15;
  if (k === OP_SUB) {
    sbn ^= 1;
    k = OP_ADD;
  }
  const rc = (fcw >> 10) & 3;
  const p = precisionBits(fcw);
  if (k === OP_ADD) {
    if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE; // also next to an infinity (measured)
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_INF && kb === K_INF && sa !== sbn) {
        indefinite();
        return;
      }
      rSe = ((ka === K_INF ? sa : sbn) << 15) | 0x7fff;
      rSig = J;
      return;
    }
    if (ka === K_ZERO && kb === K_ZERO) {
      const s = sa === sbn ? sa : rc === RC_DOWN ? 1 : 0;
      rSe = s << 15;
      rSig = 0n;
      return;
    }
    const ea = unbiased(aSe);
    const eb = unbiased(bSe);
    const e = Math.min(ea, eb);
    const va = (sa ? -aSig : aSig) << BigInt(ea - e);
    const vb = (sbn ? -bSig : bSig) << BigInt(eb - e);
    const sum = va + vb;
    if (sum === 0n) {
      rSe = rc === RC_DOWN ? 0x8000 : 0;
      rSig = 0n;
      return;
    }
    roundToExt(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, p, rc);
    return;
  }
  const s = sa ^ sbn;
  if (k === OP_MUL) {
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_ZERO || kb === K_ZERO) {
        indefinite();
        return;
      }
      rSe = (s << 15) | 0x7fff;
      rSig = J;
      return;
    }
    if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE;
    if (ka === K_ZERO || kb === K_ZERO) {
      rSe = s << 15;
      rSig = 0n;
      return;
    }
    roundToExt(s, aSig * bSig, unbiased(aSe) + unbiased(bSe), p, rc);
    return;
  }
  // division a / b
  if (ka === K_INF) {
    if (kb === K_INF) {
      indefinite();
      return;
    }
    rSe = (s << 15) | 0x7fff;
    rSig = J;
    return;
  }
  if (kb === K_INF) {
    if (ka === K_DENORMAL) fx |= FE_DE;
    rSe = s << 15;
    rSig = 0n;
    return;
  }
  if (kb === K_ZERO) {
    if (ka === K_ZERO) {
      indefinite();
      return;
    }
    fx |= FE_ZE; // a denormal divided by zero reports ZE alone (as SSE)
    rSe = (s << 15) | 0x7fff;
    rSig = J;
    return;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE;
  if (ka === K_ZERO) {
    rSe = s << 15;
    rSig = 0n;
    return;
  }
  const shift = 130;
  const num = aSig << BigInt(shift);
  let q = num / bSig;
  if (num % bSig !== 0n) q |= 1n; // sticky: the quotient has ≥ 66 significant bits, the remainder only matters as ≠ 0
  roundToExt(s, q, unbiased(aSe) - unbiased(bSe) - shift, p, rc);
}

/** FSQRT of (se, sig) under fcw into rSe/rSig. */
export function sqrt(se: number, sig: bigint, fcw: number): void {
  const k = classify(se, sig);
  if (k === K_UNSUPPORTED) {
    indefinite();
    return;
  }
  if (k >= K_QNAN) {
    if (k === K_SNAN) fx |= FE_IE;
    rSe = se;
    rSig = sig | QUIET;
    return;
  }
  const neg = (se & 0x8000) !== 0;
  if (k === K_ZERO) {
    rSe = se;
    rSig = 0n;
    return;
  }
  if (neg) {
    indefinite();
    return;
  }
  if (k === K_INF) {
    rSe = se;
    rSig = sig;
    return;
  }
  if (k === K_DENORMAL) fx |= FE_DE;
  let e = unbiased(se);
  let m = sig;
  // value = m·2^e; make e even and m large enough for ≥ 66 result bits
  m <<= 140n;
  e -= 140;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  let r = isqrt(m);
  if (r * r !== m) r |= 1n;
  roundToExt(0, r, e / 2, precisionBits(fcw), (fcw >> 10) & 3);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * Comparison of a with b: 0 greater, 1 less, 2 equal, 3 unordered. `quietNaNOk`: FUCOM* (IE only for SNaN)
 * versus FCOM* (IE for any NaN). Sets IE for unsupported operands and DE for denormals.
 */
export function compare(
  aSe: number,
  aSig: bigint,
  bSe: number,
  bSig: bigint,
  quietNaNOk: boolean,
  srcDenormal = false,
): number {
  const ka = classify(aSe, aSig);
  let kb = classify(bSe, bSig);
  if (srcDenormal && kb === K_NORMAL) kb = K_DENORMAL;
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    fx |= FE_IE;
    return 3;
  }
  if (ka >= K_QNAN || kb >= K_QNAN) {
    if (!quietNaNOk || ka === K_SNAN || kb === K_SNAN) fx |= FE_IE;
    return 3;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE;
  const sa = aSe >> 15;
  const sb = bSe >> 15;
  const ia = ka === K_INF ? (sa ? -1 : 1) : 0;
  const ib = kb === K_INF ? (sb ? -1 : 1) : 0;
  if (ia !== 0 || ib !== 0) return ia === ib ? 2 : ia > ib ? 0 : 1;
  const va = ka === K_ZERO ? 0n : sa ? -aSig : aSig;
  const vb = kb === K_ZERO ? 0n : sb ? -bSig : bSig;
  return cmpScaled(va, unbiased(aSe), vb, unbiased(bSe));
}

function cmpScaled(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const x = a << BigInt(ea - e);
  const y = b << BigInt(eb - e);
  return x > y ? 0 : x < y ? 1 : 2;
}

/** FXAM's C3 C2 C0 (as bits 2,1,0) for a non-empty register: unsupported 000, NaN 001, normal 010, infinity 011,
 * zero 100, denormal 110. */
export function examine(se: number, sig: bigint): number {
  switch (classify(se, sig)) {
    case K_ZERO:
      return 4;
    case K_DENORMAL:
      return 6;
    case K_NORMAL:
      return 2;
    case K_INF:
      return 3;
    case K_QNAN:
    case K_SNAN:
      return 1;
    default:
      return 0;
  }
}

/**
 * Converts an IEEE binary32 (bits in lo) or binary64 (lo, hi) to an 80-bit value into rSe/rSig (exact). SNaN: IE
 * and quietened; denormal source: DE (the value is normalised). forArith (the source of FADD m32 …): an SNaN stays
 * signalling and a denormal only sets memDenormal, so that the operation applies its own NaN and DE rules.
 */
export let memDenormal = false;
export function fromIeee(lo: number, hi: number, double: boolean, forArith = false): void {
  memDenormal = false;
  const fracBits = double ? 52 : 23;
  const expBits = double ? 11 : 8;
  const bias = double ? 1023 : 127;
  const bits = double ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);
  const sign = Number(bits >> BigInt(fracBits + expBits)) & 1;
  const e = Number((bits >> BigInt(fracBits)) & ((1n << BigInt(expBits)) - 1n));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const s = sign << 15;
  const maxE = (1 << expBits) - 1;
  if (e === maxE) {
    rSe = s | 0x7fff;
    rSig = J | (frac << BigInt(63 - fracBits));
    if (frac !== 0n && (frac & (1n << BigInt(fracBits - 1))) === 0n && !forArith) {
      fx |= FE_IE;
      rSig |= QUIET;
    }
    return;
  }
  if (e === 0) {
    if (frac === 0n) {
      rSe = s;
      rSig = 0n;
      return;
    }
    if (forArith) memDenormal = true;
    else fx |= FE_DE;
    const n = bitLength(frac);
    // value = frac · 2^(1 − bias − fracBits); leading bit exponent = n − 1 + 1 − bias − fracBits
    const E = n - bias - fracBits;
    rSe = s | (E + BIAS);
    rSig = frac << BigInt(64 - n);
    return;
  }
  rSe = s | (e - bias + BIAS);
  rSig = J | (frac << BigInt(63 - fracBits));
}

/** Result of toIeee: the low and high 32 bits of the binary32/binary64 encoding. */
export let ieeeLo = 0;
export let ieeeHi = 0;

/** Rounds an 80-bit value to binary32/binary64 under rc (FST m32/m64): IE for SNaN and unsupported values. */
export function toIeee(se: number, sig: bigint, double: boolean, rc: number): void {
  const fracBits = double ? 52 : 23;
  const expBits = double ? 11 : 8;
  const bias = double ? 1023 : 127;
  const k = classify(se, sig);
  const sign = (se >> 15) & 1;
  let bits: bigint;
  const expAll = (1n << BigInt(expBits)) - 1n;
  const signBit = BigInt(sign) << BigInt(fracBits + expBits);
  if (k === K_UNSUPPORTED) {
    fx |= FE_IE;
    bits = (1n << BigInt(fracBits + expBits)) | (expAll << BigInt(fracBits)) | (1n << BigInt(fracBits - 1));
  } else if (k === K_QNAN || k === K_SNAN) {
    if (k === K_SNAN) fx |= FE_IE;
    const frac = ((sig & ~J & M64) >> BigInt(63 - fracBits)) | (1n << BigInt(fracBits - 1));
    bits = signBit | (expAll << BigInt(fracBits)) | frac;
  } else if (k === K_INF) {
    bits = signBit | (expAll << BigInt(fracBits));
  } else if (k === K_ZERO) {
    bits = signBit;
  } else {
    // no DE for a denormal source: FST/FSTP report only IS, IA, U, O, P (SDM Vol. 2A FST)
    const emin = 1 - bias;
    roundCore(sign, sig, unbiased(se), fracBits + 1, emin, bias, rc);
    if (rndInf) bits = signBit | (expAll << BigInt(fracBits));
    else if (rndQ === 0n) bits = signBit;
    else if (rndE < emin) bits = signBit | (rndQ << BigInt(rndLsb - (emin - fracBits)));
    else
      bits =
        signBit |
        (BigInt(rndE + bias) << BigInt(fracBits)) |
        ((rndQ << BigInt(fracBits - (rndE - rndLsb))) & ((1n << BigInt(fracBits)) - 1n));
  }
  ieeeLo = Number(bits & 0xffffffffn) | 0;
  ieeeHi = Number(bits >> 32n) | 0;
}

/** Integer → 80-bit (exact): FILD. */
export function fromInt(v: bigint): void {
  if (v === 0n) {
    rSe = 0;
    rSig = 0n;
    return;
  }
  const neg = v < 0n;
  const m = neg ? -v : v;
  const n = bitLength(m);
  rSe = (neg ? 0x8000 : 0) | (n - 1 + BIAS);
  rSig = m << BigInt(64 - n);
}

/**
 * 80-bit → signed integer of `bits` bits (FIST/FISTP under rc, FISTTP with truncate): IE and the integer
 * indefinite (the most negative value) for NaN, infinity, unsupported or out-of-range values; PE if inexact.
 */
export function toInt(se: number, sig: bigint, bits: number, rc: number): bigint {
  const k = classify(se, sig);
  const indef = -(1n << BigInt(bits - 1));
  if (k >= K_INF) {
    fx |= FE_IE;
    return indef;
  }
  if (k === K_ZERO) return 0n;
  const sign = (se >> 15) & 1; // no DE: FIST/FISTP/FISTTP report only IS, IA, P
  const e = unbiased(se);
  let q: bigint;
  let inexact = false;
  let up = false;
  if (e >= 0) q = sig << BigInt(e);
  else {
    const r = roundAt(sign, sig, -e, rc);
    q = r.q;
    inexact = r.inexact;
    up = r.up;
  }
  const v = sign ? -q : q;
  if (v < indef || v > -indef - 1n) {
    fx |= FE_IE;
    return indef;
  }
  if (inexact) {
    fx |= FE_PE;
    if (up) fxC1 = 1;
  }
  return v;
}

/** FRNDINT: rounds to an integral value under rc (exponent range unchanged); PE if inexact. */
export function roundInt(se: number, sig: bigint, rc: number): void {
  const k = classify(se, sig);
  if (k === K_UNSUPPORTED) {
    indefinite();
    return;
  }
  if (k >= K_QNAN) {
    if (k === K_SNAN) fx |= FE_IE;
    rSe = se;
    rSig = sig | QUIET;
    return;
  }
  rSe = se;
  rSig = sig;
  if (k === K_ZERO || k === K_INF) return;
  if (k === K_DENORMAL) fx |= FE_DE;
  const e = unbiased(se);
  if (e >= 0) return;
  const sign = (se >> 15) & 1;
  const r = roundAt(sign, sig, -e, rc);
  if (r.inexact) {
    fx |= FE_PE;
    if (r.up) fxC1 = 1;
  }
  if (r.q === 0n) {
    rSe = sign << 15;
    rSig = 0n;
    return;
  }
  const n = bitLength(r.q);
  rSe = (sign << 15) | (n - 1 + BIAS);
  rSig = r.q << BigInt(64 - n);
}

/** FSCALE: ST0 · 2^trunc(ST1), into rSe/rSig. */
export function scale(aSe: number, aSig: bigint, bSe: number, bSig: bigint, fcw: number): void {
  const ka = classify(aSe, aSig);
  const kb = classify(bSe, bSig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    indefinite();
    return;
  }
  if (ka >= K_QNAN || kb >= K_QNAN) {
    propagateNaN(aSe, aSig, ka, bSe, bSig, kb);
    return;
  }
  const sa = aSe >> 15;
  const sb = bSe >> 15;
  if (kb === K_INF) {
    if (sb === 0) {
      if (ka === K_ZERO) {
        indefinite();
        return;
      }
      rSe = (sa << 15) | 0x7fff;
      rSig = J;
    } else {
      if (ka === K_INF) {
        indefinite();
        return;
      }
      rSe = sa << 15;
      rSig = 0n;
    }
    return;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE;
  if (ka === K_ZERO || ka === K_INF) {
    rSe = aSe;
    rSig = aSig;
    return;
  }
  let n = 0n;
  if (kb !== K_ZERO) {
    const eb = unbiased(bSe);
    n = eb >= 0 ? bSig << BigInt(eb) : bSig >> BigInt(-eb);
    if (sb) n = -n;
  }
  const shift = n > 70000n ? 70000 : n < -70000n ? -70000 : Number(n);
  roundToExt(sa, aSig, unbiased(aSe) + shift, 64, (fcw >> 10) & 3);
}

/** FXTRACT: exponent (into xSe/xSig) and significand with exponent 0 (into rSe/rSig). */
export let xSe = 0;
export let xSig = 0n;
export function extract(se: number, sig: bigint): void {
  const k = classify(se, sig);
  if (k === K_UNSUPPORTED) {
    indefinite();
    xSe = INDEF_SE;
    xSig = INDEF_SIG;
    return;
  }
  if (k >= K_QNAN) {
    if (k === K_SNAN) fx |= FE_IE;
    rSe = se;
    rSig = sig | QUIET;
    xSe = rSe;
    xSig = rSig;
    return;
  }
  const sign = se & 0x8000;
  if (k === K_ZERO) {
    fx |= FE_ZE;
    xSe = 0xffff;
    xSig = J; // −∞
    rSe = se;
    rSig = 0n;
    return;
  }
  if (k === K_INF) {
    xSe = 0x7fff;
    xSig = J;
    rSe = se;
    rSig = sig;
    return;
  }
  if (k === K_DENORMAL) fx |= FE_DE;
  const n = bitLength(sig);
  const E = unbiased(se) + n - 1;
  rSe = sign | BIAS;
  rSig = sig << BigInt(64 - n);
  fromInt(BigInt(E));
  xSe = rSe;
  xSig = rSig;
  rSe = sign | BIAS;
  rSig = sig << BigInt(64 - n);
}

/**
 * FPREM (truncating quotient) / FPREM1 (IEEE, nearest): partial remainder of a / b into rSe/rSig; returns the
 * low three quotient bits (bits 0..2 → C1, C3, C0) in bits 0–2 and 8 when the reduction is incomplete (C2), or −1
 * when there is no quotient (a NaN or invalid operand).
 */
export function remainder(aSe: number, aSig: bigint, bSe: number, bSig: bigint, ieee: boolean): number {
  const ka = classify(aSe, aSig);
  const kb = classify(bSe, bSig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    indefinite();
    return -1;
  }
  if (ka >= K_QNAN || kb >= K_QNAN) {
    propagateNaN(aSe, aSig, ka, bSe, bSig, kb);
    return -1;
  }
  if (ka === K_INF || kb === K_ZERO) {
    indefinite();
    return -1;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) fx |= FE_DE;
  rSe = aSe;
  rSig = aSig;
  if (ka === K_ZERO || kb === K_INF) return 0;
  const sa = aSe >> 15;
  const ea = unbiased(aSe) + bitLength(aSig) - 1;
  const eb = unbiased(bSe) + bitLength(bSig) - 1;
  const d = ea - eb;
  if (d >= 64) {
    // partial reduction: reduce by b·2^(d − n) with n chosen in 32..63 (Intel's rule: n = d mod 32 + 32)
    const nn = (d % 32) + 32;
    const e = Math.min(unbiased(aSe), unbiased(bSe) + (d - nn));
    const A = aSig << BigInt(unbiased(aSe) - e);
    const B = bSig << BigInt(unbiased(bSe) + (d - nn) - e);
    const q = A / B;
    const r = A - q * B;
    if (r === 0n) {
      rSe = sa << 15;
      rSig = 0n;
    } else roundToExt(sa, r, e, 64, RC_NEAREST);
    return 8;
  }
  const e = Math.min(unbiased(aSe), unbiased(bSe));
  const A = aSig << BigInt(unbiased(aSe) - e);
  const B = bSig << BigInt(unbiased(bSe) - e);
  let q = A / B;
  let r = A - q * B;
  let neg = sa;
  if (ieee) {
    const twice = 2n * r;
    if (twice > B || (twice === B && (q & 1n) === 1n)) {
      q += 1n;
      r = B - r;
      neg ^= 1;
    }
  }
  if (r === 0n) {
    rSe = sa << 15;
    rSig = 0n;
  } else roundToExt(neg, r, e, 64, RC_NEAREST);
  const qb = Number(q & 7n);
  return qb;
}
