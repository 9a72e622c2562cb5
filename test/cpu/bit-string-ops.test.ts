// BSF/BSR/TZCNT/LZCNT, SHLD/SHRD, CMPS/SCAS with REPE/REPNE, 16-bit BSWAP, and the CPUID leaves libc reads.
import { describe, expect, it } from "vitest";
import { cpuid } from "../../src/cpu/cpuid.ts";
import { RAX, RCX, RDI, RDX, RSI } from "../../src/cpu/registers.ts";
import { CF, OF, ZF } from "../../src/cpu/rflags.ts";
import { bytesAt, machine, USER_CODE, USER_DATA } from "./machine.ts";

function run(bytes: number[], regs: Record<number, bigint>, steps = 1, data: number[] = []) {
  const m = machine();
  bytesAt(m, USER_CODE, bytes);
  if (data.length) bytesAt(m, USER_DATA, data);
  for (const [r, v] of Object.entries(regs)) m.cpu.setReg(Number(r), v);
  const stop = m.cpu.run(steps);
  return { ...m, stop, flags: m.cpu.getRflags() };
}

describe("bit scans", () => {
  it("BSF/BSR give the lowest/highest set bit and clear ZF", () => {
    let r = run([0x48, 0x0f, 0xbc, 0xc1], { [RCX]: 0x0010_0000_0000_0000n, [RAX]: -1n }); // bsf rax, rcx
    expect([r.cpu.getReg(RAX), r.flags & ZF]).toEqual([52n, 0]);
    r = run([0x0f, 0xbd, 0xc1], { [RCX]: 0x0001_8000n, [RAX]: -1n }); // bsr eax, ecx
    expect([r.cpu.getReg(RAX), r.flags & ZF]).toEqual([16n, 0]);
    r = run([0x66, 0x0f, 0xbc, 0xc1], { [RCX]: 0xffff_0000_8000n, [RAX]: -1n }); // bsf ax, cx
    expect(r.cpu.getReg(RAX)).toBe(0xffff_ffff_ffff_000fn);
  });

  it("a zero source sets ZF and leaves the destination unchanged (even a 32-bit one)", () => {
    const r = run([0x0f, 0xbc, 0xc1], { [RCX]: 0n, [RAX]: 0x1234_5678_9abc_def0n });
    expect([r.cpu.getReg(RAX), r.flags & ZF]).toEqual([0x1234_5678_9abc_def0n, ZF]);
  });

  it("TZCNT/LZCNT (F3 0F BC/BD) are themselves (CPUID reports BMI1 and LZCNT), not BSF/BSR", () => {
    let r = run([0xf3, 0x0f, 0xbc, 0xc1], { [RCX]: 0x100n });
    expect(r.cpu.getReg(RAX)).toBe(8n);
    r = run([0xf3, 0x0f, 0xbd, 0xc1], { [RCX]: 0x100n });
    expect(r.cpu.getReg(RAX)).toBe(23n); // LZCNT of a 32-bit 0x100, not BSR's index 8
    r = run([0xf3, 0x0f, 0xbd, 0xc1], { [RCX]: 0n, [RAX]: 0x1234_5678_9abc_def0n });
    expect(r.cpu.getReg(RAX)).toBe(32n); // a zero source gives the operand size (and CF), unlike BSR
  });
});

describe("SHLD/SHRD", () => {
  it("shifts in bits from the source; CF is the last bit out", () => {
    // shld rax, rdx, 8
    let r = run([0x48, 0x0f, 0xa4, 0xd0, 0x08], {
      [RAX]: 0x8123_4567_89ab_cdefn,
      [RDX]: 0xfedc_ba98_7654_3210n,
    });
    expect(r.cpu.getReg(RAX)).toBe(0x2345_6789_abcd_effen);
    expect(r.flags & CF).toBe(CF);
    // shrd eax, edx, cl (cl = 36 masks to 4)
    r = run([0x0f, 0xad, 0xd0], { [RAX]: 0x1234_5678n, [RDX]: 0xabcd_ef09n, [RCX]: 36n });
    expect(r.cpu.getReg(RAX)).toBe(0x9123_4567n);
    expect(r.flags & CF).toBe(CF);
    // shrd rax, rdx, 40
    r = run([0x48, 0x0f, 0xac, 0xd0, 0x28], { [RAX]: 0x1122_3344_5566_7788n, [RDX]: 0x99aa_bbcc_ddee_ff00n });
    expect(r.cpu.getReg(RAX)).toBe(0xccdd_eeff_0011_2233n);
  });

  it("OF is the sign change for a count of 1; a zero count changes nothing but zero-extends", () => {
    let r = run([0x0f, 0xa4, 0xd0, 0x01], { [RAX]: 0x4000_0000n, [RDX]: 0n });
    expect(r.flags & OF).toBe(OF);
    r = run([0x0f, 0xa4, 0xd0, 0x00], { [RAX]: 0xffff_ffff_0000_0001n, [RDX]: 0n });
    expect(r.cpu.getReg(RAX)).toBe(1n);
  });
});

describe("CMPS and SCAS", () => {
  const text = Array.from("abcdefgh\0", (c) => c.charCodeAt(0));
  it("REPNE SCASB finds a byte and stops with RCX/RDI past it (strlen idiom)", () => {
    // repne scasb with AL = 0, RCX = -1
    const r = run([0xf2, 0xae], { [RAX]: 0n, [RCX]: -1n, [RDI]: BigInt(USER_DATA) }, 1, text);
    expect(r.cpu.getReg(RDI)).toBe(BigInt(USER_DATA + 9));
    expect(r.cpu.getReg(RCX)).toBe(BigInt.asUintN(64, -10n));
    expect(r.flags & ZF).toBe(ZF);
  });

  it("REPE CMPSB stops at the first difference with flags of that comparison", () => {
    const data = [
      ...Array.from("abcXe", (c) => c.charCodeAt(0)),
      0,
      0,
      0,
      ...Array.from("abcde", (c) => c.charCodeAt(0)),
    ];
    const r = run(
      [0xf3, 0xa6],
      { [RSI]: BigInt(USER_DATA), [RDI]: BigInt(USER_DATA + 8), [RCX]: 5n },
      1,
      data,
    );
    expect(r.cpu.getReg(RCX)).toBe(1n);
    expect(r.cpu.getReg(RSI)).toBe(BigInt(USER_DATA + 4));
    expect(r.flags & (ZF | CF)).toBe(CF); // 'X' < 'd'
  });

  it("CMPSQ without REP compares once; REP with RCX = 0 changes nothing", () => {
    let r = run([0x48, 0xa7], { [RSI]: BigInt(USER_DATA), [RDI]: BigInt(USER_DATA) }, 1, text);
    expect(r.flags & ZF).toBe(ZF);
    expect(r.cpu.getReg(RSI)).toBe(BigInt(USER_DATA + 8));
    r = run([0xf3, 0xae], { [RCX]: 0n, [RDI]: BigInt(USER_DATA) }, 1, text);
    expect(r.cpu.getReg(RDI)).toBe(BigInt(USER_DATA));
  });
});

describe("BSWAP", () => {
  it("BSWAP r16 clears the low word (undefined in the SDM; what hardware does)", () => {
    const r = run([0x66, 0x0f, 0xc8], { [RAX]: 0x1122_3344_5566_7788n });
    expect(r.cpu.getReg(RAX)).toBe(0x1122_3344_5566_0000n);
  });
});

describe("CPUID for libc feature detection", () => {
  const q = (leaf: number, sub = 0) => {
    const out = new Int32Array(4);
    cpuid(leaf, sub, 0, out);
    return Array.from(out, (v) => v >>> 0);
  };
  it("reports SSE3/SSSE3/SSE4.1/SSE4.2 without OSXSAVE/AVX/ERMS, BMI1/BMI2 in leaf 7, and consistent non-zero caches", () => {
    expect(q(0)[0]).toBe(7);
    expect(q(1)[2]).toBe((1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23));
    expect(q(7)).toEqual([0, (1 << 3) | (1 << 8), 0, 0]);
    expect(q(0x80000000)[0]).toBe(0x80000008);
    const caches = [0, 1, 2, 3, 4].map((i) => {
      const [a, b, c] = q(4, i);
      return a! & 31 ? ((b! >>> 22) + 1) * ((b! & 0xfff) + 1) * (c! + 1) : 0;
    });
    expect(caches).toEqual([32 << 10, 32 << 10, 256 << 10, 8 << 20, 0]);
    expect(q(0x80000005)[2]! >>> 24).toBe(32);
    expect(q(0x80000006)[2]! >>> 16).toBe(256);
    expect((q(0x80000006)[3]! >>> 18) * 512).toBe(8192);
    const brand = [2, 3, 4]
      .flatMap((i) => q(0x80000000 + i))
      .map((v) => Buffer.from(Uint32Array.of(v).buffer).toString("latin1"));
    expect(brand.join("").replace(/\0+$/, "")).toBe("SyscallLab64 baseline x86-64 CPU");
  });
});
void RDX;
