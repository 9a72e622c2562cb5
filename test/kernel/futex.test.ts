// futex(2): value mismatch, timeouts on the simulated clock (relative WAIT, absolute WAIT_BITSET), bitsets, wake
// counts, CMP_REQUEUE, WAKE_OP, private vs shared keys, bad arguments.
import { describe, expect, it } from "vitest";
import { DEADLOCK, Machine } from "../../src/kernel/machine.ts";
import { userImage } from "./user-program.ts";

const THREAD_FLAGS = 0x3d0f00;

function run(text: string, opts: { cpus?: number } = {}) {
  const m = Machine.boot({ ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}) });
  const img = userImage(text);
  const t = m.createTask({ name: "futex", image: img });
  const r = m.run({ maxInstructions: 2_000_000 });
  const q = (label: string, off = 0) =>
    BigInt.asIntN(64, t.space.read64(Number(img.symbols.get(label)!) + off));
  return { m, t, r, q };
}

/** futex(word, op, val, r10 = `timeout` label address or a number, r8 = word2, r9 = val3); result stored at `out` */
function futex(
  word: string,
  op: number,
  val: number,
  out: string,
  timeout: string | number = 0,
  word2 = "",
  val3 = 0,
) {
  return `
  leaq ${word}(%rip), %rdi
  movl $${op}, %esi
  movl $${val}, %edx
  ${typeof timeout === "string" ? `leaq ${timeout}(%rip), %r10` : `movq $${timeout}, %r10`}
  ${word2 !== "" ? `leaq ${word2}(%rip), %r8` : "xorl %r8d, %r8d"}
  movl $${val3}, %r9d
  movl $202, %eax
  syscall
  movq %rax, ${out}(%rip)`;
}

const clock = (out: string) => `
  movl $1, %edi
  leaq ${out}(%rip), %rsi
  movl $228, %eax
  syscall`;

const EXIT0 = `
  movl $231, %eax
  xorl %edi, %edi
  syscall`;

describe("futex: one task", () => {
  it("EAGAIN on a value mismatch, ETIMEDOUT after the timeout on the simulated clock, EINVAL on bad arguments", () => {
    const { r, q } = run(`_start:
  ${futex("word", 0, 5, "mismatch")}
  ${clock("t0")}
  ${futex("word", 128, 0, "timed", "one_ms")}
  ${clock("t1")}
  ${futex("word", 9 | 128, 0, "zero_bitset", 0, "", 0)}
  ${futex("odd", 1, 1, "unaligned")}
  ${futex("word", 6, 0, "pi")}
  ${futex("word", 1 | 256, 1, "rt_wake")}
  ${futex("word", 1, 1, "nobody")}
  ${EXIT0}
.align 8
word: .long 0, 0
odd_base: .byte 0
odd: .byte 0, 0, 0, 0, 0, 0, 0
.align 8
one_ms: .quad 0, 1000000
t0: .quad 0, 0
t1: .quad 0, 0
mismatch: .quad 0
timed: .quad 0
zero_bitset: .quad 0
unaligned: .quad 0
pi: .quad 0
rt_wake: .quad 0
nobody: .quad -99
`);
    expect(r.reason).toBe("exited");
    expect(q("mismatch")).toBe(-11n); // EAGAIN
    expect(q("timed")).toBe(-110n); // ETIMEDOUT
    const ns = (l: string) => q(l) * 1_000_000_000n + q(l, 8);
    const waited = ns("t1") - ns("t0");
    expect(waited).toBeGreaterThanOrEqual(1_000_000n);
    expect(waited).toBeLessThan(1_100_000n);
    expect(q("zero_bitset")).toBe(-22n); // EINVAL
    expect(q("unaligned")).toBe(-22n);
    expect(q("pi")).toBe(-38n); // ENOSYS: no priority inheritance
    expect(q("rt_wake")).toBe(-38n); // CLOCK_REALTIME only with a wait
    expect(q("nobody")).toBe(0n);
  });

  it("WAIT_BITSET takes an absolute deadline (CLOCK_MONOTONIC and, with FUTEX_CLOCK_REALTIME, the same clock here)", () => {
    const { q } = run(`_start:
  ${clock("now")}
  addq $2000000, now+8(%rip)
  ${futex("word", 9 | 128 | 256, 0, "timed", "now", "", -1)}
  ${clock("after")}
  ${futex("word", 9, 0, "past", "zero_ts", "", -1)}
  ${EXIT0}
.align 8
word: .quad 0
now: .quad 0, 0
after: .quad 0, 0
zero_ts: .quad 0, 0
timed: .quad 0
past: .quad 0
`);
    expect(q("timed")).toBe(-110n);
    const ns = (l: string) => q(l) * 1_000_000_000n + q(l, 8);
    expect(ns("after")).toBeGreaterThanOrEqual(ns("now"));
    expect(q("past")).toBe(-110n); // a deadline already passed: ETIMEDOUT at once
  });
});

/** Two threads that wait on `f1` (private), then exit; the main thread does `body` once both sleep. */
function twoWaiters(body: string, data = "", w1Timeout: string | number = 0) {
  const clone = (entry: string, stack: string, tid: string) => `
  movl $${THREAD_FLAGS}, %edi
  leaq ${stack}(%rip), %rsi
  leaq ${tid}(%rip), %rdx
  leaq ${tid}(%rip), %r10
  leaq tls_block(%rip), %r8
  movl $56, %eax
  syscall
  testq %rax, %rax
  jz ${entry}`;
  const waiter = (n: number) => `
waiter${n}:
  ${futex("f1", 128, 0, `w${n}_ret`, n === 1 ? w1Timeout : 0)}
  movl $60, %eax
  xorl %edi, %edi
  syscall`;
  return `_start:
  ${clone("waiter1", "s1", "tid1")}
  ${clone("waiter2", "s2", "tid2")}
  movl $24, %eax
  syscall
  ${body}
  ${EXIT0}
${waiter(1)}
${waiter(2)}
.align 8
f1: .quad 0
f2: .quad 0
w1_ret: .quad -99
w2_ret: .quad -99
tid1: .quad 0
tid2: .quad 0
tls_block: .quad 0
${data}
.align 16
.zero 1024
s1:
.zero 1024
s2:
`;
}

describe("futex: waiters", () => {
  it("WAKE wakes at most val waiters, in the order they queued; a shared wake does not reach a private waiter", () => {
    const { q, t, r } = run(
      twoWaiters(
        `${futex("f1", 1, 1, "shared_wake")}
  ${futex("f1", 129, 1, "wake1")}
  movl $24, %eax
  syscall
  movq w1_ret(%rip), %rax
  movq %rax, snap1(%rip)
  movq w2_ret(%rip), %rax
  movq %rax, snap2(%rip)
  ${futex("f1", 129, 10, "wake_rest")}
  movl $24, %eax
  syscall`,
        "shared_wake: .quad 0\nwake1: .quad 0\nwake_rest: .quad 0\nsnap1: .quad 0\nsnap2: .quad 0",
      ),
    );
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(q("shared_wake")).toBe(0n);
    expect(q("wake1")).toBe(1n);
    expect(q("wake_rest")).toBe(1n);
    // the first wake woke the first waiter to queue (the one created first)
    expect(q("snap1")).toBe(0n);
    expect(q("snap2")).toBe(-99n);
    expect(q("w1_ret")).toBe(0n);
    expect(q("w2_ret")).toBe(0n);
  });

  it("CMP_REQUEUE wakes nr_wake and moves nr_requeue to the second word; EAGAIN when *uaddr != val3", () => {
    const { q } = run(
      twoWaiters(
        `${futex("f1", 4 | 128, 1, "requeue_bad", 1, "f2", 7)}
  ${futex("f1", 4 | 128, 1, "requeue", 1, "f2", 0)}
  ${futex("f1", 129, 10, "left_on_f1")}
  ${futex("f2", 129, 10, "on_f2")}
  movl $24, %eax
  syscall
  movl $24, %eax
  syscall`,
        "requeue_bad: .quad 0\nrequeue: .quad 0\nleft_on_f1: .quad 0\non_f2: .quad 0",
      ),
    );
    expect(q("requeue_bad")).toBe(-11n);
    expect(q("requeue")).toBe(2n); // one woken + one requeued
    expect(q("left_on_f1")).toBe(0n);
    expect(q("on_f2")).toBe(1n);
  });

  it("WAKE_OP changes the second word and wakes on both when the comparison holds", () => {
    // op: FUTEX_OP_ADD 1, cmp FUTEX_OP_CMP_EQ 0: (1 << 28) | (0 << 24) | (1 << 12) | 0
    const encoded = (1 << 28) | (1 << 12);
    const { q } = run(
      twoWaiters(
        `${futex("f1", 5 | 128, 1, "wake_op", 1, "f2", encoded)}
  movl $24, %eax
  syscall
  ${futex("f1", 129, 10, "rest")}
  movl $24, %eax
  syscall`,
        "wake_op: .quad 0\nrest: .quad 0",
      ),
    );
    expect(q("wake_op")).toBe(1n); // one on f1; nobody waits on f2
    expect(q("f2")).toBe(1n); // 0 + 1
    expect(q("rest")).toBe(1n);
  });
});

describe("futex: sleeping, time and deadlock", () => {
  it("a timed wait on an idle CPU expires while the other CPU runs: the idle CPU's clock keeps up", () => {
    const { r, t, q, m } = run(
      twoWaiters(
        `movq $200000, %rcx
spin:
  decq %rcx
  jnz spin
  ${futex("f1", 129, 10, "woken_late")}
  movl $24, %eax
  syscall`,
        "woken_late: .quad -99\nw1_timeout: .quad 0, 10000",
        "w1_timeout",
      ),
      { cpus: 2 },
    );
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(q("w1_ret")).toBe(-110n); // its 10 µs passed on CPU 1 while CPU 0 spun 200,000 iterations
    expect(q("w2_ret")).toBe(0n); // the other waiter, without a timeout, was woken
    expect(q("woken_late")).toBe(1n);
    expect(m.cpus[1]!.cycles).toBeGreaterThan(0);
  });

  it("every task asleep with no timeout: the run stops with DEADLOCK instead of idling forever", () => {
    const { r } = run(`_start:
  ${futex("word", 128, 0, "never")}
  ${EXIT0}
.align 8
word: .quad 0
never: .quad 0
`);
    expect(r.reason).toBe("stopped");
    expect(r.stop).toEqual({ kind: "stop", reason: DEADLOCK });
  });
});
