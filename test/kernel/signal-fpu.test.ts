// The FPU/SSE state in the rt_sigframe (src/kernel/fpu-signal.ts): the FXSAVE image round trip, and the fixture
// test/fixtures/src/sigfpu.c on linux-3.1 against its native run (linux-generic: exec-generic.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import type { FpuState } from "../../src/cpu/fpu-state.ts";
import { fromFxsaveImage, fxsaveImage } from "../../src/kernel/fpu-signal.ts";
import { getProfile } from "../../src/measure/profile.ts";

describe("the FXSAVE image of a signal frame", () => {
  it("holds FCW, FSW with TOP, the abridged tags, MXCSR and its mask, ST(k) in stack order and XMM0-15", () => {
    const s: FpuState = {
      xmm: Int32Array.from({ length: 64 }, (_, i) => i * 0x01010101),
      mxcsr: 0x7f80,
      fcw: 0x0c7f,
      fsw: 0x0021,
      fpTop: 5,
      fpTags: 0xe0,
      fpSe: Uint16Array.from([0, 1, 2, 3, 4, 0x4000, 6, 7]),
      fpSig: BigUint64Array.from([0n, 1n, 2n, 3n, 4n, 0xa000000000000000n, 6n, 7n]),
    };
    const b = fxsaveImage(s);
    const v = new DataView(b.buffer);
    expect(v.getUint16(0, true)).toBe(0x0c7f);
    expect(v.getUint16(2, true)).toBe(0x0021 | (5 << 11));
    expect(b[4]).toBe(0xe0);
    expect(v.getUint32(24, true)).toBe(0x7f80);
    expect(v.getUint32(28, true)).toBe(0xffff);
    expect(v.getBigUint64(32, true)).toBe(0xa000000000000000n); // ST(0) is physical register 5
    expect(v.getUint16(40, true)).toBe(0x4000);
    expect(v.getInt32(160 + 4 * 4, true)).toBe(4 * 0x01010101); // XMM1's low dword
    expect(b.subarray(464).every((x) => x === 0)).toBe(true); // fx_sw_reserved: no XSAVE, no magic
    const back = fromFxsaveImage(b)!;
    expect(back.fpTop).toBe(5);
    expect(back.fcw).toBe(0x0c7f);
    expect([...back.xmm]).toEqual([...s.xmm]);
    expect([...back.fpSig]).toEqual([...s.fpSig]);
    v.setUint32(24, 0x10000, true); // a reserved MXCSR bit: FXRSTOR would #GP, rt_sigreturn fails the frame
    expect(fromFxsaveImage(b)).toBe(null);
  });
});

const FIX = new URL("../fixtures/", import.meta.url).pathname;

describe("sigfpu: a handler that scribbles XMM, MXCSR and x87 state (native run in test/fixtures/expected)", () => {
  for (const bin of ["sigfpu", "sigfpu.musl"]) {
    it(`${bin} on linux-3.1`, () => {
      const r = runExec({ program: `${FIX}bin/${bin}`, args: [], profile: getProfile("sandybridge-2011") });
      expect(r.stdout).toBe(readFileSync(`${FIX}expected/sigfpu.stdout`, "utf8"));
      expect(r.exitCode).toBe(0);
    });
  }
});
