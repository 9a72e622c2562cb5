// End to end: test/fixtures/bin/isa-check (x87 long double arithmetic and printing, POPCNT/LZCNT/TZCNT/BMI1/BMI2
// builtins, MMX intrinsics, CMPXCHG16B; built with glibc and musl) and fpu-switch (each task keeps its FPU state
// across context switches) under `exec` give their native output, with both engines (the block JIT runs these
// instructions through the interpreter's rare-op path).
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { defaultEngine, type Engine, setDefaultEngine } from "../../src/cpu/jit/engine.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const profile = getProfile("sandybridge-2011");
const before = defaultEngine();
afterAll(() => setDefaultEngine(before));

const CASES = [
  { expect: "isa-check", bin: "isa-check", args: [] as string[] },
  { expect: "isa-check-arg", bin: "isa-check", args: ["0xfedcba9876543210"] },
  { expect: "isa-check.musl", bin: "isa-check.musl", args: [] as string[] },
  // two tasks with different FCW, MXCSR and x87/XMM contents yielding to each other (kernel/sched.ts saves them)
  { expect: "fpu-switch", bin: "fpu-switch", args: [] as string[] },
];

describe("exec: isa-check gives its native output", () => {
  for (const engine of ["interp", "jit"] as Engine[])
    for (const c of CASES) {
      it(`${c.expect} (${engine})`, () => {
        setDefaultEngine(engine);
        const r = runExec({ program: `${FIX}bin/${c.bin}`, args: c.args, profile });
        const read = (ext: string) => readFileSync(`${FIX}expected/${c.expect}.${ext}`, "utf8");
        expect(r.stdout).toBe(read("stdout"));
        expect(r.stderr).toBe(read("stderr"));
        expect(r.signal).toBeNull();
        expect(r.exitCode).toBe(Number(read("status").trim()));
      });
    }
});
