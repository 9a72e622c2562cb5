import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { compileProfile, getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const SB = getProfile("sandybridge-2011");

/** sandybridge-2011 with some natives replaced (a probe value shows where a cost is charged). */
function withNatives(over: Record<string, number>) {
  const natives = { ...SB.spec.natives };
  for (const [k, v] of Object.entries(over)) natives[k] = { value: v, source: "test probe" };
  return compileProfile({ ...SB.spec, name: "probe", natives });
}

describe("a guest tracer's stops (ptrace-deny): the switches are charged once", () => {
  const run = (over: Record<string, number>) =>
    runExec({ program: `${FIX}bin/ptrace-deny.musl`, args: [], profile: withNatives(over) });
  it("charges ptrace_stop, never tracehook_report_syscall (whose value includes two switches)", () => {
    const base = run({});
    const bigTracehook = run({ tracehook_report_syscall: 1_000_000 });
    expect(bigTracehook.stdout).toBe(base.stdout);
    expect(bigTracehook.userCycles + bigTracehook.sysCycles).toBe(base.userCycles + base.sysCycles);
    const bigStop = run({ ptrace_stop: 1_000_000 });
    expect(bigStop.sysCycles).toBeGreaterThan(base.sysCycles + 1_000_000);
  });
  it("each real switch between the two address spaces pays switch_refill once", () => {
    const a = run({ switch_refill: 0 });
    const b = run({ switch_refill: 1000 });
    const extra = b.userCycles + b.sysCycles - (a.userCycles + a.sysCycles);
    expect(extra % 1000).toBe(0);
    // at least the two switches of every stop (entry and exit stop of each traced call)
    expect(extra / 1000).toBeGreaterThanOrEqual(4);
  });
});

describe("a host-modelled tracer (the ptrace design): two switches' refill and FPU per stop", () => {
  it("adds 2 × (switch_refill + switch_fpu) per stop on top of tracehook_report_syscall and the tracer's work", () => {
    const count = 50;
    const at = (p: ReturnType<typeof withNatives>) =>
      compareDesigns({
        designs: ["ptrace"],
        depths: [0],
        workload: "null",
        count,
        modes: ["filtered"],
        profile: p,
      }).points.find((x) => x.design === "ptrace")!.extraCyclesPerCall;
    const a = at(withNatives({ switch_refill: 0, switch_fpu: 0 }));
    const b = at(withNatives({ switch_refill: 100, switch_fpu: 10 }));
    // two stops per call, two switches per stop
    expect(b - a).toBeCloseTo(4 * 110, 6);
  });
});
