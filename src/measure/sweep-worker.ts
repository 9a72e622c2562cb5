// A sweep worker thread: started once per sweep, it measures the work items the main thread posts (points, and
// the cycle breakdown) one at a time and posts each result back; the main thread hands it the next from its queue.
import { parentPort, workerData } from "node:worker_threads";
import { type Engine, setDefaultEngine } from "../cpu/jit/engine.ts";
import { setDefaultGuestLimits } from "../kernel/guest-limits.ts";
import type { PointConfig } from "./experiment.ts";
import { type BreakdownRow, type BreakdownSpec, measureBreakdown } from "./sweep-breakdown.ts";
import { type FlameRow, type FlameSetup, measureFlame } from "./sweep-flame.ts";
import {
  expectDesignHashes,
  measurePoint,
  type PointLimits,
  type PointMeasurement,
  stoppedBy,
} from "./sweep-point.ts";

export type WorkerRequest =
  | { kind: "point"; id: string; config: PointConfig }
  | { kind: "breakdown"; spec: BreakdownSpec }
  | { kind: "flame"; index: number; spec: FlameSetup };

export type WorkerReply =
  | { kind: "point"; id: string; ok: true; measurement: PointMeasurement; ms: number }
  | { kind: "point"; id: string; ok: false; error: string; stoppedBy: "budget" | "timeout" | null }
  | { kind: "breakdown"; ok: true; rows: BreakdownRow[] }
  | { kind: "breakdown"; ok: false; error: string }
  | { kind: "flame"; index: number; ok: true; rows: FlameRow[] }
  | { kind: "flame"; index: number; ok: false; error: string };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What the main thread hands a worker when it starts it. */
export interface WorkerStart {
  /** each design file's SHA-256 as recorded in the points' provenance */
  designSha256: [string, string | null][];
  /** the guest limits of every machine this thread boots (a worker does not share the main thread's defaults) */
  limits: PointLimits;
  /** the engine the main thread runs (--engine or SYSCALL_LAB_ENGINE): the same cycles either way, not the same speed */
  engine: Engine;
}

const port = parentPort;
if (port === null) throw new Error("sweep-worker.ts runs as a worker thread only");
expectDesignHashes((workerData as WorkerStart).designSha256);
setDefaultGuestLimits((workerData as WorkerStart).limits);
setDefaultEngine((workerData as WorkerStart).engine);
port.on("message", (req: WorkerRequest) => {
  if (req.kind === "breakdown") {
    measureBreakdown(req.spec).then(
      (rows) => port.postMessage({ kind: "breakdown", ok: true, rows } satisfies WorkerReply),
      (e: unknown) =>
        port.postMessage({ kind: "breakdown", ok: false, error: message(e) } satisfies WorkerReply),
    );
    return;
  }
  if (req.kind === "flame") {
    const index = req.index;
    measureFlame(req.spec).then(
      (rows) => port.postMessage({ kind: "flame", index, ok: true, rows } satisfies WorkerReply),
      (e: unknown) =>
        port.postMessage({ kind: "flame", index, ok: false, error: message(e) } satisfies WorkerReply),
    );
    return;
  }
  const t0 = performance.now();
  measurePoint(req.config).then(
    (measurement) =>
      port.postMessage({
        kind: "point",
        id: req.id,
        ok: true,
        measurement,
        ms: performance.now() - t0,
      } satisfies WorkerReply),
    (e: unknown) =>
      port.postMessage({
        kind: "point",
        id: req.id,
        ok: false,
        error: message(e),
        stoppedBy: stoppedBy(e),
      } satisfies WorkerReply),
  );
});
