// Stops under the block JIT: a probe's requestStop takes effect at the next native, as in the interpreter (the
// JIT's run loop calls the interpreter between blocks without consuming it); a budget stop lands on the same
// instruction; natives' counters and costs match.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/cpu/jit/engine.ts";
import { getProfile } from "../../../src/measure/profile.ts";
import { machine, USER_CODE } from "../machine.ts";

const NATIVE = 0x500000; // unmapped: a native needs no code

function run(engine: Engine, budget: number) {
  const m = machine({ costs: getProfile("cascadelake-2022").costs });
  m.cpu.engine = engine;
  const syms = m.load(
    USER_CODE,
    [
      "movl $50, %ecx",
      "1: addl %ecx, %eax",
      "probe: imul %eax, %edx",
      "call *%rbx",
      "decl %ecx",
      "jnz 1b",
      "hlt",
    ].join("\n"),
  );
  m.cpu.setReg(3, BigInt(NATIVE));
  let calls = 0;
  m.cpu.registerNative(
    NATIVE,
    "count",
    () => {
      calls++;
      return undefined;
    },
    7,
  );
  let seen = 0;
  m.cpu.addProbe(Number(syms.get("probe")), (c) => {
    if (++seen === 20) c.requestStop("probe asked");
  });
  const stop = m.cpu.run(budget);
  return { stop: JSON.stringify(stop), calls, seen, rip: m.cpu.getRip(), c: m.cpu.cycles, i: m.cpu.instret };
}

describe("block JIT: stops", () => {
  it("a probe's requestStop ends the run at the next native, in both engines", () => {
    const a = run("interp", 100000);
    expect(a.stop).toContain("probe asked");
    expect(run("jit", 100000)).toEqual(a);
  });

  it("budget stops land on the same instruction", () => {
    for (const budget of [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144])
      expect(run("jit", budget)).toEqual(run("interp", budget));
  });
});
