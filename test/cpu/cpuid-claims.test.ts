// The claim a machine may opt into for a distribution's libc (exec --root): vendor GenuineIntel. FPU/CX8/MMX
// are in every answer (x87, CMPXCHG8B and MMX execute); everything else is unchanged.
import { describe, expect, it } from "vitest";
import { CPUID_BASELINE_CLAIMS, CPUID_VENDOR, cpuid, withBaselineClaims } from "../../src/cpu/cpuid.ts";

function vendor(o: Int32Array): string {
  let s = "";
  for (const w of [o[1]!, o[3]!, o[2]!])
    for (let i = 0; i < 4; i++) s += String.fromCharCode((w >>> (8 * i)) & 255);
  return s;
}

describe("CPUID baseline claims", () => {
  it("default: vendor SyscallLab64, with FPU, CX8 and MMX", () => {
    const o = new Int32Array(4);
    cpuid(0, 0, 0, o);
    expect(vendor(o)).toBe(CPUID_VENDOR);
    cpuid(1, 0, 0, o);
    expect(o[3]! & CPUID_BASELINE_CLAIMS).toBe(CPUID_BASELINE_CLAIMS);
  });

  it("claimed: GenuineIntel, and every feature leaf unchanged", () => {
    const plain = new Int32Array(4);
    const o = new Int32Array(4);
    cpuid(0, 0, 0, o);
    withBaselineClaims(0, o);
    expect(vendor(o)).toBe("GenuineIntel");
    cpuid(1, 0, 0, plain);
    cpuid(1, 0, 0, o);
    withBaselineClaims(1, o);
    expect([...o]).toEqual([...plain]);
    for (const leaf of [7, 0x80000001]) {
      cpuid(leaf, 0, 0, plain);
      cpuid(leaf, 0, 0, o);
      withBaselineClaims(leaf, o);
      expect([...o]).toEqual([...plain]);
    }
  });
});
