// The baseline claims a machine may opt into for a distribution's libc (exec --root): vendor GenuineIntel and
// FPU/CX8/MMX in leaf 1; everything else, and the default answers, unchanged.
import { describe, expect, it } from "vitest";
import { CPUID_BASELINE_CLAIMS, CPUID_VENDOR, cpuid, withBaselineClaims } from "../../src/cpu/cpuid.ts";

function vendor(o: Int32Array): string {
  let s = "";
  for (const w of [o[1]!, o[3]!, o[2]!])
    for (let i = 0; i < 4; i++) s += String.fromCharCode((w >>> (8 * i)) & 255);
  return s;
}

describe("CPUID baseline claims", () => {
  it("default: vendor SyscallLab64, no FPU, CX8 or MMX", () => {
    const o = new Int32Array(4);
    cpuid(0, 0, 0, o);
    expect(vendor(o)).toBe(CPUID_VENDOR);
    cpuid(1, 0, 0, o);
    expect(o[3]! & CPUID_BASELINE_CLAIMS).toBe(0);
  });

  it("claimed: GenuineIntel, and leaf 1 EDX gains exactly bits 0, 8 and 23", () => {
    const plain = new Int32Array(4);
    const o = new Int32Array(4);
    cpuid(0, 0, 0, o);
    withBaselineClaims(0, o);
    expect(vendor(o)).toBe("GenuineIntel");
    cpuid(1, 0, 0, plain);
    cpuid(1, 0, 0, o);
    withBaselineClaims(1, o);
    expect(o[3]! ^ plain[3]!).toBe((1 << 0) | (1 << 8) | (1 << 23));
    expect([o[0], o[1], o[2]]).toEqual([plain[0], plain[1], plain[2]]);
    for (const leaf of [7, 0x80000001]) {
      cpuid(leaf, 0, 0, plain);
      cpuid(leaf, 0, 0, o);
      withBaselineClaims(leaf, o);
      expect([...o]).toEqual([...plain]);
    }
  });
});
