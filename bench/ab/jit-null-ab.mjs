// In-process A/B of two builds' block JIT on emulated null syscalls (getppid, Linux 3.1 fast path, sandybridge-2011):
// node bench/ab/jit-null-ab.mjs DIST_A DIST_B [ROUNDS]. Each round boots a machine per build (A B, then B A, …),
// runs a 2 M-instruction warm-up slice, then times 8 slices of 2 M instructions in CPU seconds.
const [a, b, roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 4);
const builds = [];
for (const dir of [a, b]) {
  const { setDefaultEngine } = await import(`${dir}/src/cpu/jit/engine.js`);
  const { Machine } = await import(`${dir}/src/kernel/machine.js`);
  const { getProfile } = await import(`${dir}/src/measure/profile.js`);
  const { getWorkload } = await import(`${dir}/src/workload/index.js`);
  builds.push({ setDefaultEngine, Machine, profile: getProfile("sandybridge-2011"), getWorkload, rates: [] });
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
for (let i = 0; i < ROUNDS; i++) {
  for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
    const x = builds[k];
    x.setDefaultEngine("jit");
    const image = x.getWorkload("null").build({ count: 2_000_000_000, gap: 0 });
    const machine = x.Machine.boot({ costs: x.profile.costs });
    const task = machine.createTask({ name: "null", image });
    machine.run({ maxInstructions: 2_000_000 });
    const before = task.acct.syscalls;
    const t0 = cpu();
    for (let j = 0; j < 8; j++) machine.run({ maxInstructions: 2_000_000 });
    const rate = (task.acct.syscalls - before) / (cpu() - t0);
    x.rates.push(rate);
    console.log(`${k === 0 ? "A" : "B"} ${(rate / 1e3).toFixed(0)} k/s`);
  }
}
const med = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const [ra, rb] = builds.map((x) => med(x.rates));
console.log(
  `median A ${(ra / 1e3).toFixed(0)} k/s, B ${(rb / 1e3).toFixed(0)} k/s, B/A ${(rb / ra).toFixed(2)}`,
);
