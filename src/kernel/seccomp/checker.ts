// Filter validation on SECCOMP_SET_MODE_FILTER, as Linux 6.x does it (the host fixtures were captured on 6.18):
// seccomp_prepare_filter (1 <= len <= BPF_MAXINSNS) → bpf_check_classic (net/core/filter.c, including
// check_load_and_stores) → seccomp_check_filter (the seccomp opcode subset and the seccomp_data rewrites), and
// at attach time the MAX_INSNS_PER_PATH total. Every rejection of a filter's contents is -EINVAL.
import { EINVAL, ENOMEM } from "../errno.ts";
import { SECCOMP_DATA_SIZE } from "./seccomp-data.ts";
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MEMWORDS,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
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
  BPF_W,
  BPF_X,
  BPF_XOR,
  disassembleInsn,
  SKF_AD_OFF,
  type SockFilter,
} from "./sock-filter.ts";

/** MAX_INSNS_PER_PATH = (1 << 18) / sizeof(struct sock_filter) */
export const MAX_INSNS_PER_PATH = (1 << 18) / 8;
/** each already-attached filter counts its length plus this in the path total */
export const INSNS_PER_FILTER_PENALTY = 4;

/**
 * Seccomp's internal load of 32 bits from seccomp_data at k (what seccomp_check_filter rewrites
 * BPF_LD|BPF_W|BPF_ABS to: BPF_LDX|BPF_W|BPF_ABS, a code classic BPF itself never accepts).
 */
export const SECCOMP_LD_DATA = BPF_LDX | BPF_W | BPF_ABS;

/**
 * The codes chk_code_allowed() knows (the `codes[]` table of net/core/filter.c). A code is matched exactly,
 * so unused bits set (e.g. BPF_RET|BPF_X, BPF_ALU|BPF_NEG|BPF_X) make it unknown.
 */
const CLASSIC_CODES: ReadonlySet<number> = new Set([
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap(
    (op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X],
  ),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_H | BPF_ABS,
  BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LD | BPF_W | BPF_IND,
  BPF_LD | BPF_H | BPF_IND,
  BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_IMM,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_LDX | BPF_B | BPF_MSH,
  BPF_LDX | BPF_IMM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

/**
 * The SKF_AD_* ancillary offsets bpf_anc_helper knows (SKF_AD_OFF + 0, 4, …, 60): `ld [SKF_AD_OFF + n]` passes
 * bpf_check_classic for these and is rejected later by seccomp_check_filter. Either way the answer is EINVAL.
 */
const isAncillary = (k: number): boolean => k - SKF_AD_OFF < 64 && (k & 3) === 0;

const CONDITIONAL_JUMPS: ReadonlySet<number> = new Set(
  [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
);

/** The codes seccomp_check_filter lets through unchanged. */
const SECCOMP_CODES: ReadonlySet<number> = new Set([
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
    BPF_ALU | op | BPF_K,
    BPF_ALU | op | BPF_X,
  ]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_JMP | BPF_JA,
  ...CONDITIONAL_JUMPS,
]);

export type CheckStage =
  | "seccomp_prepare_filter"
  | "bpf_check_classic"
  | "check_load_and_stores"
  | "seccomp_check_filter";

export interface CheckError {
  ok: false;
  /** the errno the syscall returns (negated in RAX) */
  errno: number;
  errnoName: "EINVAL" | "ENOMEM";
  stage: CheckStage;
  /** offending instruction, or -1 for whole-program rules */
  pc: number;
  reason: string;
}

/**
 * A filter as seccomp runs it: the checked program after seccomp_check_filter's rewrites, in typed arrays
 * for the interpreter, plus the user's original program (the cache analysis runs on that, as the kernel
 * runs seccomp_is_const_allow on prog->orig_prog).
 */
export interface PreparedFilter {
  len: number;
  /** the eBPF length after bpf_convert_filter: what prog->len holds and the path-length rule adds up */
  ebpfLen: number;
  code: Uint16Array;
  jt: Uint8Array;
  jf: Uint8Array;
  k: Uint32Array;
  orig: readonly SockFilter[];
}

export type CheckResult = { ok: true; filter: PreparedFilter } | CheckError;

function fail(stage: CheckStage, pc: number, reason: string, prog?: readonly SockFilter[]): CheckError {
  const where =
    pc >= 0 && prog ? ` (pc ${pc}: ${disassembleInsn(prog[pc]!, pc)})` : pc >= 0 ? ` (pc ${pc})` : "";
  return { ok: false, errno: EINVAL, errnoName: "EINVAL", stage, pc, reason: reason + where };
}

/**
 * bpf_check_classic(): every code known, the per-opcode operand checks, a RET last, then
 * check_load_and_stores(). Returns null when accepted. `prog` must be non-empty.
 */
export function bpfCheckClassic(prog: readonly SockFilter[]): CheckError | null {
  const flen = prog.length;
  for (let pc = 0; pc < flen; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    if (!CLASSIC_CODES.has(code))
      return fail("bpf_check_classic", pc, `unknown opcode 0x${code.toString(16)}`);
    switch (code) {
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return fail("bpf_check_classic", pc, "division by constant zero", prog);
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >>> 0 >= 32) return fail("bpf_check_classic", pc, "shift by 32 or more", prog);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >>> 0 >= BPF_MEMWORDS) return fail("bpf_check_classic", pc, "scratch memory index >= 16", prog);
        break;
      case BPF_JMP | BPF_JA:
        // unsigned compare: k must leave the target inside the program
        if (k >>> 0 >= flen - pc - 1) return fail("bpf_check_classic", pc, "ja target out of range", prog);
        break;
      case BPF_LD | BPF_W | BPF_ABS:
      case BPF_LD | BPF_H | BPF_ABS:
      case BPF_LD | BPF_B | BPF_ABS:
        if (k >>> 0 >= SKF_AD_OFF && !isAncillary(k >>> 0))
          return fail("bpf_check_classic", pc, "unknown ancillary load", prog);
        break;
      default:
        if (CONDITIONAL_JUMPS.has(code) && (pc + jt + 1 >= flen || pc + jf + 1 >= flen))
          return fail("bpf_check_classic", pc, "conditional jump target out of range", prog);
    }
  }
  const last = prog[flen - 1]!.code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A))
    return fail("bpf_check_classic", flen - 1, "last instruction is not a RET", prog);
  return checkLoadAndStores(prog);
}

/**
 * check_load_and_stores(): a forward pass with one 16-bit "written" mask. A jump ANDs the current mask into
 * each target's mask and resets the current one to all-written; each instruction first ANDs in its own
 * mask. (After a RET the current mask is carried on unchanged, as the kernel does.)
 */
export function checkLoadAndStores(prog: readonly SockFilter[]): CheckError | null {
  const flen = prog.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc]!;
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case BPF_ST:
      case BPF_STX:
        memvalid |= 1 << k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if (!(memvalid & (1 << k)))
          return fail("check_load_and_stores", pc, `M[${k}] may be read before it is written`, prog);
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + k]! &= memvalid;
        memvalid = 0xffff;
        break;
      default:
        if (CONDITIONAL_JUMPS.has(code)) {
          masks[pc + 1 + jt]! &= memvalid;
          masks[pc + 1 + jf]! &= memvalid;
          memvalid = 0xffff;
        }
    }
  }
  return null;
}

/** seccomp_check_filter(): the seccomp subset and the rewrites. Returns the rewritten program or an error. */
export function seccompCheckFilter(prog: readonly SockFilter[]): SockFilter[] | CheckError {
  const out: SockFilter[] = [];
  for (let pc = 0; pc < prog.length; pc++) {
    const insn = prog[pc]!;
    const k = insn.k >>> 0;
    switch (insn.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (k >= SECCOMP_DATA_SIZE || (k & 3) !== 0)
          return fail(
            "seccomp_check_filter",
            pc,
            "load outside struct seccomp_data or not 32-bit aligned",
            prog,
          );
        out.push({ code: SECCOMP_LD_DATA, jt: 0, jf: 0, k });
        break;
      case BPF_LD | BPF_W | BPF_LEN:
        out.push({ code: BPF_LD | BPF_IMM, jt: 0, jf: 0, k: SECCOMP_DATA_SIZE });
        break;
      case BPF_LDX | BPF_W | BPF_LEN:
        out.push({ code: BPF_LDX | BPF_IMM, jt: 0, jf: 0, k: SECCOMP_DATA_SIZE });
        break;
      default:
        if (!SECCOMP_CODES.has(insn.code))
          return fail("seccomp_check_filter", pc, "opcode not allowed in seccomp", prog);
        out.push({ code: insn.code, jt: insn.jt, jf: insn.jf, k });
    }
  }
  return out;
}

function toPrepared(rewritten: readonly SockFilter[], orig: readonly SockFilter[]): PreparedFilter {
  const len = rewritten.length;
  const f: PreparedFilter = {
    len,
    ebpfLen: bpfConvertedLength(rewritten),
    code: new Uint16Array(len),
    jt: new Uint8Array(len),
    jf: new Uint8Array(len),
    k: new Uint32Array(len),
    orig,
  };
  for (let i = 0; i < len; i++) {
    const insn = rewritten[i]!;
    f.code[i] = insn.code;
    f.jt[i] = insn.jt;
    f.jf[i] = insn.jf;
    f.k[i] = insn.k;
  }
  return f;
}

/** Checks one field range up front so a malformed record is a host error, not a silent wrap. */
function checkFields(prog: readonly SockFilter[]): void {
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    if (
      !Number.isInteger(code) ||
      code < 0 ||
      code > 0xffff ||
      !Number.isInteger(jt) ||
      jt < 0 ||
      jt > 0xff ||
      !Number.isInteger(jf) ||
      jf < 0 ||
      jf > 0xff ||
      !Number.isInteger(k) ||
      k < -0x80000000 ||
      k > 0xffffffff
    )
      throw new Error(`sock_filter[${pc}] has a field out of range: ${JSON.stringify(prog[pc])}`);
  }
}

/**
 * seccomp_prepare_filter() for a program the caller has already copied in: the length bounds, then
 * bpf_check_classic, then seccomp_check_filter. (EFAULT for a bad pointer and EACCES without no_new_privs
 * are the syscall's business.)
 */
export function seccompPrepareFilter(input: readonly SockFilter[]): CheckResult {
  checkFields(input);
  const prog = input.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k >>> 0 }));
  if (prog.length === 0 || prog.length > BPF_MAXINSNS)
    return fail("seccomp_prepare_filter", -1, `length ${prog.length} not in 1..${BPF_MAXINSNS}`);
  const classic = bpfCheckClassic(prog);
  if (classic) return classic;
  const rewritten = seccompCheckFilter(prog);
  if (!Array.isArray(rewritten)) return rewritten;
  return { ok: true, filter: toPrepared(rewritten, prog) };
}

/**
 * How many eBPF instructions bpf_convert_filter() makes of a seccomp-checked program: a 3-instruction
 * prologue (A = 0, X = 0, save ctx); RET|K 2 (mov, exit); DIV|X 5 (the X == 0 → return 0 guard); a
 * conditional jump 1 when jf == 0, or when jt == 0 and the op is JEQ/JGT/JGE (inverted to JNE/JLE/JLT),
 * else 2 (Jxx + JA), plus 1 when the op is K with k >= 0x80000000 (moved to a register first, since eBPF
 * immediates are signed); everything else 1.
 */
export function bpfConvertedLength(rewritten: readonly SockFilter[]): number {
  let n = 3;
  for (const { code, jt, jf, k } of rewritten) {
    if (code === (BPF_RET | BPF_K)) n += 2;
    else if (code === (BPF_ALU | BPF_DIV | BPF_X)) n += 5;
    else if (CONDITIONAL_JUMPS.has(code)) {
      if ((code & BPF_X) === 0 && k >>> 0 >= 0x80000000) n += 1;
      const op = code & 0xf0;
      n += jf === 0 || (jt === 0 && op !== BPF_JSET) ? 1 : 2;
    } else n += 1;
  }
  return n;
}

/**
 * The path-length rule of seccomp_attach_filter(): the new filter's prog->len plus, for every filter
 * already attached, its prog->len + 4, must not exceed MAX_INSNS_PER_PATH. prog->len is the eBPF length
 * (bpfConvertedLength), not the classic one. `attachedLens` are the existing filters' eBPF lengths.
 */
export function checkPathLength(attachedLens: readonly number[], newLen: number): CheckError | null {
  let total = newLen;
  for (const len of attachedLens) total += len + INSNS_PER_FILTER_PENALTY;
  if (total <= MAX_INSNS_PER_PATH) return null;
  return {
    ok: false,
    errno: ENOMEM,
    errnoName: "ENOMEM",
    stage: "seccomp_prepare_filter",
    pc: -1,
    reason: `path total ${total} instructions exceeds MAX_INSNS_PER_PATH ${MAX_INSNS_PER_PATH}`,
  };
}
