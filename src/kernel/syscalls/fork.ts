// fork, vfork, clone and wait4 (kernel/fork.c, kernel/exit.c of 3.1). A new process gets a copy of every user page
// (fresh frames, no copy-on-write), the parent's descriptors (shared open files), signal handlers, mm and FS base;
// clone's CLONE_VM shares the address space instead, CLONE_FILES the descriptor table, CLONE_SIGHAND the handlers
// and CLONE_THREAD the thread group (the child is a thread: same tgid, same parent as its group). The child
// returns 0 from the call through ret_from_fork with the parent's user registers (and the new stack, if given).
import type { Cpu } from "../../cpu/cpu.ts";
import { saveFpuState } from "../../cpu/fpu-state.ts";
import { frameOfPte, PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../../cpu/memory.ts";
import { R12, R13, R14, R15, RBP, RBX } from "../../cpu/registers.ts";
import { EFAULT, EINVAL } from "../errno.ts";
import { inheritExePath } from "../exec.ts";
import type { KernelContext } from "../kernel-context.ts";
import type { Machine } from "../machine.ts";
import { copyMm, shareMm } from "../mm.ts";
import { argInt, argNum } from "../native-args.ts";
import { PERCPU_old_rsp } from "../percpu.ts";
import * as P from "../pt-regs.ts";
import { __USER_CS, __USER_DS } from "../segment.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";
import { copyToUser } from "../uaccess.ts";
import { ECHILD } from "./errno-extra.ts";
import { procOf } from "./process.ts";
import { ptraceWaitStop, tracesAny } from "./ptrace.ts";
import { blockAndRetry, copySignals } from "./signal.ts";

export const CLONE_VM = 0x100;
export const CLONE_FS = 0x200;
export const CLONE_FILES = 0x400;
export const CLONE_SIGHAND = 0x800;
export const CLONE_PARENT = 0x8000;
export const CLONE_VFORK = 0x4000;
export const CLONE_THREAD = 0x10000;
export const CLONE_SETTLS = 0x80000;
export const CLONE_PARENT_SETTID = 0x100000;
export const CLONE_CHILD_CLEARTID = 0x200000;
export const CLONE_CHILD_SETTID = 0x1000000;
const CSIGNAL = 0xff;

/** Natives run with the Machine as their KernelContext; fork needs its createTask. */
function machineOf(k: KernelContext): Machine {
  if (!("createTask" in k)) throw new Error("fork: the kernel context is not a Machine");
  return k as Machine;
}

const USER_VPN_END = TASK_SIZE_MAX / PAGE_SIZE;

/** CLONE_VM (without CLONE_VFORK, whose child here gets a copy: the parent is not suspended), CLONE_FILES, CLONE_THREAD */
function shareOf(flags: number): { vm: boolean; files: boolean; thread: boolean } {
  return {
    vm: (flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0,
    files: (flags & CLONE_FILES) !== 0,
    thread: (flags & CLONE_THREAD) !== 0,
  };
}

/** copy_process + copy_thread: the child task, runnable, returning 0 to user mode at the parent's RIP. */
function doFork(k: KernelContext, cpu: Cpu, flags: number, newSp: number, tls: number): Task | number {
  const m = machineOf(k);
  const caller = k.current();
  const share = shareOf(flags);
  // a thread's parent is its group's (CLONE_THREAD), as is the parent CLONE_PARENT asks for
  const parent = flags & (CLONE_THREAD | CLONE_PARENT) ? caller.parent : caller;
  const pspace = caller.space;
  const userPages = share.vm ? [] : [...pspace.ptes].filter(([vpn]) => vpn >= 0 && vpn < USER_VPN_END);
  const phys = pspace.phys;
  const refused = m.forkCheck(userPages.length);
  if (refused !== 0) return refused;
  const ks = k.kspace;
  const pregs = caller.stackTop - P.PT_REGS_SIZE;
  // the user RSP: 3.1's fast path keeps it in per-cpu old_rsp only; 5.x pushed it into pt_regs
  const userRsp = Number(
    BigInt.asIntN(64, ks.read64(m.flavour === "linux-generic" ? pregs + P.RSP : cpu.gsBase + PERCPU_old_rsp)),
  );
  const frame = ks.readBytes(pregs, P.PT_REGS_SIZE);
  const child = m.createTask({
    name: caller.name,
    ...(parent !== null ? { parent } : {}),
    hostRef: false,
    clone: { from: caller, ...share },
    // threads are spread over the CPUs (the least loaded first); a new process starts on its parent's CPU
    ...(share.thread ? { cpu: m.placeThread() } : {}),
    image: (space) => {
      for (const [vpn, pte] of userPages) {
        const va = vpn * PAGE_SIZE;
        space.map(va, PAGE_SIZE, pte & (PTE_U | PTE_W | PTE_NX));
        const from = frameOfPte(pte);
        const to = space.physAddr(va);
        phys.bytes.copyWithin(to, from, from + PAGE_SIZE);
      }
      return { entry: 0, rsp: newSp !== 0 ? newSp : userRsp, brk: caller.startBrk };
    },
  });
  // the child's pt_regs: the parent's saved frame, its callee-saved registers (still live in the CPU on the fast
  // path), RAX = 0, and the top of stack the fast path has not written (FIXUP_TOP_OF_STACK's job)
  const cregs = child.stackTop - P.PT_REGS_SIZE;
  ks.writeBytes(cregs, frame);
  child.fpu = saveFpuState(cpu); // fpu_clone: the child starts with the parent's FPU state
  const w = (off: number, v: bigint | number) => ks.write64(cregs + off, BigInt.asUintN(64, BigInt(v)));
  if (m.flavour === "linux-generic") {
    // 5.x copy_thread: entry_SYSCALL_64 saved the complete frame (and cleared the live registers), so the child's
    // pt_regs is the parent's with ax = 0 and, for clone with a new stack, sp = newsp
    w(P.RAX, 0);
    if (newSp !== 0) w(P.RSP, newSp);
    return finishFork(caller, child, flags, tls);
  }
  w(P.RBX, cpu.getReg(RBX));
  w(P.RBP, cpu.getReg(RBP));
  w(P.R12, cpu.getReg(R12));
  w(P.R13, cpu.getReg(R13));
  w(P.R14, cpu.getReg(R14));
  w(P.R15, cpu.getReg(R15));
  w(P.RAX, 0);
  w(P.ORIG_RAX, -1);
  // the fast path stored SYSCALL's RCX (return RIP) in the RIP slot and its R11 (RFLAGS) in the R11 slot
  const rip = ks.read64(pregs + P.RIP);
  w(P.RIP, rip);
  w(P.RCX, rip);
  w(P.CS, __USER_CS);
  w(P.EFLAGS, ks.read64(pregs + P.R11));
  w(P.RSP, newSp !== 0 ? newSp : userRsp);
  w(P.SS, __USER_DS);
  return finishFork(caller, child, flags, tls);
}

/**
 * copy_process's remaining copies: brk, FS base, cwd and umask (shared with CLONE_FS: copy_fs takes a reference
 * to the same fs_struct, so a chdir or umask of one task is the other's), the mm (shared with CLONE_VM), signal
 * handlers (shared with CLONE_SIGHAND), the exe path.
 */
function finishFork(parent: Task, child: Task, flags: number, tls: number): Task {
  if (!(flags & CLONE_VM) || flags & CLONE_VFORK) child.brk = parent.brk;
  child.fsBase = flags & CLONE_SETTLS ? tls : parent.fsBase;
  child.fs = flags & CLONE_FS ? parent.fs : { ...parent.fs };
  if (shareOf(flags).vm) shareMm(parent, child);
  else copyMm(parent, child);
  copySignals(parent, child, (flags & CLONE_SIGHAND) !== 0);
  inheritExePath(parent, child);
  return child;
}

/** long fork(void) */
export function sys_fork(k: KernelContext, cpu: Cpu): number {
  const c = doFork(k, cpu, 0, 0, 0);
  return typeof c === "number" ? c : c.pid;
}

/** long vfork(void): as fork (the parent is not suspended; the child has its own copy of memory). */
export const sys_vfork = sys_fork;

/** long clone(unsigned long flags, void *newsp, int *parent_tid, int *child_tid, unsigned long tls) */
export function sys_clone(k: KernelContext, cpu: Cpu): number {
  const flags = argInt(cpu, 0) >>> 0;
  // copy_process's checks: a thread shares the handlers, shared handlers need the shared mm
  if (flags & CLONE_THREAD && !(flags & CLONE_SIGHAND)) return -EINVAL;
  if (flags & CLONE_SIGHAND && !(flags & CLONE_VM)) return -EINVAL;
  if (flags & CLONE_VFORK && flags & (CLONE_THREAD | CLONE_SIGHAND)) return -EINVAL;
  const parentTid = argNum(cpu, 2);
  const childTid = argNum(cpu, 3);
  const c = doFork(k, cpu, flags & ~CSIGNAL, argNum(cpu, 1), argNum(cpu, 4));
  if (typeof c === "number") return c;
  // the mm copy of a new process (natives.sys_clone alone is a thread's clone)
  if (!shareOf(flags).vm) k.charge("dup_mmap");
  const tid = new Uint8Array(4);
  new DataView(tid.buffer).setInt32(0, c.pid, true);
  if (flags & CLONE_PARENT_SETTID && !copyToUser(k.current().space, parentTid, tid)) return -EFAULT;
  if (flags & CLONE_CHILD_SETTID && !copyToUser(c.space, childTid, tid)) return -EFAULT;
  if (flags & CLONE_CHILD_CLEARTID) procOf(c).clearChildTid = childTid;
  return c.pid;
}

export const WNOHANG = 1;
const reaped = new WeakSet<Task>();

/** The wait status of an exited task: code << 8, or the terminating signal. */
export function waitStatus(t: Task): number {
  return t.killedBy !== null ? t.killedBy & 0x7f : (t.exitCode! & 0xff) << 8;
}

function waitMore(k: KernelContext, t: Task, options: number): number | undefined {
  return options & WNOHANG ? 0 : blockAndRetry(k, t);
}

/** long wait4(pid_t pid, int *stat_addr, int options, struct rusage *ru): pid > 0 one child, else any child. */
export function sys_wait4(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const pid = argInt(cpu, 0);
  const statAddr = argNum(cpu, 1);
  const options = argInt(cpu, 2);
  const ru = argNum(cpu, 3);
  if ((options & ~(WNOHANG | 0x2 | 0x8 | 0x40000000 | 0x80000000 | 0x20000000)) !== 0) return -EINVAL;
  // the children of every thread of the caller's group (do_wait's loop over the group), processes only (a child's
  // threads have its parent too, but are reaped with it)
  const kids = k.tasks.filter(
    (c) =>
      c.tgid === c.pid &&
      c.parent !== null &&
      c.parent.group === t.group &&
      !reaped.has(c) &&
      (pid <= 0 || pid === -1 || c.pid === pid),
  );
  // a ptrace stop of a tracee (wait_task_stopped; reported once, the tracee stays stopped)
  const stopped = ptraceWaitStop(k, t, pid);
  if (stopped === null && kids.length === 0) return tracesAny(k, t, pid) ? waitMore(k, t, options) : -ECHILD;
  // a leader is reported once its whole group is gone (delay_group_leader)
  const z = stopped === null ? kids.find((c) => c.exited && c.group.live === 0) : undefined;
  if (stopped === null && z === undefined) return waitMore(k, t, options);
  if (statAddr !== 0) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, stopped !== null ? stopped.status : waitStatus(z!), true);
    if (!copyToUser(t.space, statAddr, b)) return -EFAULT;
  }
  if (ru !== 0 && !copyToUser(t.space, ru, new Uint8Array(144))) return -EFAULT;
  if (stopped !== null) return stopped.task.pid;
  reaped.add(z!);
  // release_task: the zombie's kernel stack, task_struct and page tables go back
  if (stopped === null) machineOf(k).releaseTask(z!);
  return z!.pid;
}
