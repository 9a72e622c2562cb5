// `npm run bench`: runs each benchmark file in its own Node process (one file's JIT state cannot skew the next),
// in sequence, then merges their bench/results/<suite>.json into bench/results/latest.json.
// Run built: npx tsc -p tsconfig.build.json && node dist/bench/run.js
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRecord, hostInfo, resultsDir, type SuiteResults } from "./results.ts";

const SUITES = ["interpreter", "jit", "syscall", "designs", "sweep", "startup", "qemu", "replay"] as const;
const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";

const started = Date.now();
const benchmarks: BenchRecord[] = [];
for (const suite of SUITES) {
  console.log(`\n== ${suite}`);
  const args =
    ext === "ts" ? ["--import", "tsx", join(here, `${suite}.bench.ts`)] : [join(here, `${suite}.bench.js`)];
  const r = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench: ${suite} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  const s = JSON.parse(readFileSync(join(resultsDir(), `${suite}.json`), "utf8")) as SuiteResults;
  benchmarks.push(...s.benchmarks);
}
const out = join(resultsDir(), "latest.json");
writeFileSync(out, `${JSON.stringify({ ...hostInfo(), suites: SUITES, benchmarks }, null, 2)}\n`);
console.log(`\n${benchmarks.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(0)} s → ${out}`);
