// In-process A/B of two builds' block JIT on the CPU-bound fixture: node bench/ab/jit-ab.mjs DIST_A DIST_B [KiB] [ROUNDS]
// Also reports the MIPS of what the long run does beyond a 16 KiB run (boot and loading taken out).
// (DIST_x: a directory holding a `npx tsc -p tsconfig.build.json` output, i.e. with src/ and bench/ inside).
// The builds alternate (A B B A A B …) in one process; each run is one `exec checksum.musl KiB`, timed in CPU
// seconds (process.cpuUsage), and must print the same checksum with the same instruction and cycle counts.
import { fileURLToPath } from "node:url";

const [a, b, kibArg, roundsArg] = process.argv.slice(2);
const KIB = String(kibArg ?? 4096);
const ROUNDS = Number(roundsArg ?? 4);
const program = fileURLToPath(new URL("../../test/fixtures/bin/checksum.musl", import.meta.url));
const builds = [];
for (const dir of [a, b]) {
  const { runExec } = await import(`${dir}/src/cli/exec.js`);
  const { setDefaultEngine } = await import(`${dir}/src/cpu/jit/engine.js`);
  const { getProfile } = await import(`${dir}/src/measure/profile.js`);
  builds.push({
    dir,
    runExec,
    setDefaultEngine,
    profile: getProfile("sandybridge-2011"),
    times: [],
    guest: [],
  });
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let ref;
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const k of order) {
    const x = builds[k];
    x.setDefaultEngine("jit");
    // A 16 KiB run first: the guest part of the long run is its time less the short one's (boot, loading).
    const t00 = cpu();
    const r0 = x.runExec({ program, args: ["16"], profile: x.profile });
    const t0 = cpu();
    const r = x.runExec({ program, args: [KIB], profile: x.profile });
    const s = cpu() - t0;
    const g = s - (t0 - t00);
    x.guest.push((r.instructions - r0.instructions) / g / 1e6);
    const key = `${r.stdout} ${r.instructions} ${r.userCycles} ${r.sysCycles}`;
    if (ref !== undefined && key !== ref) throw new Error(`builds differ: ${key} vs ${ref}`);
    ref = key;
    x.times.push(s);
    console.log(
      `${k === 0 ? "A" : "B"} ${s.toFixed(3)} s  ${(r.instructions / s / 1e6).toFixed(1)} MIPS; beyond the 16 KiB run: ${x.guest.at(-1).toFixed(1)} MIPS`,
    );
  }
}
const med = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const [ta, tb] = builds.map((x) => med(x.times));
const [ga, gb] = builds.map((x) => med(x.guest));
console.log(`median A ${ta.toFixed(3)} s, B ${tb.toFixed(3)} s, A/B ${(ta / tb).toFixed(2)} (${ref})`);
console.log(
  `median MIPS beyond the 16 KiB run: A ${ga.toFixed(1)}, B ${gb.toFixed(1)}, B/A ${(gb / ga).toFixed(2)}`,
);
