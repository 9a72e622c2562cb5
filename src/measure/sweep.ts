// `sweep`: every point of an experiment, in parallel worker threads, one boot per point. Results go to
// DIR/results.jsonl, one complete line per point (the unit of progress: a resumed sweep skips the ids there), and
// at the end to DIR/results.csv and DIR/summary.json, each written to a temporary file and renamed into place.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  baselineOf,
  type Experiment,
  expandPoints,
  type Point,
  type PointConfig,
  pointId,
} from "./experiment.ts";
import { INPUT_LIMITS, readInputText } from "./input-file.ts";
import { measurePoint, type PointMeasurement } from "./sweep-point.ts";
import type { WorkerReply, WorkerRequest } from "./sweep-worker.ts";

/** One line of results.jsonl: the point's id and configuration, its numbers, and the comparison against none. */
export interface SweepResult extends PointMeasurement {
  id: string;
  experiment: string;
  config: PointConfig;
  /** id of the `none` point with the same configuration otherwise */
  baseline: string;
  /** (sysCycles / none's − 1) × 100 */
  sysOverheadPct: number;
  /** (totalCycles / none's − 1) × 100 */
  totalOverheadPct: number;
  /** (callCycles − none's) / calls */
  extraCyclesPerCall: number;
}

export interface SweepOptions {
  experiment: Experiment;
  outDir: string;
  /** worker threads; default min(points to run, os.availableParallelism()); 1 runs the points on this thread */
  jobs?: number;
  /** stop starting new points after this many (testing an interrupted sweep) */
  maxPoints?: number;
  /** called after each point is written: points done (skipped ones included) of the total */
  onProgress?: (done: number, total: number, last: SweepResult | null) => void;
}

export interface SweepSummary {
  experiment: string;
  outDir: string;
  points: number;
  /** points skipped because results.jsonl already had them */
  skipped: number;
  /** points measured by this run */
  ran: number;
  failed: { id: string; config: PointConfig; error: string }[];
  /** points still to run (after --max-points or failures) */
  remaining: number;
  excluded: { id: string; config: PointConfig; reason: string }[];
  jobs: number;
  elapsedMs: number;
  files: { jsonl: string; csv: string; summary: string };
}

export const RESULTS_JSONL = "results.jsonl";
export const RESULTS_CSV = "results.csv";
export const SUMMARY_JSON = "summary.json";

/** Writes `text` to `path` through a temporary file and a rename, so a reader never sees a partial file. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    if (typeof content === "string") writeSync(fd, content);
    else writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Reads results.jsonl: every complete, parseable line. A line without its newline (an interrupted append) or
 * one that does not parse is dropped, and the file is rewritten without it so new lines append cleanly.
 */
export function readResults(path: string): SweepResult[] {
  if (!existsSync(path)) return [];
  const text = readInputText(path, { what: "results", maxBytes: INPUT_LIMITS.results });
  const lines = text.split("\n");
  const tail = lines.pop() ?? "";
  const out: SweepResult[] = [];
  let dropped = tail !== "";
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      const r = JSON.parse(line) as SweepResult;
      if (typeof r.id === "string" && typeof r.config === "object") out.push(r);
      else dropped = true;
    } catch {
      dropped = true;
    }
  }
  if (dropped) writeAtomic(path, out.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return out;
}

function withBaseline(
  experiment: string,
  p: Point,
  m: PointMeasurement,
  base: PointMeasurement,
  baseId: string,
): SweepResult {
  return {
    id: p.id,
    experiment,
    config: p.config,
    ...m,
    baseline: baseId,
    sysOverheadPct: (m.sysCycles / base.sysCycles - 1) * 100,
    totalOverheadPct: (m.totalCycles / base.totalCycles - 1) * 100,
    extraCyclesPerCall: (m.callCycles - base.callCycles) / m.calls,
  };
}

/**
 * A worker running sweep-worker next to this module: the .js file in a build; under tsx or vitest the .ts source,
 * loaded through tsx's API (Node 20 does not apply `--import tsx` hooks to a worker's own entry module).
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./sweep-worker.js", import.meta.url));
  // the package's "import" entry: its CommonJS twin resolves its own chunks wrongly when imported from a worker
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  const api = pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
  const entry = new URL("./sweep-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(boot, { eval: true });
}

export const CSV_COLUMNS = [
  "id",
  "experiment",
  "design",
  "designId",
  "depth",
  "mode",
  "workload",
  "profile",
  "flavour",
  "count",
  "gap",
  "denied",
  "errno",
  "calls",
  "cyclesPerCall",
  "sysCycles",
  "userCycles",
  "totalCycles",
  "callCycles",
  "extraCyclesPerCall",
  "sysOverheadPct",
  "totalOverheadPct",
  "designMemoryBytes",
  "baseline",
] as const;

function csvField(v: unknown): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(rows: readonly SweepResult[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) {
    const flat: Record<string, unknown> = { ...r, ...r.config };
    lines.push(CSV_COLUMNS.map((c) => csvField(flat[c])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Runs the experiment's points not yet in DIR/results.jsonl; resolves when every started point is written. */
export async function runSweep(opts: SweepOptions): Promise<SweepSummary> {
  const t0 = performance.now();
  const { points, excluded } = expandPoints(opts.experiment);
  mkdirSync(opts.outDir, { recursive: true });
  const files = {
    jsonl: join(opts.outDir, RESULTS_JSONL),
    csv: join(opts.outDir, RESULTS_CSV),
    summary: join(opts.outDir, SUMMARY_JSON),
  };
  const done = new Map<string, SweepResult>();
  for (const r of readResults(files.jsonl)) done.set(r.id, r);
  const wanted = new Set(points.map((p) => p.id));
  const skipped = [...done.keys()].filter((id) => wanted.has(id)).length;
  // none points come first in expandPoints' order, so a design point's baseline is started before it
  let todo = points.filter((p) => !done.has(p.id));
  if (opts.maxPoints !== undefined) todo = todo.slice(0, opts.maxPoints);
  const scheduled = new Set(todo.map((p) => p.id));
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), todo.length));
  const failed: SweepSummary["failed"] = [];
  const name = opts.experiment.name;

  // baselines measured by this run or read back from results.jsonl, by id
  const baselines = new Map<string, PointMeasurement>();
  for (const r of done.values()) if (r.config.design === "none") baselines.set(r.id, r);
  const waiting = new Map<string, { p: Point; m: PointMeasurement }[]>();
  let written = skipped;
  let ran = 0;

  const fd = openSync(files.jsonl, "a");
  const append = (r: SweepResult) => {
    writeSync(fd, `${JSON.stringify(r)}\n`);
    fsyncSync(fd);
    done.set(r.id, r);
    written++;
    ran++;
    opts.onProgress?.(written, points.length, r);
  };
  const fail = (p: Point, error: string) => {
    failed.push({ id: p.id, config: p.config, error });
    if (p.config.design === "none") {
      for (const w of waiting.get(p.id) ?? []) fail(w.p, `its none baseline failed: ${error}`);
      waiting.delete(p.id);
    }
  };
  const finished = (p: Point, m: PointMeasurement) => {
    const baseId = pointId(baselineOf(p.config));
    if (p.config.design === "none") {
      baselines.set(p.id, m);
      append(withBaseline(name, p, m, m, p.id));
      for (const w of waiting.get(p.id) ?? []) append(withBaseline(name, w.p, w.m, m, p.id));
      waiting.delete(p.id);
      return;
    }
    const base = baselines.get(baseId);
    if (base !== undefined) append(withBaseline(name, p, m, base, baseId));
    else if (scheduled.has(baseId) && !failed.some((f) => f.id === baseId))
      waiting.set(baseId, [...(waiting.get(baseId) ?? []), { p, m }]);
    else fail(p, "its none baseline is neither measured nor scheduled");
  };

  opts.onProgress?.(written, points.length, null);
  try {
    if (jobs === 1) {
      // no worker to start: the same measurement on this thread, yielding between points so timers (the bar) run
      for (const p of todo) {
        let m: PointMeasurement;
        try {
          m = await measurePoint(p.config);
        } catch (e) {
          fail(p, e instanceof Error ? e.message : String(e));
          continue;
        }
        finished(p, m);
        await new Promise((r) => setImmediate(r));
      }
    } else if (todo.length > 0) {
      const queue = [...todo];
      const byId = new Map(todo.map((p) => [p.id, p]));
      await new Promise<void>((resolveAll, rejectAll) => {
        let active = 0;
        const workers: Worker[] = [];
        const next = (w: Worker) => {
          const p = queue.shift();
          if (p === undefined) {
            void w.terminate();
            if (--active === 0) resolveAll();
            return;
          }
          w.postMessage({ id: p.id, config: p.config } satisfies WorkerRequest);
        };
        for (let i = 0; i < jobs; i++) {
          const w = spawnWorker();
          workers.push(w);
          active++;
          w.on("message", (reply: WorkerReply) => {
            const p = byId.get(reply.id)!;
            try {
              if (reply.ok) finished(p, reply.measurement);
              else fail(p, reply.error);
            } catch (e) {
              for (const x of workers) void x.terminate();
              rejectAll(e);
              return;
            }
            next(w);
          });
          w.on("error", (e) => {
            for (const x of workers) void x.terminate();
            rejectAll(new Error(`sweep worker failed: ${e.message}`));
          });
          next(w);
        }
      });
    }
  } finally {
    closeSync(fd);
  }
  for (const list of waiting.values()) for (const w of list) fail(w.p, "its none baseline was not measured");

  const rows = points.map((p) => done.get(p.id)).filter((r): r is SweepResult => r !== undefined);
  writeAtomic(files.csv, resultsCsv(rows));
  const summary: SweepSummary = {
    experiment: name,
    outDir: opts.outDir,
    points: points.length,
    skipped,
    ran,
    failed,
    remaining: points.length - rows.length,
    excluded: excluded.map((e) => ({ id: e.id, config: e.config, reason: e.reason })),
    jobs: todo.length === 0 ? 0 : jobs,
    elapsedMs: Math.round(performance.now() - t0),
    files,
  };
  writeAtomic(files.summary, `${JSON.stringify({ ...summary, experimentSpec: opts.experiment }, null, 2)}\n`);
  return summary;
}
