// Whole-sweep wall time of the built-in 2011 experiment (experiments/2011-question.json, 176 points and the cycle
// breakdown) with one job and with two, into fresh directories, in the same run; the figure is the ratio
// -j1 time / -j2 time (above 1: two workers are faster). Host CPU seconds of the process and the load average
// before each run are recorded beside it: on a shared machine the ratio depends on what else runs.
// Run built: npx tsc -p tsconfig.build.json && node dist/bench/sweep.bench.js [--rounds N]
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment } from "../src/measure/experiment.ts";
import { runSweep } from "../src/measure/sweep.ts";
import { type BenchRecord, repoRoot, writeSuiteResults } from "./results.ts";

const at = process.argv.indexOf("--rounds");
const rounds = at > 0 ? Math.max(1, Number.parseInt(process.argv[at + 1] ?? "1", 10) || 1) : 1;
const exp = loadExperiment(join(repoRoot(), "experiments", "2011-question.json"));

async function timed(
  jobs: number,
): Promise<{ seconds: number; cpuSeconds: number; load: number; points: number }> {
  const dir = mkdtempSync(join(tmpdir(), `sweep-bench-j${jobs}-`));
  const load = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const s = await runSweep({ experiment: exp, outDir: dir, jobs });
    if (s.failed.length > 0) throw new Error(`sweep bench: ${s.failed.length} points failed`);
    const cpu = process.cpuUsage(cpu0);
    return {
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      load,
      points: s.ran,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const records: BenchRecord[] = [];
const notes: string[] = [`${availableParallelism()} CPUs available`];
for (let r = 1; r <= rounds; r++) {
  const j1 = await timed(1);
  const j2 = await timed(2);
  const ratio = j1.seconds / j2.seconds;
  console.log(
    `round ${r}: -j1 ${j1.seconds.toFixed(1)} s (${j1.cpuSeconds.toFixed(1)} CPU s, load ${j1.load.toFixed(1)}), -j2 ${j2.seconds.toFixed(1)} s (${j2.cpuSeconds.toFixed(1)} CPU s, load ${j2.load.toFixed(1)}): -j2 is ${ratio.toFixed(2)}× as fast as -j1`,
  );
  for (const [jobs, t] of [
    [1, j1],
    [2, j2],
  ] as const)
    records.push({
      suite: "sweep",
      name: `2011-question -j${jobs} (round ${r})`,
      hz: 1 / t.seconds,
      meanNs: t.seconds * 1e9,
      rme: 0,
      samples: 1,
      extra: {
        points: t.points,
        seconds: t.seconds,
        cpuSeconds: t.cpuSeconds,
        loadAverage1m: t.load,
        ...(jobs === 2 ? { speedupOverJ1: ratio } : {}),
      },
    });
}
console.log(`→ ${writeSuiteResults("sweep", records, notes)}`);
