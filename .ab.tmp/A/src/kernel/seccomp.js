// seccomp mode 1 (strict) as Linux 3.1 had it (kernel/seccomp.c): only read, write, exit and rt_sigreturn are
// allowed; anything else ends the task with SIGKILL. Set once by prctl(PR_SET_SECCOMP, 1), which also sets
// TIF_SECCOMP (and TIF_NOTSC: disable_TSC()).
import { EINVAL, EPERM } from "./errno.js";
import { NR } from "./syscall-names-x86_64-3.1.js";
import { TIF_NOTSC, TIF_SECCOMP } from "./tif.js";
export const SECCOMP_MODE_DISABLED = 0;
export const SECCOMP_MODE_STRICT = 1;
/** NR_SECCOMP_MODES in 3.1: only strict mode exists */
export const NR_SECCOMP_MODES = 1;
export const SIGKILL = 9;
/** mode1_syscalls (native x86_64 numbers) */
export const MODE1_SYSCALLS = [NR.read, NR.write, NR.exit, NR.rt_sigreturn];
/**
 * __secure_computing(this_syscall): returns normally when allowed; otherwise do_exit(SIGKILL), which switches
 * away and returns false so the caller stops its own work.
 */
export function secureComputing(k, nr) {
    const t = k.current();
    k.charge("secure_computing");
    if (t.seccompMode === SECCOMP_MODE_STRICT && MODE1_SYSCALLS.includes(nr))
        return true;
    // Any other mode is a kernel bug in 3.1 (BUG()); treat it like a violation.
    k.doExit(0, SIGKILL);
    return false;
}
/** prctl_get_seccomp() */
export function prctlGetSeccomp(k) {
    return k.current().seccompMode;
}
/** prctl_set_seccomp(mode): once only (EPERM), mode 1..NR_SECCOMP_MODES (EINVAL). */
export function prctlSetSeccomp(k, mode) {
    const t = k.current();
    if (t.seccompMode !== SECCOMP_MODE_DISABLED)
        return -EPERM;
    if (mode < 1 || mode > NR_SECCOMP_MODES)
        return -EINVAL;
    t.seccompMode = mode;
    t.tif.set(TIF_SECCOMP);
    t.tif.set(TIF_NOTSC);
    return 0;
}
//# sourceMappingURL=seccomp.js.map