// Start-up of the published command: CPU seconds (user + system, from the child's resource usage) of
// `node bin/syscall-lab.js --help` and `--version`, which run the compiled dist/ and load no command module, next
// to `node -e 0` (Node's own start-up). Best of RUNS. Needs `npm run build` first (npm run bench does it).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BenchRecord, repoRoot, writeSuiteResults } from "./results.ts";

const RUNS = 7;
const root = repoRoot();
const bin = join(root, "bin", "syscall-lab.js");
if (!existsSync(join(root, "dist", "src", "cli", "main.js"))) {
  console.error("startup bench: dist/ is not built (npm run build)");
  process.exit(1);
}

/** CPU seconds (user + system) of one child process, as /usr/bin/time reports them. */
function cpuSeconds(args: string[]): number {
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`startup bench: ${args.join(" ")} failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return u! + s!;
}

const cases: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["syscall-lab --help", [bin, "--help"]],
  ["syscall-lab --version", [bin, "--version"]],
];
const records: BenchRecord[] = [];
for (const [name, args] of cases) {
  const t = Array.from({ length: RUNS }, () => cpuSeconds(args));
  const best = Math.min(...t);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  console.log(`${name.padEnd(24)} best ${best.toFixed(2)} s CPU, mean ${mean.toFixed(2)} s (${RUNS} runs)`);
  records.push({
    suite: "startup",
    name,
    hz: 1 / mean,
    meanNs: mean * 1e9,
    rme: 0,
    samples: RUNS,
    extra: { bestCpuSeconds: best, target: name.startsWith("syscall-lab") ? "< 0.3 s CPU" : "Node itself" },
  });
}
writeSuiteResults("startup", records, [
  "CPU seconds from /usr/bin/time (user + system), best and mean of 7 runs",
]);
