// Seccomp filters as JIT code on a booted linux-generic kernel: installed with seccomp(2), compiled into the
// BPF JIT area, called by seccomp_run_filters and executed by the emulated CPU; the same results as the
// interpreter model, at a different cost.
import { describe, expect, it } from "vitest";
import { PTE_U } from "../../../src/cpu/memory.ts";
import { BPF_JIT_BASE } from "../../../src/kernel/layout.ts";
import { Machine } from "../../../src/kernel/machine.ts";
import { SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS } from "../../../src/kernel/seccomp/actions.ts";
import { SECCOMP_SET_MODE_FILTER } from "../../../src/kernel/seccomp-syscall.ts";
import { NR } from "../../../src/kernel/syscall-names-x86_64-3.1.ts";
import { fprog, onNr } from "../seccomp-fixture.ts";
import { callsProgram, result, runProgram } from "../user-program.ts";

const NR_SECCOMP = 317;
const NNP = { nr: NR.prctl, args: [38, 1, 0, 0, 0] };
const install = (label: string) => ({ nr: NR_SECCOMP, args: [SECCOMP_SET_MODE_FILTER, 0, label] });
const program = callsProgram(
  [
    NNP,
    install("f1"),
    install("f2"),
    { nr: NR.getppid, args: [] },
    { nr: NR.getpid, args: [] },
    { nr: NR.getuid, args: [] },
  ],
  fprog("f1", onNr(NR.getpid, SECCOMP_RET_ERRNO | 7)) + fprog("f2", onNr(NR.getppid, SECCOMP_RET_ERRNO | 5)),
);

describe("seccomp filters as JIT code (linux-generic)", () => {
  it("gives the interpreter's results, runs the images on the CPU, and costs differently", () => {
    const jit = runProgram(program, { flavour: "linux-generic" });
    const interp = runProgram(program, { flavour: "linux-generic", bpfJit: false });
    for (const ran of [jit, interp]) {
      expect(result(ran, 1)).toBe(0);
      expect(result(ran, 3)).toBe(-5);
      expect(result(ran, 4)).toBe(-7);
      expect(result(ran, 5)).toBe(0);
    }
    expect(interp.m.seccompJit).toBeNull();
    const recs = jit.m.seccompJit!.records;
    expect(recs.map((r) => r.name)).toEqual(["bpf_prog_1_seccomp", "bpf_prog_2_seccomp"]);
    expect(recs[0]!.imageAddr).toBe(BPF_JIT_BASE);
    // the image is in kernel memory, supervisor-only, in the task's own address space
    const img = recs[1]!;
    expect([...jit.t.space.readBytes(img.imageAddr, img.image.bytes.length)]).toEqual([...img.image.bytes]);
    expect(jit.t.space.lookup(img.imageAddr) & PTE_U).toBe(0);
    expect(jit.t.space.lookup(img.imageAddr)).not.toBe(0);
    expect(jit.m.sym("seccomp_run_filters")).not.toBe(0);
    // different cost: the two runs are not the same number of cycles
    expect(jit.t.acct.sysCycles).not.toBe(interp.t.acct.sysCycles);
  });

  it("the CPU enters each image once per filtered call (a probe at the entry counts)", () => {
    let hits = 0;
    runProgram(program, { flavour: "linux-generic" }, (_t, m) => {
      m.cpu.addProbe(BPF_JIT_BASE, () => hits++);
    });
    // bpf_prog_1 is f1 (a chain is compiled oldest first). It runs on every call the 5.11 cache does not
    // allow: the seccomp(2) installing f2 (317 is past the 310-entry bitmap), getppid (f2 matches) and getpid
    // (f1 matches); getuid and exit are cache hits
    expect(hits).toBe(3);
  });

  it("a KILL verdict from JIT code kills the task", () => {
    const p = callsProgram(
      [NNP, install("f1"), { nr: NR.getppid, args: [] }],
      fprog("f1", onNr(NR.getppid, SECCOMP_RET_KILL_PROCESS)),
    );
    const ran = runProgram(p, { flavour: "linux-generic" });
    expect(ran.t.killedBy).toBe(31);
  });

  it("symbols for trace and disassembly: the entry and each classic pc", () => {
    const ran = runProgram(program, { flavour: "linux-generic" });
    const labels = ran.m.seccompJit!.labels();
    expect(labels.get("bpf_prog_1_seccomp")).toBe(BigInt.asUintN(64, BigInt(BPF_JIT_BASE)));
    for (const pc of [0, 1, 2, 3]) expect(labels.has(`bpf_prog_2_seccomp.pc${pc}`)).toBe(true);
  });

  it("linux-3.1 has no JIT for seccomp", () => {
    expect(() => Machine.boot({ bpfJit: true })).toThrow(/bpfJit needs the linux-generic flavour/);
    expect(Machine.boot().seccompJit).toBeNull();
  });
});
