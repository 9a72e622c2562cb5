// MUL, IMUL (one, two and three operands), DIV and IDIV on lo/hi int32 halves. 64×64→128 products use 16-bit
// limbs; only 128/64-bit divisions that do not fit the double-precision fast path fall back to BigInt.
import { setExplicit } from "./flags.ts";

const TWO32 = 4294967296;

// 128-bit product of the last mul64u/mul64s call, as four int32 words (w0 lowest).
export const prod = new Int32Array(4);
const limbs = new Float64Array(8);

/** Unsigned 64×64→128 multiply into `prod`. */
export function mul64u(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const a2 = aHi & 0xffff;
  const a3 = aHi >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const b2 = bHi & 0xffff;
  const b3 = bHi >>> 16;
  // Column sums stay below 4 * 2^32 + carry < 2^53.
  limbs[0] = a0 * b0;
  limbs[1] = a0 * b1 + a1 * b0;
  limbs[2] = a0 * b2 + a1 * b1 + a2 * b0;
  limbs[3] = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  limbs[4] = a1 * b3 + a2 * b2 + a3 * b1;
  limbs[5] = a2 * b3 + a3 * b2;
  limbs[6] = a3 * b3;
  limbs[7] = 0;
  let carry = 0;
  for (let i = 0; i < 8; i += 2) {
    const c0 = limbs[i]! + carry;
    const l0 = c0 % 65536;
    const c1 = limbs[i + 1]! + (c0 - l0) / 65536;
    const l1 = c1 % 65536;
    carry = (c1 - l1) / 65536;
    prod[i >> 1] = (l0 + l1 * 65536) | 0;
  }
}

/** Signed 64×64→128 multiply into `prod`. */
export function mul64s(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mul64u(aLo, aHi, bLo, bHi);
  // Two's-complement correction of the high half: subtract b if a < 0 and a if b < 0.
  if (aHi < 0) sub64High(bLo, bHi);
  if (bHi < 0) sub64High(aLo, aHi);
}

function sub64High(lo: number, hi: number): void {
  const s = (prod[2]! >>> 0) - (lo >>> 0);
  prod[2] = s | 0;
  prod[3] = (prod[3]! - hi - (s < 0 ? 1 : 0)) | 0;
}

/** High half of the last imul() result (size 8). */
export let imulHi = 0;

/**
 * Two/three-operand IMUL: the product truncated to `size` bytes; CF = OF = the full product does not fit
 * (SDM Vol. 2A, IMUL). Returns the low half (size < 8: sign-correct, masked to size).
 */
export function imul(
  lf: Int32Array,
  size: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): number {
  let lo: number;
  let hi = 0;
  let of: number;
  if (size === 8) {
    mul64s(aLo, aHi, bLo, bHi);
    lo = prod[0]!;
    hi = prod[1]!;
    const ext = hi >> 31;
    of = prod[2] !== ext || prod[3] !== ext ? 1 : 0;
  } else if (size === 4) {
    // The double product is exact whenever the true product fits in 32 bits, and rounding never carries a product
    // outside [-2^31, 2^31) back inside it (both bounds are representable), so the range test is exact.
    lo = Math.imul(aLo, bLo);
    const p = (aLo | 0) * (bLo | 0);
    of = p < -2147483648 || p > 2147483647 ? 1 : 0;
  } else {
    const sh = 32 - size * 8;
    const full = ((aLo << sh) >> sh) * ((bLo << sh) >> sh);
    const mask = size === 1 ? 0xff : 0xffff;
    lo = full & mask;
    of = (full << sh) >> sh !== full ? 1 : 0;
  }
  setExplicit(lf, size, lo, hi, of, of);
  imulHi = hi;
  return lo;
}

/** One-operand MUL/IMUL: AX ← AL*r/m8, DX:AX, EDX:EAX or RDX:RAX ← rAX*r/m. */
export function mulAcc(
  regs: Int32Array,
  lf: Int32Array,
  size: number,
  signed: boolean,
  bLo: number,
  bHi: number,
) {
  const aLo = regs[0]!;
  if (size === 1 || size === 2) {
    const sh = 32 - size * 8;
    const mask = size === 1 ? 0xff : 0xffff;
    const a = signed ? (aLo << sh) >> sh : aLo & mask;
    const b = signed ? (bLo << sh) >> sh : bLo & mask;
    const full = a * b; // |full| < 2^32
    const lo = full & mask;
    const hiPart = (full >> (size * 8)) & mask;
    const of = signed ? ((full << sh) >> sh !== full ? 1 : 0) : hiPart !== 0 ? 1 : 0;
    if (size === 1) {
      regs[0] = (aLo & ~0xffff) | (full & 0xffff);
    } else {
      regs[0] = (aLo & ~0xffff) | lo;
      regs[4] = (regs[4]! & ~0xffff) | hiPart;
    }
    setExplicit(lf, size, lo, 0, of, of);
    return;
  }
  if (size === 4) {
    if (signed) mul64s(aLo, aLo >> 31, bLo, bLo >> 31);
    else mul64u(aLo, 0, bLo, 0);
    const lo = prod[0]!;
    const hi = prod[1]!;
    const of = signed ? (hi !== lo >> 31 ? 1 : 0) : hi !== 0 ? 1 : 0;
    regs[0] = lo;
    regs[1] = 0;
    regs[4] = hi;
    regs[5] = 0;
    setExplicit(lf, 4, lo, 0, of, of);
    return;
  }
  const aHi = regs[1]!;
  if (signed) mul64s(aLo, aHi, bLo, bHi);
  else mul64u(aLo, aHi, bLo, bHi);
  const ext = prod[1]! >> 31;
  const of = signed ? (prod[2] !== ext || prod[3] !== ext ? 1 : 0) : (prod[2]! | prod[3]!) !== 0 ? 1 : 0;
  regs[0] = prod[0]!;
  regs[1] = prod[1]!;
  regs[4] = prod[2]!;
  regs[5] = prod[3]!;
  setExplicit(lf, 8, prod[0]!, prod[1]!, of, of);
}

/**
 * DIV/IDIV of rDX:rAX (AX for bytes) by the operand. Returns false for #DE (divisor 0 or quotient overflow),
 * leaving the registers unchanged. Flags are undefined after DIV; this model leaves them unchanged.
 */
export function divAcc(regs: Int32Array, size: number, signed: boolean, bLo: number, bHi: number): boolean {
  if (size === 1 || size === 2) {
    const bits = size * 8;
    const sh = 32 - bits;
    const mask = size === 1 ? 0xff : 0xffff;
    const dividend = size === 1 ? regs[0]! & 0xffff : (regs[4]! & 0xffff) * 65536 + (regs[0]! & 0xffff);
    const b = signed ? (bLo << sh) >> sh : bLo & mask;
    if (b === 0) return false;
    const n = signed ? (size === 1 ? (dividend << 16) >> 16 : dividend | 0) : dividend;
    const q = Math.trunc(n / b);
    const r = n - q * b;
    if (signed ? q < -(2 ** (bits - 1)) || q >= 2 ** (bits - 1) : q > mask) return false;
    if (size === 1) {
      regs[0] = (regs[0]! & ~0xffff) | (q & 0xff) | ((r & 0xff) << 8);
    } else {
      regs[0] = (regs[0]! & ~0xffff) | (q & 0xffff);
      regs[4] = (regs[4]! & ~0xffff) | (r & 0xffff);
    }
    return true;
  }
  if (size === 4) {
    const lo = regs[0]! >>> 0;
    const hi = regs[4]! >>> 0;
    let q: number;
    let r: number;
    if (!signed) {
      const d = bLo >>> 0;
      if (d === 0 || hi >= d) return false;
      [q, r] = div64by32(hi, lo, d);
    } else {
      const d = bLo | 0;
      if (d === 0) return false;
      const neg = (hi | 0) < 0;
      // |dividend| as hi:lo
      let mhi = hi;
      let mlo = lo;
      if (neg) {
        mlo = (~lo + 1) >>> 0;
        mhi = (~hi + (mlo === 0 ? 1 : 0)) >>> 0;
      }
      const md = Math.abs(d);
      if (mhi >= md) return false;
      [q, r] = div64by32(mhi, mlo, md);
      if (neg !== d < 0) q = -q;
      if (neg) r = -r;
      if (q < -0x80000000 || q > 0x7fffffff) return false;
    }
    regs[0] = q | 0;
    regs[1] = 0;
    regs[4] = r | 0;
    regs[5] = 0;
    return true;
  }
  // 64-bit: RDX:RAX / r/m64.
  const aLo = regs[0]!;
  const aHi = regs[1]!;
  const dLo = regs[4]!;
  const dHi = regs[5]!;
  if ((bLo | bHi) === 0) return false;
  if (!signed && (dLo | dHi) === 0 && aHi >>> 0 < 0x200000 && bHi >>> 0 < 0x200000) {
    const n = (aHi >>> 0) * TWO32 + (aLo >>> 0);
    const b = (bHi >>> 0) * TWO32 + (bLo >>> 0);
    const q = Math.floor(n / b);
    setPair(regs, 0, q);
    setPair(regs, 4, n - q * b);
    return true;
  }
  const ext = aHi >> 31;
  if (signed && dLo === ext && dHi === ext && Math.abs(aHi) < 0x200000 && Math.abs(bHi) < 0x200000) {
    const n = aHi * TWO32 + (aLo >>> 0);
    const b = bHi * TWO32 + (bLo >>> 0);
    const q = Math.trunc(n / b);
    setPair(regs, 0, q);
    setPair(regs, 4, n - q * b);
    return true;
  }
  return divSlow(regs, signed, bLo, bHi);
}

function div64by32(hi: number, lo: number, d: number): [number, number] {
  // hi < d < 2^32: two 16-bit long-division steps keep every intermediate below 2^48.
  let r = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(r / d);
  r -= q1 * d;
  r = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(r / d);
  r -= q0 * d;
  return [q1 * 65536 + q0, r];
}

function setPair(regs: Int32Array, at: number, v: number): void {
  regs[at] = v | 0;
  regs[at + 1] = Math.floor(v / TWO32) | 0;
}

/** Rare path: full 128/64 division with BigInt. */
function divSlow(regs: Int32Array, signed: boolean, bLo: number, bHi: number): boolean {
  const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let n = (u64(regs[4]!, regs[5]!) << 64n) | u64(regs[0]!, regs[1]!);
  let d = u64(bLo, bHi);
  if (signed) {
    n = BigInt.asIntN(128, n);
    d = BigInt.asIntN(64, d);
  }
  const q = n / d; // BigInt division truncates toward zero, as IDIV does
  const r = n % d;
  if (signed ? q < -(1n << 63n) || q >= 1n << 63n : q >= 1n << 64n) return false;
  const qu = BigInt.asUintN(64, q);
  const ru = BigInt.asUintN(64, r);
  regs[0] = Number(qu & 0xffffffffn) | 0;
  regs[1] = Number(qu >> 32n) | 0;
  regs[4] = Number(ru & 0xffffffffn) | 0;
  regs[5] = Number(ru >> 32n) | 0;
  return true;
}
