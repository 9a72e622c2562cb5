// Replay of a long strace log (issue 11's target: 1 M lines, ~4,000 processes, RSS < 400 MB, ≥ 50 k lines/s):
// writes the deterministic build-like log of bench/strace-log.ts to a temporary file, then runs
// `syscall-lab replay LOG` (design none: one replay after the counting pass) in a child process under
// /usr/bin/time, which gives its wall time, CPU seconds and peak RSS. Smaller logs first show how RSS grows with
// the log. REPLAY_BENCH_LINES=N,… and REPLAY_BENCH_PROCESSES=N change the sizes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchRecord, repoRoot, writeSuiteResults } from "./results.ts";
import { writeStraceLog } from "./strace-log.ts";

const root = repoRoot();
const sizes = (process.env.REPLAY_BENCH_LINES ?? "100000,1000000").split(",").map(Number);
const processes = Number(process.env.REPLAY_BENCH_PROCESSES ?? 4000);
const built = join(root, "dist", "src", "cli", "main.js");
const cli = import.meta.url.endsWith(".ts")
  ? ["--import", "tsx", join(root, "src", "cli", "main.ts")]
  : existsSync(built)
    ? [join(root, "bin", "syscall-lab.js")]
    : null;
if (cli === null) {
  console.error("replay bench: dist/ is not built (npm run build)");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "replay-bench-"));
const records: BenchRecord[] = [];
try {
  for (const lines of sizes) {
    const log = join(dir, `build-${lines}.log`);
    const written = writeStraceLog(log, {
      lines,
      processes: Math.max(2, Math.round((processes * lines) / 1e6)),
    });
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "%e %U %S %M", process.execPath, ...cli!, "replay", log, "--timeout", "3600"],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) throw new Error(`replay bench: replay of ${written} lines failed: ${r.stderr}`);
    const [wall, user, sys, rssKb] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
    const head = r.stdout.split("\n")[0]!;
    const rssMb = rssKb! / 1024;
    const perSec = written / wall!;
    console.log(
      `${String(written).padStart(8)} lines: ${wall!.toFixed(1)} s wall, ${(user! + sys!).toFixed(1)} s CPU, ` +
        `${Math.round(perSec).toLocaleString("en-US")} lines/s, peak RSS ${rssMb.toFixed(0)} MB\n  ${head}`,
    );
    records.push({
      suite: "replay",
      name: `replay ${written} lines`,
      hz: 1 / wall!,
      meanNs: wall! * 1e9,
      rme: 0,
      samples: 1,
      extra: {
        lines: written,
        linesPerSec: perSec,
        linesPerCpuSec: written / (user! + sys!),
        peakRssMb: rssMb,
        cpuSeconds: user! + sys!,
        report: head,
        target: "1 M lines, ~4,000 processes: RSS < 400 MB, >= 50 k lines/s",
      },
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeSuiteResults("replay", records, [
  "one run per size (a long replay is its own average); wall and CPU seconds and peak RSS from /usr/bin/time",
]);
