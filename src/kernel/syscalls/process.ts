// Per-process setup and time syscalls a static libc makes: arch_prctl (arch/x86/kernel/process_64.c),
// set_tid_address, set_robust_list, prlimit64, gettimeofday, time, nanosleep (futex is in futex.ts).
import type { Cpu } from "../../cpu/cpu.ts";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum } from "../native-args.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";
import { copyFromUser, copyToUser, u64Bytes } from "../uaccess.ts";

export const ARCH_SET_GS = 0x1001;
export const ARCH_SET_FS = 0x1002;
export const ARCH_GET_FS = 0x1003;
export const ARCH_GET_GS = 0x1004;

/** Per-task values the kernel keeps for libc: clear_child_tid, robust_list head, the user GS base. */
interface ProcState {
  clearChildTid: number;
  robustList: number;
  gsBase: number;
}

const procs = new WeakMap<Task, ProcState>();

export function procOf(t: Task): ProcState {
  let p = procs.get(t);
  if (p === undefined) {
    p = { clearChildTid: 0, robustList: 0, gsBase: 0 };
    procs.set(t, p);
  }
  return p;
}

/**
 * long arch_prctl(int code, unsigned long addr). ARCH_SET_FS loads the FS base now and in the task (the context
 * switch restores it); the GS base is only recorded (the kernel owns GS while it runs; user GS is not modelled).
 */
export function sys_arch_prctl(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const addr = argNum(cpu, 1);
  switch (argInt(cpu, 0)) {
    case ARCH_SET_FS:
      if (addr < 0 || addr >= TASK_SIZE_MAX) return -EPERM;
      t.fsBase = addr;
      cpu.fsBase = addr;
      return 0;
    case ARCH_SET_GS:
      if (addr < 0 || addr >= TASK_SIZE_MAX) return -EPERM;
      procOf(t).gsBase = addr;
      return 0;
    case ARCH_GET_FS:
      return copyToUser(t.space, addr, u64Bytes(t.fsBase)) ? 0 : -EFAULT;
    case ARCH_GET_GS:
      return copyToUser(t.space, addr, u64Bytes(procOf(t).gsBase)) ? 0 : -EFAULT;
    default:
      return -EINVAL;
  }
}

/** long set_tid_address(int __user *tidptr): the caller's tid. */
export function sys_set_tid_address(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  procOf(t).clearChildTid = argNum(cpu, 0);
  return t.pid;
}

/** sizeof(struct robust_list_head) */
const ROBUST_LIST_HEAD_SIZE = 24;

/** long set_robust_list(struct robust_list_head __user *head, size_t len) */
export function sys_set_robust_list(k: KernelContext, cpu: Cpu): number {
  if (argNum(cpu, 1) !== ROBUST_LIST_HEAD_SIZE) return -EINVAL;
  procOf(k.current()).robustList = argNum(cpu, 0);
  return 0;
}

export const RLIMIT_STACK = 3;
export const RLIMIT_NOFILE = 7;
export const RLIM_INFINITY = (1n << 64n) - 1n;
const RLIMITS = 16;

/** The limits every task has (init's defaults of 3.1 with an 8 MiB stack and 1024 files). */
function defaultLimit(resource: number): [bigint, bigint] {
  if (resource === RLIMIT_STACK) return [8n << 20n, RLIM_INFINITY];
  if (resource === RLIMIT_NOFILE) return [1024n, 4096n];
  return [RLIM_INFINITY, RLIM_INFINITY];
}

/** long prlimit64(pid_t pid, unsigned int resource, const struct rlimit64 *new, struct rlimit64 *old) */
export function sys_prlimit64(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const pid = argInt(cpu, 0);
  const resource = argInt(cpu, 1) >>> 0;
  if (resource >= RLIMITS) return -EINVAL;
  if (pid !== 0 && pid !== t.pid) return k.tasks.some((x) => x.pid === pid && !x.exited) ? -EPERM : -ESRCH;
  const newp = argNum(cpu, 2);
  const oldp = argNum(cpu, 3);
  if (newp !== 0) {
    const b = copyFromUser(t.space, newp, 16);
    if (b === null) return -EFAULT;
  }
  if (oldp !== 0) {
    const [cur, max] = defaultLimit(resource);
    if (!copyToUser(t.space, oldp, u64Bytes(cur, max))) return -EFAULT;
  }
  return 0;
}

/** Simulated nanoseconds since boot (the epoch of every wall clock here). */
export function nowNs(k: KernelContext, cpu: Cpu): number {
  return Math.floor((cpu.cycles * 1e9) / k.clockHz);
}

/** long gettimeofday(struct timeval __user *tv, struct timezone __user *tz) */
export function sys_gettimeofday(k: KernelContext, cpu: Cpu): number {
  const space = k.current().space;
  const ns = nowNs(k, cpu);
  const tv = argNum(cpu, 0);
  const tz = argNum(cpu, 1);
  if (tv !== 0 && !copyToUser(space, tv, u64Bytes(Math.floor(ns / 1e9), Math.floor((ns % 1e9) / 1000))))
    return -EFAULT;
  if (tz !== 0 && !copyToUser(space, tz, new Uint8Array(8))) return -EFAULT;
  return 0;
}

/** time_t time(time_t __user *tloc) */
export function sys_time(k: KernelContext, cpu: Cpu): number {
  const sec = Math.floor(nowNs(k, cpu) / 1e9);
  const at = argNum(cpu, 0);
  if (at !== 0 && !copyToUser(k.current().space, at, u64Bytes(sec))) return -EFAULT;
  return sec;
}

/**
 * long nanosleep(struct timespec __user *rqtp, struct timespec __user *rmtp): simulated time passes instead of
 * sleeping, charged to the CPU as idle-free cycles (the clock is the cycle counter).
 */
export function sys_nanosleep(k: KernelContext, cpu: Cpu): number {
  const b = copyFromUser(k.current().space, argNum(cpu, 0), 16);
  if (b === null) return -EFAULT;
  const v = new DataView(b.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
  const ns = Number(sec) * 1e9 + Number(nsec);
  const cycles = Math.min(Math.round((ns * k.clockHz) / 1e9), 1e15);
  if (cycles > 0) cpu.charge(cycles);
  return 0;
}
