import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bpfCheck, bpfRun } from "../../../src/cli/bpf.ts";

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
