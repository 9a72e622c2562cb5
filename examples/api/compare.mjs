// The library API (docs/api.md): a cost profile, one workload run, and designs compared against none.
import { compareDesigns, getProfile, runWorkload } from "syscall-lab";

const profile = getProfile("sandybridge-2011");

// one workload: getppid() 100 times on a kernel built with the cgroup-composed design
const run = runWorkload({ workload: "null", count: 100, profile, design: "cgroup-composed" });
console.log(`${run.workload} x ${run.count} with ${run.design}: ${run.cyclesPerCall} cycles per call`);

// designs against none, for a task whose cgroup denies reboot(2), at cgroup depths 0 and 2
const cmp = compareDesigns({
  designs: ["none", "cgroup-walk", "seccomp-bpf"],
  depths: [0, 2],
  workload: "null",
  count: 100,
  modes: ["filtered"],
  profile,
});
for (const p of cmp.points)
  console.log(
    `${p.design.padEnd(12)} depth ${p.depth}: ${p.cyclesPerCall} cycles per call (+${p.extraCyclesPerCall})`,
  );
console.log(`designs that deny nothing: ${cmp.enforcesNothing.join(", ") || "none"}`);
