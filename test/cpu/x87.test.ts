// x87, MMX, CMPXCHG8B/16B, RDTSCP and LOOP/JRCXZ behaviour the hardware vectors (state-vectors.test.ts) do not
// reach: environment and full saves, FXSAVE/FXRSTOR of the x87 part, unmasked exceptions, faults that must change
// nothing, alignment, MSR-backed RDTSCP, and the loop instructions.
import { describe, expect, it } from "vitest";
import { GP } from "../../src/cpu/exceptions.ts";
import { RAX, RBX, RCX, RDI, RDX } from "../../src/cpu/registers.ts";
import { fswValue, MF_VEC } from "../../src/cpu/x87.ts";
import { bytesAt, machine, USER_CODE, USER_DATA } from "./machine.ts";

function run(
  bytes: number[],
  opts: { steps?: number; data?: number[]; setup?: (m: ReturnType<typeof machine>) => void } = {},
) {
  const m = machine();
  bytesAt(m, USER_CODE, bytes);
  if (opts.data) bytesAt(m, USER_DATA, opts.data);
  m.cpu.setReg(RDI, USER_DATA);
  opts.setup?.(m);
  const stop = m.cpu.run(opts.steps ?? 1);
  return { ...m, stop };
}
const st = (m: ReturnType<typeof machine>, i: number) => {
  const r = (m.cpu.fpTop + i) & 7;
  return [m.cpu.fpSe[r], m.cpu.fpSig[r]];
};
const FLD1 = [0xd9, 0xe8];
const FLDPI = [0xd9, 0xeb];

describe("x87 state saves", () => {
  it("FNSTENV stores FCW, FSW, the full tag word and masks every exception; FLDENV restores them", () => {
    // fld1; fldz; fnstenv [rdi]; fldenv [rdi]
    const r = run([...FLD1, 0xd9, 0xee, 0xd9, 0x37], { steps: 3 });
    const b = r.space.readBytes(USER_DATA, 28);
    const w = (o: number) => b[o]! | (b[o + 1]! << 8);
    expect(w(0)).toBe(0x037f);
    expect(w(4)).toBe(6 << 11); // TOP = 6
    // R7 = 1.0 (valid 00), R6 = +0 (zero 01), the rest empty (11)
    expect(w(8)).toBe(0x0fff | (0b01 << 12) | (0b00 << 14));
    expect(r.cpu.fcw).toBe(0x037f | 0x3f);
    r.cpu.fcw = 0x0c7f;
    bytesAt(r, USER_CODE + 8, [0xd9, 0x27]); // fldenv [rdi]
    r.cpu.setRip(USER_CODE + 8);
    r.cpu.fpTags = 0;
    r.cpu.run(1);
    expect(r.cpu.fcw).toBe(0x037f);
    expect(r.cpu.fpTags).toBe(0xc0);
    expect(r.cpu.fpTop).toBe(6);
  });

  it("FNSAVE stores the environment and ST0–ST7 and reinitialises; FRSTOR brings them back", () => {
    // fld1; fldpi; fnsave [rdi]; frstor [rdi]
    const r = run([...FLD1, ...FLDPI, 0xdd, 0x37], { steps: 3 });
    expect(r.cpu.fpTags).toBe(0);
    expect(r.cpu.fcw).toBe(0x037f);
    const b = r.space.readBytes(USER_DATA + 28, 20);
    expect(Buffer.from(b.subarray(0, 10)).toString("hex")).toBe("35c26821a2da0fc90040"); // pi
    expect(Buffer.from(b.subarray(10, 20)).toString("hex")).toBe("0000000000000080ff3f"); // 1.0
    bytesAt(r, USER_CODE + 8, [0xdd, 0x27]);
    r.cpu.setRip(USER_CODE + 8);
    r.cpu.run(1);
    expect(r.cpu.fpTop).toBe(6);
    expect(st(r, 0)).toEqual([0x4000, 0xc90fdaa22168c235n]);
    expect(st(r, 1)).toEqual([0x3fff, 0x8000000000000000n]);
  });

  it("FXSAVE/FXRSTOR carry FCW, FSW, the abridged tag and ST0–ST7 in stack order", () => {
    // fld1; fldpi; fxsave [rdi]; fninit; fxrstor [rdi]
    const r = run([...FLD1, ...FLDPI, 0x0f, 0xae, 0x07, 0xdb, 0xe3, 0x0f, 0xae, 0x0f], { steps: 3 });
    const b = r.space.readBytes(USER_DATA, 64);
    expect(b[0]! | (b[1]! << 8)).toBe(0x037f);
    expect(b[2]! | (b[3]! << 8)).toBe(6 << 11);
    expect(b[4]).toBe(0xc0);
    expect(Buffer.from(b.subarray(32, 42)).toString("hex")).toBe("35c26821a2da0fc90040");
    r.cpu.run(2);
    expect(r.cpu.fpTop).toBe(6);
    expect(r.cpu.fpTags).toBe(0xc0);
    expect(st(r, 1)).toEqual([0x3fff, 0x8000000000000000n]);
  });
});

describe("x87 exceptions and faults", () => {
  it("an unmasked exception stops with #MF before the destination is written, ES and B set", () => {
    // fldz; fld1; fdiv st, st(1) with ZE unmasked
    const r = run([0xd9, 0xee, ...FLD1, 0xd8, 0xf1], {
      steps: 3,
      setup: (m) => {
        m.cpu.fcw = 0x037b;
      },
    });
    // the unmasked flags (ZE) are the error code: the kernel's SIGFPE si_code comes from them
    expect(r.stop).toMatchObject({ kind: "fault", vector: MF_VEC, errorCode: 4, rip: BigInt(USER_CODE + 4) });
    expect(st(r, 0)).toEqual([0x3fff, 0x8000000000000000n]);
    expect(fswValue(r.cpu) & 0x8084).toBe(0x8084);
  });

  it("FSTP m80 across into an unmapped page faults and changes neither memory nor the stack", () => {
    const at = USER_DATA + 0x2000 - 6;
    const r = run([...FLD1, 0xdb, 0x3f], {
      steps: 2,
      setup: (m) => m.cpu.setReg(RDI, at),
    });
    expect(r.stop).toMatchObject({ kind: "fault", vector: 14 });
    expect(r.cpu.fpTop).toBe(7);
    expect(r.cpu.fpTags).toBe(0x80);
    expect(Array.from(r.space.readBytes(at, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("the x87 transcendentals are #UD", () => {
    for (const m of [0xfe, 0xff, 0xfb, 0xf2, 0xf3, 0xf0, 0xf1, 0xf9]) {
      const r = run([0xd9, m]);
      expect(r.stop).toMatchObject({ kind: "fault", vector: 6 });
    }
  });
});

describe("CMPXCHG8B/16B", () => {
  it("CMPXCHG16B on a misaligned operand is #GP(0) and changes nothing", () => {
    const r = run([0x48, 0x0f, 0xc7, 0x4f, 0x08], { data: Array(32).fill(7) }); // cmpxchg16b [rdi+8]
    expect(r.stop).toMatchObject({ kind: "fault", vector: GP, errorCode: 0 });
    expect(Array.from(r.space.readBytes(USER_DATA, 32))).toEqual(Array(32).fill(7));
  });

  it("the register form and CMPXCHG8B's other /r values are #UD", () => {
    expect(run([0x0f, 0xc7, 0xc8]).stop).toMatchObject({ kind: "fault", vector: 6 });
    expect(run([0x0f, 0xc7, 0x17]).stop).toMatchObject({ kind: "fault", vector: 6 });
  });

  it("LOCK CMPXCHG8B swaps ECX:EBX in when EDX:EAX matches", () => {
    const r = run([0xf0, 0x0f, 0xc7, 0x0f], {
      data: [1, 0, 0, 0, 2, 0, 0, 0],
      setup: (m) => {
        m.cpu.setReg(RAX, 1n);
        m.cpu.setReg(RDX, 2n);
        m.cpu.setReg(RBX, 0x33n);
        m.cpu.setReg(RCX, 0x44n);
      },
    });
    expect(r.stop).toEqual({ kind: "budget" });
    expect(Array.from(r.space.readBytes(USER_DATA, 8))).toEqual([0x33, 0, 0, 0, 0x44, 0, 0, 0]);
    expect(r.cpu.getRflags() & 0x40).toBe(0x40);
  });
});

describe("RDTSCP and the loop instructions", () => {
  it("RDTSCP returns the cycles before it and IA32_TSC_AUX (the CPU number until written)", () => {
    const r = run([0x90, 0x90, 0x0f, 0x01, 0xf9], { steps: 3 });
    expect(r.cpu.getReg(RAX)).toBe(2n); // two NOPs at one cycle each (unit costs)
    expect(r.cpu.getReg(RCX)).toBe(0n);
    const w = run([0x0f, 0x30, 0x0f, 0x01, 0xf9], {
      steps: 2,
      setup: (m) => {
        m.cpu.cpl = 0;
        m.cpu.setRip(USER_CODE);
        m.cpu.setReg(RCX, 0xc0000103n);
        m.cpu.setReg(RAX, 0x1005n);
        m.cpu.setReg(RDX, 0n);
      },
    });
    expect(w.cpu.getReg(RCX)).toBe(0x1005n);
  });

  it("LOOP counts RCX down to 0; JRCXZ branches on RCX = 0; LOOPNE stops on ZF", () => {
    // l: loop l  (RCX = 5) → falls through after 5 iterations with RCX = 0
    const r = run([0xe2, 0xfe], { steps: 5, setup: (m) => m.cpu.setReg(RCX, 5n) });
    expect(r.cpu.getReg(RCX)).toBe(0n);
    expect(r.cpu.getRip()).toBe(BigInt(USER_CODE + 2));
    const j = run([0xe3, 0x10], { setup: (m) => m.cpu.setReg(RCX, 0n) });
    expect(j.cpu.getRip()).toBe(BigInt(USER_CODE + 0x12));
    const k = run([0xe3, 0x10], { setup: (m) => m.cpu.setReg(RCX, 1n << 40n) });
    expect(k.cpu.getRip()).toBe(BigInt(USER_CODE + 2));
    // stc-free: ZF = 1 (set by cmp eax,eax), loopne falls through after one decrement
    const n = run([0x39, 0xc0, 0xe0, 0xfc], { steps: 2, setup: (m) => m.cpu.setReg(RCX, 3n) });
    expect(n.cpu.getReg(RCX)).toBe(2n);
    expect(n.cpu.getRip()).toBe(BigInt(USER_CODE + 4));
  });
});
