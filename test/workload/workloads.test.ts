import { describe, expect, it } from "vitest";
import { UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { syscallNumber } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { getWorkload, WORKLOADS } from "../../src/workload/index.ts";
import { WORKLOAD_NAMES } from "../../src/workload/names.ts";

function run(name: string, count: number, gap: number) {
  const w = getWorkload(name);
  const image = w.build({ count, gap });
  const m = Machine.boot({ costs: UNIT_COSTS });
  const t = m.createTask({ name, image });
  const r = m.run({ maxInstructions: 10_000_000 });
  return { w, m, t, r };
}

describe("workloads", () => {
  it("WORKLOAD_NAMES (the help texts' list) is WORKLOADS' names in order", () => {
    expect(WORKLOAD_NAMES).toEqual(WORKLOADS.map((w) => w.name));
  });

  for (const w of WORKLOADS) {
    it(`${w.name}: every loop call succeeds as often as asked, then exit_group(0)`, () => {
      const { t, r } = run(w.name, 50, 0);
      expect(r.reason).toBe("exited");
      expect(t.exitCode).toBe(0);
      const setup = w.setupSyscalls ?? [];
      expect(t.acct.syscalls).toBe(50 * w.syscallsPerIteration.length + setup.length + 1);
      for (const name of w.syscallsPerIteration) {
        const nr = syscallNumber(name)!;
        expect(nr, name).toBeGreaterThanOrEqual(0);
        const extra = setup.filter((s) => s === name).length;
        expect(t.acct.perSyscall.get(nr)?.calls, name).toBe(50 + extra);
      }
      expect(t.acct.perSyscall.get(231)?.calls).toBe(1);
      // no call took the badsys path: every number is implemented in 3.1's table
      expect(t.acct.paths.badsys).toBe(0);
    });
  }

  it("gap adds exactly `gap` user instructions after every syscall", () => {
    const a = run("sowa-micro", 20, 0).t.acct;
    const b = run("sowa-micro", 20, 7).t.acct;
    expect(b.instret - a.instret).toBe(7 * 20 * 4);
    expect(b.sysCycles).toBe(a.sysCycles);
  });

  for (const w of WORKLOADS) {
    it(`${w.name}: every call succeeds (audit records of a run with TIF_SYSCALL_AUDIT)`, () => {
      const image = w.build({ count: 2, gap: 0 });
      const m = Machine.boot({ costs: UNIT_COSTS });
      const t = m.createTask({ name: w.name, image });
      t.tif.set(7); // TIF_SYSCALL_AUDIT
      m.run({ maxInstructions: 1_000_000 });
      const loop = t.audit.filter((a) => a.nr !== 231).slice((w.setupSyscalls ?? []).length);
      expect(loop.map((a) => a.nr)).toEqual([
        ...w.syscallsPerIteration.map((n) => syscallNumber(n)),
        ...w.syscallsPerIteration.map((n) => syscallNumber(n)),
      ]);
      for (const a of loop) expect(a.success, `nr ${a.nr} returned ${a.result}`).toBe(true);
    });
  }

  it("rejects a bad count or gap with a clear message", () => {
    const w = getWorkload("null");
    expect(() => w.build({ count: 0, gap: 0 })).toThrow(/count must be a positive integer/);
    expect(() => w.build({ count: 1.5, gap: 0 })).toThrow(/count/);
    expect(() => w.build({ count: 1, gap: -1 })).toThrow(/gap must be an integer/);
    expect(() => getWorkload("nope")).toThrow(/unknown workload 'nope' \(known: null, sowa-micro/);
  });
});
