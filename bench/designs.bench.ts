// Host speed of each filter design (Benchmark.js): emulated null syscalls (getppid) per host second for every
// catalogued design on each kernel flavour — linux-3.1, linux-generic, linux-generic with PTI — for a filtered task
// (its cgroup denies reboot, which the loop never calls), and the host nanoseconds per call each design's check
// adds over `none` on the same flavour in the same run. Designs whose kernel parts hook the 3.1 entry code cannot
// boot on linux-generic and are skipped with a note. Each machine boots once; an operation runs a fixed slice of
// instructions of a task that loops for ever, so boot is not timed.
// Run built: npx tsc -p tsconfig.build.json && node dist/bench/designs.bench.js
import Benchmark from "benchmark";
import { designIds, getDesign } from "../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../src/cgroup/host-api.ts";
import { Machine } from "../src/kernel/machine.ts";
import type { Task } from "../src/kernel/task.ts";
import { DENIED_NR, type Flavour, flavourBlocks } from "../src/measure/compare.ts";
import { getProfile } from "../src/measure/profile.ts";
import { getWorkload } from "../src/workload/index.ts";
import { type BenchRecord, record, writeSuiteResults } from "./results.ts";

const SLICE = 100_000; // guest instructions per benchmark operation
const LOOP_COUNT = 2_000_000_000; // iterations of the guest loop: never reached
const MAX_TIME = 1; // seconds per case: 20 cases stay under a minute on 2 cores

interface Kernel {
  label: string;
  flavour: Flavour;
  pti: boolean;
  profile: string;
}

const KERNELS: readonly Kernel[] = [
  { label: "linux-3.1", flavour: "linux-3.1", pti: false, profile: "sandybridge-2011" },
  { label: "linux-generic", flavour: "linux-generic", pti: false, profile: "cascadelake-2022" },
  { label: "linux-generic+pti", flavour: "linux-generic", pti: true, profile: "cascadelake-2022-pti" },
];

interface Case {
  name: string;
  design: string;
  kernel: Kernel;
  machine: Machine;
  task: Task;
  syscalls: number;
  instructions: number;
}

function boot(design: string, kernel: Kernel): Case {
  const profile = getProfile(kernel.profile);
  const machine = Machine.boot({
    costs: profile.costs,
    natives: profile.natives,
    design: getDesign(design),
    flavour: kernel.flavour,
    ...(kernel.pti ? { pti: true } : {}),
  });
  const task = machine.createTask({
    name: "null",
    image: getWorkload("null").build({ count: LOOP_COUNT, gap: 0 }),
  });
  const r = new CgroupHostApi(machine).write("/syscalls.deny", DENIED_NR);
  if (r !== 0) throw new Error(`${design} on ${kernel.label}: deny ${DENIED_NR} failed (${r})`);
  const c: Case = {
    name: `${design} @ ${kernel.label}`,
    design,
    kernel,
    machine,
    task,
    syscalls: 0,
    instructions: 0,
  };
  step(c); // warm-up slice; also checks that the machine runs
  c.syscalls = 0;
  c.instructions = 0;
  return c;
}

function step(c: Case): void {
  const before = c.task.acct.syscalls;
  const r = c.machine.run({ maxInstructions: SLICE });
  if (r.reason !== "budget")
    throw new Error(`${c.name}: the machine stopped (${r.reason}): ${c.machine.oops ?? ""}`);
  c.syscalls += c.task.acct.syscalls - before;
  c.instructions += r.instructions;
}

const cases: Case[] = [];
const notes: string[] = [];
for (const kernel of KERNELS) {
  const skipped = new Map<string, string[]>();
  for (const design of designIds()) {
    const reason = flavourBlocks(design, kernel.flavour);
    if (reason === null) cases.push(boot(design, kernel));
    else skipped.set(reason, [...(skipped.get(reason) ?? []), design]);
  }
  for (const [reason, ds] of skipped)
    notes.push(`skipped on ${kernel.label} (cannot boot there: ${reason}): ${ds.join(", ")}`);
}
export let sink = 0;

const records: BenchRecord[] = [];
const byName = new Map<string, { rec: BenchRecord; nsPerCall: number; c: Case }>();

const suite = new Benchmark.Suite("designs");
for (const c of cases) {
  suite.add(
    c.name,
    () => {
      step(c);
      sink ^= c.task.acct.syscalls;
    },
    { maxTime: MAX_TIME, minSamples: 5 },
  );
}
suite.on("cycle", (event: Benchmark.Event) => {
  const b = event.target as unknown as Benchmark;
  const c = cases.find((x) => x.name === b.name)!;
  const callsPerOp = c.syscalls / (c.instructions / SLICE);
  const rec = record("designs", b, {
    design: c.design,
    kernel: c.kernel.label,
    syscallsPerSec: b.hz * callsPerOp,
    nsPerSyscall: (b.stats.mean * 1e9) / callsPerOp,
    instructionsPerSyscall: c.instructions / c.syscalls,
  });
  records.push(rec);
  byName.set(c.name, { rec, nsPerCall: rec.extra!.nsPerSyscall as number, c });
});

await new Promise<void>((resolve) => {
  suite.on("complete", () => resolve());
  suite.run({ async: true });
});

// The host time of each design's check: ns per call beyond `none` on the same kernel, measured in this run.
for (const r of records) {
  const base = byName.get(`none @ ${r.extra!.kernel}`);
  if (base !== undefined) r.extra!.checkNsPerSyscall = (r.extra!.nsPerSyscall as number) - base.nsPerCall;
}

console.log(
  `${"design @ kernel".padEnd(40)} ${"syscalls/s".padStart(11)} ${"ns/call".padStart(8)} ${"check ns".padStart(9)} ${"insn/call".padStart(9)}`,
);
for (const r of records) {
  const x = r.extra!;
  console.log(
    `${r.name.padEnd(40)} ${((x.syscallsPerSec as number) / 1e3).toFixed(0).padStart(10)}k ${(x.nsPerSyscall as number).toFixed(0).padStart(8)} ${(x.checkNsPerSyscall as number).toFixed(0).padStart(9)} ${(x.instructionsPerSyscall as number).toFixed(1).padStart(9)}  ±${r.rme.toFixed(1)}% (${r.samples} samples)`,
  );
}
for (const n of notes) console.log(n);
console.log(`(sink ${sink}) → ${writeSuiteResults("designs", records, notes)}`);
