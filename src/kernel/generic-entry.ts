// The C side of the generic-entry (v5.11+) flavour (kernel/entry/common.c, [L5.15]; docs/sources.md#generic-entry):
// syscall_trace_enter in the 5.x order and syscall_exit_work as natives, the constants the entry text of
// src/entry/linux-generic.ts takes as symbols, the per-cpu TSS page the entry uses as scratch, the 5.x
// sys_call_table contents, and the probes that count paths. do_syscall_64, syscall_enter_from_user_mode and
// syscall_exit_to_user_mode are code in the entry text.
import type { Cpu } from "../cpu/cpu.ts";
import { AddressSpace, PAGE_SIZE, type PhysicalMemory } from "../cpu/memory.ts";
import { RAX } from "../cpu/registers.ts";
import { RF, TF } from "../cpu/rflags.ts";
import { AUDIT_ARCH_X86_64 } from "./asm-offsets.ts";
import { AUDITSC_FAILURE, AUDITSC_SUCCESS, auditSyscallEntry, auditSyscallExit } from "./audit.ts";
import { ENOSYS } from "./errno.ts";
import type { KernelContext, NativeFn } from "./kernel-context.ts";
import { argBig, argNum } from "./native-args.ts";
import type { NativeName } from "./native-costs.ts";
import { SYSCALL_IMPLS } from "./natives.ts";
import { PERCPU_SIZE } from "./percpu.ts";
import * as P from "./pt-regs.ts";
import { chargeHostTracerStop } from "./ptrace-stop.ts";
import { appendRecord } from "./record-log.ts";
import type { Scheduler } from "./sched.ts";
import { SECCOMP_DEFERRED, secureComputing } from "./seccomp.ts";
import { __USER_CS, __USER_DS } from "./segment.ts";
import { SYSCALLS_X86_64 } from "./syscall-names-x86_64.ts";
import type { SyscallName } from "./syscall-names-x86_64-3.1.ts";
import {
  EXIT_TO_USER_MODE_WORK,
  SYSCALL_WORK_ENTER,
  SYSCALL_WORK_EXIT,
  SYSCALL_WORK_SECCOMP,
  SYSCALL_WORK_SYSCALL_AUDIT,
  SYSCALL_WORK_SYSCALL_EMU,
  SYSCALL_WORK_SYSCALL_EXIT_TRAP,
  SYSCALL_WORK_SYSCALL_TRACE,
  SYSCALL_WORK_SYSCALL_TRACEPOINT,
  TI5_flags,
  TI5_status,
  TI5_syscall_work,
  TIF5_NEED_RESCHED,
} from "./syscall-work.ts";
import { ptraceReportSyscall, tracerOf } from "./syscalls/ptrace.ts";
import { sys_rt_sigreturn_ptregs } from "./syscalls/signal.ts";
import type { Task, TracerStop } from "./task.ts";
import { THREAD_SIZE } from "./thread-info.ts";

// ---- the per-cpu TSS page (cpu_tss_rw) ----
// struct x86_hw_tss: reserved1 u32, then sp0 / sp1 / sp2 (u64, packed). 5.x keeps the task's stack top in sp1
// (cpu_current_top_of_stack) and uses sp2 as the SYSCALL entry's scratch word. PTI maps this page into the user
// page tables (pti_clone_user_shared). The entry (trampoline) stack, a page of the cpu_entry_area in Linux, is the
// upper part of the same page here, and TSS.sp0 is its top.

/** cpu_tss_rw as a %gs offset: CPU n's TSS page is at PERCPU_BASE + 8 pages + n pages, so the offset is fixed */
export const CPU_TSS_RW = 8 * PERCPU_SIZE;
export const TSS_sp0 = 4;
export const TSS_sp1 = 12;
export const TSS_sp2 = 20;
/** the entry (trampoline) stack: from the end of x86_hw_tss (104 bytes) to the page end */
export const ENTRY_STACK_TOP = PERCPU_SIZE;

// ---- PTI ----
/** PTI_USER_PGTABLE_BIT = PAGE_SHIFT: the user PGD is the 4 KiB page after the kernel PGD (an 8 KiB-aligned pair) */
export const PTI_USER_PGTABLE_MASK = 1 << 12;
/** X86_CR3_PTI_PCID_USER_BIT = 11 (ignored by this CPU model without PCID, as CR3 bit 11 is without CR4.PCIDE) */
export const PTI_USER_PCID_MASK = 1 << 11;
export const PTI_USER_PGTABLE_AND_PCID_MASK = PTI_USER_PGTABLE_MASK | PTI_USER_PCID_MASK;

/** __VIRTUAL_MASK_SHIFT with 4-level paging */
export const __VIRTUAL_MASK_SHIFT = 47;

/** MSR_SYSCALL_MASK of 5.15's syscall_init(): CF|PF|AF|ZF|SF|TF|IF|DF|OF|IOPL|NT|RF|AC|ID */
export const GENERIC_SYSCALL_MASK = 0x257fd5;

/** The x86_64 syscall table of current Linux: 0..469 (the modern names table), NR_syscalls = 470. */
export const GENERIC_SYSCALL_NAMES: readonly (string | undefined)[] = (() => {
  const max = Math.max(...Object.values(SYSCALLS_X86_64));
  const names: (string | undefined)[] = new Array(max + 1).fill(undefined);
  for (const [name, nr] of Object.entries(SYSCALLS_X86_64)) names[nr] = name;
  return names;
})();
export const GENERIC_NR_SYSCALLS = GENERIC_SYSCALL_NAMES.length;

/** Table entries past 3.1's NR_syscalls (modern names) that this kernel implements. */
export const GENERIC_SYSCALL_EXTRA: Readonly<Record<string, NativeName>> = {
  seccomp: "sys_seccomp",
  getrandom: "sys_getrandom",
  faccessat2: "sys_faccessat2",
  statx: "sys_statx",
};

/** sys_call_table[nr]: the native of a name this kernel implements, else sys_ni_syscall. */
export function genericSyscallImpl(nr: number): NativeName {
  const name = GENERIC_SYSCALL_NAMES[nr];
  if (name === undefined) return "sys_ni_syscall";
  return SYSCALL_IMPLS[name as SyscallName] ?? GENERIC_SYSCALL_EXTRA[name] ?? "sys_ni_syscall";
}

/** The symbols of the generic entry text (asm-offsets of 5.x plus the pt_regs offsets shared with 3.1). */
export function linuxGenericAsmOffsets(): Map<string, bigint> {
  const m = new Map<string, bigint>();
  const set = (k: string, v: number) => m.set(k, BigInt(v));
  for (const [name, off] of P.PT_REGS_FIELDS) set(name === "orig_rax" ? "ORIG_RAX" : name.toUpperCase(), off);
  set("TI_flags", TI5_flags);
  set("TI_syscall_work", TI5_syscall_work);
  set("TI_status", TI5_status);
  set("THREAD_SIZE", THREAD_SIZE);
  set("cpu_tss_rw", CPU_TSS_RW);
  set("TSS_sp0", TSS_sp0);
  set("TSS_sp1", TSS_sp1);
  set("TSS_sp2", TSS_sp2);
  set("cpu_current_top_of_stack", CPU_TSS_RW + TSS_sp1);
  set("__USER_CS", __USER_CS);
  set("__USER_DS", __USER_DS);
  set("ENOSYS", ENOSYS);
  set("NR_syscalls", GENERIC_NR_SYSCALLS);
  set("__VIRTUAL_MASK_SHIFT", __VIRTUAL_MASK_SHIFT);
  set("X86_EFLAGS_TF", TF);
  set("X86_EFLAGS_RF", RF);
  set("SYSCALL_WORK_ENTER", SYSCALL_WORK_ENTER);
  set("SYSCALL_WORK_EXIT", SYSCALL_WORK_EXIT);
  set("EXIT_TO_USER_MODE_WORK", EXIT_TO_USER_MODE_WORK);
  set("_TIF_NEED_RESCHED", 1 << TIF5_NEED_RESCHED);
  set("_TIF_NOTIFY_WORK", EXIT_TO_USER_MODE_WORK & ~(1 << TIF5_NEED_RESCHED));
  set("PTI_USER_PGTABLE_MASK", PTI_USER_PGTABLE_MASK);
  set("PTI_USER_PCID_MASK", PTI_USER_PCID_MASK);
  set("PTI_USER_PGTABLE_AND_PCID_MASK", PTI_USER_PGTABLE_AND_PCID_MASK);
  return m;
}

// ---- natives ----

/** The thread_info of the running task (at the bottom of its stack). */
function workOf(k: KernelContext, t: Task): number {
  return k.kspace.read32(t.threadInfo + TI5_syscall_work);
}

function ptArgs(k: KernelContext, regs: number): bigint[] {
  const ks = k.kspace;
  return [P.RDI, P.RSI, P.RDX, P.R10, P.R8, P.R9].map((o) => ks.read64(regs + o));
}

/** syscall_get_nr(): regs->orig_ax */
function syscallGetNr(k: KernelContext, regs: number): number {
  return Number(BigInt.asIntN(64, k.kspace.read64(regs + P.ORIG_RAX)));
}

/** The pt_regs of a task's syscall frame (at the top of its kernel stack), for tracers that poke the frame. */
export function taskPtRegs(t: Task): number {
  return t.stackTop - P.PT_REGS_SIZE;
}

/**
 * ptrace_report_syscall_entry: a stop when a tracer is attached (the tracer may rewrite orig_ax, skip the call with
 * orig_ax = -1, or poke any other frame slot through taskPtRegs). Returns non-zero only when the tracer kills the
 * task, which is not modelled, so always 0; a skip shows in the re-read of orig_ax.
 */
function reportSyscallEntry(k: KernelContext, t: Task, regs: number): number {
  if (t.tracer === null) return 0;
  chargeHostTracerStop(k);
  const stop: TracerStop = { kind: "entry", nr: syscallGetNr(k, regs), args: ptArgs(k, regs) };
  appendRecord(t.stops, stop, t.droppedRecords);
  const act = t.tracer(stop, t);
  if (act?.skip) k.kspace.write64(regs + P.ORIG_RAX, -1n);
  else if (act?.nr !== undefined) k.kspace.write64(regs + P.ORIG_RAX, BigInt.asUintN(64, BigInt(act.nr)));
  return 0;
}

function reportSyscallExit(k: KernelContext, t: Task, regs: number): void {
  if (t.tracer === null) {
    if (tracerOf(t) === null) return;
    const ret = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
    const stop: TracerStop = { kind: "exit", nr: syscallGetNr(k, regs), args: ptArgs(k, regs), ret };
    appendRecord(t.stops, stop, t.droppedRecords);
    ptraceReportSyscall(k, t, true);
    return;
  }
  chargeHostTracerStop(k);
  const ret = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
  const stop: TracerStop = { kind: "exit", nr: syscallGetNr(k, regs), args: ptArgs(k, regs), ret };
  appendRecord(t.stops, stop, t.droppedRecords);
  const act = t.tracer(stop, t);
  if (act?.ret !== undefined) k.kspace.write64(regs + P.RAX, BigInt.asUintN(64, BigInt(act.ret)));
}

/** The audit context exists while SYSCALL_WORK_SYSCALL_AUDIT is set (audit_alloc sets both). */
function hasAuditContext(k: KernelContext, t: Task): boolean {
  return (workOf(k, t) & SYSCALL_WORK_SYSCALL_AUDIT) !== 0;
}

/**
 * long syscall_trace_enter(struct pt_regs *regs, long syscall, unsigned long work), the 5.x order: user dispatch,
 * ptrace, seccomp ("after ptrace, to catch any tracer changes"), re-read of the number, tracepoint, audit.
 * Syscall User Dispatch is not configured by any task here (no prctl(PR_SET_SYSCALL_USER_DISPATCH)), so its bit
 * only costs this call.
 */
export function native_generic_syscall_trace_enter(k: KernelContext, cpu: Cpu): number | undefined {
  const regs = argNum(cpu, 0);
  const work = Number(argBig(cpu, 2) & 0xffffffffn);
  const t = k.current();
  const traced = (work & (SYSCALL_WORK_SYSCALL_TRACE | SYSCALL_WORK_SYSCALL_EMU)) !== 0;
  // A tracer task's stop switches away and the tracee resumes after this native's call with RAX = orig_rax as the
  // tracer left it, so with a tracer task seccomp, the tracepoint and audit come first (5.x: after the stop).
  const guestStop = traced && t.tracer === null && tracerOf(t) !== null;
  if (traced && !guestStop) {
    const ret = reportSyscallEntry(k, t, regs);
    if (ret !== 0 || work & SYSCALL_WORK_SYSCALL_EMU) return -1;
  }
  // "Do seccomp after ptrace, to catch any tracer changes."
  if (work & SYSCALL_WORK_SECCOMP) {
    // with the BPF JIT the filters run as guest code and the rest of this function resumes afterwards
    const after = (r: number | null): number | undefined =>
      r === null ? undefined : r === -1 ? -1 : traceEnterAfterSeccomp(k, t, regs, work, guestStop);
    const r = secureComputing(k, regs, after);
    if (r === SECCOMP_DEFERRED) return undefined;
    return after(r);
  }
  return traceEnterAfterSeccomp(k, t, regs, work, guestStop);
}

/**
 * syscall_trace_enter after the seccomp check: re-read of the number, tracepoint, audit, then a guest tracer's
 * entry stop; returns the number, -1 to skip the call, or undefined when the task stopped.
 */
function traceEnterAfterSeccomp(
  k: KernelContext,
  t: Task,
  regs: number,
  work: number,
  guestStop: boolean,
): number | undefined {
  const syscall = syscallGetNr(k, regs);
  if (work & SYSCALL_WORK_SYSCALL_TRACEPOINT) {
    k.charge("trace_sys_enter");
    appendRecord(t.tracepoints, { kind: "sys_enter", nr: syscall }, t.droppedRecords);
  }
  // syscall_enter_audit(): audit_syscall_entry when an audit context exists
  if (hasAuditContext(k, t)) {
    k.charge("audit_syscall_entry");
    const a = ptArgs(k, regs);
    auditSyscallEntry(k, AUDIT_ARCH_X86_64, syscall, [a[0]!, a[1]!, a[2]!, a[3]!]);
  }
  if (guestStop) {
    appendRecord(t.stops, { kind: "entry", nr: syscall, args: ptArgs(k, regs) }, t.droppedRecords);
    if (ptraceReportSyscall(k, t, false)) return undefined;
    if (work & SYSCALL_WORK_SYSCALL_EMU) return -1;
  }
  return syscall;
}

/**
 * void syscall_exit_work(struct pt_regs *regs, unsigned long work): audit_syscall_exit, the sys_exit tracepoint,
 * then the ptrace exit stop when TRACE is set or EXIT_TRAP without EMU (single-step).
 */
export function native_syscall_exit_work(k: KernelContext, cpu: Cpu): undefined {
  const regs = argNum(cpu, 0);
  const work = Number(argBig(cpu, 1) & 0xffffffffn);
  const t = k.current();
  const ax = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
  if (hasAuditContext(k, t)) {
    k.charge("audit_syscall_exit");
    auditSyscallExit(k, ax < 0n ? AUDITSC_FAILURE : AUDITSC_SUCCESS, ax);
  }
  if (work & SYSCALL_WORK_SYSCALL_TRACEPOINT) {
    k.charge("trace_sys_enter");
    appendRecord(t.tracepoints, { kind: "sys_exit", nr: syscallGetNr(k, regs), ret: ax }, t.droppedRecords);
  }
  const step = (work & SYSCALL_WORK_SYSCALL_EXIT_TRAP) !== 0 && (work & SYSCALL_WORK_SYSCALL_EMU) === 0;
  if (step || work & SYSCALL_WORK_SYSCALL_TRACE) reportSyscallExit(k, t, regs);
  return undefined;
}

export interface GenericNative {
  fn: NativeFn;
  /** the profile name that prices it */
  cost: NativeName;
}

/**
 * The natives whose implementation differs on the generic flavour, by label. syscall_exit_work is priced under
 * syscall_trace_leave, the 3.1 function with the same role (profiles price exactly the kernel's NATIVE_NAMES).
 */
export const GENERIC_NATIVES: Readonly<Record<string, GenericNative>> = {
  syscall_trace_enter: { fn: native_generic_syscall_trace_enter, cost: "syscall_trace_enter" },
  syscall_exit_work: { fn: native_syscall_exit_work, cost: "syscall_trace_leave" },
  // 5.x reads the user RSP from pt_regs (3.1's fast path still had it in per-cpu old_rsp only)
  sys_rt_sigreturn: { fn: sys_rt_sigreturn_ptregs, cost: "sys_rt_sigreturn" },
};

// ---- probes ----

/**
 * Path counters on the generic entry, read with CPU probes (no guest instructions): syscalls at entry_SYSCALL_64;
 * fast / audit / trace by the entry work syscall_enter_from_user_mode sees (none, SYSCALL_AUDIT alone, anything
 * else); badsys at do_syscall_64_ni; sysret / iret at the return instructions.
 */
export function installGenericProbes(
  cpu: Cpu,
  sched: Scheduler,
  k: KernelContext,
  sym: (name: string) => number,
  sysretAt: number,
  syscallCost: number,
): void {
  const cur = () => sched.current;
  cpu.addProbe(sym("entry_SYSCALL_64"), () => {
    const t = cur();
    if (t === null) return;
    t.acct.syscalls++;
    sched.account();
    t.closeSyscall();
    t.openSyscall = {
      nr: Number(BigInt.asIntN(64, cpu.getReg(RAX))),
      startSys: t.acct.sysCycles,
      startInstret: t.acct.instret,
      syscallCost,
    };
  });
  cpu.addProbe(sym("syscall_enter_from_user_mode"), () => {
    const t = cur();
    if (t === null) return;
    const w = workOf(k, t) & SYSCALL_WORK_ENTER;
    if (w === 0) t.acct.paths.fast++;
    else if (w === SYSCALL_WORK_SYSCALL_AUDIT) t.acct.paths.audit++;
    else t.acct.paths.trace++;
  });
  cpu.addProbe(sym("do_syscall_64_ni"), () => {
    const t = cur();
    if (t !== null) t.acct.paths.badsys++;
  });
  const ret = (kind: "sysret" | "iret") => () => {
    const t = cur();
    if (t === null) return;
    if (t.forkReturnPending) t.forkReturnPending = false;
    else t.acct.paths[kind]++;
  };
  cpu.addProbe(sysretAt, ret("sysret"));
  cpu.addProbe(sym("native_irq_return_iret"), ret("iret"));
}

// ---- PTI page tables ----

/**
 * The kernel PGD of a PTI task: an 8 KiB-aligned pair of frames, the user PGD being the second (so the entry's
 * `orq $PTI_USER_PGTABLE_MASK` / `andq $~…` on CR3 flips between them). Frames skipped on the way are freed after.
 */
export function allocPgdPair(phys: PhysicalMemory): number {
  const skipped: number[] = [];
  try {
    for (;;) {
      const a = phys.allocFrame();
      if (a % (2 * PAGE_SIZE) !== 0) {
        skipped.push(a);
        continue;
      }
      const b = phys.allocFrame();
      if (b === a + PAGE_SIZE) return a;
      skipped.push(a, b);
    }
  } finally {
    for (const f of skipped) phys.freeFrame(f);
  }
}

/**
 * The user page tables of a PTI task: the user half of `kernelPgd` plus the `shared` kernel ranges (the entry
 * trampoline text and the TSS pages), kept in step with every later change to `kernelPgd` (brk, new kernel regions).
 * Linux shares the user half below the PGD level; here the PTEs are copied (same frames, no extra references).
 */
export function ptiUserSpace(
  kernelPgd: AddressSpace,
  shared: readonly { vaddr: number; length: number }[],
): AddressSpace {
  const user = new AddressSpace(kernelPgd.phys, kernelPgd.cr3 + PTI_USER_PGTABLE_MASK);
  const pages: number[] = [];
  for (const r of shared) {
    const first = Math.floor(r.vaddr / PAGE_SIZE);
    for (let i = 0; i < Math.ceil(r.length / PAGE_SIZE); i++) pages.push(first + i);
  }
  const sync = () => {
    user.ptes.clear();
    for (const [vpn, pte] of kernelPgd.ptes) if (vpn >= 0) user.ptes.set(vpn, pte);
    for (const vpn of pages) {
      const pte = kernelPgd.pte(vpn);
      if (pte !== undefined) user.ptes.set(vpn, pte);
    }
    for (const l of user.onChange) l(user);
  };
  sync();
  kernelPgd.onChange.add(sync);
  return user;
}
