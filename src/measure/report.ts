// `report`: one or more sweeps' results (merged; shards of one experiment come back together) as tables
// (terminal and Markdown) and figures (figure-render.ts). It reads data only: results lines and breakdown.json are
// validated, design files are never imported; a design is shown by the id and content hash the sweep recorded.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type { FilterMode } from "./compare.ts";
import { type CycleBreakdown, SEGMENTS } from "./cycle-breakdown.ts";
import { isRecord, type PointConfig } from "./experiment.ts";
import { FONT } from "./figure-render.ts";
import { designScales } from "./figure-style.ts";
import { INPUT_LIMITS, readInputText } from "./input-file.ts";
import { KEYED_FIELDS } from "./provenance.ts";
import { BREAKDOWN_JSON, type BreakdownFile, type BreakdownRow, readBreakdown } from "./sweep-breakdown.ts";
import { FLAME_JSON, type FlameFile, type FlameRow, readFlame } from "./sweep-flame.ts";
import { denyProbeFindings, type EnforcesNothing, enforcesNothingWarnings } from "./sweep-probe.ts";
import { readResultsFile, type SweepResult } from "./sweep-result.ts";

export { FONT, renderFigure } from "./figure-render.ts";

export const RESULTS_JSONL = "results.jsonl";
export const SUMMARY_JSON = "summary.json";

export interface SweepData {
  /** the directories read, in order */
  dirs: string[];
  experiment: string;
  description: string;
  results: SweepResult[];
  breakdown: BreakdownFile | null;
  /** flame.json: the collapsed stacks of one call per design and set-up, when the sweep recorded them */
  flame: FlameFile | null;
  /** what a reader should know: torn lines skipped, several commits */
  warnings: string[];
}

/** One table: a design × depth (or × denied count) grid for one panel, everything else fixed. */
export interface ReportTable {
  /** "sowa-micro, filtered (1 denied)"; the panel names the other axes that vary */
  title: string;
  panel: string;
  mode: FilterMode;
  /** what the columns are: cgroup depths, or (one depth, several filter lengths) denied counts */
  axis: "depth" | "denied";
  columns: number[];
  rows: { design: string; cells: ({ cyclesPerCall: number; sysOverheadPct: number } | null)[] }[];
}

export interface ReportData {
  experiment: string;
  description: string;
  points: number;
  tables: ReportTable[];
  breakdown: BreakdownRow[];
  figures: string[];
  /** the flame graphs written, by design id: flame-<id>.svg and .folded (and .png) */
  flames: string[];
  /** designs the deny probe caught denying nothing (their warnings are in `warnings` too) */
  enforcesNothing: EnforcesNothing[];
  warnings: string[];
  /** the app: points' overheads per application (absent when the sweep has none) */
  applications?: ApplicationTable;
}

/** The app: points as one table: per application its `none` run, per design its overhead on total and system cycles. */
export interface ApplicationTable {
  /** per application (in point order): what `none` measured */
  apps: { application: string; calls: number; userCycles: number; sysCycles: number }[];
  /** per design series (a seccomp design without the 5.11 cache is its own row) */
  rows: { design: string; cells: ({ totalOverheadPct: number; sysOverheadPct: number } | null)[] }[];
  /** the profile and flavour the points ran on, when they all share one */
  profile: string;
  flavour: string;
}

export class ReportInputError extends Error {}

/**
 * Reads one sweep directory: DIR/results.jsonl (validated line by line; an incomplete last line is skipped with a
 * warning, the file is never rewritten), the experiment's name and description from summary.json, and
 * breakdown.json when the sweep recorded one.
 */
export function loadSweep(dir: string): SweepData {
  const path = join(dir, RESULTS_JSONL);
  if (!existsSync(path))
    throw new ReportInputError(`${dir}: no ${RESULTS_JSONL} (run syscall-lab sweep first)`);
  const file = readResultsFile(path);
  const warnings: string[] = [];
  if (file.tornLine !== null)
    warnings.push(
      `${path}:${file.tornLine}: incomplete last line skipped (an interrupted write; the next sweep runs that point again)`,
    );
  if (file.results.length === 0) throw new ReportInputError(`${path}: no results yet`);
  let experiment = file.results[0]!.experiment;
  let description = "";
  const summary = join(dir, SUMMARY_JSON);
  if (existsSync(summary)) {
    try {
      const s = JSON.parse(
        readInputText(summary, { what: "summary file", maxBytes: INPUT_LIMITS.text }),
      ) as unknown;
      const spec = isRecord(s) && isRecord(s.experimentSpec) ? s.experimentSpec : null;
      if (spec !== null && typeof spec.name === "string") experiment = spec.name.slice(0, 200);
      if (spec !== null && typeof spec.description === "string")
        description = spec.description.slice(0, 2000);
    } catch {
      warnings.push(`${summary}: unreadable, ignored (the experiment's description is taken from it)`);
    }
  }
  return {
    dirs: [dir],
    experiment,
    description,
    results: inPointOrder(file.results),
    breakdown: readBreakdown(join(dir, BREAKDOWN_JSON)),
    flame: readFlame(join(dir, FLAME_JSON)),
    warnings,
  };
}

/**
 * Merges sweeps (shards of one experiment, or sweeps of several): refused when two points differ in a keyed
 * provenance field (tool version; the same profile or design file with other contents), or when one id has two
 * different lines. Commits may differ (a warning).
 */
export function mergeSweeps(sweeps: readonly SweepData[]): SweepData {
  if (sweeps.length === 1) return sweeps[0]!;
  const where = new Map<SweepResult, string>();
  for (const s of sweeps) for (const r of s.results) where.set(r, s.dirs[0]!);
  const all = sweeps.flatMap((s) => s.results);
  const first = all[0]!;
  const check = (field: string, of: (r: SweepResult) => string | null, group: (r: SweepResult) => string) => {
    const seen = new Map<string, SweepResult>();
    for (const r of all) {
      const g = group(r);
      const prev = seen.get(g);
      if (prev === undefined) seen.set(g, r);
      else if (of(prev) !== of(r))
        throw new ReportInputError(
          `cannot merge: ${field} differs${g === "" ? "" : ` for ${g}`}: ${of(prev)} (${where.get(prev)}) vs ${of(r)} (${where.get(r)})`,
        );
    }
  };
  check(
    "provenance.version",
    (r) => r.provenance.version,
    () => "",
  );
  check(
    "provenance.profileSha256",
    (r) => r.provenance.profileSha256,
    (r) => `profile ${r.config.profile}`,
  );
  check(
    "provenance.designSha256",
    (r) => r.provenance.designSha256,
    (r) => `design ${r.config.design}`,
  );
  const byId = new Map<string, SweepResult>();
  const results: SweepResult[] = [];
  for (const r of all) {
    const prev = byId.get(r.id);
    if (prev === undefined) {
      byId.set(r.id, r);
      results.push(r);
    } else if (JSON.stringify({ ...prev, provenance: null }) !== JSON.stringify({ ...r, provenance: null }))
      throw new ReportInputError(
        `cannot merge: point ${r.id} has different numbers in ${where.get(prev)} and ${where.get(r)}`,
      );
  }
  const warnings = sweeps.flatMap((s) => s.warnings);
  const commits = [...new Set(all.map((r) => r.provenance.commit ?? "(none)"))];
  if (commits.length > 1)
    warnings.push(
      `the points come from ${commits.length} commits of version ${first.provenance.version}: ${commits.map((c) => c.slice(0, 12)).join(", ")}`,
    );
  const breakdowns = sweeps.map((s) => s.breakdown).filter((b): b is BreakdownFile => b !== null);
  for (const b of breakdowns.slice(1))
    if (b.key !== breakdowns[0]!.key || JSON.stringify(b.rows) !== JSON.stringify(breakdowns[0]!.rows))
      throw new ReportInputError(
        "cannot merge: breakdown.json differs between the directories (other code or data)",
      );
  const flames = sweeps.map((s) => s.flame).filter((f): f is FlameFile => f !== null);
  for (const f of flames.slice(1))
    if (JSON.stringify(f) !== JSON.stringify(flames[0]))
      throw new ReportInputError(
        "cannot merge: flame.json differs between the directories (other code or data)",
      );
  const names = [...new Set(sweeps.map((s) => s.experiment))];
  return {
    dirs: sweeps.flatMap((s) => s.dirs),
    experiment: names.join(" + "),
    description: names.length === 1 ? sweeps[0]!.description : "",
    results: inPointOrder(results),
    breakdown: breakdowns[0] ?? null,
    flame: flames[0] ?? null,
    warnings,
  };
}

/**
 * The deny probe's warnings for the merged points: each design that denied nothing, with its points, and how many
 * lines were written before sweeps recorded the probe.
 */
export function probeWarnings(results: readonly SweepResult[]): {
  enforcesNothing: EnforcesNothing[];
  warnings: string[];
} {
  const f = denyProbeFindings(results);
  const warnings = enforcesNothingWarnings(f.enforcesNothing);
  if (f.unprobed > 0)
    warnings.push(
      `${f.unprobed} point${f.unprobed === 1 ? " was" : "s were"} measured before sweeps recorded the deny probe: whether their designs deny anything is unknown (sweep into the directory again to probe them)`,
    );
  return { enforcesNothing: f.enforcesNothing, warnings };
}

/** The flame rows when they were measured with the same tool version as the results; else a warning. */
export function flameOf(s: SweepData): FlameRow[] {
  if (s.flame === null || s.results.length === 0) return [];
  const version = s.results[0]!.provenance.version;
  if (!s.flame.key.startsWith(`${version}|`)) {
    s.warnings.push(
      `flame.json was measured by another version than the results (${KEYED_FIELDS[0]}): left out`,
    );
    return [];
  }
  // a profile or design file recorded with other contents than the results' (a key segment "name=sha256")
  const recorded = new Map(
    s.flame.key
      .split("|")
      .slice(1)
      .map((seg) => [seg.slice(0, seg.lastIndexOf("=")), seg.slice(seg.lastIndexOf("=") + 1)] as const),
  );
  for (const r of s.results) {
    const want: [string, string][] = [
      [r.config.profile, r.provenance.profileSha256],
      [r.config.design, r.provenance.designSha256 ?? "-"],
    ];
    for (const [name, hash] of want)
      if (recorded.has(name) && recorded.get(name) !== hash) {
        s.warnings.push(`flame.json was measured with other contents of ${name} than the results: left out`);
        return [];
      }
  }
  return s.flame.rows;
}

/** The breakdown's rows when it was measured with the same version and contents as the results; else a warning. */
export function breakdownOf(s: SweepData): BreakdownRow[] {
  if (s.breakdown === null || s.results.length === 0) return [];
  const version = s.results[0]!.provenance.version;
  if (!s.breakdown.key.startsWith(`${version}|`)) {
    s.warnings.push(
      `breakdown.json was measured by another version than the results (${KEYED_FIELDS[0]}): left out`,
    );
    return [];
  }
  return s.breakdown.rows;
}

const shortPath = (s: string) => s.replace(/^.*\//, "");

/** The workload label: a trace's file name rather than its absolute path. */
export function workloadLabel(w: string): string {
  return w.startsWith("trace:") ? `trace:${shortPath(w)}` : w;
}

/** A design's label: the id the sweep recorded (a design file's own id, not its file name). */
export function designLabels(results: readonly SweepResult[]): (design: string) => string {
  const ids = new Map(results.map((r) => [r.config.design, r.designId]));
  return (d) => ids.get(d) ?? (/\.(ts|js|mjs)$/.test(d) ? shortPath(d) : d);
}

/** The axes other than design, depth and mode that vary in `results`, as a panel label for a configuration. */
function panelOf(results: readonly SweepResult[]): (c: PointConfig) => string {
  const varies = (f: (c: PointConfig) => unknown) =>
    new Set(results.map((r) => String(f(r.config)))).size > 1;
  const parts: ((c: PointConfig) => string)[] = [(c) => workloadLabel(c.workload)];
  if (varies((c) => c.profile)) parts.push((c) => shortPath(c.profile));
  if (varies((c) => c.flavour)) parts.push((c) => c.flavour);
  if (varies((c) => c.count)) parts.push((c) => `count ${c.count}`);
  if (varies((c) => c.gap)) parts.push((c) => `gap ${c.gap}`);
  if (varies((c) => c.errno)) parts.push((c) => c.errno);
  if (varies((c) => c.seccompCache))
    parts.push((c) => (c.seccompCache ? "seccomp cache on" : "seccomp cache off"));
  return (c) => parts.map((f) => f(c)).join(" · ");
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/**
 * The results in a fixed order whatever order the lines were written in (workers finish out of order; shards
 * merge), nested as an experiment's axes are: none first, then designs, workloads and profiles by first
 * appearance, flavour, mode (filtered first), depth, count, gap, denied, the seccomp cache (on first), errno.
 */
export function inPointOrder(results: readonly SweepResult[]): SweepResult[] {
  const firstSeen = (f: (c: PointConfig) => string) => {
    const order = uniq(results.map((r) => f(r.config)));
    return (c: PointConfig) => order.indexOf(f(c));
  };
  const design = firstSeen((c) => c.design);
  const workload = firstSeen((c) => c.workload);
  const profile = firstSeen((c) => c.profile);
  const flavours = ["linux-3.1", "linux-generic", "linux-generic+pti"];
  const key = (c: PointConfig): number[] => [
    c.design === "none" ? -1 : design(c),
    workload(c),
    profile(c),
    flavours.indexOf(c.flavour),
    c.mode === "filtered" ? 0 : 1,
    c.depth,
    c.count,
    c.gap,
    c.denied,
    c.seccompCache ? 0 : 1,
    c.errno === "ENOSYS" ? 0 : 1,
  ];
  return [...results].sort((a, b) => {
    const ka = key(a.config);
    const kb = key(b.config);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}

/**
 * Per panel and mode a design × depth table (one per denied count), or a design × denied-count table when the
 * sweep has one depth and several filter lengths. Designs: none first, then in the order they appear.
 */
export function buildTables(results: readonly SweepResult[]): ReportTable[] {
  const panel = panelOf(results);
  const label = designLabels(results);
  const designs = uniq(["none", ...results.map((r) => r.config.design)]);
  const oneDepth = uniq(results.map((r) => r.config.depth)).length === 1;
  const axis: ReportTable["axis"] =
    oneDepth && uniq(results.map((r) => r.config.denied)).length > 2 ? "denied" : "depth";
  const column = (c: PointConfig) => (axis === "depth" ? c.depth : c.denied);
  const groups = new Map<string, { p: string; mode: FilterMode; denied: number; rs: SweepResult[] }>();
  for (const r of results) {
    const c = r.config;
    const denied = axis === "depth" ? c.denied : 0;
    const k = `${panel(c)}\u0000${c.mode}\u0000${denied}`;
    const g = groups.get(k) ?? { p: panel(c), mode: c.mode, denied, rs: [] };
    g.rs.push(r);
    groups.set(k, g);
  }
  const panels = uniq(results.map((r) => panel(r.config)));
  const sorted = [...groups.values()].sort(
    (a, b) =>
      panels.indexOf(a.p) - panels.indexOf(b.p) ||
      (a.mode === b.mode ? 0 : a.mode === "filtered" ? -1 : 1) ||
      a.denied - b.denied,
  );
  return sorted.map(({ p, mode, denied, rs }) => {
    const columns = uniq(rs.map((r) => column(r.config))).sort((a, b) => a - b);
    const filtered = axis === "depth" ? `filtered (${denied} denied)` : "filtered";
    return {
      title: `${p}, ${mode === "filtered" ? filtered : "unfiltered"}`,
      panel: p,
      mode,
      axis,
      columns,
      rows: designs
        .filter((d) => rs.some((r) => r.config.design === d))
        .map((design) => ({
          design: label(design),
          cells: columns.map((col) => {
            const r = rs.find((x) => x.config.design === design && column(x.config) === col);
            return r === undefined
              ? null
              : { cyclesPerCall: r.cyclesPerCall, sysOverheadPct: r.sysOverheadPct };
          }),
        })),
    };
  });
}

/** A table's column headers: "depth 2" or "4 denied". */
export function columnHeads(t: ReportTable): string[] {
  return t.columns.map((x) => (t.axis === "depth" ? `depth ${x}` : `${x} denied`));
}

const fmt1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);
export const fmtPct = (n: number) => (Math.abs(n) < 0.05 ? "0.0" : `${n > 0 ? "+" : ""}${fmt1(n)}`);
const fmtCell = (c: { cyclesPerCall: number; sysOverheadPct: number } | null) =>
  c === null ? "—" : `${fmt1(c.cyclesPerCall)} (${fmtPct(c.sysOverheadPct)} %)`;

/** The report as Markdown: one table per panel, then the cycle breakdown and the figures. */
export function reportMarkdown(d: ReportData): string {
  const out = [`# ${d.experiment}`, ""];
  if (d.description) out.push(d.description, "");
  out.push(
    `${d.points} points. Cells: cycles per syscall round trip (sys-time overhead against \`none\` at the same depth, mode and workload, %).`,
    "",
  );
  for (const t of d.tables) {
    out.push(`## ${t.title}`, "");
    out.push(`| design | ${columnHeads(t).join(" | ")} |`);
    out.push(`|---|${t.columns.map(() => "---:").join("|")}|`);
    for (const r of t.rows) out.push(`| \`${r.design}\` | ${r.cells.map(fmtCell).join(" | ")} |`);
    out.push("");
  }
  if (d.breakdown.length > 0) {
    const b0 = d.breakdown[0]!;
    out.push(`## Cycles of one getppid call by entry-path segment (depth ${b0.depth})`, "");
    out.push(`| design | mode | ${SEGMENTS.join(" | ")} | total |`);
    out.push(`|---|---|${SEGMENTS.map(() => "---:").join("|")}|---:|`);
    for (const b of d.breakdown)
      out.push(
        `| \`${b.designId}\` | ${b.mode} | ${SEGMENTS.map((s) => b.segments[s]).join(" | ")} | ${b.total} |`,
      );
    out.push("");
  }
  if (d.applications !== undefined)
    out.push("## Overhead per application (total / system cycles)", "", applicationMarkdown(d.applications));
  for (const f of d.figures) out.push(`![${f}](${f}.png)`, "");
  if (d.flames.length > 0) {
    out.push(
      "## Where the cycles go",
      "",
      "One getppid call per design, by entry-path segment and kernel function (a panel per set-up); the `.folded` files are collapsed stacks for flamegraph.pl and speedscope.",
      "",
    );
    for (const id of d.flames)
      out.push(`- \`${id}\`: [flame-${id}.svg](flame-${id}.svg), [flame-${id}.folded](flame-${id}.folded)`);
    out.push("");
  }
  for (const w of d.warnings) out.push(`> ${w}`, "");
  return out.join("\n");
}

/** Tick values for a symmetric log axis: vega's default symlog ticks leave 1..500 unlabelled. */
const SYMLOG_TICKS = [
  -1000, -100, -10, -1, 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
];

export type YScale = "auto" | "linear" | "symlog";

/** How a figure is drawn: panel size, wrapping, y scale, and its title lines. */
export interface FigureOptions {
  /** one panel's plotting area, px (SVG units; the PNG is twice this) */
  width: number;
  height: number;
  /** panels per row: wrap every panel into one grid of this many columns (default: modes as columns) */
  columns?: number;
  yScale: YScale;
  /** the title lines (figureTitle) */
  title: string[];
}

export const DEFAULT_FIGURE: Omit<FigureOptions, "title"> = { width: 300, height: 220, yScale: "auto" };

/** A span wider than this (largest / smallest non-zero magnitude) gets a symmetric log y axis under "auto". */
export const LOG_SPAN = 20;

/** Whether values spanning more than LOG_SPAN× call for a symmetric log axis. */
export function wantsLog(values: readonly number[], scale: YScale): boolean {
  if (scale !== "auto") return scale === "symlog";
  const mags = values.map(Math.abs).filter((v) => v > 0 && Number.isFinite(v));
  if (mags.length === 0) return false;
  return Math.max(...mags) / Math.min(...mags) > LOG_SPAN;
}

/**
 * A figure's title from the experiment's description: its first sentence, wrapped at 80 characters, at most
 * three lines; the experiment's name when it has no description.
 */
export function figureTitle(name: string, description: string): string[] {
  const sentence = /^(.*?[.?!])(\s|$)/s.exec(description.trim())?.[1] ?? description.trim();
  if (sentence === "") return [name];
  const lines: string[] = [];
  let line = "";
  for (const word of sentence.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > 80) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  if (lines.length > 3) return [...lines.slice(0, 2), `${lines[2]}…`];
  return lines;
}

const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 260, symbolStrokeWidth: 2 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start" as const },
  view: { stroke: "#ccc" },
};

/**
 * The y channel's scale and axis. A symmetric log axis is shared by every panel (one domain, ticks inside it:
 * ticks outside a panel's own domain would be drawn outside its plot); a linear one is each panel's own.
 */
function yAxis(title: string, values: readonly number[], log: boolean): Record<string, unknown> {
  if (!log) return { title };
  // the domain widened to the nearest ticks, so the largest value sits under a labelled line
  const lo0 = Math.min(0, ...values);
  const hi0 = Math.max(0, ...values);
  const lo = [...SYMLOG_TICKS].reverse().find((t) => t <= lo0) ?? lo0;
  const hi = SYMLOG_TICKS.find((t) => t >= hi0) ?? hi0;
  const ticks = SYMLOG_TICKS.filter((t) => t >= lo && t <= hi);
  return {
    title,
    scale: { type: "symlog", domain: [lo, hi], nice: false },
    axis: { values: ticks, format: ",~r" },
  };
}

/** The facet of a figure: modes as columns and the other axes as rows, or every panel wrapped into N columns. */
function facetOf(
  rows: { mode?: FilterMode; panel: string }[],
  o: FigureOptions,
  withMode: boolean,
): Record<string, unknown> {
  const panels = uniq(rows.map((r) => r.panel));
  if (o.columns !== undefined || !withMode)
    return {
      facet: {
        field: "cell",
        type: "nominal",
        title: null,
        sort: uniq(rows.map((r) => (r as { cell?: string }).cell ?? r.panel)),
      },
      columns: o.columns ?? Math.min(3, panels.length),
    };
  return {
    facet: {
      column: { field: "mode", type: "nominal", title: null, sort: ["filtered", "unfiltered"] },
      row: { field: "panel", type: "nominal", title: null, sort: panels },
    },
  };
}

function designEncoding(ids: readonly string[]): Record<string, unknown> {
  const sc = designScales(ids);
  return {
    color: { field: "design", type: "nominal", title: "design", scale: sc.color },
    strokeDash: { field: "design", type: "nominal", title: "design", scale: sc.strokeDash },
    shape: { field: "design", type: "nominal", title: "design", scale: sc.shape },
  };
}

/** Sys-time overhead % against depth: a line per design (its fixed style), a panel per mode and workload. */
export function overheadVsDepthSpec(results: readonly SweepResult[], o: FigureOptions): TopLevelSpec {
  const panel = panelOf(results);
  const label = designLabels(results);
  const filtered = results.filter((r) => r.config.mode === "filtered");
  const minDenied = filtered.length === 0 ? 0 : Math.min(...filtered.map((r) => r.config.denied));
  const rows = results
    .filter((r) => r.config.design !== "none")
    .filter((r) => r.config.mode === "unfiltered" || r.config.denied === minDenied)
    .map((r) => ({
      design: label(r.config.design),
      depth: r.config.depth,
      mode: r.config.mode,
      panel: panel(r.config),
      cell: `${r.config.mode} · ${panel(r.config)}`,
      overhead: r.sysOverheadPct,
    }));
  const values = rows.map((r) => r.overhead);
  const log = wantsLog(values, o.yScale);
  const ids = uniq(rows.map((r) => r.design));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: o.title,
      subtitle: `sys-time overhead against none at the same depth, mode and workload${log ? "; symmetric log y axis" : ""}`,
    },
    data: { values: rows },
    ...facetOf(rows, o, true),
    spec: {
      width: o.width,
      height: o.height,
      mark: { type: "line", point: { size: 60, filled: true }, strokeWidth: 2 },
      encoding: {
        x: {
          field: "depth",
          type: "quantitative",
          title: "cgroup depth (levels below the root)",
          axis: { values: uniq(rows.map((r) => r.depth)).sort((a, b) => a - b), format: "d" },
        },
        y: { field: "overhead", type: "quantitative", ...yAxis("sys-time overhead (%)", values, log) },
        ...designEncoding(ids),
      },
    },
    // log: one scale for every panel, an axis beside each; linear: each panel its own scale
    resolve: (log ? { axis: { y: "independent" } } : { scale: { y: "independent" } }) as Record<
      string,
      unknown
    >,
    config: CONFIG,
  } as unknown as TopLevelSpec;
}

/** Extra cycles per call against the number of denied syscalls (filter length) for filtered tasks. */
export function overheadVsDeniedSpec(results: readonly SweepResult[], o: FigureOptions): TopLevelSpec {
  const panel = panelOf(results);
  const label = designLabels(results);
  const minDepth = Math.min(...results.map((r) => r.config.depth));
  const rows = results
    .filter((r) => r.config.design !== "none" && r.config.mode === "filtered" && r.config.depth === minDepth)
    .map((r) => ({
      design: label(r.config.design),
      denied: r.config.denied,
      panel: panel(r.config),
      extra: r.extraCyclesPerCall,
    }));
  const values = rows.map((r) => r.extra);
  const log = wantsLog(values, o.yScale);
  const ids = uniq(rows.map((r) => r.design));
  const panels = uniq(rows.map((r) => r.panel));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: o.title,
      subtitle: `filtered tasks at depth ${minDepth}: extra cycles per call against none${log ? "; symmetric log y axis" : ""}`,
    },
    data: { values: rows },
    facet: { field: "panel", type: "nominal", title: null, sort: panels },
    // cache off and on side by side when the sweep has both
    columns:
      o.columns ??
      (new Set(results.map((r) => r.config.seccompCache)).size > 1 ? 2 : Math.min(3, panels.length)),
    spec: {
      width: o.width,
      height: o.height,
      mark: { type: "line", point: { size: 60, filled: true }, strokeWidth: 2 },
      encoding: {
        x: {
          field: "denied",
          type: "quantitative",
          title: "syscalls denied (filter length)",
          axis: { values: uniq(rows.map((r) => r.denied)).sort((a, b) => a - b) },
        },
        y: { field: "extra", type: "quantitative", ...yAxis("extra cycles per syscall", values, log) },
        ...designEncoding(ids),
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** A stacked bar per design of one call's cycles by segment; designs over 5× none's total are left out, named. */
export function cycleBreakdownSpec(breakdown: readonly BreakdownRow[], o: FigureOptions): TopLevelSpec {
  const noneTotal = Math.max(...breakdown.filter((b) => b.design === "none").map((b) => b.total), 1);
  const tooTall = breakdown.filter((b) => b.total > 5 * noneTotal);
  const shown = breakdown.filter((b) => b.total <= 5 * noneTotal);
  const rows = shown.flatMap((b) =>
    SEGMENTS.map((s, i) => ({
      design: b.designId,
      mode: b.mode,
      segment: s,
      order: i,
      cycles: b.segments[s],
    })),
  );
  const notDrawn = uniq(tooTall.map((b) => `${b.designId} (${b.mode}) ${b.total.toLocaleString("en-US")}`));
  const depth = breakdown[0]?.depth ?? 0;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: o.title,
      subtitle: [
        `cycles of one getppid round trip at depth ${depth}, by entry-path segment`,
        ...(notDrawn.length > 0 ? [`not drawn (cycles): ${notDrawn.join(", ")}`] : []),
      ],
    },
    data: { values: rows },
    facet: { column: { field: "mode", type: "nominal", title: null, sort: ["filtered", "unfiltered"] } },
    spec: {
      width: { step: Math.max(12, Math.round((o.width * 28) / 300)) },
      height: Math.round((o.height * 300) / 220),
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "design",
          type: "nominal",
          title: null,
          sort: uniq(shown.map((b) => b.designId)),
          axis: { labelAngle: -40, labelLimit: 200 },
        },
        y: { field: "cycles", type: "quantitative", title: "cycles per syscall", stack: "zero" },
        color: {
          field: "segment",
          type: "nominal",
          title: "segment",
          sort: [...SEGMENTS],
          scale: { domain: [...SEGMENTS], scheme: "set2" },
        },
        order: { field: "order", type: "quantitative" },
      },
    },
    resolve: { scale: { x: "independent" } },
    config: CONFIG,
  } as TopLevelSpec;
}

export type { CycleBreakdown };

/**
 * The application table of a sweep with app: points, or undefined. Rows follow the experiment's design order; a
 * design measured with and without the 5.11 cache has a row for each.
 */
export function applicationTable(results: readonly SweepResult[]): ApplicationTable | undefined {
  const rs = inPointOrder(results.filter((r) => r.config.application !== undefined));
  if (rs.length === 0) return undefined;
  const label = designLabels(rs);
  const appOf = (r: SweepResult) => workloadLabel(r.config.workload).replace(/^app:/, "");
  const names = uniq(rs.map(appOf));
  const apps = names.flatMap((application) => {
    const n = rs.find((r) => r.config.design === "none" && appOf(r) === application);
    return n === undefined
      ? []
      : [{ application, calls: n.calls, userCycles: n.userCycles, sysCycles: n.sysCycles }];
  });
  const series = uniq(rs.filter((r) => r.config.design !== "none").map((r) => applicationSeries(r, label)));
  const rows = series.map((design) => ({
    design,
    cells: apps.map(({ application }) => {
      const r = rs.find(
        (x) =>
          x.config.design !== "none" && appOf(x) === application && applicationSeries(x, label) === design,
      );
      return r === undefined
        ? null
        : { totalOverheadPct: r.totalOverheadPct, sysOverheadPct: r.sysOverheadPct };
    }),
  }));
  const one = (xs: string[]) => (xs.length === 1 ? xs[0]! : "several");
  return {
    apps,
    rows,
    profile: one(uniq(rs.map((r) => r.config.profile))),
    flavour: one(uniq(rs.map((r) => r.config.flavour))),
  };
}

/** An application-table cell's half: a signed percentage with two decimals. */
export const fmtPct2 = (n: number) => `${n > 0 ? "+" : ""}${n.toFixed(2)} %`;

/** The application table as Markdown: the `none` runs, then the overheads as "total / sys". */
export function applicationMarkdown(t: ApplicationTable): string {
  const int = (n: number) => Math.round(n).toLocaleString("en-US");
  const out = [
    "| application (none) | calls | user cycles | sys cycles |",
    "| --- | ---: | ---: | ---: |",
    ...t.apps.map(
      (a) => `| ${a.application} | ${int(a.calls)} | ${int(a.userCycles)} | ${int(a.sysCycles)} |`,
    ),
    "",
    `| design | ${t.apps.map((a) => `${a.application}: total / sys`).join(" | ")} |`,
    `| --- | ${t.apps.map(() => "---:").join(" | ")} |`,
    ...t.rows.map(
      (r) =>
        `| \`${r.design}\` | ${r.cells.map((c) => (c === null ? "—" : `${fmtPct2(c.totalOverheadPct)} / ${fmtPct2(c.sysOverheadPct)}`)).join(" | ")} |`,
    ),
    "",
    `(profile ${t.profile}, ${t.flavour}; overhead against \`none\` on the same program, from \`results.jsonl\`.)`,
  ];
  return `${out.join("\n")}\n`;
}

/** A point's label in the application figure: the design, and "no cache" for a seccomp point without the 5.11 cache. */
function applicationSeries(r: SweepResult, label: (d: string) => string): string {
  const d = label(r.config.design).replace(/^seccomp-policy:/, "seccomp ");
  return r.config.seccompCache || !r.config.design.startsWith("seccomp") ? d : `${d} (no cache)`;
}

/**
 * The app: points of an experiment (real-applications): overhead against none per application, as grouped bars
 * (an application per group, a bar per design), one panel for total cycles and one for system cycles.
 */
export function overheadByApplicationSpec(results: readonly SweepResult[], o: FigureOptions): TopLevelSpec {
  const label = designLabels(results);
  const apps = results.filter((r) => r.config.application !== undefined && r.config.design !== "none");
  const rows = apps.flatMap((r) => {
    const base = {
      application: workloadLabel(r.config.workload).replace(/^app:/, ""),
      design: applicationSeries(r, label),
    };
    return [
      { ...base, cycles: "total cycles (user + sys)", overhead: r.totalOverheadPct },
      { ...base, cycles: "system cycles", overhead: r.sysOverheadPct },
    ];
  });
  const values = rows.map((r) => r.overhead);
  const log = wantsLog(values, o.yScale);
  const designs = uniq(rows.map((r) => r.design));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: o.title,
      subtitle: `overhead against none on the same application${log ? "; symmetric log y axis" : ""}`,
    },
    data: { values: rows },
    facet: {
      row: {
        field: "cycles",
        type: "nominal",
        title: null,
        sort: ["total cycles (user + sys)", "system cycles"],
      },
    },
    spec: {
      width: Math.max(o.width, 8 * uniq(rows.map((r) => r.application)).length * designs.length),
      height: o.height,
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "application",
          type: "nominal",
          title: null,
          sort: uniq(rows.map((r) => r.application)),
          axis: { labelAngle: 0 },
        },
        xOffset: { field: "design", type: "nominal", sort: designs },
        y: { field: "overhead", type: "quantitative", ...yAxis("overhead against none (%)", values, log) },
        color: {
          field: "design",
          type: "nominal",
          title: "design",
          sort: designs,
          scale: { scheme: "tableau20" },
          legend: { labelLimit: 400 },
        },
      },
    },
    resolve: (log ? { axis: { y: "independent" } } : { scale: { y: "independent" } }) as Record<
      string,
      unknown
    >,
    config: CONFIG,
  } as unknown as TopLevelSpec;
}
