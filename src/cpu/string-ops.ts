// MOVS, STOS, LODS, CMPS, SCAS with optional REP/REPE/REPNE (SDM Vol. 2B, REP/REPE/REPNE). RSI/RDI/RCX are written back after every
// chunk and on a fault, so a faulting iteration leaves the completed ones architecturally visible, as on hardware.
import { ALU_CMP, alu } from "./alu.ts";
import type { Cpu } from "./cpu.ts";
import { NONE, PFX_ADDR32, PFX_REP, PFX_REPNE } from "./decoded.ts";
import { GP } from "./exceptions.ts";
import { raise } from "./fault.ts";
import { FS, GS } from "./registers.ts";
import { DF } from "./rflags.ts";

/** Iterations executed per interpreter step; a longer REP resumes at the same RIP (budget stays responsive). */
export const REP_CHUNK = 4096;
export const STR_MOVS = 0;
export const STR_STOS = 1;
export const STR_LODS = 2;
/** CMPS and SCAS compare (flags as CMP) and, with REPE/REPNE, stop early when ZF is 0/1. */
export const STR_CMPS = 3;
export const STR_SCAS = 4;

const TWO32 = 4294967296;
const CANON = 0x800000000000;

/** Result of the last stringOp(): true when the instruction completed (RCX reached 0 or no REP). */
export let stringDone = true;

export function stringOp(cpu: Cpu, s: number, kind: number): number {
  const d = cpu.icache;
  const regs = cpu.regs;
  const mmu = cpu.mmu;
  const size = d.size[s]!;
  const pfx = d.pfx[s]!;
  const rep = (pfx & (PFX_REP | PFX_REPNE)) !== 0;
  const a32 = (pfx & PFX_ADDR32) !== 0;
  const step = (cpu.flags & DF) !== 0 ? -size : size;
  let count = 1;
  if (rep) {
    count = a32 ? regs[2]! >>> 0 : (regs[3]! >>> 0) * TWO32 + (regs[2]! >>> 0);
    if (count === 0) {
      stringDone = true;
      return 0;
    }
  }
  const n = Math.min(count, REP_CHUNK);
  const seg = d.segOverride[s]!;
  const segBase = seg === NONE ? 0 : seg === FS ? cpu.fsBase : seg === GS ? cpu.gsBase : 0;
  let si = a32 ? regs[12]! >>> 0 : regs[13]! * TWO32 + (regs[12]! >>> 0);
  let di = a32 ? regs[14]! >>> 0 : regs[15]! * TWO32 + (regs[14]! >>> 0);
  const aLo = regs[0]!;
  const aHi = regs[1]!;
  let done = 0;
  let stopped = false;
  try {
    if (kind >= STR_CMPS) {
      const lf = cpu.lf;
      const whileEqual = (pfx & PFX_REP) !== 0;
      for (; done < n; ) {
        let x: number;
        let xh: number;
        if (kind === STR_CMPS) {
          const src = si + segBase;
          if (src < -CANON || src >= CANON) raise(cpu.fault, GP, 0, "string source address is not canonical");
          x = mmu.read(src, size);
          xh = mmu.hi;
        } else {
          x = aLo;
          xh = aHi;
        }
        if (di < -CANON || di >= CANON)
          raise(cpu.fault, GP, 0, "string destination address is not canonical");
        const y = mmu.read(di, size);
        alu(lf, ALU_CMP, size, x, xh, y, mmu.hi, 0);
        done++;
        if (kind === STR_CMPS) si = a32 ? (si + step) >>> 0 : si + step;
        di = a32 ? (di + step) >>> 0 : di + step;
        if (rep && ((lf[2]! | lf[3]!) === 0) !== whileEqual) {
          stopped = true;
          break;
        }
      }
    }
    for (; kind < STR_CMPS && done < n; done++) {
      if (kind !== STR_STOS) {
        const src = si + segBase;
        if (src < -CANON || src >= CANON) raise(cpu.fault, GP, 0, "string source address is not canonical");
        const v = mmu.read(src, size);
        const vh = mmu.hi;
        if (kind === STR_MOVS) {
          if (di < -CANON || di >= CANON)
            raise(cpu.fault, GP, 0, "string destination address is not canonical");
          mmu.write(di, size, v, vh);
        } else {
          writeAcc(regs, size, v, vh);
        }
        si = a32 ? (si + step) >>> 0 : si + step;
      } else {
        if (di < -CANON || di >= CANON)
          raise(cpu.fault, GP, 0, "string destination address is not canonical");
        mmu.write(di, size, aLo, aHi);
      }
      if (kind !== STR_LODS) di = a32 ? (di + step) >>> 0 : di + step;
    }
  } finally {
    if (kind !== STR_STOS && kind !== STR_SCAS) setAddr(regs, 6, si, a32);
    if (kind !== STR_LODS) setAddr(regs, 7, di, a32);
    if (rep) {
      // RCX - done exactly from its halves (a count like RCX = -1 is not exact as a double)
      const lo = (regs[2]! >>> 0) - done;
      regs[2] = lo | 0;
      regs[3] = a32 ? 0 : lo < 0 ? (regs[3]! - 1) | 0 : regs[3]!;
    }
  }
  stringDone = !rep || stopped || count - done === 0;
  return done;
}

function setAddr(regs: Int32Array, r: number, v: number, a32: boolean): void {
  regs[2 * r] = v | 0;
  regs[2 * r + 1] = a32 ? 0 : Math.floor(v / TWO32) | 0;
}

function writeAcc(regs: Int32Array, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1:
      regs[0] = (regs[0]! & ~0xff) | (lo & 0xff);
      return;
    case 2:
      regs[0] = (regs[0]! & ~0xffff) | (lo & 0xffff);
      return;
    case 4:
      regs[0] = lo;
      regs[1] = 0;
      return;
    default:
      regs[0] = lo;
      regs[1] = hi;
  }
}
