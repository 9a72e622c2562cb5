import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { argCheckFilter, bpfCheck, bpfCost, bpfJit, bpfRun } from "../../../src/cli/bpf.ts";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";

const dir = mkdtempSync(join(tmpdir(), "bpf-cli-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
// ld [0]; jeq #110, 0, 1; ret ERRNO|1; ld [16]; jeq #42, 0, 1; ret TRAP|0x2a; ret ALLOW
const FILTER = file(
  "f.ddd",
  "7\n32 0 0 0\n21 0 1 110\n6 0 0 327681\n32 0 0 16\n21 0 1 42\n6 0 0 196650\n6 0 0 2147418112\n",
);

describe("bpf CLI", () => {
  it("checks a file", () => {
    expect(bpfCheck(FILTER)).toEqual({ output: "ok", exitCode: 0 });
    const bad = bpfCheck(file("bad.ddd", "2\n32 0 0 1\n6 0 0 0\n"));
    expect(bad.exitCode).toBe(1);
    expect(bad.output.split("\n")[0]).toBe("EINVAL");
    expect(JSON.parse(bpfCheck(FILTER, { json: true }).output)).toMatchObject({
      result: "ok",
      instructions: 7,
    });
    expect(bpfCheck(file("broken.ddd", "2\n6 0 0 0\n"))).toEqual({
      output: `${join(dir, "broken.ddd")}: line 1: count says 2 instructions, found 1`,
      exitCode: 2,
    });
    expect(bpfCheck(join(dir, "missing")).exitCode).toBe(2);
  });

  it("runs a file over one seccomp_data", () => {
    expect(bpfRun(FILTER, { nr: 110 })).toEqual({ output: "ERRNO 1\n3 instructions", exitCode: 0 });
    expect(bpfRun(FILTER, { nr: 39, args: "42,0" }).output).toBe("TRAP 0x2a\n5 instructions");
    expect(bpfRun(FILTER, { nr: 39, arch: "i386", ip: "0x1000" }).output).toBe("ALLOW\n5 instructions");
    expect(JSON.parse(bpfRun(FILTER, { nr: "110", json: true }).output)).toMatchObject({
      action: "ERRNO",
      data: 1,
      instructions: 3,
      arch: "x86_64",
    });
    expect(bpfRun(FILTER, { nr: "x" })).toEqual({ output: '--nr: "x" is not a number', exitCode: 2 });
    expect(bpfRun(FILTER, { nr: 1, args: "1,2,3,4,5,6,7" }).exitCode).toBe(2);
  });
});

describe("bpf jit and bpf cost", () => {
  it("lists the eBPF and the x86-64 image with the classic pc of each line", () => {
    const r = bpfJit(FILTER);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain("eBPF (bpf_convert_filter): 13 instructions");
    expect(r.output).toMatch(/^ {3}1 {2}if r0 != 0x6e goto pc\+2$/m);
    expect(r.output).toMatch(/^ {3}1 {2}\+23 +48 83 f8 6e +cmpq \$0x6e,%rax$/m);
    expect(r.output).toMatch(/jne bpf_prog_1_seccomp\.pc3$/m);
    const j = JSON.parse(bpfJit(FILTER, { json: true }).output);
    expect(j.image.bytes).toBe(62);
    expect(j.x86[0]).toEqual({ pc: -1, offset: 0, bytes: "0f 1f 44 00 00", insn: "nopl (%rax,%rax)" });
    expect(bpfJit(join(dir, "missing")).exitCode).toBe(2);
    expect(bpfJit(file("bad.ddd", "1\n32 0 0 2\n")).exitCode).toBe(1);
  });

  it("builds N-check filters the kernel accepts, and prices them with the JIT cheaper than the interpreter", () => {
    for (const n of [1, 50, 200, 250]) expect(seccompPrepareFilter(argCheckFilter(n)).ok).toBe(true);
    expect(bpfCost({ checks: [0] }).exitCode).toBe(2);
    expect(bpfCost({ profile: "nope" }).exitCode).toBe(2);
    const r = JSON.parse(bpfCost({ checks: [50], json: true }).output);
    expect(r.rows[0].jit).toBeLessThan(r.rows[0].interpreter);
    expect(r.rows[0].jit).toBeGreaterThan(r.none);
  }, 60_000);
});
