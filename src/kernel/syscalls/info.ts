// Process and system information syscalls: getpid, getppid, gettid, uname, clock_gettime, getrandom,
// sched_getaffinity, sysinfo.
import type { Cpu } from "../../cpu/cpu.ts";
import { latin1Encode } from "../../cpu/text-bytes.ts";
import { entropyOf } from "../entropy.ts";
import { EFAULT, EINVAL, ESRCH } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum } from "../native-args.ts";
import { copyToUser, u64Bytes } from "../uaccess.ts";

/** getpid() returns the tgid; every task is its own thread group here. */
export const sys_getpid = (k: KernelContext): number => k.current().tgid;
export const sys_gettid = (k: KernelContext): number => k.current().pid;
/** The parent's tgid; 0 for tasks created without a parent (as for children of the idle task). */
export const sys_getppid = (k: KernelContext): number => k.current().parent?.tgid ?? 0;

/** struct new_utsname: six fields of __NEW_UTS_LEN + 1 = 65 bytes. */
export const UTS_FIELD_LEN = 65;
export const UTSNAME = {
  sysname: "Linux",
  nodename: "syscall-lab",
  release: "3.1.0-syscall-lab",
  version: "#1 SMP",
  machine: "x86_64",
  domainname: "(none)",
} as const;

export function utsnameBytes(): Uint8Array {
  const out = new Uint8Array(6 * UTS_FIELD_LEN);
  Object.values(UTSNAME).forEach((s, i) => {
    out.set(latin1Encode(s), i * UTS_FIELD_LEN);
  });
  return out;
}

/** long newuname(struct new_utsname __user *name) */
export function sys_newuname(k: KernelContext, cpu: Cpu): number {
  const data = utsnameBytes();
  if (!copyToUser(k.current().space, argNum(cpu, 0), data)) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  return 0;
}

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;

/**
 * long clock_gettime(clockid_t which, struct timespec __user *tp). Simulated time: every wall clock is
 * cpu.cycles / clockHz since boot (the epoch is the boot); the CPU-time clocks use the task's user+sys cycles.
 */
export function sys_clock_gettime(k: KernelContext, cpu: Cpu): number {
  const which = argInt(cpu, 0);
  if (which < 0 || which > CLOCK_BOOTTIME) return -EINVAL;
  let cycles = cpu.cycles;
  if (which === CLOCK_PROCESS_CPUTIME_ID || which === CLOCK_THREAD_CPUTIME_ID) {
    const t = k.current();
    cycles = t.acct.userCycles + t.acct.sysCycles;
  }
  const ns = Math.floor((cycles * 1e9) / k.clockHz);
  const sec = Math.floor(ns / 1e9);
  const data = u64Bytes(sec, ns - sec * 1e9);
  if (!copyToUser(k.current().space, argNum(cpu, 1), data)) return -EFAULT;
  return 0;
}

const GRND_NONBLOCK = 1;
const GRND_RANDOM = 2;
const GRND_INSECURE = 4;

/**
 * ssize_t getrandom(char __user *buf, size_t count, unsigned int flags) (3.17+, drivers/char/random.c): bytes from
 * the machine's seeded generator (so runs repeat), at most 1 MiB per call here; the pool is always initialised.
 */
export function sys_getrandom(k: KernelContext, cpu: Cpu): number {
  const flags = argInt(cpu, 2);
  if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) return -EINVAL;
  if ((flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  const n = Math.min(Math.max(argNum(cpu, 1), 0), 1 << 20);
  const data = entropyOf(k).bytes(n);
  if (!copyToUser(k.current().space, argNum(cpu, 0), data)) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  return data.length;
}

/**
 * long sched_getaffinity(pid_t pid, unsigned int len, unsigned long __user *user_mask_ptr): every emulated CPU
 * (a task may run on any); returns the bytes written, one long (nr_cpu_ids ≤ 64), -EINVAL for a shorter buffer.
 */
export function sys_sched_getaffinity(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const pid = argInt(cpu, 0);
  const len = argNum(cpu, 1) >>> 0;
  if (len < 8 || (len & 7) !== 0) return -EINVAL;
  if (pid !== 0 && !k.tasks.some((x) => x.pid === pid && !x.exited)) return -ESRCH;
  const ncpus = "cpus" in k ? (k as unknown as { cpus: unknown[] }).cpus.length : 1;
  const data = u64Bytes(2 ** ncpus - 1);
  if (!copyToUser(t.space, argNum(cpu, 2), data)) return -EFAULT;
  return 8;
}

/**
 * long sysinfo(struct sysinfo __user *info): uptime from the simulated clock, RAM from the guest's physical
 * memory (mem_unit 1), no swap, no load, the live task count.
 */
export function sys_sysinfo(k: KernelContext, cpu: Cpu): number {
  const b = new Uint8Array(112);
  const v = new DataView(b.buffer);
  const phys = k.kspace.phys;
  v.setBigInt64(0, BigInt(Math.floor(cpu.cycles / k.clockHz)), true);
  v.setBigUint64(32, BigInt(phys.frameCount * 4096), true); // totalram
  v.setBigUint64(40, BigInt((phys.frameCount - phys.framesInUse) * 4096), true); // freeram
  v.setUint16(80, Math.min(k.tasks.filter((t) => !t.exited).length, 0xffff), true); // procs
  v.setUint32(104, 1, true); // mem_unit
  if (!copyToUser(k.current().space, argNum(cpu, 0), b)) return -EFAULT;
  return 0;
}
