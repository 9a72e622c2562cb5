// Host speed of the emulated Linux 3.1 syscall path (Benchmark.js): null syscalls (getppid) per host second on the
// fast path, with TIF_SYSCALL_AUDIT (auditsys / sysret_audit) and with TIF_SYSCALL_TRACE (tracesys / IRET).
// Each operation runs a fixed instruction slice of a booted machine whose task loops for ever, so boot time is
// not measured. Run built: npx tsc -p tsconfig.build.json && node dist/bench/syscall.bench.js
import Benchmark from "benchmark";
import { UNIT_COSTS } from "../src/cpu/insn-class.ts";
import { Machine } from "../src/kernel/machine.ts";
import type { Task } from "../src/kernel/task.ts";
import { resolveTif } from "../src/measure/run-workload.ts";
import { getWorkload } from "../src/workload/index.ts";
import { type BenchRecord, record, writeSuiteResults } from "./results.ts";

const SLICE = 200_000; // guest instructions per benchmark operation
const LOOP_COUNT = 2_000_000_000; // iterations of the guest loop: never reached

interface Path {
  name: string;
  machine: Machine;
  task: Task;
  syscalls: number;
  instructions: number;
}

function boot(name: string, tif: readonly string[]): Path {
  const image = getWorkload("null").build({ count: LOOP_COUNT, gap: 0 });
  const machine = Machine.boot({ costs: UNIT_COSTS });
  const task = machine.createTask({ name: "null", image });
  for (const t of tif) task.tif.set(resolveTif(t).bit);
  const p: Path = { name, machine, task, syscalls: 0, instructions: 0 };
  step(p); // warm-up slice; also checks that the machine runs
  p.syscalls = 0;
  p.instructions = 0;
  return p;
}

function step(p: Path): void {
  const before = p.task.acct.syscalls;
  const r = p.machine.run({ maxInstructions: SLICE });
  if (r.reason !== "budget")
    throw new Error(`${p.name}: the machine stopped (${r.reason}): ${p.machine.oops ?? ""}`);
  p.syscalls += p.task.acct.syscalls - before;
  p.instructions += r.instructions;
}

const paths = [
  boot("fast path", []),
  boot("audit (TIF_SYSCALL_AUDIT)", ["audit"]),
  boot("trace (TIF_SYSCALL_TRACE)", ["trace"]),
];
export let sink = 0;

interface Row {
  name: string;
  syscallsPerSec: number;
  mips: number;
  instructionsPerCall: number;
  rme: number;
  samples: number;
}
const rows: Row[] = [];
const records: BenchRecord[] = [];

const suite = new Benchmark.Suite("syscall");
for (const p of paths) {
  suite.add(
    p.name,
    () => {
      step(p);
      sink ^= p.task.acct.syscalls;
    },
    { maxTime: 3 },
  );
}
suite.on("cycle", (event: Benchmark.Event) => {
  const b = event.target as unknown as Benchmark;
  const p = paths.find((x) => x.name === b.name)!;
  const perOp = p.syscalls / (p.instructions / SLICE);
  rows.push({
    name: p.name,
    syscallsPerSec: b.hz * perOp,
    mips: (b.hz * SLICE) / 1e6,
    instructionsPerCall: p.instructions / p.syscalls,
    rme: b.stats.rme,
    samples: b.stats.sample.length,
  });
  records.push(
    record("syscall", b, {
      syscallsPerSec: b.hz * perOp,
      mips: (b.hz * SLICE) / 1e6,
      instructionsPerSyscall: p.instructions / p.syscalls,
    }),
  );
});

await new Promise<void>((resolve) => {
  suite.on("complete", () => resolve());
  suite.run({ async: true });
});

console.log(
  `${"path".padEnd(28)} ${"syscalls/s".padStart(11)} ${"MIPS".padStart(6)} ${"insn/call".padStart(9)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(28)} ${(r.syscallsPerSec / 1e3).toFixed(0).padStart(10)}k ${r.mips.toFixed(1).padStart(6)} ${r.instructionsPerCall.toFixed(1).padStart(9)}  ±${r.rme.toFixed(1)}% (${r.samples} samples)`,
  );
}
console.log(`(sink ${sink}) → ${writeSuiteResults("syscall", records)}`);
