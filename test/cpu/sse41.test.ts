// SSE4.1 (src/cpu/sse41.ts, execSse4 in sse.ts): memory operands, alignment, RIP-relative forms with an immediate,
// invalid prefixes and the flags PTEST writes. The register forms' values are checked against hardware in
// sse4-vectors.test.ts.
import { describe, expect, it } from "vitest";
import { GP, UD } from "../../src/cpu/exceptions.ts";
import { RAX, RDI } from "../../src/cpu/registers.ts";
import { bytesAt, machine, USER_CODE, USER_DATA } from "./machine.ts";

const X = (hex: string): bigint => BigInt(`0x${hex.replace(/_/g, "")}`);
const A = X("0f0e0d0c_0b0a0908_07060504_03020100");
const B = X("80ff7f01_00fe0203_10203040_50607080");

function run(bytes: number[], opts: { steps?: number; data?: number[]; rax?: bigint } = {}) {
  const m = machine();
  bytesAt(m, USER_CODE, bytes);
  bytesAt(m, USER_DATA, opts.data ?? Array.from({ length: 64 }, (_, i) => 0x40 + i));
  m.cpu.setXmm(0, A);
  m.cpu.setXmm(1, B);
  m.cpu.setReg(RDI, USER_DATA);
  m.cpu.setReg(RAX, opts.rax ?? 0x1122334455667788n);
  const stop = m.cpu.run(opts.steps ?? 1);
  return { ...m, stop };
}

describe("SSE4.1 memory operands and alignment", () => {
  it("16-byte operands must be aligned (#GP(0), nothing changed); MOVNTDQA too", () => {
    for (const bytes of [
      [0x66, 0x0f, 0x38, 0x40, 0x47, 0x01], // pmulld xmm0, [rdi+1]
      [0x66, 0x0f, 0x38, 0x2a, 0x47, 0x08], // movntdqa xmm0, [rdi+8]
      [0x66, 0x0f, 0x3a, 0x08, 0x47, 0x04, 0x00], // roundps xmm0, [rdi+4], 0
      [0x66, 0x0f, 0x38, 0x17, 0x47, 0x02], // ptest xmm0, [rdi+2]
    ]) {
      const r = run(bytes);
      expect(r.stop).toMatchObject({ kind: "fault", vector: GP, errorCode: 0, rip: BigInt(USER_CODE) });
      expect(r.cpu.getXmm(0)).toBe(A);
    }
  });

  it("PMOVZX/PMOVSX and INSERTPS read only their element size, at any alignment", () => {
    // pmovzxbw xmm0, [rdi+3]: 8 bytes
    let r = run([0x66, 0x0f, 0x38, 0x30, 0x47, 0x03]);
    expect(r.stop).toEqual({ kind: "budget" });
    expect(r.cpu.getXmm(0)).toBe(X("004a_0049_0048_0047_0046_0045_0044_0043"));
    // pmovsxbq xmm0, [rdi+1] on the last two bytes of the page: reads 2 bytes only
    r = run([0x66, 0x0f, 0x38, 0x22, 0x47, 0x01], { data: [] });
    expect(r.stop).toEqual({ kind: "budget" });
    bytesAt(r, USER_DATA + 0x1ffe, [0x80, 0x7f]);
    r.cpu.setReg(RDI, USER_DATA + 0x1ffd);
    r.cpu.setRip(USER_CODE);
    expect(r.cpu.run(1)).toEqual({ kind: "budget" });
    expect(r.cpu.getXmm(0)).toBe(X("00000000_0000007f_ffffffff_ffffff80"));
    // insertps xmm0, [rdi+1], 0x30: the dword at [rdi+1] into lane 3
    r = run([0x66, 0x0f, 0x3a, 0x21, 0x47, 0x01, 0x30]);
    expect(r.cpu.getXmm(0)).toBe(X("44434241_0b0a0908_07060504_03020100"));
  });

  it("PEXTRQ/PEXTRB store their element; PINSRD/PINSRB load theirs; a GPR destination is zero-extended", () => {
    // pextrq [rdi+5], xmm1, 1; pextrb eax, xmm1, 15 (REX.W: rax)
    let r = run([0x66, 0x48, 0x0f, 0x3a, 0x16, 0x4f, 0x05, 0x01, 0x66, 0x48, 0x0f, 0x3a, 0x14, 0xc8, 0x0f], {
      steps: 2,
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(Array.from(r.space.readBytes(USER_DATA + 5, 8))).toEqual([
      0x03, 0x02, 0xfe, 0x00, 0x01, 0x7f, 0xff, 0x80,
    ]);
    expect(r.cpu.getReg(RAX)).toBe(0x80n);
    // pinsrd xmm0, [rdi+2], 2; pinsrb xmm0, eax, 0
    r = run([0x66, 0x0f, 0x3a, 0x22, 0x47, 0x02, 0x02, 0x66, 0x0f, 0x3a, 0x20, 0xc0, 0x00], { steps: 2 });
    expect(r.cpu.getXmm(0)).toBe(X("0f0e0d0c_45444342_07060504_03020188"));
  });

  it("a RIP-relative operand counts the immediate after it (roundsd xmm0, [rip+disp], imm)", () => {
    const m = machine();
    // roundsd xmm0, [rip+2], 1 (floor); then 2 bytes of padding, then the double -2.5 at USER_CODE + 7 + 2
    const code = [0x66, 0x0f, 0x3a, 0x0b, 0x05, 0x02, 0x00, 0x00, 0x00, 0x01, 0x90, 0x90];
    const f = Array.from(new Uint8Array(new Float64Array([-2.5]).buffer));
    bytesAt(m, USER_CODE, [...code, ...f]);
    m.cpu.setXmm(0, 0n);
    expect(m.cpu.run(1)).toEqual({ kind: "budget" });
    expect(m.cpu.getXmm(0)).toBe(BigInt.asUintN(64, new BigInt64Array(new Float64Array([-3]).buffer)[0]!));
  });

  it("a fault on the store of PEXTRD changes nothing", () => {
    const r = run([0x66, 0x0f, 0x3a, 0x16, 0x87, 0xfe, 0x1f, 0x00, 0x00, 0x00]); // pextrd [rdi+0x1ffe], xmm0, 0
    expect(r.stop).toMatchObject({ kind: "fault", vector: 14 });
    expect(Array.from(r.space.readBytes(USER_DATA + 0x1ffe, 2))).toEqual([0, 0]);
  });
});

describe("SSE4.1 decoding and flags", () => {
  it("needs the 66 prefix alone; MOVNTDQA takes memory only", () => {
    for (const bytes of [
      [0x0f, 0x38, 0x40, 0xc1], // pmulld without 66
      [0xf3, 0x66, 0x0f, 0x38, 0x40, 0xc1], // with F3
      [0xf2, 0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0x00], // roundsd with F2
      [0x66, 0x0f, 0x38, 0x2a, 0xc1], // movntdqa xmm0, xmm1
    ]) {
      const r = run(bytes);
      expect(r.stop).toMatchObject({ kind: "fault", vector: UD });
      expect(r.cpu.getXmm(0)).toBe(A);
    }
  });

  it("PTEST sets ZF and CF and clears OF SF AF PF", () => {
    const m = machine();
    bytesAt(m, USER_CODE, [0x66, 0x0f, 0x38, 0x17, 0xc1]); // ptest xmm0, xmm1
    const cases: [bigint, bigint, number][] = [
      [0n, 0n, 0x41],
      [-1n, 1n, 0x01],
      [0n, 1n, 0x40],
      [1n, 3n, 0x00],
    ];
    for (const [a, b, want] of cases) {
      m.cpu.setXmm(0, BigInt.asUintN(128, a));
      m.cpu.setXmm(1, b);
      m.cpu.setRflags(0x202 | 0x8d5);
      m.cpu.setRip(USER_CODE);
      expect(m.cpu.run(1)).toEqual({ kind: "budget" });
      expect(m.cpu.getRflags() & 0x8d5).toBe(want);
    }
  });
});
