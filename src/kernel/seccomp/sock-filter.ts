// struct sock_filter (include/uapi/linux/filter.h) and the classic-BPF opcode fields (bpf_common.h).
// An instruction is { u16 code; u8 jt; u8 jf; u32 k; }, 8 bytes, host (little-endian) order.

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** sizeof(struct sock_filter) */
export const SOCK_FILTER_SIZE = 8;
/** BPF_MAXINSNS: the most instructions one classic program may have */
export const BPF_MAXINSNS = 4096;
/** BPF_MEMWORDS: scratch memory cells M[0..15] */
export const BPF_MEMWORDS = 16;

// Instruction classes: code & 0x07
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

// ld/ldx size: code & 0x18
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// ld/ldx mode: code & 0xe0
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// alu/jmp operation: code & 0xf0
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// source operand: code & 0x08
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ret source: code & 0x18 (BPF_RVAL)
export const BPF_A = 0x10;

// misc: code & 0xf8
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** SKF_AD_OFF: ld [k] at or above this offset is an ancillary (socket-only) load */
export const SKF_AD_OFF = 0xfffff000;

export const bpfClass = (code: number): number => code & 0x07;
export const bpfSize = (code: number): number => code & 0x18;
export const bpfMode = (code: number): number => code & 0xe0;
export const bpfOp = (code: number): number => code & 0xf0;
export const bpfSrc = (code: number): number => code & 0x08;

/** BPF_STMT */
export function bpfStmt(code: number, k: number): SockFilter {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** BPF_JUMP */
export function bpfJump(code: number, k: number, jt: number, jf: number): SockFilter {
  return { code, jt, jf, k: k >>> 0 };
}

const ALU_NAMES: Record<number, string> = {
  [BPF_ADD]: "add",
  [BPF_SUB]: "sub",
  [BPF_MUL]: "mul",
  [BPF_DIV]: "div",
  [BPF_OR]: "or",
  [BPF_AND]: "and",
  [BPF_LSH]: "lsh",
  [BPF_RSH]: "rsh",
  [BPF_MOD]: "mod",
  [BPF_XOR]: "xor",
};
const JMP_NAMES: Record<number, string> = {
  [BPF_JEQ]: "jeq",
  [BPF_JGT]: "jgt",
  [BPF_JGE]: "jge",
  [BPF_JSET]: "jset",
};
const SIZE_SUFFIX: Record<number, string> = { [BPF_W]: "", [BPF_H]: "h", [BPF_B]: "b" };

const hex = (k: number): string => `0x${(k >>> 0).toString(16)}`;

/** One instruction in bpf_asm syntax (`ld [0]`, `jeq #0x27, 0, 1`, `ret #0x7fff0000`); `pc` resolves jump targets. */
export function disassembleInsn(insn: SockFilter, pc: number): string {
  const { code, jt, jf, k } = insn;
  const cls = bpfClass(code);
  const unknown = `.word code=${hex(code)} jt=${jt} jf=${jf} k=${hex(k)}`;
  switch (cls) {
    case BPF_LD:
    case BPF_LDX: {
      const op = cls === BPF_LD ? "ld" : "ldx";
      const size = SIZE_SUFFIX[bpfSize(code)] ?? "?";
      switch (bpfMode(code)) {
        case BPF_IMM:
          return `${op}${size} #${hex(k)}`;
        case BPF_ABS:
          return `${op}${size} [${k}]`;
        case BPF_IND:
          return `${op}${size} [x + ${k}]`;
        case BPF_MEM:
          return `${op}${size} M[${k}]`;
        case BPF_LEN:
          return `${op}${size} #len`;
        case BPF_MSH:
          return `${op}${size} 4*([${k}]&0xf)`;
      }
      return unknown;
    }
    case BPF_ST:
      return `st M[${k}]`;
    case BPF_STX:
      return `stx M[${k}]`;
    case BPF_ALU: {
      if (bpfOp(code) === BPF_NEG) return "neg";
      const name = ALU_NAMES[bpfOp(code)];
      if (name === undefined) return unknown;
      return bpfSrc(code) === BPF_X ? `${name} x` : `${name} #${hex(k)}`;
    }
    case BPF_JMP: {
      if (bpfOp(code) === BPF_JA) return `ja ${pc + 1 + k}`;
      const name = JMP_NAMES[bpfOp(code)];
      if (name === undefined) return unknown;
      const src = bpfSrc(code) === BPF_X ? "x" : `#${hex(k)}`;
      return `${name} ${src}, ${pc + 1 + jt}, ${pc + 1 + jf}`;
    }
    case BPF_RET: {
      const rval = code & 0x18;
      if (rval === BPF_K) return `ret #${hex(k)}`;
      if (rval === BPF_A) return "ret a";
      return "ret x";
    }
    default:
      return (code & 0xf8) === BPF_TXA ? "txa" : (code & 0xf8) === BPF_TAX ? "tax" : unknown;
  }
}

/** The whole program, one `pc: insn` line each. */
export function disassemble(prog: readonly SockFilter[]): string {
  return prog.map((insn, pc) => `${String(pc).padStart(4)}: ${disassembleInsn(insn, pc)}`).join("\n");
}
