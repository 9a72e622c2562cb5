import { describe, expect, it } from "vitest";
import { INSN_CLASS_INDEX } from "../../src/cpu/insn-class.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { resolveTif, runWorkload } from "../../src/measure/run-workload.ts";

const profile = getProfile("sandybridge-2011");

describe("runWorkload", () => {
  it("is deterministic: the same run twice gives identical reports", () => {
    const a = runWorkload({ workload: "unixbench-syscall", count: 200, profile, tif: ["audit"] });
    const b = runWorkload({ workload: "unixbench-syscall", count: 200, profile, tif: ["audit"] });
    expect(b).toEqual(a);
  });

  it("reports the loop's calls per syscall, excluding the final exit_group", () => {
    const r = runWorkload({ workload: "null", count: 300, profile });
    expect(r.calls.map((c) => [c.name, c.calls])).toEqual([["getppid", 300]]);
    expect(r.syscalls).toBe(301);
    expect(r.paths).toEqual({ fast: 301, audit: 0, trace: 0, badsys: 0, sysret: 300, iret: 0 });
    // round trip = the SYSCALL instruction (charged to user time) + the CPL-0 cycles
    const syscallCost = profile.costs.classes.syscall;
    expect(r.cyclesPerCall).toBe(r.sysCyclesPerCall + syscallCost);
    expect(Number.isInteger(r.cyclesPerCall)).toBe(true);
    expect(INSN_CLASS_INDEX.syscall).toBeGreaterThan(0);
  });

  it("each flag selects its path: fast + SYSRET, auditsys + SYSRET, tracesys + IRET", () => {
    const none = runWorkload({ workload: "null", count: 100, profile });
    const audit = runWorkload({ workload: "null", count: 100, profile, tif: ["audit"] });
    const trace = runWorkload({ workload: "null", count: 100, profile, tif: ["trace"] });
    expect([none.paths.fast, none.paths.sysret, none.paths.iret]).toEqual([101, 100, 0]);
    expect([audit.paths.audit, audit.paths.sysret, audit.paths.iret]).toEqual([101, 100, 0]);
    expect([trace.paths.trace, trace.paths.sysret, trace.paths.iret]).toEqual([101, 0, 100]);
    expect(audit.cyclesPerCall).toBeGreaterThan(none.cyclesPerCall);
    expect(trace.cyclesPerCall).toBeGreaterThan(audit.cyclesPerCall);
    // the user side is identical: filtering is paid in sys time only
    expect(audit.userCycles).toBe(none.userCycles);
  });

  it("resolves TIF names: short forms and the kernel's names", () => {
    expect(resolveTif("audit")).toEqual({ name: "TIF_SYSCALL_AUDIT", bit: 7 });
    expect(resolveTif("TIF_SYSCALL_TRACE")).toEqual({ name: "TIF_SYSCALL_TRACE", bit: 0 });
    expect(resolveTif("syscall_tracepoint")).toEqual({ name: "TIF_SYSCALL_TRACEPOINT", bit: 28 });
    expect(() => resolveTif("bogus")).toThrow(/unknown TIF flag 'bogus'/);
  });

  it("a task killed in the kernel is reported, not thrown", () => {
    // TIF_SECCOMP set by hand, mode 0: 3.1's __secure_computing hits BUG() for a mode it does not know;
    // the model ends the task with SIGKILL at its first syscall, getppid, which never returns.
    const r = runWorkload({ workload: "null", count: 5, profile, tif: ["seccomp"] });
    expect(r.killedBy).toBe(9);
    expect(r.exitCode).toBe(null);
    expect(r.syscalls).toBe(1);
    expect(r.calls.map((c) => [c.name, c.calls])).toEqual([["getppid", 1]]);
  });
});
