// The loader of seccomp policies named as designs: `seccomp-policy:NAME` for a policy shipped in policies/
// (docker-default, systemd-system-service, browser-like) and `seccomp-policy:FILE` for the user's own. A policy is
// DATA: its file is read through input-file.ts (a regular file, at most 1 MiB), parsed by the kernel's policy
// parsers, compiled to classic BPF and registered as a design; nothing in it is ever executed. The format is told
// by the name: `.json` is a Docker seccomp profile, `.policy` the text format (src/kernel/seccomp/policy-text.ts),
// anything else a compiled filter in a format `bpf check` reads (raw struct sock_filter, tcpdump -ddd, bpf_asm).
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import type { DesignFactory } from "../cgroup/design.ts";
import { isBuiltInDesign, registerDesign } from "../cgroup/designs/index.ts";
import { SECCOMP_POLICY_PREFIX, seccompPolicyDesign } from "../cgroup/designs/seccomp-policy.ts";
import { constAllowEmulator } from "../kernel/seccomp/cache.ts";
import { FilterFileError, parseFilterBytes } from "../kernel/seccomp/filter-file.ts";
import { MAX_POLICY_BYTES, type Policy, PolicyError, policyAllowSet } from "../kernel/seccomp/policy.ts";
import { compilePolicy } from "../kernel/seccomp/policy-compile.ts";
import { parseDockerProfile } from "../kernel/seccomp/policy-docker.ts";
import { parsePolicyText } from "../kernel/seccomp/policy-text.ts";
import { AUDIT_ARCH_X86_64 } from "../kernel/seccomp/seccomp-data.ts";
import type { SockFilter } from "../kernel/seccomp/sock-filter.ts";
import { InputFileError, readInputFile } from "./input-file.ts";
import { packageRoot } from "./provenance.ts";

export { SECCOMP_POLICY_PREFIX } from "../cgroup/designs/seccomp-policy.ts";

/** The policies shipped in policies/, by name. */
export const BUILT_IN_POLICIES: ReadonlyMap<string, string> = new Map([
  ["docker-default", "docker-default.json"],
  ["systemd-system-service", "systemd-system-service.policy"],
  ["browser-like", "browser-like.policy"],
]);

export class PolicyFileError extends Error {}

export interface LoadedPolicy {
  /** seccomp-policy:NAME as given (a relative FILE stays as written) */
  id: string;
  /** the file read */
  path: string;
  sha256: string;
  /** null for a compiled filter */
  policy: Policy | null;
  program: SockFilter[];
  /** the numbers 0..nrSyscalls-1 a syscall bitmap allows for this policy, and the conditional ones by name */
  allowSet(nrSyscalls: number): { allowed: Set<number>; conditional: string[] };
  /** one line for people */
  summary: string;
}

/** Whether a design spec names a seccomp policy. */
export function isPolicyDesign(spec: string): boolean {
  return spec.startsWith(SECCOMP_POLICY_PREFIX);
}

/** The file a `seccomp-policy:…` spec names (built-in names resolve into policies/). */
export function policyPath(spec: string): string {
  const name = spec.slice(SECCOMP_POLICY_PREFIX.length);
  if (name === "")
    throw new PolicyFileError(
      `${spec}: name a policy (${[...BUILT_IN_POLICIES.keys()].join(", ")}) or a file after "${SECCOMP_POLICY_PREFIX}"`,
    );
  const builtIn = BUILT_IN_POLICIES.get(name);
  if (builtIn !== undefined) return join(packageRoot(), "policies", builtIn);
  if (/\.(ts|mts|js|mjs)$/.test(name))
    throw new PolicyFileError(
      `${spec}: a policy is data (.json, .policy or a compiled filter), not a module`,
    );
  if (!name.includes("/") && !name.includes("."))
    throw new PolicyFileError(
      `${spec}: unknown policy "${name}" (built in: ${[...BUILT_IN_POLICIES.keys()].join(", ")}; or a file path)`,
    );
  return resolve(name);
}

const cache = new Map<string, LoadedPolicy>();

/** Reads, parses and compiles a policy (once per spec and file content). Errors are PolicyFileError. */
export function loadPolicy(spec: string): LoadedPolicy {
  const path = policyPath(spec);
  let bytes: Buffer;
  try {
    bytes = readInputFile(path, { what: "seccomp policy", maxBytes: MAX_POLICY_BYTES });
  } catch (e) {
    if (e instanceof InputFileError) throw new PolicyFileError(e.message);
    throw e;
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const hit = cache.get(spec);
  if (hit !== undefined && hit.sha256 === sha256) return hit;
  let loaded: LoadedPolicy;
  try {
    if (path.endsWith(".json") || path.endsWith(".policy")) {
      const text = bytes.toString("utf8");
      const policy = path.endsWith(".json") ? parseDockerProfile(text, path) : parsePolicyText(text, path);
      const program = compilePolicy(policy);
      const allow = policyAllowSet(policy, 310);
      loaded = {
        id: spec,
        path,
        sha256,
        policy,
        program,
        allowSet: (n) => policyAllowSet(policy, n),
        summary:
          `${policy.rules.length} rules, ${program.length} BPF instructions; ${allow.allowed.size} of 310 linux-3.1 ` +
          `numbers allowed${allow.conditional.length > 0 ? ` (${allow.conditional.length} only with argument checks: ${allow.conditional.join(", ")})` : ""}` +
          `${policy.skippedNames.length > 0 ? `; ${policy.skippedNames.length} names not on x86_64 skipped` : ""}`,
      };
    } else {
      const program = parseFilterBytes(bytes).prog;
      const constAllow = constAllowEmulator(program);
      const allowSet = (n: number) => {
        const allowed = new Set<number>();
        for (let nr = 0; nr < n; nr++) if (constAllow(nr, AUDIT_ARCH_X86_64)) allowed.add(nr);
        return { allowed, conditional: [] };
      };
      loaded = {
        id: spec,
        path,
        sha256,
        policy: null,
        program,
        allowSet,
        summary: `a compiled filter of ${program.length} instructions; ${allowSet(310).allowed.size} of 310 linux-3.1 numbers constant-ALLOW (by the 5.11 cache's analysis)`,
      };
    }
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyFileError(e.message);
    if (e instanceof FilterFileError) throw new PolicyFileError(`${path}: ${e.message}`);
    throw e;
  }
  cache.set(spec, loaded);
  return loaded;
}

const factories = new WeakMap<LoadedPolicy, DesignFactory>();

/** Loads the policy and registers `seccomp-policy:…` as a design (idempotent); returns it. */
export function ensurePolicyDesign(spec: string): LoadedPolicy {
  const p = loadPolicy(spec);
  if (isBuiltInDesign(spec)) return p;
  let f = factories.get(p);
  if (f === undefined) {
    f = () =>
      seccompPolicyDesign({ id: spec, title: `seccomp policy ${p.path}: ${p.summary}`, program: p.program });
    factories.set(p, f);
  }
  registerDesign(spec, f, p.path);
  return p;
}
