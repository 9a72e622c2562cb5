// The fast loop: fetch through the current code page, look the instruction up in the decoded cache, dispatch on
// its op in one switch whose case labels are literal numbers (Op in decoded.ts names them), charge its cost.
import { hex, linearToBigInt } from "./address.ts";
import { ALU_AND, alu, incDec, neg, rotateFlags, shift, shiftChanged, shiftHi } from "./alu.ts";
import { bitScan, shiftDouble, shiftDoubleHi } from "./bit-ops.ts";
import {
  BMI_MULX,
  BMI_RORX,
  bmiFlags,
  bmiFlagsMask,
  bmiOp,
  countZeros,
  mulxHiHi,
  mulxHiLo,
  popcnt,
  resHi,
} from "./bmi.ts";
import type { Cpu, StopReason } from "./cpu.ts";
import { BP, DE, GP, UD } from "./exceptions.ts";
import { FAULT, raise, raiseTrap } from "./fault.ts";
import { testCondition } from "./flags.ts";
import { INSN_CLASS_INDEX } from "./insn-class.ts";
import { execMmx } from "./mmx.ts";
import { divAcc, imul, imulHi, mulAcc } from "./muldiv.ts";
import { NATIVE_CLOBBERED, NATIVE_POISON_HALF } from "./natives.ts";
import {
  branchTarget,
  ea,
  leaOffset,
  leaOut,
  push,
  rdReg,
  readRmSource,
  rmHi,
  rsp,
  setCF,
  setRsp,
  stackAddr,
  wrReg,
} from "./operands.ts";
import {
  doCpuid,
  iretq,
  movFromCr,
  movToCr,
  popf,
  rdmsr,
  setIF,
  swapgs,
  syscall,
  sysret,
  wrmsr,
} from "./privileged.ts";
import { FS, GS } from "./registers.ts";
import { CF, DF, OF, RF, VM, ZF } from "./rflags.ts";
import { execSse, execSse4 } from "./sse.ts";
import { STR_CMPS, STR_LODS, STR_MOVS, STR_SCAS, STR_STOS, stringDone, stringOp } from "./string-ops.ts";
import { execX87 } from "./x87.ts";

// Constants of the hot paths are written as literals with their name in a comment (`4294967296 /* TWO32 */`):
// module-level constants cost a context load per use in V8. test/cpu/decoded.test.ts checks every such literal.
// TWO32 = 2^32, CANON = 2^47 (canonical addresses lie in [-CANON, CANON)).
const TRAP_CLASS = INSN_CLASS_INDEX.trap;
const STRING_CLASS = INSN_CLASS_INDEX.string;
const BUDGET: StopReason = Object.freeze({ kind: "budget" }) as StopReason;
/** Returned to the block JIT's run loop at a block entry it wants (only when `resumed`); cpu.jit.steps ran. */
export const JIT_YIELD: StopReason = Object.freeze({ kind: "budget" }) as StopReason;

/** Runs up to `max` instructions (see Cpu.run); `resumed`: called by the block JIT's run loop (jit/jit-engine.ts). */
export function execute(cpu: Cpu, max: number, resumed = false): StopReason {
  const regs = cpu.regs;
  const lf = cpu.lf;
  const mmu = cpu.mmu;
  const fault = cpu.fault;
  const d = cpu.icache;
  const SIZE = d.size;
  const REG = d.reg;
  const RM = d.rm;
  const AUX = d.aux;
  const IMM = d.immLo;
  const IMMHI = d.immHi;
  const TAG = d.tag;
  const GEN = d.gen;
  const HOT = d.hot;
  const HOTF = d.hotF;
  const codeGen = mmu.phys.codeGen;
  const PROBEOP = d.probeOp;
  const JITS = cpu.jit.slotState;
  // Block accounting (src/cpu/timing): bp indexes the current block's next position in POOL (-1: the next
  // instruction enters a block), be is the block's end; a run that stopped mid-block resumes its position.
  const blocks = cpu.blocks;
  const SLOTSTART = blocks.slotStart;
  const SLOTEND = blocks.slotEnd;
  let POOL = blocks.pool;
  let epoch = blocks.epoch;
  let bp = -1;
  let be = 0;
  let cur = 0;
  if (cpu.blockResumePc === cpu.rip && cpu.blockResumeEpoch === epoch) {
    bp = cpu.blockResumePos;
    be = cpu.blockResumeEnd;
  }
  // Branch prediction (the "ooo" model only; "flat" has no penalty and skips it).
  const PEN = cpu.pricer.mispredictPenalty;
  const pred = cpu.predictor;
  const CTR = pred.counter;
  const TGT = pred.target;
  let n = 0;
  // Cycles and retired instructions not yet added to the Cpu's counters, all at the CPL `user` names (it changes
  // only in execRare, exception delivery or a probe, where the counters are committed first).
  let cyc = 0;
  let ninsn = 0;
  let rip = 0;
  let next = 0;
  let s = 32768 /* SCRATCH_SLOT */;
  let cost = 0;
  let user = mmu.user;
  let pc = cpu.rip;
  let fVpn = mmu.fetchVpn;
  let fPa = mmu.fetchPa;
  // A stop requested before run() ends it at once; one a probe requested while the block JIT's run loop called
  // the interpreter (`resumed`) waits for a native, as when the interpreter runs alone.
  if (!resumed) {
    const pending = cpu.takeStop();
    if (pending !== null) return pending;
  }
  if (cpu.compatMode) return compatStop(pc);
  for (;;) {
    try {
      while (n < max) {
        rip = pc;
        if (HOT[(s << 2) | 3] === mmu.epoch && HOTF[s << 1] === pc) {
          s = HOT[(s << 2) | 2]!;
        } else {
          const from = s;
          const off = rip & 4095;
          if ((rip - off) * (1 / 4096) === fVpn) {
            const pa = fPa + off;
            s = (pa ^ (pa >>> 15)) & 0x7fff /* ICACHE_MASK */;
            if (TAG[s] !== pa || GEN[s] !== codeGen[pa >>> 12]) s = cpu.decodeAt(rip, pa, s) | 0;
          } else {
            s = cpu.fetchSlow(rip) | 0;
            fVpn = mmu.fetchVpn;
            fPa = mmu.fetchPa;
          }
          if (from !== 32768 /* SCRATCH_SLOT */ && s !== 32768 /* SCRATCH_SLOT */) {
            HOT[(from << 2) | 2] = s;
            HOT[(from << 2) | 3] = mmu.epoch;
            HOTF[from << 1] = pc;
          }
        }
        next = rip + HOT[(s << 2) | 1]!;
        pc = next;
        n++;
        let op = HOT[s << 2]!;
        if (bp < 0 && resumed && JITS[s] !== 2 && n > 1 && op !== 78 /* PROBE */) {
          // A block entry the block JIT has compiled or is counting: back to its run loop (jit/jit-engine.ts).
          cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn);
          cpu.rip = rip;
          saveBlock(cpu, rip, -1, 0);
          cpu.jit.steps = n - 1;
          return JIT_YIELD;
        }
        if (op === 78 /* PROBE */) {
          // Host probes see the counters of every instruction before this one; the slot's real op runs next.
          cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn);
          cyc = 0;
          ninsn = 0;
          cpu.rip = rip;
          cpu.runProbes(rip);
          user = mmu.user;
          fVpn = mmu.fetchVpn;
          fPa = mmu.fetchPa;
          op = PROBEOP[s]!;
          bp = -1; // a probed instruction enters a block
          epoch = blocks.epoch;
        }
        if (bp < 0) {
          bp = SLOTSTART[s]!;
          if (bp >= 0) be = SLOTEND[s]!;
          else {
            const b = cpu.enterBlock(rip, s);
            POOL = blocks.pool;
            bp = blocks.offset[b]!;
            be = bp + blocks.length[b]!;
          }
        }
        cost = POOL[bp]!;
        cur = bp;
        bp = bp + 1 === be ? -1 : bp + 1;
        switch (op) {
          // ---- BEGIN generated from src/cpu/insn-templates.ts (scripts/gen-interpreter.ts) ----
          case 1: {
            // NOP

            break;
          }
          case 2: {
            // MOV_RM_R
            const size = SIZE[s]!;
            const r = REG[s]!;
            const m = RM[s]!;
            const lo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
            if (m !== 255 /* NONE */) wrReg(regs, m, size, lo, regs[2 * r + 1]!);
            else mmu.write(ea(cpu, regs, s, next), size, lo, regs[2 * r + 1]!);
            break;
          }
          case 3: {
            // MOV_R_RM
            const size = SIZE[s]!;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              wrReg(regs, REG[s]!, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
            } else {
              const lo = mmu.read(ea(cpu, regs, s, next), size);
              wrReg(regs, REG[s]!, size, lo, mmu.hi);
            }
            break;
          }
          case 4: {
            // MOV_RM_IMM
            const m = RM[s]!;
            if (m !== 255 /* NONE */) wrReg(regs, m, SIZE[s]!, IMM[s]!, IMMHI[s]!);
            else mmu.write(ea(cpu, regs, s, next), SIZE[s]!, IMM[s]!, IMMHI[s]!);
            break;
          }
          case 7: {
            // MOVZX
            const m = RM[s]!;
            const src = AUX[s]!;
            const v = m !== 255 /* NONE */ ? rdReg(regs, m, src) : mmu.read(ea(cpu, regs, s, next), src);
            wrReg(regs, REG[s]!, SIZE[s]!, v, 0);
            break;
          }
          case 8: {
            // MOVSX (MOVSXD for a 4-byte source)
            const m = RM[s]!;
            const src = AUX[s]! & 15; // low bits: source size (the 16 flag marks MOVSXD)
            let v = m !== 255 /* NONE */ ? rdReg(regs, m, src) : mmu.read(ea(cpu, regs, s, next), src);
            if (src === 1) v = (v << 24) >> 24;
            else if (src === 2) v = (v << 16) >> 16;
            wrReg(regs, REG[s]!, SIZE[s]!, v, v >> 31);
            break;
          }
          case 9: {
            // LEA
            const lo = leaOffset(cpu, regs, s, next);
            wrReg(regs, REG[s]!, SIZE[s]!, lo, leaOut[0]!);
            break;
          }
          case 10: {
            // ALU_RM_R
            const size = SIZE[s]!;
            const k = AUX[s]!;
            const r = REG[s]!;
            const m = RM[s]!;
            const bLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
            const bHi = regs[2 * r + 1]!;
            const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
            if (m !== 255 /* NONE */ && size >= 4 && k !== 2 && k !== 3) {
              const xa = regs[2 * m]!;
              const xah = size === 8 ? regs[2 * m + 1]! : 0;
              const xb = bLo;
              const xbh = size === 8 ? bHi : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) wrReg(regs, m, size, lo, hi);
            } else if (m !== 255 /* NONE */) {
              const res = alu(
                lf,
                k,
                size,
                size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
                regs[2 * m + 1]!,
                bLo,
                bHi,
                cf,
              );
              if (k !== 7) wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
            } else if (size >= 4 && k !== 2 && k !== 3) {
              const a = ea(cpu, regs, s, next);
              const v = mmu.read(a, size);

              const xa = v;
              const xah = size === 8 ? mmu.hi : 0;
              const xb = bLo;
              const xbh = size === 8 ? bHi : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) mmu.write(a, size, lo, hi);
            } else {
              const a = ea(cpu, regs, s, next);
              const res = alu(lf, k, size, mmu.read(a, size), mmu.hi, bLo, bHi, cf);
              if (k !== 7) mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
            }
            break;
          }
          case 11: {
            // ALU_R_RM
            const size = SIZE[s]!;
            const k = AUX[s]!;
            const r = REG[s]!;
            const m = RM[s]!;
            let bLo: number;
            let bHi: number;
            if (m !== 255 /* NONE */) {
              bLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
              bHi = regs[2 * m + 1]!;
            } else {
              bLo = mmu.read(ea(cpu, regs, s, next), size);
              bHi = mmu.hi;
            }
            if (size >= 4 && k !== 2 && k !== 3) {
              const xa = regs[2 * r]!;
              const xah = size === 8 ? regs[2 * r + 1]! : 0;
              const xb = bLo;
              const xbh = size === 8 ? bHi : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) wrReg(regs, r, size, lo, hi);
            } else {
              const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
              const res = alu(
                lf,
                k,
                size,
                size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!,
                regs[2 * r + 1]!,
                bLo,
                bHi,
                cf,
              );
              if (k !== 7) wrReg(regs, r, size, res, lf[3 /* LF_RESHI */]!);
            }
            break;
          }
          case 12: {
            // ALU_RM_IMM
            const size = SIZE[s]!;
            const k = AUX[s]!;
            const m = RM[s]!;
            const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
            if (m !== 255 /* NONE */ && size >= 4 && k !== 2 && k !== 3) {
              const xa = regs[2 * m]!;
              const xah = size === 8 ? regs[2 * m + 1]! : 0;
              const xb = IMM[s]!;
              const xbh = size === 8 ? IMMHI[s]! : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) wrReg(regs, m, size, lo, hi);
            } else if (m !== 255 /* NONE */) {
              const aLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
              const res = alu(lf, k, size, aLo, regs[2 * m + 1]!, IMM[s]!, IMMHI[s]!, cf);
              if (k !== 7) wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
            } else if (size >= 4 && k !== 2 && k !== 3) {
              const a = ea(cpu, regs, s, next);
              const v = mmu.read(a, size);

              const xa = v;
              const xah = size === 8 ? mmu.hi : 0;
              const xb = IMM[s]!;
              const xbh = size === 8 ? IMMHI[s]! : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) mmu.write(a, size, lo, hi);
            } else {
              const a = ea(cpu, regs, s, next);
              const res = alu(lf, k, size, mmu.read(a, size), mmu.hi, IMM[s]!, IMMHI[s]!, cf);
              if (k !== 7) mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
            }
            break;
          }
          case 13: {
            // TEST_RM_R
            const size = SIZE[s]!;
            const r = REG[s]!;
            const m = RM[s]!;
            const bLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
            if (m !== 255 /* NONE */) {
              alu(
                lf,
                ALU_AND,
                size,
                size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
                regs[2 * m + 1]!,
                bLo,
                regs[2 * r + 1]!,
                0,
              );
            } else {
              const aLo = mmu.read(ea(cpu, regs, s, next), size);
              alu(lf, ALU_AND, size, aLo, mmu.hi, bLo, regs[2 * r + 1]!, 0);
            }
            break;
          }
          case 14: {
            // TEST_RM_IMM
            const size = SIZE[s]!;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              alu(
                lf,
                ALU_AND,
                size,
                size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
                regs[2 * m + 1]!,
                IMM[s]!,
                IMMHI[s]!,
                0,
              );
            } else {
              const aLo = mmu.read(ea(cpu, regs, s, next), size);
              alu(lf, ALU_AND, size, aLo, mmu.hi, IMM[s]!, IMMHI[s]!, 0);
            }
            break;
          }
          case 15: // INC
          case 16: {
            // DEC
            const size = SIZE[s]!;
            const m = RM[s]!;
            const dec = op === 16;
            const cf = cpu.getCF();
            if (m !== 255 /* NONE */) {
              const res = incDec(
                lf,
                dec,
                size,
                size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
                regs[2 * m + 1]!,
                cf,
              );
              wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
            } else {
              const a = ea(cpu, regs, s, next);
              const res = incDec(lf, dec, size, mmu.read(a, size), mmu.hi, cf);
              mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
            }
            break;
          }
          case 17: {
            // NEG
            const size = SIZE[s]!;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              const res = neg(lf, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
              wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
            } else {
              const a = ea(cpu, regs, s, next);
              const res = neg(lf, size, mmu.read(a, size), mmu.hi);
              mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
            }
            break;
          }
          case 18: {
            // NOT (flags unchanged)
            const size = SIZE[s]!;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              wrReg(regs, m, size, ~(size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!), ~regs[2 * m + 1]!);
            } else {
              const a = ea(cpu, regs, s, next);
              const lo = mmu.read(a, size);
              mmu.write(a, size, ~lo, ~mmu.hi);
            }
            break;
          }
          case 19: // SHIFT_IMM
          case 20: {
            // SHIFT_CL
            const size = SIZE[s]!;
            const m = RM[s]!;
            const count = op === 19 ? IMM[s]! : regs[2]! & 0xff;
            const kind = AUX[s]!;
            const cf = kind === 2 || kind === 3 ? cpu.getCF() : 0; // only RCL and RCR read CF
            let a = 0;
            let lo: number;
            let hi: number;
            if (m !== 255 /* NONE */) {
              lo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
              hi = regs[2 * m + 1]!;
            } else {
              a = ea(cpu, regs, s, next);
              lo = mmu.read(a, size);
              hi = mmu.hi;
            }
            if (kind < 4) cpu.getRflags(); // rotates change only CF/OF: fix the other flags in RFLAGS first
            const res = shift(lf, kind, size, lo, hi, count, cf);
            if (!shiftChanged) {
              // Masked count 0: flags unchanged; a 32-bit register destination is still written (zero-extended).
              if (size === 4 && m !== 255 /* NONE */) regs[2 * m + 1] = 0;
              break;
            }
            if (m !== 255 /* NONE */) wrReg(regs, m, size, res, shiftHi);
            else mmu.write(a, size, res, shiftHi);
            if (rotateFlags >= 0) {
              cpu.flags = (cpu.flags & ~(CF | OF)) | (rotateFlags & 1 ? CF : 0) | (rotateFlags & 2 ? OF : 0);
            }
            break;
          }
          case 21: // IMUL_R_RM
          case 22: {
            // IMUL_R_RM_IMM
            const size = SIZE[s]!;
            const m = RM[s]!;
            let bLo: number;
            let bHi: number;
            if (m !== 255 /* NONE */) {
              bLo = regs[2 * m]!;
              bHi = regs[2 * m + 1]!;
            } else {
              bLo = mmu.read(ea(cpu, regs, s, next), size);
              bHi = mmu.hi;
            }
            const r = REG[s]!;
            if (size === 4) {
              // imul() at 4 bytes written out, with its record (setExplicit's layout), so that a dead one can be dropped.
              const x = op === 21 ? regs[2 * r]! : bLo;
              const y = op === 21 ? bLo : IMM[s]!;
              const lo = Math.imul(x, y);
              const p = (x | 0) * (y | 0);
              const of = p < -2147483648 || p > 2147483647 ? 1 : 0;
              wrReg(regs, r, 4, lo, 0);
              lf[0] = 8; // FL_EXPLICIT
              lf[1] = 4;
              lf[2] = lo;
              lf[3] = 0;
              lf[4] = 0;
              lf[6] = 0;
              lf[8] = of;
              lf[9] = of;
            } else {
              const res =
                op === 21
                  ? imul(lf, size, regs[2 * r]!, regs[2 * r + 1]!, bLo, bHi)
                  : imul(lf, size, bLo, bHi, IMM[s]!, IMMHI[s]!);
              wrReg(regs, r, size, res, imulHi);
            }
            break;
          }
          case 25: {
            // PUSH_RM
            const size = SIZE[s]!;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              push(cpu, regs, size, regs[2 * m]!, regs[2 * m + 1]!);
            } else {
              const lo = mmu.read(ea(cpu, regs, s, next), size);
              push(cpu, regs, size, lo, mmu.hi);
            }
            break;
          }
          case 26: {
            // PUSH_IMM
            push(cpu, regs, SIZE[s]!, IMM[s]!, IMMHI[s]!);
            break;
          }
          case 27: {
            // POP_RM
            const size = SIZE[s]!;
            const sp = stackAddr(cpu, rsp(regs));
            const lo = mmu.read(sp, size);
            const hi = mmu.hi;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) {
              setRsp(regs, sp + size);
              wrReg(regs, m, size, lo, hi);
            } else {
              // The destination address is computed with RSP already incremented (SDM Vol. 2B, POP).
              const oLo = regs[8]!;
              const oHi = regs[9]!;
              setRsp(regs, sp + size);
              try {
                mmu.write(ea(cpu, regs, s, next), size, lo, hi);
              } catch (e) {
                regs[8] = oLo;
                regs[9] = oHi;
                throw e;
              }
            }
            break;
          }
          case 28: {
            // CALL_REL
            const t = branchTarget(cpu, next + IMM[s]!);
            push(cpu, regs, 8, next | 0, Math.floor(next / 4294967296 /* TWO32 */) | 0);
            pc = t;
            if (PEN !== 0) pred.push(next);
            break;
          }
          case 29: {
            // CALL_RM
            const m = RM[s]!;
            let t: number;
            if (m !== 255 /* NONE */) {
              t = regs[2 * m + 1]! * 4294967296 /* TWO32 */ + (regs[2 * m]! >>> 0);
            } else {
              const lo = mmu.read64(ea(cpu, regs, s, next));
              t = mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0);
            }
            branchTarget(cpu, t);
            push(cpu, regs, 8, next | 0, Math.floor(next / 4294967296 /* TWO32 */) | 0);
            pc = t;
            if (PEN !== 0) {
              pred.push(next);
              if (TGT[s] !== t) {
                cyc += PEN;
                cpu.mispredicts++;
              }
              TGT[s] = t;
            }
            break;
          }
          case 30: {
            // RET (imm16: bytes released after popping)
            const sp = stackAddr(cpu, rsp(regs));
            const lo = mmu.read64(sp);
            const t = branchTarget(cpu, mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0));
            setRsp(regs, sp + 8 + IMM[s]!);
            pc = t;
            if (PEN !== 0 && !pred.pop(t)) {
              cyc += PEN;
              cpu.mispredicts++;
            }
            break;
          }
          case 31: {
            // JMP_REL
            pc = branchTarget(cpu, next + IMM[s]!);
            break;
          }
          case 32: {
            // JMP_RM
            const m = RM[s]!;
            let t: number;
            if (m !== 255 /* NONE */) {
              t = regs[2 * m + 1]! * 4294967296 /* TWO32 */ + (regs[2 * m]! >>> 0);
            } else {
              const lo = mmu.read64(ea(cpu, regs, s, next));
              t = mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0);
            }
            pc = branchTarget(cpu, t);
            if (PEN !== 0) {
              if (TGT[s] !== t) {
                cyc += PEN;
                cpu.mispredicts++;
              }
              TGT[s] = t;
            }
            break;
          }
          case 33: {
            // JCC
            const cc = AUX[s]!;
            let taken: boolean;
            if ((cc & 14) === 4 && lf[0 /* LF_OP */] !== 0 /* FL_NONE */)
              taken = ((lf[2 /* LF_RES */]! | lf[3 /* LF_RESHI */]!) === 0) === (cc === 4);
            else taken = testCondition(cc, lf, cpu.flags);
            if (taken) pc = branchTarget(cpu, next + IMM[s]!);
            if (PEN !== 0) {
              const c = CTR[s]!;
              if (c >= 2 !== taken) {
                cyc += PEN;
                cpu.mispredicts++;
              }
              CTR[s] = taken ? (c === 3 ? 3 : c + 1) : c === 0 ? 0 : c - 1;
            }
            break;
          }
          case 34: {
            // SETCC
            const v = testCondition(AUX[s]!, lf, cpu.flags) ? 1 : 0;
            const m = RM[s]!;
            if (m !== 255 /* NONE */) wrReg(regs, m, 1, v, 0);
            else mmu.write8(ea(cpu, regs, s, next), v);
            break;
          }
          case 35: {
            // CMOVCC: the source is read (and may fault) whatever the condition; a 32-bit CMOV always zero-extends
            const size = SIZE[s]!;
            const m = RM[s]!;
            let lo: number;
            let hi: number;
            if (m !== 255 /* NONE */) {
              lo = regs[2 * m]!;
              hi = regs[2 * m + 1]!;
            } else {
              lo = mmu.read(ea(cpu, regs, s, next), size);
              hi = mmu.hi;
            }
            const r = REG[s]!;
            if (testCondition(AUX[s]!, lf, cpu.flags)) wrReg(regs, r, size, lo, hi);
            else if (size === 4) regs[2 * r + 1] = 0;
            break;
          }
          case 36: {
            // CBW / CWDE / CDQE
            const size = SIZE[s]!;
            const a = regs[0]!;
            if (size === 2) regs[0] = (a & ~0xffff) | (((a << 24) >> 24) & 0xffff);
            else if (size === 4) wrReg(regs, 0, 4, (a << 16) >> 16, 0);
            else regs[1] = a >> 31;
            break;
          }
          case 37: {
            // CWD / CDQ / CQO
            const size = SIZE[s]!;
            if (size === 2) regs[4] = (regs[4]! & ~0xffff) | (((regs[0]! << 16) >> 31) & 0xffff);
            else if (size === 4) wrReg(regs, 2, 4, regs[0]! >> 31, 0);
            else wrReg(regs, 2, 8, regs[1]! >> 31, regs[1]! >> 31);
            break;
          }
          case 38: {
            // XCHG
            const size = SIZE[s]!;
            const r = REG[s]!;
            const m = RM[s]!;
            const rLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
            const rHi = regs[2 * r + 1]!;
            if (m !== 255 /* NONE */) {
              wrReg(regs, r, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
              wrReg(regs, m, size, rLo, rHi);
            } else {
              const a = ea(cpu, regs, s, next);
              const lo = mmu.read(a, size);
              const hi = mmu.hi;
              mmu.write(a, size, rLo, rHi);
              wrReg(regs, r, size, lo, hi);
            }
            break;
          }
          case 41: {
            // LEAVE
            const size = SIZE[s]!;
            const sp = stackAddr(cpu, regs[11]! * 4294967296 /* TWO32 */ + (regs[10]! >>> 0));
            const lo = mmu.read(sp, size);
            const hi = mmu.hi;
            setRsp(regs, sp + size);
            wrReg(regs, 5, size, lo, hi);
            break;
          }
          case 74: {
            // ALU64_RR (rm = destination register, reg = source register)
            const di = RM[s]! << 1;
            const si = REG[s]! << 1;
            const k = AUX[s]!;
            const size = 8;
            if (k !== 2 && k !== 3) {
              const xa = regs[di]!;
              const xah = size === 8 ? regs[di + 1]! : 0;
              const xb = regs[si]!;
              const xbh = size === 8 ? regs[si + 1]! : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) {
                regs[di] = lo;
                regs[di + 1] = hi;
              }
            } else {
              // ADC, SBB (alu() records the flags)
              regs[di] = alu(lf, k, 8, regs[di]!, regs[di + 1]!, regs[si]!, regs[si + 1]!, cpu.getCF());
              regs[di + 1] = lf[3]!;
            }
            break;
          }
          case 75: {
            // ALU64_RI
            const di = RM[s]! << 1;
            const k = AUX[s]!;
            const size = 8;
            if (k !== 2 && k !== 3) {
              const xa = regs[di]!;
              const xah = size === 8 ? regs[di + 1]! : 0;
              const xb = IMM[s]!;
              const xbh = size === 8 ? IMMHI[s]! : 0;
              let lo: number;
              let hi = 0;
              let fl: number;
              switch (k) {
                case 0: {
                  const t = (xa >>> 0) + (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
                  fl = 1; // FL_ADD
                  break;
                }
                case 1:
                  lo = xa | xb;
                  hi = xah | xbh;
                  fl = 5; // FL_LOGIC
                  break;
                case 4:
                  lo = xa & xb;
                  hi = xah & xbh;
                  fl = 5;
                  break;
                case 6:
                  lo = xa ^ xb;
                  hi = xah ^ xbh;
                  fl = 5;
                  break;
                default: {
                  // SUB, CMP
                  const t = (xa >>> 0) - (xb >>> 0);
                  lo = t | 0;
                  if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
                  fl = 3; // FL_SUB
                }
              }
              lf[0] = fl;
              lf[1] = size;
              lf[2] = lo;
              lf[3] = hi;
              lf[4] = xa;
              lf[5] = xah;
              lf[6] = xb;
              lf[7] = xbh;
              lf[8] = 0;

              if (k !== 7) {
                regs[di] = lo;
                regs[di + 1] = hi;
              }
            } else {
              // ADC, SBB
              regs[di] = alu(lf, k, 8, regs[di]!, regs[di + 1]!, IMM[s]!, IMMHI[s]!, cpu.getCF());
              regs[di + 1] = lf[3]!;
            }
            break;
          }
          case 76: {
            // INCDEC_R (32/64-bit register); CF is preserved
            const di = RM[s]! << 1;
            const dec = AUX[s]! === 1;
            const prev = lf[0]!;
            const cf = prev === 6 || prev === 7 ? lf[8]! : cpu.getCF();
            const aLo = regs[di]!;
            let aHi = regs[di + 1]!;
            let lo: number;
            let hi = 0;
            if (SIZE[s]! === 8) {
              lo = dec ? (aLo - 1) | 0 : (aLo + 1) | 0;
              hi = dec ? (aLo === 0 ? (aHi - 1) | 0 : aHi) : lo === 0 ? (aHi + 1) | 0 : aHi;
              lf[1] = 8;
            } else {
              lo = dec ? (aLo - 1) | 0 : (aLo + 1) | 0;
              aHi = 0;
              lf[1] = 4;
            }
            lf[0] = dec ? 7 : 6; // FL_DEC / FL_INC
            lf[2] = lo;
            lf[3] = hi;
            lf[4] = aLo;
            lf[5] = aHi;
            lf[6] = 1;
            lf[7] = 0;
            lf[8] = cf;
            regs[di] = lo;
            regs[di + 1] = hi;
            break;
          }
          case 77: {
            // MOV64_RR
            const di = RM[s]! << 1;
            const si = REG[s]! << 1;
            regs[di] = regs[si]!;
            regs[di + 1] = regs[si + 1]!;
            break;
          }
          case 79: {
            // MOV64_LOAD
            const lo = mmu.read64(ea(cpu, regs, s, next));
            const r = REG[s]! << 1;
            regs[r] = lo;
            regs[r + 1] = mmu.hi;
            break;
          }
          case 80: {
            // MOV64_STORE
            const r = REG[s]! << 1;
            mmu.write64(ea(cpu, regs, s, next), regs[r]!, regs[r + 1]!);
            break;
          }
          // ---- END generated ----
          case 81: // SSE (memcpy, memset, strlen and friends in libc); prefetches never compute an address
            execSse(
              cpu,
              s,
              RM[s] === 255 /* NONE */ && (AUX[s]! < 125 || AUX[s]! > 128) ? ea(cpu, regs, s, next) : 0,
            );
            break;
          case 53: // CLI
            setIF(cpu, false);
            break;
          case 54: // STI
            setIF(cpu, true);
            break;
          case 59: // SWAPGS
            swapgs(cpu);
            break;
          default: {
            cpu.rip = next;
            if (op === 64 /* NATIVE */ || op === 49 /* RDTSC */ || op === 91 /* RDTSCP */) {
              // Natives (the kernel's accounting) and RDTSC read the counters.
              cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn);
              cyc = 0;
              ninsn = 0;
            }
            cost = execRare(cpu, s, op, rip, next, cost);
            pc = cpu.rip;
            POOL = blocks.pool;
            if (blocks.epoch !== epoch) {
              epoch = blocks.epoch; // a native emptied the block table
              bp = -1;
            }
            fVpn = mmu.fetchVpn;
            fPa = mmu.fetchPa;
            if (cpu.exit !== null || cpu.repPending || cpu.compatMode) {
              if (cpu.repPending) {
                cpu.repPending = false; // REP not finished: charge this chunk, resume the same instruction
                ninsn--;
                bp = cur;
                break;
              }
              cyc += cost;
              cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn + 1);
              cpu.lastInsnClass = d.cls[s]!;
              const x = cpu.exit ?? compatStop(pc);
              cpu.exit = null;
              saveBlock(cpu, pc, bp, be);
              return x;
            }
            if (mmu.user !== user) {
              // CPL changed: this instruction and the ones before it ran at the old level.
              cyc += cost;
              cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn + 1);
              cyc = 0;
              ninsn = 0;
              user = mmu.user;
              continue;
            }
            break;
          }
        }
        cyc += cost;
        ninsn++;
      }
      cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn);
      cpu.lastInsnClass = d.cls[s]!;
      cpu.rip = pc;
      saveBlock(cpu, pc, bp, be);
      return BUDGET;
    } catch (e) {
      cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ninsn);
      cyc = 0;
      ninsn = 0;
      cpu.exit = null;
      cpu.repPending = false;
      bp = -1; // the faulting instruction did not retire: whatever runs next enters a block
      POOL = blocks.pool;
      epoch = blocks.epoch;
      cpu.blockResumePos = -1;
      if (e !== FAULT) {
        cpu.rip = rip;
        throw e;
      }
      // A faulting instruction does not retire; it is charged as "trap" at the CPL it started at.
      cpu.lastInsnClass = TRAP_CLASS;
      cpu.charge(cpu.classCost[TRAP_CLASS]!);
      const trap = fault.trap;
      const faultRip = trap ? next : rip;
      cpu.rip = faultRip;
      const r = cpu.deliver(fault.vector, fault.errorCode, faultRip, rip, faultDetail(cpu, rip), trap);
      if (r !== null) return r;
      const st = cpu.takeStop();
      if (st !== null) return st;
      pc = cpu.rip;
      fVpn = mmu.fetchVpn;
      fPa = mmu.fetchPa;
      s = 32768 /* SCRATCH_SLOT */;
      user = mmu.user;
      if (cpu.compatMode) return compatStop(pc);
    }
  }
}

/** Remembers where in a block run() stopped, so that the next run resumes the block's positions. */
function saveBlock(cpu: Cpu, pc: number, bp: number, be: number): void {
  cpu.blockResumePc = pc;
  cpu.blockResumePos = bp;
  cpu.blockResumeEnd = be;
  cpu.blockResumeEpoch = cpu.blocks.epoch;
}

function faultDetail(cpu: Cpu, rip: number): string {
  const f = cpu.fault;
  if (f.detail !== "") return f.detail;
  if (f.vector === 14) {
    const ec = f.errorCode;
    const what = ec & 16 ? "instruction fetch" : ec & 2 ? "write" : "read";
    const why = ec & 1 ? "protection violation" : "not present";
    return `page fault (${what}, ${why}, ${ec & 4 ? "user" : "supervisor"}) at ${hex(f.cr2)}, rip ${hex(rip)}`;
  }
  return "";
}

/** The less frequent instructions (kept out of the hot loop so it stays small). Returns the cycles to charge. */
function execRare(cpu: Cpu, s: number, op: number, rip: number, next: number, positionCost: number): number {
  const regs = cpu.regs;
  const lf = cpu.lf;
  const mmu = cpu.mmu;
  const fault = cpu.fault;
  const d = cpu.icache;
  const LEN = d.len;
  const SIZE = d.size;
  const REG = d.reg;
  const RM = d.rm;
  const AUX = d.aux;
  const IMM = d.immLo;
  const IMMHI = d.immHi;
  let cost = positionCost;
  switch (op) {
    case 5: // MOV_MOFFS_LOAD
    case 6: {
      // MOV_MOFFS_STORE
      const seg = d.seg[s]!;
      let a = IMMHI[s]! * 4294967296 /* TWO32 */ + (IMM[s]! >>> 0);
      a += seg === FS ? cpu.fsBase : seg === GS ? cpu.gsBase : 0;
      if (a < -0x800000000000 /* CANON */ || a >= 0x800000000000 /* CANON */)
        raise(fault, GP, 0, `non-canonical address ${hex(a)}`);
      const size = SIZE[s]!;
      if (op === 5) wrReg(regs, 0, size, mmu.read(a, size), mmu.hi);
      else mmu.write(a, size, regs[0]!, regs[1]!);
      break;
    }
    case 23: // MUL1
    case 24: {
      // DIV
      const size = SIZE[s]!;
      const m = RM[s]!;
      let bLo: number;
      let bHi: number;
      if (m !== 255 /* NONE */) {
        bLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
        bHi = regs[2 * m + 1]!;
      } else {
        bLo = mmu.read(ea(cpu, regs, s, next), size);
        bHi = mmu.hi;
      }
      if (op === 23) mulAcc(regs, lf, size, AUX[s] === 5, bLo, bHi);
      else if (!divAcc(regs, size, AUX[s] === 7, bLo, bHi)) raise(fault, DE, 0, "divide error");
      break;
    }
    case 39: // BT_RM_R
    case 40: {
      // BT_RM_IMM
      const size = SIZE[s]!;
      const bits = size * 8;
      const m = RM[s]!;
      let bit: number;
      let a = 0;
      if (op === 40) {
        bit = IMM[s]! & (bits - 1);
        if (m === 255 /* NONE */) a = ea(cpu, regs, s, next);
      } else {
        const r = REG[s]!;
        if (m !== 255 /* NONE */) {
          bit = regs[2 * r]! & (bits - 1);
        } else {
          // Bit-string addressing: a register offset selects any bit relative to the operand (signed).
          const lo = regs[2 * r]!;
          const off =
            size === 8
              ? regs[2 * r + 1]! * 4294967296 /* TWO32 */ + (lo >>> 0)
              : size === 4
                ? lo
                : (lo << 16) >> 16;
          const q = Math.floor(off / bits);
          bit = off - q * bits;
          a = ea(cpu, regs, s, next) + q * size;
          if (a < -0x800000000000 /* CANON */ || a >= 0x800000000000 /* CANON */)
            raise(fault, GP, 0, `non-canonical address ${hex(a)}`);
        }
      }
      let lo: number;
      let hi: number;
      if (m !== 255 /* NONE */) {
        lo = regs[2 * m]!;
        hi = regs[2 * m + 1]!;
      } else {
        lo = mmu.read(a, size);
        hi = mmu.hi;
      }
      const cfv = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
      const k = AUX[s]!;
      if (k !== 0) {
        const set = k === 1 ? 1 : k === 2 ? 0 : cfv ^ 1;
        if (bit < 32) lo = set ? lo | (1 << bit) : lo & ~(1 << bit);
        else hi = set ? hi | (1 << (bit - 32)) : hi & ~(1 << (bit - 32));
        if (m !== 255 /* NONE */) wrReg(regs, m, size, lo, hi);
        else mmu.write(a, size, lo, hi);
      }
      setCF(cpu, cfv);
      break;
    }
    case 42: // MOVS
    case 43: // STOS
    case 84: // CMPS
    case 85: // SCAS
    case 68: {
      // LODS
      const kind =
        op === 42 ? STR_MOVS : op === 43 ? STR_STOS : op === 68 ? STR_LODS : op === 84 ? STR_CMPS : STR_SCAS;
      const iters = stringOp(cpu, s, kind);
      cost = iters === 0 ? cpu.classCost[STRING_CLASS]! : iters * cost;
      if (!stringDone) {
        cpu.rip = rip;
        cpu.repPending = true;
      }
      break;
    }
    case 44: // CLD
      cpu.flags &= ~DF;
      break;
    case 45: // STD
      cpu.flags |= DF;
      break;
    case 46: {
      // PUSHF: RF and VM are pushed as 0
      const f = cpu.getRflags() & ~(RF | VM);
      push(cpu, regs, SIZE[s]!, f, 0);
      break;
    }
    case 47: {
      // POPF
      const size = SIZE[s]!;
      const sp = stackAddr(cpu, rsp(regs));
      const v = mmu.read(sp, size);
      popf(cpu, v, size);
      setRsp(regs, sp + size);
      break;
    }
    case 48: // CPUID
      doCpuid(cpu);
      break;
    case 49: {
      // RDTSC: EDX:EAX ← cycles retired before this instruction
      const c = cpu.cycles;
      regs[0] = c | 0;
      regs[1] = 0;
      regs[4] = Math.floor(c / 4294967296 /* TWO32 */) | 0;
      regs[5] = 0;
      break;
    }
    case 50: // INT3
      raiseTrap(fault, BP, "INT3");
      break;
    case 51: // UD2
      raise(fault, UD, 0, `UD2 at ${hex(rip)}`);
      break;
    case 52: {
      // HLT: stops run() at CPL 0 (nothing models interrupts that would wake it)
      if (cpu.cpl !== 0) raise(fault, GP, 0, "HLT at CPL 3");
      cpu.exit = { kind: "hlt", rip: linearToBigInt(next) };
      break;
    }
    case 55: // RDMSR
      rdmsr(cpu);
      break;
    case 56: // WRMSR
      wrmsr(cpu);
      break;
    case 57: // MOV_FROM_CR
      movFromCr(cpu, REG[s]!, RM[s]!);
      break;
    case 58: // MOV_TO_CR
      movToCr(cpu, REG[s]!, RM[s]!);
      break;
    case 60: // SYSCALL
      syscall(cpu, next);
      break;
    case 61: // SYSRET
      sysret(cpu, SIZE[s]!);
      break;
    case 62: // IRETQ
      iretq(cpu);
      break;
    case 63: // INT_N
      raiseTrap(fault, IMM[s]! & 0xff, `INT 0x${(IMM[s]! & 0xff).toString(16)}`);
      break;
    case 64: {
      // NATIVE
      const nat = cpu.nativeList[IMM[s]!]!;
      cost += nat.cost; // the native's modelled work, on top of its dispatch (the position's cost)
      cpu.rip = rip;
      cpu.redirected = false;
      const spLo = regs[8]!;
      const spHi = regs[9]!;
      const ret = nat.fn(cpu);
      if (ret !== undefined) cpu.setReg(0, ret);
      if (!cpu.redirected && cpu.rip === rip) {
        if (regs[8] === spLo && regs[9] === spHi) {
          for (const r of NATIVE_CLOBBERED) {
            regs[2 * r] = NATIVE_POISON_HALF;
            regs[2 * r + 1] = NATIVE_POISON_HALF;
          }
        }
        const sp = stackAddr(cpu, rsp(regs));
        const lo = mmu.read64(sp);
        const t = branchTarget(cpu, mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0));
        setRsp(regs, sp + 8);
        cpu.rip = t;
        if (cpu.pricer.mispredictPenalty !== 0) cpu.predictor.pop(t); // the native's return, always predicted
      }
      cpu.exit = cpu.takeStop();
      break;
    }
    case 65: // CLC
      setCF(cpu, 0);
      break;
    case 66: // STC
      setCF(cpu, 1);
      break;
    case 67: // CMC
      setCF(cpu, cpu.getCF() ^ 1);
      break;
    case 69: {
      // CMPXCHG: compare rAX with r/m; equal: r/m ← reg, else rAX ← r/m (a locked memory operand is written
      // either way)
      const size = SIZE[s]!;
      const m = RM[s]!;
      const r = REG[s]!;
      let a = 0;
      let lo: number;
      let hi: number;
      if (m !== 255 /* NONE */) {
        lo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
        hi = regs[2 * m + 1]!;
      } else {
        a = ea(cpu, regs, s, next);
        lo = mmu.read(a, size);
        hi = mmu.hi;
      }
      alu(lf, 7, size, size === 1 ? rdReg(regs, 0, 1) : regs[0]!, regs[1]!, lo, hi, 0);
      const eq = (lf[2 /* LF_RES */]! | lf[3 /* LF_RESHI */]!) === 0;
      const sLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
      const sHi = regs[2 * r + 1]!;
      if (m !== 255 /* NONE */) {
        if (eq) wrReg(regs, m, size, sLo, sHi);
        else wrReg(regs, 0, size, lo, hi);
      } else {
        mmu.write(a, size, eq ? sLo : lo, eq ? sHi : hi);
        if (!eq) wrReg(regs, 0, size, lo, hi);
      }
      break;
    }
    case 70: {
      // XADD
      const size = SIZE[s]!;
      const m = RM[s]!;
      const r = REG[s]!;
      const sLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
      const sHi = regs[2 * r + 1]!;
      if (m !== 255 /* NONE */) {
        const dLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
        const dHi = regs[2 * m + 1]!;
        const res = alu(lf, 0, size, dLo, dHi, sLo, sHi, 0);
        wrReg(regs, r, size, dLo, dHi);
        wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
      } else {
        const a = ea(cpu, regs, s, next);
        const dLo = mmu.read(a, size);
        const dHi = mmu.hi;
        const res = alu(lf, 0, size, dLo, dHi, sLo, sHi, 0);
        mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
        wrReg(regs, r, size, dLo, dHi);
      }
      break;
    }
    case 71: // LAHF: AH ← SF:ZF:0:AF:0:PF:1:CF
      wrReg(regs, 16, 1, cpu.getRflags() & 0xd7, 0);
      break;
    case 72: {
      // SAHF
      const f = cpu.getRflags();
      cpu.flags = (f & ~0xd5) | ((regs[0]! >>> 8) & 0xd5);
      break;
    }
    case 73: {
      // BSWAP
      const r = RM[s]!;
      const lo = regs[2 * r]!;
      const sw = (x: number) => (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24) | 0;
      if (SIZE[s] === 8) {
        regs[2 * r] = sw(regs[2 * r + 1]!);
        regs[2 * r + 1] = sw(lo);
      } else if (SIZE[s] === 2) {
        // 16-bit BSWAP is undefined (SDM); Intel and AMD hardware clear the low word
        regs[2 * r] = lo & ~0xffff;
      } else {
        wrReg(regs, r, 4, sw(lo), 0);
      }
      break;
    }
    case 82: {
      // BSF / BSR; TZCNT / LZCNT (F3 forms: CPUID reports BMI1 and LZCNT)
      const size = SIZE[s]!;
      const lo = readRmSource(cpu, regs, s, next, size);
      const hi = rmHi[0]!;
      const r = REG[s]!;
      const k = AUX[s]!;
      if (k >= 2) {
        const n = countZeros(k === 3, size, lo, hi);
        wrReg(regs, r, size, n, 0);
        setStatus(cpu, bmiFlags, bmiFlagsMask);
        break;
      }
      const idx = bitScan(k & 1, size, lo, hi);
      const f = cpu.getRflags();
      // ZF set and the destination unchanged for a zero source (AMD documents this; Intel hardware does it)
      if (idx < 0) cpu.flags = f | ZF;
      else {
        cpu.flags = f & ~ZF;
        wrReg(regs, r, size, idx, 0);
      }
      break;
    }
    case 83: {
      // SHLD / SHRD
      const size = SIZE[s]!;
      const m = RM[s]!;
      const k = AUX[s]!;
      const count = (k & 2 ? regs[2]! : IMM[s]!) & (size === 8 ? 63 : 31);
      const r = REG[s]!;
      let a = 0;
      let lo: number;
      let hi: number;
      if (m !== 255 /* NONE */) {
        lo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
        hi = regs[2 * m + 1]!;
      } else {
        a = ea(cpu, regs, s, next);
        lo = mmu.read(a, size);
        hi = mmu.hi;
      }
      if (count === 0) {
        if (size === 4 && m !== 255 /* NONE */) regs[2 * m + 1] = 0;
        break;
      }
      const res = shiftDouble(lf, k & 1, size, lo, hi, regs[2 * r]!, regs[2 * r + 1]!, count);
      if (m !== 255 /* NONE */) wrReg(regs, m, size, res, shiftDoubleHi);
      else mmu.write(a, size, res, shiftDoubleHi);
      break;
    }
    case 86: {
      // CMPXCHG8B m64 / CMPXCHG16B m128: compare EDX:EAX (RDX:RAX) with the operand; equal: ZF = 1 and the
      // operand ← ECX:EBX (RCX:RBX), else ZF = 0 and EDX:EAX ← operand (the operand is written either way)
      const a = ea(cpu, regs, s, next);
      if (SIZE[s] === 16) {
        if ((a & 15) !== 0) raise(fault, GP, 0, `CMPXCHG16B: misaligned operand at ${hex(a)}`);
        const l0 = mmu.read64(a);
        const l1 = mmu.hi;
        const h0 = mmu.read64(a + 8);
        const h1 = mmu.hi;
        mmu.checkWrite(a, 16);
        const eq = l0 === regs[0] && l1 === regs[1] && h0 === regs[4] && h1 === regs[5];
        if (eq) {
          mmu.write64(a, regs[6]!, regs[7]!);
          mmu.write64(a + 8, regs[2]!, regs[3]!);
        } else {
          mmu.write64(a, l0, l1);
          mmu.write64(a + 8, h0, h1);
          regs[0] = l0;
          regs[1] = l1;
          regs[4] = h0;
          regs[5] = h1;
        }
        setStatus(cpu, eq ? ZF : 0, ZF);
      } else {
        const lo = mmu.read64(a);
        const hi = mmu.hi;
        const eq = lo === regs[0] && hi === regs[4];
        if (eq) mmu.write64(a, regs[6]!, regs[2]!);
        else {
          mmu.write64(a, lo, hi);
          wrReg(regs, 0, 4, lo, 0);
          wrReg(regs, 2, 4, hi, 0);
        }
        setStatus(cpu, eq ? ZF : 0, ZF);
      }
      break;
    }
    case 87: // X87 (FWAIT: aux 8, nothing pending can exist: unmasked exceptions stop at their instruction)
      if (AUX[s] !== 8) execX87(cpu, s, RM[s] === 255 /* NONE */ ? ea(cpu, regs, s, next) : 0);
      break;
    case 88: // MMX
      execMmx(cpu, s, RM[s] === 255 /* NONE */ ? ea(cpu, regs, s, next) : 0);
      break;
    case 89: {
      // POPCNT
      const size = SIZE[s]!;
      const lo = readRmSource(cpu, regs, s, next, size);
      const hi = rmHi[0]!;
      wrReg(regs, REG[s]!, size, popcnt(size, lo, hi), 0);
      setStatus(cpu, bmiFlags, bmiFlagsMask);
      break;
    }
    case 90: {
      // BMI: BMI1/BMI2 (VEX): reg = destination, rm = r/m source, immHi = VEX.vvvv
      const size = SIZE[s]!;
      const k = AUX[s]!;
      const v = IMMHI[s]!;
      const lo = readRmSource(cpu, regs, s, next, size);
      const hi = rmHi[0]!;
      const src2 = k === BMI_MULX ? 2 : v; // MULX multiplies by RDX
      const res = bmiOp(
        k,
        size,
        lo,
        hi,
        regs[2 * src2]!,
        regs[2 * src2 + 1]!,
        k === BMI_RORX ? IMM[s]! & 0xff : 0,
      );
      const rh = resHi;
      if (k === BMI_MULX) {
        // low half to vvvv, then the high half to reg (reg wins when they are the same register)
        wrReg(regs, v, size, res, rh);
        wrReg(regs, REG[s]!, size, mulxHiLo, mulxHiHi);
      } else {
        // BLSR/BLSMSK/BLSI write VEX.vvvv; the rest write ModRM.reg
        wrReg(regs, k >= 2 && k <= 4 ? v : REG[s]!, size, res, rh);
      }
      if (bmiFlagsMask !== 0) setStatus(cpu, bmiFlags, bmiFlagsMask);
      break;
    }
    case 91: {
      // RDTSCP: EDX:EAX ← cycles retired before this instruction, ECX ← IA32_TSC_AUX (MSR C000_0103H; until
      // written it reads as the CPU number, which Linux writes there: (node << 12) | cpu, node 0)
      const c = cpu.cycles;
      regs[0] = c | 0;
      regs[1] = 0;
      regs[4] = Math.floor(c / 4294967296 /* TWO32 */) | 0;
      regs[5] = 0;
      regs[2] = Number(cpu.otherMsrs.get(0xc0000103 /* MSR_TSC_AUX */) ?? BigInt(cpu.id)) | 0;
      regs[3] = 0;
      break;
    }
    case 92: {
      // LOOP: LOOPNE/LOOPE/LOOP decrement RCX (ECX with 67; no flags) and branch while it is not 0 (and ZF is 0/1);
      // JRCXZ/JECXZ branch when it is 0
      const k = AUX[s]!;
      const a32 = (d.pfx[s]! & 8) /* PFX_ADDR32 */ !== 0;
      let lo = regs[2]!;
      let hi = a32 ? 0 : regs[3]!;
      if (k !== 3) {
        lo = (lo - 1) | 0;
        if (!a32 && lo === -1) hi = (hi - 1) | 0;
        regs[2] = lo;
        regs[3] = hi;
      }
      const zero = lo === 0 && hi === 0;
      let taken: boolean;
      if (k === 3) taken = zero;
      else if (k === 2) taken = !zero;
      else taken = !zero && ((cpu.getRflags() & ZF) !== 0) === (k === 1);
      if (taken) cpu.rip = branchTarget(cpu, next + IMM[s]!);
      break;
    }
    case 93: // SSE4 (SSE4.1, SSE4.2)
      execSse4(cpu, s, RM[s] === 255 /* NONE */ ? ea(cpu, regs, s, next) : 0);
      break;
    default:
      // INVALID (0) and anything unassigned.
      raise(
        fault,
        UD,
        0,
        `invalid or unsupported instruction at ${hex(rip)}: ${cpu.bytesAt(rip, LEN[s]! || 1)}`,
      );
  }
  return cost;
}

/** Sets the RFLAGS status bits under mask to `bits` (the others keep their values). */
function setStatus(cpu: Cpu, bits: number, mask: number): void {
  const f = cpu.getRflags();
  cpu.flags = (f & ~mask) | (bits & mask);
}

function compatStop(pc: number): StopReason {
  return {
    kind: "fault",
    vector: UD,
    errorCode: 0,
    rip: linearToBigInt(pc),
    detail: "compatibility mode execution is not supported",
  };
}
