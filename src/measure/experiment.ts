// Experiment files: JSON naming the axes of a sweep. The cross product of the axes is the set of points; each
// point has a stable id, the hash of its exact configuration (canonical JSON, keys sorted).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { DESIGNS } from "../cgroup/designs/index.ts";
import { WORKLOADS } from "../workload/index.ts";
import { type ApplicationSpec, validateApplication } from "./application.ts";
import type { FilterMode } from "./compare.ts";
import { isDesignFile } from "./design-file.ts";
import { readInputText } from "./input-file.ts";
import {
  BUILT_IN_POLICIES,
  isPolicyDesign,
  loadPolicy,
  PolicyFileError,
  SECCOMP_POLICY_PREFIX,
} from "./policy-file.ts";
import { listProfiles } from "./profile.ts";

export type Flavour = "linux-3.1" | "linux-generic" | "linux-generic+pti";

export const FLAVOURS: readonly Flavour[] = ["linux-3.1", "linux-generic", "linux-generic+pti"];
export const MODES: readonly FilterMode[] = ["filtered", "unfiltered"];
export const MAX_DEPTH = 32;
export const MAX_COUNT = 1_000_000;
export const MAX_GAP = 100_000;
/** an experiment file is a few hundred bytes; anything past this is not one */
export const MAX_EXPERIMENT_BYTES = 1024 * 1024;

/**
 * Syscalls none of the built-in workloads make, in the order a filtered task's cgroup denies them: `denied: k`
 * denies the first k. reboot (169) first, as compare does; the rest are privileged calls of the same family.
 */
export const DENIABLE_NRS: readonly number[] = [
  169, 155, 156, 163, 167, 168, 170, 171, 172, 173, 175, 176, 153, 154, 159, 164, 165, 166, 174, 177, 178,
  179, 180, 181, 182, 183, 184, 185, 210, 211, 212, 214,
];

export interface ExperimentAxes {
  /** design ids or design file paths (resolved against the experiment file); `none` is always added */
  designs: string[];
  depths: number[];
  modes: FilterMode[];
  /** built-in workload names or `trace:PATH` (an strace log, replayed) */
  workloads: string[];
  /** built-in profile names or JSON profile files */
  profiles: string[];
  flavours: Flavour[];
  counts: number[];
  gaps: number[];
  /** how many syscalls a filtered task's cgroup denies (DENIABLE_NRS); unfiltered points deny none */
  denied: number[];
  /** whether seccomp consults the 5.11 constant-allow bitmap cache before running a task's filters */
  seccompCache: boolean[];
  /**
   * app: workloads only: the seccomp policies (built-in names or files) whose allow set the cgroup designs and
   * ptrace get through cgroupfs; seccomp-policy designs carry their own policy
   */
  policies?: string[];
}

export interface Experiment {
  name: string;
  description: string;
  /** what a denied call returns: ENOSYS (38) or EPERM (1) */
  errno: "ENOSYS" | "EPERM";
  axes: ExperimentAxes;
  /** the programs `app:NAME` workloads run (application.ts) */
  applications?: Record<string, ApplicationSpec>;
  /** the file it was read from, if any */
  file?: string;
}

/** One point's exact configuration: everything that decides its numbers. */
export interface PointConfig {
  design: string;
  depth: number;
  mode: FilterMode;
  workload: string;
  profile: string;
  flavour: Flavour;
  count: number;
  gap: number;
  /** syscalls denied in the task's cgroup: 0 when unfiltered */
  denied: number;
  errno: "ENOSYS" | "EPERM";
  /** the task's seccomp filter runs behind the constant-allow cache (true) or on every call (false) */
  seccompCache: boolean;
  /** app: points of a cgroup design or ptrace: the policy whose allow set the task's cgroup gets, and its hash */
  policy?: string;
  policySha256?: string;
  /** app: points: the program, its root and inputs */
  application?: ApplicationSpec;
}

export interface Point {
  id: string;
  config: PointConfig;
}

export interface ExcludedPoint extends Point {
  reason: string;
}

const TOP_KEYS = ["name", "description", "errno", "axes", "applications"] as const;
const AXIS_KEYS = [
  "designs",
  "depths",
  "modes",
  "workloads",
  "profiles",
  "flavours",
  "counts",
  "gaps",
  "denied",
  "seccompCache",
  "policies",
] as const;
const DEFAULTS: Partial<ExperimentAxes> = {
  modes: ["filtered", "unfiltered"],
  profiles: ["sandybridge-2011"],
  flavours: ["linux-3.1"],
  counts: [200],
  gaps: [0],
  denied: [1],
  seccompCache: [true],
  policies: ["docker-default"],
};

export class ExperimentError extends Error {}

export function describe(x: unknown): string {
  if (x === undefined) return "nothing";
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === "number" || typeof x === "boolean" || x === null) return String(x);
  return Array.isArray(x) ? "an array" : "an object";
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Validates parsed JSON as an experiment; `label` prefixes every error (the file name), `baseDir` resolves
 * relative design, profile and trace paths. Errors name the field path: `axes.depths[2]: must be …, got "x"`.
 */
export function validateExperiment(raw: unknown, label: string, baseDir = process.cwd()): Experiment {
  const fail = (path: string, msg: string): never => {
    throw new ExperimentError(`${label}: ${path}: ${msg}`);
  };
  if (!isRecord(raw)) return fail("(top level)", `must be an object, got ${describe(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(k))
      fail(k, `is not a known field (known: ${TOP_KEYS.join(", ")})`);
  }
  if (typeof raw.name !== "string" || raw.name.trim() === "")
    fail("name", `must be a non-empty string, got ${describe(raw.name)}`);
  if (raw.description !== undefined && typeof raw.description !== "string")
    fail("description", `must be a string, got ${describe(raw.description)}`);
  const errno = raw.errno ?? "ENOSYS";
  if (errno !== "ENOSYS" && errno !== "EPERM")
    return fail("errno", `must be "ENOSYS" or "EPERM", got ${describe(errno)}`);
  const axes = raw.axes;
  if (!isRecord(axes)) return fail("axes", `must be an object, got ${describe(axes)}`);
  for (const k of Object.keys(axes)) {
    if (!(AXIS_KEYS as readonly string[]).includes(k))
      fail(`axes.${k}`, `is not a known axis (known: ${AXIS_KEYS.join(", ")})`);
  }
  const list = <T>(key: (typeof AXIS_KEYS)[number], item: (x: unknown, path: string) => T): T[] => {
    const v = axes[key] ?? DEFAULTS[key];
    if (v === undefined) return fail(`axes.${key}`, "is required");
    if (!Array.isArray(v)) return fail(`axes.${key}`, `must be an array, got ${describe(v)}`);
    if (v.length === 0) return fail(`axes.${key}`, "must not be empty");
    const out = v.map((x, i) => item(x, `axes.${key}[${i}]`));
    const seen = new Set<string>();
    out.forEach((x, i) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) fail(`axes.${key}[${i}]`, `repeats ${describe(v[i])}`);
      seen.add(k);
    });
    return out;
  };
  const int = (lo: number, hi: number) => (x: unknown, path: string) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < lo || x > hi)
      fail(path, `must be an integer ${lo}..${hi}, got ${describe(x)}`);
    return x as number;
  };
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const known = Object.keys(DESIGNS);

  const designs = list("designs", (x, path) => {
    if (typeof x !== "string" || x === "")
      return fail(path, `must be a design id, "all" or a design file, got ${describe(x)}`);
    if (x === "all" || known.includes(x)) return x;
    if (isPolicyDesign(x)) {
      const name = x.slice(SECCOMP_POLICY_PREFIX.length);
      const spec =
        BUILT_IN_POLICIES.has(name) || !/[/.]/.test(name) ? x : `${SECCOMP_POLICY_PREFIX}${abs(name)}`;
      try {
        loadPolicy(spec);
      } catch (e) {
        if (e instanceof PolicyFileError) fail(path, e.message);
        throw e;
      }
      return spec;
    }
    if (isDesignFile(x)) {
      if (!existsSync(abs(x))) fail(path, `design file ${x} does not exist`);
      return abs(x);
    }
    return fail(path, `unknown design ${describe(x)} (known: ${known.join(", ")}, all, or a .ts/.js file)`);
  });
  const expanded = designs.flatMap((d) => (d === "all" ? known : [d]));
  const designList = ["none", ...new Set(expanded.filter((d) => d !== "none"))];

  const modes = list("modes", (x, path) => {
    if (x !== "filtered" && x !== "unfiltered")
      fail(path, `must be "filtered" or "unfiltered", got ${describe(x)}`);
    return x as FilterMode;
  });
  const workloadNames = WORKLOADS.map((w) => w.name);
  const applications: Record<string, ApplicationSpec> = {};
  if (raw.applications !== undefined) {
    if (!isRecord(raw.applications))
      fail("applications", `must be an object, got ${describe(raw.applications)}`);
    for (const [name, spec] of Object.entries(raw.applications as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
        fail(`applications.${name}`, "the name must be letters, digits, . _ - (at most 64)");
      applications[name] = validateApplication(spec, `applications.${name}`, baseDir, fail);
    }
  }
  const workloads = list("workloads", (x, path) => {
    if (typeof x === "string" && workloadNames.includes(x)) return x;
    if (typeof x === "string" && x.startsWith("app:")) {
      if (!Object.hasOwn(applications, x.slice(4)))
        fail(
          path,
          `${describe(x)} names no entry of "applications" (${Object.keys(applications).join(", ") || "none"})`,
        );
      return x;
    }
    if (typeof x === "string" && x.startsWith("trace:")) {
      const p = x.slice("trace:".length);
      if (p === "" || !existsSync(abs(p))) fail(path, `strace log ${describe(p)} does not exist`);
      return `trace:${abs(p)}`;
    }
    return fail(
      path,
      `must be a workload (${workloadNames.join(", ")}), trace:PATH or app:NAME, got ${describe(x)}`,
    );
  });
  const profileNames = listProfiles();
  const profiles = list("profiles", (x, path) => {
    if (typeof x === "string" && profileNames.includes(x)) return x;
    if (typeof x === "string" && x.endsWith(".json")) {
      if (!existsSync(abs(x))) fail(path, `profile file ${x} does not exist`);
      return abs(x);
    }
    return fail(
      path,
      `must be a profile (${profileNames.join(", ")}) or a .json profile file, got ${describe(x)}`,
    );
  });
  const flavours = list("flavours", (x, path) => {
    if (typeof x === "string" && (FLAVOURS as readonly string[]).includes(x)) return x as Flavour;
    return fail(path, `must be one of ${FLAVOURS.join(", ")}, got ${describe(x)}`);
  });
  return {
    name: (raw.name as string).trim(),
    description: (raw.description as string | undefined) ?? "",
    errno,
    axes: {
      designs: designList,
      depths: list("depths", int(0, MAX_DEPTH)),
      modes,
      workloads,
      profiles,
      flavours,
      counts: list("counts", int(1, MAX_COUNT)),
      gaps: list("gaps", int(0, MAX_GAP)),
      denied: list("denied", int(1, DENIABLE_NRS.length)),
      seccompCache: list("seccompCache", (x, path) => {
        if (typeof x !== "boolean") fail(path, `must be true or false, got ${describe(x)}`);
        return x as boolean;
      }),
      // only for app: workloads (or when given): other experiments keep their axes as they were
      ...(workloads.some((w) => w.startsWith("app:")) || axes.policies !== undefined
        ? {
            policies: list("policies", (x, path) => {
              if (typeof x !== "string" || x === "")
                return fail(path, `must be a policy name or file, got ${describe(x)}`);
              const spec = `${SECCOMP_POLICY_PREFIX}${BUILT_IN_POLICIES.has(x) || !/[/.]/.test(x) ? x : abs(x)}`;
              try {
                loadPolicy(spec);
              } catch (e) {
                if (e instanceof PolicyFileError) fail(path, e.message);
                throw e;
              }
              return spec;
            }),
          }
        : {}),
    },
    ...(Object.keys(applications).length > 0 ? { applications } : {}),
  };
}

/** Reads and validates an experiment file (JSON). Relative paths inside it are relative to the file. */
export function loadExperiment(path: string): Experiment {
  let text: string;
  try {
    text = readInputText(path, { what: "experiment file", maxBytes: MAX_EXPERIMENT_BYTES });
  } catch (e) {
    throw new ExperimentError((e as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ExperimentError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  return { ...validateExperiment(json, path, dirname(resolve(path))), file: path };
}

/** Canonical JSON: object keys sorted at every level, so the same configuration always hashes the same. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(",")}]`;
  if (isRecord(x))
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`)
      .join(",")}}`;
  return JSON.stringify(x);
}

/** The point's id: the first 16 hex digits of SHA-256 over its canonical configuration. */
export function pointId(config: PointConfig): string {
  return createHash("sha256").update(canonical(config)).digest("hex").slice(0, 16);
}

/** The configuration of the `none` point a design point is measured against. */
export function baselineOf(config: PointConfig): PointConfig {
  if (config.application !== undefined) {
    const { policy: _p, policySha256: _h, ...rest } = config;
    return { ...rest, design: "none", seccompCache: true };
  }
  return { ...config, design: "none" };
}

/** Built-in designs that add entry code: linux-generic cannot take them (Machine.boot refuses). */
function needsLinux31(design: string): boolean {
  return (
    design !== "none" &&
    !isPolicyDesign(design) &&
    design !== "seccomp-bpf" &&
    design !== "seccomp-bpf-args" &&
    design !== "ptrace"
  );
}

/**
 * The cross product of the axes, `none` first, deduplicated by id. Unfiltered points deny nothing (denied 0).
 * Excluded: designs with their own entry code on linux-generic, and trace workloads on linux-generic (replay is
 * linux-3.1 only). A trace workload is replayed once per other axes at depth 1 (its cgroup, /replay) when
 * filtered and at the root when unfiltered: the depth axis does not apply to it.
 */
export function expandPoints(exp: Experiment): { points: Point[]; excluded: ExcludedPoint[] } {
  const a = exp.axes;
  const points: Point[] = [];
  const excluded: ExcludedPoint[] = [];
  const seen = new Set<string>();
  for (const design of a.designs)
    for (const workload of a.workloads.filter((w) => !w.startsWith("app:")))
      for (const profile of a.profiles)
        for (const flavour of a.flavours)
          for (const mode of a.modes)
            for (const depth of a.depths)
              for (const count of a.counts)
                for (const gap of a.gaps)
                  for (const denied of a.denied)
                    for (const seccompCache of a.seccompCache) {
                      const trace = workload.startsWith("trace:");
                      const config: PointConfig = {
                        design,
                        depth: trace ? (mode === "filtered" ? 1 : 0) : depth,
                        mode,
                        workload,
                        profile,
                        flavour,
                        count: trace ? 1 : count,
                        gap: trace ? 0 : gap,
                        denied: mode === "filtered" ? denied : 0,
                        errno: exp.errno,
                        seccompCache,
                      };
                      const id = pointId(config);
                      if (seen.has(id)) continue;
                      seen.add(id);
                      const reason =
                        flavour !== "linux-3.1" && trace
                          ? "strace replay runs on linux-3.1 only"
                          : flavour !== "linux-3.1" && needsLinux31(design) && design in DESIGNS
                            ? `${design} adds linux-3.1 entry code`
                            : trace && !seccompCache
                              ? "strace replay runs with the seccomp cache on"
                              : null;
                      if (reason !== null) {
                        excluded.push({ id, config, reason });
                        continue;
                      }
                      points.push({ id, config });
                    }
  expandApplications(exp, points, excluded, seen);
  return { points, excluded };
}

/**
 * The app: points: each design × application × profile × flavour, the task at depth 1. The seccompCache axis
 * applies to the seccomp designs only, the policies axis to the designs that take a policy's allow set through
 * cgroupfs (every design but none and seccomp-policy:*, which carry their own policy). A program missing from its
 * root excludes its points with a message.
 */
function expandApplications(
  exp: Experiment,
  points: Point[],
  excluded: ExcludedPoint[],
  seen: Set<string>,
): void {
  const a = exp.axes;
  for (const design of a.designs)
    for (const workload of a.workloads.filter((w) => w.startsWith("app:"))) {
      const app = exp.applications?.[workload.slice(4)];
      if (app === undefined) continue;
      const seccomp = isPolicyDesign(design) || design === "seccomp-bpf" || design === "seccomp-bpf-args";
      const takesPolicy = design !== "none" && !isPolicyDesign(design);
      for (const profile of a.profiles)
        for (const flavour of a.flavours)
          for (const seccompCache of seccomp ? a.seccompCache : [true])
            for (const policy of takesPolicy ? (a.policies ?? []) : [undefined]) {
              const config: PointConfig = {
                design,
                depth: 1,
                mode: "filtered",
                workload,
                profile,
                flavour,
                count: 1,
                gap: 0,
                denied: 0,
                errno: exp.errno,
                seccompCache,
                ...(policy !== undefined ? { policy, policySha256: loadPolicy(policy).sha256 } : {}),
                application: app,
              };
              const id = pointId(config);
              if (seen.has(id)) continue;
              seen.add(id);
              const reason =
                app.programSha256 === null
                  ? `not installed: ${app.argv[0]} is not in ${app.root} (experiments/real-applications.setup.sh installs it)`
                  : flavour !== "linux-3.1" && needsLinux31(design) && design in DESIGNS
                    ? `${design} adds linux-3.1 entry code`
                    : null;
              if (reason !== null) excluded.push({ id, config, reason });
              else points.push({ id, config });
            }
    }
}
