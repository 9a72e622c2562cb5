import { describe, expect, it } from "vitest";
import { renderCompare } from "../../src/cli/compare.ts";
import { EPERM } from "../../src/kernel/errno.ts";
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from "../../src/kernel/seccomp/actions.ts";
import { seccompPrepareFilter } from "../../src/kernel/seccomp/checker.ts";
import { attachPrepared } from "../../src/kernel/seccomp/filter-chain.ts";
import { OFFSET_NR } from "../../src/kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
} from "../../src/kernel/seccomp/sock-filter.ts";
import { CACHE_GEOMETRY_3_1, SECCOMP_MODE_FILTER } from "../../src/kernel/seccomp-filter-mode.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../../src/kernel/task.ts";
import { TIF_SECCOMP, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { compareDesigns, flavourBlocks } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { callsProgram, result, runProgram } from "../kernel/user-program.ts";

const SB = getProfile("sandybridge-2011");
const CL = getProfile("cascadelake-2022");
const CL_PTI = getProfile("cascadelake-2022-pti");

const base = {
  designs: ["none", "cgroup-composed", "seccomp-bpf", "seccomp-bpf-args", "ptrace"],
  depths: [0],
  workload: "null",
  count: 20,
  modes: ["filtered", "unfiltered"] as ("filtered" | "unfiltered")[],
};

describe("compare on both flavours", () => {
  it("linux-generic runs none, seccomp-bpf, seccomp-bpf-args and ptrace, and skips the entry-hook designs", () => {
    const r = compareDesigns({ ...base, profile: CL, flavour: "linux-generic" });
    expect(r.flavour).toBe("linux-generic");
    expect(r.ran).toEqual(["none", "seccomp-bpf", "seccomp-bpf-args", "ptrace"]);
    expect(r.skipped).toEqual([
      { design: "cgroup-composed", reason: "its kernel parts hook the linux-3.1 entry code" },
    ]);
    expect(new Set(r.points.map((p) => p.design))).toEqual(new Set(r.ran));
    const at = (d: string, mode: "filtered" | "unfiltered") =>
      r.points.find((p) => p.design === d && p.mode === mode)!;
    for (const d of ["seccomp-bpf", "seccomp-bpf-args", "ptrace"]) {
      // unfiltered tasks carry no work bit: identical to none
      expect(at(d, "unfiltered").extraCyclesPerCall).toBe(0);
      expect(at(d, "filtered").extraCyclesPerCall).toBeGreaterThan(0);
      // the filtered task takes syscall_trace_enter on every loop call
      expect(at(d, "filtered").paths.trace).toBeGreaterThanOrEqual(base.count);
    }
    // two ptrace stops per call, each tracehook + the supervisor's work
    const stop = CL.natives.tracehook_report_syscall! + CL.natives.ptrace_tracer_per_stop!;
    expect(at("ptrace", "filtered").extraCyclesPerCall).toBeGreaterThan(2 * stop);
    // the generic flavour returns by SYSRET even for a filtered task (5.x's opportunistic SYSRET)
    expect(at("seccomp-bpf", "filtered").paths.iret).toBe(0);
  });

  it("linux-3.1 is the default and runs every design (explicit flavour = the same result)", () => {
    const designs = ["none", "cgroup-composed", "seccomp-bpf"];
    const a = compareDesigns({ ...base, designs, profile: SB });
    const b = compareDesigns({ ...base, designs, profile: SB, flavour: "linux-3.1" });
    expect(b).toEqual(a);
    expect(a.flavour).toBe("linux-3.1");
    expect(a.skipped).toEqual([]);
    expect(a.ran).toEqual(designs);
    // the filtered seccomp task takes 3.1's tracesys and returns by IRET
    expect(
      a.points.find((p) => p.design === "seccomp-bpf" && p.mode === "filtered")!.paths.iret,
    ).toBeGreaterThan(0);
  });

  it("PTI makes every call dearer, designs' extra cycles stay per call; pti needs linux-generic", () => {
    const designs = ["none", "seccomp-bpf"];
    const off = compareDesigns({ ...base, designs, profile: CL_PTI, flavour: "linux-generic" });
    const on = compareDesigns({ ...base, designs, profile: CL_PTI, flavour: "linux-generic", pti: true });
    expect(on.pti).toBe(true);
    const none = (r: typeof on) => r.points.find((p) => p.design === "none" && p.mode === "filtered")!;
    // 2 CR3 reads + 2 CR3 writes at mov_cr3 each, plus the other PTI instructions
    expect(none(on).cyclesPerCall - none(off).cyclesPerCall).toBeGreaterThan(
      4 * CL_PTI.spec.classes.mov_cr3.value,
    );
    expect(() => compareDesigns({ ...base, designs, profile: SB, pti: true })).toThrow(
      /pti needs the linux-generic/,
    );
  });

  it("flavourBlocks: only designs with kernel parts are blocked, and only on linux-generic", () => {
    expect(flavourBlocks("cgroup-tif", "linux-3.1")).toBeNull();
    expect(flavourBlocks("cgroup-tif", "linux-generic")).toMatch(/linux-3.1 entry code/);
    for (const d of ["none", "seccomp-bpf", "seccomp-bpf-args", "ptrace"])
      expect(flavourBlocks(d, "linux-generic")).toBeNull();
  });

  it("the rendering names the kernel and lists what ran and what was skipped", () => {
    const r = compareDesigns({
      ...base,
      designs: ["none", "cgroup-walk", "ptrace"],
      modes: ["unfiltered"],
      profile: CL,
      flavour: "linux-generic",
    });
    const out = renderCompare(r, ["none", "cgroup-walk", "ptrace"], ["unfiltered"]);
    expect(out).toContain("kernel linux-generic");
    expect(out).toContain(
      "linux-generic: ran none, ptrace; skipped cgroup-walk (its kernel parts hook the linux-3.1 entry code)",
    );
    expect(out).not.toMatch(/│ cgroup-walk/);
  });
});

/** A filter that returns EPERM for getpid and allows the rest. */
function denyGetpid(t: Task): void {
  const p = seccompPrepareFilter([
    bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR),
    bpfJump(BPF_JMP | BPF_JEQ | BPF_K, NR.getpid, 0, 1),
    bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  ]);
  if (!p.ok) throw new Error(p.reason);
  const a = attachPrepared(null, p.filter, CACHE_GEOMETRY_3_1);
  if (!a.ok) throw new Error(a.reason);
  t.seccompFilter = a.head;
  t.seccompMode = SECCOMP_MODE_FILTER;
  t.tif.set(TIF_SECCOMP);
}

describe("seccomp filter mode and the ptrace tracer on each flavour", () => {
  const prog = callsProgram([{ nr: NR.getpid }, { nr: NR.getppid }]);
  for (const flavour of ["linux-3.1", "linux-generic"] as const) {
    it(`${flavour}: the filter denies getpid, allows getppid`, () => {
      const ran = runProgram(prog, { flavour }, (t) => denyGetpid(t));
      expect(result(ran, 0)).toBe(-EPERM);
      expect(result(ran, 1)).toBeGreaterThanOrEqual(0);
    });
  }

  it("a tracer rewriting getppid into getpid: 5.x checks the rewritten number (ptrace before seccomp), 3.1 the original", () => {
    const trace = (t: Task) => {
      denyGetpid(t);
      t.tracer = (stop) => (stop.kind === "entry" && stop.nr === NR.getppid ? { nr: NR.getpid } : undefined);
      t.tif.set(TIF_SYSCALL_TRACE);
    };
    const generic = runProgram(prog, { flavour: "linux-generic" }, trace);
    expect(result(generic, 1)).toBe(-EPERM);
    const old = runProgram(prog, { flavour: "linux-3.1" }, trace);
    // 3.1 order: seccomp saw getppid and allowed it, then the tracer turned it into getpid, which ran
    expect(result(old, 1)).toBe(old.t.pid);
    const entryStops = (r: typeof old) => r.t.stops.filter((s) => s.kind === "entry").map((s) => s.nr);
    // 5.x stops before seccomp, so the denied getpid stops too; 3.1 (3.5+ semantics) skips every later hook
    expect(entryStops(generic).slice(0, 2)).toEqual([NR.getpid, NR.getppid]);
    expect(entryStops(old).slice(0, 2)).toEqual([NR.getppid, NR.exit]);
  });
});
