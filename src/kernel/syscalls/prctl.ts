// prctl (kernel/sys.c): the seccomp options (3.1, with filter mode as merged in 3.5) and no_new_privs (3.5).
import type { Cpu } from "../../cpu/cpu.ts";
import { EINVAL } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum } from "../native-args.ts";
import { prctlGetSeccomp, prctlSetSeccomp } from "../seccomp.ts";

export const PR_GET_SECCOMP = 21;
export const PR_SET_SECCOMP = 22;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;

const isZero = (cpu: Cpu, i: number) => argNum(cpu, i) === 0;

/** long prctl(int option, unsigned long arg2, …) */
export function sys_prctl(k: KernelContext, cpu: Cpu): number {
  switch (argInt(cpu, 0)) {
    case PR_GET_SECCOMP:
      return prctlGetSeccomp(k);
    case PR_SET_SECCOMP: {
      const mode = argNum(cpu, 1);
      return prctlSetSeccomp(k, Number.isSafeInteger(mode) ? mode : -1, argNum(cpu, 2));
    }
    case PR_SET_NO_NEW_PRIVS:
      if (argNum(cpu, 1) !== 1 || !isZero(cpu, 2) || !isZero(cpu, 3) || !isZero(cpu, 4)) return -EINVAL;
      k.current().noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (!isZero(cpu, 1) || !isZero(cpu, 2) || !isZero(cpu, 3) || !isZero(cpu, 4)) return -EINVAL;
      return k.current().noNewPrivs ? 1 : 0;
    default:
      return -EINVAL;
  }
}
