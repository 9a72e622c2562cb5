// ptrace(2) for a tracer task (kernel/ptrace.c, arch/x86/kernel/ptrace.c of 3.1, with 3.4's PTRACE_SEIZE and
// 3.5's PTRACE_O_TRACESECCOMP): attach and detach, the syscall, signal-delivery and event stops, and the register
// requests over the tracee's pt_regs. A stopped tracee is not runnable (TaskState "stopped"): the stop switches
// to the next task (the tracer, polling in wait4) and the tracee continues inside the native that stopped it once
// the tracer resumes it. The host-side Task.tracer callback (src/kernel/ptrace.ts) is a separate, older mechanism.
import type { Cpu } from "../../cpu/cpu.ts";
import { EFAULT, EINVAL, EIO, EPERM, ESRCH } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum } from "../native-args.ts";
import * as P from "../pt-regs.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";
import { TIF_SYSCALL_TRACE } from "../tif.ts";
import { copyFromUser, copyToUser } from "../uaccess.ts";
import { NSIG, SIGKILL, SIGSTOP, SIGTRAP, sendSignal, setSignalStopHook } from "./signal.ts";

export const PTRACE_TRACEME = 0;
export const PTRACE_PEEKTEXT = 1;
export const PTRACE_PEEKDATA = 2;
export const PTRACE_PEEKUSR = 3;
export const PTRACE_POKETEXT = 4;
export const PTRACE_POKEDATA = 5;
export const PTRACE_POKEUSR = 6;
export const PTRACE_CONT = 7;
export const PTRACE_KILL = 8;
export const PTRACE_GETREGS = 12;
export const PTRACE_SETREGS = 13;
export const PTRACE_ATTACH = 16;
export const PTRACE_DETACH = 17;
export const PTRACE_SYSCALL = 24;
export const PTRACE_SETOPTIONS = 0x4200;
export const PTRACE_GETEVENTMSG = 0x4201;
export const PTRACE_SEIZE = 0x4206;

export const PTRACE_O_TRACESYSGOOD = 1;
export const PTRACE_O_TRACESECCOMP = 0x80;
export const PTRACE_O_EXITKILL = 0x100000;
/** the options Linux accepts; TRACESYSGOOD, TRACESECCOMP and EXITKILL act here, the fork/exec/exit events do not */
const PTRACE_O_MASK = 0x3ff | PTRACE_O_EXITKILL;
export const PTRACE_EVENT_SECCOMP = 7;

/** struct user_regs_struct (x86_64): 27 longs; the first 21 in pt_regs order */
export const USER_REGS_SIZE = 27 * 8;
/** offsetof(struct user, regs.orig_rax) and regs.rax */
export const USER_ORIG_RAX = 15 * 8;
export const USER_RAX = 10 * 8;
const USER_FS_BASE = 21 * 8;
const USER_GS_BASE = 22 * 8;
/** sizeof(struct user) on x86_64 */
export const SIZEOF_USER = 912;
/** the RFLAGS bits a tracer may change (FLAG_MASK: CF PF AF ZF SF TF DF OF RF AC) */
const FLAG_MASK = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000;

type StopKind = "syscall-entry" | "syscall-exit" | "signal" | "event";

interface PtraceState {
  tracer: Task;
  options: number;
  /** the stop the tracee is in (null while it runs) and whether wait4 has reported it */
  stop: { kind: StopKind; status: number; reported: boolean } | null;
  /** a signal the tracer chose to deliver: the next signal-delivery check delivers it without stopping */
  injected: number;
  /** PTRACE_GETEVENTMSG */
  eventMsg: number;
}

const states = new WeakMap<Task, PtraceState>();

export function isPtraced(t: Task): boolean {
  return states.has(t);
}

/** The task tracing `t`, if any. */
export function tracerOf(t: Task): Task | null {
  return states.get(t)?.tracer ?? null;
}

function attach(t: Task, tracer: Task, options: number): void {
  states.set(t, { tracer, options, stop: null, injected: 0, eventMsg: 0 });
}

function detach(t: Task): void {
  states.delete(t);
  t.tif.clear(TIF_SYSCALL_TRACE);
  if (t.state === "stopped") t.state = "runnable";
}

/**
 * ptrace_stop: the tracee stops with `stopSig` (the wait status's WSTOPSIG plus event bits) and control switches
 * to the next runnable task. Returns false (and does not stop) when no other task can run.
 */
function ptraceStop(k: KernelContext, t: Task, kind: StopKind, status: number): boolean {
  const st = states.get(t);
  if (st === undefined) return false;
  // the tracee's side only: the switch to the tracer and back are real switches here, charged by the scheduler
  k.charge("ptrace_stop");
  st.stop = { kind, status, reported: false };
  t.state = "stopped";
  if (k.scheduleFromNative(0)) return true;
  t.state = "runnable";
  st.stop = null;
  return false;
}

const trapSig = (st: PtraceState): number => SIGTRAP | (st.options & PTRACE_O_TRACESYSGOOD ? 0x80 : 0);

/** tracehook_report_syscall_entry/exit for a tracer task: true when the tracee stopped (control left it). */
export function ptraceReportSyscall(k: KernelContext, t: Task, exit: boolean): boolean {
  const st = states.get(t);
  if (st === undefined) return false;
  return ptraceStop(k, t, exit ? "syscall-exit" : "syscall-entry", (trapSig(st) << 8) | 0x7f);
}

/** PTRACE_EVENT_SECCOMP stop (SECCOMP_RET_TRACE) when the tracer set PTRACE_O_TRACESECCOMP. */
export function ptraceSeccompEvent(k: KernelContext, t: Task, msg: number): boolean {
  const st = states.get(t);
  if (st === undefined || (st.options & PTRACE_O_TRACESECCOMP) === 0) return false;
  st.eventMsg = msg;
  return ptraceStop(k, t, "event", ((SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)) << 8) | 0x7f);
}

// signal-delivery stop: every signal but SIGKILL (and one the tracer injected) stops a traced task first
setSignalStopHook((k, t, sig) => {
  const st = states.get(t);
  if (st === undefined) return false;
  if (st.injected === sig) {
    st.injected = 0;
    return false;
  }
  return ptraceStop(k, t, "signal", (sig << 8) | 0x7f);
});

/** wait4's view: an unreported stop of a tracee of `waiter` matching `pid` (marked reported), or null. */
export function ptraceWaitStop(
  k: KernelContext,
  waiter: Task,
  pid: number,
): { task: Task; status: number } | null {
  for (const t of k.tasks) {
    const st = states.get(t);
    if (st === undefined || st.tracer !== waiter || (pid > 0 && t.pid !== pid)) continue;
    if (st.stop !== null && !st.stop.reported && t.state === "stopped") {
      st.stop.reported = true;
      return { task: t, status: st.stop.status };
    }
  }
  return null;
}

/** Whether `waiter` traces a live task matching `pid` (so wait4 waits instead of failing with ECHILD). */
export function tracesAny(k: KernelContext, waiter: Task, pid: number): boolean {
  return k.tasks.some((t) => !t.exited && states.get(t)?.tracer === waiter && (pid <= 0 || t.pid === pid));
}

/** exit_ptrace (the tracer exits: its tracees are detached and run on) and the tracee's own exit. */
export function exitPtrace(k: KernelContext, t: Task): void {
  states.delete(t);
  for (const x of k.tasks) {
    const st = states.get(x);
    if (st?.tracer !== t) continue;
    const kill = (st.options & PTRACE_O_EXITKILL) !== 0;
    detach(x);
    if (kill) sendSignal(x, SIGKILL);
  }
}

// ---- the requests ----

function userRegsOffset(t: Task, off: number): number | null {
  return off < 21 * 8 ? t.stackTop - P.PT_REGS_SIZE + off : null;
}

/** getreg: one long of struct user at `off` (regs area; the rest of struct user reads as 0). */
function getUserWord(k: KernelContext, t: Task, off: number): bigint {
  const a = userRegsOffset(t, off);
  if (a !== null) return k.kspace.read64(a);
  if (off === USER_FS_BASE) return BigInt(t.fsBase);
  return 0n; // gs_base, ds es fs gs (0 in 64-bit user mode), and the non-register part of struct user
}

/** putreg: 0 or -EIO (segment selectors must keep RPL 3; RFLAGS only FLAG_MASK; bases below TASK_SIZE). */
function putUserWord(k: KernelContext, t: Task, off: number, v: bigint): number {
  const a = userRegsOffset(t, off);
  if (a !== null) {
    if (off === P.CS || off === P.SS) {
      if ((v & 3n) !== 3n) return -EIO;
      return 0; // the flat 64-bit selectors stay
    }
    if (off === P.EFLAGS) {
      const old = k.kspace.read64(a);
      const m = BigInt(FLAG_MASK);
      k.kspace.write64(a, (old & ~m) | (v & m));
      return 0;
    }
    k.kspace.write64(a, BigInt.asUintN(64, v));
    return 0;
  }
  if (off === USER_FS_BASE) {
    if (v >= BigInt(TASK_SIZE_MAX)) return -EIO;
    t.fsBase = Number(v);
    return 0;
  }
  if (off === USER_GS_BASE) return v >= BigInt(TASK_SIZE_MAX) ? -EIO : 0;
  return 0; // selectors and the rest of struct user: ignored
}

/** Resume a stopped tracee (PTRACE_CONT / SYSCALL / DETACH / KILL), optionally delivering `sig`. */
function resume(k: KernelContext, t: Task, sig: number): void {
  const st = states.get(t);
  if (st !== undefined) {
    const was = st.stop?.kind;
    st.stop = null;
    // syscall_trace_enter returns the number the tracer left in orig_rax (-1: skip the call)
    if (was === "syscall-entry" || was === "event")
      t.resumeRax = Number(BigInt.asIntN(64, k.kspace.read64(t.stackTop - P.PT_REGS_SIZE + P.ORIG_RAX)));
    if (sig !== 0) st.injected = sig;
  }
  if (sig !== 0) sendSignal(t, sig);
  t.state = "runnable";
}

function byPid(k: KernelContext, pid: number): Task | undefined {
  return k.tasks.find((x) => x.pid === pid && !x.exited);
}

/** ptrace_attach's permission check (__ptrace_may_access without capabilities: root, or the same uid). */
function mayAttach(tracer: Task, t: Task): boolean {
  if (tracer.creds.euid === 0) return true;
  const c = t.creds;
  const u = tracer.creds.uid;
  return c.uid === u && c.euid === u && c.suid === u;
}

/** long ptrace(long request, long pid, unsigned long addr, unsigned long data) */
export function sys_ptrace(k: KernelContext, cpu: Cpu): number {
  const me = k.current();
  const req = argInt(cpu, 0);
  const pid = argInt(cpu, 1);
  const addr = argNum(cpu, 2);
  const data = argNum(cpu, 3);
  if (req === PTRACE_TRACEME) {
    if (states.has(me) || me.parent === null || me.parent.exited) return -EPERM;
    attach(me, me.parent, 0);
    return 0;
  }
  const t = byPid(k, pid);
  if (req === PTRACE_ATTACH || req === PTRACE_SEIZE) {
    if (t === undefined) return -ESRCH;
    if (t === me || t.tgid === me.tgid) return -EPERM;
    if (states.has(t) || !mayAttach(me, t)) return -EPERM;
    if (req === PTRACE_SEIZE) {
      if (addr !== 0 || (data & ~PTRACE_O_MASK) !== 0) return -EIO;
      attach(t, me, data);
    } else {
      attach(t, me, 0);
      sendSignal(t, SIGSTOP);
    }
    return 0;
  }
  // ptrace_check_attach: the caller traces `t` and (but for KILL) `t` is stopped
  const st = t !== undefined ? states.get(t) : undefined;
  if (t === undefined || st === undefined || st.tracer !== me) return -ESRCH;
  if (req === PTRACE_KILL) {
    sendSignal(t, SIGKILL);
    if (t.state === "stopped") resume(k, t, 0);
    return 0;
  }
  if (t.state !== "stopped" || st.stop === null) return -ESRCH;
  const regsBase = t.stackTop - P.PT_REGS_SIZE;
  switch (req) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA: {
      const b = copyFromUser(t.space, addr, 8);
      if (b === null) return -EIO;
      return copyToUser(me.space, data, b) ? 0 : -EFAULT;
    }
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(data)), true);
      // access_process_vm writes through read-only pages too (breakpoints into text): user pages only
      if (copyFromUser(t.space, addr, 8) === null) return -EIO;
      t.space.writeBytes(addr, b);
      return 0;
    }
    case PTRACE_PEEKUSR: {
      if (addr % 8 !== 0 || addr >= SIZEOF_USER) return -EIO;
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, getUserWord(k, t, addr)), true);
      return copyToUser(me.space, data, b) ? 0 : -EFAULT;
    }
    case PTRACE_POKEUSR:
      if (addr % 8 !== 0 || addr >= SIZEOF_USER) return -EIO;
      return putUserWord(k, t, addr, BigInt.asUintN(64, BigInt(data)));
    case PTRACE_GETREGS: {
      const b = new Uint8Array(USER_REGS_SIZE);
      const v = new DataView(b.buffer);
      for (let i = 0; i < 27; i++) v.setBigUint64(8 * i, BigInt.asUintN(64, getUserWord(k, t, 8 * i)), true);
      if (!copyToUser(me.space, data, b)) return -EFAULT;
      k.charge("copy_user_per_byte", b.length);
      return 0;
    }
    case PTRACE_SETREGS: {
      const b = copyFromUser(me.space, data, USER_REGS_SIZE);
      if (b === null) return -EFAULT;
      k.charge("copy_user_per_byte", b.length);
      const v = new DataView(b.buffer);
      const saved = k.kspace.readBytes(regsBase, P.PT_REGS_SIZE);
      const fs = t.fsBase;
      for (let i = 0; i < 27; i++) {
        if (putUserWord(k, t, 8 * i, v.getBigUint64(8 * i, true)) < 0) {
          k.kspace.writeBytes(regsBase, saved);
          t.fsBase = fs;
          return -EIO;
        }
      }
      return 0;
    }
    case PTRACE_SETOPTIONS:
      if ((data & ~PTRACE_O_MASK) !== 0) return -EINVAL; // ptrace_setoptions
      st.options = data;
      return 0;
    case PTRACE_GETEVENTMSG: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(st.eventMsg >>> 0), true);
      return copyToUser(me.space, data, b) ? 0 : -EFAULT;
    }
    case PTRACE_SYSCALL:
    case PTRACE_CONT:
      if (data > NSIG) return -EIO;
      if (req === PTRACE_SYSCALL) t.tif.set(TIF_SYSCALL_TRACE);
      else t.tif.clear(TIF_SYSCALL_TRACE);
      resume(k, t, data);
      return 0;
    case PTRACE_DETACH:
      if (data > NSIG) return -EIO;
      resume(k, t, 0);
      detach(t);
      if (data !== 0) sendSignal(t, data);
      return 0;
    default:
      return -EIO;
  }
}
