// The text policy format: one statement a line, in the words of libseccomp's API (seccomp_init's default action,
// SCMP_FLTATR_ACT_BADARCH, seccomp_rule_add with scmp_arg_cmp comparisons):
//
//   default errno EPERM                 # exactly once: what every call without a rule gets
//   badarch kill_process                # optional (libseccomp's default: kill_thread)
//   allow read                          # ACTION NAME [CONDITION ...]
//   errno EACCES openat arg2 & 0x3 == 0x1
//   allow socket arg0 == 1
//
// ACTION is allow, log, kill_process, kill_thread (kill), trap [N], errno ERRNO, trace N or notify; ERRNO is a
// name (EPERM) or a number 0..4095. A CONDITION is `argI OP VALUE` (OP: == != < <= > >=) or `argI & MASK == VALUE`,
// with I 0..5 and numbers decimal or 0x-hex up to 2^64-1; a rule holds when all of its conditions do. NAME is an
// x86_64 syscall name. `#` starts a comment. Every error names the file and the line.
import { errnoNumber } from "../errno-names.ts";
import { SYSCALLS_X86_64 } from "../syscall-names-x86_64.ts";
import { MAX_ERRNO, SECCOMP_RET_KILL_THREAD } from "./actions.ts";
import {
  actionValue,
  MAX_CONDITIONS,
  MAX_POLICY_BYTES,
  MAX_POLICY_RULES,
  MAX_U64,
  type Policy,
  type PolicyCondition,
  PolicyError,
  type PolicyOp,
  type PolicyRule,
} from "./policy.ts";

/** Longest line accepted. */
export const MAX_POLICY_LINE = 4096;

const OPS: readonly PolicyOp[] = ["==", "!=", "<", "<=", ">", ">="];

/** A u64 in decimal or 0x-hex, or null. */
export function parseU64(s: string): bigint | null {
  if (!/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v <= MAX_U64 ? v : null;
}

/** An x86_64 syscall number by name (Map semantics: `constructor` is not a name), or null. */
export function syscallNumber(name: string): number | null {
  return Object.hasOwn(SYSCALLS_X86_64, name) ? SYSCALLS_X86_64[name]! : null;
}

/** Reads an action at tokens[i]; returns it and how many tokens it used. */
function parseAction(tokens: readonly string[], i: number, at: string): { action: number; used: number } {
  const kw = tokens[i] ?? "";
  const data = (what: string, max: number): number => {
    const t = tokens[i + 1];
    if (t === undefined) throw new PolicyError(`${at}: ${kw} needs ${what}`);
    const byName = what.startsWith("an errno") ? errnoNumber(t) : undefined;
    const v = byName ?? (/^[0-9]+$/.test(t) ? Number(t) : Number.NaN);
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new PolicyError(`${at}: ${kw}: ${JSON.stringify(t)} is not ${what}`);
    return v;
  };
  if (!/^[a-z_]+$/.test(kw) || kw.startsWith("SCMP"))
    throw new PolicyError(`${at}: expected an action, got ${JSON.stringify(kw)}`);
  if (kw === "errno")
    return { action: actionValue(kw, data(`an errno (EPERM or 0..${MAX_ERRNO})`, MAX_ERRNO))!, used: 2 };
  if (kw === "trace") return { action: actionValue(kw, data("a number 0..65535", 0xffff))!, used: 2 };
  if (kw === "trap") {
    const t = tokens[i + 1];
    if (t !== undefined && /^[0-9]+$/.test(t))
      return { action: actionValue(kw, data("a number 0..65535", 0xffff))!, used: 2 };
    return { action: actionValue(kw, 0)!, used: 1 };
  }
  const a = actionValue(kw, 0);
  if (a === null)
    throw new PolicyError(
      `${at}: unknown action ${JSON.stringify(kw)} (allow, log, kill_process, kill_thread, trap, errno, trace, notify)`,
    );
  return { action: a, used: 1 };
}

function parseConditions(tokens: readonly string[], at: string): PolicyCondition[] {
  const conds: PolicyCondition[] = [];
  let i = 0;
  while (i < tokens.length) {
    const argTok = tokens[i]!;
    const m = /^arg([0-5])$/.exec(argTok);
    if (m === null)
      throw new PolicyError(`${at}: expected a condition argN (N 0..5), got ${JSON.stringify(argTok)}`);
    const arg = Number(m[1]);
    const num = (t: string | undefined, what: string): bigint => {
      const v = t === undefined ? null : parseU64(t);
      if (v === null)
        throw new PolicyError(
          `${at}: ${argTok}: ${what} must be a number 0..2^64-1 (decimal or 0x), got ${JSON.stringify(t ?? "nothing")}`,
        );
      return v;
    };
    if (tokens[i + 1] === "&") {
      const mask = num(tokens[i + 2], "the mask");
      if (tokens[i + 3] !== "==")
        throw new PolicyError(
          `${at}: ${argTok} & MASK must be followed by ==, got ${JSON.stringify(tokens[i + 3] ?? "nothing")}`,
        );
      const value = num(tokens[i + 4], "the value");
      if ((value & ~mask) !== 0n)
        throw new PolicyError(
          `${at}: ${argTok} & ${tokens[i + 2]} == ${tokens[i + 4]} can never hold (value has bits outside the mask)`,
        );
      conds.push({ arg, op: "&==", value, mask });
      i += 5;
    } else {
      const op = tokens[i + 1] as PolicyOp | undefined;
      if (op === undefined || !OPS.includes(op))
        throw new PolicyError(
          `${at}: ${argTok}: expected one of ${OPS.join(" ")} or &, got ${JSON.stringify(op ?? "nothing")}`,
        );
      conds.push({ arg, op, value: num(tokens[i + 2], "the value"), mask: MAX_U64 });
      i += 3;
    }
    if (conds.length > MAX_CONDITIONS) throw new PolicyError(`${at}: more than ${MAX_CONDITIONS} conditions`);
  }
  const seen = new Set<number>();
  for (const c of conds) {
    if (seen.has(c.arg))
      throw new PolicyError(
        `${at}: arg${c.arg} is compared twice (libseccomp allows one comparison per argument)`,
      );
    seen.add(c.arg);
  }
  return conds;
}

/** Parses a text policy; `file` prefixes every message (`file:LINE: …`). */
export function parsePolicyText(text: string, file: string): Policy {
  if (text.length > MAX_POLICY_BYTES) throw new PolicyError(`${file}: larger than ${MAX_POLICY_BYTES} bytes`);
  let defaultAction: number | null = null;
  let badArchAction: number | null = null;
  const rules: PolicyRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const at = `${file}:${n + 1}`;
    const raw = lines[n]!;
    if (raw.length > MAX_POLICY_LINE)
      throw new PolicyError(`${at}: line longer than ${MAX_POLICY_LINE} characters`);
    if (raw.includes("\0")) throw new PolicyError(`${at}: NUL byte (is this a compiled filter?)`);
    const hash = raw.indexOf("#");
    const tokens = (hash >= 0 ? raw.slice(0, hash) : raw)
      .trim()
      .split(/\s+/)
      .filter((t) => t !== "");
    if (tokens.length === 0) continue;
    if (tokens[0] === "default" || tokens[0] === "badarch") {
      const { action, used } = parseAction(tokens, 1, at);
      if (1 + used !== tokens.length) throw new PolicyError(`${at}: ${tokens[0]} takes only an action`);
      if (tokens[0] === "default") {
        if (defaultAction !== null) throw new PolicyError(`${at}: a second default`);
        defaultAction = action;
      } else {
        if (badArchAction !== null) throw new PolicyError(`${at}: a second badarch`);
        badArchAction = action;
      }
      continue;
    }
    const { action, used } = parseAction(tokens, 0, at);
    const name = tokens[used];
    if (name === undefined) throw new PolicyError(`${at}: ${tokens[0]} needs a syscall name`);
    const nr = syscallNumber(name);
    if (nr === null) throw new PolicyError(`${at}: ${JSON.stringify(name)} is not an x86_64 syscall name`);
    if (rules.length >= MAX_POLICY_RULES) throw new PolicyError(`${at}: more than ${MAX_POLICY_RULES} rules`);
    rules.push({ nr, name, action, conds: parseConditions(tokens.slice(used + 1), at), where: at });
  }
  if (defaultAction === null)
    throw new PolicyError(`${file}: no \`default ACTION\` line (what calls without a rule get)`);
  return {
    name: file,
    format: "text",
    defaultAction,
    badArchAction: badArchAction ?? SECCOMP_RET_KILL_THREAD,
    rules,
    skippedNames: [],
    excludedRules: 0,
  };
}
