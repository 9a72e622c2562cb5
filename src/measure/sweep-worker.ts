// A sweep worker thread: measures the points the main thread posts, one at a time, and posts each result back.
import { parentPort } from "node:worker_threads";
import type { PointConfig } from "./experiment.ts";
import { measurePoint, type PointMeasurement } from "./sweep-point.ts";

export interface WorkerRequest {
  id: string;
  config: PointConfig;
}

export type WorkerReply =
  | { id: string; ok: true; measurement: PointMeasurement; ms: number }
  | { id: string; ok: false; error: string };

const port = parentPort;
if (port === null) throw new Error("sweep-worker.ts runs as a worker thread only");
port.on("message", (req: WorkerRequest) => {
  const t0 = performance.now();
  measurePoint(req.config).then(
    (measurement) =>
      port.postMessage({
        id: req.id,
        ok: true,
        measurement,
        ms: performance.now() - t0,
      } satisfies WorkerReply),
    (e: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        error: e instanceof Error ? e.message : String(e),
      } satisfies WorkerReply),
  );
});
