// Process and system information syscalls: getpid, getppid, gettid, uname, clock_gettime.
import type { Cpu } from "../../cpu/cpu.ts";
import { latin1Encode } from "../../cpu/text-bytes.ts";
import { EFAULT, EINVAL } from "../errno.ts";
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
