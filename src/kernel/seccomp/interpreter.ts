// Running one checked seccomp filter over a seccomp_data image, with the semantics of the kernel's classic→eBPF
// conversion (bpf_convert_filter): A and X start at 0, all arithmetic is 32-bit unsigned, DIV by X == 0 ends the
// program returning 0, a shift by X uses X & 31 (32-bit eBPF shifts; x86 SHL/SHR mask the count the same way).
import type { PreparedFilter } from "./checker.ts";
import { SECCOMP_LD_DATA } from "./checker.ts";
import {
  BPF_A,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
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
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_X,
  BPF_XOR,
} from "./sock-filter.ts";

/** Filled by runFilter: how many classic instructions ran (the RET included). */
export interface RunStats {
  insns: number;
}

const mem = new Uint32Array(16);

/**
 * Runs `f` over `data` (16 little-endian words, see seccomp-data.ts) and returns the 32-bit result, unsigned.
 * The filter must come from seccompPrepareFilter: its jumps are in range and it ends in RET.
 */
export function runFilter(f: PreparedFilter, data: Uint32Array, stats?: RunStats): number {
  const { code, jt, jf, k } = f;
  let a = 0;
  let x = 0;
  let pc = 0;
  let n = 0;
  for (;;) {
    const c = code[pc]!;
    const kk = k[pc]!;
    n++;
    switch (c) {
      case SECCOMP_LD_DATA:
        a = data[kk >>> 2]!;
        break;
      case BPF_LD | BPF_IMM:
        a = kk;
        break;
      case BPF_LDX | BPF_IMM:
        x = kk;
        break;
      case BPF_LD | BPF_MEM:
        a = mem[kk]!;
        break;
      case BPF_LDX | BPF_MEM:
        x = mem[kk]!;
        break;
      case BPF_ST:
        mem[kk] = a;
        break;
      case BPF_STX:
        mem[kk] = x;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_ALU | BPF_ADD | BPF_K:
        a = (a + kk) >>> 0;
        break;
      case BPF_ALU | BPF_ADD | BPF_X:
        a = (a + x) >>> 0;
        break;
      case BPF_ALU | BPF_SUB | BPF_K:
        a = (a - kk) >>> 0;
        break;
      case BPF_ALU | BPF_SUB | BPF_X:
        a = (a - x) >>> 0;
        break;
      case BPF_ALU | BPF_MUL | BPF_K:
        a = Math.imul(a, kk) >>> 0;
        break;
      case BPF_ALU | BPF_MUL | BPF_X:
        a = Math.imul(a, x) >>> 0;
        break;
      case BPF_ALU | BPF_DIV | BPF_K:
        a = Math.floor(a / kk) >>> 0;
        break;
      case BPF_ALU | BPF_DIV | BPF_X:
        if (x === 0) {
          if (stats) stats.insns = n;
          return 0;
        }
        a = Math.floor(a / x) >>> 0;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a = (a & kk) >>> 0;
        break;
      case BPF_ALU | BPF_AND | BPF_X:
        a = (a & x) >>> 0;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        a = (a | kk) >>> 0;
        break;
      case BPF_ALU | BPF_OR | BPF_X:
        a = (a | x) >>> 0;
        break;
      case BPF_ALU | BPF_XOR | BPF_K:
        a = (a ^ kk) >>> 0;
        break;
      case BPF_ALU | BPF_XOR | BPF_X:
        a = (a ^ x) >>> 0;
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
        a = (a << kk) >>> 0;
        break;
      case BPF_ALU | BPF_LSH | BPF_X:
        a = (a << (x & 31)) >>> 0;
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        a = a >>> kk;
        break;
      case BPF_ALU | BPF_RSH | BPF_X:
        a = a >>> (x & 31);
        break;
      case BPF_ALU | BPF_NEG:
        a = -a >>> 0;
        break;
      case BPF_JMP | BPF_JA:
        pc += kk;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += a === kk ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JEQ | BPF_X:
        pc += a === x ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += a > kk ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JGT | BPF_X:
        pc += a > x ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += a >= kk ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JGE | BPF_X:
        pc += a >= x ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (a & kk) !== 0 ? jt[pc]! : jf[pc]!;
        break;
      case BPF_JMP | BPF_JSET | BPF_X:
        pc += (a & x) !== 0 ? jt[pc]! : jf[pc]!;
        break;
      case BPF_RET | BPF_K:
        if (stats) stats.insns = n;
        return kk;
      case BPF_RET | BPF_A:
        if (stats) stats.insns = n;
        return a;
      default:
        throw new Error(
          `runFilter: code 0x${c.toString(16)} at pc ${pc} was not produced by seccompPrepareFilter`,
        );
    }
    pc++;
  }
}
