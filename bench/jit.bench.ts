// Host speed of the two engines (issue 11), one run, the engines alternating: guest MIPS per CPU second on the
// CPU-bound fixture program (test/fixtures/bin/checksum.musl: a checksum over 4 MiB through small calls) under
// `exec` (and the MIPS of what a run does beyond a 16 KiB run: the checksum loop without boot and loading), and emulated null syscalls (getppid, Linux 3.1 fast path) per CPU second on a booted machine, next to
// the real kernel's rate on this project's host (test/fixtures/real-kernel/real.json: calibrate/probe.c's
// getppid loop). CPU seconds are process.cpuUsage() user + system time of the measured part only.
// Run: npx tsx bench/jit.bench.ts [KiB]   (built: node dist/bench/jit.bench.js)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runExec } from "../src/cli/exec.ts";
import { type Engine, setDefaultEngine } from "../src/cpu/jit/engine.ts";
import { Machine } from "../src/kernel/machine.ts";
import { getProfile } from "../src/measure/profile.ts";
import { getWorkload } from "../src/workload/index.ts";
import { type BenchRecord, repoRoot, writeSuiteResults } from "./results.ts";

const ENGINES: Engine[] = ["interp", "jit"];
const KIB = Number(process.argv[2] ?? 4096);
const SYSCALL_SLICE = 2_000_000; // guest instructions per null-syscall slice
const SLICES = 8;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const profile = getProfile("sandybridge-2011");
const records: BenchRecord[] = [];
const results = new Map<string, number>();

// 1. The CPU-bound program under exec (boot and ELF loading included; they are a few ms).
const program = join(repoRoot(), "test/fixtures/bin/checksum.musl");
let checkOutput = "";
for (const engine of ENGINES) {
  setDefaultEngine(engine);
  // A 16 KiB run first: what the long run does beyond it (the checksum loop) is timed apart from boot and loading.
  const t00 = cpuSeconds();
  const r0 = runExec({ program, args: ["16"], profile });
  const t0 = cpuSeconds();
  const r = runExec({ program, args: [String(KIB)], profile });
  const s = cpuSeconds() - t0;
  const loopMips = (r.instructions - r0.instructions) / (s - (t0 - t00)) / 1e6;
  results.set(`loop-${engine}`, loopMips);
  if (r.exitCode !== 0) throw new Error(`checksum.musl exited ${r.exitCode}`);
  if (checkOutput !== "" && r.stdout !== checkOutput)
    throw new Error("the engines printed different checksums");
  checkOutput = r.stdout;
  const mips = r.instructions / s / 1e6;
  results.set(`cpu-${engine}`, mips);
  records.push({
    suite: "jit",
    name: `checksum.musl ${KIB} KiB (exec), ${engine}`,
    hz: 1 / s,
    meanNs: s * 1e9,
    rme: 0,
    samples: 1,
    extra: {
      mips,
      loopMips,
      instructions: r.instructions,
      cpuSeconds: s,
      cycles: r.userCycles + r.sysCycles,
    },
  });
  console.log(
    `${engine.padEnd(6)} checksum.musl ${KIB} KiB: ${r.instructions} instructions in ${s.toFixed(2)} CPU s = ${mips.toFixed(1)} MIPS; beyond a 16 KiB run: ${loopMips.toFixed(1)} MIPS`,
  );
}

// 2. Null syscalls on a booted machine whose task loops for ever (boot and the first slice not measured).
const realNs = (
  JSON.parse(readFileSync(join(repoRoot(), "test/fixtures/real-kernel/real.json"), "utf8")) as {
    calibration: { null: { ns: number } };
  }
).calibration.null.ns;
const realRate = 1e9 / realNs;
for (const engine of ENGINES) {
  setDefaultEngine(engine);
  const image = getWorkload("null").build({ count: 2_000_000_000, gap: 0 });
  const machine = Machine.boot({ costs: profile.costs });
  const task = machine.createTask({ name: "null", image });
  machine.run({ maxInstructions: SYSCALL_SLICE }); // warm-up
  const before = task.acct.syscalls;
  const t0 = cpuSeconds();
  for (let i = 0; i < SLICES; i++) {
    const r = machine.run({ maxInstructions: SYSCALL_SLICE });
    if (r.reason !== "budget") throw new Error(`null workload stopped: ${r.reason}`);
  }
  const s = cpuSeconds() - t0;
  const calls = task.acct.syscalls - before;
  const rate = calls / s;
  results.set(`null-${engine}`, rate);
  records.push({
    suite: "jit",
    name: `null syscalls (getppid, fast path), ${engine}`,
    hz: rate,
    meanNs: 1e9 / rate,
    rme: 0,
    samples: 1,
    extra: { syscallsPerSec: rate, realKernelPerSec: realRate, ofRealKernel: rate / realRate, cpuSeconds: s },
  });
  console.log(
    `${engine.padEnd(6)} null syscalls: ${calls} in ${s.toFixed(2)} CPU s = ${(rate / 1e3).toFixed(0)} k/s (real kernel on the captured host: ${(realRate / 1e6).toFixed(2)} M/s; ratio 1/${(realRate / rate).toFixed(1)})`,
  );
}
const speedCpu = results.get("cpu-jit")! / results.get("cpu-interp")!;
const speedLoop = results.get("loop-jit")! / results.get("loop-interp")!;
const speedNull = results.get("null-jit")! / results.get("null-interp")!;
console.log(
  `jit / interp: ${speedCpu.toFixed(2)}× on checksum.musl (${speedLoop.toFixed(2)}× beyond the 16 KiB run), ${speedNull.toFixed(2)}× on null syscalls`,
);
const path = writeSuiteResults("jit", records, [
  "one run per engine in one process, the engines alternating; CPU time from process.cpuUsage()",
]);
console.log(`wrote ${path}`);
