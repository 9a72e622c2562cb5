import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_NEED_RESCHED, TIF_NOTIFY_RESUME } from "../../src/kernel/tif.ts";
import { callsProgram, userImage } from "./user-program.ts";

/** Write `ch` then sched_yield, n times; exit(code). */
function yielder(ch: string, n: number, code: number): string {
  return `_start:
    movq $${n}, %rbx
  1:
    movq $1, %rax
    movq $1, %rdi
    leaq ch(%rip), %rsi
    movq $1, %rdx
    syscall
    movq $${NR.sched_yield}, %rax
    syscall
    movq %rax, last(%rip)
    decq %rbx
    jnz 1b
    movq $60, %rax
    movq $${code}, %rdi
    syscall
  .align 8
  last: .quad -1
  ch: .ascii "${ch}"`;
}

/** Spin with getpid n times; then write `ch` and exit. */
function spinner(ch: string, n: number): string {
  return `_start:
    movq $${n}, %rbx
  1:
    movq $${NR.getpid}, %rax
    syscall
    movq $1, %rax
    movq $1, %rdi
    leaq ch(%rip), %rsi
    movq $1, %rdx
    syscall
    decq %rbx
    jnz 1b
    movq $60, %rax
    xorl %edi, %edi
    syscall
  ch: .ascii "${ch}"`;
}

function twoYielders() {
  const m = Machine.boot();
  const a = m.createTask({ name: "A", image: userImage(yielder("A", 4, 1)) });
  const b = m.createTask({ name: "B", image: userImage(yielder("B", 4, 2)) });
  const r = m.run();
  return { m, a, b, r };
}

describe("scheduling", () => {
  it("sched_yield switches round-robin; both tasks complete; yield returns 0", () => {
    const { m, a, b, r } = twoYielders();
    expect(r.reason).toBe("exited");
    expect(m.stdout).toBe("ABABABAB");
    expect([a.exitCode, b.exitCode]).toEqual([1, 2]);
    expect(a.space.read64(0x400000 + 0)).toBeDefined();
    for (const t of [a, b]) {
      expect(t.acct.syscalls).toBe(4 * 2 + 1);
      expect(t.acct.paths.fast).toBe(9);
      expect(t.acct.paths.sysret).toBe(8);
    }
    expect(m.sched.switches).toBeGreaterThanOrEqual(8);
  });

  it("accounting: per-task user/sys cycles and instructions add up to the CPU's", () => {
    const { m, a, b } = twoYielders();
    const cpu = m.cpu;
    const idle = m.sched.idle;
    expect(a.acct.userCycles + b.acct.userCycles + idle.userCycles).toBe(cpu.userCycles);
    expect(a.acct.sysCycles + b.acct.sysCycles + idle.sysCycles).toBe(cpu.sysCycles);
    expect(a.acct.instret + b.acct.instret + idle.instret).toBe(cpu.instret);
    expect(idle.instret).toBeLessThanOrEqual(3); // the exit native retires after the switch; cli; hlt
    expect(a.acct.sysCycles).toBeGreaterThan(a.acct.userCycles);
    expect(a.acct.userCycles).toBeGreaterThan(0);
  });

  it("is deterministic: the same run twice gives identical cycle counts", () => {
    const x = twoYielders();
    const y = twoYielders();
    expect(y.m.cpu.cycles).toBe(x.m.cpu.cycles);
    expect([y.a.acct, y.b.acct]).toEqual([x.a.acct, x.b.acct]);
  });

  it("TIF_NEED_RESCHED from the scheduler tick preempts at the return to user mode (sysret_careful)", () => {
    const m = Machine.boot();
    const a = m.createTask({ name: "A", image: userImage(spinner("a", 30)) });
    const b = m.createTask({ name: "B", image: userImage(spinner("b", 30)) });
    const r = m.run({ tickInstructions: 400 });
    expect(r.reason).toBe("exited");
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const out = m.stdout;
    expect(out.replace(/b/g, "")).toBe("a".repeat(30));
    expect(out.replace(/a/g, "")).toBe("b".repeat(30));
    expect(out).not.toBe(`${"a".repeat(30)}${"b".repeat(30)}`);
    expect(a.acct.paths.sysret).toBe(60);
  });

  it("a host-set TIF_NEED_RESCHED switches tasks at the next syscall return", () => {
    const m = Machine.boot();
    const a = m.createTask({ name: "A", image: userImage(spinner("a", 3)) });
    m.createTask({ name: "B", image: userImage(spinner("b", 3)) });
    a.tif.set(TIF_NEED_RESCHED);
    m.run();
    expect(m.stdout).toBe("bbbaaa");
  });

  it("TIF_NOTIFY_RESUME leaves through int_signal / do_notify_resume and IRET", () => {
    const m = Machine.boot();
    const t = m.createTask({
      name: "A",
      image: userImage(callsProgram([{ nr: NR.getpid }, { nr: NR.getpid }])),
    });
    m.run({ maxInstructions: 0 });
    t.forkReturnPending = false;
    t.tif.set(TIF_NOTIFY_RESUME);
    m.run();
    expect(t.exitCode).toBe(0);
    expect(t.tif.test(TIF_NOTIFY_RESUME)).toBe(false);
    expect(t.acct.paths.iret).toBe(1);
    expect(t.acct.paths.sysret).toBe(2);
  });

  it("a signal sent by the host is delivered by do_notify_resume (default action: terminate)", () => {
    const m = Machine.boot();
    const t = m.createTask({ name: "A", image: userImage(spinner("a", 5)) });
    m.kill(t, 15);
    m.run();
    expect(t.killedBy).toBe(15);
    expect(t.exitCode).toBeNull();
    expect(m.stdout).toBe("");
  });
});
