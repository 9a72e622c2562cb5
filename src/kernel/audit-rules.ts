// auditctl-style syscall rules (kernel/auditfilter.c and audit_filter_syscall / audit_filter_rules of 3.1
// kernel/auditsc.c, reduced to the syscall mask, the action and the success / exit fields). The machine holds one
// rule list per filter (AUDIT_FILTER_ENTRY, AUDIT_FILTER_EXIT); `audit_n_rules` is their total. With no rules the
// audit context is a "dummy": audit_syscall_exit filters nothing and logs nothing. A list is walked in insertion
// order and its first matching rule decides (AUDIT_NEVER: no record; AUDIT_ALWAYS: record the syscall).
import type { AuditRecord } from "./audit.ts";
import { appendRecord } from "./record-log.ts";

export type AuditAction = "always" | "never";
export type AuditFilter = "entry" | "exit";

/** A field comparison; it needs the syscall's result, so it can only match on the exit filter (return_valid). */
export interface AuditField {
  /** success: 1 = the call succeeded (AUDITSC_SUCCESS), 0 = it failed; exit: the return value, signed */
  name: "success" | "exit";
  op: "=" | "!=";
  value: number;
}

export interface AuditRuleSpec {
  /** the syscall number the rule applies to (its syscall mask), or every syscall */
  nr: number | "all";
  action: AuditAction;
  filter: AuditFilter;
  field?: AuditField;
}

/** A record audit_log_exit emitted: the syscall's record plus who made it and which rule decided. */
export interface AuditLogRecord extends AuditRecord {
  /** audit serial: 1, 2, … in emission order */
  serial: number;
  pid: number;
  /** the deciding rule, as `{ filter, index }` in its list */
  rule: { filter: AuditFilter; index: number };
}

/** AUDIT_BUILD_CONTEXT / AUDIT_RECORD_CONTEXT / AUDIT_DISABLED as a filter walk's outcome. */
export type AuditState = "build" | "record" | "disabled";

/** The outcome of walking one filter list: the state, the deciding rule, and how many rules were evaluated. */
export interface AuditFilterResult {
  state: AuditState;
  index: number;
  evaluated: number;
}

/** What a rule sees: the syscall number, and the result when it is valid (exit filter only). */
export interface AuditFilterInput {
  nr: number;
  result: { success: boolean; ret: bigint } | null;
}

function checkRule(r: AuditRuleSpec): AuditRuleSpec {
  const bad = (m: string): never => {
    throw new Error(`audit.addRule: ${m}`);
  };
  if (r === null || typeof r !== "object") bad("the rule must be an object");
  if (r.nr !== "all" && !(Number.isInteger(r.nr) && r.nr >= 0 && r.nr < 2048))
    bad(`nr must be a syscall number (0..2047) or "all", got ${String(r.nr)}`);
  if (r.action !== "always" && r.action !== "never")
    bad(`action must be "always" or "never", got ${String(r.action)}`);
  if (r.filter !== "exit" && r.filter !== "entry")
    bad(`filter must be "exit" or "entry", got ${String(r.filter)}`);
  const f = r.field;
  if (f !== undefined) {
    if (f.name !== "success" && f.name !== "exit")
      bad(`field.name must be "success" or "exit", got ${String(f.name)}`);
    if (f.op !== "=" && f.op !== "!=") bad(`field.op must be "=" or "!=", got ${String(f.op)}`);
    if (!Number.isSafeInteger(f.value)) bad(`field.value must be an integer, got ${String(f.value)}`);
    if (f.name === "success" && f.value !== 0 && f.value !== 1) bad("field success takes 0 or 1");
  }
  const out: AuditRuleSpec = { nr: r.nr, action: r.action, filter: r.filter };
  if (f !== undefined) out.field = { name: f.name, op: f.op, value: f.value };
  return out;
}

/** audit_filter_rules(): every field must hold; fields on the result fail while it is not valid. */
function ruleMatches(r: AuditRuleSpec, input: AuditFilterInput): boolean {
  if (r.nr !== "all" && r.nr !== input.nr) return false;
  const f = r.field;
  if (f === undefined) return true;
  if (input.result === null) return false;
  const eq =
    f.name === "success" ? input.result.success === (f.value === 1) : input.result.ret === BigInt(f.value);
  return f.op === "=" ? eq : !eq;
}

/** The machine's audit rules (the host's auditctl) and the records audit_log_exit emitted. */
export class AuditRules {
  private readonly lists: Record<AuditFilter, AuditRuleSpec[]> = { entry: [], exit: [] };
  /** emitted records, oldest first (the newest RECORD_LOG_CAP of record-log.ts are kept; `dropped` counts the rest) */
  readonly records: AuditLogRecord[] = [];
  readonly dropped = { count: 0 };
  private serial = 0;

  /** auditctl -a <filter>,<action> -S <nr> [-F field op value]; returns the rule's index in its list */
  addRule(rule: AuditRuleSpec): number {
    const r = checkRule(rule);
    this.lists[r.filter].push(r);
    return this.lists[r.filter].length - 1;
  }

  /** auditctl -D */
  clear(): void {
    this.lists.entry.length = 0;
    this.lists.exit.length = 0;
  }

  rules(filter: AuditFilter): readonly AuditRuleSpec[] {
    return this.lists[filter];
  }

  /** audit_n_rules: with none, audit contexts are dummies */
  get nRules(): number {
    return this.lists.entry.length + this.lists.exit.length;
  }

  /** audit_filter_syscall(): walk one list up to its first matching rule. */
  filter(list: AuditFilter, input: AuditFilterInput): AuditFilterResult {
    const rules = this.lists[list];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (ruleMatches(r, input))
        return { state: r.action === "always" ? "record" : "disabled", index: i, evaluated: i + 1 };
    }
    return { state: "build", index: -1, evaluated: rules.length };
  }

  /** audit_log_exit(): append a record (serial numbers keep counting past dropped ones). */
  emit(rec: Omit<AuditLogRecord, "serial">): AuditLogRecord {
    const out = { ...rec, serial: ++this.serial };
    appendRecord(this.records, out, this.dropped);
    return out;
  }
}
