// The profile's speculation mitigations on the path into the BPF JIT's images: with a retpoline,
// seccomp_run_filters calls each image through __x86_indirect_thunk_rax; with srso's return thunk, each image
// returns through `jmp srso_return_thunk` (emit_return) and so does the retpoline's own RET. Same verdicts, more
// cycles, and the returns the thunks exist to break are mispredicted.
import { describe, expect, it } from "vitest";
import type { CostTable, SpeculationMitigations } from "../../../src/cpu/insn-class.ts";
import { SECCOMP_RET_ERRNO } from "../../../src/kernel/seccomp/actions.ts";
import { INDIRECT_THUNK_RAX, SRSO_RETURN_THUNK } from "../../../src/kernel/seccomp/jit-image.ts";
import { SECCOMP_SET_MODE_FILTER } from "../../../src/kernel/seccomp-syscall.ts";
import { NR } from "../../../src/kernel/syscall-names-x86_64-3.1.ts";
import { getProfile } from "../../../src/measure/profile.ts";
import { fprog, onNr } from "../seccomp-fixture.ts";
import { callsProgram, result, runProgram } from "../user-program.ts";

const NR_SECCOMP = 317;
const install = (label: string) => ({ nr: NR_SECCOMP, args: [SECCOMP_SET_MODE_FILTER, 0, label] });
const program = callsProgram(
  [
    { nr: NR.prctl, args: [38, 1, 0, 0, 0] },
    install("f1"),
    install("f2"),
    { nr: NR.getppid, args: [] },
    { nr: NR.getpid, args: [] },
    { nr: NR.getuid, args: [] },
  ],
  fprog("f1", onNr(NR.getpid, SECCOMP_RET_ERRNO | 7)) + fprog("f2", onNr(NR.getppid, SECCOMP_RET_ERRNO | 5)),
);
// image runs: the seccomp(2) installing f2 runs f1; getppid and getpid run f2 and f1; getuid and exit are cache hits
const IMAGE_RUNS = 5;

const base = getProfile("cascadelake-2022").costs;
const costs = (mitigations: SpeculationMitigations): CostTable => ({ ...base, mitigations });

function run(m: SpeculationMitigations) {
  const hits = new Map<string, number>();
  const ran = runProgram(program, { flavour: "linux-generic", costs: costs(m) }, (_t, machine) => {
    for (const name of [INDIRECT_THUNK_RAX, "srso_safe_ret"]) {
      if (!machine.symbols.has(name)) continue;
      machine.cpu.addProbe(machine.sym(name), () => hits.set(name, (hits.get(name) ?? 0) + 1));
    }
  });
  return { ran, hits };
}

describe("retpoline and return thunk on the call into the BPF JIT images", () => {
  const plain = run({ retpoline: false, returnThunk: "none" });
  const retp = run({ retpoline: true, returnThunk: "none" });
  const both = run({ retpoline: true, returnThunk: "srso" });

  it("keeps every verdict", () => {
    for (const { ran } of [plain, retp, both]) {
      expect(result(ran, 1)).toBe(0);
      expect(result(ran, 3)).toBe(-5);
      expect(result(ran, 4)).toBe(-7);
      expect(result(ran, 5)).toBe(0);
    }
  });

  it("builds the thunks only when the profile asks for them", () => {
    expect(plain.ran.m.symbols.has(INDIRECT_THUNK_RAX)).toBe(false);
    expect(plain.ran.m.symbols.has(SRSO_RETURN_THUNK)).toBe(false);
    expect(retp.ran.m.symbols.has(INDIRECT_THUNK_RAX)).toBe(true);
    expect(retp.ran.m.symbols.has(SRSO_RETURN_THUNK)).toBe(false);
    expect(both.ran.m.symbols.has(SRSO_RETURN_THUNK)).toBe(true);
    expect(plain.hits.size).toBe(0);
  });

  it("calls each image through the retpoline, and returns through srso_safe_ret twice per image run", () => {
    expect(retp.hits.get(INDIRECT_THUNK_RAX)).toBe(IMAGE_RUNS);
    expect(both.hits.get(INDIRECT_THUNK_RAX)).toBe(IMAGE_RUNS);
    // the image's own return (emit_return) and the retpoline's RET
    expect(both.hits.get("srso_safe_ret")).toBe(2 * IMAGE_RUNS);
  });

  it("emits the image's return as `jmp srso_return_thunk` (emit_return with X86_FEATURE_RETHUNK)", () => {
    const m = both.ran.m;
    const thunk = m.sym(SRSO_RETURN_THUNK);
    // the epilogue: leave, then the return
    const epilogue = (b: Uint8Array) =>
      b.findIndex((x, i) => x === 0xc9 && (b[i + 1] === 0xe9 || b[i + 1] === 0xc3));
    for (const r of m.seccompJit!.records) {
      const b = r.image.bytes;
      const at = epilogue(b) + 1;
      expect(b[at]).toBe(0xe9);
      const rel = new DataView(b.buffer, b.byteOffset + at + 1, 4).getInt32(0, true);
      expect(r.imageAddr + at + 5 + rel).toBe(thunk);
      // and the bytes in memory are these
      expect([...m.kspace.readBytes(r.imageAddr, b.length)]).toEqual([...b]);
    }
    for (const r of plain.ran.m.seccompJit!.records) {
      const b = r.image.bytes;
      expect(b[epilogue(b) + 1]).toBe(0xc3);
    }
  });

  it("costs more, each thunk through mispredicted returns", () => {
    const sys = (x: typeof plain) => x.ran.t.acct.sysCycles;
    expect(sys(retp)).toBeGreaterThan(sys(plain));
    expect(sys(both)).toBeGreaterThan(sys(retp));
    // the retpoline's RET mispredicts on every run, where the plain `call *%rax` mispredicted only when the
    // target changed (here every call: the chain alternates between the two images)
    expect(retp.ran.m.cpu.mispredicts).toBe(plain.ran.m.cpu.mispredicts);
    // srso_safe_ret's RET mispredicts on every image return as well
    expect(both.ran.m.cpu.mispredicts).toBeGreaterThanOrEqual(retp.ran.m.cpu.mispredicts + IMAGE_RUNS);
  });
});
