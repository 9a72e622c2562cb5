// Docker's seccomp profile format (the JSON of moby/profiles/seccomp, `docker run --security-opt seccomp=FILE`):
// defaultAction, defaultErrnoRet, archMap, syscalls[] of {names, action, errnoRet, args[], includes, excludes}.
// A rule applies to the container as moby's setupSeccomp decides: includes.arches / excludes.arches against the
// architecture (Go's name, "amd64"), includes.caps (all needed) / excludes.caps (any excludes) against the
// container's capabilities, includes.minKernel against the kernel version. Names x86_64 lacks (other
// architectures' calls) are skipped and listed, as libseccomp skips names it cannot resolve for the arch.
import { SECCOMP_RET_KILL_THREAD } from "./actions.ts";
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
import { syscallNumber } from "./policy-text.ts";

/** Docker's default capability set (moby daemon/pkg/oci/caps/defaults.go, DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

export interface DockerContext {
  /** Go's GOARCH: amd64 */
  arch: string;
  caps: readonly string[];
  /** the kernel version includes.minKernel is compared with */
  kernel: string;
}

/** A default `docker run` on x86-64: default capabilities; kernel 6.18, the seccomp model's (docs/seccomp.md). */
export const DOCKER_DEFAULT_CONTEXT: DockerContext = {
  arch: "amd64",
  caps: DOCKER_DEFAULT_CAPS,
  kernel: "6.18",
};

const OPS: Readonly<Record<string, PolicyOp>> = {
  SCMP_CMP_EQ: "==",
  SCMP_CMP_NE: "!=",
  SCMP_CMP_LT: "<",
  SCMP_CMP_LE: "<=",
  SCMP_CMP_GT: ">",
  SCMP_CMP_GE: ">=",
  SCMP_CMP_MASKED_EQ: "&==",
};
const TOP = [
  "defaultAction",
  "defaultErrnoRet",
  "archMap",
  "architectures",
  "syscalls",
  "flags",
  "listenerPath",
  "listenerMetadata",
];
const RULE = ["names", "name", "action", "errnoRet", "args", "includes", "excludes", "comment"];
const FILTER = ["caps", "arches", "minKernel"];

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
const show = (x: unknown): string => {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

function kernelAtLeast(have: string, want: string): boolean {
  const p = (s: string) => s.split(".").map(Number);
  const [a, b] = [p(have), p(want)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Parses a Docker profile; `file` prefixes every message with the JSON path (`file: syscalls[3].args[0].op: …`). */
export function parseDockerProfile(
  text: string,
  file: string,
  ctx: DockerContext = DOCKER_DEFAULT_CONTEXT,
): Policy {
  if (text.length > MAX_POLICY_BYTES) throw new PolicyError(`${file}: larger than ${MAX_POLICY_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const fail = (path: string, msg: string): never => {
    throw new PolicyError(`${file}: ${path}: ${msg}`);
  };
  if (!isObj(raw)) return fail("(top level)", "must be an object");
  for (const k of Object.keys(raw))
    if (!TOP.includes(k)) fail(k, `is not a field of a Docker seccomp profile (known: ${TOP.join(", ")})`);
  const errnoField = (x: unknown, path: string): number => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 4095)
      fail(path, `must be an errno 0..4095, got ${show(x)}`);
    return x as number;
  };
  const actionOf = (x: unknown, errnoRet: unknown, path: string): number => {
    if (typeof x !== "string" || !x.startsWith("SCMP_ACT_"))
      return fail(path, `must be an SCMP_ACT_* name, got ${show(x)}`);
    // Docker's SCMP_ACT_ERRNO without errnoRet is EPERM (libseccomp's SCMP_ACT_ERRNO(EPERM) in moby)
    const data =
      x === "SCMP_ACT_ERRNO" || x === "SCMP_ACT_TRACE"
        ? errnoRet === undefined
          ? 1
          : errnoField(errnoRet, `${path.replace(/action$/, "")}errnoRet`)
        : 0;
    const a = actionValue(x, data);
    if (a === null) return fail(path, `unknown action ${show(x)}`);
    return a;
  };
  const defaultAction = actionOf(raw.defaultAction, raw.defaultErrnoRet, "defaultAction");
  if (raw.archMap !== undefined && !Array.isArray(raw.archMap)) fail("archMap", "must be an array");
  if (raw.flags !== undefined && !Array.isArray(raw.flags)) fail("flags", "must be an array");
  if (raw.listenerPath !== undefined)
    fail("listenerPath", "user notification listeners are not modelled (docs/seccomp.md)");
  const syscalls = raw.syscalls;
  if (!Array.isArray(syscalls)) return fail("syscalls", "must be an array");
  const rules: PolicyRule[] = [];
  const skipped = new Set<string>();
  let excluded = 0;
  for (const [i, s] of syscalls.entries()) {
    const at = `syscalls[${i}]`;
    if (!isObj(s)) return fail(at, "must be an object");
    for (const k of Object.keys(s))
      if (!RULE.includes(k)) fail(`${at}.${k}`, `is not a field of a rule (known: ${RULE.join(", ")})`);
    const names = s.names ?? (s.name !== undefined ? [s.name] : undefined);
    if (!Array.isArray(names) || names.length === 0)
      return fail(`${at}.names`, "must be a non-empty array of syscall names");
    names.forEach((n, j) => {
      if (typeof n !== "string" || !/^[a-z0-9_]{1,64}$/.test(n))
        fail(`${at}.names[${j}]`, `must be a syscall name, got ${show(n)}`);
    });
    const action = actionOf(s.action, s.errnoRet, `${at}.action`);
    for (const key of ["includes", "excludes"] as const) {
      const f = s[key];
      if (f === undefined) continue;
      if (!isObj(f)) return fail(`${at}.${key}`, "must be an object");
      for (const k of Object.keys(f))
        if (!FILTER.includes(k)) fail(`${at}.${key}.${k}`, `is not known (known: ${FILTER.join(", ")})`);
      for (const k of ["caps", "arches"] as const)
        if (
          f[k] !== undefined &&
          (!Array.isArray(f[k]) || !(f[k] as unknown[]).every((x) => typeof x === "string"))
        )
          fail(`${at}.${key}.${k}`, "must be an array of strings");
      if (
        f.minKernel !== undefined &&
        (typeof f.minKernel !== "string" || !/^[0-9]+(\.[0-9]+){0,2}$/.test(f.minKernel))
      )
        fail(`${at}.${key}.minKernel`, `must be a version like "4.8", got ${show(f.minKernel)}`);
    }
    const inc = (s.includes ?? {}) as { caps?: string[]; arches?: string[]; minKernel?: string };
    const exc = (s.excludes ?? {}) as { caps?: string[]; arches?: string[]; minKernel?: string };
    const applies =
      (inc.arches === undefined || inc.arches.length === 0 || inc.arches.includes(ctx.arch)) &&
      (inc.caps ?? []).every((c) => ctx.caps.includes(c)) &&
      (inc.minKernel === undefined || kernelAtLeast(ctx.kernel, inc.minKernel)) &&
      !(exc.arches ?? []).includes(ctx.arch) &&
      !(exc.caps ?? []).some((c) => ctx.caps.includes(c));
    const conds: PolicyCondition[] = [];
    if (s.args !== undefined && s.args !== null) {
      if (!Array.isArray(s.args)) return fail(`${at}.args`, "must be an array");
      if (s.args.length > MAX_CONDITIONS) fail(`${at}.args`, `more than ${MAX_CONDITIONS} comparisons`);
      for (const [j, a] of (s.args as unknown[]).entries()) {
        const ap = `${at}.args[${j}]`;
        if (!isObj(a)) return fail(ap, "must be an object");
        for (const k of Object.keys(a))
          if (!["index", "value", "valueTwo", "op"].includes(k))
            fail(`${ap}.${k}`, "is not known (index, value, valueTwo, op)");
        if (typeof a.index !== "number" || !Number.isInteger(a.index) || a.index < 0 || a.index > 5)
          fail(`${ap}.index`, `must be 0..5, got ${show(a.index)}`);
        const u64 = (x: unknown, p: string): bigint => {
          if (x === undefined) return 0n;
          if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0)
            return fail(p, `must be a non-negative integer, got ${show(x)}`);
          return BigInt(x);
        };
        const op =
          typeof a.op === "string" && Object.hasOwn(OPS, a.op)
            ? OPS[a.op]!
            : fail(`${ap}.op`, `must be one of ${Object.keys(OPS).join(", ")}, got ${show(a.op)}`);
        const value = u64(a.value, `${ap}.value`);
        const two = u64(a.valueTwo, `${ap}.valueTwo`);
        // SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the datum (libseccomp's SCMP_A0(SCMP_CMP_MASKED_EQ, mask, datum))
        conds.push(
          op === "&=="
            ? { arg: a.index as number, op, value: two & value, mask: value }
            : { arg: a.index as number, op, value, mask: MAX_U64 },
        );
      }
    }
    if (!applies) {
      excluded++;
      continue;
    }
    for (const name of names as string[]) {
      const nr = syscallNumber(name);
      if (nr === null) {
        skipped.add(name);
        continue;
      }
      if (rules.length >= MAX_POLICY_RULES) fail(at, `more than ${MAX_POLICY_RULES} rules`);
      rules.push({ nr, name, action, conds, where: `${file}: ${at}` });
    }
  }
  return {
    name: file,
    format: "docker-json",
    defaultAction,
    badArchAction: SECCOMP_RET_KILL_THREAD,
    rules,
    skippedNames: [...skipped].sort(),
    excludedRules: excluded,
  };
}
