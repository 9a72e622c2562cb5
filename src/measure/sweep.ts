// `sweep`: every point of an experiment (or of one shard of it), in worker threads started once that take points
// from a queue, one boot per point. Results go to DIR/results.jsonl, one complete line per point (the unit of
// progress: a resumed sweep skips the points there whose provenance still matches), and at the end to
// DIR/results.csv, DIR/breakdown.json, DIR/flame.json and DIR/summary.json, each written to a temporary file and
// renamed.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { defaultEngine } from "../cpu/jit/engine.ts";
import { defaultGuestLimits, setDefaultGuestLimits } from "../kernel/guest-limits.ts";
import { isDesignFile } from "./design-file.ts";
import {
  baselineOf,
  type Experiment,
  expandPoints,
  type Point,
  type PointConfig,
  pointId,
} from "./experiment.ts";
import {
  designSha256,
  environment,
  gitCommit,
  type Provenance,
  profileSha256,
  resolveProfile,
  toolVersion,
} from "./provenance.ts";
import { ensureDir, LineAppender, lockDir, writeAtomic } from "./result-dir.ts";
import {
  BREAKDOWN_JSON,
  type BreakdownFile,
  type BreakdownRow,
  breakdownSpec,
  measureBreakdown,
  readBreakdown,
} from "./sweep-breakdown.ts";
import {
  FLAME_JSON,
  type FlameFile,
  type FlameRow,
  type FlameSetup,
  flameSetups,
  measureFlame,
  readFlame,
} from "./sweep-flame.ts";
import {
  expectDesignHashes,
  measurePoint,
  type PointLimits,
  type PointMeasurement,
  stoppedBy,
} from "./sweep-point.ts";
import { denyProbeFindings, type EnforcesNothing } from "./sweep-probe.ts";
import { readResultsFile, type SweepResult, truncateTo } from "./sweep-result.ts";
import { type Shard, shardPoints } from "./sweep-shard.ts";
import type { WorkerReply, WorkerRequest, WorkerStart } from "./sweep-worker.ts";

export { writeAtomic } from "./result-dir.ts";
export type { EnforcesNothing } from "./sweep-probe.ts";
export type { SweepResult } from "./sweep-result.ts";

export interface SweepOptions {
  experiment: Experiment;
  outDir: string;
  /** worker threads; default and cap: the CPUs available (os.availableParallelism()); 1 runs on this thread */
  jobs?: number;
  /** run only this slice of the points (and the breakdown and flame stacks only in shard 1) */
  shard?: Shard;
  /** stop starting new points after this many (testing an interrupted sweep) */
  maxPoints?: number;
  /** called after each point is written: points done (skipped ones included) of the total */
  onProgress?: (done: number, total: number, last: SweepResult | null) => void;
  /** one line for a person: a design file executed, a capped job count, points re-measured, a torn line */
  onNotice?: (message: string) => void;
  /**
   * The guest limits of every point's machine, on every thread (--max-insns, --timeout, --memory): the budget
   * and the time limit are per point (from its boot), so a long sweep is not cut at a whole-command deadline. A
   * point they stop is failed with `stoppedBy`; nothing is written to results.jsonl for it. Default: none.
   */
  limits?: PointLimits;
}

/** A point that was not measured, and why. */
export interface FailedPoint {
  id: string;
  config: PointConfig;
  error: string;
  /** a guest limit stopped it (the message says which and how to raise it); null: it failed for another reason */
  stoppedBy: "budget" | "timeout" | null;
}

export interface SweepSummary {
  experiment: string;
  outDir: string;
  /** the points of this run: the shard's, or the whole experiment's */
  points: number;
  /** points skipped because results.jsonl already had them with the same provenance */
  skipped: number;
  /** points whose line was measured with other code or data (tool version, profile, design file) */
  remeasured: number;
  /** why they were measured again: "design ./x.ts changed" */
  remeasureReasons: string[];
  /** points measured by this run */
  ran: number;
  failed: FailedPoint[];
  /** designs the deny probe caught denying nothing, over the points of this run (skipped ones included) */
  enforcesNothing: EnforcesNothing[];
  /** points of this run whose line has no deny probe (written by an older syscall-lab) */
  unprobed: number;
  /** points still to run (after --max-points or failures) */
  remaining: number;
  excluded: { id: string; config: PointConfig; reason: string }[];
  shard: Shard | null;
  jobs: number;
  /** what --jobs asked for, when the CPU count capped it */
  jobsRequested: number | null;
  elapsedMs: number;
  files: {
    jsonl: string;
    csv: string;
    summary: string;
    breakdown: string | null;
    flame: string | null;
    superseded: string | null;
  };
}

export const RESULTS_JSONL = "results.jsonl";
export const RESULTS_CSV = "results.csv";
export const SUMMARY_JSON = "summary.json";
export const SUPERSEDED_JSONL = "superseded.jsonl";

function withBaseline(
  experiment: string,
  p: Point,
  m: PointMeasurement,
  base: PointMeasurement,
  baseId: string,
  provenance: Provenance,
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
    provenance,
  };
}

/**
 * A worker running sweep-worker next to this module: the .js file in a build; under tsx or vitest the .ts source,
 * loaded through tsx's API (Node 20 does not apply `--import tsx` hooks to a worker's own entry module).
 */
function spawnWorker(start: WorkerStart): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./sweep-worker.js", import.meta.url), { workerData: start });
  // the package's "import" entry: its CommonJS twin resolves its own chunks wrongly when imported from a worker
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  const api = pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
  const entry = new URL("./sweep-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(boot, { eval: true, workerData: start });
}

/** Every axis of the experiment, then the numbers, then where they came from. */
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
  "seccompCache",
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
  "version",
  "commit",
  "profileSha256",
  "designSha256",
] as const;

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(rows: readonly SweepResult[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) {
    const flat: Record<string, unknown> = { ...r, ...r.config, ...r.provenance };
    lines.push(CSV_COLUMNS.map((c) => csvField(flat[c])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** The job count: what was asked (default every CPU), never more than the CPUs available nor the work items. */
export function workerCount(requested: number | undefined, items: number): { jobs: number; capped: boolean } {
  const cpus = availableParallelism();
  const want = requested ?? cpus;
  const capped = want > cpus;
  return { jobs: Math.max(1, Math.min(want, cpus, items)), capped };
}

/** items a worker holds at once: the one it measures and the next */
const PREFETCH = 2;

type Item =
  | { kind: "point"; p: Point }
  | { kind: "breakdown"; spec: NonNullable<ReturnType<typeof breakdownSpec>> }
  | { kind: "flame"; index: number; spec: FlameSetup };

/** Runs the experiment's points not yet in DIR/results.jsonl; resolves when every started point is written. */
export async function runSweep(opts: SweepOptions): Promise<SweepSummary> {
  const t0 = performance.now();
  const notice = opts.onNotice ?? (() => {});
  const exp = opts.experiment;
  const expanded = expandPoints(exp);
  const points = opts.shard !== undefined ? shardPoints(expanded.points, opts.shard) : expanded.points;
  const files = {
    jsonl: join(opts.outDir, RESULTS_JSONL),
    csv: join(opts.outDir, RESULTS_CSV),
    summary: join(opts.outDir, SUMMARY_JSON),
    breakdown: null as string | null,
    flame: null as string | null,
    superseded: null as string | null,
  };
  ensureDir(opts.outDir);
  const release = lockDir(opts.outDir, `sweep ${exp.file ?? exp.name}`, notice);
  // this thread measures points too: its machines get the same per-point limits as the workers' (and not the
  // command's deadline the CLI sets for commands that run one guest)
  const limits: PointLimits = { ...(opts.limits ?? {}) };
  const callerLimits = defaultGuestLimits();
  setDefaultGuestLimits(limits);
  try {
    // what the numbers will be measured with: the tool, each profile's resolved spec, each design file's bytes
    const version = toolVersion();
    const commit = gitCommit().commit;
    const profileHash = new Map(exp.axes.profiles.map((p) => [p, profileSha256(resolveProfile(p))]));
    // hashed by the design loader's own checks (a bad file is refused here, before any worker starts); each
    // thread that loads a design file refuses it unless its bytes still have the hash recorded here
    const designHash = new Map(exp.axes.designs.map((d) => [d, designSha256(d)]));
    expectDesignHashes(designHash);
    for (const d of exp.axes.designs)
      if (isDesignFile(d))
        notice(`executing design file ${d} (sha256 ${designHash.get(d)!.slice(0, 12)}…) in each worker`);
    const provenanceOf = (c: PointConfig): Provenance => ({
      version,
      commit,
      profileSha256: profileHash.get(c.profile)!,
      designSha256: designHash.get(c.design) ?? null,
    });

    const read = readResultsFile(files.jsonl);
    if (read.tornLine !== null) {
      notice(
        `${files.jsonl}:${read.tornLine}: incomplete last line (an interrupted write) removed; its point runs again`,
      );
      truncateTo(files.jsonl, read.completeBytes);
    }
    // lines measured with other code or data leave results.jsonl for superseded.jsonl (nothing is lost)
    const reasons = new Map<string, Set<string>>();
    const keep: SweepResult[] = [];
    const stale: SweepResult[] = [];
    for (const r of read.results) {
      const why: string[] = [];
      if (r.provenance.version !== version) why.push(`tool version ${r.provenance.version} → ${version}`);
      const ph = profileHash.get(r.config.profile);
      if (ph !== undefined && ph !== r.provenance.profileSha256)
        why.push(`profile ${r.config.profile} changed`);
      if (designHash.has(r.config.design) && designHash.get(r.config.design) !== r.provenance.designSha256)
        why.push(`design ${r.config.design} changed`);
      if (r.probeDenied === undefined) why.push("measured before the deny probe was recorded");
      if (why.length === 0) keep.push(r);
      else {
        stale.push(r);
        reasons.set(r.id, new Set(why));
      }
    }
    if (stale.length > 0) {
      const sup = join(opts.outDir, SUPERSEDED_JSONL);
      const out = new LineAppender(sup);
      try {
        for (const r of stale) out.append(JSON.stringify(r));
      } finally {
        out.close();
      }
      writeAtomic(files.jsonl, keep.map((r) => `${JSON.stringify(r)}\n`).join(""));
      files.superseded = sup;
    }
    const done = new Map<string, SweepResult>(keep.map((r) => [r.id, r]));
    const wanted = new Set(points.map((p) => p.id));
    const skipped = [...done.keys()].filter((id) => wanted.has(id)).length;
    const remeasuredIds = [...reasons.keys()].filter((id) => wanted.has(id));
    const remeasureReasons = [...new Set(remeasuredIds.flatMap((id) => [...reasons.get(id)!]))];
    if (remeasuredIds.length > 0)
      notice(
        `re-measuring ${remeasuredIds.length} point${remeasuredIds.length === 1 ? "" : "s"}: ${remeasureReasons.join("; ")}`,
      );

    // none points come first in expandPoints' order, so a design point's baseline is started before it
    let todo = points.filter((p) => !done.has(p.id));
    if (opts.maxPoints !== undefined) todo = todo.slice(0, opts.maxPoints);
    const scheduled = new Set(todo.map((p) => p.id));

    // the breakdown belongs to shard 1 (or the unsharded sweep); measured again when its key changed
    const bspec = opts.shard === undefined || opts.shard.index === 1 ? breakdownSpec(exp) : null;
    const bpath = join(opts.outDir, BREAKDOWN_JSON);
    const bkey =
      bspec === null
        ? ""
        : [
            version,
            profileHash.get(bspec.profile),
            ...bspec.designs.map((d) => `${d}=${designHash.get(d) ?? "-"}`),
          ].join("|");
    const oldBreakdown = bspec === null ? null : readBreakdown(bpath);
    const needBreakdown =
      bspec !== null &&
      (oldBreakdown === null ||
        oldBreakdown.key !== bkey ||
        JSON.stringify(oldBreakdown.spec) !== JSON.stringify(bspec));
    if (bspec !== null) files.breakdown = bpath;
    let breakdownRows: BreakdownRow[] | null = null;
    let breakdownError: string | null = null;

    // the flame stacks too (shard 1): every set-up traced again when the tool, a profile or a design file changed
    const fsetups = opts.shard === undefined || opts.shard.index === 1 ? flameSetups(exp) : [];
    const fpath = join(opts.outDir, FLAME_JSON);
    const fkey = [
      version,
      ...exp.axes.profiles.map((p) => `${p}=${profileHash.get(p)}`),
      ...exp.axes.designs.map((d) => `${d}=${designHash.get(d) ?? "-"}`),
    ].join("|");
    const oldFlame = fsetups.length === 0 ? null : readFlame(fpath);
    const needFlame =
      fsetups.length > 0 &&
      (oldFlame === null ||
        oldFlame.key !== fkey ||
        JSON.stringify(oldFlame.setups) !== JSON.stringify(fsetups));
    if (fsetups.length > 0) files.flame = fpath;
    const flameRows: (FlameRow[] | null)[] = fsetups.map(() => null);
    const flameErrors: string[] = [];

    const items: Item[] = [
      ...(needBreakdown ? [{ kind: "breakdown" as const, spec: bspec! }] : []),
      ...(needFlame ? fsetups.map((spec, index) => ({ kind: "flame" as const, index, spec })) : []),
      ...todo.map((p) => ({ kind: "point" as const, p })),
    ];
    const { jobs, capped } = workerCount(opts.jobs, items.length);
    if (capped) notice(`--jobs ${opts.jobs}: capped to ${availableParallelism()}, the CPUs available`);
    const failed: SweepSummary["failed"] = [];
    const name = exp.name;

    const baselines = new Map<string, PointMeasurement>();
    for (const r of done.values())
      if (r.config.design === "none") baselines.set(r.id, { ...r, probeDenied: r.probeDenied ?? null });
    const waiting = new Map<string, { p: Point; m: PointMeasurement }[]>();
    let written = skipped;
    let ran = 0;

    const out = new LineAppender(files.jsonl);
    const append = (r: SweepResult) => {
      out.append(JSON.stringify(r));
      done.set(r.id, r);
      written++;
      ran++;
      opts.onProgress?.(written, points.length, r);
    };
    const fail = (p: Point, error: string, stoppedBy: FailedPoint["stoppedBy"] = null) => {
      failed.push({ id: p.id, config: p.config, error, stoppedBy });
      if (p.config.design === "none") {
        for (const w of waiting.get(p.id) ?? []) fail(w.p, `its none baseline failed: ${error}`, stoppedBy);
        waiting.delete(p.id);
      }
    };
    const finished = (p: Point, m: PointMeasurement) => {
      const baseId = pointId(baselineOf(p.config));
      const prov = provenanceOf(p.config);
      if (p.config.design === "none") {
        baselines.set(p.id, m);
        append(withBaseline(name, p, m, m, p.id, prov));
        for (const w of waiting.get(p.id) ?? [])
          append(withBaseline(name, w.p, w.m, m, p.id, provenanceOf(w.p.config)));
        waiting.delete(p.id);
        return;
      }
      const base = baselines.get(baseId);
      if (base !== undefined) append(withBaseline(name, p, m, base, baseId, prov));
      else if (scheduled.has(baseId) && !failed.some((f) => f.id === baseId))
        waiting.set(baseId, [...(waiting.get(baseId) ?? []), { p, m }]);
      else fail(p, "its none baseline is neither measured nor scheduled");
    };
    const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

    opts.onProgress?.(written, points.length, null);
    const handle = (reply: WorkerReply) => {
      if (reply.kind === "breakdown") {
        if (reply.ok) breakdownRows = reply.rows;
        else breakdownError = reply.error;
        return;
      }
      if (reply.kind === "flame") {
        if (reply.ok) flameRows[reply.index] = reply.rows;
        else flameErrors.push(reply.error);
        return;
      }
      const p = byId.get(reply.id)!;
      if (reply.ok) finished(p, reply.measurement);
      else fail(p, reply.error, reply.stoppedBy);
    };
    const byId = new Map(todo.map((p) => [p.id, p]));
    const queue = [...items];
    try {
      // jobs − 1 worker threads, and this thread as the last worker: one JIT warm-up fewer than jobs workers
      await new Promise<void>((resolveAll, rejectAll) => {
        const workers: Worker[] = [];
        const inFlight = new Map<Worker, number>();
        // Design files are run by worker threads only: a worker is new for each sweep, so it imports the file
        // as it is now (this thread's module cache may hold an older copy), and its loader takes a .ts file for
        // ESM (the CLI's own may take one outside an ESM package for CommonJS). With --jobs 1 and a design
        // file, one worker measures everything and this thread waits.
        const usesFile = (it: Item) =>
          it.kind === "point" ? isDesignFile(it.p.config.design) : it.spec.designs.some(isDesignFile);
        const threads = jobs === 1 && queue.some(usesFile) ? 1 : jobs - 1;
        let running = threads + 1;
        let stopped = false;
        const executorDone = () => {
          if (--running === 0 && !stopped) resolveAll();
        };
        const stopAll = (e: unknown) => {
          if (stopped) return;
          stopped = true;
          queue.length = 0;
          for (const x of workers) void x.terminate();
          rejectAll(e);
        };
        const send = (w: Worker, it: Item) => {
          inFlight.set(w, inFlight.get(w)! + 1);
          const req: WorkerRequest =
            it.kind === "breakdown"
              ? { kind: "breakdown", spec: it.spec }
              : it.kind === "flame"
                ? { kind: "flame", index: it.index, spec: it.spec }
                : { kind: "point", id: it.p.id, config: it.p.config };
          w.postMessage(req);
        };
        // a worker holds up to PREFETCH items: it starts the next the moment it finishes one, without waiting
        // for this thread to be scheduled (or to finish the point it measures itself)
        const feed = (w: Worker) => {
          while (inFlight.get(w)! < PREFETCH) {
            const it = queue.shift();
            if (it === undefined) break;
            send(w, it);
          }
          if (inFlight.get(w) === 0) {
            void w.terminate();
            executorDone();
          }
        };
        for (let i = 0; i < threads; i++) {
          const w = spawnWorker({ designSha256: [...designHash], limits, engine: defaultEngine() });
          workers.push(w);
          inFlight.set(w, 0);
          w.on("message", (reply: WorkerReply) => {
            inFlight.set(w, inFlight.get(w)! - 1);
            try {
              handle(reply);
            } catch (e) {
              stopAll(e);
              return;
            }
            feed(w);
          });
          w.on("error", (e) => stopAll(new Error(`sweep worker failed: ${e.message}`)));
        }
        // the first items round-robin, so the breakdown (first) and the first points go to different workers
        for (let round = 0; round < PREFETCH; round++)
          for (const w of workers) {
            const it = queue.shift();
            if (it !== undefined) send(w, it);
          }
        for (const w of workers) if (inFlight.get(w) === 0) feed(w);
        const takeLocal = (): Item | undefined => {
          if (workers.length === 0) return queue.shift();
          if (jobs === 1) return undefined;
          const i = queue.findIndex((it) => !usesFile(it));
          return i < 0 ? undefined : queue.splice(i, 1)[0];
        };
        // this thread: the same measurements, yielding between items so replies and timers (the bar) run
        void (async () => {
          for (;;) {
            await new Promise((r) => setImmediate(r));
            const it = takeLocal();
            if (it === undefined || stopped) break;
            if (it.kind === "breakdown") {
              try {
                handle({ kind: "breakdown", ok: true, rows: await measureBreakdown(it.spec) });
              } catch (e) {
                handle({ kind: "breakdown", ok: false, error: message(e) });
              }
              continue;
            }
            if (it.kind === "flame") {
              try {
                handle({ kind: "flame", index: it.index, ok: true, rows: await measureFlame(it.spec) });
              } catch (e) {
                handle({ kind: "flame", index: it.index, ok: false, error: message(e) });
              }
              continue;
            }
            let m: PointMeasurement;
            try {
              m = await measurePoint(it.p.config);
            } catch (e) {
              handle({ kind: "point", id: it.p.id, ok: false, error: message(e), stoppedBy: stoppedBy(e) });
              continue;
            }
            handle({ kind: "point", id: it.p.id, ok: true, measurement: m, ms: 0 });
          }
          executorDone();
        })().catch(stopAll);
      });
    } finally {
      out.close();
    }
    for (const list of waiting.values())
      for (const w of list) fail(w.p, "its none baseline was not measured");
    if (breakdownError !== null) {
      notice(`the cycle breakdown failed: ${breakdownError}`);
      if (oldBreakdown === null) files.breakdown = null;
    }
    if (flameErrors.length > 0) {
      notice(`the flame stacks failed: ${flameErrors[0]}`);
      if (oldFlame === null) files.flame = null;
    } else if (needFlame && flameRows.every((r) => r !== null))
      writeAtomic(
        fpath,
        `${JSON.stringify({ key: fkey, setups: fsetups, rows: flameRows.flat() as FlameRow[] } satisfies FlameFile)}\n`,
      );
    else if (needFlame && oldFlame === null) files.flame = null;
    if (breakdownRows !== null && bspec !== null)
      writeAtomic(
        bpath,
        `${JSON.stringify({ spec: bspec, key: bkey, rows: breakdownRows } satisfies BreakdownFile, null, 2)}\n`,
      );

    const rows = points.map((p) => done.get(p.id)).filter((r): r is SweepResult => r !== undefined);
    writeAtomic(files.csv, resultsCsv(rows));
    const probe = denyProbeFindings(rows);
    const summary: SweepSummary = {
      experiment: name,
      outDir: opts.outDir,
      points: points.length,
      skipped,
      remeasured: remeasuredIds.length,
      remeasureReasons,
      ran,
      failed,
      enforcesNothing: probe.enforcesNothing,
      unprobed: probe.unprobed,
      remaining: points.length - rows.length,
      excluded: expanded.excluded.map((e) => ({ id: e.id, config: e.config, reason: e.reason })),
      shard: opts.shard ?? null,
      jobs: items.length === 0 ? 0 : jobs,
      jobsRequested: capped ? (opts.jobs ?? null) : null,
      elapsedMs: Math.round(performance.now() - t0),
      files,
    };
    const record = {
      ...summary,
      environment: environment(),
      experimentSpec: exp,
      profiles: Object.fromEntries(profileHash),
      designs: Object.fromEntries([...designHash].map(([d, h]) => [d, { sha256: h }])),
      limits,
    };
    writeAtomic(files.summary, `${JSON.stringify(record, null, 2)}\n`);
    return summary;
  } finally {
    setDefaultGuestLimits(callerLimits);
    release();
  }
}
