// bpf_convert_filter() of net/core/filter.c (Linux 6.x) for seccomp filters: classic BPF after
// seccomp_check_filter → eBPF. A lives in BPF_REG_A = R0, X in BPF_REG_X = R7, BPF_REG_TMP = R8 is the scratch
// register, the context (struct seccomp_data *) arrives in R1 and is kept in BPF_REG_CTX = R6; M[k] is the
// 32-bit stack slot at fp - (4k + 4). Seccomp's rewritten load BPF_LDX|BPF_W|BPF_ABS becomes a 32-bit load off
// R6; no packet loads or extensions exist after seccomp_check_filter, so the skb prologue never appears.
import type { PreparedFilter } from "./checker.ts";
import { SECCOMP_LD_DATA } from "./checker.ts";
import {
  BPF_A,
  BPF_ALU,
  BPF_DIV,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_RET,
  BPF_ST,
  BPF_STX,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  bpfClass,
  bpfOp,
  bpfSrc,
} from "./sock-filter.ts";

// eBPF additions to the classic opcode fields (include/uapi/linux/bpf.h)
export const BPF_ALU64 = 0x07;
export const BPF_MOV = 0xb0;
export const BPF_XOR_OP = 0xa0;
export const BPF_JNE = 0x50;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_EXIT = 0x90;

export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_4 = 4;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
export const BPF_REG_FP = 10;
/** the classic registers and helpers as bpf_convert_filter names them (include/linux/filter.h) */
export const BPF_REG_A = BPF_REG_0;
export const BPF_REG_X = BPF_REG_7;
export const BPF_REG_TMP = BPF_REG_8;
export const BPF_REG_CTX = BPF_REG_6;
export const BPF_REG_ARG1 = BPF_REG_1;

/** struct bpf_insn, plus the classic pc it was converted from (-1 for the 3-instruction prologue). */
export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  /** s16 jump offset or memory displacement */
  off: number;
  /** s32 immediate */
  imm: number;
  line: number;
}

const S16_MIN = -0x8000;
const S16_MAX = 0x7fff;

const insn = (code: number, dst: number, src: number, off: number, imm: number, line: number): BpfInsn => ({
  code,
  dst,
  src,
  off,
  imm: imm | 0,
  line,
});

/**
 * The eBPF program of a checked seccomp filter. Two passes as in the kernel: the first records where each
 * classic instruction starts (addrs[]), the second fills in the jump offsets.
 */
export function bpfConvertFilter(f: PreparedFilter): BpfInsn[] {
  let addrs: Int32Array | null = null;
  let out: BpfInsn[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const next = new Int32Array(f.len);
    out = [
      insn(BPF_ALU | BPF_XOR_OP | BPF_X, BPF_REG_A, BPF_REG_A, 0, 0, -1),
      insn(BPF_ALU | BPF_XOR_OP | BPF_X, BPF_REG_X, BPF_REG_X, 0, 0, -1),
      insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_CTX, BPF_REG_ARG1, 0, 0, -1),
    ];
    for (let i = 0; i < f.len; i++) {
      next[i] = out.length;
      convertOne(f, i, addrs, out);
    }
    addrs = next;
  }
  return out;
}

function convertOne(f: PreparedFilter, i: number, addrs: Int32Array | null, out: BpfInsn[]): void {
  const code = f.code[i]!;
  const k = f.k[i]!;
  const base = out.length;
  // BPF_EMIT_JMP: offsets relative to the instruction after the one being emitted (its place in the expansion)
  const jmpOff = (target: number): number => {
    if (target >= f.len || target < 0)
      throw new Error(`bpf_convert_filter: jump target ${target} out of range`);
    const off = addrs ? addrs[target]! - addrs[i]! - 1 - (out.length - base) : 0;
    if (off < S16_MIN || off > S16_MAX)
      throw new Error(`bpf_convert_filter: jump offset ${off} does not fit s16`);
    return off;
  };
  if (code === SECCOMP_LD_DATA) {
    out.push(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_A, BPF_REG_CTX, k, 0, i));
    return;
  }
  switch (bpfClass(code)) {
    case BPF_ALU:
      if (code === (BPF_ALU | BPF_DIV | BPF_X) || code === (BPF_ALU | BPF_MOD | BPF_X)) {
        // division by X == 0 returns 0 from the program, as classic BPF always did
        out.push(insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_X, BPF_REG_X, 0, 0, i));
        out.push(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_X, 0, 2, 0, i));
        out.push(insn(BPF_ALU | BPF_XOR_OP | BPF_X, BPF_REG_A, BPF_REG_A, 0, 0, i));
        out.push(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0, i));
      }
      out.push(insn(code, BPF_REG_A, BPF_REG_X, 0, k, i));
      return;
    case BPF_JMP: {
      if (bpfOp(code) === BPF_JA) {
        out.push(insn(code, 0, 0, jmpOff(i + k + 1), 0, i));
        return;
      }
      const op = bpfOp(code);
      if (op !== BPF_JEQ && op !== BPF_JGT && op !== BPF_JGE && op !== BPF_JSET)
        throw new Error(`bpf_convert_filter: jump code 0x${code.toString(16)}`);
      let src: number;
      let srcReg: number;
      let imm = 0;
      if (bpfSrc(code) === BPF_K && (k | 0) < 0) {
        // eBPF immediates are sign-extended: zero-extend K into TMP and compare registers
        out.push(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_TMP, 0, 0, k, i));
        src = BPF_X;
        srcReg = BPF_REG_TMP;
      } else {
        src = bpfSrc(code);
        srcReg = src === BPF_X ? BPF_REG_X : 0;
        imm = k;
      }
      const jt = f.jt[i]!;
      const jf = f.jf[i]!;
      if (jf === 0) {
        out.push(insn(BPF_JMP | op | src, BPF_REG_A, srcReg, jmpOff(i + jt + 1), imm, i));
        return;
      }
      if (jt === 0 && op !== BPF_JSET) {
        const inv = op === BPF_JEQ ? BPF_JNE : op === BPF_JGT ? BPF_JLE : BPF_JLT;
        out.push(insn(BPF_JMP | inv | src, BPF_REG_A, srcReg, jmpOff(i + jf + 1), imm, i));
        return;
      }
      out.push(insn(BPF_JMP | op | src, BPF_REG_A, srcReg, jmpOff(i + jt + 1), imm, i));
      out.push(insn(BPF_JMP | BPF_JA, 0, 0, jmpOff(i + jf + 1), 0, i));
      return;
    }
    case BPF_RET:
      if ((code & 0x18) === BPF_K) out.push(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, k, i));
      else if ((code & 0x18) !== BPF_A) throw new Error("bpf_convert_filter: ret x");
      out.push(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0, i));
      return;
    case BPF_ST:
    case BPF_STX:
      out.push(
        insn(
          BPF_STX | BPF_MEM | BPF_W,
          BPF_REG_FP,
          bpfClass(code) === BPF_ST ? BPF_REG_A : BPF_REG_X,
          -(k * 4 + 4),
          0,
          i,
        ),
      );
      return;
    case BPF_LD:
    case BPF_LDX: {
      const dst = bpfClass(code) === BPF_LD ? BPF_REG_A : BPF_REG_X;
      if ((code & 0xe0) === BPF_MEM) {
        out.push(insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_FP, -(k * 4 + 4), 0, i));
        return;
      }
      if ((code & 0xe0) === BPF_IMM) {
        out.push(insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, k, i));
        return;
      }
      break;
    }
    case BPF_MISC:
      if ((code & 0xf8) === BPF_TAX) {
        out.push(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_X, BPF_REG_A, 0, 0, i));
        return;
      }
      if ((code & 0xf8) === BPF_TXA) {
        out.push(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_A, BPF_REG_X, 0, 0, i));
        return;
      }
      break;
  }
  throw new Error(`bpf_convert_filter: code 0x${code.toString(16)} at pc ${i} is not in seccomp's subset`);
}

/** aux->stack_depth of the converted program: the deepest M[] slot any ST/STX writes (4k + 4), else 0. */
export function convertedStackDepth(prog: readonly BpfInsn[]): number {
  let d = 0;
  for (const x of prog)
    if (x.code === (BPF_STX | BPF_MEM | BPF_W) && x.dst === BPF_REG_FP) d = Math.max(d, -x.off);
  return d;
}

const REG = (r: number): string => (r === BPF_REG_FP ? "r10" : `r${r}`);
const ALU_OPS: Record<number, string> = {
  0: "+=",
  16: "-=",
  32: "*=",
  48: "/=",
  64: "|=",
  80: "&=",
  96: "<<=",
  112: ">>=",
  128: "neg",
  144: "%=",
  160: "^=",
  176: "=",
};
const JMP_OPS: Record<number, string> = {
  [BPF_JEQ]: "==",
  [BPF_JGT]: ">",
  [BPF_JGE]: ">=",
  [BPF_JSET]: "&",
  [BPF_JNE]: "!=",
  [BPF_JLT]: "<",
  [BPF_JLE]: "<=",
};

/** One eBPF instruction in the kernel verifier's print syntax (`w0 ^= w0`, `if r0 != 0x27 goto pc+2`). */
export function formatBpfInsn(x: BpfInsn): string {
  const cls = x.code & 0x07;
  const op = x.code & 0xf0;
  const isX = (x.code & 0x08) === BPF_X;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const p = cls === BPF_ALU ? "w" : "r";
    if (op === 0x80) return `${p}${x.dst} = -${p}${x.dst}`;
    const rhs = isX ? `${p}${x.src}` : `0x${(x.imm >>> 0).toString(16)}`;
    return `${p}${x.dst} ${ALU_OPS[op]} ${rhs}`;
  }
  if (cls === BPF_JMP) {
    if (op === BPF_EXIT) return "exit";
    const tgt = `pc${x.off >= 0 ? "+" : ""}${x.off}`;
    if (op === BPF_JA) return `goto ${tgt}`;
    const rhs = isX ? REG(x.src) : `0x${(x.imm >>> 0).toString(16)}`;
    return `if r${x.dst} ${JMP_OPS[op]} ${rhs} goto ${tgt}`;
  }
  const sign = x.off >= 0 ? "+" : "";
  if (cls === BPF_LDX) return `r${x.dst} = *(u32 *)(${REG(x.src)} ${sign}${x.off})`;
  if (cls === BPF_STX) return `*(u32 *)(${REG(x.dst)} ${sign}${x.off}) = r${x.src}`;
  return `.insn code=0x${x.code.toString(16)}`;
}
