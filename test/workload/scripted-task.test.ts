import { describe, expect, it } from "vitest";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { EFAULT, ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { MBOX_STRINGS, ScriptedTasks, scriptedProgram } from "../../src/workload/scripted-task.ts";

const boot = (design = "cgroup-composed", deniedErrno = ENOSYS) => {
  const m = Machine.boot({ design: getDesign(design), deniedErrno });
  return { m, st: new ScriptedTasks(m), cg: new CgroupHostApi(m) };
};

describe("ScriptedTasks", () => {
  it("each call is one SYSCALL through system_call, accounted like any other", () => {
    const { st } = boot();
    const t = st.spawn("t");
    expect(st.call(t, BigInt(NR.getpid), [])).toEqual({ kind: "returned", value: 1n });
    expect(st.call(t, BigInt(NR.getpid), [])).toEqual({ kind: "returned", value: 1n });
    expect(t.acct.perSyscall.get(NR.getpid)?.calls).toBe(2);
    // the rest are park calls (sched_yield); the machine paused inside the last one, not yet accounted
    expect(t.openSyscall?.nr).toBe(NR.sched_yield);
    expect(t.acct.syscalls - 2 - 1).toBe(t.acct.perSyscall.get(NR.sched_yield)?.calls);
    expect(t.acct.paths.fast).toBe(t.acct.syscalls);
  });

  it("the active design's check runs on the call: a filtered task under cgroup-tif takes tracesys", () => {
    const { st, cg } = boot("cgroup-tif", EPERM);
    const t = st.spawn("t");
    cg.mkdir("/j");
    cg.write("/j/syscalls.deny", NR.getppid);
    cg.move(t, "/j");
    const before = t.acct.paths.trace;
    expect(st.call(t, BigInt(NR.getppid), [])).toEqual({ kind: "returned", value: -BigInt(EPERM) });
    expect(t.acct.paths.trace).toBeGreaterThan(before);
    expect(t.acct.paths.iret).toBeGreaterThan(0);
  });

  it("calls on several tasks are served in turn, whatever they may call (even a denied sched_yield)", () => {
    const { st, cg } = boot();
    const a = st.spawn("a");
    const b = st.spawn("b");
    const c = st.spawn("c", a);
    cg.mkdir("/j");
    cg.write("/j/syscalls.deny", NR.sched_yield);
    cg.move(b, "/j");
    cg.move(c, "/j");
    for (let i = 0; i < 3; i++) {
      expect(st.call(c, BigInt(NR.getppid), [])).toEqual({ kind: "returned", value: 1n });
      expect(st.call(b, BigInt(NR.getpid), [])).toEqual({ kind: "returned", value: 2n });
      expect(st.call(a, BigInt(NR.sched_yield), [])).toEqual({ kind: "returned", value: 0n });
      expect(st.call(b, BigInt(NR.sched_yield), [])).toEqual({ kind: "returned", value: -BigInt(ENOSYS) });
    }
  });

  it("strings are placed in the mailbox and passed by address; integers are taken modulo 2^64", () => {
    const { st, cg } = boot();
    const t = st.spawn("t");
    const r = st.call(t, BigInt(NR.mkdir), [{ string: "/sys/fs/cgroup/syscalls/made" }, 0o755n]);
    expect(r).toEqual({ kind: "returned", value: 0n });
    expect(cg.read("/made/tasks")).toBe("");
    expect(t.space.readCString(scriptedProgram().mailbox + MBOX_STRINGS, 64)).toBe(
      "/sys/fs/cgroup/syscalls/made",
    );
    expect(st.call(t, BigInt(NR.uname), [-1n])).toEqual({ kind: "returned", value: -BigInt(EFAULT) });
    expect(() => st.call(t, 39n, [1n, 2n, 3n, 4n, 5n, 6n, 7n])).toThrow(/at most 6 arguments/);
    expect(() => st.call(t, 80n, [{ string: "x".repeat(5000) }])).toThrow(/string arguments exceed/);
  });

  it("exit ends the task (with or without other tasks); a later call is a host error", () => {
    const { st } = boot();
    const a = st.spawn("a");
    const b = st.spawn("b");
    expect(st.call(a, BigInt(NR.exit), [3n])).toEqual({ kind: "exited", status: 3 });
    expect(st.call(b, BigInt(NR.exit_group), [4n])).toEqual({ kind: "exited", status: 4 });
    expect(() => st.call(a, BigInt(NR.getpid), [])).toThrow(/has exited/);
    const c = st.spawn("c");
    expect(st.call(c, BigInt(NR.getpid), [])).toEqual({ kind: "returned", value: 3n });
  });
});
