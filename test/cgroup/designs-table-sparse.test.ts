// cgroup-table-ptr, cgroup-per-set and cgroup-sparse: denial on every path (and, for cgroup-sparse, through
// int $0x80 and x32 numbers), table-ptr's memory per distinct policy, and the cost shapes (exact cycles).
import { describe, expect, it } from "vitest";
import { cgroupSparseDesign } from "../../src/cgroup/designs/cgroup-sparse.ts";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { IA32_SYSCALLS_CGROUP_COMPAT, SparseSyscallSets } from "../../src/cgroup/sparse-syscall-set.ts";
import { ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { NR_IA32 } from "../../src/kernel/syscall-names-i386-3.1.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SYSCALL_AUDIT } from "../../src/kernel/tif.ts";
import { callsProgram, EXIT, result, runProgram } from "../kernel/user-program.ts";
import {
  CALLS,
  compareNullWorkload,
  expectCallResults,
  expectNothingDenied,
  jail,
  PATHS,
  runJailed as run,
} from "./design-fixture.ts";

describe.each(["cgroup-table-ptr", "cgroup-per-set", "cgroup-sparse"])("%s", (id) => {
  for (const p of PATHS) {
    it(`denied numbers return -ENOSYS / -EPERM and the others work, on the ${p.name} path`, () => {
      for (const errno of [ENOSYS, EPERM]) {
        const ran = run(getDesign(id), p.tif, errno);
        expect(ran.t.exitCode).toBe(0);
        expectCallResults(ran, errno);
        const paths = ran.t.acct.paths;
        const n = CALLS.length + 1;
        if (id === "cgroup-per-set")
          expect(paths.trace).toBe(n); // its flag is entry work: always tracesys
        else if (p.tif === null) expect(paths.fast).toBe(n);
        else if (p.tif === TIF_SYSCALL_AUDIT) expect(paths.audit).toBe(n);
        else expect(paths.trace).toBe(n);
      }
    });
  }

  it("a task in the root (and one moved back there) is not filtered", () => {
    const ran = runProgram(callsProgram(CALLS), { design: getDesign(id) }, (t, m) => {
      jail(t, m, null);
      new CgroupHostApi(m).move(t, "/");
    });
    expectNothingDenied(ran);
  });

  it("an allow that empties the policy lifts the filter", () => {
    const ran = runProgram(callsProgram(CALLS), { design: getDesign(id) }, (t, m) => {
      const api = new CgroupHostApi(m);
      api.mkdir("/c");
      api.write("/c/syscalls.deny", NR.getppid);
      api.move(t, "/c");
      expect(api.write("/c/syscalls.allow", NR.getppid)).toBe(0);
    });
    expect(result(ran, 1)).toBe(0);
    expect(ran.t.acct.paths.trace).toBe(0);
  });
});

/** `int $0x80` (i386 convention) storing rax at res+8*i */
const int80 = (nr: number, i: number) => `movl $${nr}, %eax\nint $0x80\nmovq %rax, res+${8 * i}(%rip)`;
/** SYSCALL with a raw (e.g. x32) number */
const sys = (nr: number, i: number) =>
  `movl $0x${nr.toString(16)}, %eax\nsyscall\nmovq %rax, res+${8 * i}(%rip)`;
const prog = (body: string[]) => `_start:\n${body.join("\n")}\n${EXIT(0)}\n.align 8\nres: .zero 256\n`;
const X32 = 0x40000000;

describe("cgroup-sparse: ia32 and x32 numbers", () => {
  const IA32 = [
    NR_IA32.getpid, // allowed
    NR_IA32.getppid, // x86_64 getppid is denied
    NR_IA32.getuid32, // x86_64 getuid is denied
    NR_IA32.getuid, // the 16-bit call maps to getuid too
    NR_IA32.geteuid32, // allowed
    NR_IA32.waitpid, // no x86_64 equivalent: denied to a restricted task
    NR_IA32.gettid, // allowed
  ];
  const IA32_WANT = (pid: number, ppid: number) => [pid, -EPERM, -EPERM, -EPERM, 0, -EPERM, pid].concat(ppid);

  for (const p of PATHS) {
    it(`int $0x80 uses ia32 numbers through the compat table (${p.name === "fast" ? "no flag" : p.name})`, () => {
      const ran = runProgram(
        prog(IA32.map(int80)),
        { design: getDesign("cgroup-sparse"), deniedErrno: EPERM },
        (t, m) => jail(t, m, p.tif),
      );
      expect(ran.t.exitCode).toBe(0);
      expect(IA32.map((_, i) => result2(ran, i))).toEqual(IA32_WANT(ran.t.pid, 0).slice(0, IA32.length));
    });
  }

  it("an unrestricted task gets every ia32 call (waitpid is the kernel's own ENOSYS)", () => {
    const ran = runProgram(prog(IA32.map(int80)), { design: getDesign("cgroup-sparse"), deniedErrno: EPERM });
    expect(IA32.map((_, i) => result2(ran, i))).toEqual([ran.t.pid, 0, 0, 0, 0, -ENOSYS, ran.t.pid]);
  });

  it("the compat table maps by name and aliases, -1 where x86_64 has no such call", () => {
    expect(IA32_SYSCALLS_CGROUP_COMPAT).toHaveLength(347);
    expect(IA32_SYSCALLS_CGROUP_COMPAT[NR_IA32.getpid]).toBe(NR.getpid);
    expect(IA32_SYSCALLS_CGROUP_COMPAT[NR_IA32.getuid32]).toBe(NR.getuid);
    expect(IA32_SYSCALLS_CGROUP_COMPAT[NR_IA32._llseek]).toBe(NR.lseek);
    expect(IA32_SYSCALLS_CGROUP_COMPAT[NR_IA32.fstatat64]).toBe(NR.newfstatat);
    for (const n of ["waitpid", "socketcall", "ipc", "sigreturn"] as const)
      expect(IA32_SYSCALLS_CGROUP_COMPAT[NR_IA32[n]], n).toBe(-1);
  });

  const X32_CALLS = [
    X32 | NR.getpid,
    X32 | NR.getppid,
    X32 | NR.getgid,
    X32 | NR.gettid,
    X32 | 400,
    NR.getppid,
  ];
  for (const p of PATHS) {
    it(`x32 numbers (bit 30) are looked up under the x32 ABI and dispatched as x86_64 (${p.name})`, () => {
      const ran = runProgram(
        prog(X32_CALLS.map(sys)),
        { design: getDesign("cgroup-sparse"), deniedErrno: EPERM },
        (t, m) => jail(t, m, p.tif),
      );
      expect(ran.t.exitCode).toBe(0);
      expect(X32_CALLS.map((_, i) => result2(ran, i))).toEqual([
        ran.t.pid,
        -EPERM,
        -EPERM,
        ran.t.pid,
        -ENOSYS,
        -EPERM,
      ]);
    });
  }

  it("without the x32 option an x32 number is out of range (3.1: -ENOSYS)", () => {
    const ran = runProgram(
      prog(X32_CALLS.map(sys)),
      { design: cgroupSparseDesign({ x32: false }), deniedErrno: EPERM },
      (t, m) => jail(t, m, null),
    );
    expect(X32_CALLS.map((_, i) => result2(ran, i))).toEqual([
      -ENOSYS,
      -ENOSYS,
      -ENOSYS,
      -ENOSYS,
      -ENOSYS,
      -EPERM,
    ]);
  });

  it("the structure is sparse: offset bases and far-apart numbers cost leaves only where denied", () => {
    const m = Machine.boot();
    const s = new SparseSyscallSets(m);
    const a = s.build({ x86_64: { base: 4000, denied: [4000, 4001, 4999] }, ia32: { base: 0, denied: [] } });
    expect(s.denied(a, "x86_64", 4000)).toBe(true);
    expect(s.denied(a, "x86_64", 4999)).toBe(true);
    expect(s.denied(a, "x86_64", 4002)).toBe(false);
    expect(s.denied(a, "x86_64", 3999)).toBe(false); // below the base: wraps past the directory
    expect(s.denied(a, "x86_64", 9000)).toBe(false);
    expect(s.denied(a, "ia32", 0)).toBe(false);
    expect(s.denied(a, "x32", 4000)).toBe(false);
    // header 48 + 4 directory slots + 2 leaves of 40 (slots 1 and 2 have no leaf)
    expect(s.memoryBytes()).toBe(48 + 4 * 8 + 2 * 40);
    s.release(a);
    expect(s.memoryBytes()).toBe(0);
  });
});

function result2(ran: ReturnType<typeof runProgram>, i: number): number {
  return Number(BigInt.asIntN(64, ran.q("res", 8 * i)));
}

describe("cgroup-table-ptr: memory per distinct policy", () => {
  it("one 310-entry table per distinct restricted bitmap, shared, freed when unused", () => {
    const m = Machine.boot({ design: getDesign("cgroup-table-ptr") });
    const api = new CgroupHostApi(m);
    const mem = () => m.design.memoryBytes();
    const TABLE = 310 * 8;
    expect(mem()).toBe(0);
    api.mkdir("/a");
    expect(mem()).toBe(0);
    api.write("/a/syscalls.deny", 1);
    expect(mem()).toBe(TABLE);
    api.mkdir("/b");
    api.write("/b/syscalls.deny", 1);
    expect(mem()).toBe(TABLE); // same bitmap: shared
    api.mkdir("/a/c"); // inherits /a's
    expect(mem()).toBe(TABLE);
    api.write("/b/syscalls.deny", 2);
    expect(mem()).toBe(2 * TABLE);
    api.mkdir("/d");
    api.write("/d/syscalls.deny", 3);
    expect(mem()).toBe(3 * TABLE);
    api.write("/d/syscalls.allow", 3);
    expect(mem()).toBe(2 * TABLE);
    expect(api.rmdir("/b")).toBe(0);
    expect(mem()).toBe(TABLE);
  });
});

describe("cost shapes (sandybridge-2011, null workload, exact cycles)", () => {
  const designs = ["cgroup-composed", "cgroup-table-ptr", "cgroup-per-set", "cgroup-sparse"];
  const depths = [0, 1, 2, 3];
  const r = compareNullWorkload(designs, depths);
  const pts = (d: string, mode: "filtered" | "unfiltered") =>
    depths.map((depth) => r.points.find((p) => p.design === d && p.mode === mode && p.depth === depth)!);
  const cyc = (d: string, mode: "filtered" | "unfiltered") => pts(d, mode).map((p) => p.cyclesPerCall);

  it("prints the figures", () => {
    for (const d of designs)
      for (const mode of ["filtered", "unfiltered"] as const)
        console.log(
          `${d} ${mode}: ${cyc(d, mode).join(" ")} (extra ${pts(d, mode)
            .map((p) => p.extraCyclesPerCall)
            .join(" ")})`,
        );
  });

  it("cgroup-table-ptr: filtered and unfiltered cost the same at every depth and do not grow", () => {
    const f = cyc("cgroup-table-ptr", "filtered");
    expect(f).toEqual(cyc("cgroup-table-ptr", "unfiltered"));
    expect(new Set(f).size).toBe(1);
    expect(pts("cgroup-table-ptr", "filtered")[0]!.extraCyclesPerCall).toBeGreaterThan(0);
  });

  it("cgroup-per-set: unfiltered tasks pay nothing, filtered cost grows with depth", () => {
    for (const p of pts("cgroup-per-set", "unfiltered")) expect(p.extraCyclesPerCall).toBe(0);
    const f = cyc("cgroup-per-set", "filtered");
    const step = f[1]! - f[0]!;
    expect(step).toBeGreaterThan(0);
    for (let d = 1; d < f.length; d++) expect(f[d]! - f[d - 1]!).toBe(step);
  });

  it("cgroup-sparse: constant with depth, above cgroup-composed for filtered tasks", () => {
    const f = cyc("cgroup-sparse", "filtered");
    expect(new Set(f).size).toBe(1);
    expect(new Set(cyc("cgroup-sparse", "unfiltered")).size).toBe(1);
    expect(f[0]!).toBeGreaterThan(cyc("cgroup-composed", "filtered")[0]!);
  });

  it("memory: table-ptr one table, per-set and sparse per cgroup", () => {
    expect(pts("cgroup-table-ptr", "filtered").map((p) => p.designMemoryBytes)).toEqual([
      2480, 2480, 2480, 2480,
    ]);
    expect(pts("cgroup-table-ptr", "unfiltered").map((p) => p.designMemoryBytes)).toEqual([0, 0, 0, 0]);
  });
});
