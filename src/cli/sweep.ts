// `syscall-lab sweep FILE -o DIR [--jobs N] [--shard K/N] [--json]`: runs an experiment's points
// (src/measure/sweep.ts) with a progress bar on a terminal's stderr, and prints what it did. Notices (a design
// file executed, a capped job count, points measured again, a torn line removed) go to stderr.
import cliProgress from "cli-progress";
import { ExperimentError, loadExperiment } from "../measure/experiment.ts";
import { LockedError, OutputError } from "../measure/result-dir.ts";
import { runSweep, type SweepSummary } from "../measure/sweep.ts";
import { BreakdownError } from "../measure/sweep-breakdown.ts";
import type { PointLimits } from "../measure/sweep-point.ts";
import { enforcesNothingWarnings } from "../measure/sweep-probe.ts";
import { ResultsError } from "../measure/sweep-result.ts";
import type { Shard } from "../measure/sweep-shard.ts";
import { EXIT_BUDGET, EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT } from "./exit-codes.ts";
import { fmtInt, makeChalk, UsageError } from "./output.ts";

export interface SweepCliOptions {
  file: string;
  outDir: string;
  jobs?: number;
  shard?: Shard;
  maxPoints?: number;
  json: boolean;
  /** --max-insns, --timeout, --memory for every point's machine, on every worker */
  limits?: PointLimits;
  /** where notices go (default: stderr) */
  notice?: (message: string) => void;
}

/** A progress bar only for a person watching: stderr a TTY, no --json, not under CI. */
export function wantsProgress(json: boolean): boolean {
  return !json && process.stderr.isTTY === true && process.env.CI !== "true";
}

export function renderSweep(s: SweepSummary): string {
  const c = makeChalk(false);
  const shard = s.shard === null ? "" : ` (shard ${s.shard.index}/${s.shard.count})`;
  const again =
    s.remeasured > 0 ? `, ${fmtInt(s.remeasured)} re-measured (${s.remeasureReasons.join("; ")})` : "";
  const lines = [
    `${c.bold("syscall-lab sweep")}: ${s.experiment}${shard}: ${fmtInt(s.points)} points, ${fmtInt(s.ran)} measured, ${fmtInt(s.skipped)} already in ${s.files.jsonl}${again}, ${fmtInt(s.remaining)} remaining (${fmtInt(s.jobs)} worker${s.jobs === 1 ? "" : "s"}, ${(s.elapsedMs / 1000).toFixed(1)} s)`,
  ];
  if (s.excluded.length > 0) {
    const reasons = new Map<string, number>();
    for (const e of s.excluded) reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
    lines.push(`excluded: ${[...reasons].map(([r, n]) => `${n} (${r})`).join(", ")}`);
  }
  for (const f of s.failed)
    lines.push(
      c.red(
        `${f.stoppedBy === null ? "failed" : "stopped"}: ${f.config.design} ${JSON.stringify(f.config)}: ${f.error}`,
      ),
    );
  for (const w of enforcesNothingWarnings(s.enforcesNothing)) lines.push(c.yellow(`warning: ${w}`));
  if (s.unprobed > 0)
    lines.push(
      `note: ${fmtInt(s.unprobed)} point${s.unprobed === 1 ? " has" : "s have"} no deny probe (lines from an older syscall-lab)`,
    );
  const wrote = [
    s.files.jsonl,
    s.files.csv,
    ...(s.files.breakdown !== null ? [s.files.breakdown] : []),
    ...(s.files.flame !== null ? [s.files.flame] : []),
    s.files.summary,
  ];
  lines.push(`wrote ${wrote.join(", ")}`);
  if (s.files.superseded !== null) lines.push(`moved the superseded lines to ${s.files.superseded}`);
  return lines.join("\n");
}

/** The exit code of a sweep: 1 if a point failed outright, else 124 or 125 if a guest limit stopped one, else 0. */
export function sweepExitCode(s: SweepSummary): number {
  if (s.failed.some((f) => f.stoppedBy === null)) return EXIT_FAILED;
  if (s.failed.some((f) => f.stoppedBy === "timeout")) return EXIT_TIMEOUT;
  if (s.failed.some((f) => f.stoppedBy === "budget")) return EXIT_BUDGET;
  return EXIT_OK;
}

/**
 * Output and exit code (sweepExitCode); bad input or an unusable directory is a UsageError.
 */
export async function runSweepCommand(o: SweepCliOptions): Promise<{ output: string; exitCode: number }> {
  let experiment: ReturnType<typeof loadExperiment>;
  try {
    experiment = loadExperiment(o.file);
  } catch (e) {
    if (e instanceof ExperimentError) throw new UsageError(e.message);
    throw e;
  }
  const notice = o.notice ?? ((m: string) => process.stderr.write(`syscall-lab sweep: ${m}\n`));
  const bar = wantsProgress(o.json)
    ? new cliProgress.SingleBar(
        { format: "{bar} {value}/{total} points | {eta_formatted} left | {last}", hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let summary: SweepSummary;
  try {
    summary = await runSweep({
      experiment,
      outDir: o.outDir,
      ...(o.jobs !== undefined ? { jobs: o.jobs } : {}),
      ...(o.shard !== undefined ? { shard: o.shard } : {}),
      ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}),
      ...(o.limits !== undefined ? { limits: o.limits } : {}),
      onNotice: notice,
      onProgress: (done, total, last) => {
        if (bar === null) return;
        const label = last === null ? "" : `${last.designId} d${last.config.depth} ${last.config.mode}`;
        if (last === null) bar.start(total, done, { last: label });
        else bar.update(done, { last: label });
      },
    }).finally(() => bar?.stop());
  } catch (e) {
    if (
      e instanceof ResultsError ||
      e instanceof LockedError ||
      e instanceof OutputError ||
      e instanceof BreakdownError
    )
      throw new UsageError(e.message);
    throw e;
  }
  return {
    output: o.json ? JSON.stringify(summary, null, 2) : renderSweep(summary),
    exitCode: sweepExitCode(summary),
  };
}
