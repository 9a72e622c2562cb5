// SSE/SSE2 subset (src/cpu/sse.ts): known values per instruction group, alignment faults, flags untouched.
import { describe, expect, it } from "vitest";
import { GP } from "../../src/cpu/exceptions.ts";
import { UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { RAX, RCX, RDI } from "../../src/cpu/registers.ts";
import { bytesAt, machine, USER_CODE, USER_DATA } from "./machine.ts";

const X = (hex: string): bigint => BigInt(`0x${hex.replace(/_/g, "")}`);
const A = X("0f0e0d0c_0b0a0908_07060504_03020100");
const B = X("80ff7f01_00fe0203_10203040_50607080");

/** Runs `bytes` at USER_CODE with xmm0 = a, xmm1 = b, RDI = USER_DATA; returns the machine after `steps`. */
function run(bytes: number[], opts: { a?: bigint; b?: bigint; steps?: number; data?: number[] } = {}) {
  const m = machine();
  bytesAt(m, USER_CODE, bytes);
  if (opts.data) bytesAt(m, USER_DATA, opts.data);
  m.cpu.setXmm(0, opts.a ?? A);
  m.cpu.setXmm(1, opts.b ?? B);
  m.cpu.setReg(RDI, USER_DATA);
  const stop = m.cpu.run(opts.steps ?? 1);
  return { ...m, stop };
}

describe("SSE2 moves", () => {
  it("MOVDQU/MOVUPS load and store 16 bytes at any alignment", () => {
    const data = Array.from({ length: 32 }, (_, i) => i + 0x40);
    // movdqu xmm2, [rdi+1]; movups [rdi+16], xmm2
    const r = run([0xf3, 0x0f, 0x6f, 0x57, 0x01, 0x0f, 0x11, 0x57, 0x10], { data, steps: 2 });
    expect(r.cpu.getXmm(2)).toBe(X("504f4e4d_4c4b4a49_48474645_44434241"));
    expect(Array.from(r.space.readBytes(USER_DATA + 16, 16))).toEqual(data.slice(1, 17));
  });

  it("MOVDQA and MOVAPS raise #GP(0) on a misaligned operand and change nothing", () => {
    for (const bytes of [
      [0x66, 0x0f, 0x6f, 0x47, 0x08], // movdqa xmm0, [rdi+8]
      [0x0f, 0x29, 0x47, 0x04], // movaps [rdi+4], xmm0
      [0x66, 0x0f, 0x74, 0x47, 0x01], // pcmpeqb xmm0, [rdi+1]
    ]) {
      const r = run(bytes);
      expect(r.stop).toMatchObject({ kind: "fault", vector: GP, errorCode: 0, rip: BigInt(USER_CODE) });
      expect(r.cpu.getXmm(0)).toBe(A);
      expect(Array.from(r.space.readBytes(USER_DATA, 16))).toEqual(new Array(16).fill(0));
    }
    const ok = run([0x66, 0x0f, 0x6f, 0x47, 0x10], { data: new Array(32).fill(0x11) });
    expect(ok.stop).toEqual({ kind: "budget" });
    expect(ok.cpu.getXmm(0)).toBe(X("11".repeat(16)));
  });

  it("MOVD/MOVQ between GPRs, memory and XMM zero-extend", () => {
    const m = machine();
    // movd xmm0, eax; movq xmm1, rcx; movq rdx, xmm1; movd [rdi], xmm0; movq xmm2, [rdi]; movq xmm3, xmm1 (F3 0F 7E)
    bytesAt(
      m,
      USER_CODE,
      [
        0x66, 0x0f, 0x6e, 0xc0, 0x66, 0x48, 0x0f, 0x6e, 0xc9, 0x66, 0x48, 0x0f, 0x7e, 0xca, 0x66, 0x0f, 0x7e,
        0x07, 0xf3, 0x0f, 0x7e, 0x17, 0xf3, 0x0f, 0x7e, 0xd9,
      ],
    );
    m.cpu.setXmm(0, -1n);
    m.cpu.setXmm(1, -1n);
    m.cpu.setXmm(2, -1n);
    m.cpu.setXmm(3, -1n);
    m.cpu.setReg(RAX, 0xffffffff_89abcdefn);
    m.cpu.setReg(RCX, 0x01234567_89abcdefn);
    m.cpu.setReg(RDI, USER_DATA);
    m.space.write64(USER_DATA, 0xaaaaaaaa_bbbbbbbbn);
    m.cpu.run(6);
    expect(m.cpu.getXmm(0)).toBe(0x89abcdefn);
    expect(m.cpu.getXmm(1)).toBe(0x01234567_89abcdefn);
    expect(m.cpu.getReg(2)).toBe(0x01234567_89abcdefn);
    expect(m.space.read64(USER_DATA)).toBe(0xaaaaaaaa_89abcdefn);
    expect(m.cpu.getXmm(2)).toBe(0xaaaaaaaa_89abcdefn);
    expect(m.cpu.getXmm(3)).toBe(0x01234567_89abcdefn);
  });

  it("MOVHPS/MOVLPS/MOVHLPS/MOVLHPS/MOVSD move halves", () => {
    const data = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(run([0x0f, 0x16, 0x07], { data }).cpu.getXmm(0)).toBe(X("08070605_04030201_07060504_03020100"));
    expect(run([0x0f, 0x12, 0x07], { data }).cpu.getXmm(0)).toBe(X("0f0e0d0c_0b0a0908_08070605_04030201"));
    expect(run([0x0f, 0x12, 0xc1]).cpu.getXmm(0)).toBe(X("0f0e0d0c_0b0a0908_80ff7f01_00fe0203"));
    expect(run([0x0f, 0x16, 0xc1]).cpu.getXmm(0)).toBe(X("10203040_50607080_07060504_03020100"));
    expect(run([0xf2, 0x0f, 0x10, 0x07], { data }).cpu.getXmm(0)).toBe(X("08070605_04030201"));
    expect(run([0xf2, 0x0f, 0x10, 0xc1]).cpu.getXmm(0)).toBe(X("0f0e0d0c_0b0a0908_10203040_50607080"));
    const st = run([0x0f, 0x17, 0x07]); // movhps [rdi], xmm0
    expect(st.space.read64(USER_DATA)).toBe(X("0f0e0d0c_0b0a0908"));
  });
});

describe("SSE2 integer arithmetic and logic", () => {
  const cases: [string, number[], bigint][] = [
    ["pxor", [0x66, 0x0f, 0xef, 0xc1], A ^ B],
    ["pand", [0x66, 0x0f, 0xdb, 0xc1], A & B],
    ["pandn", [0x66, 0x0f, 0xdf, 0xc1], ~A & B & ((1n << 128n) - 1n)],
    ["por", [0x66, 0x0f, 0xeb, 0xc1], A | B],
    ["xorps", [0x0f, 0x57, 0xc1], A ^ B],
    ["pcmpeqb", [0x66, 0x0f, 0x74, 0xc1], X("00000000_00000000_00000000_00000000")],
    ["pcmpgtb", [0x66, 0x0f, 0x64, 0xc1], X("ffff00ff_ffffffff_00000000_000000ff")],
    ["pminub", [0x66, 0x0f, 0xda, 0xc1], X("0f0e0d01_000a0203_07060504_03020100")],
    ["pmaxub", [0x66, 0x0f, 0xde, 0xc1], X("80ff7f0c_0bfe0908_10203040_50607080")],
    ["psubb", [0x66, 0x0f, 0xf8, 0xc1], X("8f0f8e0b_0b0c0705_f7e6d5c4_b3a29180")],
    ["paddb", [0x66, 0x0f, 0xfc, 0xc1], X("8f0d8c0d_0b080b0b_17263544_53627180")],
    ["paddq", [0x66, 0x0f, 0xd4, 0xc1], X("900d8c0d_0c080b0b_17263544_53627180")],
    ["psubd", [0x66, 0x0f, 0xfa, 0xc1], X("8e0e8e0b_0a0c0705_f6e5d4c4_b2a19080")],
    ["psubusb", [0x66, 0x0f, 0xd8, 0xc1], X("0000000b_0b000705_00000000_00000000")],
    ["punpcklbw", [0x66, 0x0f, 0x60, 0xc1], X("10072006_30054004_50036002_70018000")],
    ["punpcklwd", [0x66, 0x0f, 0x61, 0xc1], X("10200706_30400504_50600302_70800100")],
    ["punpckldq", [0x66, 0x0f, 0x62, 0xc1], X("10203040_07060504_50607080_03020100")],
    ["punpcklqdq", [0x66, 0x0f, 0x6c, 0xc1], X("10203040_50607080_07060504_03020100")],
    ["punpckhqdq", [0x66, 0x0f, 0x6d, 0xc1], X("80ff7f01_00fe0203_0f0e0d0c_0b0a0908")],
    ["pshufd 0x1b", [0x66, 0x0f, 0x70, 0xc1, 0x1b], X("50607080_10203040_00fe0203_80ff7f01")],
    ["pshufd 0x00", [0x66, 0x0f, 0x70, 0xc1, 0x00], X("50607080_50607080_50607080_50607080")],
    ["pshuflw 0x1b", [0xf2, 0x0f, 0x70, 0xc1, 0x1b], X("80ff7f01_00fe0203_70805060_30401020")],
    ["psrldq 3", [0x66, 0x0f, 0x73, 0xd8, 0x03], X("0000000f_0e0d0c0b_0a090807_06050403")],
    ["pslldq 5", [0x66, 0x0f, 0x73, 0xf8, 0x05], X("0a090807_06050403_02010000_00000000")],
    ["psrlw 4", [0x66, 0x0f, 0x71, 0xd0, 0x04], X("00f000d0_00b00090_00700050_00300010")],
    ["psraw 9", [0x66, 0x0f, 0x71, 0xe1, 0x09], X("ffc0003f_00000001_00080018_00280038")],
    ["psllq 36", [0x66, 0x0f, 0x73, 0xf0, 0x24], X("b0a09080_00000000_30201000_00000000")],
    ["psrlq 68 (clears)", [0x66, 0x0f, 0x73, 0xd0, 0x44], 0n],
    ["shufps 0x4e", [0x0f, 0xc6, 0xc1, 0x4e], X("10203040_50607080_0f0e0d0c_0b0a0908")],
    [
      "pmuludq",
      [0x66, 0x0f, 0xf4, 0xc1],
      0x0b0a0908n * 0x00fe0203n * (1n << 64n) + 0x03020100n * 0x50607080n,
    ],
    ["packuswb", [0x66, 0x0f, 0x67, 0xc1], X("00fffeff_ffffffff_ffffffff_ffffffff")],
  ];
  for (const [name, bytes, want] of cases) {
    it(`${name} (xmm0, xmm1)`, () => {
      const r = run(bytes);
      const reg = name === "psraw 9" ? 1 : 0;
      expect(r.cpu.getXmm(reg), name).toBe(want);
    });
  }

  it("PMOVMSKB/MOVMSKPS collect sign bits into a zero-extended GPR; flags are untouched", () => {
    const m = machine();
    // stc; pmovmskb eax, xmm1; movmskps rcx, xmm1 (REX.W); setc dl
    bytesAt(m, USER_CODE, [0xf9, 0x66, 0x0f, 0xd7, 0xc1, 0x48, 0x0f, 0x50, 0xc9, 0x0f, 0x92, 0xc2]);
    m.cpu.setXmm(1, B);
    m.cpu.setReg(RAX, -1n);
    m.cpu.setReg(RCX, -1n);
    m.cpu.run(4);
    expect(m.cpu.getReg(RAX)).toBe(0xc401n);
    expect(m.cpu.getReg(RCX)).toBe(0b1000n);
    expect(m.cpu.getReg(2) & 0xffn).toBe(1n);
  });

  it("PCMPEQB + PMOVMSKB + BSF finds a NUL byte as strlen does", () => {
    const data = [...Array.from("hello, world!", (c) => c.charCodeAt(0)), 0, 0x41, 0x42];
    // pxor xmm0,xmm0; movdqu xmm1,[rdi]; pcmpeqb xmm0,xmm1; pmovmskb eax,xmm0; bsf eax,eax
    const r = run(
      [
        0x66, 0x0f, 0xef, 0xc0, 0xf3, 0x0f, 0x6f, 0x0f, 0x66, 0x0f, 0x74, 0xc1, 0x66, 0x0f, 0xd7, 0xc0, 0x0f,
        0xbc, 0xc0,
      ],
      {
        data,
        steps: 5,
      },
    );
    expect(r.cpu.getReg(RAX)).toBe(13n);
  });
});

describe("MXCSR, FXSAVE/FXRSTOR, fences, prefetch", () => {
  it("STMXCSR reads the reset value 0x1f80; LDMXCSR with a reserved bit is #GP(0)", () => {
    const r = run([0x0f, 0xae, 0x1f]); // stmxcsr [rdi]
    expect(r.space.read32(USER_DATA)).toBe(0x1f80);
    const bad = run([0x0f, 0xae, 0x17], { data: [0, 0, 1, 0] }); // ldmxcsr [rdi] = 0x10000
    expect(bad.stop).toMatchObject({ kind: "fault", vector: GP });
    const ok = run([0x0f, 0xae, 0x17], { data: [0xc0, 0x9f, 0, 0] });
    expect(ok.cpu.mxcsr).toBe(0x9fc0);
  });

  it("FXSAVE64 stores MXCSR and XMM0–15 at their offsets; FXRSTOR64 restores them", () => {
    const m = machine();
    // fxsave64 [rdi]; pxor xmm0,xmm0; fxrstor64 [rdi]
    bytesAt(m, USER_CODE, [0x48, 0x0f, 0xae, 0x07, 0x66, 0x0f, 0xef, 0xc0, 0x48, 0x0f, 0xae, 0x0f]);
    m.cpu.setReg(RDI, USER_DATA);
    m.cpu.setXmm(0, A);
    m.cpu.setXmm(15, B);
    m.cpu.run(2);
    expect(m.space.read16(USER_DATA)).toBe(0x37f);
    expect(m.space.read32(USER_DATA + 24)).toBe(0x1f80);
    expect(m.space.read64(USER_DATA + 160)).toBe(A & ((1n << 64n) - 1n));
    expect(m.space.read64(USER_DATA + 160 + 15 * 16 + 8)).toBe(B >> 64n);
    expect(m.cpu.getXmm(0)).toBe(0n);
    m.cpu.run(1);
    expect(m.cpu.getXmm(0)).toBe(A);
  });

  it("fences and PREFETCHh (even of an unmapped address) do nothing", () => {
    // lfence; mfence; sfence; prefetcht0 [0]; prefetchnta [rdi]
    const r = run(
      [
        0x0f, 0xae, 0xe8, 0x0f, 0xae, 0xf0, 0x0f, 0xae, 0xf8, 0x0f, 0x18, 0x0c, 0x25, 0, 0, 0, 0, 0x0f, 0x18,
        0x07,
      ],
      {
        steps: 5,
      },
    );
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getRip()).toBe(BigInt(USER_CODE + 20));
  });

  it("SSE3+, MMX conversions and LOCK-prefixed SSE are #UD naming the bytes", () => {
    for (const bytes of [
      [0x0f, 0x2a, 0xc1], // cvtpi2ps xmm0, mm1
      [0x66, 0x0f, 0x38, 0xdc, 0xc1], // aesenc (AES-NI)
      [0xf0, 0x66, 0x0f, 0x38, 0x17, 0xc1], // lock ptest (SSE4.1)
      [0xf0, 0x66, 0x0f, 0xef, 0xc1],
      [0xc5, 0xf9, 0xef, 0xc1], // vpxor (VEX)
    ]) {
      const r = run(bytes);
      expect(r.stop).toMatchObject({ kind: "fault", vector: 6 });
      const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
      expect((r.stop as { detail: string }).detail).toContain(hex.slice(0, 2));
    }
  });
});

describe("SSE2 floating point: memory operands, faults and cost classes (register forms: sse-vectors.test.ts)", () => {
  const f64 = (v: number) => Array.from(new Uint8Array(new Float64Array([v]).buffer));
  const bits = (v: number) => BigInt.asUintN(64, new BigInt64Array(new Float64Array([v]).buffer)[0]!);

  it("ADDSD/DIVSD/SQRTSD m64 at any alignment; the scalar keeps the upper half", () => {
    // addsd xmm0, [rdi+3]; divsd xmm0, [rdi+11]; sqrtsd xmm2, xmm0
    const data = [0, 0, 0, ...f64(2.5), ...f64(4)];
    const r = run([0xf2, 0x0f, 0x58, 0x47, 0x03, 0xf2, 0x0f, 0x5e, 0x47, 0x0b, 0xf2, 0x0f, 0x51, 0xd0], {
      a: (7n << 64n) | bits(1.5),
      data,
      steps: 3,
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getXmm(0)).toBe((7n << 64n) | bits(1));
    expect(r.cpu.getXmm(2) & ((1n << 64n) - 1n)).toBe(bits(1));
  });

  it("ADDPD m128 must be aligned: #GP(0), nothing changed", () => {
    const r = run([0x66, 0x0f, 0x58, 0x47, 0x08]); // addpd xmm0, [rdi+8]
    expect(r.stop).toMatchObject({ kind: "fault", vector: GP, errorCode: 0 });
    expect(r.cpu.getXmm(0)).toBe(A);
    expect(r.cpu.mxcsr).toBe(0x1f80);
  });

  it("CVTSI2SD from m64, CVTTSD2SI to r64 from m64 (integer indefinite on overflow), COMISD from m64", () => {
    const m = machine();
    // cvtsi2sd xmm0, qword [rdi]; cvttsd2si rax, qword [rdi+8]; comisd xmm0, qword [rdi+16]
    bytesAt(m, USER_CODE, [0xf2, 0x48, 0x0f, 0x2a, 0x07, 0xf2, 0x48, 0x0f, 0x2c, 0x47, 0x08]);
    bytesAt(m, USER_CODE + 11, [0x66, 0x0f, 0x2f, 0x47, 0x10]);
    const q = (v: bigint) => Array.from(new Uint8Array(new BigInt64Array([v]).buffer));
    bytesAt(m, USER_DATA, [...q(-(1n << 62n) - 1n), ...f64(1e300), ...f64(-(2 ** 62))]);
    m.cpu.setReg(RDI, USER_DATA);
    m.cpu.setRflags(0x2 | 0x40 | 0x1);
    expect(m.cpu.run(3)).toEqual({ kind: "budget" });
    expect(m.cpu.getXmm(0) & ((1n << 64n) - 1n)).toBe(bits(-(2 ** 62))); // rounded to nearest
    expect(m.cpu.getReg(RAX)).toBe(0x8000000000000000n);
    expect(m.cpu.getRflags() & 0x8d5).toBe(0x40); // equal: ZF
    expect(m.cpu.mxcsr).toBe(0x1f80 | 0x21); // IE (the overflowed conversion) and PE (the rounded int)
  });

  it("an unmasked exception is #XM (vector 19) with the flag set and the destination unchanged", () => {
    const m = machine();
    bytesAt(m, USER_CODE, [0xf2, 0x0f, 0x5e, 0xc1]); // divsd xmm0, xmm1
    m.cpu.setXmm(0, bits(1));
    m.cpu.setXmm(1, 0n);
    m.cpu.mxcsr = 0x1f80 & ~(1 << 9); // ZM clear
    expect(m.cpu.run(1)).toMatchObject({ kind: "fault", vector: 19, rip: BigInt(USER_CODE) });
    expect(m.cpu.getXmm(0)).toBe(bits(1));
    expect(m.cpu.mxcsr & 0x3f).toBe(4);
  });

  it("arithmetic is class sse, DIV/SQRT sse_div; SSE integer ops keep their classes", () => {
    const costs = { ...UNIT_COSTS, classes: { ...UNIT_COSTS.classes, sse: 5, sse_div: 17, alu: 2, mov: 1 } };
    const m = machine({ costs });
    // addsd xmm0, xmm1; divsd xmm0, xmm1; sqrtps xmm0, xmm1; paddd xmm0, xmm1; cvtsi2sd xmm0, eax
    bytesAt(
      m,
      USER_CODE,
      [0xf2, 0x0f, 0x58, 0xc1, 0xf2, 0x0f, 0x5e, 0xc1, 0x0f, 0x51, 0xc1, 0x66, 0x0f, 0xfe, 0xc1],
    );
    bytesAt(m, USER_CODE + 15, [0xf2, 0x0f, 0x2a, 0xc0]);
    m.cpu.setXmm(1, bits(1));
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      m.cpu.step();
      seen.push(m.cpu.lastInsnCycles);
    }
    expect(seen).toEqual([5, 17, 17, 2, 5]);
  });
});

describe("MASKMOVDQU", () => {
  it("stores the bytes of xmm0 whose xmm1 mask byte has its top bit set to [RDI], the others untouched", () => {
    // maskmovdqu xmm0, xmm1
    const r = run([0x66, 0x0f, 0xf7, 0xc1], {
      a: X("f0e0d0c0_b0a09080_70605040_30201000"),
      b: X("80000000_00000000_00000000_000000ff"),
      data: new Array(16).fill(0x55),
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(Array.from(r.space.readBytes(USER_DATA, 16))).toEqual([
      0x00, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xf0,
    ]);
  });
});
