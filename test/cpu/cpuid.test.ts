// CPUID (src/cpu/cpuid.ts) advertises only what the CPU executes.
import { describe, expect, it } from "vitest";
import { cpuid } from "../../src/cpu/cpuid.ts";

const leaf = (n: number) => {
  const out = new Int32Array(4);
  cpuid(n, 0, 0, out);
  return out;
};

describe("CPUID features", () => {
  it("leaf 1 EDX: TSC MSR PAE CMOV FXSR SSE SSE2 and nothing else; ECX: nothing", () => {
    const [, , ecx, edx] = leaf(1);
    const bits = [4, 5, 6, 15, 24, 25, 26];
    expect(edx! >>> 0).toBe(bits.reduce((v, b) => v | (1 << b), 0) >>> 0);
    expect(ecx).toBe(0);
  });
  it("not the x87 FPU, CX8 (CMPXCHG8B) or MMX, which are #UD", () => {
    const edx = leaf(1)[3]!;
    for (const b of [0, 8, 23]) expect((edx >>> b) & 1, `bit ${b}`).toBe(0);
  });
  it("leaf 7 is empty; 0x80000001 has LAHF/SAHF, SYSCALL, NX, LM only", () => {
    expect(Array.from(leaf(7))).toEqual([0, 0, 0, 0]);
    const e = leaf(0x80000001);
    expect(e[2]).toBe(1);
    expect(e[3]! >>> 0).toBe(((1 << 11) | (1 << 20) | (1 << 29)) >>> 0);
  });
});
