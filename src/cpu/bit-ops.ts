// Bit scans (BSF/BSR) and double-precision shifts (SHLD/SHRD), SDM Vol. 2A/2B.
import { setExplicit } from "./flags.ts";

/**
 * Index of the lowest (reverse = 0) or highest (reverse = 1) set bit of the size-byte operand lo/hi, or -1 when
 * it is zero.
 */
export function bitScan(reverse: number, size: number, lo: number, hi: number): number {
  const l = size === 2 ? lo & 0xffff : lo;
  const h = size === 8 ? hi : 0;
  if (l === 0 && h === 0) return -1;
  if (reverse === 0) {
    if (l !== 0) return 31 - Math.clz32(l & -l);
    return 63 - Math.clz32(h & -h);
  }
  if (h !== 0) return 63 - Math.clz32(h);
  return 31 - Math.clz32(l);
}

/** High half of the last 64-bit shiftDouble() result. */
export let shiftDoubleHi = 0;

/**
 * SHLD (right = 0) / SHRD (right = 1) of the size-byte destination d by `count` (already masked, 1..31 or 1..63),
 * filling from the source s. Records lazy flags: CF = last bit shifted out, OF = sign change (defined for a count
 * of 1; the same formula is used for larger counts), SF/ZF/PF from the result, AF = 0. A 16-bit operand with a
 * count above 16 shifts the 48-bit pattern d:s:d, as Intel and AMD hardware do (the SDM leaves it undefined).
 */
export function shiftDouble(
  lf: Int32Array,
  right: number,
  size: number,
  dLo: number,
  dHi: number,
  sLo: number,
  sHi: number,
  count: number,
): number {
  let lo: number;
  let hi = 0;
  let cf: number;
  let msbIn: number;
  if (size === 2) {
    const d = dLo & 0xffff;
    const v = d * 4294967296 + (sLo & 0xffff) * 65536 + d; // bits 47..32 d, 31..16 s, 15..0 d
    if (right === 0) {
      lo = Math.floor(v / 2 ** (32 - count)) & 0xffff;
      cf = Math.floor(v / 2 ** (48 - count)) & 1;
    } else {
      // SHRD: s supplies the bits above d, so use s:d with d repeated above it.
      const w = (sLo & 0xffff) * 65536 + d + d * 4294967296;
      lo = Math.floor(w / 2 ** count) & 0xffff;
      cf = Math.floor(w / 2 ** (count - 1)) & 1;
    }
    msbIn = (d >>> 15) & 1;
    setExplicit(lf, 2, lo, 0, cf, ((lo >>> 15) & 1) ^ msbIn);
    shiftDoubleHi = 0;
    return lo;
  }
  if (size === 4) {
    if (right === 0) {
      lo = (dLo << count) | (sLo >>> (32 - count));
      cf = (dLo >>> (32 - count)) & 1;
    } else {
      lo = (dLo >>> count) | (sLo << (32 - count));
      cf = (dLo >>> (count - 1)) & 1;
    }
    setExplicit(lf, 4, lo, 0, cf, (lo >>> 31) ^ (dLo >>> 31));
    shiftDoubleHi = 0;
    return lo;
  }
  if (right === 0) {
    if (count < 32) {
      hi = (dHi << count) | (dLo >>> (32 - count));
      lo = (dLo << count) | (sHi >>> (32 - count));
      cf = (dHi >>> (32 - count)) & 1;
    } else if (count === 32) {
      hi = dLo;
      lo = sHi;
      cf = dHi & 1;
    } else {
      const c = count - 32;
      hi = (dLo << c) | (sHi >>> (32 - c));
      lo = (sHi << c) | (sLo >>> (32 - c));
      cf = (dLo >>> (32 - c)) & 1;
    }
  } else if (count < 32) {
    lo = (dLo >>> count) | (dHi << (32 - count));
    hi = (dHi >>> count) | (sLo << (32 - count));
    cf = (dLo >>> (count - 1)) & 1;
  } else if (count === 32) {
    lo = dHi;
    hi = sLo;
    cf = dLo >>> 31;
  } else {
    const c = count - 32;
    lo = (dHi >>> c) | (sLo << (32 - c));
    hi = (sLo >>> c) | (sHi << (32 - c));
    cf = (dHi >>> (c - 1)) & 1;
  }
  setExplicit(lf, 8, lo, hi, cf, (hi >>> 31) ^ (dHi >>> 31));
  shiftDoubleHi = hi;
  return lo;
}
