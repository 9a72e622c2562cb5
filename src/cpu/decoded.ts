// Decoded instructions as a struct of typed arrays. The interpreter's switch uses these op numbers as literals
// (`case 12: // ALU_RM_R`), because V8 builds a jump table only for literal case labels; test/cpu/decoded.test.ts
// checks that every literal matches the name here.

export const Op = {
  INVALID: 0, // #UD; detail names the bytes
  NOP: 1,
  MOV_RM_R: 2, // r/m ← reg
  MOV_R_RM: 3, // reg ← r/m
  MOV_RM_IMM: 4, // r/m ← imm (C6/C7, B0–BF incl. imm64)
  MOV_MOFFS_LOAD: 5, // A0/A1: acc ← [imm64]
  MOV_MOFFS_STORE: 6, // A2/A3: [imm64] ← acc
  MOVZX: 7, // aux = source size
  MOVSX: 8, // aux = source size (4: MOVSXD)
  LEA: 9,
  ALU_RM_R: 10, // aux = ADD OR ADC SBB AND SUB XOR CMP
  ALU_R_RM: 11,
  ALU_RM_IMM: 12,
  TEST_RM_R: 13,
  TEST_RM_IMM: 14,
  INC: 15,
  DEC: 16,
  NEG: 17,
  NOT: 18,
  SHIFT_IMM: 19, // aux = ROL ROR RCL RCR SHL SHR SAL SAR; count in imm (1 for D0/D1)
  SHIFT_CL: 20,
  IMUL_R_RM: 21,
  IMUL_R_RM_IMM: 22,
  MUL1: 23, // aux 4: MUL, 5: IMUL (one operand)
  DIV: 24, // aux 6: DIV, 7: IDIV
  PUSH_RM: 25, // reg or memory
  PUSH_IMM: 26,
  POP_RM: 27,
  CALL_REL: 28,
  CALL_RM: 29,
  RET: 30, // imm = bytes to release
  JMP_REL: 31,
  JMP_RM: 32,
  JCC: 33, // aux = condition
  SETCC: 34,
  CMOVCC: 35,
  CBW: 36, // CBW/CWDE/CDQE by size
  CWD: 37, // CWD/CDQ/CQO by size
  XCHG: 38,
  BT_RM_R: 39, // aux 0 BT, 1 BTS, 2 BTR, 3 BTC
  BT_RM_IMM: 40,
  LEAVE: 41,
  MOVS: 42,
  STOS: 43,
  CLD: 44,
  STD: 45,
  PUSHF: 46,
  POPF: 47,
  CPUID: 48,
  RDTSC: 49,
  INT3: 50,
  UD2: 51,
  HLT: 52,
  CLI: 53,
  STI: 54,
  RDMSR: 55,
  WRMSR: 56,
  MOV_FROM_CR: 57, // reg = control register number, rm = GPR
  MOV_TO_CR: 58,
  SWAPGS: 59,
  SYSCALL: 60,
  SYSRET: 61,
  IRETQ: 62,
  INT_N: 63, // imm = vector
  NATIVE: 64, // a registered native at this address
  CLC: 65,
  STC: 66,
  CMC: 67,
  LODS: 68,
  CMPXCHG: 69,
  XADD: 70,
  LAHF: 71,
  SAHF: 72,
  BSWAP: 73,
  // Specialised forms chosen after decoding (decoder.ts specialize): same semantics, fewer checks.
  ALU64_RR: 74, // 64-bit reg op= reg: rm = destination, reg = source
  ALU64_RI: 75, // 64-bit reg op= imm
  INCDEC_R: 76, // 32/64-bit INC/DEC of a register; aux 1 = DEC
  MOV64_RR: 77,
  PROBE: 78, // a host probe is attached here; probeOp holds the instruction's real op
  MOV64_LOAD: 79, // 64-bit MOV reg ← memory
  MOV64_STORE: 80, // 64-bit MOV memory ← reg
  SSE: 81, // SSE/SSE2: aux = sub-op (sse-ops.ts), reg/rm = XMM or GPR per the sub-op's form
  BSF: 82, // aux 0 BSF, 1 BSR, 2 TZCNT, 3 LZCNT (F3 forms run as BSF/BSR: CPUID reports no BMI1/LZCNT)
  SHLD: 83, // aux bit 0: SHRD, bit 1: count in CL (else imm)
  CMPS: 84,
  SCAS: 85,
  // Added for the x87/MMX/bit-manipulation round (appended so existing numbers stay put).
  CMPXCHG8B: 86, // 0F C7 /1: CMPXCHG8B m64, with REX.W CMPXCHG16B m128 (size 16)
  X87: 87, // D8–DF and 9B (FWAIT): aux = opcode − D8 (8: FWAIT), immLo = ModRM (x87.ts)
  MMX: 88, // no-prefix 0F forms on MM registers: aux = sub-op (sse-ops.ts numbering, mmx.ts)
  POPCNT: 89, // F3 0F B8
  BMI: 90, // VEX-encoded GPR instructions (BMI1/BMI2): aux = which (bmi.ts), vvvv in immHi
  RDTSCP: 91, // 0F 01 F9
  LOOP: 92, // E0–E3: aux 0 LOOPNE, 1 LOOPE, 2 LOOP, 3 JRCXZ (JECXZ with 67); rel8 in imm
  SSE4: 93, // 66 0F 38/3A xx and F2 0F 38 F0/F1: aux = SSE4 sub-op (sse-ops.ts SSE4_OPS); CRC32's source size in immLo
} as const;

export type OpName = keyof typeof Op;
export const OP_NAMES: readonly string[] = Object.keys(Op);

// Operand encodings.
export const NONE = 255;
export const RIP_BASE = 16; // base register number for RIP-relative addressing
/** Byte registers: 0–15 are the low bytes (AL..R15B with REX), 16–19 are AH, CH, DH, BH (no REX). */
export const HIGH_BYTE = 16;

// pfx bits
export const PFX_LOCK = 1;
export const PFX_REP = 2; // F3
export const PFX_REPNE = 4; // F2
export const PFX_ADDR32 = 8; // 67
export const PFX_STACK = 16; // base is RSP/RBP: non-canonical → #SS(0) (SDM Vol. 3A §6.15, #SS)
export const PFX_OPSIZE = 32; // 66
export const PFX_REXW = 64;
export const PFX_REX = 128;

/** Fixed-capacity decoded-instruction store; one slot per instruction. */
export class DecodedInsns {
  readonly capacity: number;
  readonly op: Uint8Array;
  readonly len: Uint8Array;
  readonly size: Uint8Array; // operand size in bytes
  readonly reg: Uint8Array;
  readonly rm: Uint8Array; // register, or NONE for a memory operand
  readonly base: Uint8Array;
  readonly index: Uint8Array;
  readonly scale: Uint8Array; // shift count 0..3
  readonly seg: Uint8Array; // effective segment (ES..GS)
  readonly segOverride: Uint8Array; // NONE or the prefix's segment
  readonly pfx: Uint8Array;
  readonly aux: Uint8Array;
  readonly disp: Int32Array;
  readonly immLo: Int32Array;
  readonly immHi: Int32Array;
  readonly memSize: Uint8Array; // bytes of the memory operand (0 for LEA / none)
  readonly cls: Uint8Array; // insn-class index
  readonly loads: Uint8Array;
  readonly stores: Uint8Array;
  readonly cost: Float64Array; // cycles, precomputed from the cost table
  readonly tag: Int32Array; // physical address the slot was decoded from (-1: empty)
  readonly gen: Int32Array; // PhysicalMemory.codeGen of the frame when decoded
  readonly addr: Float64Array; // linear address decoded at (natives are keyed by it)
  /**
   * What the interpreter's fetch reads for every instruction, packed per slot so it touches one or two cache lines:
   * hot[4s..4s+3] = op, len, link, linkEp; hotF[2s], hotF[2s+1] = linkPc, cost. The successor link is the slot
   * that ran after this one, valid while linkEp matches Mmu.epoch and linkPc the next RIP. publish(s) copies op,
   * len and cost in once a slot is decoded.
   */
  readonly hot: Int32Array;
  readonly hotF: Float64Array;
  readonly probeOp: Uint8Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.op = new Uint8Array(capacity);
    this.len = new Uint8Array(capacity);
    this.size = new Uint8Array(capacity);
    this.reg = new Uint8Array(capacity);
    this.rm = new Uint8Array(capacity);
    this.base = new Uint8Array(capacity);
    this.index = new Uint8Array(capacity);
    this.scale = new Uint8Array(capacity);
    this.seg = new Uint8Array(capacity);
    this.segOverride = new Uint8Array(capacity);
    this.pfx = new Uint8Array(capacity);
    this.aux = new Uint8Array(capacity);
    this.disp = new Int32Array(capacity);
    this.immLo = new Int32Array(capacity);
    this.immHi = new Int32Array(capacity);
    this.memSize = new Uint8Array(capacity);
    this.cls = new Uint8Array(capacity);
    this.loads = new Uint8Array(capacity);
    this.stores = new Uint8Array(capacity);
    this.cost = new Float64Array(capacity);
    this.tag = new Int32Array(capacity).fill(-1);
    this.gen = new Int32Array(capacity);
    this.addr = new Float64Array(capacity);
    this.hot = new Int32Array(capacity * 4);
    for (let i = 3; i < capacity * 4; i += 4) this.hot[i] = -1;
    this.hotF = new Float64Array(capacity * 2);
    this.probeOp = new Uint8Array(capacity);
  }

  /** Makes slot s's op, len and cost visible to the interpreter's fetch (after decoding or changing them). */
  publish(s: number): void {
    this.hot[4 * s] = this.op[s]!;
    this.hot[4 * s + 1] = this.len[s]!;
    this.hotF[2 * s + 1] = this.cost[s]!;
  }

  clear(): void {
    this.tag.fill(-1);
  }
}
