// Operand access shared by both engines (the interpreter and the block JIT): registers by size, effective
// addresses, the stack, branch targets. The effective address takes the decoded fields as arguments, so the JIT
// passes them as constants and the interpreter reads them from the decoded slot (`ea`).
import { hex } from "./address.ts";
import type { Cpu } from "./cpu.ts";
import { GP, SS_VEC } from "./exceptions.ts";
import { raise } from "./fault.ts";
import { CF } from "./rflags.ts";

// TWO32 = 2^32, CANON = 2^47 (canonical addresses lie in [-CANON, CANON)); written as literals (see interpreter.ts).

/** Low part of register r at `size` (byte registers 16–19 are AH, CH, DH, BH). */
export function rdReg(regs: Int32Array, r: number, size: number): number {
  if (size === 1) return r < 16 ? regs[2 * r]! & 0xff : (regs[2 * (r - 16)]! >>> 8) & 0xff;
  if (size === 2) return regs[2 * r]! & 0xffff;
  return regs[2 * r]!;
}

/** Writes register r at `size`: 32-bit writes zero-extend, 8/16-bit writes merge (SDM Vol. 1 §3.4.1.1). */
export function wrReg(regs: Int32Array, r: number, size: number, lo: number, hi: number): void {
  switch (size) {
    case 8:
      wrReg8(regs, r, lo, hi);
      return;
    case 4:
      wrReg4(regs, r, lo);
      return;
    case 2:
      regs[2 * r] = (regs[2 * r]! & ~0xffff) | (lo & 0xffff);
      return;
    default:
      if (r < 16) {
        regs[2 * r] = (regs[2 * r]! & ~0xff) | (lo & 0xff);
      } else {
        const i = 2 * (r - 16);
        regs[i] = (regs[i]! & ~0xff00) | ((lo & 0xff) << 8);
      }
  }
}

/** wrReg at 8 bytes (the block JIT calls it directly when the size is a constant). */
export function wrReg8(regs: Int32Array, r: number, lo: number, hi: number): void {
  regs[2 * r] = lo;
  regs[2 * r + 1] = hi;
}

/** wrReg at 4 bytes: the upper half is zeroed. */
export function wrReg4(regs: Int32Array, r: number, lo: number): void {
  regs[2 * r] = lo;
  regs[2 * r + 1] = 0;
}

/** Linear address of decoded slot s's memory operand (eaOf with the slot's fields). */
export function ea(cpu: Cpu, regs: Int32Array, s: number, next: number): number {
  const d = cpu.icache;
  return eaOf(cpu, regs, d.base[s]!, d.index[s]!, d.scale[s]!, d.disp[s]!, d.seg[s]!, d.pfx[s]!, next);
}

/**
 * Linear address of a memory operand: base + index*scale + disp (+ FS/GS base), computed exactly mod 2^64.
 * A non-canonical result raises #GP(0), or #SS(0) for RSP/RBP-based references (SDM Vol. 3A §6.15).
 * Fast path: when the base and index registers hold values in [-2^47, 2^47) the sum stays below 2^52 in magnitude,
 * so plain double arithmetic is exact and no wrap mod 2^64 can occur; anything else takes eaExact.
 */
export function eaOf(
  cpu: Cpu,
  regs: Int32Array,
  b: number,
  x: number,
  scale: number,
  disp: number,
  seg: number,
  pfx: number,
  next: number,
): number {
  let a = disp;
  if (seg >= 4 /* FS */) a += seg === 4 /* FS */ ? cpu.fsBase : cpu.gsBase;
  if ((pfx & 8) /* PFX_ADDR32 */ !== 0) return eaExact(cpu, regs, b, x, scale, disp, seg, pfx, next);
  if (b !== 255 /* NONE */) {
    if (b === 16 /* RIP_BASE */) {
      a += next;
    } else {
      const h = regs[2 * b + 1]!;
      if (h >> 15 !== h >> 31) return eaExact(cpu, regs, b, x, scale, disp, seg, pfx, next);
      a += h * 4294967296 /* TWO32 */ + (regs[2 * b]! >>> 0);
    }
  }
  if (x !== 255 /* NONE */) {
    const h = regs[2 * x + 1]!;
    if (h >> 15 !== h >> 31) return eaExact(cpu, regs, b, x, scale, disp, seg, pfx, next);
    a += (h * 4294967296 /* TWO32 */ + (regs[2 * x]! >>> 0)) * (1 << scale);
  }
  if (a < -0x800000000000 /* CANON */ || a >= 0x800000000000 /* CANON */)
    return eaExact(cpu, regs, b, x, scale, disp, seg, pfx, next);
  return a;
}

/**
 * eaOf's fast path for a base register and a displacement (no index, no FS/GS, 64-bit addressing), for the block
 * JIT; anything else is eaOf's.
 */
export function eaBase(
  cpu: Cpu,
  regs: Int32Array,
  b: number,
  disp: number,
  pfx: number,
  next: number,
): number {
  const h = regs[2 * b + 1]!;
  if (h >> 15 === h >> 31) {
    const a = disp + (h * 4294967296 /* TWO32 */ + (regs[2 * b]! >>> 0));
    if (a >= -0x800000000000 /* CANON */ && a < 0x800000000000 /* CANON */) return a;
  }
  return eaOf(cpu, regs, b, 255 /* NONE */, 0, disp, 0, pfx, next);
}

/** eaOf's fast path for base + index*scale + displacement (no FS/GS, 64-bit addressing), for the block JIT. */
export function eaBaseIndex(
  cpu: Cpu,
  regs: Int32Array,
  b: number,
  x: number,
  scale: number,
  disp: number,
  pfx: number,
  next: number,
): number {
  const h = regs[2 * b + 1]!;
  const hx = regs[2 * x + 1]!;
  if (h >> 15 === h >> 31 && hx >> 15 === hx >> 31) {
    const a =
      disp +
      (h * 4294967296 /* TWO32 */ + (regs[2 * b]! >>> 0)) +
      (hx * 4294967296 /* TWO32 */ + (regs[2 * x]! >>> 0)) * (1 << scale);
    if (a >= -0x800000000000 /* CANON */ && a < 0x800000000000 /* CANON */) return a;
  }
  return eaOf(cpu, regs, b, x, scale, disp, 0, pfx, next);
}

/** eaOf() for every case: exact mod 2^64 from the lo/hi halves, 32-bit address size, and the canonical faults. */
function eaExact(
  cpu: Cpu,
  regs: Int32Array,
  b: number,
  x: number,
  scale: number,
  disp: number,
  seg: number,
  pfx: number,
  next: number,
): number {
  const segBase = seg === 4 /* FS */ ? cpu.fsBase : seg === 5 /* GS */ ? cpu.gsBase : 0;
  let l: number;
  let h: number;
  if (b === 16 /* RIP_BASE */) {
    const t = next + disp;
    if ((pfx & 8) /* PFX_ADDR32 */ === 0) {
      const a = t + segBase;
      if (a < -0x800000000000 /* CANON */ || a >= 0x800000000000 /* CANON */)
        raise(cpu.fault, GP, 0, `non-canonical address ${hex(a)}`);
      return a;
    }
    l = t >>> 0;
    h = 0;
  } else {
    l = disp >>> 0;
    h = disp >> 31;
    if (b !== 255 /* NONE */) {
      l += regs[2 * b]! >>> 0;
      h += regs[2 * b + 1]!;
    }
    if (x !== 255 /* NONE */) {
      const m = 1 << scale;
      l += (regs[2 * x]! >>> 0) * m;
      h += regs[2 * x + 1]! * m;
    }
    if ((pfx & 8) /* PFX_ADDR32 */ !== 0) {
      l >>>= 0; // 32-bit address size: the offset wraps at 4 GiB and is zero-extended
      h = 0;
    }
  }
  l += segBase;
  const c = Math.floor(l / 4294967296 /* TWO32 */);
  const hi = (h + c) | 0;
  if (hi >> 15 !== hi >> 31) {
    const a = hi * 4294967296 /* TWO32 */ + (l - c * 4294967296) /* TWO32 */;
    if ((pfx & 16) /* PFX_STACK */ !== 0)
      raise(cpu.fault, SS_VEC, 0, `non-canonical stack address ${hex(a)}`);
    raise(cpu.fault, GP, 0, `non-canonical address ${hex(a)}`);
  }
  return hi * 4294967296 /* TWO32 */ + (l - c * 4294967296) /* TWO32 */;
}

/** The r/m source's high half, set by readRmSource (0 for a memory operand narrower than 64 bits). */
export const rmHi = new Int32Array(1);

/** Reads decoded slot s's r/m operand of `size` bytes (a register pair or memory): the low half; the high in rmHi[0]. */
export function readRmSource(cpu: Cpu, regs: Int32Array, s: number, next: number, size: number): number {
  const m = cpu.icache.rm[s]!;
  if (m !== 255 /* NONE */) {
    rmHi[0] = regs[2 * m + 1]!;
    return regs[2 * m]!;
  }
  const lo = cpu.mmu.read(ea(cpu, regs, s, next), size);
  rmHi[0] = size === 8 ? cpu.mmu.hi : 0;
  return lo;
}

/** LEA's high half, set by leaOf (an array, so that JIT code reads the same cell). */
export const leaOut = new Int32Array(1);

/** LEA of decoded slot s (leaOf with the slot's fields). */
export function leaOffset(cpu: Cpu, regs: Int32Array, s: number, next: number): number {
  const d = cpu.icache;
  return leaOf(regs, d.base[s]!, d.index[s]!, d.scale[s]!, d.disp[s]!, d.pfx[s]!, next);
}

/** LEA: the offset's low half (no segment base, no canonical check); the high half goes to leaOut[0]. */
export function leaOf(
  regs: Int32Array,
  b: number,
  x: number,
  scale: number,
  disp: number,
  pfx: number,
  next: number,
): number {
  let l: number;
  let h: number;
  if (b === 16 /* RIP_BASE */) {
    const t = next + disp;
    l = t - Math.floor(t / 4294967296 /* TWO32 */) * 4294967296 /* TWO32 */;
    h = Math.floor(t / 4294967296 /* TWO32 */);
  } else {
    l = disp >>> 0;
    h = disp >> 31;
    if (b !== 255 /* NONE */) {
      l += regs[2 * b]! >>> 0;
      h += regs[2 * b + 1]!;
    }
    if (x !== 255 /* NONE */) {
      const m = 1 << scale;
      l += (regs[2 * x]! >>> 0) * m;
      h += regs[2 * x + 1]! * m;
    }
  }
  const c = Math.floor(l / 4294967296 /* TWO32 */);
  leaOut[0] = (pfx & 8) /* PFX_ADDR32 */ !== 0 ? 0 : (h + c) | 0;
  return (l - c * 4294967296) /* TWO32 */ | 0;
}

export function rsp(regs: Int32Array): number {
  return regs[9]! * 4294967296 /* TWO32 */ + (regs[8]! >>> 0);
}

export function setRsp(regs: Int32Array, v: number): void {
  regs[8] = v | 0;
  regs[9] = Math.floor(v / 4294967296 /* TWO32 */) | 0;
}

export function stackAddr(cpu: Cpu, a: number): number {
  if (a < -0x800000000000 /* CANON */ || a >= 0x800000000000 /* CANON */)
    raise(cpu.fault, SS_VEC, 0, `non-canonical stack address ${hex(a)}`);
  return a;
}

export function push(cpu: Cpu, regs: Int32Array, size: number, lo: number, hi: number): void {
  const sp = stackAddr(cpu, rsp(regs) - size);
  if (size === 8) cpu.mmu.write64(sp, lo, hi);
  else cpu.mmu.write16(sp, lo);
  setRsp(regs, sp);
}

export function branchTarget(cpu: Cpu, t: number): number {
  if (t < -0x800000000000 /* CANON */ || t >= 0x800000000000 /* CANON */)
    raise(cpu.fault, GP, 0, `branch to non-canonical address ${hex(t)}`);
  return t;
}

export function setCF(cpu: Cpu, cf: number): void {
  const f = cpu.getRflags();
  cpu.flags = cf ? f | CF : f & ~CF;
}
