// A seccomp policy as libseccomp holds one before it generates BPF: a default action, the action for calls of
// another architecture, and rules `action syscall [arg conditions]` (seccomp_rule_add's model). Policies are data:
// the parsers (policy-text.ts, policy-docker.ts) build this from a file's text and never execute anything.
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from "./actions.ts";

/** libseccomp's comparison operators (enum scmp_compare); `&==` is SCMP_CMP_MASKED_EQ. */
export type PolicyOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&==";

/** One argument comparison; args are u64, as seccomp_data holds them. */
export interface PolicyCondition {
  /** 0..5 */
  arg: number;
  op: PolicyOp;
  /** the datum compared against (for `&==`, after masking) */
  value: bigint;
  /** only for `&==`: the mask ANDed to the argument first */
  mask: bigint;
}

export interface PolicyRule {
  /** the x86_64 number */
  nr: number;
  name: string;
  /** the full 32-bit SECCOMP_RET_* value, data included */
  action: number;
  /** all must hold (libseccomp ANDs a rule's comparisons); empty = unconditional */
  conds: PolicyCondition[];
  /** where it came from, for messages: `file:12` or `file: syscalls[3]` */
  where: string;
}

export interface Policy {
  /** what the user named it: the built-in name or the file path */
  name: string;
  /** the source format */
  format: "text" | "docker-json";
  defaultAction: number;
  /** SCMP_FLTATR_ACT_BADARCH: the action for a call whose seccomp_data.arch is not AUDIT_ARCH_X86_64 */
  badArchAction: number;
  rules: PolicyRule[];
  /** names the source lists that x86_64 does not have (other architectures' calls), skipped as libseccomp does */
  skippedNames: string[];
  /** rules a Docker profile's includes/excludes left out for this container (arch, capabilities, kernel) */
  excludedRules: number;
}

/** A policy file that cannot be used: the message names the file and the line (or JSON path). */
export class PolicyError extends Error {}

/** Largest policy source accepted (Docker's default profile is 13 KB). */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Most rules a policy may hold (the compiled filter must fit BPF_MAXINSNS = 4096 anyway). */
export const MAX_POLICY_RULES = 4096;
/** libseccomp's limit: one comparison per argument, six arguments */
export const MAX_CONDITIONS = 6;
export const MAX_U64 = (1n << 64n) - 1n;

/** Action keywords of the text format, with libseccomp's SCMP_ACT_* names as aliases (Docker's JSON). */
export function actionValue(keyword: string, data: number): number | null {
  switch (keyword) {
    case "allow":
    case "SCMP_ACT_ALLOW":
      return SECCOMP_RET_ALLOW;
    case "log":
    case "SCMP_ACT_LOG":
      return SECCOMP_RET_LOG;
    case "kill_process":
    case "SCMP_ACT_KILL_PROCESS":
      return SECCOMP_RET_KILL_PROCESS;
    case "kill":
    case "kill_thread":
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return SECCOMP_RET_KILL_THREAD;
    case "trap":
    case "SCMP_ACT_TRAP":
      return SECCOMP_RET_TRAP | data;
    case "errno":
    case "SCMP_ACT_ERRNO":
      return SECCOMP_RET_ERRNO | data;
    case "trace":
    case "SCMP_ACT_TRACE":
      return SECCOMP_RET_TRACE | data;
    case "notify":
    case "SCMP_ACT_NOTIFY":
      return SECCOMP_RET_USER_NOTIF;
    default:
      return null;
  }
}

/** Whether a condition holds for a 64-bit argument value (libseccomp's semantics, unsigned). */
export function conditionHolds(c: PolicyCondition, v: bigint): boolean {
  switch (c.op) {
    case "==":
      return v === c.value;
    case "!=":
      return v !== c.value;
    case "<":
      return v < c.value;
    case "<=":
      return v <= c.value;
    case ">":
      return v > c.value;
    case ">=":
      return v >= c.value;
    case "&==":
      return (v & c.mask) === c.value;
  }
}

/** One syscall's rules as the compiler lays them out: conditional rules in order, then the fall-through action. */
export interface SyscallBlock {
  nr: number;
  name: string;
  conditional: PolicyRule[];
  /** the unconditional rule's action, or the default */
  final: number;
}

/**
 * The policy per syscall number, ascending. Two unconditional rules with different actions for one call are an
 * error (libseccomp refuses the second with -EEXIST); the same rule twice is kept once.
 */
export function syscallBlocks(p: Policy): SyscallBlock[] {
  const by = new Map<number, { name: string; conditional: PolicyRule[]; final: PolicyRule | null }>();
  for (const r of p.rules) {
    let b = by.get(r.nr);
    if (b === undefined) {
      b = { name: r.name, conditional: [], final: null };
      by.set(r.nr, b);
    }
    if (r.conds.length > 0) b.conditional.push(r);
    else if (b.final === null) b.final = r;
    else if (b.final.action !== r.action)
      throw new PolicyError(
        `${r.where}: ${r.name} already has an unconditional rule with another action (${b.final.where})`,
      );
  }
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([nr, b]) => ({
      nr,
      name: b.name,
      // a conditional rule with the fall-through's own action changes nothing: libseccomp drops it too
      conditional: b.conditional.filter((r) => r.action !== (b.final?.action ?? p.defaultAction)),
      final: b.final?.action ?? p.defaultAction,
    }));
}

/**
 * What the policy does with one x86_64 call (the reference the compiled filter is tested against): the first
 * conditional rule of the call whose comparisons all hold, else its unconditional rule, else the default.
 */
export function evaluatePolicy(p: Policy, nr: number, args: readonly bigint[]): number {
  const b = syscallBlocks(p).find((x) => x.nr === nr);
  if (b === undefined) return p.defaultAction;
  for (const r of b.conditional)
    if (r.conds.every((c) => conditionHolds(c, args[c.arg] ?? 0n))) return r.action;
  return b.final;
}

/**
 * The policy's allow set over numbers 0..nrSyscalls-1 as a syscall bitmap can hold it: numbers whose fall-through
 * action is ALLOW or LOG, and numbers with any conditional ALLOW/LOG rule (a bitmap cannot test arguments, so it
 * must let those through: `conditional` lists them by name).
 */
export function policyAllowSet(
  p: Policy,
  nrSyscalls: number,
): { allowed: Set<number>; conditional: string[] } {
  const allowed = new Set<number>();
  const conditional: string[] = [];
  const allows = (a: number) => a === SECCOMP_RET_ALLOW || a === SECCOMP_RET_LOG;
  const blocks = new Map(syscallBlocks(p).map((b) => [b.nr, b]));
  for (let nr = 0; nr < nrSyscalls; nr++) {
    const b = blocks.get(nr);
    if (b === undefined) {
      if (allows(p.defaultAction)) allowed.add(nr);
    } else if (allows(b.final)) allowed.add(nr);
    else if (b.conditional.some((r) => allows(r.action))) {
      allowed.add(nr);
      conditional.push(b.name);
    }
  }
  return { allowed, conditional };
}
