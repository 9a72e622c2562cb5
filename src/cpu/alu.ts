// The eight ALU operations, INC/DEC/NEG, and shifts/rotates, on lo/hi int32 halves. Each records its lazy flags.
import {
  FL_ADC,
  FL_ADD,
  FL_DEC,
  FL_INC,
  FL_LOGIC,
  FL_SBB,
  FL_SUB,
  LF_CF,
  LF_DST,
  LF_DSTHI,
  LF_OP,
  LF_RES,
  LF_RESHI,
  LF_SIZE,
  LF_SRC,
  LF_SRCHI,
  setExplicit,
} from "./flags.ts";

// ModRM.reg numbering of the ALU group (SDM Vol. 2A, Table A-6 group 1).
export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

const TWO32 = 4294967296;

/**
 * Computes `a <op> b` at `size` bytes (size < 8: lo only, hi ignored). Returns the low half (masked to the size)
 * and leaves the high half in lf[LF_RESHI]. cfIn is the current CF (used by ADC/SBB).
 */
export function alu(
  lf: Int32Array,
  kind: number,
  size: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  cfIn: number,
): number {
  let lo: number;
  let hi = 0;
  let fl: number;
  if (size !== 8) {
    const mask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    aLo &= mask;
    bLo &= mask;
    aHi = 0;
    bHi = 0;
    switch (kind) {
      case ALU_ADD:
        lo = (aLo + bLo) & mask;
        fl = FL_ADD;
        break;
      case ALU_OR:
        lo = aLo | bLo;
        fl = FL_LOGIC;
        break;
      case ALU_ADC:
        lo = (aLo + bLo + cfIn) & mask;
        fl = FL_ADC;
        break;
      case ALU_SBB:
        lo = (aLo - bLo - cfIn) & mask;
        fl = FL_SBB;
        break;
      case ALU_AND:
        lo = aLo & bLo;
        fl = FL_LOGIC;
        break;
      case ALU_XOR:
        lo = aLo ^ bLo;
        fl = FL_LOGIC;
        break;
      default: // SUB, CMP
        lo = (aLo - bLo) & mask;
        fl = FL_SUB;
        break;
    }
  } else {
    switch (kind) {
      case ALU_ADD:
      case ALU_ADC: {
        const c = kind === ALU_ADC ? cfIn : 0;
        const s = (aLo >>> 0) + (bLo >>> 0) + c;
        lo = s | 0;
        hi = (aHi + bHi + (s >= TWO32 ? 1 : 0)) | 0;
        fl = kind === ALU_ADC ? FL_ADC : FL_ADD;
        break;
      }
      case ALU_OR:
        lo = aLo | bLo;
        hi = aHi | bHi;
        fl = FL_LOGIC;
        break;
      case ALU_AND:
        lo = aLo & bLo;
        hi = aHi & bHi;
        fl = FL_LOGIC;
        break;
      case ALU_XOR:
        lo = aLo ^ bLo;
        hi = aHi ^ bHi;
        fl = FL_LOGIC;
        break;
      default: {
        // SUB, SBB, CMP
        const c = kind === ALU_SBB ? cfIn : 0;
        const s = (aLo >>> 0) - (bLo >>> 0) - c;
        lo = s | 0;
        hi = (aHi - bHi - (s < 0 ? 1 : 0)) | 0;
        fl = kind === ALU_SBB ? FL_SBB : FL_SUB;
        break;
      }
    }
  }
  lf[LF_OP] = fl;
  lf[LF_SIZE] = size;
  lf[LF_RES] = lo;
  lf[LF_RESHI] = hi;
  lf[LF_DST] = aLo;
  lf[LF_DSTHI] = aHi;
  lf[LF_SRC] = bLo;
  lf[LF_SRCHI] = bHi;
  lf[LF_CF] = cfIn;
  return lo;
}

/** INC (dec=false) or DEC; CF is preserved (cfIn). */
export function incDec(
  lf: Int32Array,
  dec: boolean,
  size: number,
  aLo: number,
  aHi: number,
  cfIn: number,
): number {
  let lo: number;
  let hi = 0;
  if (size !== 8) {
    const mask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    aLo &= mask;
    aHi = 0;
    lo = (dec ? aLo - 1 : aLo + 1) & mask;
  } else if (dec) {
    lo = (aLo - 1) | 0;
    hi = aLo === 0 ? (aHi - 1) | 0 : aHi;
  } else {
    lo = (aLo + 1) | 0;
    hi = lo === 0 ? (aHi + 1) | 0 : aHi;
  }
  lf[LF_OP] = dec ? FL_DEC : FL_INC;
  lf[LF_SIZE] = size;
  lf[LF_RES] = lo;
  lf[LF_RESHI] = hi;
  lf[LF_DST] = aLo;
  lf[LF_DSTHI] = aHi;
  lf[LF_SRC] = 1;
  lf[LF_SRCHI] = 0;
  lf[LF_CF] = cfIn;
  return lo;
}

/** NEG: 0 - a, flags as SUB (CF = a != 0). */
export function neg(lf: Int32Array, size: number, aLo: number, aHi: number): number {
  return alu(lf, ALU_SUB, size, 0, 0, aLo, aHi, 0);
}

/** The sign bit of a `bits`-wide value. */
function msb(x: number, bits: number): number {
  return (x >>> (bits - 1)) & 1;
}

// Shift/rotate group numbering (SDM Vol. 2A, Table A-6 group 2).
export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;

/** High half of the last 64-bit shift() result (read right after the call). */
export let shiftHi = 0;
/** Set by shift(): whether the flags changed (false when the masked count is 0: flags and operand unchanged). */
export let shiftChanged = false;

/**
 * Shift or rotate `a` (size bytes) by `count` (already read from CL or imm8). Count masking: 6 bits for 64-bit
 * operands, 5 bits otherwise; RCL/RCR at 8/16 bits then rotate modulo 9/17 (SDM Vol. 2B, RCL/RCR/ROL/ROR and
 * SAL/SAR/SHL/SHR "Operation"). Shifts record lazy flags; rotates only change CF and OF and report them in
 * `rotateFlags`. OF is defined by the SDM for counts of 1; for larger counts this model applies the same formula.
 * cfIn is the current CF (RCL/RCR).
 */
export function shift(
  lf: Int32Array,
  kind: number,
  size: number,
  aLo: number,
  aHi: number,
  count: number,
  cfIn: number,
): number {
  const bits = size * 8;
  rotateFlags = -1;
  count &= size === 8 ? 63 : 31;
  shiftChanged = count !== 0;
  if (count === 0) {
    shiftHi = aHi;
    return aLo;
  }
  if (size !== 8) {
    const mask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    const a = aLo & mask;
    let r: number;
    let cf: number;
    let of: number;
    switch (kind) {
      case SH_ROL: {
        const c = count % bits;
        r = c === 0 ? a : ((a << c) | (a >>> (bits - c))) & mask;
        cf = r & 1;
        of = msb(r, bits) ^ cf;
        setRotate(cf, of);
        shiftHi = 0;
        return r;
      }
      case SH_ROR: {
        const c = count % bits;
        r = c === 0 ? a : ((a >>> c) | (a << (bits - c))) & mask;
        cf = msb(r, bits);
        of = msb(r, bits) ^ ((r >>> (bits - 2)) & 1);
        setRotate(cf, of);
        shiftHi = 0;
        return r;
      }
      case SH_RCL: {
        const c = count % (bits + 1);
        r = a;
        cf = cfIn;
        for (let i = 0; i < c; i++) {
          const out = msb(r, bits);
          r = ((r << 1) | cf) & mask;
          cf = out;
        }
        of = msb(r, bits) ^ cf;
        setRotate(cf, of);
        shiftHi = 0;
        return r;
      }
      case SH_RCR: {
        const c = count % (bits + 1);
        r = a;
        cf = cfIn;
        of = msb(r, bits) ^ cf; // SDM: OF computed before the rotate
        for (let i = 0; i < c; i++) {
          const out = r & 1;
          r = ((r >>> 1) | (cf << (bits - 1))) & mask;
          cf = out;
        }
        setRotate(cf, of);
        shiftHi = 0;
        return r;
      }
      case SH_SHL:
      case SH_SAL:
        // count <= 31 here; for 8/16-bit operands counts beyond the width shift everything out.
        r = count >= 32 ? 0 : (a << count) & mask;
        cf = count > bits ? 0 : (a >>> (bits - count)) & 1;
        of = msb(r, bits) ^ cf;
        break;
      case SH_SHR:
        r = count >= bits ? 0 : (a >>> count) & mask;
        cf = count > bits ? 0 : (a >>> (count - 1)) & 1;
        of = msb(a, bits);
        break;
      default: {
        // SAR
        const sa = (a << (32 - bits)) >> (32 - bits); // sign-extend to int32
        r = (sa >> Math.min(count, 31)) & mask;
        cf = (sa >> Math.min(count - 1, 31)) & 1;
        of = 0;
        break;
      }
    }
    setExplicit(lf, size, r, 0, cf, of);
    shiftHi = 0;
    return r;
  }
  // 64-bit.
  let lo: number;
  let hi: number;
  let cf: number;
  let of: number;
  switch (kind) {
    case SH_ROL:
    case SH_ROR:
    case SH_RCL:
    case SH_RCR: {
      lo = aLo;
      hi = aHi;
      cf = cfIn;
      if (kind === SH_ROL || kind === SH_ROR) {
        const c = kind === SH_ROL ? count : 64 - count;
        [lo, hi] = rol64(aLo, aHi, c);
        if (kind === SH_ROL) {
          cf = lo & 1;
          of = (hi >>> 31) ^ cf;
        } else {
          cf = hi >>> 31;
          of = (hi >>> 31) ^ ((hi >>> 30) & 1);
        }
      } else if (kind === SH_RCL) {
        for (let i = 0; i < count; i++) {
          const out = hi >>> 31;
          hi = (hi << 1) | (lo >>> 31);
          lo = (lo << 1) | cf;
          cf = out;
        }
        of = (hi >>> 31) ^ cf;
      } else {
        of = (hi >>> 31) ^ cf;
        for (let i = 0; i < count; i++) {
          const out = lo & 1;
          lo = (lo >>> 1) | (hi << 31);
          hi = (hi >>> 1) | (cf << 31);
          cf = out;
        }
      }
      setRotate(cf, of);
      shiftHi = hi;
      return lo;
    }
    case SH_SHL:
    case SH_SAL:
      if (count < 32) {
        lo = aLo << count;
        hi = (aHi << count) | (count === 0 ? 0 : aLo >>> (32 - count));
        cf = (aHi >>> (32 - count)) & 1;
      } else {
        lo = 0;
        hi = aLo << (count - 32);
        cf = count === 32 ? aHi & 1 : (aLo >>> (64 - count)) & 1;
      }
      of = (hi >>> 31) ^ cf;
      break;
    case SH_SHR:
      if (count < 32) {
        lo = (aLo >>> count) | (aHi << (32 - count));
        hi = aHi >>> count;
        cf = (aLo >>> (count - 1)) & 1;
      } else {
        lo = aHi >>> (count - 32);
        hi = 0;
        cf = count === 32 ? aLo >>> 31 : (aHi >>> (count - 33)) & 1;
      }
      of = aHi >>> 31;
      break;
    default:
      if (count < 32) {
        lo = (aLo >>> count) | (aHi << (32 - count));
        hi = aHi >> count;
        cf = (aLo >>> (count - 1)) & 1;
      } else {
        lo = aHi >> (count - 32);
        hi = aHi >> 31;
        cf = count === 32 ? aLo >>> 31 : (aHi >> (count - 33)) & 1;
      }
      of = 0;
      break;
  }
  lo |= 0;
  hi |= 0;
  setExplicit(lf, 8, lo, hi, cf, of);
  shiftHi = hi;
  return lo;
}

function rol64(lo: number, hi: number, c: number): [number, number] {
  c &= 63;
  if (c >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    c -= 32;
  }
  if (c === 0) return [lo | 0, hi | 0];
  return [(lo << c) | (hi >>> (32 - c)) | 0, (hi << c) | (lo >>> (32 - c)) | 0];
}

/** After shift(): -1 for a shift (lazy flags recorded), or cf | of << 1 for a rotate (only CF/OF change). */
export let rotateFlags = -1;

function setRotate(cf: number, of: number): void {
  rotateFlags = cf | (of << 1);
}
