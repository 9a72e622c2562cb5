// The first three designs: denial on every path, and the cost shape (exact simulated cycles).
import { describe, expect, it } from "vitest";
import { DESIGNS, getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { Assembler } from "../../src/entry/assembler.ts";
import { ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SYSCALL_AUDIT, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { callsProgram, result, runProgram } from "../kernel/user-program.ts";
import { CALLS, expectCallResults, expectNothingDenied, PATHS, runJailed as run } from "./design-fixture.ts";

describe.each(["cgroup-walk", "cgroup-composed"])("%s", (id) => {
  for (const p of PATHS) {
    it(`denied numbers return -ENOSYS and the others work, on the ${p.name} path`, () => {
      const ran = run(getDesign(id), p.tif);
      expect(ran.t.exitCode).toBe(0);
      expectCallResults(ran, ENOSYS);
      const paths = ran.t.acct.paths;
      if (p.tif === null) expect(paths.fast).toBe(CALLS.length + 1);
      if (p.tif === TIF_SYSCALL_AUDIT) expect(paths.audit).toBe(CALLS.length + 1);
      if (p.tif === TIF_SYSCALL_TRACE) expect(paths.trace).toBe(CALLS.length + 1);
    });
  }

  it("EPERM as the design option; the task in the root is not filtered", () => {
    for (const p of PATHS) {
      const ran = run(getDesign(id), p.tif, EPERM);
      expect(result(ran, 1)).toBe(-EPERM); // getppid
      expect(result(ran, 7)).toBe(-EPERM); // 300, denied
      expect(result(ran, 8)).toBe(-ENOSYS); // 301: the kernel's own ENOSYS
    }
    // a deny in /a does not touch a task in the root
    const root = runProgram(callsProgram(CALLS), { design: getDesign(id) }, (_t, m) => {
      const api = new CgroupHostApi(m);
      api.mkdir("/a");
      expect(api.write("/a/syscalls.deny", NR.getppid)).toBe(0);
    });
    expect(result(root, 1)).toBe(0); // getppid of a task without a parent
  });
});

describe("none", () => {
  it("denies nothing on any path (the hierarchy still records the policy)", () => {
    for (const p of PATHS) {
      const ran = run(getDesign("none"), p.tif);
      expectNothingDenied(ran);
      expect(ran.m.hierarchy.lookup("/a/b")!.deniedList()).toEqual(
        [NR.getuid, NR.getgid, NR.getppid, 300].sort((a, b) => a - b),
      );
    }
  });

  it("compiles no hook: the kernel text equals the default boot's", () => {
    expect(Machine.boot({ design: getDesign("none") }).kernelText.bytes).toEqual(
      Machine.boot().kernelText.bytes,
    );
    expect(Machine.boot().design.id).toBe("none");
  });
});

describe("catalogue", () => {
  it("each design names its seed passage and gives fresh state per boot", () => {
    for (const [id, f] of Object.entries(DESIGNS)) {
      const d = f();
      expect(d.id).toBe(id);
      expect(d.seed).toMatch(/"/);
      expect(d.expectation.length).toBeGreaterThan(10);
      expect(f()).not.toBe(d);
    }
    expect(() => getDesign("nope")).toThrow(/unknown design "nope".*none/);
  });
});

/** Cycles per getppid round trip (SYSCALL instruction to SYSRET included) of a task at `depth`. */
function cyclesPerGetppid(id: string, depth: number): number {
  const prof = getProfile("sandybridge-2011");
  const m = Machine.boot({ costs: prof.costs, natives: prof.natives, design: getDesign(id) });
  const api = new CgroupHostApi(m);
  let path = "";
  for (let d = 1; d <= depth; d++) {
    path += `/l${d}`;
    expect(api.mkdir(path)).toBe(0);
  }
  const text = `_start:\nmovl $50, %r15d\n1:\nmovl $${NR.getppid}, %eax\nsyscall\ndecl %r15d\njnz 1b\nmovl $231, %eax\nxorl %edi, %edi\nsyscall\n`;
  const a = new Assembler({ base: 0x400000 }).asm(text).assemble();
  const t = m.createTask({ name: "null", image: { base: 0x400000n, bytes: a.bytes, entry: 0x400000n } });
  api.move(t, path || "/");
  m.run();
  const e = t.acct.perSyscall.get(NR.getppid)!;
  expect(e.calls).toBe(50);
  expect(e.cycles % 50).toBe(0); // every call costs the same
  return e.cycles / 50;
}

describe("cost shape (sandybridge-2011, getppid loop)", () => {
  const depths = [0, 1, 2, 3];
  const cost = Object.fromEntries(
    ["none", "cgroup-walk", "cgroup-composed"].map((id) => [id, depths.map((d) => cyclesPerGetppid(id, d))]),
  ) as Record<string, number[]>;

  it("none: the same at every depth", () => {
    expect(new Set(cost.none).size).toBe(1);
  });

  it("cgroup-walk: grows by the same number of cycles per level", () => {
    const w = cost["cgroup-walk"]!;
    const step = w[1]! - w[0]!;
    expect(step).toBeGreaterThan(0);
    for (let d = 1; d < w.length; d++) expect(w[d]! - w[d - 1]!).toBe(step);
    expect(w[0]!).toBeGreaterThan(cost.none![0]!);
  });

  it("cgroup-composed: constant at every depth, above none", () => {
    const c = cost["cgroup-composed"]!;
    expect(new Set(c).size).toBe(1);
    expect(c[0]!).toBeGreaterThan(cost.none![0]!);
  });
});
