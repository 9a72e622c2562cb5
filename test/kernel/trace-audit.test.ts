import { describe, expect, it } from "vitest";
import { TF } from "../../src/cpu/rflags.ts";
import { AUDIT_ARCH_X86_64 } from "../../src/kernel/asm-offsets.ts";
import { EBADF, ENOSYS } from "../../src/kernel/errno.ts";
import { appendRecord, RECORD_LOG_CAP } from "../../src/kernel/record-log.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import {
  TIF_SINGLESTEP,
  TIF_SYSCALL_AUDIT,
  TIF_SYSCALL_EMU,
  TIF_SYSCALL_TRACEPOINT,
} from "../../src/kernel/tif.ts";
import { callsProgram, EXIT, result, runProgram } from "./user-program.ts";

describe("audit records", () => {
  it("record nr, the four audited args, the result and success (AUDITSC_RESULT)", () => {
    const ran = runProgram(
      callsProgram([
        { nr: NR.close, args: [99, 7, 8, 9, 10] },
        { nr: NR.umask, args: [0o22] },
      ]),
      {},
      (t) => t.tif.set(TIF_SYSCALL_AUDIT),
    );
    expect(ran.t.audit).toEqual([
      {
        arch: AUDIT_ARCH_X86_64,
        nr: NR.close,
        args: [99n, 7n, 8n, 9n],
        result: BigInt(-EBADF),
        success: false,
      },
      // rsi, rdx, r10 still hold the previous call's values
      { arch: AUDIT_ARCH_X86_64, nr: NR.umask, args: [0o22n, 7n, 8n, 9n], result: 0o22n, success: true },
    ]);
  });

  it("auditing costs cycles: the audited run is slower in sys time only", () => {
    const prog = callsProgram([{ nr: NR.getpid }, { nr: NR.getpid }]);
    const plain = runProgram(prog);
    const audited = runProgram(prog, {}, (t) => t.tif.set(TIF_SYSCALL_AUDIT));
    expect(audited.t.acct.sysCycles).toBeGreaterThan(plain.t.acct.sysCycles);
    expect(audited.t.acct.userCycles).toBe(plain.t.acct.userCycles);
  });
});

describe("syscall_trace_enter work bits", () => {
  it("TIF_SYSCALL_EMU skips the syscall (-ENOSYS) and reports an entry stop", () => {
    const ran = runProgram(callsProgram([{ nr: NR.getpid }]), {}, (t) => {
      t.tif.set(TIF_SYSCALL_EMU);
      t.tracer = () => undefined; // PT_PTRACED: a tracer that only watches
    });
    expect(result(ran, 0)).toBe(-ENOSYS);
    expect(ran.t.stops.filter((s) => s.kind === "entry").map((s) => s.nr)).toEqual([NR.getpid, NR.exit]);
    // EMU is not exit work: no exit stop
    expect(ran.t.stops.filter((s) => s.kind === "exit" && s.nr >= 0)).toEqual([]);
  });

  it("TIF_SYSCALL_TRACEPOINT records sys_enter / sys_exit", () => {
    const ran = runProgram(callsProgram([{ nr: NR.getpid }]), {}, (t) => t.tif.set(TIF_SYSCALL_TRACEPOINT));
    const tp = ran.t.tracepoints.filter((e) => e.nr >= 0);
    expect(tp).toEqual([
      { kind: "sys_enter", nr: NR.getpid },
      { kind: "sys_exit", nr: NR.getpid, ret: 1n },
      { kind: "sys_enter", nr: NR.exit },
    ]);
  });

  it("TIF_SINGLESTEP sets TF in the frame, so the task returns to user mode with TF set", () => {
    const prog = `_start:\nmovq $${NR.getpid}, %rax\nsyscall\npushfq\npopq %rax\nmovq %rax, fl(%rip)\n${EXIT(0)}\n.align 8\nfl: .quad 0`;
    const ran = runProgram(prog, {}, (t) => t.tif.set(TIF_SINGLESTEP));
    // With #DB single-step traps modelled the task dies of SIGTRAP; otherwise TF is visible in RFLAGS.
    if (ran.t.killedBy === null) expect(Number(ran.q("fl")) & TF).toBe(TF);
    else expect(ran.t.killedBy).toBe(5);
  });
});

describe("record logs stay bounded", () => {
  it("keeps the newest RECORD_LOG_CAP entries and counts the dropped ones", () => {
    const log: number[] = [];
    const dropped = { count: 0 };
    for (let i = 0; i < RECORD_LOG_CAP + 10; i++) appendRecord(log, i, dropped);
    expect(log.length).toBeLessThanOrEqual(RECORD_LOG_CAP);
    expect(log.at(-1)).toBe(RECORD_LOG_CAP + 9);
    expect(dropped.count + log.length).toBe(RECORD_LOG_CAP + 10);
    expect(log[0]).toBe(dropped.count);
  });
});
