import { describe, expect, it } from "vitest";
import { PTE_NX, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import {
  MSR_EFER,
  MSR_GS_BASE,
  MSR_KERNEL_GS_BASE,
  MSR_LSTAR,
  MSR_STAR,
  MSR_SYSCALL_MASK,
} from "../../src/cpu/msr.ts";
import { RSP } from "../../src/cpu/registers.ts";
import { KERNEL_DATA_BASE, KERNEL_TEXT_BASE, PERCPU_BASE } from "../../src/kernel/layout.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { DEFAULT_NATIVE_COSTS, NATIVE_NAMES } from "../../src/kernel/native-costs.ts";
import { PERCPU_current_task, PERCPU_kernel_stack } from "../../src/kernel/percpu.ts";
import * as P from "../../src/kernel/pt-regs.ts";
import * as S from "../../src/kernel/segment.ts";
import { NR, NR_SYSCALL_MAX, SYSCALL_NAMES_X86_64_3_1 } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { KERNEL_STACK_OFFSET, THREAD_SIZE, TI_flags, TI_status } from "../../src/kernel/thread-info.ts";
import * as T from "../../src/kernel/tif.ts";
import { callsProgram, EXIT, runProgram, userImage } from "./user-program.ts";

describe("3.1 constants", () => {
  it("selectors and MSR values", () => {
    expect([S.__KERNEL_CS, S.__KERNEL_DS, S.__USER32_CS, S.__USER_DS, S.__USER_CS]).toEqual([
      0x10, 0x18, 0x23, 0x2b, 0x33,
    ]);
    expect(S.STAR_VALUE).toBe(0x0023001000000000n);
    expect(S.SYSCALL_MASK_VALUE).toBe(0x3700);
  });

  it("TIF masks have the 3.1 values", () => {
    expect(T._TIF_WORK_SYSCALL_ENTRY).toBe(0x100001d1);
    expect(T._TIF_ALLWORK_MASK).toBe(0x1000feff);
    expect(T._TIF_WORK_MASK).toBe(0xfe2e);
    expect(T._TIF_DO_NOTIFY_MASK).toBe(0xc06);
    expect(T._TIF_WORK_SYSCALL_EXIT).toBe(0x10000091);
    expect(T.TIF_SECCOMP).toBe(8);
    expect(T.TIF_SYSCALL_TRACEPOINT).toBe(28);
  });

  it("thread_info, pt_regs and stack geometry", () => {
    expect([TI_flags, TI_status, THREAD_SIZE, KERNEL_STACK_OFFSET]).toEqual([16, 20, 8192, 40]);
    expect([P.R15, P.RBX, P.R11, P.RAX, P.RDI, P.ORIG_RAX, P.RIP, P.SS, P.PT_REGS_SIZE]).toEqual([
      0, 40, 48, 80, 112, 120, 128, 160, 168,
    ]);
    expect(P.ARGOFFSET).toBe(48);
  });

  it("syscall numbers of 3.1", () => {
    expect(SYSCALL_NAMES_X86_64_3_1).toHaveLength(310);
    expect(NR_SYSCALL_MAX).toBe(309);
    expect([NR.read, NR.write, NR.rt_sigreturn, NR.exit, NR.mkdir, NR.getcpu]).toEqual([
      0, 1, 15, 60, 83, 309,
    ]);
    expect([NR.getpid, NR.sched_yield, NR.prctl, NR.exit_group, NR.clock_gettime]).toEqual([
      39, 24, 157, 231, 228,
    ]);
    expect(new Set(SYSCALL_NAMES_X86_64_3_1).size).toBe(310);
  });

  it("every native has a default cost", () => {
    for (const n of NATIVE_NAMES) expect(DEFAULT_NATIVE_COSTS[n], n).toBeGreaterThan(0);
  });
});

describe("Machine.boot", () => {
  const m = Machine.boot();
  const cpu = m.cpu;

  it("programs the syscall MSRs as syscall_init() does", () => {
    expect(cpu.readMsr(MSR_STAR)).toBe(0x0023001000000000n);
    expect(cpu.readMsr(MSR_LSTAR)).toBe(BigInt.asUintN(64, BigInt(m.sym("system_call"))));
    expect(cpu.readMsr(MSR_SYSCALL_MASK)).toBe(0x3700n);
    expect(Number(cpu.readMsr(MSR_EFER)) & 1).toBe(1);
    expect(cpu.readMsr(MSR_GS_BASE)).toBe(BigInt.asUintN(64, BigInt(PERCPU_BASE)));
    expect(cpu.readMsr(MSR_KERNEL_GS_BASE)).toBe(0n);
  });

  it("maps the kernel at 0xffffffff81000000: text read-only, data NX, all supervisor", () => {
    expect(m.sym("system_call")).toBe(KERNEL_TEXT_BASE);
    const text = m.kspace.lookup(KERNEL_TEXT_BASE);
    expect(text & (PTE_W | PTE_U | PTE_NX)).toBe(0);
    const data = m.kspace.lookup(KERNEL_DATA_BASE);
    expect(data & (PTE_W | PTE_NX | PTE_U)).toBe(PTE_W | PTE_NX);
    expect(m.kspace.lookup(PERCPU_BASE) & PTE_U).toBe(0);
  });

  it("fills sys_call_table: bodies where implemented, sys_ni_syscall elsewhere", () => {
    const entry = (nr: number) =>
      Number(BigInt.asIntN(64, m.kspace.read64(m.sym("sys_call_table") + 8 * nr)));
    expect(entry(NR.read)).toBe(m.sym("sys_read"));
    expect(entry(NR.uname)).toBe(m.sym("sys_newuname"));
    expect(entry(NR.mount)).toBe(m.sym("sys_ni_syscall"));
    expect(entry(NR.getcpu)).toBe(m.sym("sys_ni_syscall"));
  });

  it("a task's first return to user mode sets per-cpu kernel_stack to stack top - 40", () => {
    const m2 = Machine.boot();
    const t = m2.createTask({ name: "a", image: userImage(`_start:\n${EXIT(3)}`) });
    m2.run({ maxInstructions: 0 });
    expect(m2.sched.current).toBe(t);
    const ks = Number(BigInt.asIntN(64, m2.kspace.read64(PERCPU_BASE + PERCPU_kernel_stack)));
    expect(ks).toBe(t.stackTop - KERNEL_STACK_OFFSET);
    expect(t.threadInfo).toBe(t.stackTop - THREAD_SIZE);
    expect(Number(BigInt.asIntN(64, m2.kspace.read64(PERCPU_BASE + PERCPU_current_task)))).toBe(t.taskStruct);
    expect(t.tif.test(T.TIF_FORK)).toBe(true);
    const r = m2.run();
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(3);
    expect(t.tif.test(T.TIF_FORK)).toBe(false);
    expect(Number(BigInt.asIntN(64, m2.cpu.getReg(RSP)))).toBeLessThan(0);
  });

  it("rejects a bad CPU count and bad images", () => {
    for (const cpus of [0, 9, 1.5]) expect(() => Machine.boot({ cpus })).toThrow(/cpus/);
    const m3 = Machine.boot();
    expect(() =>
      m3.createTask({ name: "x", image: { base: 0x400001n, bytes: new Uint8Array(1), entry: 0x400001n } }),
    ).toThrow();
    expect(() =>
      m3.createTask({ name: "x", image: { base: 0x400000n, bytes: new Uint8Array(0), entry: 0x400000n } }),
    ).toThrow();
  });
});

describe("native costs", () => {
  it("BootOptions.natives prices each native call; missing names use the defaults", () => {
    const prog = callsProgram([{ nr: NR.getpid }, { nr: NR.getpid }, { nr: NR.getppid }]);
    const base = runProgram(prog);
    const priced = runProgram(prog, { natives: { sys_getpid: 1001 } });
    expect(priced.t.acct.sysCycles - base.t.acct.sysCycles).toBe(2 * 1000);
    expect(priced.t.acct.userCycles).toBe(base.t.acct.userCycles);
    expect(DEFAULT_NATIVE_COSTS.copy_user_per_byte).toBe(0);
    const copy = runProgram(callsProgram([{ nr: NR.write, args: [1, "m", 10] }], 'm: .ascii "0123456789"'), {
      natives: { copy_user_per_byte: 2 },
    });
    const nocopy = runProgram(callsProgram([{ nr: NR.write, args: [1, "m", 10] }], 'm: .ascii "0123456789"'));
    expect(copy.t.acct.sysCycles - nocopy.t.acct.sysCycles).toBe(20);
  });
});

describe("faults and host misuse", () => {
  it("a kernel-mode fault is an oops: run() stops with reason 'fault' and names the place", () => {
    const ran = runProgram(callsProgram([{ nr: NR.getpid }]), {
      entry: { hooks: { fastpath_after_range_check: "movq 0x8, %rcx" } },
    });
    expect(ran.r.reason).toBe("fault");
    expect(ran.m.oops).toMatch(/^kernel #PF at system_call_fastpath\+0x/);
    expect(ran.t.exitCode).toBeNull();
    expect(ran.m.run().reason).toBe("fault");
  });

  it("TIF bit numbers out of range are host errors", () => {
    const m = Machine.boot();
    const t = m.createTask({ name: "a", image: userImage(`_start:\n${EXIT(0)}`) });
    expect(() => t.tif.set(32)).toThrow(/TIF bit/);
    expect(() => t.tif.clear(-1)).toThrow(/TIF bit/);
    expect(() => m.sym("no_such_symbol")).toThrow(/unknown kernel symbol/);
  });
});
