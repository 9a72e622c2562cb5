// cgroup-tif, cgroup-tif-semislow and cgroup-sowa: denial on every path, the flag's control plane, the patch's
// auditsys finding, and the cost shape (exact simulated cycles, sandybridge-2011).
import { describe, expect, it } from "vitest";
import { TIF_SYSCALL_USE_CGROUP } from "../../src/cgroup/designs/cgroup-sowa.ts";
import { _TIF_SYSCALL_CGROUP, TIF_SYSCALL_CGROUP } from "../../src/cgroup/designs/cgroup-tif.ts";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { PT_REGS_SIZE, RCX } from "../../src/kernel/pt-regs.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import {
  _TIF_ALLWORK_MASK,
  _TIF_WORK_MASK,
  _TIF_WORK_SYSCALL_ENTRY,
  TIF_NAMES,
  TIF_SYSCALL_AUDIT,
  TIF_SYSCALL_TRACE,
} from "../../src/kernel/tif.ts";
import { callsProgram, type Ran, result, runProgram, userImage } from "../kernel/user-program.ts";
import {
  CALLS,
  compareNullWorkload,
  DENIED,
  expectCallResults,
  expectNothingDenied,
  PATHS,
  runJailed as run,
} from "./design-fixture.ts";

const IDS = ["cgroup-tif", "cgroup-tif-semislow", "cgroup-sowa"] as const;
const BIT: Record<(typeof IDS)[number], number> = {
  "cgroup-tif": TIF_SYSCALL_CGROUP,
  "cgroup-tif-semislow": TIF_SYSCALL_CGROUP,
  "cgroup-sowa": TIF_SYSCALL_USE_CGROUP,
};

function expectResults(ran: Ran, errno: number): void {
  expect(ran.m.oops).toBeNull();
  expect(ran.t.exitCode).toBe(0);
  expectCallResults(ran, errno);
}

describe("the flag bits", () => {
  it("TIF_SYSCALL_CGROUP (26) is unused in 3.1 and outside the exit masks; cgroup-tif adds it to the entry mask", () => {
    expect(TIF_NAMES[TIF_SYSCALL_CGROUP]).toBeUndefined();
    expect(TIF_NAMES[TIF_SYSCALL_USE_CGROUP]).toBeUndefined();
    expect(_TIF_SYSCALL_CGROUP & _TIF_ALLWORK_MASK).toBe(0);
    expect(_TIF_SYSCALL_CGROUP & _TIF_WORK_MASK).toBe(0);
    for (const id of ["cgroup-tif", "cgroup-tif-semislow"]) {
      const m = Machine.boot({ design: getDesign(id) });
      expect(m.symbols.get("_TIF_WORK_SYSCALL_ENTRY")).toBe(0x140001d1n);
    }
    // the patch's bit stays out of the entry mask
    expect(Machine.boot({ design: getDesign("cgroup-sowa") }).symbols.get("_TIF_WORK_SYSCALL_ENTRY")).toBe(
      BigInt(_TIF_WORK_SYSCALL_ENTRY),
    );
  });
});

describe.each(IDS)("%s: denial", (id) => {
  for (const p of PATHS) {
    if (id === "cgroup-sowa" && p.tif === TIF_SYSCALL_AUDIT) continue; // the finding, below
    it(`denied numbers return -ENOSYS and the others work, on the ${p.name} path`, () => {
      const ran = run(getDesign(id), p.tif);
      expectResults(ran, ENOSYS);
      const n = CALLS.length; // exit_group never returns
      const paths = ran.t.acct.paths;
      if (id === "cgroup-tif" || p.tif === TIF_SYSCALL_TRACE) {
        // a flagged (or traced) task always takes tracesys and IRET
        expect(paths.trace).toBe(n + 1);
        expect(paths.iret).toBe(n);
        expect(paths.sysret).toBe(0);
      } else {
        expect(paths.sysret).toBe(n);
        expect(paths.iret).toBe(0);
      }
      if (id === "cgroup-tif-semislow" && p.tif !== TIF_SYSCALL_TRACE) {
        // the semi-slow block: entered from tracesys, rejoins system_call_fastpath
        expect(paths.trace).toBe(n + 1);
        expect(paths.fast).toBe(n + 1 - DENIED.size); // exit_group included
      }
      if (id === "cgroup-sowa" && p.tif === null) expect(paths.badsys).toBe(DENIED.size);
    });

    it(`EPERM as the option, on the ${p.name} path`, () => {
      if (id === "cgroup-sowa" && p.tif === TIF_SYSCALL_AUDIT) return;
      expectResults(run(getDesign(id), p.tif, EPERM), EPERM);
    });
  }

  it("a task in the root is not filtered, and has no flag", () => {
    const ran = runProgram(callsProgram(CALLS), { design: getDesign(id) }, (t, m) => {
      const api = new CgroupHostApi(m);
      api.mkdir("/a");
      expect(api.write("/a/syscalls.deny", NR.getppid)).toBe(0);
      expect(t.tif.test(BIT[id])).toBe(false);
    });
    expect(result(ran, 1)).toBe(0); // getppid of a task without a parent
    expect(ran.t.acct.paths.sysret).toBe(CALLS.length);
  });
});

describe("cgroup-tif-semislow with audit", () => {
  it("audits every call, denied ones included, and still returns through SYSRET", () => {
    const ran = run(getDesign("cgroup-tif-semislow"), TIF_SYSCALL_AUDIT);
    expect(ran.t.audit.map((r) => r.nr)).toEqual(CALLS.map((c) => c.nr));
    ran.t.audit.forEach((r, i) => {
      expect(r.result, `nr ${r.nr}`).toBe(BigInt(result(ran, i)));
      expect(r.success).toBe(result(ran, i) >= 0);
    });
    expect(ran.t.acct.paths.audit).toBe(0); // auditsys itself is not entered: the design's copy runs
  });
});

describe.each(IDS)("%s: the flag follows the cgroup's deny count", (id) => {
  const bit = BIT[id];
  it("deny sets it, allow clears it, move and fork set or clear it per the target cgroup", () => {
    const m = Machine.boot({ design: getDesign(id) });
    const api = new CgroupHostApi(m);
    const img = userImage("_start:\nhlt\n");
    const t = m.createTask({ name: "t", image: img });
    expect(api.mkdir("/a")).toBe(0);
    expect(api.mkdir("/a/b")).toBe(0);
    const on = (x: { tif: { test(b: number): boolean } }) => x.tif.test(bit);
    api.move(t, "/a");
    expect(on(t)).toBe(false);
    expect(api.write("/a/syscalls.deny", NR.getppid)).toBe(0); // 0 -> 1
    expect(on(t)).toBe(true);
    expect(api.write("/a/syscalls.deny", NR.getuid)).toBe(0); // 1 -> 2
    const child = m.createTask({ name: "child", image: img, parent: t }); // fork: the parent's cgroup
    expect(on(child)).toBe(true);
    expect(api.write("/a/syscalls.allow", NR.getppid)).toBe(0); // 2 -> 1: still filtered
    expect(on(t)).toBe(true);
    api.move(t, "/"); // move to an allow-all cgroup
    expect(on(t)).toBe(false);
    api.move(t, "/a/b"); // /a/b inherited /a's deny at mkdir time and at the deny
    expect(on(t)).toBe(true);
    expect(api.write("/a/syscalls.allow", NR.getuid)).toBe(0); // /a: 1 -> 0
    expect(on(child)).toBe(false);
    expect(on(t)).toBe(true); // /a/b keeps its own copy of the deny
    expect(api.write("/a/b/syscalls.allow", NR.getuid)).toBe(0);
    expect(on(t)).toBe(true); // /a/b still denies getppid (propagated from /a before /a allowed it again)
    expect(api.write("/a/b/syscalls.allow", NR.getppid)).toBe(0);
    expect(on(t)).toBe(false);
    // a deny in the root reaches every descendant's tasks
    expect(api.write("/syscalls.deny", 300)).toBe(0);
    expect(on(t)).toBe(true);
    expect(on(child)).toBe(true);
    // the other bits of TI_flags are untouched
    expect(t.tif.get() & ~(1 << bit)).toBe(child.tif.get() & ~(1 << bit));
  });
});

describe("cgroup-sowa: the auditsys path (finding)", () => {
  // auditsys reaches the patch's fast-path test after LOAD_ARGS 0, which loads %rcx from the RCX slot that the
  // fast path never writes, so `testl $_TIF_SYSCALL_USE_CGROUP, TI_flags(%rcx)` reads whatever that slot points at.
  const rcxSlot = (t: { stackTop: number }) => t.stackTop - PT_REGS_SIZE + RCX;

  it("oopses on the first audited syscall of any task (fresh stack: RCX slot 0, TI_flags at 0x10)", () => {
    for (const filtered of [true, false]) {
      const ran = runProgram(callsProgram(CALLS), { design: getDesign("cgroup-sowa") }, (t, m) => {
        if (filtered) {
          const api = new CgroupHostApi(m);
          api.mkdir("/a");
          api.write("/a/syscalls.deny", NR.getppid);
          api.move(t, "/a");
        }
        t.tif.set(TIF_SYSCALL_AUDIT);
      });
      expect(ran.m.oops).toMatch(/kernel #PF at system_call_fastpath\+0x[0-9a-f]+: .*at 0x10\b/);
      expect(ran.t.acct.paths.audit).toBe(1);
      expect(result(ran, 0)).toBe(0); // nothing returned to user mode
    }
  });

  it("with a stale slot pointing at memory whose bit 29 is clear, a denied call is not denied", () => {
    // e.g. a user register value an interrupt frame left there: the flag is read from user memory
    const text = callsProgram(CALLS, "fake_ti: .zero 64\n");
    const fake = Number(userImage(text).symbols.get("fake_ti")!);
    const bypass = run(getDesign("cgroup-sowa"), TIF_SYSCALL_AUDIT, undefined, text, (t, m) =>
      m.kspace.write64(rcxSlot(t), BigInt(fake)),
    );
    expect(bypass.m.oops).toBeNull();
    expect(bypass.t.tif.test(TIF_SYSCALL_USE_CGROUP)).toBe(true); // the task is flagged …
    expectNothingDenied(bypass); // … and every call runs: nothing is denied
    expect(bypass.t.acct.paths.audit).toBe(CALLS.length + 1);
  });

  it("with the slot holding the task's own thread_info, the patch works on the audit path", () => {
    const ran = run(getDesign("cgroup-sowa"), TIF_SYSCALL_AUDIT, undefined, undefined, (t, m) =>
      m.kspace.write64(rcxSlot(t), BigInt.asUintN(64, BigInt(t.threadInfo))),
    );
    expectResults(ran, ENOSYS);
    expect(ran.t.audit.length).toBe(CALLS.length);
  });
});

describe("cost shape (sandybridge-2011, null workload, depths 0..3)", () => {
  const depths = [0, 1, 2, 3];
  const res = compareNullWorkload(["none", ...IDS], depths);
  const pts = (design: string, mode: "filtered" | "unfiltered") =>
    res.points.filter((p) => p.design === design && p.mode === mode).sort((a, b) => a.depth - b.depth);

  it("cgroup-tif and cgroup-tif-semislow: an unfiltered task costs exactly what it costs under none", () => {
    for (const id of ["cgroup-tif", "cgroup-tif-semislow"]) {
      for (const p of pts(id, "unfiltered")) {
        expect(p.extraCyclesPerCall, `${id} depth ${p.depth}`).toBe(0);
        expect(p.paths.sysret).toBe(p.calls);
      }
    }
  });

  it("cgroup-tif: a filtered task pays tracesys and IRET on every call, the same at every depth", () => {
    const f = pts("cgroup-tif", "filtered");
    for (const p of f) {
      expect(p.paths.sysret).toBe(0);
      expect(p.paths.iret).toBe(p.calls);
      expect(p.extraCyclesPerCall).toBeGreaterThan(300); // at least IRETQ's premium over SYSRET
    }
    expect(new Set(f.map((p) => p.cyclesPerCall)).size).toBe(1);
  });

  it("cgroup-tif-semislow: a filtered task returns by SYSRET and pays less than under cgroup-tif", () => {
    const s = pts("cgroup-tif-semislow", "filtered");
    const t = pts("cgroup-tif", "filtered");
    s.forEach((p, i) => {
      expect(p.paths.sysret).toBe(p.calls);
      expect(p.paths.iret).toBe(0);
      expect(p.extraCyclesPerCall).toBeGreaterThan(0);
      expect(p.cyclesPerCall).toBeLessThan(t[i]!.cyclesPerCall);
    });
    expect(new Set(s.map((p) => p.cyclesPerCall)).size).toBe(1);
  });

  it("cgroup-sowa: unfiltered tasks pay the flag test, filtered ones more, both constant with depth", () => {
    const u = pts("cgroup-sowa", "unfiltered");
    const f = pts("cgroup-sowa", "filtered");
    expect(new Set(u.map((p) => p.extraCyclesPerCall)).size).toBe(1);
    expect(new Set(f.map((p) => p.extraCyclesPerCall)).size).toBe(1);
    // testl $imm, TI_flags(%rcx) (alu + load) and a not-taken jz
    expect(u[0]!.extraCyclesPerCall).toBe(3);
    expect(f[0]!.extraCyclesPerCall).toBeGreaterThan(u[0]!.extraCyclesPerCall + 20);
    for (const p of [...u, ...f]) expect(p.paths.sysret).toBe(p.calls);
  });
});
