// What the out-of-order model needs to know of one decoded instruction: its form (a row of the µarch table) or
// "fixed" (priced by its profile class cost: serialising, microcoded or locked), the registers and flags it
// reads and writes, the registers its memory address reads, and whether it loads, stores or both.
import { type DecodedInsns, NONE, Op, PFX_LOCK, RIP_BASE } from "../decoded.ts";
import { INSN_CLASS_INDEX } from "../insn-class.ts";
import { FORM_INDEX as F } from "./uarch.ts";

/** Bit of the flags in a dependency mask (GPRs are bits 0–15). */
export const FLAGS_BIT = 1 << 16;
const RAX = 1;
const RCX = 1 << 1;
const RDX = 1 << 2;
const RBP = 1 << 5;

export const MEM_NONE = 0;
export const MEM_LOAD = 1;
export const MEM_STORE = 2;
export const MEM_RMW = 3;
/** form value of an instruction priced by its class cost */
export const FIXED = -1;

/** Per-instruction facts of a block, one index per position. */
export class InsnFacts {
  readonly form: Int16Array;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly addr: Int32Array;
  readonly mem: Uint8Array;
  /** the Jcc condition (0–15) of a JCC; for other instructions the ALU kind (aux) or 255 */
  readonly fuseKind: Uint8Array;
  /** 1 if the instruction may start a macro-fused pair (no memory+immediate, no RIP-relative) */
  readonly fusible: Uint8Array;
  constructor(n: number) {
    this.form = new Int16Array(n);
    this.src = new Int32Array(n);
    this.dst = new Int32Array(n);
    this.addr = new Int32Array(n);
    this.mem = new Uint8Array(n);
    this.fuseKind = new Uint8Array(n);
    this.fusible = new Uint8Array(n);
  }
}

const FIXED_CLASSES = new Set<number>(
  [
    "div",
    "string",
    "flags",
    "cpuid",
    "rdtsc",
    "syscall",
    "sysret",
    "iretq",
    "swapgs",
    "cli",
    "sti",
    "rdmsr",
    "wrmsr",
    "mov_cr3",
    "hlt",
    "trap",
    "native",
  ].map((c) => INSN_CLASS_INDEX[c as keyof typeof INSN_CLASS_INDEX]),
);

function bit(r: number): number {
  if (r === NONE || r === RIP_BASE) return 0;
  return 1 << (r >= 16 ? r - 16 : r); // AH..BH are bytes of RAX..RBX
}

/** Fusion kinds of a first instruction (uops.info / Intel: which Jcc each may fuse with). */
export const FUSE_TEST_AND = 1; // TEST, AND: every Jcc
export const FUSE_CMP_ADD_SUB = 2; // CMP, ADD, SUB: not JO/JNO/JS/JNS/JP/JNP
export const FUSE_INC_DEC = 3; // INC, DEC: only JE/JNE/JL/JGE/JLE/JG

/** Fills position i of `o` from decoded slot s. */
export function classify(d: DecodedInsns, s: number, o: InsnFacts, i: number): void {
  const op = d.op[s]!;
  const rm = d.rm[s]!;
  const reg = d.reg[s]!;
  const size = d.size[s]!;
  const isMem = rm === NONE && d.memSize[s]! > 0;
  const mBit = isMem ? 0 : bit(rm);
  // a write of 8 or 16 bits merges with the register's old value
  const partial = size < 4;
  let form: number = FIXED;
  let src = 0;
  let dst = 0;
  let fuseKind = 0;
  const addr = isMem || op === Op.LEA ? bit(d.base[s]!) | bit(d.index[s]!) : 0;
  let mem = isMem ? (d.loads[s]! > 0 ? MEM_LOAD : 0) | (d.stores[s]! > 0 ? MEM_STORE : 0) : MEM_NONE;
  const cls = d.cls[s]!;
  const locked = (d.pfx[s]! & PFX_LOCK) !== 0 || (op === Op.XCHG && isMem);
  if (FIXED_CLASSES.has(cls) || locked) {
    o.form[i] = FIXED;
    o.src[i] = 0;
    o.dst[i] = 0;
    o.addr[i] = 0;
    o.mem[i] = 0;
    o.fuseKind[i] = 0;
    o.fusible[i] = 0;
    return;
  }
  switch (op) {
    case Op.NOP:
      form = F.nop;
      mem = MEM_NONE;
      break;
    case Op.MOV_RM_R:
    case Op.MOV64_RR:
    case Op.MOV64_STORE:
      src = bit(reg);
      if (isMem) form = F.store;
      else {
        form = F.mov_rr;
        dst = mBit;
        if (partial) src |= mBit;
      }
      break;
    case Op.MOV_R_RM:
    case Op.MOV64_LOAD:
    case Op.MOVZX:
    case Op.MOVSX:
      dst = bit(reg);
      if (partial) src |= bit(reg);
      if (isMem) form = F.load;
      else {
        form = op === Op.MOV_R_RM ? F.mov_rr : F.movx_rr;
        src |= mBit;
      }
      break;
    case Op.MOV_RM_IMM:
      if (isMem) form = F.store;
      else {
        form = F.mov_ri;
        dst = mBit;
        if (partial) src = mBit;
      }
      break;
    case Op.MOV_MOFFS_LOAD:
      form = F.load;
      dst = RAX;
      mem = MEM_LOAD;
      break;
    case Op.MOV_MOFFS_STORE:
      form = F.store;
      src = RAX;
      mem = MEM_STORE;
      break;
    case Op.LEA: {
      form = F.lea_fast;
      const parts =
        (d.base[s]! !== NONE ? 1 : 0) + (d.index[s]! !== NONE ? 1 : 0) + (d.disp[s]! !== 0 ? 1 : 0);
      if (parts >= 3 || d.base[s] === RIP_BASE) form = F.lea_slow;
      src = addr;
      dst = bit(reg);
      mem = MEM_NONE;
      break;
    }
    case Op.ALU_RM_R:
    case Op.ALU_R_RM:
    case Op.ALU64_RR:
    case Op.ALU_RM_IMM:
    case Op.ALU64_RI: {
      const k = d.aux[s]!; // ADD OR ADC SBB AND SUB XOR CMP
      const imm = op === Op.ALU_RM_IMM || op === Op.ALU64_RI;
      // ALU_R_RM writes reg from r/m; the others write r/m (ALU64_RR has rm = destination)
      const toReg = op === Op.ALU_R_RM;
      const dstBit = toReg ? bit(reg) : mBit;
      const other = imm ? 0 : toReg ? mBit : bit(reg);
      form = k === 2 || k === 3 ? F.adc : F.alu;
      src = dstBit | other | (k === 2 || k === 3 ? FLAGS_BIT : 0);
      dst = (k === 7 ? 0 : dstBit) | FLAGS_BIT;
      if (!imm && !isMem && (k === 5 || k === 6) && reg === rm) {
        form = F.zero_idiom; // XOR/SUB r,r: no input dependency (SDM Optimization Manual §3.5.1.7)
        src = 0;
      }
      fuseKind = k === 4 ? FUSE_TEST_AND : k === 0 || k === 5 || k === 7 ? FUSE_CMP_ADD_SUB : 0;
      break;
    }
    case Op.TEST_RM_R:
    case Op.TEST_RM_IMM:
      form = F.alu;
      src = mBit | (op === Op.TEST_RM_R ? bit(reg) : 0);
      dst = FLAGS_BIT;
      fuseKind = FUSE_TEST_AND;
      break;
    case Op.INC:
    case Op.DEC:
    case Op.INCDEC_R:
    case Op.NEG:
    case Op.NOT:
      form = F.alu;
      src = mBit;
      dst = mBit | (op === Op.NOT ? 0 : FLAGS_BIT);
      if (op !== Op.NEG && op !== Op.NOT) fuseKind = FUSE_INC_DEC;
      break;
    case Op.SHIFT_IMM:
    case Op.SHIFT_CL: {
      const k = d.aux[s]!; // ROL ROR RCL RCR SHL SHR SAL SAR
      form = k === 2 || k === 3 ? F.rotate_carry : op === Op.SHIFT_CL ? F.shift_cl : F.shift_imm;
      src = mBit | (op === Op.SHIFT_CL ? RCX : 0) | (k === 2 || k === 3 ? FLAGS_BIT : 0);
      dst = mBit | FLAGS_BIT;
      break;
    }
    case Op.IMUL_R_RM:
      form = F.imul;
      src = bit(reg) | mBit;
      dst = bit(reg) | FLAGS_BIT;
      break;
    case Op.IMUL_R_RM_IMM:
      form = F.imul;
      src = mBit;
      dst = bit(reg) | FLAGS_BIT;
      break;
    case Op.MUL1:
      form = size === 1 ? F.imul : F.mul_wide;
      src = RAX | mBit;
      dst = RAX | (size === 1 ? 0 : RDX) | FLAGS_BIT;
      break;
    case Op.PUSH_RM:
      src = mBit;
      form = F.store;
      mem = isMem ? MEM_LOAD | MEM_STORE : MEM_STORE;
      break;
    case Op.PUSH_IMM:
      form = F.store;
      mem = MEM_STORE;
      break;
    case Op.POP_RM:
      dst = mBit;
      form = F.load;
      mem = isMem ? MEM_LOAD | MEM_STORE : MEM_LOAD;
      break;
    case Op.CALL_REL:
    case Op.CALL_RM:
      form = F.call; // its return-address store is part of the form's µops; an operand in memory adds a load
      src = mBit;
      mem = isMem ? MEM_LOAD : MEM_NONE;
      break;
    case Op.RET:
      form = F.ret;
      mem = MEM_NONE; // the return-address load is part of the form's µops
      break;
    case Op.JMP_REL:
    case Op.JMP_RM:
      form = F.jmp;
      src = mBit;
      break;
    case Op.JCC:
      form = F.jcc;
      src = FLAGS_BIT;
      fuseKind = d.aux[s]!;
      break;
    case Op.SETCC:
      form = F.setcc;
      src = FLAGS_BIT | mBit;
      dst = mBit;
      break;
    case Op.CMOVCC: {
      const cc = d.aux[s]!;
      form = cc === 6 || cc === 7 ? F.cmov_2 : F.cmov;
      src = FLAGS_BIT | bit(reg) | mBit;
      dst = bit(reg);
      break;
    }
    case Op.CBW:
      form = F.sign_extend_acc;
      src = RAX;
      dst = RAX;
      break;
    case Op.CWD:
      form = F.sign_split_acc;
      src = RAX;
      dst = RDX;
      break;
    case Op.XCHG:
      form = F.xchg_rr;
      src = bit(reg) | mBit;
      dst = bit(reg) | mBit;
      break;
    case Op.BT_RM_R:
    case Op.BT_RM_IMM:
      form = F.bt;
      src = mBit | (op === Op.BT_RM_R ? bit(reg) : 0);
      dst = FLAGS_BIT | (d.aux[s] !== 0 ? mBit : 0);
      break;
    case Op.LEAVE:
      form = F.leave;
      src = RBP;
      dst = RBP | (1 << 4); // and RSP ← RBP + 8
      mem = MEM_NONE; // the RBP reload is part of the form's µops and latency
      break;
    case Op.CLC:
    case Op.STC:
    case Op.CMC:
      form = F.alu;
      src = op === Op.CMC ? FLAGS_BIT : 0;
      dst = FLAGS_BIT;
      break;
    case Op.LAHF:
      form = F.flags_ah;
      src = FLAGS_BIT | RAX;
      dst = RAX;
      break;
    case Op.SAHF:
      form = F.flags_ah;
      src = RAX;
      dst = FLAGS_BIT;
      break;
    case Op.BSWAP:
      form = size === 8 ? F.bswap64 : F.bswap32;
      src = mBit;
      dst = mBit;
      break;
    case Op.BSF:
      form = F.bit_scan;
      src = mBit | bit(reg);
      dst = bit(reg) | FLAGS_BIT;
      break;
    case Op.SHLD:
      form = F.shift_double;
      src = mBit | bit(reg) | ((d.aux[s]! & 2) !== 0 ? RCX : 0);
      dst = mBit | FLAGS_BIT;
      break;
    case Op.SSE:
    case Op.SSE4: // SSE4.1/4.2 on the generic SIMD row (est.), as SSE3/SSSE3
      form = F.sse;
      break;
    // The instructions of the x87/MMX/bit-manipulation round, on the existing rows (uops.info, Skylake-X):
    case Op.X87: // FADD/FSUB ST 1*p5 lat 3, FMUL 1*p0 lat 5, FLD/FSTP ST 1*p05: the generic SIMD row (est.)
    case Op.MMX: // PADDB/PXOR/PCMPEQ mm 1*p05 lat 1, PMULLW mm 1*p0 lat 5: the generic SIMD row (est.)
      form = F.sse;
      break;
    case Op.POPCNT: // POPCNT r64,r64 1*p1 latency 3: the BSF/LZCNT/TZCNT row exactly
      form = F.bit_scan;
      src = mBit;
      dst = bit(reg) | FLAGS_BIT;
      break;
    case Op.BMI: {
      const k = d.aux[s]!;
      const v = bit(d.immHi[s]!);
      // RORX/SARX/SHLX/SHRX 1*p06 latency 1 = shift_imm; PDEP/PEXT 1*p1 latency 3 = bit_scan; MULX r64 1*p1+1*p5
      // latency 4 ≈ mul_wide (MUL r64: 1*p1+1*p5, latency 3); ANDN/BLSI/BLSMSK/BLSR/BZHI 1*p15 latency 1 and
      // BEXTR 2*p0156 latency 2 ≈ alu (1*p0156 latency 1, est.)
      form =
        k === 10 || k === 11 || k === 12 || k === 13
          ? F.shift_imm
          : k === 7 || k === 8
            ? F.bit_scan
            : k === 9
              ? F.mul_wide
              : F.alu;
      src = mBit | (k === 9 ? RDX : v);
      dst = (k >= 2 && k <= 4 ? v : bit(reg)) | (k === 9 ? v : 0) | (k <= 6 ? FLAGS_BIT : 0);
      break;
    }
    default:
      form = FIXED;
  }
  if (form === FIXED) {
    src = 0;
    dst = 0;
    mem = 0;
  }
  o.form[i] = form;
  o.src[i] = src;
  o.dst[i] = dst;
  // PUSH/POP/CALL/RET address the stack at RSP: the stack engine's own offsets carry no dependency, but an
  // explicit write of RSP (POP %rsp, MOV/ADD to RSP, LEAVE) does
  const stackOp =
    op === Op.PUSH_RM ||
    op === Op.PUSH_IMM ||
    op === Op.POP_RM ||
    op === Op.CALL_REL ||
    op === Op.CALL_RM ||
    op === Op.RET;
  o.addr[i] = form === FIXED ? 0 : stackOp ? addr | (1 << 4) : addr;
  o.mem[i] = mem;
  o.fuseKind[i] = fuseKind;
  // Intel Optimization Manual §3.4.2.2: no fusion when the first instruction has an immediate and a memory
  // operand, or a RIP-relative operand
  const hasImm = op === Op.ALU_RM_IMM || op === Op.ALU64_RI || op === Op.TEST_RM_IMM;
  o.fusible[i] = fuseKind !== 0 && op !== Op.JCC && !(isMem && hasImm) && d.base[s] !== RIP_BASE ? 1 : 0;
}

/** Which Jcc conditions (0–15: O NO B AE E NE BE A S NS P NP L GE LE G) fuse with a first instruction's kind. */
export function fusesWith(kind: number, cc: number): boolean {
  if (kind === FUSE_TEST_AND) return true;
  if (kind === FUSE_CMP_ADD_SUB) return !(cc <= 1 || (cc >= 8 && cc <= 11));
  if (kind === FUSE_INC_DEC) return cc === 4 || cc === 5 || cc >= 12;
  return false;
}
