// A released machine's guest RAM is reused by the next boot of the same size (Machine.release): the machine
// booted on it must be exactly a fresh one — same cycles, instructions, output, accounting and guest memory.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PhysicalMemory, spareRamStores } from "../../src/cpu/memory.ts";
import { execTask } from "../../src/kernel/exec.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { getWorkload } from "../../src/workload/index.ts";

const profile = getProfile("sandybridge-2011");
const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, "../fixtures/bin", name)));
const FORKPIPE = fixture("forkpipe");
const HELLO = fixture("hello");

function boot(flavour: "linux-3.1" | "linux-generic" = "linux-3.1"): Machine {
  return Machine.boot({ costs: profile.costs, natives: profile.natives, clockHz: profile.clockHz, flavour });
}

/** Workload A: a fork and a pipe (many frames handed out, written, freed and decoded as code). */
function runA(m: Machine): void {
  const t = execTask(m, { bytes: FORKPIPE, argv: ["forkpipe"] });
  m.run({ maxInstructions: 50_000_000 });
  expect(t.exited).toBe(true);
}

/** Workload B: the null loop and a C program, everything observable about the run. */
function runB(m: Machine) {
  const loop = m.createTask({ name: "null", image: getWorkload("null").build({ count: 50, gap: 0 }) });
  const hello = execTask(m, { bytes: HELLO, argv: ["hello", "world"] });
  const run = m.run({ maxInstructions: 50_000_000 });
  const cpu = m.cpus[0]!;
  // the first 32 MiB hold every frame either workload was handed (frames are handed out from the bottom)
  const ram = m.phys.bytes.subarray(0, 32 << 20);
  return {
    run,
    cycles: cpu.cycles,
    userCycles: cpu.userCycles,
    sysCycles: cpu.sysCycles,
    instret: cpu.instret,
    regs: Array.from(cpu.regs),
    tasks: [loop, hello].map((t) => ({
      exit: t.exitCode,
      acct: { ...t.acct, perSyscall: [...t.acct.perSyscall] },
    })),
    stdout: m.stdout,
    stderr: m.stderr,
    framesInUse: m.phys.framesInUse,
    ram: createHash("sha256").update(ram).digest("hex"),
  };
}

describe("Machine.release: a reused guest RAM is a fresh one", () => {
  for (const flavour of ["linux-3.1", "linux-generic"] as const) {
    it(`${flavour}: B after A on A's released RAM is bit for bit B on a fresh machine`, () => {
      const fresh = boot(flavour); // allocated: A is not released yet
      const want = runB(fresh);
      const a = boot(flavour);
      const aBytes = a.phys.bytes;
      runA(a);
      a.release();
      const reused = boot(flavour);
      expect(reused.phys.bytes).toBe(aBytes); // it did take A's buffer
      const got = runB(reused);
      expect(got).toEqual(want);
      expect(got.run.instructions).toBeGreaterThan(0);
      expect(got.stdout).toContain("world");
      reused.release();
      fresh.release();
    });
  }

  it("a released machine refuses to run, and its memory hands out no frame", () => {
    const m = boot();
    m.release();
    m.release(); // twice is once
    expect(() => m.run()).toThrow(/released/);
    expect(() => m.phys.allocFrame()).toThrow(/released/);
  });
});

describe("PhysicalMemory reuse", () => {
  it("zeroes every frame ever handed out, and resets the per-frame tables", () => {
    const size = 64 * 4096; // a size no other test uses, so the spare store is this one
    const p = new PhysicalMemory({ maxBytes: size });
    const frames = [p.allocFrame(), p.allocFrame(), p.allocFrame()];
    for (const f of frames) p.bytes.fill(0xa5, f, f + 4096);
    p.markCode(frames[1]! / 4096);
    p.invalidateCode(frames[1]! / 4096);
    p.markCode(frames[2]! / 4096);
    p.freeFrame(frames[0]!); // a frame on the free list is dirty too
    p.release();
    const before = spareRamStores();
    const q = new PhysicalMemory({ maxBytes: size });
    expect(spareRamStores()).toBe(before - 1);
    expect(q.bytes).toBe(p.bytes);
    expect(q.bytes.every((b) => b === 0)).toBe(true);
    expect(q.codeGen.every((g) => g === 0)).toBe(true);
    expect(q.hasCode.every((h) => h === 0)).toBe(true);
    expect(q.framesInUse).toBe(0);
    expect(q.allocFrame()).toBe(0); // frames are handed out from the start again
    expect(() => q.freeFrame(4096)).toThrow(/not allocated/); // no reference count survived
  });

  it("another size allocates its own buffer", () => {
    const p = new PhysicalMemory({ maxBytes: 32 * 4096 });
    p.release();
    const q = new PhysicalMemory({ maxBytes: 48 * 4096 });
    expect(q.bytes).not.toBe(p.bytes);
    expect(q.bytes.length).toBe(48 * 4096);
  });
});
