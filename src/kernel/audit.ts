// Syscall auditing (kernel/auditsc.c of 3.1, reduced): a per-task audit context filled by audit_syscall_entry and
// turned into a record by audit_syscall_exit. The audit context exists while TIF_SYSCALL_AUDIT is set.
import type { Cpu } from "../cpu/cpu.ts";
import type { KernelContext } from "./kernel-context.ts";
import { argBig, argInt, argU32 } from "./native-args.ts";
import { appendRecord } from "./record-log.ts";

/** AUDITSC_SUCCESS / AUDITSC_FAILURE: the `valid` argument of audit_syscall_exit. */
export const AUDITSC_SUCCESS = 1;
export const AUDITSC_FAILURE = 2;

export interface AuditRecord {
  arch: number;
  nr: number;
  /** a0..a3 as audit_syscall_entry received them */
  args: bigint[];
  /** the return value (RAX) */
  result: bigint;
  success: boolean;
}

export interface AuditContext {
  inSyscall: boolean;
  arch: number;
  nr: number;
  args: bigint[];
}

/** audit_syscall_entry(arch, major, a1, a2, a3, a4) */
export function auditSyscallEntry(k: KernelContext, arch: number, nr: number, args: bigint[]): void {
  const t = k.current();
  t.auditContext = { inSyscall: true, arch, nr, args };
}

/** audit_syscall_exit(valid, return_code): nothing to record when no syscall was entered (e.g. ret_from_fork). */
export function auditSyscallExit(k: KernelContext, valid: number, ret: bigint): void {
  const t = k.current();
  const ctx = t.auditContext;
  if (ctx === null || !ctx.inSyscall) return;
  appendRecord(
    t.audit,
    { arch: ctx.arch, nr: ctx.nr, args: ctx.args, result: ret, success: valid === AUDITSC_SUCCESS },
    t.droppedRecords,
  );
  ctx.inSyscall = false;
}

export function native_audit_syscall_entry(k: KernelContext, cpu: Cpu): undefined {
  auditSyscallEntry(k, argU32(cpu, 0), Number(BigInt.asIntN(64, argBig(cpu, 1))), [
    argBig(cpu, 2),
    argBig(cpu, 3),
    argBig(cpu, 4),
    argBig(cpu, 5),
  ]);
  return undefined;
}

export function native_audit_syscall_exit(k: KernelContext, cpu: Cpu): undefined {
  auditSyscallExit(k, argInt(cpu, 0), BigInt.asIntN(64, argBig(cpu, 1)));
  return undefined;
}
