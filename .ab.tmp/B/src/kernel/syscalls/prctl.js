import { EINVAL } from "../errno.js";
import { argInt, argNum } from "../native-args.js";
import { prctlGetSeccomp, prctlSetSeccomp } from "../seccomp.js";
export const PR_GET_SECCOMP = 21;
export const PR_SET_SECCOMP = 22;
/** long prctl(int option, unsigned long arg2, …) */
export function sys_prctl(k, cpu) {
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
//# sourceMappingURL=prctl.js.map