// seccomp (kernel/seccomp.c): mode 1 (strict) as Linux 3.1 had it, and the dispatch to mode 2 (filter, merged in
// 3.5: src/kernel/seccomp-filter-mode.ts). Strict mode allows only read, write, exit and rt_sigreturn; anything
// else ends the task with SIGKILL. prctl(PR_SET_SECCOMP, mode) sets the mode and TIF_SECCOMP (strict mode also
// TIF_NOTSC: disable_TSC()).
import { EINVAL, EPERM } from "./errno.ts";
import type { KernelContext } from "./kernel-context.ts";
import * as P from "./pt-regs.ts";
import {
  SECCOMP_DEFERRED,
  SECCOMP_MODE_FILTER,
  seccompAttachUserFilter,
  seccompFilterCheck,
} from "./seccomp-filter-mode.ts";
import { NR, SYSCALL_NAMES_X86_64_3_1 } from "./syscall-names-x86_64-3.1.ts";
import { TIF_NOTSC, TIF_SECCOMP } from "./tif.ts";

export const SECCOMP_MODE_DISABLED = 0;
export const SECCOMP_MODE_STRICT = 1;
export { SECCOMP_DEFERRED, SECCOMP_MODE_FILTER };
export const SIGKILL = 9;

/** mode1_syscalls (native x86_64 numbers) */
export const MODE1_SYSCALLS: readonly number[] = [NR.read, NR.write, NR.exit, NR.rt_sigreturn];

/**
 * secure_computing(regs->orig_ax) with 3.5's contract: 0 to run the call, -1 to skip it (and every later hook of
 * syscall_trace_enter), or null when the task was killed (do_exit switched away; the caller stops its work).
 * A caller that passes `resume` lets filters run as JIT code: SECCOMP_DEFERRED then means the CPU went to run
 * them, and `resume` gets the outcome later (its result is the caller's native return value).
 */
export function secureComputing(
  k: KernelContext,
  regs: number,
  resume?: (r: number | null) => number | undefined,
): number | null {
  const t = k.current();
  k.charge("secure_computing");
  if (t.seccompMode === SECCOMP_MODE_FILTER) return seccompFilterCheck(k, regs, resume);
  const nr = Number(BigInt.asIntN(64, k.kspace.read64(regs + P.ORIG_RAX)));
  if (t.seccompMode === SECCOMP_MODE_STRICT && MODE1_SYSCALLS.includes(nr)) return 0;
  // Strict-mode violation; any other mode is a kernel bug (BUG()): treated the same.
  const call = `${SYSCALL_NAMES_X86_64_3_1[nr] ?? "nr"} (${nr})`;
  t.killReason =
    t.seccompMode === SECCOMP_MODE_STRICT
      ? `seccomp strict mode allows only read, write, exit and rt_sigreturn; ${call} is none of them`
      : `TIF_SECCOMP is set but no seccomp mode was chosen, which __secure_computing treats as strict mode ` +
        `(only read, write, exit and rt_sigreturn); ${call} is none of them`;
  k.doExit(0, SIGKILL);
  return null;
}

/** prctl_get_seccomp() */
export function prctlGetSeccomp(k: KernelContext): number {
  return k.current().seccompMode;
}

/**
 * prctl_set_seccomp(mode, filter). A second strict request fails with EPERM (3.1's once-only rule, kept);
 * mixing strict and filter fails with EINVAL (3.5); filter mode stacks a filter per call. `log`: seccomp(2)'s
 * SECCOMP_FILTER_FLAG_LOG for the new filter.
 */
export function prctlSetSeccomp(k: KernelContext, mode: number, filter: number, log = false): number {
  const t = k.current();
  if (t.seccompMode === SECCOMP_MODE_STRICT && mode === SECCOMP_MODE_STRICT) return -EPERM;
  if (t.seccompMode !== SECCOMP_MODE_DISABLED && t.seccompMode !== mode) return -EINVAL;
  switch (mode) {
    case SECCOMP_MODE_STRICT:
      t.tif.set(TIF_NOTSC);
      break;
    case SECCOMP_MODE_FILTER: {
      const r = seccompAttachUserFilter(k, filter, log);
      if (r !== 0) return r;
      break;
    }
    default:
      return -EINVAL;
  }
  t.seccompMode = mode;
  t.tif.set(TIF_SECCOMP);
  return 0;
}
