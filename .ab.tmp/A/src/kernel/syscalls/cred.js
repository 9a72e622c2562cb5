import { EPERM } from "../errno.js";
import { argU32 } from "../native-args.js";
export const sys_getuid = (k) => k.current().creds.uid;
export const sys_geteuid = (k) => k.current().creds.euid;
export const sys_getgid = (k) => k.current().creds.gid;
export const sys_getegid = (k) => k.current().creds.egid;
/**
 * long setuid(uid_t uid). With CAP_SETUID (euid 0 here) every uid (real, effective, saved, fs) becomes uid;
 * otherwise uid must equal the real or the saved uid and only the effective and fs uid change.
 */
export function sys_setuid(k, cpu) {
    const c = k.current().creds;
    const uid = argU32(cpu, 0);
    if (c.euid === 0) {
        c.uid = uid;
        c.suid = uid;
    }
    else if (uid !== c.uid && uid !== c.suid) {
        return -EPERM;
    }
    c.euid = uid;
    c.fsuid = uid;
    return 0;
}
//# sourceMappingURL=cred.js.map