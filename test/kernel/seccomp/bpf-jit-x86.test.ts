// The x86-64 JIT against images captured from a real 6.18 kernel (test/fixtures/seccomp/jit-capture.ts), byte
// for byte and instruction by instruction, and against the interpreter's verdicts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../../src/entry/disassembler.ts";
import { bpfConvertFilter, convertedStackDepth } from "../../../src/kernel/seccomp/bpf-convert.ts";
import { bpfIntJitCompile } from "../../../src/kernel/seccomp/bpf-jit-x86.ts";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";
import { decodeFilter } from "../../fixtures/seccomp/fixture-format.ts";
import type { JitFixtureFile } from "../../fixtures/seccomp/jit-capture.ts";

const fx = JSON.parse(
  readFileSync(new URL("../../fixtures/seccomp/jit-fixtures.json", import.meta.url), "utf8"),
) as JitFixtureFile;

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function compile(filter: JitFixtureFile["fixtures"][number]["filter"], wasClassic: boolean, addr: bigint) {
  const r = seccompPrepareFilter(decodeFilter(filter));
  if (!r.ok) throw new Error(r.reason);
  const prog = bpfConvertFilter(r.filter);
  const thunk = BigInt(`0x${fx.returnThunk.addr}`);
  // rel32 only: image and thunk addresses as offsets from the image
  return bpfIntJitCompile(prog, convertedStackDepth(prog), {
    wasClassic,
    returnThunk: Number(BigInt.asIntN(64, thunk - addr)),
    imageAddr: 0,
    // the capture host has BMI2 (shlx/shrx for shifts by X); the modelled CPU does not
    bmi2: true,
  });
}

describe("x86-64 BPF JIT vs images captured on a real kernel", () => {
  it("has at least 30 captured filters", () => {
    expect(fx.fixtures.length).toBeGreaterThanOrEqual(30);
  });
  for (const f of fx.fixtures) {
    it(`${f.name}: byte for byte`, () => {
      const addr = BigInt(`0x${f.addr}`);
      const img = compile(f.filter, false, addr);
      // instruction by instruction first, so a mismatch names the instruction
      const want = disassemble(Buffer.from(f.image, "hex"), addr).map((l) => `${l.bytes}  ${l.text}`);
      const got = disassemble(img.bytes, addr).map((l) => `${l.bytes}  ${l.text}`);
      expect(got).toEqual(want);
      expect(hex(img.bytes)).toBe(f.image);
    });
  }
});
