// prctl (kernel/sys.c of 3.1): only the seccomp options are implemented.
import type { Cpu } from "../../cpu/cpu.ts";
import { EINVAL } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum } from "../native-args.ts";
import { prctlGetSeccomp, prctlSetSeccomp } from "../seccomp.ts";

export const PR_GET_SECCOMP = 21;
export const PR_SET_SECCOMP = 22;

/** long prctl(int option, unsigned long arg2, …) */
export function sys_prctl(k: KernelContext, cpu: Cpu): number {
  switch (argInt(cpu, 0)) {
    case PR_GET_SECCOMP:
      return prctlGetSeccomp(k);
    case PR_SET_SECCOMP: {
      const mode = argNum(cpu, 1);
      return prctlSetSeccomp(k, Number.isSafeInteger(mode) ? mode : -1);
    }
    default:
      return -EINVAL;
  }
}
