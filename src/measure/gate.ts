import { renameSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { DESIGNS } from "../cgroup/designs/index.ts";
import { compareDesigns, type FilterMode } from "./compare.ts";
import { readInputText } from "./input-file.ts";
import type { CostProfile } from "./profile.ts";

/** The overhead regression suite: every catalogued design on the standard workloads, exact cycles. */
export interface GateSuite {
  workloads: string[];
  designs: string[];
  depths: number[];
  modes: FilterMode[];
  count: number;
}

export const STANDARD_SUITE: Readonly<GateSuite> = {
  workloads: ["null", "sowa-micro", "unixbench-syscall"],
  designs: Object.keys(DESIGNS),
  depths: [0, 2],
  modes: ["filtered", "unfiltered"],
  count: 20,
};

export interface Baseline {
  schema: 1;
  profile: string;
  suite: GateSuite;
  /** "design workload depth mode" → round-trip cycles per loop syscall (exact) */
  points: Record<string, number>;
  /** design files of the suite: id → the path it was loaded from and its sha256 (what the numbers were made with) */
  designFiles?: Record<string, { file: string; sha256: string }>;
}

/** Largest baseline accepted; the standard suite's is about 10 KB. */
export const MAX_BASELINE_BYTES = 16 << 20;

const nonEmptyList = <T extends z.ZodType>(t: T) => z.array(t).min(1, "expected a non-empty list");
const BASELINE_SCHEMA = z.strictObject({
  schema: z.literal(1, "expected 1 (the only baseline schema)"),
  profile: z.string("expected a profile name").min(1, "expected a profile name"),
  suite: z.strictObject(
    {
      workloads: nonEmptyList(z.string("expected a workload name")),
      designs: nonEmptyList(z.string("expected a design id")),
      depths: nonEmptyList(z.number("expected a depth").int("expected an integer depth").min(0).max(32)),
      modes: nonEmptyList(z.enum(["filtered", "unfiltered"], "expected filtered or unfiltered")),
      count: z.number("expected a loop count").int("expected an integer count").min(1).max(1_000_000),
    },
    "expected an object { workloads, designs, depths, modes, count }",
  ),
  points: z
    .record(
      z.string(),
      z
        .number("expected cycles per syscall (a number)")
        .refine(Number.isFinite, "expected a finite number")
        .refine((n) => n > 0, "expected a positive number of cycles"),
      "expected an object of point → cycles per syscall",
    )
    .refine((p) => Object.keys(p).length > 0, "expected at least one point"),
  designFiles: z.optional(
    z.record(z.string(), z.strictObject({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  ),
});

/** "suite.designs[2]", `points["none null depth=0 filtered"]` */
function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else if (out === "" && /^\w+$/.test(String(k))) out = String(k);
    else if (/^\w+$/.test(String(k))) out += `.${String(k)}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out === "" ? "(the whole file)" : out;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length === 0 ? "[]" : "a list";
  if (typeof v === "object") return Object.keys(v).length === 0 ? "{}" : "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Checks a parsed baseline against the schema; the first problem as "FIELD: what was expected, got VALUE".
 * Every point must also belong to the baseline's own suite.
 */
export function validateBaseline(raw: unknown): Baseline {
  const r = BASELINE_SCHEMA.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === "unrecognized_keys")
      throw new Error(
        `${fieldName(issue.path)}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`,
      );
    const got = valueAt(raw, issue.path);
    const gotText = got === undefined ? "missing" : `got ${describeValue(got)}`;
    throw new Error(`${fieldName(issue.path)}: ${issue.message.replace(/^Invalid input: /, "")}, ${gotText}`);
  }
  const b = r.data as Baseline;
  const keys = new Set(suiteKeys(b.suite));
  for (const k of Object.keys(b.points)) {
    if (!keys.has(k))
      throw new Error(
        `points[${JSON.stringify(k)}]: not a point of the baseline's suite (design workload depth=N mode)`,
      );
  }
  return b;
}

/** Every point key a suite measures. */
export function suiteKeys(suite: GateSuite): string[] {
  const out: string[] = [];
  for (const w of suite.workloads)
    for (const m of suite.modes)
      for (const d of suite.depths) for (const id of suite.designs) out.push(pointKey(id, w, d, m));
  return out;
}

/** Why a baseline made for `have` cannot gate a run of `want`, or null when they are the same suite. */
export function suiteMismatch(have: GateSuite, want: GateSuite): string | null {
  const diffs: string[] = [];
  const list = (name: keyof GateSuite, a: readonly unknown[], b: readonly unknown[]) => {
    const missing = b.filter((x) => !a.includes(x));
    const extra = a.filter((x) => !b.includes(x));
    if (missing.length) diffs.push(`${name} lacks ${missing.join(", ")}`);
    if (extra.length) diffs.push(`${name} has ${extra.join(", ")} that this run does not measure`);
  };
  list("workloads", have.workloads, want.workloads);
  list("designs", have.designs, want.designs);
  list("depths", have.depths, want.depths);
  list("modes", have.modes, want.modes);
  if (have.count !== want.count) diffs.push(`count is ${have.count}, this run's is ${want.count}`);
  return diffs.length ? diffs.join("; ") : null;
}

export interface GateRow {
  key: string;
  baseline: number | null;
  current: number | null;
  /** (current / baseline − 1) × 100 */
  changePct: number | null;
  verdict: "same" | "better" | "worse" | "regression" | "new" | "missing";
}

export interface GateResult {
  ok: boolean;
  tolerancePct: number;
  rows: GateRow[];
}

export function pointKey(design: string, workload: string, depth: number, mode: FilterMode): string {
  return `${design} ${workload} depth=${depth} ${mode}`;
}

/** Runs the suite: one exact number per design, workload, depth and filter mode. */
export function measureSuite(suite: GateSuite, profile: CostProfile): Baseline {
  const points: Record<string, number> = {};
  for (const workload of suite.workloads) {
    const r = compareDesigns({
      designs: suite.designs,
      depths: suite.depths,
      workload,
      count: suite.count,
      modes: suite.modes,
      profile,
    });
    for (const p of r.points) points[pointKey(p.design, workload, p.depth, p.mode)] = p.cyclesPerCall;
  }
  return { schema: 1, profile: profile.name, suite: { ...suite }, points };
}

/** Reads and validates a baseline file; every error names the file and, for bad content, the field. */
export function readBaseline(path: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readInputText(path, { what: "baseline", maxBytes: MAX_BASELINE_BYTES }));
  } catch (e) {
    throw new Error(`cannot read baseline ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (
    raw === null ||
    typeof raw !== "object" ||
    Array.isArray(raw) ||
    !("schema" in raw) ||
    !("points" in raw)
  )
    throw new Error(
      `baseline ${path}: not a syscall-lab baseline (expected an object with schema 1, suite and points)`,
    );
  try {
    return validateBaseline(raw);
  } catch (e) {
    throw new Error(`baseline ${path}: ${(e as Error).message}`);
  }
}

/** Writes atomically: a temporary file renamed over the old one. */
export function writeBaseline(path: string, b: Baseline): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(b, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Compares exact cycles with the baseline; a point more than `tolerancePct` % slower is a regression. */
export function checkAgainst(base: Baseline, current: Baseline, tolerancePct: number): GateResult {
  const keys = [...new Set([...Object.keys(base.points), ...Object.keys(current.points)])].sort();
  const rows: GateRow[] = keys.map((key) => {
    const b = base.points[key] ?? null;
    const c = current.points[key] ?? null;
    if (b === null) return { key, baseline: null, current: c, changePct: null, verdict: "new" };
    if (c === null) return { key, baseline: b, current: null, changePct: null, verdict: "missing" };
    const changePct = b === 0 ? (c === 0 ? 0 : Number.POSITIVE_INFINITY) : (c / b - 1) * 100;
    const verdict = c === b ? "same" : c < b ? "better" : changePct > tolerancePct ? "regression" : "worse";
    return { key, baseline: b, current: c, changePct, verdict };
  });
  const ok = rows.every((r) => r.verdict !== "regression" && r.verdict !== "missing");
  return { ok, tolerancePct, rows };
}
