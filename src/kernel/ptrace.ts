// syscall_trace_enter / syscall_trace_leave of Linux 3.1 (arch/x86/kernel/ptrace.c), called by tracesys and
// int_check_syscall_exit_work with a pointer to the full pt_regs frame. The ptrace stop itself is modelled by a
// host callback (Task.tracer) that may rewrite orig_rax (or skip: -1) at entry and rax at exit.
import type { Cpu } from "../cpu/cpu.ts";
import { TF } from "../cpu/rflags.ts";
import { AUDIT_ARCH_X86_64 } from "./asm-offsets.ts";
import { AUDITSC_FAILURE, AUDITSC_SUCCESS, auditSyscallEntry, auditSyscallExit } from "./audit.ts";
import type { KernelContext } from "./kernel-context.ts";
import { argNum } from "./native-args.ts";
import * as P from "./pt-regs.ts";
import { chargeHostTracerStop } from "./ptrace-stop.ts";
import { appendRecord } from "./record-log.ts";
import { secureComputing } from "./seccomp.ts";
import { ptraceReportSyscall, tracerOf } from "./syscalls/ptrace.ts";
import type { Task, TracerStop } from "./task.ts";
import {
  _TIF_SECCOMP,
  _TIF_SINGLESTEP,
  _TIF_SYSCALL_AUDIT,
  _TIF_SYSCALL_EMU,
  _TIF_SYSCALL_TRACE,
  _TIF_SYSCALL_TRACEPOINT,
} from "./tif.ts";

function ptArgs(k: KernelContext, regs: number): bigint[] {
  const ks = k.kspace;
  return [P.RDI, P.RSI, P.RDX, P.R10, P.R8, P.R9].map((o) => ks.read64(regs + o));
}

function origRax(k: KernelContext, regs: number): number {
  return Number(BigInt.asIntN(64, k.kspace.read64(regs + P.ORIG_RAX)));
}

function isGuestTraced(t: Task): boolean {
  return tracerOf(t) !== null;
}

/** The audit context exists while TIF_SYSCALL_AUDIT is set (audit_alloc sets both in Linux). */
function hasAuditContext(t: Task): boolean {
  return (t.tif.get() & _TIF_SYSCALL_AUDIT) !== 0;
}

/**
 * tracehook_report_syscall_entry(): a ptrace stop; 3.1's always returns 0 (a tracer skips via orig_rax = -1).
 * ptrace_report_syscall() returns at once unless the task is PT_PTRACED (include/linux/tracehook.h): with
 * TIF_SYSCALL_TRACE set but no tracer attached, the task takes the slow path and stops nowhere.
 */
function reportSyscallEntry(k: KernelContext, t: Task, regs: number): boolean {
  if (t.tracer === null) {
    const stop: TracerStop = { kind: "entry", nr: origRax(k, regs), args: ptArgs(k, regs) };
    if (!isGuestTraced(t)) return false;
    appendRecord(t.stops, stop, t.droppedRecords);
    return ptraceReportSyscall(k, t, false);
  }
  chargeHostTracerStop(k);
  const stop: TracerStop = { kind: "entry", nr: origRax(k, regs), args: ptArgs(k, regs) };
  appendRecord(t.stops, stop, t.droppedRecords);
  const act = t.tracer(stop, t);
  if (act?.skip) k.kspace.write64(regs + P.ORIG_RAX, -1n);
  else if (act?.nr !== undefined) k.kspace.write64(regs + P.ORIG_RAX, BigInt.asUintN(64, BigInt(act.nr)));
  return false;
}

function reportSyscallExit(k: KernelContext, t: Task, regs: number): void {
  if (t.tracer === null) {
    if (!isGuestTraced(t)) return;
    const ret = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
    appendRecord(
      t.stops,
      { kind: "exit", nr: origRax(k, regs), args: ptArgs(k, regs), ret },
      t.droppedRecords,
    );
    ptraceReportSyscall(k, t, true);
    return;
  }
  chargeHostTracerStop(k);
  const ret = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
  const stop: TracerStop = { kind: "exit", nr: origRax(k, regs), args: ptArgs(k, regs), ret };
  appendRecord(t.stops, stop, t.droppedRecords);
  const act = t.tracer(stop, t);
  if (act?.ret !== undefined) k.kspace.write64(regs + P.RAX, BigInt.asUintN(64, BigInt(act.ret)));
}

/** long syscall_trace_enter(struct pt_regs *regs): the syscall number to run, or -1 to skip it. */
export function native_syscall_trace_enter(k: KernelContext, cpu: Cpu): number | undefined {
  const regs = argNum(cpu, 0);
  const t = k.current();
  const flags = t.tif.get();
  let ret = 0;
  if (flags & _TIF_SINGLESTEP) {
    const f = k.kspace.read64(regs + P.EFLAGS);
    k.kspace.write64(regs + P.EFLAGS, f | BigInt(TF));
  }
  // Do the secure computing check first; a skipped call skips every later hook (3.5+: `goto out`).
  if (flags & _TIF_SECCOMP) {
    const verdict = secureComputing(k, regs);
    if (verdict === null) return undefined; // killed: control already left this task
    if (verdict !== 0) return -1;
  }
  if (flags & _TIF_SYSCALL_EMU) ret = -1;
  // A tracer task's stop switches away; the tracee resumes after this native's call with RAX = orig_rax as the
  // tracer left it, so with a tracer task the tracepoint and audit entry come first (3.1 has them after the stop).
  const guestStop = t.tracer === null && isGuestTraced(t) && (ret !== 0 || flags & _TIF_SYSCALL_TRACE);
  if (!guestStop && (ret !== 0 || flags & _TIF_SYSCALL_TRACE)) reportSyscallEntry(k, t, regs);
  if (flags & _TIF_SYSCALL_TRACEPOINT) {
    k.charge("trace_sys_enter");
    appendRecord(t.tracepoints, { kind: "sys_enter", nr: origRax(k, regs) }, t.droppedRecords);
  }
  if (hasAuditContext(t)) {
    k.charge("audit_syscall_entry");
    const a = ptArgs(k, regs);
    auditSyscallEntry(k, AUDIT_ARCH_X86_64, origRax(k, regs), [a[0]!, a[1]!, a[2]!, a[3]!]);
  }
  if (guestStop && reportSyscallEntry(k, t, regs)) return undefined;
  return ret !== 0 ? ret : origRax(k, regs);
}

/** void syscall_trace_leave(struct pt_regs *regs) */
export function native_syscall_trace_leave(k: KernelContext, cpu: Cpu): undefined {
  const regs = argNum(cpu, 0);
  const t = k.current();
  const flags = t.tif.get();
  if (hasAuditContext(t)) {
    k.charge("audit_syscall_exit");
    const ax = BigInt.asIntN(64, k.kspace.read64(regs + P.RAX));
    // AUDITSC_RESULT(x): failure when x < 0
    auditSyscallExit(k, ax < 0n ? AUDITSC_FAILURE : AUDITSC_SUCCESS, ax);
  }
  if (flags & _TIF_SYSCALL_TRACEPOINT) {
    k.charge("trace_sys_enter");
    appendRecord(
      t.tracepoints,
      {
        kind: "sys_exit",
        nr: origRax(k, regs),
        ret: BigInt.asIntN(64, k.kspace.read64(regs + P.RAX)),
      },
      t.droppedRecords,
    );
  }
  const step = (flags & _TIF_SINGLESTEP) !== 0 && (flags & _TIF_SYSCALL_EMU) === 0;
  if (step || flags & _TIF_SYSCALL_TRACE) reportSyscallExit(k, t, regs);
  return undefined;
}
