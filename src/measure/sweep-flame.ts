// The collapsed stacks a sweep records for `report`'s flame graphs (DIR/flame.json): one getppid call per design,
// traced instruction by instruction on each flavour, profile and mode of the experiment and weighted by cycles,
// the same frames as `trace --flame` (flame.ts). Measured by the sweep, which may run design code, so that
// `report` only reads them (validated here) and draws flame-<design>.svg and flame-<design>.folded.

import { existsSync } from "node:fs";
import { type FilterMode, flavourBlocks } from "./compare.ts";
import {
  describe,
  type Experiment,
  FLAVOURS,
  type Flavour,
  isRecord,
  MAX_DEPTH,
  MODES,
} from "./experiment.ts";
import { collapsedStacks, type FlameFrame, flameForDesigns, flameSvg } from "./flame.ts";
import { readInputText } from "./input-file.ts";
import { isPolicyDesign } from "./policy-file.ts";
import { resolveProfile } from "./provenance.ts";
import { pointDesignId } from "./sweep-point.ts";

export const FLAME_JSON = "flame.json";

/** One set-up of the flame graphs: a work item of the sweep (set-ups are traced in parallel). */
export interface FlameSetup {
  /** experiment design entries (ids or design file paths), none first */
  designs: string[];
  flavour: Flavour;
  profile: string;
  mode: FilterMode;
  /** the task's cgroup depth: the experiment's deepest (1 when every workload is a trace) */
  depth: number;
}

/** One design's call on one set-up: frames below the design (segment; kernel function) with their cycles. */
export interface FlameRow {
  /** the experiment's design entry */
  design: string;
  /** the design's id (a design file's factory names it) */
  designId: string;
  flavour: Flavour;
  profile: string;
  mode: FilterMode;
  depth: number;
  /** [segment, function] and the cycles charged to them; they add up to the call's round trip */
  frames: { stack: string[]; cycles: number }[];
}

export interface FlameFile {
  /** the provenance key of the tool, every profile and every design file (as breakdown.json's) */
  key: string;
  setups: FlameSetup[];
  rows: FlameRow[];
}

/** The set-ups of an experiment: every flavour × profile × mode, at its deepest depth. */
export function flameSetups(exp: Experiment): FlameSetup[] {
  const a = exp.axes;
  const loops = a.workloads.some((w) => !w.startsWith("trace:"));
  const depth = loops ? Math.max(...a.depths) : 1;
  const out: FlameSetup[] = [];
  for (const flavour of a.flavours)
    for (const profile of a.profiles)
      for (const mode of [...a.modes].sort())
        out.push({
          designs: ["none", ...a.designs.filter((d) => d !== "none")],
          flavour,
          profile,
          mode,
          depth,
        });
  return out;
}

/**
 * Traces one set-up: none and each design that the flavour can build (design files loaded by pointDesignId, in a
 * sweep's threads only), each against none on the same set-up.
 */
export async function measureFlame(s: FlameSetup): Promise<FlameRow[]> {
  const entries: { design: string; id: string }[] = [];
  const kernel = s.flavour === "linux-3.1" ? "linux-3.1" : "linux-generic";
  for (const d of s.designs) {
    const id = await pointDesignId(d);
    if (flavourBlocks(id, kernel) === null) entries.push({ design: d, id });
  }
  const frames = flameForDesigns(
    entries.map((e) => e.id),
    {
      profile: resolveProfile(s.profile),
      flavour: kernel,
      pti: s.flavour === "linux-generic+pti",
      depth: s.depth,
      filtered: s.mode === "filtered",
      workload: "null",
      count: 2,
    },
  );
  return entries.map((e) => ({
    design: e.design,
    designId: e.id,
    flavour: s.flavour,
    profile: s.profile,
    mode: s.mode,
    depth: s.depth,
    frames: frames
      .filter((f) => f.stack[0] === e.id)
      .map((f) => ({ stack: f.stack.slice(1), cycles: f.cycles })),
  }));
}

export class FlameFileError extends Error {}

const ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** a frame name: printable, bounded (a kernel label, a segment, or "syscall (user)") */
const FRAME = /^[^\p{Cc}]{1,200}$/u;
const MAX_ROWS = 10_000;
const MAX_FRAMES = 5_000;

/** Reads and checks DIR/flame.json; null if there is none. Every field is checked: the report draws from it. */
export function readFlame(path: string): FlameFile | null {
  if (!existsSync(path)) return null;
  const text = readInputText(path, { what: "flame file", maxBytes: 16 * 1024 * 1024 });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FlameFileError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, msg: string): never => {
    throw new FlameFileError(`${path}: ${field}: ${msg}`);
  };
  const str = (field: string, x: unknown, max = 4096): string => {
    if (typeof x !== "string" || x === "" || x.length > max)
      fail(field, `must be a string of 1..${max} characters, got ${describe(x)}`);
    return x as string;
  };
  const oneOf = <T>(field: string, x: unknown, list: readonly T[]): T => {
    if (!(list as readonly unknown[]).includes(x))
      fail(field, `must be one of ${list.join(", ")}, got ${describe(x)}`);
    return x as T;
  };
  const depth = (field: string, x: unknown): number => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > MAX_DEPTH)
      fail(field, `must be an integer 0..${MAX_DEPTH}, got ${describe(x)}`);
    return x as number;
  };
  if (!isRecord(raw)) return fail("(top level)", `must be an object, got ${describe(raw)}`);
  for (const k of Object.keys(raw))
    if (!["key", "setups", "rows"].includes(k)) fail(k, "is not a field of a flame file");
  str("key", raw.key, 100_000);
  if (!Array.isArray(raw.setups) || raw.setups.length > MAX_ROWS)
    return fail("setups", `must be an array of at most ${MAX_ROWS} set-ups`);
  for (const [i, s] of (raw.setups as unknown[]).entries()) {
    const at = `setups[${i}]`;
    if (!isRecord(s)) return fail(at, `must be an object, got ${describe(s)}`);
    if (!Array.isArray(s.designs) || s.designs.length > 1000)
      fail(`${at}.designs`, "must be an array of design entries");
    for (const [j, d] of (s.designs as unknown[]).entries()) str(`${at}.designs[${j}]`, d);
    oneOf(`${at}.flavour`, s.flavour, FLAVOURS);
    str(`${at}.profile`, s.profile);
    oneOf(`${at}.mode`, s.mode, MODES);
    depth(`${at}.depth`, s.depth);
  }
  if (!Array.isArray(raw.rows) || raw.rows.length > MAX_ROWS)
    return fail("rows", `must be an array of at most ${MAX_ROWS} rows`);
  for (const [i, r] of (raw.rows as unknown[]).entries()) {
    const at = `rows[${i}]`;
    if (!isRecord(r)) return fail(at, `must be an object, got ${describe(r)}`);
    str(`${at}.design`, r.design);
    if (
      typeof r.designId !== "string" ||
      !(ID.test(r.designId) || (isPolicyDesign(r.designId) && r.designId.length <= 4096))
    )
      fail(`${at}.designId`, `must be a design id, got ${describe(r.designId)}`);
    oneOf(`${at}.flavour`, r.flavour, FLAVOURS);
    str(`${at}.profile`, r.profile);
    oneOf(`${at}.mode`, r.mode, MODES);
    depth(`${at}.depth`, r.depth);
    if (!Array.isArray(r.frames) || r.frames.length === 0 || r.frames.length > MAX_FRAMES)
      return fail(`${at}.frames`, `must be an array of 1..${MAX_FRAMES} frames`);
    for (const [j, f] of (r.frames as unknown[]).entries()) {
      const fat = `${at}.frames[${j}]`;
      if (!isRecord(f)) return fail(fat, `must be an object, got ${describe(f)}`);
      if (!Array.isArray(f.stack) || f.stack.length < 1 || f.stack.length > 16)
        fail(`${fat}.stack`, "must be an array of 1..16 frame names");
      for (const [k, n] of (f.stack as unknown[]).entries())
        if (typeof n !== "string" || !FRAME.test(n))
          fail(`${fat}.stack[${k}]`, `must be a printable name of 1..200 characters, got ${describe(n)}`);
      if (typeof f.cycles !== "number" || !Number.isFinite(f.cycles) || f.cycles < 0)
        fail(`${fat}.cycles`, `must be a non-negative number, got ${describe(f.cycles)}`);
    }
  }
  return raw as unknown as FlameFile;
}

/** A set-up's name in a flame graph: "filtered, linux-3.1, sandybridge-2011" (the axes that vary; mode always). */
function setupLabel(r: FlameRow, vary: { flavour: boolean; profile: boolean }): string {
  return [r.mode, ...(vary.flavour ? [r.flavour] : []), ...(vary.profile ? [r.profile] : [])].join(", ");
}

/**
 * Each design's flame graph (an SVG with one panel per set-up) and collapsed stacks (one root per set-up:
 * `design[filtered,linux-3.1,sandybridge-2011];segment;function cycles`), keyed by design id.
 */
export function flameOutputsByDesign(
  rows: readonly FlameRow[],
  experiment: string,
): Map<string, { svg: string; folded: string }> {
  const vary = {
    flavour: new Set(rows.map((r) => r.flavour)).size > 1,
    profile: new Set(rows.map((r) => r.profile)).size > 1,
  };
  const byDesign = new Map<string, FlameRow[]>();
  for (const r of rows) byDesign.set(r.designId, [...(byDesign.get(r.designId) ?? []), r]);
  const out = new Map<string, { svg: string; folded: string }>();
  for (const [id, rs] of byDesign) {
    const panels: FlameFrame[] = [];
    const stacks: FlameFrame[] = [];
    for (const r of rs) {
      const label = setupLabel(r, vary);
      for (const f of r.frames) {
        panels.push({ stack: [label, ...f.stack], cycles: f.cycles });
        stacks.push({ stack: [`${id}[${r.mode},${r.flavour},${r.profile}]`, ...f.stack], cycles: f.cycles });
      }
    }
    const depth = rs[0]!.depth;
    const title = `${experiment}: ${id}, where one getppid call's cycles go (depth ${depth}; a panel per set-up)`;
    const svg = flameSvg(panels, title, 1200, {
      commonScale: true,
      footer:
        "one panel per set-up, on one scale (the costliest at full width); rows: entry-path segment, kernel function; simulated cycles (hover for figures)",
    });
    out.set(id, { svg, folded: collapsedStacks(stacks) });
  }
  return out;
}

/** A file name for a design id (ids are [A-Za-z0-9._+-]; a leading dot cannot occur). */
export function flameFileName(designId: string, ext: "svg" | "folded" | "png"): string {
  // a seccomp policy's id holds a ':' and may hold a path: its file's base name, without the extension
  const id = isPolicyDesign(designId)
    ? `seccomp-policy-${(designId.split("/").pop() ?? "")
        .replace(/^seccomp-policy:/, "")
        .replace(/\.[^.]*$/, "")
        .replace(/[^A-Za-z0-9._+-]/g, "_")}`
    : designId;
  return `flame-${id}.${ext}`;
}
