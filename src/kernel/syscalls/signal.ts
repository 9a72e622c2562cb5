// Signals (kernel/signal.c, arch/x86/kernel/signal.c of 3.1): rt_sigaction, rt_sigprocmask, kill/tkill/tgkill,
// delivery to a user handler through a real rt_sigframe on the user stack, and
// rt_sigreturn. Delivery happens in do_notify_resume on the IRET exit path (it rewrites the full pt_regs there);
// a CPU fault at CPL 3 (SIGSEGV, SIGILL, SIGFPE) is delivered at once from the faulting registers (the shortcut
// of force_sig_info followed by the same exit path). rt_sigreturn reads the frame back, then sets
// TIF_NOTIFY_RESUME so that the return goes through do_notify_resume and IRET with every register restored.
// Threads: the handlers are shared (CLONE_SIGHAND), the blocked mask is per thread; tkill/tgkill queue on one
// thread, kill on the group (shared_pending), and complete_signal wakes the first thread (leader first) that does
// not block the signal. A fatal signal takes down the whole group (do_group_exit). A signal for a thread asleep
// in a futex wait interrupts it (-EINTR).
import type { Cpu } from "../../cpu/cpu.ts";
import type { AddressSpace } from "../../cpu/memory.ts";
import {
  R8,
  R9,
  R10,
  R11,
  R12,
  R13,
  R14,
  R15,
  RAX,
  RBP,
  RBX,
  RCX,
  RDI,
  RDX,
  RSI,
  RSP,
} from "../../cpu/registers.ts";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import { FXSAVE_FRAME_SIZE, restoreFpuFromSigframe, saveFpuToSigframe } from "../fpu-signal.ts";
import type { KernelContext } from "../kernel-context.ts";
import { sharedFileFault } from "../mm.ts";
import { argInt, argNum } from "../native-args.ts";
import { PERCPU_old_rsp } from "../percpu.ts";
import * as P from "../pt-regs.ts";
import { __USER_CS } from "../segment.ts";
import type { SigsysInfo, Task } from "../task.ts";
import {
  _TIF_MCE_NOTIFY,
  _TIF_NOTIFY_RESUME,
  _TIF_USER_RETURN_NOTIFY,
  TIF_MCE_NOTIFY,
  TIF_NOTIFY_RESUME,
  TIF_SIGPENDING,
  TIF_USER_RETURN_NOTIFY,
} from "../tif.ts";
import { copyFromUser, copyToUser } from "../uaccess.ts";
import { EAGAIN } from "./errno-extra.ts";
import { EINTR, futexCancelWait } from "./futex.ts";

export const SIGHUP = 1;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGPIPE = 13;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGURG = 23;
export const SIGWINCH = 28;
export const SIGSYS = 31;
export const NSIG = 64;

export const SIG_DFL = 0;
export const SIG_IGN = 1;
export const SA_SIGINFO = 0x4;
export const SA_RESTORER = 0x04000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

/** si_code values */
export const SI_USER = 0;
export const SI_TKILL = -6;
export const SI_KERNEL = 0x80;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const BUS_ADRERR = 2;

interface SigAction {
  handler: bigint;
  flags: number;
  restorer: bigint;
  mask: bigint;
}

interface SignalState {
  /** the handlers: one table for all the tasks that share it (CLONE_SIGHAND) */
  actions: Map<number, SigAction>;
  /** blocked set: bit (sig - 1) */
  blocked: bigint;
  /** registers rt_sigreturn read, applied by do_notify_resume to pt_regs */
  sigreturn: bigint[] | null;
  /** a blocking call asked to be re-executed (RIP back over SYSCALL, RAX = orig_rax) */
  restart: boolean;
  /** the siginfo queued with a pending SIGSYS of SECCOMP_RET_TRAP (force_sig_seccomp) */
  sigsys: SigsysInfo | null;
}

const states = new WeakMap<Task, SignalState>();

function sigOf(t: Task): SignalState {
  let s = states.get(t);
  if (s === undefined) {
    s = { actions: new Map(), blocked: 0n, sigreturn: null, restart: false, sigsys: null };
    states.set(t, s);
  }
  return s;
}

/** fork: the child gets a copy of the parent's handlers (CLONE_SIGHAND: the same table) and its blocked mask. */
export function copySignals(parent: Task, child: Task, shareHandlers = false): void {
  const p = sigOf(parent);
  states.set(child, {
    actions: shareHandlers ? p.actions : new Map([...p.actions].map(([k, v]) => [k, { ...v }])),
    blocked: p.blocked,
    sigreturn: null,
    restart: false,
    sigsys: null,
  });
}

/** execve (flush_signal_handlers): handled signals go back to SIG_DFL; ignored ones, the mask and pending stay. */
export function flushSignalHandlers(t: Task): void {
  const s = sigOf(t);
  for (const [sig, a] of [...s.actions]) {
    if (a.handler === BigInt(SIG_IGN))
      s.actions.set(sig, { handler: a.handler, flags: 0, restorer: 0n, mask: 0n });
    else s.actions.delete(sig);
  }
}

/**
 * Registers (struct sigcontext order: r8 … r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags) that
 * do_notify_resume writes to pt_regs before the task's IRET to user mode (execve's new image; rt_sigreturn).
 */
export function setResumeRegs(t: Task, regs: bigint[]): void {
  if (regs.length !== SC_PT_OFFSETS.length) throw new Error("setResumeRegs: 18 registers expected");
  sigOf(t).sigreturn = regs;
  t.tif.set(TIF_NOTIFY_RESUME);
}

/**
 * ptrace's signal-delivery stop (get_signal_to_deliver → ptrace_signal): called for each dequeued signal but
 * SIGKILL of a task; returns true when the task stopped (control left it; the tracer re-queues what to deliver).
 */
export type SignalStopHook = (k: KernelContext, t: Task, sig: number) => boolean;
let signalStopHook: SignalStopHook | null = null;

export function setSignalStopHook(h: SignalStopHook): void {
  signalStopHook = h;
}

const bit = (sig: number): bigint => 1n << BigInt(sig - 1);
const UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

/** Signals whose default action is to do nothing (SIGCONT continues, which a running task already does). */
function ignoredByDefault(sig: number): boolean {
  return sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH || sig === SIGCONT;
}

/** recalc_sigpending: TIF_SIGPENDING iff some pending signal (the thread's own or the group's) is not blocked. */
function recalcSigpending(t: Task): void {
  const blocked = sigOf(t).blocked;
  const open = (s: number) => (blocked & bit(s)) === 0n;
  if (t.pendingSignals.some(open) || t.group.sharedPending.some(open)) t.tif.set(TIF_SIGPENDING);
  else t.tif.clear(TIF_SIGPENDING);
}

/** sig_ignored: a signal the task would discard (ignored, or default-ignored, and not blocked). */
function discarded(t: Task, sig: number): boolean {
  const s = sigOf(t);
  if (sig === SIGKILL || (s.blocked & bit(sig)) !== 0n) return false;
  const h = s.actions.get(sig)?.handler ?? 0n;
  return h === BigInt(SIG_IGN) || (h === BigInt(SIG_DFL) && ignoredByDefault(sig));
}

/** signal_wake_up: TIF_SIGPENDING, and a thread asleep in a futex wait is woken to take it (-EINTR). */
function signalWakeUp(k: KernelContext | null, t: Task): void {
  recalcSigpending(t);
  if (k !== null && t.state === "sleeping" && t.tif.test(TIF_SIGPENDING)) futexCancelWait(k, t, -EINTR);
}

/** send_signal to one thread (tkill, tgkill, the kernel's own signals): its private pending set. */
export function sendSignal(t: Task, sig: number, k: KernelContext | null = null): void {
  if (discarded(t, sig)) return;
  if (!t.pendingSignals.includes(sig)) t.pendingSignals.push(sig);
  signalWakeUp(k, t);
}

/**
 * send_signal to a process (kill): the group's shared pending set, then complete_signal: the first thread that
 * does not block it (the leader first, then the others in creation order) is told; none: it waits pending.
 */
export function sendGroupSignal(k: KernelContext, leader: Task, sig: number): void {
  const g = leader.group;
  const live = g.threads.filter((x) => !x.exited);
  if (live.length === 0 || discarded(live[0]!, sig)) return;
  if (!g.sharedPending.includes(sig)) g.sharedPending.push(sig);
  const wants = live.find((x) => sig === SIGKILL || (sigOf(x).blocked & bit(sig)) === 0n);
  for (const x of live) recalcSigpending(x);
  if (wants !== undefined) signalWakeUp(k, wants);
}

/**
 * force_sig_seccomp(syscall, data, false): queue SIGSYS with its siginfo. As force_sig_info does, a blocked or
 * ignored SIGSYS is unblocked and its handler reset to SIG_DFL, so the task dies of it instead.
 */
export function forceSigSeccomp(t: Task, info: SigsysInfo): void {
  const s = sigOf(t);
  const act = s.actions.get(SIGSYS);
  if ((s.blocked & bit(SIGSYS)) !== 0n || act?.handler === BigInt(SIG_IGN)) {
    s.actions.delete(SIGSYS);
    s.blocked &= ~bit(SIGSYS);
  }
  t.sigsysInfo = info;
  s.sigsys = info;
  if (!t.pendingSignals.includes(SIGSYS)) t.pendingSignals.push(SIGSYS);
  recalcSigpending(t);
}

/** A blocking syscall that found nothing to do: re-execute it when the task next returns to user mode. */
export function requestRestart(t: Task): void {
  sigOf(t).restart = true;
  t.tif.set(TIF_NOTIFY_RESUME);
}

/**
 * A blocking call with nothing to do yet: let the other tasks run and re-execute the call when this task runs
 * again (tasks never sleep here; a blocked task polls). -EAGAIN when no other task can run (it would block forever).
 */
export function blockAndRetry(k: KernelContext, t: Task): number | undefined {
  if (!k.tasks.some((x) => x !== t && !x.exited)) return -EAGAIN;
  requestRestart(t);
  if (k.scheduleFromNative(-EAGAIN)) return undefined;
  sigOf(t).restart = false;
  return -EAGAIN;
}

/** long rt_sigaction(int sig, const struct sigaction *act, struct sigaction *oact, size_t sigsetsize) */
export function sys_rt_sigaction(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const sig = argInt(cpu, 0);
  const actp = argNum(cpu, 1);
  const oactp = argNum(cpu, 2);
  if (argNum(cpu, 3) !== 8) return -EINVAL;
  if (sig < 1 || sig > NSIG) return -EINVAL;
  const s = sigOf(t);
  const old = s.actions.get(sig) ?? { handler: 0n, flags: 0, restorer: 0n, mask: 0n };
  let next: SigAction | null = null;
  if (actp !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
    const b = copyFromUser(t.space, actp, 32);
    if (b === null) return -EFAULT;
    const v = new DataView(b.buffer);
    next = {
      handler: v.getBigUint64(0, true),
      flags: Number(v.getBigUint64(8, true) & 0xffffffffn),
      restorer: v.getBigUint64(16, true),
      mask: v.getBigUint64(24, true) & ~UNBLOCKABLE,
    };
  }
  if (oactp !== 0) {
    const out = new Uint8Array(32);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, old.handler, true);
    v.setBigUint64(8, BigInt(old.flags >>> 0), true);
    v.setBigUint64(16, old.restorer, true);
    v.setBigUint64(24, old.mask, true);
    if (!copyToUser(t.space, oactp, out)) return -EFAULT;
  }
  if (next !== null) {
    s.actions.set(sig, next);
    // setting SIG_IGN (or SIG_DFL of an ignored-by-default signal) discards it if pending
    if (next.handler === BigInt(SIG_IGN) || (next.handler === 0n && ignoredByDefault(sig))) {
      const i = t.pendingSignals.indexOf(sig);
      if (i >= 0) t.pendingSignals.splice(i, 1);
      recalcSigpending(t);
    }
  }
  return 0;
}

/** long rt_sigprocmask(int how, sigset_t *set, sigset_t *oset, size_t sigsetsize) */
export function sys_rt_sigprocmask(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const how = argInt(cpu, 0);
  const setp = argNum(cpu, 1);
  const osetp = argNum(cpu, 2);
  if (argNum(cpu, 3) !== 8) return -EINVAL;
  const s = sigOf(t);
  const old = s.blocked;
  if (setp !== 0) {
    const b = copyFromUser(t.space, setp, 8);
    if (b === null) return -EFAULT;
    const set = new DataView(b.buffer).getBigUint64(0, true) & ~UNBLOCKABLE;
    if (how === SIG_BLOCK) s.blocked = old | set;
    else if (how === SIG_UNBLOCK) s.blocked = old & ~set;
    else if (how === SIG_SETMASK) s.blocked = set;
    else return -EINVAL;
  }
  if (osetp !== 0) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, old, true);
    if (!copyToUser(t.space, osetp, out)) return -EFAULT;
  }
  recalcSigpending(t);
  return 0;
}

function killOne(k: KernelContext, target: Task | undefined, sig: number, group = false): number {
  if (sig < 0 || sig > NSIG) return -EINVAL;
  if (target === undefined || (target.exited && (!group || target.group.live === 0))) return -ESRCH;
  const me = k.current();
  if (me.creds.euid !== 0 && me.creds.uid !== target.creds.uid && me.creds.euid !== target.creds.uid)
    return -EPERM;
  if (sig !== 0) {
    if (group) sendGroupSignal(k, target, sig);
    else sendSignal(target, sig, k);
  }
  return 0;
}

const byPid = (k: KernelContext, pid: number) => k.tasks.find((x) => x.pid === pid && !x.exited);
/** a process by its tgid: its leader, which may be a zombie while other threads of it live */
const byTgid = (k: KernelContext, tgid: number) =>
  k.tasks.find((x) => x.pid === tgid && x.tgid === tgid && x.group.live > 0);

/** long kill(pid_t pid, int sig): pid 0 and -1 address the caller's process (process groups are not modelled). */
export function sys_kill(k: KernelContext, cpu: Cpu): number {
  const pid = argInt(cpu, 0);
  const target = pid === 0 || pid === -1 ? k.current().group.leader : byTgid(k, Math.abs(pid));
  return killOne(k, target, argInt(cpu, 1), true);
}

/** long tkill(pid_t tid, int sig) */
export function sys_tkill(k: KernelContext, cpu: Cpu): number {
  const tid = argInt(cpu, 0);
  if (tid <= 0) return -EINVAL;
  return killOne(k, byPid(k, tid), argInt(cpu, 1));
}

/** long tgkill(pid_t tgid, pid_t tid, int sig) */
export function sys_tgkill(k: KernelContext, cpu: Cpu): number {
  const tgid = argInt(cpu, 0);
  const tid = argInt(cpu, 1);
  if (tgid <= 0 || tid <= 0) return -EINVAL;
  const t = byPid(k, tid);
  return killOne(k, t !== undefined && t.tgid === tgid ? t : undefined, argInt(cpu, 2));
}

// ---- the signal frame ----

/** struct sigcontext's general registers, in its order (r8 … r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags). */
const SC_PT_OFFSETS = [
  P.R8,
  P.R9,
  P.R10,
  P.R11,
  P.R12,
  P.R13,
  P.R14,
  P.R15,
  P.RDI,
  P.RSI,
  P.RBP,
  P.RBX,
  P.RDX,
  P.RAX,
  P.RCX,
  P.RSP,
  P.RIP,
  P.EFLAGS,
] as const;
const SC_CPU_REGS = [R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP] as const;
const SC_RSP = 15;
const SC_RIP = 16;
const SC_EFLAGS = 17;

// struct rt_sigframe (x86_64): pretcode 0, struct ucontext uc 8 (uc_flags, uc_link, uc_stack 24 bytes,
// uc_mcontext at +40 = struct sigcontext of 32 words, uc_sigmask at +296), struct siginfo info at 312 (128 bytes).
const F_UC = 8;
const F_MCONTEXT = F_UC + 40;
const F_SIGMASK = F_UC + 296;
const F_INFO = 312;
export const RT_SIGFRAME_SIZE = F_INFO + 128;
// sigcontext words after eflags: cs/gs/fs/pad (u16 each), err, trapno, oldmask, cr2, fpstate, reserved1[8]
const SC_CSGSFS = 18;
const SC_ERR = 19;
const SC_TRAPNO = 20;
const SC_OLDMASK = 21;
/** sigcontext.fpstate: the FXSAVE image's user address */
const SC_FPSTATE = 23;
const SC_CR2 = 22;
/** the flags rt_sigreturn takes from the frame (FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF RF) */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
const RED_ZONE = 128;

interface FaultInfo {
  code: number;
  addr: number;
  trapno: number;
  err: number;
  /** SIGSYS of SECCOMP_RET_TRAP: the _sigsys fields of the siginfo */
  sigsys?: SigsysInfo;
}

/** dequeue_signal: the thread's own pending signals first, then the group's; null when none is deliverable. */
function nextSignal(t: Task): number | null {
  const blocked = sigOf(t).blocked;
  for (const list of [t.pendingSignals, t.group.sharedPending]) {
    const i = list.findIndex((s) => (blocked & bit(s)) === 0n);
    if (i >= 0) return list.splice(i, 1)[0]!;
  }
  return null;
}

/**
 * setup_rt_frame: writes the frame under `regs[rsp]` minus the red zone and returns the register values the
 * handler starts with (same order), or null when the stack is unusable (the task then dies of SIGSEGV).
 */
function setupFrame(
  k: KernelContext,
  space: AddressSpace,
  regs: bigint[],
  sig: number,
  act: SigAction,
  info: FaultInfo,
  sender: Task,
): bigint[] | null {
  const s = sigOf(k.current());
  const userSp = Number(BigInt.asIntN(64, regs[SC_RSP]!));
  // get_sigframe: below the red zone the FPU image, 64-byte aligned (fpu__alloc_mathframe); below it the frame,
  // align_sigframe: (sp - size) rounded down to 16, minus 8 (as if a CALL pushed the return address)
  const fpstate = Math.floor((userSp - RED_ZONE - FXSAVE_FRAME_SIZE) / 64) * 64;
  const frame = Math.floor((fpstate - RT_SIGFRAME_SIZE) / 16) * 16 - 8;
  if ((act.flags & SA_RESTORER) === 0) return null;
  const b = new Uint8Array(RT_SIGFRAME_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, act.restorer, true);
  for (const [i, r] of regs.entries()) v.setBigUint64(F_MCONTEXT + 8 * i, BigInt.asUintN(64, r), true);
  v.setUint16(F_MCONTEXT + 8 * SC_CSGSFS, __USER_CS, true);
  v.setBigUint64(F_MCONTEXT + 8 * SC_ERR, BigInt(info.err), true);
  v.setBigUint64(F_MCONTEXT + 8 * SC_TRAPNO, BigInt(info.trapno), true);
  v.setBigUint64(F_MCONTEXT + 8 * SC_OLDMASK, s.blocked & 0xffffffffn, true);
  v.setBigUint64(F_MCONTEXT + 8 * SC_CR2, BigInt.asUintN(64, BigInt(info.addr)), true);
  v.setBigUint64(F_MCONTEXT + 8 * SC_FPSTATE, BigInt(fpstate), true);
  v.setBigUint64(F_SIGMASK, s.blocked, true);
  v.setInt32(F_INFO, sig, true);
  v.setInt32(F_INFO + 8, info.code, true);
  if (info.sigsys !== undefined) {
    // siginfo._sigsys: si_errno = the action's data, _call_addr @16, _syscall @24, _arch @28
    v.setInt32(F_INFO + 4, info.sigsys.errno, true);
    v.setBigUint64(F_INFO + 16, BigInt.asUintN(64, info.sigsys.callAddr), true);
    v.setInt32(F_INFO + 24, info.sigsys.syscall, true);
    v.setUint32(F_INFO + 28, info.sigsys.arch >>> 0, true);
  } else if (info.code > 0) v.setBigUint64(F_INFO + 16, BigInt.asUintN(64, BigInt(info.addr)), true);
  else {
    v.setInt32(F_INFO + 16, sender.tgid, true);
    v.setInt32(F_INFO + 20, sender.creds.uid, true);
  }
  if (!copyToUser(space, frame, b) || !saveFpuToSigframe(k.cpu, space, fpstate)) return null;
  k.charge("copy_user_per_byte", b.length + FXSAVE_FRAME_SIZE);
  // the handler's mask: sa_mask, plus the signal itself unless SA_NODEFER
  s.blocked = (s.blocked | act.mask | (act.flags & SA_NODEFER ? 0n : bit(sig))) & ~UNBLOCKABLE;
  if (act.flags & SA_RESETHAND) s.actions.delete(sig);
  const out = regs.slice();
  out[8] = BigInt(sig); // rdi
  out[9] = BigInt(frame + F_INFO); // rsi
  out[12] = BigInt(frame + F_UC); // rdx
  out[13] = 0n; // rax
  out[SC_RSP] = BigInt(frame);
  out[SC_RIP] = act.handler;
  out[SC_EFLAGS] = regs[SC_EFLAGS]! & ~0x500n; // TF and DF clear in the handler
  return out;
}

const readPt = (k: KernelContext, regs: number): bigint[] =>
  SC_PT_OFFSETS.map((o) => BigInt.asIntN(64, k.kspace.read64(regs + o)));

const writePt = (k: KernelContext, regs: number, vals: bigint[]): void => {
  for (const [i, o] of SC_PT_OFFSETS.entries()) k.kspace.write64(regs + o, vals[i]!);
};

/**
 * do_notify_resume(struct pt_regs *regs, void *unused, u32 thread_info_flags): apply an rt_sigreturn, re-arm a
 * restarted call, deliver one pending signal (to its handler, or its default action: ignore or terminate), and
 * clear the notify bits so int_signal's loop ends.
 */
export function do_notify_resume(k: KernelContext, cpu: Cpu): undefined {
  const t = k.current();
  const s = sigOf(t);
  const regs = argNum(cpu, 0);
  if (s.sigreturn !== null) {
    writePt(k, regs, s.sigreturn);
    k.kspace.write64(regs + P.ORIG_RAX, -1n);
    s.sigreturn = null;
  }
  if (s.restart) {
    s.restart = false;
    k.kspace.write64(regs + P.RAX, k.kspace.read64(regs + P.ORIG_RAX));
    k.kspace.write64(regs + P.RIP, k.kspace.read64(regs + P.RIP) - 2n);
  }
  if (t.tif.test(TIF_SIGPENDING)) {
    const sig = nextSignal(t);
    recalcSigpending(t);
    if (sig !== null && sig !== SIGKILL && signalStopHook?.(k, t, sig)) return undefined;
    const sigsys = sig === SIGSYS ? s.sigsys : null;
    if (sig === SIGSYS) s.sigsys = null;
    if (sig !== null) {
      const act = s.actions.get(sig);
      const h = act?.handler ?? 0n;
      if (act !== undefined && h !== BigInt(SIG_DFL) && h !== BigInt(SIG_IGN)) {
        const info: FaultInfo =
          sigsys !== null
            ? { code: sigsys.code, addr: 0, trapno: 0, err: 0, sigsys }
            : { code: SI_TKILL, addr: 0, trapno: 0, err: 0 };
        const out = setupFrame(k, t.space, readPt(k, regs), sig, act, info, t);
        if (out === null) {
          k.doGroupExit(0, SIGSEGV); // force_sigsegv: fatal to the group
          return undefined;
        }
        writePt(k, regs, out);
      } else if (h === BigInt(SIG_DFL) && !ignoredByDefault(sig)) {
        k.doGroupExit(0, sig); // a fatal signal ends every thread (do_group_exit)
        return undefined;
      }
    }
  }
  const notify = _TIF_NOTIFY_RESUME | _TIF_USER_RETURN_NOTIFY | _TIF_MCE_NOTIFY;
  if (t.tif.get() & notify) {
    t.tif.clear(TIF_NOTIFY_RESUME);
    t.tif.clear(TIF_USER_RETURN_NOTIFY);
    t.tif.clear(TIF_MCE_NOTIFY);
  }
  return undefined;
}

/** The signal and si_code a CPU exception at CPL 3 raises (do_page_fault, do_general_protection, do_invalid_op). */
export function faultSignal(vector: number, errorCode: number): { sig: number; code: number } {
  switch (vector) {
    case 0:
      return { sig: SIGFPE, code: FPE_INTDIV };
    case 1:
    case 3:
      return { sig: SIGTRAP, code: 1 };
    case 6:
      return { sig: SIGILL, code: ILL_ILLOPN };
    case 16: // #MF (x87, cpu/x87.ts: the unmasked FSW flags as the error code): the same mapping
    case 19: {
      // #XM: fpu__exception_code of arch/x86/kernel/fpu/core.c over the unmasked MXCSR flags (the CPU passes them
      // as the error code): FPE_FLTINV 7, FPE_FLTDIV 3, FPE_FLTOVF 4, FPE_FLTUND 5 (DE or UE), FPE_FLTRES 6
      const code =
        errorCode & 1
          ? 7
          : errorCode & 4
            ? 3
            : errorCode & 8
              ? 4
              : errorCode & 0x12
                ? 5
                : errorCode & 0x20
                  ? 6
                  : 0;
      return { sig: SIGFPE, code };
    }
    case 14:
      return { sig: SIGSEGV, code: errorCode & 1 ? SEGV_ACCERR : SEGV_MAPERR };
    default:
      return { sig: SIGSEGV, code: SI_KERNEL }; // #GP
  }
}

/**
 * A fault at CPL 3: deliver `sig` to the task's handler now, from the CPU's registers (RIP = the faulting
 * instruction). Returns false when the signal is blocked or has no handler: the caller kills the task.
 */
export function deliverFault(
  k: KernelContext,
  cpu: Cpu,
  vector: number,
  errorCode: number,
  faultRip: number,
  addr: number,
): boolean {
  const t = k.current();
  const s = sigOf(t);
  let { sig, code } = faultSignal(vector, errorCode);
  if (vector === 14) {
    // a shared file mapping: its page is mapped now if the file has grown to it, else the access is a bus error
    const shared = sharedFileFault(t, addr);
    if (shared === "mapped") {
      cpu.rip = faultRip; // the instruction runs again
      return true;
    }
    if (shared === "sigbus") {
      sig = SIGBUS;
      code = BUS_ADRERR;
    }
  }
  const act = s.actions.get(sig);
  const fatal = act === undefined || act.handler === BigInt(SIG_DFL) || act.handler === BigInt(SIG_IGN);
  if ((fatal || (s.blocked & bit(sig)) !== 0n) && sig === SIGBUS) {
    // force_sig_fault(SIGBUS): the group dies of SIGBUS (the caller's default is the vector's SIGSEGV)
    t.fault = {
      vector,
      rip: faultRip,
      detail: `bus error: ${addr.toString(16)} is past the end of the mapped file`,
    };
    k.doGroupExit(0, SIGBUS);
    return true;
  }
  if (fatal) return false;
  if ((s.blocked & bit(sig)) !== 0n) return false;
  const regs = SC_CPU_REGS.map((r) => BigInt.asIntN(64, cpu.getReg(r)));
  regs.push(BigInt(faultRip), BigInt(cpu.getRflags()));
  const out = setupFrame(k, t.space, regs, sig, act, { code, addr, trapno: vector, err: errorCode }, t);
  if (out === null) return false;
  for (const [i, r] of SC_CPU_REGS.entries()) cpu.setReg(r, out[i]!);
  cpu.setRflags(Number(out[SC_EFLAGS]!));
  cpu.rip = Number(out[SC_RIP]!);
  return true;
}

/** long rt_sigreturn(void) of 3.1: the user RSP is still in per-cpu old_rsp (GS base = the per-cpu area). */
export function sys_rt_sigreturn(k: KernelContext, cpu: Cpu): bigint | undefined {
  return rtSigreturn(k, Number(BigInt.asIntN(64, k.kspace.read64(cpu.gsBase + PERCPU_old_rsp))));
}

/** rt_sigreturn of the generic entry: entry_SYSCALL_64 saved the user RSP in pt_regs (regs->sp). */
export function sys_rt_sigreturn_ptregs(k: KernelContext): bigint | undefined {
  const t = k.current();
  return rtSigreturn(k, Number(BigInt.asIntN(64, k.kspace.read64(t.stackTop - P.PT_REGS_SIZE + P.RSP))));
}

/** The registers and mask saved in the frame at the user RSP - 8. */
function rtSigreturn(k: KernelContext, userSp: number): bigint | undefined {
  const t = k.current();
  const s = sigOf(t);
  const frame = userSp - 8;
  const b = copyFromUser(t.space, frame, RT_SIGFRAME_SIZE);
  if (b === null) {
    k.doExit(0, SIGSEGV);
    return undefined;
  }
  const v = new DataView(b.buffer);
  // fpu__restore_sig from uc_mcontext.fpstate (NULL: the init state); a bad image is a bad frame
  const fpstate = Number(BigInt.asIntN(64, v.getBigUint64(F_MCONTEXT + 8 * SC_FPSTATE, true)));
  if (!restoreFpuFromSigframe(k.cpu, t.space, fpstate)) {
    k.doExit(0, SIGSEGV);
    return undefined;
  }
  k.charge("copy_user_per_byte", b.length + (fpstate !== 0 ? FXSAVE_FRAME_SIZE : 0));
  const regs = SC_PT_OFFSETS.map((_, i) => BigInt.asIntN(64, v.getBigUint64(F_MCONTEXT + 8 * i, true)));
  // user-visible flags from the frame; IF and the fixed bit 1 set (0x202)
  const fix = BigInt(FIX_EFLAGS);
  regs[SC_EFLAGS] = (regs[SC_EFLAGS]! & fix) | 0x202n;
  s.blocked = v.getBigUint64(F_SIGMASK, true) & ~UNBLOCKABLE;
  s.sigreturn = regs;
  t.tif.set(TIF_NOTIFY_RESUME);
  recalcSigpending(t);
  return regs[13]!;
}
