// SSE4.2 (src/cpu/sse42.ts, execSse4 in sse.ts): CRC32's check value, the string compares on known strings (ECX,
// XMM0, the six flags), unaligned memory operands, explicit lengths (negative, 64-bit), PCMPGTQ. The hardware
// vectors (sse4-vectors.test.ts) cover every imm8 mode.
import { describe, expect, it } from "vitest";
import { RAX, RCX, RDI, RDX } from "../../src/cpu/registers.ts";
import { bytesAt, machine, USER_CODE, USER_DATA } from "./machine.ts";

const str = (s: string): bigint => {
  let v = 0n;
  for (let i = s.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(s.charCodeAt(i));
  return v;
};
const bytes = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

function run(
  code: number[],
  data: number[],
  setup: (m: ReturnType<typeof machine>) => void = () => {},
  steps = 1,
) {
  const m = machine();
  bytesAt(m, USER_CODE, code);
  bytesAt(m, USER_DATA, data);
  m.cpu.setReg(RDI, USER_DATA);
  setup(m);
  const stop = m.cpu.run(steps);
  return { ...m, stop };
}

describe("CRC32", () => {
  it('gives the CRC-32C check value of "123456789" (E3069283H) over a 64-bit and an 8-bit step', () => {
    // crc32 rax, qword [rdi]; crc32 eax, byte [rdi+8]
    const r = run(
      [0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x07, 0xf2, 0x0f, 0x38, 0xf0, 0x47, 0x08],
      bytes("123456789"),
      (m) => m.cpu.setReg(RAX, 0xffffffffffffffffn),
      2,
    );
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getReg(RAX) ^ 0xffffffffn).toBe(0xe3069283n);
  });
  it("the 16- and 32-bit sources give the same CRC as their bytes; AH is a byte source", () => {
    // crc32 ecx, ax (66 F2 0F 38 F1 C8); crc32 edx, ah (F2 0F 38 F0 D4); crc32 edx, al
    const r = run(
      [0x66, 0xf2, 0x0f, 0x38, 0xf1, 0xc8, 0xf2, 0x0f, 0x38, 0xf0, 0xd0, 0xf2, 0x0f, 0x38, 0xf0, 0xd4],
      [],
      (m) => {
        m.cpu.setReg(RAX, 0x1234n);
        m.cpu.setReg(RCX, 0xffffffff00000000n);
        m.cpu.setReg(RDX, 0n);
      },
      3,
    );
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getReg(RCX)).toBe(r.cpu.getReg(RDX)); // the upper half of RCX cleared
  });
});

describe("PCMPxSTRx", () => {
  it("PCMPISTRI equal-any finds the first vowel of a string in unaligned memory; flags from both lengths", () => {
    // pcmpistri xmm0, [rdi+3], 0x00
    const r = run([0x66, 0x0f, 0x3a, 0x63, 0x47, 0x03, 0x00], [0, 0, 0, ...bytes("hello world"), 0], (m) => {
      m.cpu.setXmm(0, str("aeiou"));
      m.cpu.setRflags(0x202 | 0x8d5);
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getReg(RCX)).toBe(1n);
    // CF (a match), ZF (null in the string), SF (null in the set); OF (element 0 did not match), AF, PF clear
    expect(r.cpu.getRflags() & 0x8d5).toBe(0x01 | 0x40 | 0x80);
  });
  it("PCMPESTRM equal-ordered finds a substring (the mask in XMM0); negative lengths count by their magnitude", () => {
    // pcmpestrm xmm1, xmm2, 0x0c: needle xmm1 ("lo", RAX = -2), haystack xmm2 ("hello world", RDX = -11)
    const r = run([0x66, 0x0f, 0x3a, 0x60, 0xca, 0x0c], [], (m) => {
      m.cpu.setXmm(1, str("lo"));
      m.cpu.setXmm(2, str("hello world"));
      m.cpu.setReg(RAX, -2n & 0xffffffffffffffffn);
      m.cpu.setReg(RDX, 0xfffffff5n); // EDX = -11; RDX's upper half is ignored without REX.W
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getXmm(0)).toBe(1n << 3n);
    expect(r.cpu.getRflags() & 0x8d5).toBe(0x01 | 0x40 | 0x80);
  });
  it("PCMPESTRI64 takes RAX/RDX whole: a huge length saturates to 16", () => {
    // pcmpestri xmm1, xmm2, 0x08 (REX.W): equal each, both lengths 2^40 → 16
    const r = run([0x66, 0x48, 0x0f, 0x3a, 0x61, 0xca, 0x08], [], (m) => {
      m.cpu.setXmm(1, str("abcdefghijklmnop"));
      m.cpu.setXmm(2, str("abcdefghijkLmnop"));
      m.cpu.setReg(RAX, 1n << 40n);
      m.cpu.setReg(RDX, 1n << 40n);
    });
    expect(r.cpu.getReg(RCX)).toBe(0n);
    expect(r.cpu.getRflags() & 0x8d5).toBe(0x01 | 0x800); // CF, OF; no ZF/SF: both full length
  });
});

describe("PCMPGTQ", () => {
  it("compares signed quadwords (equal high halves: the low halves unsigned)", () => {
    const r = run([0x66, 0x0f, 0x38, 0x37, 0xc1], [], (m) => {
      m.cpu.setXmm(0, (0x0000000180000000n << 64n) | 0xffffffffffffffffn);
      m.cpu.setXmm(1, (0x000000017fffffffn << 64n) | 0x0000000000000000n);
    });
    expect(r.cpu.getXmm(0)).toBe(0xffffffffffffffffn << 64n);
  });
});
