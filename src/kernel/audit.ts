// Syscall auditing (kernel/auditsc.c of 3.1, reduced): a per-task audit context filled by audit_syscall_entry and
// closed by audit_syscall_exit. The audit context exists while TIF_SYSCALL_AUDIT is set. Every closed context is
// kept in `task.audit` (the context bookkeeping, rules or not); a record is emitted to `machine.audit.records` only
// when a rule of src/kernel/audit-rules.ts decides AUDIT_RECORD_CONTEXT. With no rules the context is a dummy
// (`context->dummy = !audit_n_rules`) and audit_syscall_exit filters nothing.
import type { Cpu } from "../cpu/cpu.ts";
import type { AuditFilter, AuditState } from "./audit-rules.ts";
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
  /** no rules existed at entry (audit_n_rules == 0): nothing is filtered or logged */
  dummy?: boolean;
  /** current_state: build (undecided), record (audit_log_exit at exit) or disabled */
  state?: AuditState;
  /** the rule that set `state` */
  decidedBy?: { filter: AuditFilter; index: number };
}

/**
 * audit_syscall_entry(arch, major, a1, a2, a3, a4). With rules, the entry list is walked first (audit_rule_check per
 * rule evaluated); an AUDIT_NEVER match disables the context for this call.
 */
export function auditSyscallEntry(k: KernelContext, arch: number, nr: number, args: bigint[]): void {
  const t = k.current();
  const rules = k.audit;
  const dummy = rules === undefined || rules.nRules === 0;
  if (dummy) {
    t.auditContext = { inSyscall: true, arch, nr, args, dummy };
    return;
  }
  const r = rules.filter("entry", { nr, result: null });
  k.charge("audit_rule_check", r.evaluated);
  const ctx: AuditContext = { inSyscall: r.state !== "disabled", arch, nr, args, dummy, state: r.state };
  if (r.index >= 0) ctx.decidedBy = { filter: "entry", index: r.index };
  t.auditContext = ctx;
}

/**
 * audit_syscall_exit(valid, return_code): nothing when no syscall was entered (e.g. ret_from_fork). A context that
 * is not a dummy runs the exit list (audit_rule_check per rule evaluated, the first match decides) and, when the
 * state is AUDIT_RECORD_CONTEXT, audit_log_exit emits a record.
 */
export function auditSyscallExit(k: KernelContext, valid: number, ret: bigint): void {
  const t = k.current();
  const ctx = t.auditContext;
  if (ctx === null || !ctx.inSyscall) return;
  const success = valid === AUDITSC_SUCCESS;
  const rec: AuditRecord = { arch: ctx.arch, nr: ctx.nr, args: ctx.args, result: ret, success };
  appendRecord(t.audit, rec, t.droppedRecords);
  ctx.inSyscall = false;
  const rules = k.audit;
  if (ctx.dummy !== false || rules === undefined) return;
  const r = rules.filter("exit", { nr: ctx.nr, result: { success, ret } });
  k.charge("audit_rule_check", r.evaluated);
  if (r.index >= 0) {
    ctx.state = r.state;
    ctx.decidedBy = { filter: "exit", index: r.index };
  }
  if (ctx.state !== "record" || ctx.decidedBy === undefined) return;
  k.charge("audit_log_exit");
  rules.emit({ ...rec, pid: t.pid, rule: ctx.decidedBy });
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
