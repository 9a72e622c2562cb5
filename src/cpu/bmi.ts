// Bit manipulation beyond BSF/BSR (SDM Vol. 2: POPCNT, LZCNT, TZCNT, and the VEX-encoded BMI1/BMI2 GPR
// instructions). Results on (lo, hi) halves; flags are returned as RFLAGS status bits (CF PF AF ZF SF OF) in
// `bmiFlags` together with the mask of bits the instruction writes in `bmiFlagsMask` (PDEP/PEXT/MULX/RORX/
// SARX/SHLX/SHRX write none). Flags the SDM leaves undefined are given the values AMD Zen 3 produces where the
// hardware vectors showed them, else 0 (the vector test masks them).

/** BMI sub-ops (Op.BMI aux). */
export const BMI_ANDN = 1;
export const BMI_BLSR = 2;
export const BMI_BLSMSK = 3;
export const BMI_BLSI = 4;
export const BMI_BEXTR = 5;
export const BMI_BZHI = 6;
export const BMI_PEXT = 7;
export const BMI_PDEP = 8;
export const BMI_MULX = 9;
export const BMI_RORX = 10;
export const BMI_SARX = 11;
export const BMI_SHLX = 12;
export const BMI_SHRX = 13;

export const BMI_NAMES = [
  "",
  "andn",
  "blsr",
  "blsmsk",
  "blsi",
  "bextr",
  "bzhi",
  "pext",
  "pdep",
  "mulx",
  "rorx",
  "sarx",
  "shlx",
  "shrx",
] as const;

const CF = 1;
const ZF = 0x40;
const SF = 0x80;
const STATUS = 0x8d5;

export let bmiFlags = 0;
export let bmiFlagsMask = 0;
/** High half of a 64-bit result; for MULX the high half of the product is in (mulxHiLo, mulxHiHi). */
export let resHi = 0;
export let mulxHiLo = 0;
export let mulxHiHi = 0;

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** POPCNT: ZF = source is zero; OF SF AF CF PF cleared. */
export function popcnt(size: number, lo: number, hi: number): number {
  const l = size === 2 ? lo & 0xffff : lo;
  const n = popcount32(l) + (size === 8 ? popcount32(hi) : 0);
  bmiFlags = n === 0 ? ZF : 0;
  bmiFlagsMask = STATUS;
  resHi = 0;
  return n;
}

/** LZCNT (lz = true) / TZCNT: the count (operand size for a zero source); CF = source is zero, ZF = result is 0. */
export function countZeros(lz: boolean, size: number, lo: number, hi: number): number {
  const bits = 8 * size;
  const l = size === 2 ? lo & 0xffff : lo;
  const h = size === 8 ? hi : 0;
  let n: number;
  if (l === 0 && h === 0) n = bits;
  else if (lz) {
    if (size === 8) n = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
    else n = Math.clz32(l) - (32 - bits);
  } else n = l !== 0 ? 31 - Math.clz32(l & -l) : 63 - Math.clz32(h & -h);
  bmiFlags = (n === bits ? CF : 0) | (n === 0 ? ZF : 0);
  bmiFlagsMask = CF | ZF;
  resHi = 0;
  return n;
}

const M64 = (1n << 64n) - 1n;
const big = (lo: number, hi: number, size: number): bigint =>
  size === 8 ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);

function out(v: bigint, size: number): number {
  const m = size === 8 ? M64 : 0xffffffffn;
  const r = v & m;
  resHi = size === 8 ? Number(r >> 32n) | 0 : 0;
  return Number(r & 0xffffffffn) | 0;
}

function szFlags(r: bigint, size: number): number {
  const bits = BigInt(8 * size);
  return (r === 0n ? ZF : 0) | ((r >> (bits - 1n)) & 1n ? SF : 0);
}

/**
 * One BMI1/BMI2 instruction. a = r/m operand, b = VEX.vvvv operand (for ANDN/PDEP/PEXT/MULX: the first source),
 * c = RDX for MULX, imm for RORX. Returns the low half of the result (high half in resHi).
 */
export function bmiOp(
  kind: number,
  size: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  imm: number,
): number {
  const bits = BigInt(8 * size);
  const mask = (1n << bits) - 1n;
  const a = big(aLo, aHi, size);
  const b = big(bLo, bHi, size);
  bmiFlagsMask = 0;
  let r: bigint;
  switch (kind) {
    case BMI_ANDN: // dest ← ~vvvv & r/m: SF ZF; OF CF cleared
      r = ~b & a & mask;
      bmiFlags = szFlags(r, size);
      bmiFlagsMask = STATUS;
      return out(r, size);
    case BMI_BLSR: // r/m & (r/m − 1): CF = source is zero
      r = a & ((a - 1n) & mask);
      bmiFlags = szFlags(r, size) | (a === 0n ? CF : 0);
      bmiFlagsMask = STATUS;
      return out(r, size);
    case BMI_BLSMSK: // r/m ^ (r/m − 1): CF = source is zero, ZF cleared
      r = (a ^ (a - 1n)) & mask;
      bmiFlags = (szFlags(r, size) & SF) | (a === 0n ? CF : 0);
      bmiFlagsMask = STATUS;
      return out(r, size);
    case BMI_BLSI: // r/m & −r/m: CF = source is not zero
      r = a & (-a & mask);
      bmiFlags = szFlags(r, size) | (a !== 0n ? CF : 0);
      bmiFlagsMask = STATUS;
      return out(r, size);
    case BMI_BEXTR: {
      // start = vvvv[7:0], length = vvvv[15:8]: ZF; CF OF cleared
      const start = BigInt(bLo & 0xff);
      const len = BigInt((bLo >>> 8) & 0xff);
      r = start >= bits ? 0n : (a >> start) & (len >= bits ? mask : (1n << len) - 1n);
      bmiFlags = r === 0n ? ZF : 0;
      bmiFlagsMask = STATUS;
      return out(r, size);
    }
    case BMI_BZHI: {
      // zero the bits from index vvvv[7:0]: SF ZF; CF = index > size − 1; OF cleared
      const n = BigInt(bLo & 0xff);
      r = n >= bits ? a : a & ((1n << n) - 1n);
      bmiFlags = szFlags(r, size) | (n > bits - 1n ? CF : 0);
      bmiFlagsMask = STATUS;
      return out(r, size);
    }
    case BMI_PEXT: {
      // gather the bits of vvvv (source) selected by r/m (mask)
      r = 0n;
      let k = 0n;
      for (let i = 0n; i < bits; i++)
        if ((a >> i) & 1n) {
          r |= ((b >> i) & 1n) << k;
          k++;
        }
      return out(r, size);
    }
    case BMI_PDEP: {
      // scatter the low bits of vvvv (source) to the positions selected by r/m (mask)
      r = 0n;
      let k = 0n;
      for (let i = 0n; i < bits; i++)
        if ((a >> i) & 1n) {
          r |= ((b >> k) & 1n) << i;
          k++;
        }
      return out(r, size);
    }
    case BMI_MULX: {
      // unsigned RDX (b) × r/m: the high half is the result, the low half goes to vvvv (mulxHi* hold the high)
      const p = a * b;
      const hiPart = out(p >> bits, size);
      mulxHiLo = hiPart;
      mulxHiHi = resHi;
      return out(p & mask, size);
    }
    case BMI_RORX: {
      const n = BigInt(imm) % bits;
      r = ((a >> n) | (a << (bits - n))) & mask;
      return out(r, size);
    }
    case BMI_SARX:
    case BMI_SHLX:
    case BMI_SHRX: {
      const n = BigInt(bLo) & (bits - 1n);
      if (kind === BMI_SHLX) r = (a << n) & mask;
      else if (kind === BMI_SHRX) r = a >> n;
      else {
        const signed = a >= 1n << (bits - 1n) ? a - (1n << bits) : a;
        r = (signed >> n) & mask;
      }
      return out(r, size);
    }
  }
  throw new Error(`BMI sub-op ${kind} has no implementation`);
}

/** (VEX map, pp, opcode, ModRM.reg) → BMI sub-op; 0 = not a GPR instruction implemented here. */
export function vexBmiOp(map: number, pp: number, opcode: number, reg: number): number {
  if (map === 2) {
    switch (opcode) {
      case 0xf2:
        return pp === 0 ? BMI_ANDN : 0;
      case 0xf3:
        return pp === 0 ? ([0, BMI_BLSR, BMI_BLSMSK, BMI_BLSI, 0, 0, 0, 0][reg] ?? 0) : 0;
      case 0xf5:
        return pp === 0 ? BMI_BZHI : pp === 2 ? BMI_PEXT : pp === 3 ? BMI_PDEP : 0;
      case 0xf6:
        return pp === 3 ? BMI_MULX : 0;
      case 0xf7:
        return [BMI_BEXTR, BMI_SHLX, BMI_SARX, BMI_SHRX][pp]!;
    }
    return 0;
  }
  if (map === 3 && opcode === 0xf0 && pp === 3) return BMI_RORX;
  return 0;
}
