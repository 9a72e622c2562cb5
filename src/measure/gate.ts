import { renameSync, writeFileSync } from "node:fs";
import { designIds } from "../cgroup/designs/index.ts";
import { compareDesigns, type FilterMode } from "./compare.ts";
import { INPUT_LIMITS, readInputText } from "./input-file.ts";
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
  designs: designIds(),
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

export function readBaseline(path: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readInputText(path, { what: "baseline", maxBytes: INPUT_LIMITS.results }));
  } catch (e) {
    throw new Error(`cannot read baseline ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  const b = raw as Partial<Baseline>;
  if (
    b === null ||
    typeof b !== "object" ||
    b.schema !== 1 ||
    typeof b.points !== "object" ||
    b.suite === undefined
  ) {
    throw new Error(`baseline ${path}: not a syscall-lab baseline (schema 1 with suite and points)`);
  }
  for (const [k, v] of Object.entries(b.points ?? {})) {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new Error(`baseline ${path}: point "${k}" is not a number`);
  }
  return b as Baseline;
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
