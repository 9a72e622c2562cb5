// The cycle breakdown a sweep records for its report (DIR/breakdown.json): measured by the sweep, which may run
// design code, so that `report` only reads it. Its settings come from the experiment, not from whichever result
// line is first: linux-3.1, the first profile and the first seccompCache setting, the deepest depth, every mode.

import { existsSync } from "node:fs";
import type { FilterMode } from "./compare.ts";
import { type CycleBreakdown, cycleBreakdown, SEGMENTS } from "./cycle-breakdown.ts";
import { describe, type Experiment, isRecord, MAX_DEPTH, MODES } from "./experiment.ts";
import { readInputText } from "./input-file.ts";
import { isPolicyDesign } from "./policy-file.ts";
import { resolveProfile } from "./provenance.ts";
import { pointDesignId } from "./sweep-point.ts";

export const BREAKDOWN_JSON = "breakdown.json";

export interface BreakdownSpec {
  /** experiment design entries (ids or design file paths), none first */
  designs: string[];
  modes: FilterMode[];
  depth: number;
  profile: string;
  seccompCache: boolean;
}

export interface BreakdownRow extends CycleBreakdown {
  /** the design's id (for a design file, the id its factory returns; `design` is then the path) */
  designId: string;
}

export interface BreakdownFile {
  spec: BreakdownSpec;
  /** the provenance key of every design and the profile it was measured with (see provenance.ts) */
  key: string;
  rows: BreakdownRow[];
}

/** The breakdown's settings for an experiment; null when it has no linux-3.1 point (the labels are 3.1's). */
export function breakdownSpec(exp: Experiment): BreakdownSpec | null {
  const a = exp.axes;
  if (!a.flavours.includes("linux-3.1")) return null;
  const loops = a.workloads.some((w) => !w.startsWith("trace:"));
  return {
    designs: a.designs,
    modes: [...a.modes].sort(),
    depth: loops ? Math.max(...a.depths) : 1,
    profile: a.profiles[0]!,
    seccompCache: a.seccompCache[0]!,
  };
}

/** Traces one getppid call per design and mode (design files are loaded by pointDesignId, in a sweep only). */
export async function measureBreakdown(spec: BreakdownSpec): Promise<BreakdownRow[]> {
  const ids: string[] = [];
  for (const d of spec.designs) ids.push(await pointDesignId(d));
  const rows = cycleBreakdown(ids, spec.modes, spec.depth, resolveProfile(spec.profile), spec.seccompCache);
  return rows.map((r) => ({ ...r, design: spec.designs[ids.indexOf(r.design)]!, designId: r.design }));
}

export class BreakdownError extends Error {}

/** Reads and checks DIR/breakdown.json; null if there is none. */
export function readBreakdown(path: string): BreakdownFile | null {
  if (!existsSync(path)) return null;
  const text = readInputText(path, { what: "breakdown file", maxBytes: 4 * 1024 * 1024 });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BreakdownError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, msg: string): never => {
    throw new BreakdownError(`${path}: ${field}: ${msg}`);
  };
  if (!isRecord(raw)) return fail("(top level)", `must be an object, got ${describe(raw)}`);
  if (typeof raw.key !== "string" || raw.key.length > 100_000)
    fail("key", `must be a string, got ${describe(raw.key)}`);
  const s = raw.spec;
  if (!isRecord(s)) return fail("spec", `must be an object, got ${describe(s)}`);
  if (!Array.isArray(s.designs) || s.designs.length > 1000 || !s.designs.every((d) => typeof d === "string"))
    fail("spec.designs", "must be an array of design entries");
  if (!Array.isArray(s.modes) || !s.modes.every((m) => (MODES as readonly unknown[]).includes(m)))
    fail("spec.modes", `must be an array of "filtered"/"unfiltered"`);
  if (typeof s.depth !== "number" || !Number.isInteger(s.depth) || s.depth < 0 || s.depth > MAX_DEPTH)
    fail("spec.depth", `must be an integer 0..${MAX_DEPTH}, got ${describe(s.depth)}`);
  if (typeof s.profile !== "string") fail("spec.profile", `must be a string, got ${describe(s.profile)}`);
  if (typeof s.seccompCache !== "boolean")
    fail("spec.seccompCache", `must be true or false, got ${describe(s.seccompCache)}`);
  if (!Array.isArray(raw.rows) || raw.rows.length > 10_000) return fail("rows", "must be an array");
  for (const [i, r] of (raw.rows as unknown[]).entries()) {
    const at = `rows[${i}]`;
    if (!isRecord(r)) return fail(at, `must be an object, got ${describe(r)}`);
    if (typeof r.design !== "string") fail(`${at}.design`, `must be a string, got ${describe(r.design)}`);
    if (
      typeof r.designId !== "string" ||
      !(
        /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(r.designId) ||
        (isPolicyDesign(r.designId) && r.designId.length <= 4096)
      )
    )
      fail(`${at}.designId`, `must be a design id, got ${describe(r.designId)}`);
    if (!(MODES as readonly unknown[]).includes(r.mode))
      fail(`${at}.mode`, `must be "filtered" or "unfiltered", got ${describe(r.mode)}`);
    for (const k of ["depth", "total", "instructions"] as const)
      if (typeof r[k] !== "number" || !Number.isFinite(r[k]) || (r[k] as number) < 0)
        fail(`${at}.${k}`, `must be a non-negative number, got ${describe(r[k])}`);
    const seg = r.segments;
    if (!isRecord(seg)) return fail(`${at}.segments`, `must be an object, got ${describe(seg)}`);
    for (const k of SEGMENTS)
      if (typeof seg[k] !== "number" || !Number.isFinite(seg[k]) || (seg[k] as number) < 0)
        fail(`${at}.segments.${k}`, `must be a non-negative number, got ${describe(seg[k])}`);
  }
  return raw as unknown as BreakdownFile;
}
