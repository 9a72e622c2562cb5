// seccomp-bpf, seccomp-bpf-args and ptrace: denial on every path, the control plane (policy change, move, fork),
// and the cost shape against none (exact simulated cycles, sandybridge-2011).
import { describe, expect, it } from "vitest";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { ptraceLogDesign } from "../../src/cgroup/designs/ptrace.ts";
import { denyFilter } from "../../src/cgroup/designs/seccomp-bpf.ts";
import { argsFilter } from "../../src/cgroup/designs/seccomp-bpf-args.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { type BootOptions, Machine } from "../../src/kernel/machine.ts";
import { seccompIsConstAllow } from "../../src/kernel/seccomp/cache.ts";
import { AUDIT_ARCH_X86_64 } from "../../src/kernel/seccomp/seccomp-data.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../../src/kernel/task.ts";
import { TIF_SECCOMP, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";
import { getWorkload } from "../../src/workload/index.ts";
import { type Call, callsProgram, result, runProgram, userImage } from "../kernel/user-program.ts";
import { DENIED, CALLS as JAIL_CALLS, jail, PATHS } from "./design-fixture.ts";

const IDS = ["seccomp-bpf", "seccomp-bpf-args", "ptrace"] as const;
const PROF = getProfile("sandybridge-2011");
const PRICED: BootOptions = { costs: PROF.costs, natives: PROF.natives };

// the jail's calls, then read and write on a standard and a non-standard fd
const CALLS: Call[] = [
  ...JAIL_CALLS,
  { nr: NR.read, args: [0, "buf", 1] },
  { nr: NR.write, args: [1, "buf", 1] },
  { nr: NR.read, args: [3, "buf", 1] },
  { nr: NR.write, args: [7, "buf", 1] },
];
const DATA = 'buf: .ascii "x"';

function run(id: string, tif: number | null, opts: BootOptions = {}) {
  return runProgram(callsProgram(CALLS, DATA), { design: getDesign(id), ...opts }, (t, m) => jail(t, m, tif));
}

function expectResults(ran: ReturnType<typeof run>, id: string, errno: number): void {
  expect(ran.m.oops).toBeNull();
  expect(ran.t.exitCode).toBe(0);
  CALLS.forEach((c, i) => {
    const r = result(ran, i);
    const badFd =
      id === "seccomp-bpf-args" && (c.nr === NR.read || c.nr === NR.write) && Number(c.args![0]) > 2;
    if (DENIED.has(c.nr) || badFd) expect(r, `call ${i} (nr ${c.nr})`).toBe(-errno);
    else if (c.nr === 301) expect(r).toBe(-ENOSYS);
    else if (c.nr === NR.read && Number(c.args![0]) > 2)
      expect(r).toBe(-9); // EBADF: not filtered here
    else if (c.nr === NR.write && Number(c.args![0]) > 2) expect(r).toBe(-9);
    else expect(r, `call ${i} (nr ${c.nr})`).toBeGreaterThanOrEqual(0);
  });
}

describe.each(IDS)("%s: denial", (id) => {
  for (const p of PATHS) {
    it(`denied numbers return -ENOSYS, the others run, on the ${p.name} path`, () => {
      const ran = run(id, p.tif);
      expectResults(ran, id, ENOSYS);
      // every call of a filtered task takes tracesys (TIF_SECCOMP / TIF_SYSCALL_TRACE) and returns by IRET
      expect(ran.t.acct.paths.sysret).toBe(0);
      expect(ran.t.acct.paths.iret).toBe(CALLS.length);
    });
    it(`EPERM as the option, on the ${p.name} path`, () => {
      expectResults(run(id, p.tif, { deniedErrno: EPERM }), id, EPERM);
    });
  }

  it("a task in the root is not filtered and pays nothing: 194 cycles per getppid, SYSRET", () => {
    const calls = Array.from({ length: 6 }, () => ({ nr: NR.getppid }));
    const ran = runProgram(callsProgram(calls), { ...PRICED, design: getDesign(id) }, (_t, m) => {
      const api = new CgroupHostApi(m);
      api.mkdir("/a");
      expect(api.write("/a/syscalls.deny", NR.getppid)).toBe(0);
    });
    expect(ran.t.tif.test(TIF_SECCOMP) || ran.t.tif.test(TIF_SYSCALL_TRACE)).toBe(false);
    expect(ran.t.seccompFilter).toBeNull();
    expect(ran.t.tracer).toBeNull();
    expect(ran.t.acct.perSyscall.get(NR.getppid)!.cycles / 6).toBe(194);
    expect(ran.t.acct.paths.sysret).toBe(6);
  });

  it("control plane: policy change, move and fork put the filter on and take it off", () => {
    const m = Machine.boot({ design: getDesign(id) });
    const api = new CgroupHostApi(m);
    const img = userImage(callsProgram([{ nr: NR.getppid }]));
    const t = m.createTask({ name: "t", image: img });
    const on = (x: Task) => (id === "ptrace" ? x.tracer !== null : x.seccompFilter !== null);
    const bit = id === "ptrace" ? TIF_SYSCALL_TRACE : TIF_SECCOMP;
    api.mkdir("/a");
    api.move(t, "/a");
    expect(on(t)).toBe(false);
    expect(api.write("/a/syscalls.deny", NR.getppid)).toBe(0);
    expect(on(t)).toBe(true);
    expect(t.tif.test(bit)).toBe(true);
    const child = m.createTask({ name: "c", image: img, parent: t });
    expect(on(child)).toBe(true);
    expect(child.tif.test(bit)).toBe(true);
    api.move(child, "/");
    expect(on(child)).toBe(false);
    expect(child.tif.test(bit)).toBe(false);
    expect(api.write("/a/syscalls.allow", NR.getppid)).toBe(0);
    expect(on(t)).toBe(false);
    expect(t.tif.test(bit)).toBe(false);
  });
});

describe("seccomp-bpf details", () => {
  it("the filter is libseccomp's linear shape and constant per number, so the cache knows every answer", () => {
    const f = denyFilter([NR.getppid, 169], ENOSYS);
    expect(f).toHaveLength(4 + 2 * 2 + 1);
    expect(seccompIsConstAllow(f, NR.getpid, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompIsConstAllow(f, NR.getppid, AUDIT_ARCH_X86_64)).toBe(false);
    const a = argsFilter([NR.getppid], ENOSYS);
    expect(seccompIsConstAllow(a, NR.getpid, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompIsConstAllow(a, NR.read, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow(a, NR.write, AUDIT_ARCH_X86_64)).toBe(false);
  });

  it("denies the same with the cache off", () => {
    for (const id of ["seccomp-bpf", "seccomp-bpf-args"])
      expectResults(run(id, null, { seccompCache: false }), id, ENOSYS);
  });

  it("tasks with one policy share one filter; memoryBytes counts distinct policies", () => {
    const m = Machine.boot({ design: getDesign("seccomp-bpf") });
    const api = new CgroupHostApi(m);
    const img = userImage(callsProgram([{ nr: NR.getppid }]));
    const [x, y] = [m.createTask({ name: "x", image: img }), m.createTask({ name: "y", image: img })];
    api.mkdir("/a");
    api.move(x, "/a");
    api.move(y, "/a");
    expect(m.design.memoryBytes()).toBe(0);
    api.write("/a/syscalls.deny", NR.getppid);
    expect(x.seccompFilter).toBe(y.seccompFilter);
    const len = x.seccompFilter!.prog;
    expect(m.design.memoryBytes()).toBe(8 * len.len + 8 * len.ebpfLen + 88);
  });
});

/** Cycles per call of `calls` (the nr of the first) under `id`, the task filtered (its cgroup denies reboot). */
function cyclesPerCall(id: string, calls: Call[], opts: BootOptions = {}): number {
  const ran = runProgram(callsProgram(calls, DATA), { ...PRICED, design: getDesign(id), ...opts }, (t, m) => {
    const api = new CgroupHostApi(m);
    api.mkdir("/j");
    api.write("/j/syscalls.deny", 169);
    api.move(t, "/j");
  });
  const e = ran.t.acct.perSyscall.get(calls[0]!.nr)!;
  return e.cycles / e.calls;
}

describe("cost (sandybridge-2011, null workload: getppid; filtered = the cgroup denies reboot)", () => {
  const r = compareDesigns({
    designs: ["none", ...IDS],
    depths: [0, 1],
    workload: "null",
    count: 10,
    modes: ["unfiltered", "filtered"],
    profile: PROF,
  });
  const at = (design: string, mode: string, depth = 0) =>
    r.points.find((p) => p.design === design && p.mode === mode && p.depth === depth)!;

  it("unfiltered tasks pay nothing under any of the three", () => {
    for (const id of IDS) for (const d of [0, 1]) expect(at(id, "unfiltered", d).extraCyclesPerCall).toBe(0);
  });

  it("filtered: seccomp-bpf pays tracesys + IRET + the check, constant with depth; ptrace is 136x none (two stops, each with two switches and their refill)", () => {
    const none = at("none", "filtered").cyclesPerCall;
    expect(none).toBe(194);
    const bpf = at("seccomp-bpf", "filtered").cyclesPerCall;
    const args = at("seccomp-bpf-args", "filtered").cyclesPerCall;
    const pt = at("ptrace", "filtered").cyclesPerCall;
    for (const id of IDS)
      expect(at(id, "filtered", 1).cyclesPerCall).toBe(at(id, "filtered", 0).cyclesPerCall);
    expect({ bpf, args, pt, ratio: Math.round((pt / none) * 10) / 10 }).toEqual({
      bpf: 631,
      args: 631, // getppid hits the cache under both
      pt: 26373,
      ratio: 135.9,
    });
  });

  it("without the cache the filter runs on every call; read always runs the argument filter", () => {
    const getppid = Array.from({ length: 6 }, () => ({ nr: NR.getppid }));
    const read = Array.from({ length: 6 }, () => ({ nr: NR.read, args: [0, "buf", 1] }));
    const n = PROF.natives;
    const bpfOff = cyclesPerCall("seccomp-bpf", getppid, { seccompCache: false });
    const bpfOn = cyclesPerCall("seccomp-bpf", getppid);
    // ld arch, jeq, ld nr, jeq 169, ret ALLOW: 5 instructions
    expect(bpfOff - bpfOn).toBe(n.seccomp_filter_run! + 5 * n.seccomp_bpf_insn! - n.seccomp_cache_check!);
    const argsOff = cyclesPerCall("seccomp-bpf-args", getppid, { seccompCache: false });
    expect(argsOff - bpfOff).toBe(2 * n.seccomp_bpf_insn!); // the read and write tests
    // read(0): the argument test runs with or without the cache
    const readOn = cyclesPerCall("seccomp-bpf-args", read);
    const readOff = cyclesPerCall("seccomp-bpf-args", read, { seccompCache: false });
    expect(readOff - readOn).toBe(-n.seccomp_cache_check!);
    // ld arch, jeq, ld nr, jeq read, ld args[0], jgt 2, ld nr, jeq 169, ret ALLOW: 9 instructions, against a hit
    expect(readOn - cyclesPerCall("seccomp-bpf", read)).toBe(n.seccomp_filter_run! + 9 * n.seccomp_bpf_insn!);
  });
});

describe("ptrace-log: a strace-like tracer that only logs", () => {
  it("stops every task at entry and exit, logs each stop, denies nothing, and costs what the supervisor's stops cost", () => {
    const profile = getProfile("sandybridge-2011");
    const design = ptraceLogDesign();
    const r = runWorkload({
      workload: "null",
      count: 4,
      profile,
      design: "none",
      setup: () => {},
    });
    expect(r.exitCode).toBe(0);
    const m = Machine.boot({ costs: profile.costs, natives: profile.natives, design });
    const t = m.createTask({ name: "traced", image: getWorkload("null").build({ count: 4, gap: 0 }) });
    m.run({ maxInstructions: 1_000_000 });
    expect(t.exitCode).toBe(0);
    // the new task's first return to user mode (ret_from_fork, orig_rax -1) is a syscall-exit stop, as for a
    // traced fork child; then 4 getppid calls with entry + exit stops, then exit_group's entry stop
    const lines = design.log.filter((l) => l.pid === t.pid);
    expect(lines.map((l) => `${l.kind}:${l.nr}`)).toEqual([
      "exit:-1",
      ...Array.from({ length: 4 }, () => ["entry:110", "exit:110"]).flat(),
      "entry:231",
    ]);
    // getppid of a task created without a parent returns 0; the tracer sees that result unchanged
    expect(lines.filter((l) => l.kind === "exit" && l.nr === 110).map((l) => l.ret)).toEqual([
      0n,
      0n,
      0n,
      0n,
    ]);
    const traced = t.acct.perSyscall.get(110)!;
    const per = traced.cycles / traced.calls;
    const plain = r.calls.find((c) => c.name === "getppid")!;
    const stopCost =
      2 * (profile.natives.tracehook_report_syscall! + profile.natives.ptrace_tracer_per_stop!);
    // the slow path (tracesys + IRET) plus two stops, each the tracee's side and the tracer's work
    expect(per).toBeGreaterThan(plain.cycles / plain.calls + stopCost);
  });
});
