// A policy compiled to classic BPF in libseccomp's shape (src/gen_bpf.c): check seccomp_data.arch, load nr,
// send x32 numbers (>= __X32_SYSCALL_BIT) to the bad-arch action, then one block per syscall with rules: `jeq
// #nr` and, inside, each conditional rule's comparisons on the 64-bit arguments as two 32-bit halves (high word
// first, then low), then the call's fall-through action; a call without rules falls off the end to the default.
// The chain is linear, in ascending syscall number (libseccomp's default, SCMP_FLTATR_CTL_OPTIMIZE = 1, is a
// linear chain too, ordered by rule priority rather than number). The program goes through the kernel's checker
// unchanged, so it runs on the real seccomp path: the interpreter or the JIT, behind the 5.11 cache.
import { SECCOMP_RET_ERRNO } from "./actions.ts";
import { type Policy, type PolicyCondition, PolicyError, syscallBlocks } from "./policy.ts";
import { AUDIT_ARCH_X86_64, argOffset, OFFSET_ARCH, OFFSET_NR } from "./seccomp-data.ts";
import {
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_MAXINSNS,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "./sock-filter.ts";

/** __X32_SYSCALL_BIT: x32 calls arrive with AUDIT_ARCH_X86_64 and this bit set in nr */
export const X32_SYSCALL_BIT = 0x40000000;

/** An instruction whose jump targets are labels, resolved when the program is laid out. */
type Item =
  | { op: "stmt"; insn: SockFilter }
  | { op: "jmp"; code: number; k: number; t: string | null; f: string | null }
  | { op: "ja"; to: string }
  | { op: "label"; name: string };

const LD = (off: number): Item => ({ op: "stmt", insn: bpfStmt(BPF_LD | BPF_W | BPF_ABS, off) });
const RET = (a: number): Item => ({ op: "stmt", insn: bpfStmt(BPF_RET | BPF_K, a >>> 0) });
const J = (code: number, k: number, t: string | null, f: string | null): Item => ({
  op: "jmp",
  code: BPF_JMP | code | BPF_K,
  k: k >>> 0,
  t,
  f,
});

/**
 * One comparison, true → falls through, false → `fail`. 64-bit unsigned compares as libseccomp emits them: the high
 * words decide unless equal, then the low words.
 */
function condition(c: PolicyCondition, fail: string, uniq: () => string): Item[] {
  const hi = Number(c.value >> 32n);
  const lo = Number(c.value & 0xffffffffn);
  const ldHi = LD(argOffset(c.arg, true));
  const ldLo = LD(argOffset(c.arg));
  const ok = uniq();
  const done = (items: Item[]) => [...items, { op: "label", name: ok } as Item];
  switch (c.op) {
    case "&==": {
      const mhi = Number(c.mask >> 32n);
      const mlo = Number(c.mask & 0xffffffffn);
      const and = (m: number): Item => ({ op: "stmt", insn: bpfStmt(BPF_ALU | BPF_AND | BPF_K, m >>> 0) });
      return done([ldHi, and(mhi), J(BPF_JEQ, hi, null, fail), ldLo, and(mlo), J(BPF_JEQ, lo, null, fail)]);
    }
    case "==":
      return done([ldHi, J(BPF_JEQ, hi, null, fail), ldLo, J(BPF_JEQ, lo, null, fail)]);
    case "!=":
      return done([ldHi, J(BPF_JEQ, hi, null, ok), ldLo, J(BPF_JEQ, lo, fail, null)]);
    case ">":
    case ">=": {
      const last = c.op === ">" ? BPF_JGT : BPF_JGE;
      return done([
        ldHi,
        J(BPF_JGT, hi, ok, null),
        J(BPF_JEQ, hi, null, fail),
        ldLo,
        J(last, lo, null, fail),
      ]);
    }
    case "<":
    case "<=": {
      // a < v  ⇔  !(a >= v); a <= v  ⇔  !(a > v)
      const last = c.op === "<" ? BPF_JGE : BPF_JGT;
      return done([
        ldHi,
        J(BPF_JGT, hi, fail, null),
        J(BPF_JEQ, hi, null, ok),
        ldLo,
        J(last, lo, fail, null),
      ]);
    }
  }
}

export interface CompileOptions {
  /** numbers answered with ERRNO `errno` before the policy (a cgroup's own syscalls.deny, seccomp-policy design) */
  extraDeny?: readonly number[];
  errno?: number;
}

/** The policy as a classic BPF program; throws PolicyError if it does not fit (4096 instructions, 8-bit jumps). */
export function compilePolicy(p: Policy, o: CompileOptions = {}): SockFilter[] {
  const items: Item[] = [];
  let n = 0;
  const uniq = () => `L${n++}`;
  items.push(LD(OFFSET_ARCH), J(BPF_JEQ, AUDIT_ARCH_X86_64, null, "badarch"), LD(OFFSET_NR));
  items.push(J(BPF_JGE, X32_SYSCALL_BIT, "badarch", null));
  for (const nr of o.extraDeny ?? []) {
    const next = uniq();
    items.push(J(BPF_JEQ, nr, null, next), RET(SECCOMP_RET_ERRNO | (o.errno ?? 1)), {
      op: "label",
      name: next,
    });
  }
  for (const b of syscallBlocks(p)) {
    if (b.conditional.length === 0 && b.final === p.defaultAction) continue;
    const next = uniq();
    items.push(J(BPF_JEQ, b.nr, null, next));
    for (const r of b.conditional) {
      const fail = uniq();
      for (const c of r.conds) items.push(...condition(c, fail, uniq));
      items.push(RET(r.action), { op: "label", name: fail });
    }
    items.push(RET(b.final), { op: "label", name: next });
  }
  items.push(RET(p.defaultAction), { op: "label", name: "badarch" }, RET(p.badArchAction));
  return layout(items);
}

/**
 * Resolves labels. A conditional jump whose target is more than 255 instructions ahead jumps to a `ja` placed
 * right after it instead (the way libseccomp's gen_bpf.c handles long jumps); one at a time until every jump fits.
 */
function layout(items: Item[]): SockFilter[] {
  let work = items;
  for (let round = 0; round < 256; round++) {
    const pos = new Map<string, number>();
    let pc = 0;
    for (const it of work) {
      if (it.op === "label") pos.set(it.name, pc);
      else pc++;
    }
    if (pc > BPF_MAXINSNS)
      throw new PolicyError(
        `the compiled filter has ${pc} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS})`,
      );
    const out: SockFilter[] = [];
    let far: { index: number; which: "t" | "f" } | null = null;
    pc = 0;
    work.forEach((it, index) => {
      if (it.op === "label") return;
      if (it.op === "stmt") out.push(it.insn);
      else if (it.op === "ja") out.push(bpfStmt(BPF_JMP | BPF_JA, pos.get(it.to)! - pc - 1));
      else {
        const off = (l: string | null) => (l === null ? 0 : pos.get(l)! - pc - 1);
        const t = off(it.t);
        const f = off(it.f);
        if (far === null && (t > 255 || f > 255)) far = { index, which: t > 255 ? "t" : "f" };
        out.push(bpfJump(it.code, it.k, t, f));
      }
      pc++;
    });
    if (far === null) return out;
    // the far branch goes to a `ja` placed right after the jump; the other branch, if it fell through, now
    // jumps over that `ja`
    const { index, which } = far as { index: number; which: "t" | "f" };
    const j = work[index] as Extract<Item, { op: "jmp" }>;
    const target = which === "t" ? j.t! : j.f!;
    const near = `far${round}`;
    const cont = `cont${round}`;
    const other = (which === "t" ? j.f : j.t) ?? cont;
    const rewritten: Item = which === "t" ? { ...j, t: near, f: other } : { ...j, t: other, f: near };
    work = [
      ...work.slice(0, index),
      rewritten,
      { op: "label", name: near },
      { op: "ja", to: target },
      { op: "label", name: cont },
      ...work.slice(index + 1),
    ];
  }
  throw new PolicyError("the compiled filter's jumps could not be laid out");
}
