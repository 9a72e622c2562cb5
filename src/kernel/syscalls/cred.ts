// Credential syscalls (kernel/timer.c getters, kernel/sys.c setuid of 3.1).
import type { Cpu } from "../../cpu/cpu.ts";
import { EPERM } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argU32 } from "../native-args.ts";

export const sys_getuid = (k: KernelContext): number => k.current().creds.uid;
export const sys_geteuid = (k: KernelContext): number => k.current().creds.euid;
export const sys_getgid = (k: KernelContext): number => k.current().creds.gid;
export const sys_getegid = (k: KernelContext): number => k.current().creds.egid;

/**
 * long setuid(uid_t uid). With CAP_SETUID (euid 0 here) every uid (real, effective, saved, fs) becomes uid;
 * otherwise uid must equal the real or the saved uid and only the effective and fs uid change.
 */
export function sys_setuid(k: KernelContext, cpu: Cpu): number {
  const c = k.current().creds;
  const uid = argU32(cpu, 0);
  if (c.euid === 0) {
    c.uid = uid;
    c.suid = uid;
  } else if (uid !== c.uid && uid !== c.suid) {
    return -EPERM;
  }
  c.euid = uid;
  c.fsuid = uid;
  return 0;
}
