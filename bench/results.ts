// One benchmark file's results as JSON (bench/results/<suite>.json); bench/run.ts merges them into latest.json.
// The format is described in bench/results/README.md.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Benchmark from "benchmark";

export interface BenchRecord {
  suite: string;
  name: string;
  /** operations per host second */
  hz: number;
  /** host nanoseconds per operation */
  meanNs: number;
  /** relative margin of error, % (95 %) */
  rme: number;
  samples: number;
  /** suite-specific figures (MIPS, syscalls/s, ns per syscall, …) */
  extra?: Record<string, number | string | boolean>;
}

export interface SuiteResults {
  suite: string;
  node: string;
  cpu: string;
  date: string;
  benchmarks: BenchRecord[];
  /** what the suite left out, and why */
  notes?: string[];
}

/** The checkout's root: the nearest directory above this file (bench/ or dist/bench/) holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: no package.json above the benchmark files");
    dir = up;
  }
  return dir;
}

export const resultsDir = (): string => join(repoRoot(), "bench", "results");

export function hostInfo(): { node: string; cpu: string; date: string } {
  return { node: process.version, cpu: cpus()[0]?.model.trim() ?? "unknown", date: new Date().toISOString() };
}

/** A finished Benchmark.js case as a record (stats are in seconds per operation). */
export function record(suite: string, b: Benchmark, extra?: BenchRecord["extra"]): BenchRecord {
  return {
    suite,
    name: b.name ?? "",
    hz: b.hz,
    meanNs: b.stats.mean * 1e9,
    rme: b.stats.rme,
    samples: b.stats.sample.length,
    ...(extra !== undefined ? { extra } : {}),
  };
}

/** Writes bench/results/<suite>.json and returns its path. */
export function writeSuiteResults(
  suite: string,
  benchmarks: readonly BenchRecord[],
  notes: readonly string[] = [],
): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const out: SuiteResults = {
    suite,
    ...hostInfo(),
    benchmarks: [...benchmarks],
    ...(notes.length ? { notes: [...notes] } : {}),
  };
  const path = join(dir, `${suite}.json`);
  writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
  return path;
}
