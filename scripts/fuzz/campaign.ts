// `npm run fuzz -- --minutes N [--seed S] [--out FILE]`: the long fuzz campaign over every input format
// (scripts/fuzz/targets.ts). One worker process runs the inputs; this process watches it: a worker silent for
// HANG_S seconds is killed, its batch counted as a hang past the limit, and a new worker goes on from the next
// batch. Writes a JSON summary (inputs per format; accepted / clean error / host exception / hang; peak memory)
// and prints it as a Markdown table.
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";

/** One input taking longer than this is a hang past the limit (the guest limits are far below it). */
export const SLOW_INPUT_MS = 30_000;
/** A worker silent this long is stuck in one input: killed, the input counted as a hang. */
const HANG_S = 120;

export interface TargetStats {
  inputs: number;
  accepted: number;
  clean: number;
  hostException: number;
  hang: number;
  /** the slowest input, ms */
  slowestMs: number;
  /** time spent in the target's inputs, ms */
  totalMs: number;
  /** the first distinct host exceptions: message and the input that raised it */
  findings: { message: string; input: string }[];
}

interface Progress {
  kind: "progress";
  target: string;
  batch: number;
  stats: Record<string, TargetStats>;
  rss: number;
}

const empty = (): TargetStats => ({
  inputs: 0,
  accepted: 0,
  clean: 0,
  hostException: 0,
  hang: 0,
  slowestMs: 0,
  totalMs: 0,
  findings: [],
});

function show(x: unknown): string {
  const s =
    x instanceof Uint8Array
      ? `bytes ${Buffer.from(x).toString("hex")}`
      : (JSON.stringify(x, (_k, v) => v) ?? String(x));
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Runs inputs of every target, round-robin by weight, from batch `first` on, until `deadline` (Date.now()). */
async function worker(seed: number, first: number, deadline: number): Promise<void> {
  const { TARGETS, removeScratch } = await import("./targets.ts");
  const stats: Record<string, TargetStats> = Object.fromEntries(TARGETS.map((t) => [t.name, empty()]));
  const schedule = TARGETS.flatMap((t) => Array.from({ length: t.weight }, () => t));
  const runOne = async (t: (typeof TARGETS)[number], input: unknown) => {
    const s = stats[t.name]!;
    const t0 = performance.now();
    s.inputs++;
    try {
      const o = await t.run(input);
      if (o === "accepted") s.accepted++;
      else s.clean++;
    } catch (e) {
      s.hostException++;
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const key = message.replace(/\d+/g, "N").slice(0, 120);
      if (
        s.findings.length < 10 &&
        !s.findings.some((f) => f.message.replace(/\d+/g, "N").slice(0, 120) === key)
      )
        s.findings.push({ message: message.slice(0, 300), input: show(input) });
    }
    const ms = performance.now() - t0;
    s.totalMs += ms;
    if (ms > s.slowestMs) s.slowestMs = Math.round(ms);
    if (ms > SLOW_INPUT_MS) s.hang++;
  };
  for (let batch = first; Date.now() < deadline; batch++) {
    const t = schedule[batch % schedule.length]!;
    process.send!({ kind: "begin", target: t.name, batch });
    // each target's seeds once per worker, then generated inputs (the batch number seeds the generator)
    const inputs =
      batch < first + schedule.length && batch % schedule.length === schedule.indexOf(t) ? [...t.seeds] : [];
    inputs.push(...fc.sample(t.arb, { numRuns: t.batch, seed: seed + batch }));
    for (const input of inputs) {
      await runOne(t, input);
      if (Date.now() >= deadline) break;
    }
    const p: Progress = { kind: "progress", target: t.name, batch, stats, rss: process.memoryUsage().rss };
    process.send!(p);
  }
  removeScratch();
  process.send!({ kind: "done" });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "1" },
      seed: { type: "string", default: "15" },
      out: { type: "string", default: "fuzz-summary.json" },
      worker: { type: "boolean", default: false },
      first: { type: "string", default: "0" },
      deadline: { type: "string" },
    },
  });
  const seed = Number(values.seed);
  if (values.worker) {
    await worker(seed, Number(values.first), Number(values.deadline));
    return;
  }
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const total: Record<string, TargetStats> = {};
  let peakRss = 0;
  let workers = 0;
  let nextBatch = 0;
  const self = fileURLToPath(import.meta.url);
  const of = (name: string): TargetStats => {
    let t = total[name];
    if (t === undefined) {
      t = empty();
      total[name] = t;
    }
    return t;
  };
  const merge = (stats: Record<string, TargetStats>) => {
    for (const [name, s] of Object.entries(stats)) {
      const t = of(name);
      t.inputs += s.inputs;
      t.accepted += s.accepted;
      t.clean += s.clean;
      t.hostException += s.hostException;
      t.hang += s.hang;
      t.slowestMs = Math.max(t.slowestMs, s.slowestMs);
      t.totalMs = Math.round(t.totalMs + s.totalMs);
      for (const f of s.findings) if (t.findings.length < 10) t.findings.push(f);
    }
  };
  const writeSummary = () => {
    const summary = {
      seed,
      minutes,
      elapsedS: Math.round((Date.now() - started) / 1000),
      workers,
      inputs: Object.values(total).reduce((a, s) => a + s.inputs, 0),
      peakRssMiB: Math.round(peakRss / 1024 / 1024),
      slowInputMs: SLOW_INPUT_MS,
      targets: total,
    };
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  };
  while (Date.now() < deadline) {
    workers++;
    // the worker's figures replace the previous report of the same worker; merged when it ends
    let last: Record<string, TargetStats> = {};
    let current = { target: "?", batch: nextBatch };
    const child = fork(
      self,
      ["--worker", "--seed", String(seed), "--first", String(nextBatch), "--deadline", String(deadline)],
      {
        execArgv: ["--import", "tsx", "--max-old-space-size=2048"],
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      },
    );
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, HANG_S * 1000);
    };
    arm();
    await new Promise<void>((resolve) => {
      child.on(
        "message",
        (m: {
          kind: string;
          target?: string;
          batch?: number;
          stats?: Record<string, TargetStats>;
          rss?: number;
        }) => {
          arm();
          if (m.kind === "begin") current = { target: m.target!, batch: m.batch! };
          if (m.kind === "progress") {
            last = m.stats!;
            peakRss = Math.max(peakRss, m.rss!);
            nextBatch = m.batch! + 1;
          }
        },
      );
      child.on("exit", () => resolve());
    });
    clearTimeout(timer);
    merge(last);
    if (hung) {
      const t = of(current.target);
      t.hang++;
      t.inputs++;
      if (t.findings.length < 10)
        t.findings.push({ message: `hang: no progress for ${HANG_S} s`, input: `batch ${current.batch}` });
      nextBatch = current.batch + 1;
    } else if (Date.now() < deadline) {
      // the worker died without hanging (out of memory, a crash): its batch is skipped
      const t = of(current.target);
      t.hostException++;
      t.findings.push({ message: "worker exited", input: `batch ${current.batch}` });
      nextBatch = current.batch + 1;
    }
    writeSummary();
  }
  const s = writeSummary();
  const rows = Object.entries(s.targets).map(
    ([n, t]) =>
      `| ${n} | ${t.inputs.toLocaleString("en-US")} | ${t.accepted.toLocaleString("en-US")} | ${t.clean.toLocaleString("en-US")} | ${t.hostException} | ${t.hang} | ${t.slowestMs} |`,
  );
  process.stdout.write(
    [
      `fuzz campaign: ${s.inputs.toLocaleString("en-US")} inputs in ${s.elapsedS} s, seed ${seed}, ${workers} worker(s), peak worker RSS ${s.peakRssMiB} MiB`,
      "",
      "| format | inputs | accepted | clean error | host exception | hang past limit | slowest input (ms) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
      "",
      `summary: ${values.out}`,
      "",
    ].join("\n"),
  );
}

await main();
