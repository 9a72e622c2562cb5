// `syscall-lab report DIR [-o OUT] [--json]`: a sweep's results as terminal tables, OUT/report.md and the figures
// OUT/overhead-vs-depth, OUT/cycle-breakdown (and OUT/overhead-vs-denied when the filter length varies), .svg + .png.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { SEGMENTS } from "../measure/cycle-breakdown.ts";
import {
  breakdownFor,
  buildTables,
  columnHeads,
  cycleBreakdownSpec,
  designLabel,
  fmtPct,
  loadSweep,
  overheadVsDeniedSpec,
  overheadVsDepthSpec,
  type ReportData,
  renderFigure,
  reportMarkdown,
} from "../measure/report.ts";
import { writeAtomic } from "../measure/sweep.ts";
import { fmtFixed, fmtInt, makeChalk, table, UsageError } from "./output.ts";

export interface ReportCliOptions {
  dir: string;
  outDir: string;
  /** render the figures and the cycle breakdown (default true) */
  figures: boolean;
  json: boolean;
}

/** Builds the report, writes OUT/report.md and the figures, and returns what to print. */
export async function buildReport(o: ReportCliOptions): Promise<ReportData & { files: string[] }> {
  let sweep: ReturnType<typeof loadSweep>;
  try {
    sweep = loadSweep(o.dir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const tables = buildTables(sweep.results);
  const breakdown = o.figures ? await breakdownFor(sweep.results) : [];
  mkdirSync(o.outDir, { recursive: true });
  const files: string[] = [];
  const figures: string[] = [];
  if (o.figures) {
    const specs: [string, TopLevelSpec][] = [];
    if (new Set(sweep.results.map((r) => r.config.depth)).size > 1)
      specs.push(["overhead-vs-depth", overheadVsDepthSpec(sweep.results, sweep.experiment)]);
    if (
      new Set(sweep.results.filter((r) => r.config.mode === "filtered").map((r) => r.config.denied)).size > 1
    )
      specs.push(["overhead-vs-denied", overheadVsDeniedSpec(sweep.results, sweep.experiment)]);
    if (breakdown.length > 0)
      specs.push(["cycle-breakdown", cycleBreakdownSpec(breakdown, sweep.experiment)]);
    for (const [name, spec] of specs) {
      const { svg, png } = await renderFigure(spec);
      const svgPath = join(o.outDir, `${name}.svg`);
      const pngPath = join(o.outDir, `${name}.png`);
      writeAtomic(svgPath, svg);
      writeAtomic(pngPath, png);
      files.push(svgPath, pngPath);
      figures.push(name);
    }
  }
  const data: ReportData = {
    experiment: sweep.experiment,
    description: sweep.description,
    points: sweep.results.length,
    tables,
    breakdown,
    figures,
  };
  const md = join(o.outDir, "report.md");
  writeAtomic(md, reportMarkdown(data));
  files.unshift(md);
  return { ...data, files };
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
  if (d.breakdown.length > 0) {
    out.push(c.bold(`one getppid call by entry-path segment, cycles (depth ${d.breakdown[0]!.depth}):`));
    out.push(
      table(
        ["design", "mode", ...SEGMENTS, "total"],
        d.breakdown.map((b) => [
          designLabel(b.design),
          b.mode,
          ...SEGMENTS.map((s) => b.segments[s]),
          b.total,
        ]),
        ["left", "left", ...SEGMENTS.map(() => "right" as const), "right"],
      ),
    );
  }
  out.push(`wrote ${d.files.join(", ")}`);
  return out.join("\n");
}

export async function runReportCommand(o: ReportCliOptions): Promise<{ output: string; exitCode: number }> {
  const d = await buildReport(o);
  return { output: o.json ? JSON.stringify(d, null, 2) : renderReport(d, false), exitCode: 0 };
}
