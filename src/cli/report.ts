// `syscall-lab report DIR... [-o OUT] [--json]`: one sweep's results, or several merged (the shards of one
// experiment), as terminal tables, OUT/report.md and the figures OUT/overhead-vs-depth, OUT/cycle-breakdown (and
// OUT/overhead-vs-denied when the filter length varies) as SVG, PNG and PDF. Merging writes OUT/results.jsonl,
// OUT/results.csv and OUT/breakdown.json too, so OUT is a result directory of its own. Nothing is imported.
import { join, resolve } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { SEGMENTS } from "../measure/cycle-breakdown.ts";
import { FIGURE_FORMATS, type FigureFormat, renderFigure, svgToPng } from "../measure/figure-render.ts";
import { InputFileError } from "../measure/input-file.ts";
import {
  applicationTable,
  breakdownOf,
  buildTables,
  columnHeads,
  cycleBreakdownSpec,
  DEFAULT_FIGURE,
  type FigureOptions,
  figureTitle,
  flameOf,
  fmtPct,
  fmtPct2,
  loadSweep,
  mergeSweeps,
  overheadByApplicationSpec,
  overheadVsDeniedSpec,
  overheadVsDepthSpec,
  probeWarnings,
  type ReportData,
  ReportInputError,
  reportMarkdown,
  type SweepData,
  type YScale,
} from "../measure/report.ts";
import { ensureDir, OutputError, writeAtomic } from "../measure/result-dir.ts";
import { RESULTS_CSV, RESULTS_JSONL, resultsCsv } from "../measure/sweep.ts";
import { BREAKDOWN_JSON, BreakdownError } from "../measure/sweep-breakdown.ts";
import { FLAME_JSON, FlameFileError, flameFileName, flameOutputsByDesign } from "../measure/sweep-flame.ts";
import { ResultsError } from "../measure/sweep-result.ts";
import { EXIT_OK } from "./exit-codes.ts";
import { fmtFixed, fmtInt, makeChalk, table, UsageError } from "./output.ts";

export interface ReportCliOptions {
  /** one sweep directory, or several to merge */
  dirs: string[];
  outDir: string;
  /** render the figures (default true) */
  figures: boolean;
  json: boolean;
  formats?: readonly FigureFormat[];
  width?: number;
  height?: number;
  columns?: number;
  yScale?: YScale;
}

function readInput(dirs: readonly string[]): SweepData {
  try {
    return mergeSweeps(dirs.map(loadSweep));
  } catch (e) {
    if (
      e instanceof ReportInputError ||
      e instanceof ResultsError ||
      e instanceof BreakdownError ||
      e instanceof FlameFileError ||
      e instanceof InputFileError
    )
      throw new UsageError((e as Error).message);
    throw e;
  }
}

/** Builds the report, writes OUT/report.md and the figures (and the merged results), and returns what to print. */
export async function buildReport(o: ReportCliOptions): Promise<ReportData & { files: string[] }> {
  if (o.dirs.length === 0) throw new UsageError("report: name at least one sweep directory");
  const merging = o.dirs.length > 1;
  if (merging && o.dirs.some((d) => resolve(d) === resolve(o.outDir)))
    throw new UsageError(
      `report: merging ${o.dirs.length} directories writes a merged result directory; -o must name a new one, not ${o.outDir}`,
    );
  const sweep = readInput(o.dirs);
  const tables = buildTables(sweep.results);
  const breakdown = breakdownOf(sweep);
  const flameRows = flameOf(sweep);
  const flames: string[] = [];
  const probe = probeWarnings(sweep.results);
  const files: string[] = [];
  const figures: string[] = [];
  try {
    ensureDir(o.outDir);
    if (merging) {
      const jsonl = join(o.outDir, RESULTS_JSONL);
      const csv = join(o.outDir, RESULTS_CSV);
      writeAtomic(jsonl, sweep.results.map((r) => `${JSON.stringify(r)}\n`).join(""));
      writeAtomic(csv, resultsCsv(sweep.results));
      files.push(jsonl, csv);
      if (sweep.breakdown !== null) {
        const b = join(o.outDir, BREAKDOWN_JSON);
        writeAtomic(b, `${JSON.stringify(sweep.breakdown, null, 2)}\n`);
        files.push(b);
      }
      if (sweep.flame !== null) {
        const f = join(o.outDir, FLAME_JSON);
        writeAtomic(f, `${JSON.stringify(sweep.flame)}\n`);
        files.push(f);
      }
    }
    if (o.figures) {
      const fo: FigureOptions = {
        ...DEFAULT_FIGURE,
        ...(o.width !== undefined ? { width: o.width } : {}),
        ...(o.height !== undefined ? { height: o.height } : {}),
        ...(o.columns !== undefined ? { columns: o.columns } : {}),
        ...(o.yScale !== undefined ? { yScale: o.yScale } : {}),
        title: figureTitle(sweep.experiment, sweep.description),
      };
      const specs: [string, TopLevelSpec][] = [];
      if (sweep.results.some((r) => r.config.application !== undefined && r.config.design !== "none"))
        specs.push(["overhead-by-application", overheadByApplicationSpec(sweep.results, fo)]);
      if (new Set(sweep.results.map((r) => r.config.depth)).size > 1)
        specs.push(["overhead-vs-depth", overheadVsDepthSpec(sweep.results, fo)]);
      if (
        new Set(sweep.results.filter((r) => r.config.mode === "filtered").map((r) => r.config.denied)).size >
        1
      )
        specs.push(["overhead-vs-denied", overheadVsDeniedSpec(sweep.results, fo)]);
      if (breakdown.length > 0) specs.push(["cycle-breakdown", cycleBreakdownSpec(breakdown, fo)]);
      const formats = o.formats ?? FIGURE_FORMATS;
      for (const [name, spec] of specs) {
        const out = await renderFigure(spec, formats, `${sweep.experiment}: ${name}`);
        for (const f of formats) {
          const path = join(o.outDir, `${name}.${f}`);
          writeAtomic(path, out[f]!);
          files.push(path);
        }
        figures.push(name);
      }
      // the flame graphs: drawn from the stacks the sweep recorded (nothing is run here)
      for (const [id, out] of flameOutputsByDesign(flameRows, sweep.experiment)) {
        const svg = join(o.outDir, flameFileName(id, "svg"));
        const folded = join(o.outDir, flameFileName(id, "folded"));
        writeAtomic(svg, out.svg);
        writeAtomic(folded, out.folded);
        files.push(svg, folded);
        if (formats.includes("png")) {
          const png = join(o.outDir, flameFileName(id, "png"));
          writeAtomic(png, svgToPng(out.svg));
          files.push(png);
        }
        flames.push(id);
      }
    }
    const data: ReportData = {
      experiment: sweep.experiment,
      description: sweep.description,
      points: sweep.results.length,
      tables,
      breakdown,
      figures,
      flames,
      enforcesNothing: probe.enforcesNothing,
      warnings: [...probe.warnings, ...sweep.warnings],
    };
    const applications = applicationTable(sweep.results);
    if (applications !== undefined) data.applications = applications;
    const md = join(o.outDir, "report.md");
    writeAtomic(md, reportMarkdown(data));
    files.unshift(md);
    return { ...data, files };
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

export function renderReport(d: ReportData & { files: string[] }, json: boolean): string {
  const c = makeChalk(json);
  const out = [`${c.bold("syscall-lab report")}: ${d.experiment}, ${fmtInt(d.points)} points`];
  out.push("cycles per syscall round trip (sys-time overhead against none, %):");
  for (const t of d.tables) {
    out.push(c.bold(t.title));
    out.push(
      table(
        ["design", ...columnHeads(t)],
        t.rows.map((r) => [
          r.design,
          ...r.cells.map((x) => {
            if (x === null) return "—";
            const pct = fmtPct(x.sysOverheadPct);
            const coloured = x.sysOverheadPct > 0.05 ? c.yellow(pct) : c.green(pct);
            return `${fmtFixed(x.cyclesPerCall)} (${coloured} %)`;
          }),
        ]),
      ),
    );
  }
  const a = d.applications;
  if (a !== undefined) {
    out.push(c.bold(`overhead per application, total / system cycles (${a.profile}, ${a.flavour}):`));
    out.push(
      table(
        ["application (none)", "calls", "user cycles", "sys cycles"],
        a.apps.map((x) => [x.application, fmtInt(x.calls), fmtInt(x.userCycles), fmtInt(x.sysCycles)]),
        ["left", "right", "right", "right"],
      ),
    );
    out.push(
      table(
        ["design", ...a.apps.map((x) => x.application)],
        a.rows.map((r) => [
          r.design,
          ...r.cells.map((x) =>
            x === null ? "—" : `${fmtPct2(x.totalOverheadPct)} / ${fmtPct2(x.sysOverheadPct)}`,
          ),
        ]),
        ["left", ...a.apps.map(() => "right" as const)],
      ),
    );
  }
  if (d.breakdown.length > 0) {
    out.push(c.bold(`one getppid call by entry-path segment, cycles (depth ${d.breakdown[0]!.depth}):`));
    out.push(
      table(
        ["design", "mode", ...SEGMENTS, "total"],
        d.breakdown.map((b) => [b.designId, b.mode, ...SEGMENTS.map((s) => b.segments[s]), b.total]),
        ["left", "left", ...SEGMENTS.map(() => "right" as const), "right"],
      ),
    );
  }
  for (const w of d.warnings) out.push(c.yellow(`warning: ${w}`));
  out.push(`wrote ${d.files.join(", ")}`);
  return out.join("\n");
}

export async function runReportCommand(o: ReportCliOptions): Promise<{ output: string; exitCode: number }> {
  const d = await buildReport(o);
  return { output: o.json ? JSON.stringify(d, null, 2) : renderReport(d, false), exitCode: EXIT_OK };
}
