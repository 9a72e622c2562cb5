// CPUID (src/cpu/cpuid.ts) advertises only what the CPU executes.
import { describe, expect, it } from "vitest";
import { cpuid } from "../../src/cpu/cpuid.ts";

const leaf = (n: number) => {
  const out = new Int32Array(4);
  cpuid(n, 0, 0, out);
  return out;
};

describe("CPUID features", () => {
  it("leaf 1 EDX: FPU TSC MSR PAE CX8 CMOV MMX FXSR SSE SSE2; ECX: SSE3 SSSE3 CX16 SSE4.1 SSE4.2 POPCNT", () => {
    const [, , ecx, edx] = leaf(1);
    const bits = [0, 4, 5, 6, 8, 15, 23, 24, 25, 26];
    expect(edx! >>> 0).toBe(bits.reduce((v, b) => v | (1 << b), 0) >>> 0);
    expect(ecx! >>> 0).toBe(((1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23)) >>> 0);
  });
  it("no MOVBE, OSXSAVE, AVX (not implemented)", () => {
    const ecx = leaf(1)[2]!;
    for (const b of [22, 27, 28]) expect((ecx >>> b) & 1, `bit ${b}`).toBe(0);
  });
  it("leaf 7: BMI1 and BMI2 only; 0x80000001: LAHF/SAHF and ABM, SYSCALL, NX, RDTSCP, LM", () => {
    expect(Array.from(leaf(7))).toEqual([0, (1 << 3) | (1 << 8), 0, 0]);
    const e = leaf(0x80000001);
    expect(e[2]).toBe(1 | (1 << 5));
    expect(e[3]! >>> 0).toBe(((1 << 11) | (1 << 20) | (1 << 27) | (1 << 29)) >>> 0);
  });
});
