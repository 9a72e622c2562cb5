// `report`: a sweep's results as tables (terminal and Markdown) and figures rendered without a browser:
// vega-lite → vega View (renderer "none") → SVG → resvg PNG, text in DejaVu Sans.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import * as vl from "vega-lite";
import type { FilterMode } from "./compare.ts";
import { type CycleBreakdown, cycleBreakdown, SEGMENTS } from "./cycle-breakdown.ts";
import type { PointConfig } from "./experiment.ts";
import { getProfile } from "./profile.ts";
import { loadProfileFile } from "./profile-file.ts";
import { RESULTS_JSONL, SUMMARY_JSON, type SweepResult } from "./sweep.ts";
import { resolveDesign } from "./sweep-point.ts";

export const FONT = "DejaVu Sans";

export interface SweepData {
  dir: string;
  experiment: string;
  description: string;
  results: SweepResult[];
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
  breakdown: CycleBreakdown[];
  figures: string[];
}

/** Reads DIR/results.jsonl (complete lines only; never rewrites it) and the experiment's name from summary.json. */
export function loadSweep(dir: string): SweepData {
  const path = join(dir, RESULTS_JSONL);
  if (!existsSync(path)) throw new Error(`${dir}: no ${RESULTS_JSONL} (run syscall-lab sweep first)`);
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  lines.pop();
  const results: SweepResult[] = [];
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      results.push(JSON.parse(line) as SweepResult);
    } catch {
      // an interrupted write: the sweep redoes that point
    }
  }
  if (results.length === 0) throw new Error(`${path}: no results yet`);
  let experiment = results[0]!.experiment;
  let description = "";
  const summary = join(dir, SUMMARY_JSON);
  if (existsSync(summary)) {
    try {
      const s = JSON.parse(readFileSync(summary, "utf8")) as {
        experimentSpec?: { name: string; description: string };
      };
      experiment = s.experimentSpec?.name ?? experiment;
      description = s.experimentSpec?.description ?? "";
    } catch {
      // a summary is optional
    }
  }
  return { dir, experiment, description, results };
}

const shortPath = (s: string) => s.replace(/^.*\//, "");

/** The workload label: a trace's file name rather than its absolute path. */
export function workloadLabel(w: string): string {
  return w.startsWith("trace:") ? `trace:${shortPath(w)}` : w;
}

export function designLabel(d: string): string {
  return /\.(ts|js|mjs)$/.test(d) ? shortPath(d) : d;
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
 * Per panel and mode a design × depth table (one per denied count), or a design × denied-count table when the
 * sweep has one depth and several filter lengths. Designs: none first, then in the order they appear.
 */
export function buildTables(results: readonly SweepResult[]): ReportTable[] {
  const panel = panelOf(results);
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
          design: designLabel(design),
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
        `| \`${designLabel(b.design)}\` | ${b.mode} | ${SEGMENTS.map((s) => b.segments[s]).join(" | ")} | ${b.total} |`,
      );
    out.push("");
  }
  for (const f of d.figures) out.push(`![${f}](${f}.png)`, "");
  return out.join("\n");
}

/** Tick values for a symmetric log axis: vega's default symlog ticks leave 1..500 unlabelled. */
const SYMLOG_TICKS = [
  -100, -10, -1, 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
];

const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 260 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start" as const },
  view: { stroke: "#ccc" },
};

/** Sys-time overhead % against depth: a line per design, a panel per mode (columns) and workload (rows). */
export function overheadVsDepthSpec(results: readonly SweepResult[], title: string): TopLevelSpec {
  const panel = panelOf(results);
  const minDenied = Math.min(
    ...results.filter((r) => r.config.mode === "filtered").map((r) => r.config.denied),
  );
  const rows = results
    .filter((r) => r.config.design !== "none")
    .filter((r) => r.config.mode === "unfiltered" || r.config.denied === minDenied)
    .map((r) => ({
      design: designLabel(r.config.design),
      depth: r.config.depth,
      mode: r.config.mode,
      panel: panel(r.config),
      overhead: r.sysOverheadPct,
    }));
  const values = rows.map((r) => Math.abs(r.overhead)).filter((v) => v > 0);
  const designs = uniq(rows.map((r) => r.design));
  const scheme = designs.length <= 10 ? "tableau10" : "tableau20";
  const wide = values.length > 0 && Math.max(...values) / Math.max(Math.min(...values), 0.5) > 200;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: `sys-time overhead against none at the same depth${wide ? " (symmetric log scale)" : ""}`,
    },
    data: { values: rows },
    facet: {
      column: { field: "mode", type: "nominal", title: null, sort: ["filtered", "unfiltered"] },
      row: { field: "panel", type: "nominal", title: null },
    },
    spec: {
      width: 300,
      height: 220,
      layer: [
        {
          mark: { type: "line", point: true, strokeWidth: 2 },
          encoding: {
            x: {
              field: "depth",
              type: "quantitative",
              title: "cgroup depth (levels below the root)",
              axis: { tickMinStep: 1, format: "d" },
            },
            y: {
              field: "overhead",
              type: "quantitative",
              title: "sys-time overhead (%)",
              ...(wide ? { scale: { type: "symlog" }, axis: { values: SYMLOG_TICKS, format: ",~r" } } : {}),
            },
            color: { field: "design", type: "nominal", title: "design", sort: designs, scale: { scheme } },
            strokeDash: { field: "design", type: "nominal", title: "design", sort: designs },
            shape: { field: "design", type: "nominal", title: "design", sort: designs },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
    config: CONFIG,
  } as TopLevelSpec;
}

/** Sys-time overhead % against the number of denied syscalls (filter length) for filtered tasks. */
export function overheadVsDeniedSpec(results: readonly SweepResult[], title: string): TopLevelSpec {
  const panel = panelOf(results);
  const minDepth = Math.min(...results.map((r) => r.config.depth));
  const rows = results
    .filter((r) => r.config.design !== "none" && r.config.mode === "filtered" && r.config.depth === minDepth)
    .map((r) => ({
      design: designLabel(r.config.design),
      denied: r.config.denied,
      panel: panel(r.config),
      extra: r.extraCyclesPerCall,
    }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: `filtered tasks at depth ${minDepth}: extra cycles per call against none`,
    },
    data: { values: rows },
    facet: { field: "panel", type: "nominal", title: null, sort: uniq(rows.map((r) => r.panel)).sort() },
    // cache off and on side by side when the sweep has both
    columns: new Set(results.map((r) => r.config.seccompCache)).size > 1 ? 2 : 3,
    spec: {
      width: 260,
      height: 200,
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: "denied",
          type: "quantitative",
          title: "syscalls denied (filter length)",
          axis: { values: uniq(rows.map((r) => r.denied)).sort((a, b) => a - b) },
        },
        y: { field: "extra", type: "quantitative", title: "extra cycles per syscall" },
        color: { field: "design", type: "nominal", title: "design", scale: { scheme: "tableau10" } },
        strokeDash: { field: "design", type: "nominal", title: "design" },
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** A stacked bar per design of one call's cycles by segment; designs over 5× none's total are left out, named. */
export function cycleBreakdownSpec(breakdown: readonly CycleBreakdown[], title: string): TopLevelSpec {
  const noneTotal = Math.max(...breakdown.filter((b) => b.design === "none").map((b) => b.total), 1);
  const tooTall = breakdown.filter((b) => b.total > 5 * noneTotal);
  const shown = breakdown.filter((b) => b.total <= 5 * noneTotal);
  const rows = shown.flatMap((b) =>
    SEGMENTS.map((s, i) => ({
      design: designLabel(b.design),
      mode: b.mode,
      segment: s,
      order: i,
      cycles: b.segments[s],
    })),
  );
  const notDrawn = uniq(
    tooTall.map((b) => `${designLabel(b.design)} (${b.mode}) ${b.total.toLocaleString("en-US")}`),
  );
  const depth = breakdown[0]?.depth ?? 0;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        `cycles of one getppid round trip at depth ${depth}, by entry-path segment`,
        ...(notDrawn.length > 0 ? [`not drawn (cycles): ${notDrawn.join(", ")}`] : []),
      ],
    },
    data: { values: rows },
    facet: { column: { field: "mode", type: "nominal", title: null, sort: ["filtered", "unfiltered"] } },
    spec: {
      width: { step: 28 },
      height: 300,
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "design",
          type: "nominal",
          title: null,
          sort: uniq(shown.map((b) => designLabel(b.design))),
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

/** Renders a vega-lite spec headless: the SVG text and a PNG at twice its size, on white. */
export async function renderFigure(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: "zoom", value: 2 },
      background: "white",
      font: { loadSystemFonts: true, defaultFontFamily: FONT },
    })
      .render()
      .asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}

/**
 * The cycle breakdown for the report: the sweep's designs, linux-3.1, its first point's profile and seccomp cache,
 * its deepest depth and its modes; a filtered task's cgroup denies reboot alone. Design files are loaded first; an unknown design or a failing trace is left out.
 */
export async function breakdownFor(results: readonly SweepResult[]): Promise<CycleBreakdown[]> {
  const mine = results.filter((r) => r.config.flavour === "linux-3.1");
  if (mine.length === 0) return [];
  const profileName = mine[0]!.config.profile;
  const profile = profileName.endsWith(".json") ? loadProfileFile(profileName) : getProfile(profileName);
  const depth = Math.max(
    ...mine.filter((r) => !r.config.workload.startsWith("trace:")).map((r) => r.config.depth),
    0,
  );
  const modes = uniq(mine.map((r) => r.config.mode)).sort() as FilterMode[];
  const designs: string[] = [];
  for (const d of uniq(mine.map((r) => r.config.design))) designs.push(await resolveDesign(d));
  return cycleBreakdown(designs, modes, depth, profile, mine[0]!.config.seccompCache);
}
