import { argBig, argInt, argU32 } from "./native-args.js";
import { appendRecord } from "./record-log.js";
/** AUDITSC_SUCCESS / AUDITSC_FAILURE: the `valid` argument of audit_syscall_exit. */
export const AUDITSC_SUCCESS = 1;
export const AUDITSC_FAILURE = 2;
/** audit_syscall_entry(arch, major, a1, a2, a3, a4) */
export function auditSyscallEntry(k, arch, nr, args) {
    const t = k.current();
    t.auditContext = { inSyscall: true, arch, nr, args };
}
/** audit_syscall_exit(valid, return_code): nothing to record when no syscall was entered (e.g. ret_from_fork). */
export function auditSyscallExit(k, valid, ret) {
    const t = k.current();
    const ctx = t.auditContext;
    if (ctx === null || !ctx.inSyscall)
        return;
    appendRecord(t.audit, { arch: ctx.arch, nr: ctx.nr, args: ctx.args, result: ret, success: valid === AUDITSC_SUCCESS }, t.droppedRecords);
    ctx.inSyscall = false;
}
export function native_audit_syscall_entry(k, cpu) {
    auditSyscallEntry(k, argU32(cpu, 0), Number(BigInt.asIntN(64, argBig(cpu, 1))), [
        argBig(cpu, 2),
        argBig(cpu, 3),
        argBig(cpu, 4),
        argBig(cpu, 5),
    ]);
    return undefined;
}
export function native_audit_syscall_exit(k, cpu) {
    auditSyscallExit(k, argInt(cpu, 0), BigInt.asIntN(64, argBig(cpu, 1)));
    return undefined;
}
//# sourceMappingURL=audit.js.map