// The block JIT against the interpreter on the suite's workloads, designs, flavours and programs: identical
// reports (every cycle and instruction count, per call and in total), identical guest output and identical
// registers at every system call (a probe at the syscall entry records the user registers, in both engines).
import { afterAll, describe, expect, it } from "vitest";
import { designIds } from "../../../src/cgroup/designs/index.ts";
import { runExec } from "../../../src/cli/exec.ts";
import { defaultEngine, type Engine, setDefaultEngine } from "../../../src/cpu/jit/engine.ts";
import { flavourBlocks, placeTask } from "../../../src/measure/compare.ts";
import { getProfile } from "../../../src/measure/profile.ts";
import { runWorkload } from "../../../src/measure/run-workload.ts";

const before = defaultEngine();
afterAll(() => setDefaultEngine(before));

function both<T>(f: () => T): [T, T] {
  const out = (["interp", "jit"] as Engine[]).map((e) => {
    setDefaultEngine(e);
    try {
      return f();
    } finally {
      setDefaultEngine(before);
    }
  });
  return [out[0]!, out[1]!];
}

function workload(
  workload: string,
  design: string,
  flavour: "linux-3.1" | "linux-generic",
  pti: boolean,
  profile: string,
  filtered: boolean,
) {
  const regsAtSyscalls: string[] = [];
  const report = runWorkload({
    workload,
    count: 12,
    gap: 3,
    profile: getProfile(profile),
    design,
    flavour,
    ...(pti ? { pti: true } : {}),
    setup: (m, t) => {
      placeTask(m, t, 1, filtered ? "filtered" : "unfiltered");
      const cpu = m.cpus[0]!;
      cpu.addProbe(cpu.lstar, (c) => {
        regsAtSyscalls.push(Array.from({ length: 16 }, (_, i) => c.getReg(i).toString(16)).join(" "));
      });
    },
  });
  return { report, regsAtSyscalls };
}

describe("block JIT against the interpreter: the null workload on every design and flavour", () => {
  const flavours: ["linux-3.1" | "linux-generic", boolean][] = [
    ["linux-3.1", false],
    ["linux-generic", false],
    ["linux-generic", true],
  ];
  for (const [flavour, pti] of flavours) {
    for (const design of designIds()) {
      if (flavourBlocks(design, flavour) !== null) continue;
      it(`${design} on ${flavour}${pti ? " with PTI" : ""}: filtered and not (ooo timing), filtered (flat)`, () => {
        for (const profile of ["sandybridge-2011", "cascadelake-2022"]) {
          for (const filtered of profile === "cascadelake-2022" ? [true, false] : [true]) {
            const [a, b] = both(() => workload("null", design, flavour, pti, profile, filtered));
            expect(a.regsAtSyscalls.length).toBeGreaterThan(12);
            expect(b).toEqual(a);
          }
        }
      });
    }
  }

  it("the other workloads on linux-3.1 (none and cgroup-walk)", () => {
    for (const wl of [
      "sowa-micro",
      "unixbench-syscall",
      "lat-read",
      "lat-write",
      "lat-stat",
      "lat-fstat",
      "lat-open",
    ]) {
      for (const design of ["none", "cgroup-walk"]) {
        const [a, b] = both(() => workload(wl, design, "linux-3.1", false, "cascadelake-2022", true));
        expect(b, `${wl} ${design}`).toEqual(a);
      }
    }
  });
});

describe("block JIT against the interpreter: the exec fixture programs", () => {
  const FIX = new URL("../../fixtures/", import.meta.url).pathname;
  const INPUT = `${FIX}src/input.txt`;
  const CASES: { bin: string; args?: string[]; stdin?: string; files?: string[] }[] = [
    { bin: "hello" },
    { bin: "hello.pie" },
    { bin: "cat", args: ["/input.txt"], files: [`${INPUT}:/input.txt`] },
    { bin: "wc", stdin: INPUT },
    { bin: "forkpipe" },
    { bin: "signals" },
    { bin: "seccomp" },
    { bin: "seccomp-syscall" },
    { bin: "auxv" },
    { bin: "cgroupcfg" },
    { bin: "ptrace-deny" },
    { bin: "sowa-getuid", args: ["300"] },
    { bin: "sowa-read", args: ["300"] },
  ];
  for (const c of CASES) {
    for (const libc of ["glibc", "musl"]) {
      const bin = libc === "musl" ? `${c.bin}.musl` : c.bin;
      if (c.bin === "hello.pie" && libc === "musl") continue;
      // glibc's start-up is long (~4 s a program here): its heavier programs run on musl only
      if (libc === "glibc" && !["hello", "wc", "forkpipe", "signals", "seccomp"].includes(c.bin)) continue;
      it(`${bin}`, () => {
        const [a, b] = both(() =>
          runExec({
            program: `${FIX}bin/${bin}`,
            args: c.args ?? [],
            profile: getProfile("cascadelake-2022"),
            ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
            ...(c.files !== undefined ? { files: c.files } : {}),
          }),
        );
        expect(a.instructions).toBeGreaterThan(500);
        expect(b).toEqual(a);
      });
    }
  }
});
