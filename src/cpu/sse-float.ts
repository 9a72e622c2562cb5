// IEEE 754 binary32/binary64 arithmetic as SSE/SSE2 does it under MXCSR (SDM Vol. 1 §4.8-4.9, §10.2.3, §11.5):
// the rounding control RC, DAZ and FTZ, the six exception flags, QNaN propagation ("first source" rule, SNaNs
// quietened, the default QNaN for invalid operations) and the integer indefinite value of out-of-range conversions.
// Every result is computed with JS doubles (round to nearest) plus an error-free transformation (TwoSum, Dekker's
// TwoProduct) that gives the sign of the rounding error, in a domain scaled by powers of two so that nothing
// overflows or underflows; `finish` then rounds that exact value to the format under RC with tininess detected
// after rounding, as x86 does. NaN bits never pass through a JS number (that could change a payload): they are
// copied as integers. Operands and results live in the Int32 views below (A, B: sources, R: result).

/** MXCSR exception flags (bits 0-5) and masks (bits 7-12), DAZ (6), RC (13-14), FTZ (15). */
export const MX_IE = 1;
export const MX_DE = 2;
export const MX_ZE = 4;
export const MX_OE = 8;
export const MX_UE = 16;
export const MX_PE = 32;
const MX_DAZ = 1 << 6;
const MX_OM = 1 << 10;
const MX_UM = 1 << 11;
const MX_FTZ = 1 << 15;

/** Operand and result lanes: A = first source (the destination register), B = second source, R = result. */
export const A = new Int32Array(4);
export const B = new Int32Array(4);
export const R = new Int32Array(4);
export const AD = new Float64Array(A.buffer);
export const BD = new Float64Array(B.buffer);
export const RD = new Float64Array(R.buffer);
export const AF = new Float32Array(A.buffer);
export const BF = new Float32Array(B.buffer);
export const RF = new Float32Array(R.buffer);

// scratch for bit access to one double / one float
const S = new Float64Array(1);
const SI = new Int32Array(S.buffer);
const SF = new Float32Array(1);
const SFI = new Int32Array(SF.buffer);

/** The exception flags raised by the current instruction (ORed into MXCSR by the caller). */
export let fpFlags = 0;
let rc = 0; // 0 nearest, 1 down, 2 up, 3 toward zero
let daz = false;
let ftz = false;
let umMasked = true;
let omMasked = true;

/** Starts an instruction under `mxcsr`. */
export function fpBegin(mxcsr: number): void {
  fpFlags = 0;
  rc = (mxcsr >>> 13) & 3;
  daz = (mxcsr & MX_DAZ) !== 0;
  ftz = (mxcsr & MX_FTZ) !== 0;
  umMasked = (mxcsr & MX_UM) !== 0;
  omMasked = (mxcsr & MX_OM) !== 0;
}

/**
 * The flags an instruction reports under `mxcsr`: when a pre-computation exception (IE, DE, ZE) is unmasked the
 * instruction faults before computing, so the post-computation flags (OE, UE, PE) of any lane are dropped (SDM
 * Vol. 1 §11.5.2.1).
 */
export function fpReported(flags: number, mxcsr: number): number {
  const pre = flags & (MX_IE | MX_DE | MX_ZE);
  return (pre & ~(mxcsr >>> 7)) !== 0 ? pre : flags;
}

const MAX_D = Number.MAX_VALUE;
const MAX_F = 3.4028234663852886e38;

/** 2^n for -1074 <= n <= 1023 (exact). */
function pow2(n: number): number {
  if (n >= -1022) {
    SI[1] = (n + 1023) << 20;
    SI[0] = 0;
    return S[0]!;
  }
  SI[1] = 1 << 20; // 2^-1022
  SI[0] = 0;
  return S[0]! * pow2(n + 1022);
}

/** v · 2^n, exact whenever the result is a normal double (n any integer). */
function scale(v: number, n: number): number {
  while (n > 1023) {
    v *= pow2(1023);
    n -= 1023;
  }
  while (n < -1022) {
    v *= pow2(-1022);
    n += 1022;
  }
  return v * pow2(n);
}

/** floor(log2 |v|) of a finite non-zero double. */
function expOf(v: number): number {
  S[0] = v;
  const e = (SI[1]! >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  S[0] = v * 2 ** 64; // a subnormal becomes normal
  return ((SI[1]! >>> 20) & 0x7ff) - 1023 - 64;
}

/** The next double above / below a positive finite double. */
function nextUp(m: number): number {
  S[0] = m;
  if (SI[0] === -1) {
    SI[0] = 0;
    SI[1] = SI[1]! + 1;
  } else SI[0] = SI[0]! + 1;
  return S[0]!;
}
function nextDown(m: number): number {
  S[0] = m;
  if (SI[0] === 0) {
    SI[0] = -1;
    SI[1] = SI[1]! - 1;
  } else SI[0] = SI[0]! - 1;
  return S[0]!;
}
function nextUpF(m: number): number {
  SF[0] = m;
  SFI[0] = SFI[0]! + 1;
  return SF[0]!;
}
function nextDownF(m: number): number {
  SF[0] = m;
  SFI[0] = SFI[0]! - 1;
  return SF[0]!;
}

const SPLIT = 134217729; // 2^27 + 1 (Dekker)
let prodLo = 0;
/** p = fl(a·b) and prodLo = a·b − p exactly, for |a|, |b| in [2^-500, 2^500]. */
function twoProd(a: number, b: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  prodLo = al * bl - (p - ah * bh - al * bh - ah * bl);
  return p;
}

/**
 * Rounds the exact value ±(mag + ε)·2^s, ε of sign `err` and far below mag's last bit, to binary32 (`single`) or
 * binary64 under RC, FTZ and the UE mask; raises PE, OE, UE. `mag` is a positive finite double.
 */
function finish(neg: boolean, mag: number, err: number, s: number, single: boolean): number {
  const e0 = expOf(mag);
  mag = scale(mag, -e0); // [1, 2), exact
  s += e0;
  // 0 nearest, 1 toward zero, 2 away from zero
  const mode = rc === 0 ? 0 : rc === 3 ? 1 : (rc === 1) === neg ? 2 : 1;
  const emin = single ? -126 : -1022;
  const emax = single ? 127 : 1023;
  // 1. round to the format's precision with an unbounded exponent
  let r1: number;
  let inexact: boolean;
  if (single) {
    const f = Math.fround(mag);
    if (f === mag && err === 0) {
      r1 = mag;
      inexact = false;
    } else {
      inexact = true;
      let lo: number;
      let hi: number;
      if (f === mag) {
        lo = err > 0 ? f : nextDownF(f);
        hi = err > 0 ? nextUpF(f) : f;
      } else {
        lo = f < mag ? f : nextDownF(f);
        hi = f > mag ? f : nextUpF(f);
      }
      if (mode === 0) {
        if (f === mag) r1 = f;
        else {
          const mid = (lo + hi) / 2;
          r1 = mag < mid ? lo : mag > mid ? hi : err > 0 ? hi : err < 0 ? lo : f;
        }
      } else r1 = mode === 2 ? hi : lo;
    }
  } else if (err === 0) {
    r1 = mag;
    inexact = false;
  } else {
    inexact = true;
    r1 = mode === 0 ? mag : mode === 2 ? (err > 0 ? nextUp(mag) : mag) : err < 0 ? nextDown(mag) : mag;
  }
  // 2. overflow: the rounded value exceeds the largest finite number
  const over = s - emax > 1 || (s - emax >= -1 && r1 * pow2(s - emax) >= 2);
  if (over) {
    // unmasked: #XM with the exponent-wrapped result, PE only if that rounding was inexact
    if (!omMasked) {
      fpFlags |= MX_OE | (inexact ? MX_PE : 0);
      return 0;
    }
    fpFlags |= MX_OE | MX_PE;
    const m = mode === 1 ? (single ? MAX_F : MAX_D) : Number.POSITIVE_INFINITY;
    return neg ? -m : m;
  }
  // 3. tiny (after rounding): below the smallest normal number
  const tiny = s - emin < -1 || (s - emin <= 1 && r1 * pow2(s - emin) < 1);
  if (!tiny) {
    if (inexact) fpFlags |= MX_PE;
    const v = scale(r1, s);
    return neg ? -v : v;
  }
  if (!umMasked) {
    fpFlags |= MX_UE | (inexact ? MX_PE : 0);
    return 0;
  }
  if (ftz) {
    fpFlags |= MX_UE | MX_PE;
    return neg ? -0 : 0;
  }
  // 4. the denormalised result: a multiple k of the smallest subnormal 2^qe, rounded from mag·2^s
  const qe = single ? -149 : -1074;
  const d = qe - s; // the quantum in mag's scale is 2^d
  let kk: number;
  let inex = true;
  if (d >= 2) {
    kk = mode === 2 ? 1 : 0; // mag < 2 <= half a quantum
  } else {
    const Q = pow2(d);
    let k = Math.floor(mag / Q);
    let rem = mag - k * Q;
    if (rem === 0 && err < 0) {
      k -= 1;
      rem = Q;
    }
    if (rem === 0 && err === 0) {
      kk = k;
      inex = false;
    } else if (mode === 0) {
      const half = Q / 2;
      kk = rem < half ? k : rem > half ? k + 1 : err > 0 ? k + 1 : err < 0 ? k : k % 2 === 0 ? k : k + 1;
    } else kk = mode === 2 ? k + 1 : k;
  }
  if (inex) fpFlags |= MX_UE | MX_PE;
  const v = kk * pow2(qe);
  return neg ? -v : v;
}

// ---- operand classification ----

const QNAN_D_HI = 0xfff80000 | 0; // the default QNaN ("real indefinite"), high dword; low dword 0
const QNAN_F = 0xffc00000 | 0;

/** Lane i (double) of X is a NaN: exponent all ones, mantissa non-zero. */
function isNanD(X: Int32Array, i: number): boolean {
  const hi = X[2 * i + 1]! & 0x7fffffff;
  return hi > 0x7ff00000 || (hi === 0x7ff00000 && X[2 * i] !== 0);
}
function isSnanD(X: Int32Array, i: number): boolean {
  return isNanD(X, i) && (X[2 * i + 1]! & 0x80000) === 0;
}
function isNanF(X: Int32Array, i: number): boolean {
  return (X[i]! & 0x7fffffff) > 0x7f800000;
}
function isSnanF(X: Int32Array, i: number): boolean {
  return isNanF(X, i) && (X[i]! & 0x400000) === 0;
}

/** Lane i of X as a number, with DE or DAZ for a denormal (not for NaNs: check those first). */
function valD(X: Int32Array, XD: Float64Array, i: number): number {
  const v = XD[i]!;
  if ((X[2 * i + 1]! & 0x7ff00000) === 0 && v !== 0) {
    if (daz) return X[2 * i + 1]! < 0 ? -0 : 0;
    fpFlags |= MX_DE;
  }
  return v;
}
function valF(X: Int32Array, XF: Float32Array, i: number): number {
  const v = XF[i]!;
  if ((X[i]! & 0x7f800000) === 0 && v !== 0) {
    if (daz) return X[i]! < 0 ? -0 : 0;
    fpFlags |= MX_DE;
  }
  return v;
}

/**
 * NaN operands of a two-operand arithmetic lane (SDM Vol. 1 Table 4-7, SSE column): an SNaN raises IE; the result
 * is the first source if it is a NaN, else the second, quietened. Returns true when it wrote R's lane.
 */
function nanD(i: number, two: boolean): boolean {
  const an = isNanD(A, i);
  const bn = two && isNanD(B, i);
  if (!an && !bn) return false;
  if (isSnanD(A, i) || (two && isSnanD(B, i))) fpFlags |= MX_IE;
  const X = an ? A : B;
  R[2 * i] = X[2 * i]!;
  R[2 * i + 1] = X[2 * i + 1]! | 0x80000;
  return true;
}
function nanF(i: number, two: boolean): boolean {
  const an = isNanF(A, i);
  const bn = two && isNanF(B, i);
  if (!an && !bn) return false;
  if (isSnanF(A, i) || (two && isSnanF(B, i))) fpFlags |= MX_IE;
  R[i] = (an ? A : B)[i]! | 0x400000;
  return true;
}

function invalidD(i: number): void {
  fpFlags |= MX_IE;
  R[2 * i] = 0;
  R[2 * i + 1] = QNAN_D_HI;
}
function invalidF(i: number): void {
  fpFlags |= MX_IE;
  R[i] = QNAN_F;
}

// ---- arithmetic on numbers (no NaNs); NaN for an invalid operation ----

function add(a: number, b: number, single: boolean): number {
  if (a === Number.POSITIVE_INFINITY || a === Number.NEGATIVE_INFINITY) {
    return b === -a ? Number.NaN : a;
  }
  if (b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY) return b;
  const s = a + b;
  if (s === 0) {
    // exact: x + (−x) is +0 except when rounding down; zeros of one sign keep it
    if (a === 0 && b === 0 && Object.is(a, b)) return a;
    return rc === 1 ? -0 : 0;
  }
  if (Number.isFinite(s)) {
    const bb = s - a;
    const err = a - (s - bb) + (b - bb);
    const neg = s < 0;
    return finish(neg, neg ? -s : s, neg ? -err : err, 0, single);
  }
  // overflowed at round-to-nearest: redo at half scale (a and b are then both large: halving is exact)
  const a2 = a * 0.5;
  const b2 = b * 0.5;
  const s2 = a2 + b2;
  const bb = s2 - a2;
  const err = a2 - (s2 - bb) + (b2 - bb);
  const neg = s2 < 0;
  return finish(neg, neg ? -s2 : s2, neg ? -err : err, 1, single);
}

function mul(a: number, b: number, single: boolean): number {
  const neg = a < 0 || Object.is(a, -0) ? !(b < 0 || Object.is(b, -0)) : b < 0 || Object.is(b, -0);
  const ai = !Number.isFinite(a);
  const bi = !Number.isFinite(b);
  if (ai || bi) {
    if (a === 0 || b === 0) return Number.NaN;
    return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (a === 0 || b === 0) return neg ? -0 : 0;
  const ea = expOf(a);
  const eb = expOf(b);
  const ma = scale(Math.abs(a), -ea);
  const mb = scale(Math.abs(b), -eb);
  const p = twoProd(ma, mb);
  return finish(neg, p, prodLo, ea + eb, single);
}

function div(a: number, b: number, single: boolean): number {
  const neg = a < 0 || Object.is(a, -0) ? !(b < 0 || Object.is(b, -0)) : b < 0 || Object.is(b, -0);
  const ai = !Number.isFinite(a);
  const bi = !Number.isFinite(b);
  if (ai && bi) return Number.NaN;
  if (ai) return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (bi) return neg ? -0 : 0;
  if (b === 0) {
    if (a === 0) return Number.NaN;
    fpFlags |= MX_ZE;
    return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (a === 0) return neg ? -0 : 0;
  const ea = expOf(a);
  const eb = expOf(b);
  const ma = scale(Math.abs(a), -ea);
  const mb = scale(Math.abs(b), -eb);
  const q = ma / mb;
  const ph = twoProd(q, mb);
  const r = ma - ph - prodLo; // ma − q·mb, exact
  return finish(neg, q, r, ea - eb, single);
}

function sqrt(a: number, single: boolean): number {
  if (a === 0) return a; // ±0
  if (a < 0) return Number.NaN;
  if (a === Number.POSITIVE_INFINITY) return a;
  let e = expOf(a);
  if (e % 2 !== 0) e -= 1;
  const m = scale(a, -e); // [1, 4)
  const q = Math.sqrt(m);
  const ph = twoProd(q, q);
  const r = m - ph - prodLo;
  return finish(false, q, r, e / 2, single);
}

/** Arithmetic kinds of the packed/scalar FP instructions. */
export const FP_ADD = 0;
export const FP_SUB = 1;
export const FP_MUL = 2;
export const FP_DIV = 3;
export const FP_SQRT = 4;
export const FP_MIN = 5;
export const FP_MAX = 6;

/** R lane i ← op(A lane i, B lane i) in binary64 (SQRT: of B). */
export function arithD(kind: number, i: number): void {
  if (kind === FP_MIN || kind === FP_MAX) {
    minMax(kind, i, false);
    return;
  }
  const before = fpFlags;
  if (kind === FP_SQRT) {
    if (nanB(i, false)) return;
    const r = sqrt(valD(B, BD, i), false);
    if (Number.isNaN(r)) {
      fpFlags = before; // the square root of a negative denormal: IE alone
      invalidD(i);
    } else RD[i] = r;
    return;
  }
  if (nanD(i, true)) return;
  const a = valD(A, AD, i);
  const b = valD(B, BD, i);
  // a denormal divided by zero: ZE alone (as the hardware reports it)
  if (kind === FP_DIV && b === 0 && a !== 0) fpFlags = before;
  const r =
    kind === FP_ADD
      ? add(a, b, false)
      : kind === FP_SUB
        ? add(a, -b, false)
        : kind === FP_MUL
          ? mul(a, b, false)
          : div(a, b, false);
  if (Number.isNaN(r)) invalidD(i);
  else RD[i] = r;
}

/** R lane i ← op(A lane i, B lane i) in binary32. */
export function arithF(kind: number, i: number): void {
  if (kind === FP_MIN || kind === FP_MAX) {
    minMax(kind, i, true);
    return;
  }
  const before = fpFlags;
  if (kind === FP_SQRT) {
    if (nanB(i, true)) return;
    const r = sqrt(valF(B, BF, i), true);
    if (Number.isNaN(r)) {
      fpFlags = before;
      invalidF(i);
    } else RF[i] = r;
    return;
  }
  if (nanF(i, true)) return;
  const a = valF(A, AF, i);
  const b = valF(B, BF, i);
  if (kind === FP_DIV && b === 0 && a !== 0) fpFlags = before;
  const r =
    kind === FP_ADD
      ? add(a, b, true)
      : kind === FP_SUB
        ? add(a, -b, true)
        : kind === FP_MUL
          ? mul(a, b, true)
          : div(a, b, true);
  if (Number.isNaN(r)) invalidF(i);
  else RF[i] = r;
}

/** A one-source operation's NaN (the source is B): quietened, IE for an SNaN. */
function nanB(i: number, single: boolean): boolean {
  if (single) {
    if (!isNanF(B, i)) return false;
    if (isSnanF(B, i)) fpFlags |= MX_IE;
    R[i] = B[i]! | 0x400000;
    return true;
  }
  if (!isNanD(B, i)) return false;
  if (isSnanD(B, i)) fpFlags |= MX_IE;
  R[2 * i] = B[2 * i]!;
  R[2 * i + 1] = B[2 * i + 1]! | 0x80000;
  return true;
}

/** x rounded to the nearest integer, ties to even (Math.round rounds ties up). */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * ROUNDPS/PD/SS/SD lane i (SDM ROUNDPD): R ← B rounded to an integral value in the mode of imm bits 1:0, or of
 * MXCSR.RC when imm bit 2 is set; PE when the result differs from the source unless imm bit 3 suppresses it. An SNaN
 * raises IE and is quietened; a denormal raises no DE (the SDM lists only IE and PE) and reads as zero under DAZ.
 */
export function roundLane(i: number, single: boolean, imm: number): void {
  if (nanB(i, single)) return;
  let v = single ? BF[i]! : BD[i]!;
  if (daz && v !== 0 && Math.abs(v) < (single ? 1.1754943508222875e-38 : 2.2250738585072014e-308))
    v = v < 0 ? -0 : 0;
  const mode = imm & 4 ? rc : imm & 3;
  const r = mode === 0 ? rint(v) : mode === 1 ? Math.floor(v) : mode === 2 ? Math.ceil(v) : Math.trunc(v);
  if (r !== v && (imm & 8) === 0) fpFlags |= MX_PE;
  if (single) RF[i] = r;
  else RD[i] = r;
}

/**
 * MIN/MAX: dest = a < b ? a : b (MAX: a > b); a NaN in either, or two zeros, give the second source unchanged;
 * any NaN raises IE (SDM MINPS: "Invalid (including QNaN Source Operand)").
 */
function minMax(kind: number, i: number, single: boolean): void {
  const an = single ? isNanF(A, i) : isNanD(A, i);
  const bn = single ? isNanF(B, i) : isNanD(B, i);
  if (an || bn) {
    fpFlags |= MX_IE;
    // the second source is returned, a denormal one read as zero under DAZ
    const den = !bn && (single ? (B[i]! & 0x7f800000) === 0 : (B[2 * i + 1]! & 0x7ff00000) === 0);
    if (daz && den) {
      if (single) R[i] = B[i]! & 0x80000000;
      else {
        R[2 * i] = 0;
        R[2 * i + 1] = B[2 * i + 1]! & 0x80000000;
      }
    } else copyLane(B, i, single);
    return;
  }
  const a = single ? valF(A, AF, i) : valD(A, AD, i);
  const b = single ? valF(B, BF, i) : valD(B, BD, i);
  const first = kind === FP_MIN ? a < b : a > b;
  const v = first ? a : b;
  const X = first ? A : B;
  // a denormal the DAZ bit read as zero is returned as that zero
  const raw = single ? (X[i]! & 0x7f800000) === 0 : (X[2 * i + 1]! & 0x7ff00000) === 0;
  if (daz && raw && v === 0) {
    if (single) RF[i] = v;
    else RD[i] = v;
  } else copyLane(X, i, single);
}

function copyLane(X: Int32Array, i: number, single: boolean): void {
  if (single) R[i] = X[i]!;
  else {
    R[2 * i] = X[2 * i]!;
    R[2 * i + 1] = X[2 * i + 1]!;
  }
}

/**
 * CMPPS/PD/SS/SD predicate p (imm8[2:0]: EQ LT LE UNORD NEQ NLT NLE ORD) on lane i: all ones or zeros in R. LT, LE,
 * NLT, NLE signal IE on any NaN; the others only on an SNaN.
 */
export function cmpLane(p: number, i: number, single: boolean): void {
  const an = single ? isNanF(A, i) : isNanD(A, i);
  const bn = single ? isNanF(B, i) : isNanD(B, i);
  let t: boolean;
  if (an || bn) {
    const sn = single ? isSnanF(A, i) || isSnanF(B, i) : isSnanD(A, i) || isSnanD(B, i);
    if (sn || p === 1 || p === 2 || p === 5 || p === 6) fpFlags |= MX_IE;
    t = p === 3 || p === 4 || p === 5 || p === 6; // unordered: UNORD, NEQ, NLT, NLE are true
  } else {
    const a = single ? valF(A, AF, i) : valD(A, AD, i);
    const b = single ? valF(B, BF, i) : valD(B, BD, i);
    switch (p) {
      case 0:
        t = a === b;
        break;
      case 1:
        t = a < b;
        break;
      case 2:
        t = a <= b;
        break;
      case 3:
        t = false;
        break;
      case 4:
        t = a !== b;
        break;
      case 5:
        t = !(a < b);
        break;
      case 6:
        t = !(a <= b);
        break;
      default:
        t = true;
    }
  }
  if (single) R[i] = t ? -1 : 0;
  else {
    R[2 * i] = t ? -1 : 0;
    R[2 * i + 1] = t ? -1 : 0;
  }
}

/**
 * (U)COMISS/SD of lane 0: the RFLAGS value of ZF, PF, CF (unordered 111, greater 000, less 001, equal 100); OF,
 * AF, SF are cleared. COMIS signals IE on any NaN, UCOMIS only on an SNaN.
 */
export function comi(single: boolean, signaling: boolean): number {
  const an = single ? isNanF(A, 0) : isNanD(A, 0);
  const bn = single ? isNanF(B, 0) : isNanD(B, 0);
  if (an || bn) {
    const sn = single ? isSnanF(A, 0) || isSnanF(B, 0) : isSnanD(A, 0) || isSnanD(B, 0);
    if (sn || signaling) fpFlags |= MX_IE;
    return 0x45;
  }
  const a = single ? valF(A, AF, 0) : valD(A, AD, 0);
  const b = single ? valF(B, BF, 0) : valD(B, BD, 0);
  return a > b ? 0 : a < b ? 1 : 0x40;
}

// ---- conversions ----

/** Rounds an integer given as hi·2^32 + lo (hi signed, lo unsigned) to binary64/binary32 under RC. */
export function intToFloat(hi: number, lo: number, single: boolean): number {
  const h = hi * 4294967296;
  const s = h + lo;
  if (s === 0) return 0;
  const bb = s - h;
  const err = h - (s - bb) + (lo - bb);
  const neg = s < 0;
  return finish(neg, neg ? -s : s, neg ? -err : err, 0, single);
}

/** Integer conversion result: low and high dwords. */
export let cvtHi = 0;

/**
 * Lane i of B (binary32 when `single`) to a signed 32- or 64-bit integer, rounded under RC or truncated.
 * NaN and out-of-range values give the integer indefinite value 80000000H (8000000000000000H) and IE. Returns the
 * low dword; cvtHi has the high one.
 */
export function floatToInt(i: number, single: boolean, bits64: boolean, trunc: boolean): number {
  const nan = single ? isNanF(B, i) : isNanD(B, i);
  let v: number;
  if (nan) v = Number.NaN;
  else {
    v = single ? BF[i]! : BD[i]!;
    if (daz && v !== 0 && Math.abs(v) < (single ? 1.1754943508222875e-38 : 2.2250738585072014e-308)) v = 0;
  }
  let r: number;
  if (Number.isNaN(v)) r = Number.NaN;
  else {
    const mode = trunc ? 3 : rc;
    const f = Math.floor(v);
    if (f === v) r = v;
    else {
      if (mode === 1) r = f;
      else if (mode === 2) r = f + 1;
      else if (mode === 3) r = v < 0 ? f + 1 : f;
      else {
        const d = v - f;
        r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
      }
    }
  }
  const lim = bits64 ? 2 ** 63 : 2 ** 31;
  if (!(r >= -lim && r < lim)) {
    fpFlags |= MX_IE;
    cvtHi = bits64 ? 0x80000000 | 0 : 0;
    return bits64 ? 0 : 0x80000000 | 0;
  }
  if (r !== v) fpFlags |= MX_PE;
  const hi = Math.floor(r / 4294967296);
  cvtHi = bits64 ? hi | 0 : 0;
  return (r - hi * 4294967296) | 0;
}

/** binary32 lane i of B to binary64 lane j of R (CVTSS2SD, CVTPS2PD): exact; an SNaN is quietened with IE. */
export function floatToDouble(i: number, j: number): void {
  const bits = B[i]!;
  if (isNanF(B, i)) {
    if (isSnanF(B, i)) fpFlags |= MX_IE;
    R[2 * j + 1] = (bits & 0x80000000) | 0x7ff80000 | ((bits & 0x3fffff) >>> 3);
    R[2 * j] = (bits & 7) << 29;
    return;
  }
  RD[j] = valF(B, BF, i);
}

/** binary64 lane i of B to binary32 lane j of R (CVTSD2SS, CVTPD2PS), rounded under RC. */
export function doubleToFloat(i: number, j: number): void {
  if (isNanD(B, i)) {
    if (isSnanD(B, i)) fpFlags |= MX_IE;
    const hi = B[2 * i + 1]!;
    R[j] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (B[2 * i]! >>> 29);
    return;
  }
  const v = valD(B, BD, i);
  if (v === 0 || !Number.isFinite(v)) RF[j] = v;
  else RF[j] = finish(v < 0, Math.abs(v), 0, 0, true);
}

/**
 * RCPPS/RCPSS (`sqrt` false) and RSQRTPS/RSQRTSS of binary32 lane i of B: here the correctly rounded 1/x and 1/√x,
 * within the SDM's bound |relative error| ≤ 1.5·2^-12 (the hardware's table-based approximations differ between
 * vendors, so the vectors check the bound, not the bits). No exception is raised and MXCSR is unchanged; a
 * denormal source is read as a zero of its sign and a tiny result is flushed to zero (SDM RCPSS, RSQRTSS).
 */
export function rcpLane(i: number, sqrtOf: boolean): void {
  const bits = B[i]!;
  if (isNanF(B, i)) {
    R[i] = bits | 0x400000;
    return;
  }
  const sign = bits & 0x80000000;
  const exp = bits & 0x7f800000;
  if (exp === 0) {
    R[i] = sign | 0x7f800000; // ±0 and denormals: ±∞ (RSQRT of −0 is −∞)
    return;
  }
  if (sqrtOf && sign !== 0) {
    R[i] = QNAN_F; // RSQRT of a negative number: the default QNaN
    return;
  }
  if (exp === 0x7f800000) {
    R[i] = sign; // ±∞: ±0
    return;
  }
  const v = BF[i]!;
  const f = Math.fround(sqrtOf ? 1 / Math.sqrt(v) : 1 / v);
  if (Math.abs(f) < 1.1754943508222875e-38) R[i] = sign;
  else RF[i] = f;
}
