// Self-checks of the differential test's iced side: the adapter's normalised form, the Code selection and the
// generator's count, variety and determinism.
import { Code, Decoder, DecoderOptions, Instruction, OpKind, Register } from "iced-x86";
import { afterAll, describe, expect, it } from "vitest";
import { CURATED, DEFAULT_RIP, hexBytes } from "./curated.ts";
import { Differential, describeResult } from "./differential.ts";
import {
  type EncodingSet,
  generateEncodings,
  SOURCE_CREATED,
  SOURCE_MUTATED,
  SOURCE_RANDOM,
} from "./encodings.ts";
import { formatOracleInsn, icedToOracle, type OracleInsn } from "./iced-oracle.ts";
import { Prng } from "./prng.ts";
import { isRequiredCode, REQUIRED_CODES } from "./supported-codes.ts";

const diff = new Differential();
const instr = new Instruction();
afterAll(() => {
  diff.free();
  instr.free();
});

describe("iced adapter", () => {
  it("gives the table's normalised form for every curated encoding", () => {
    const got = CURATED.map((c) => {
      const r = diff.iced(hexBytes(c.hex), c.rip ?? DEFAULT_RIP);
      return { name: c.name, iced: formatOracleInsn(r.insn), optional: r.insn !== null && !r.required };
    });
    const want = CURATED.map((c) => ({ name: c.name, iced: c.iced, optional: c.optional === true }));
    expect(got).toEqual(want);
  });

  it("writes operands as the contract's kinds", () => {
    const r = diff.iced(hexBytes("48 8b 44 24 08"), DEFAULT_RIP);
    expect(r.insn).toEqual({
      length: 5,
      mnemonic: "mov",
      operands: [
        { kind: "reg", text: "rax" },
        { kind: "mem", text: "qword:ss:rsp+0x8" },
      ],
    });
    expect(diff.iced(hexBytes("74 10"), 0x2000n).insn?.operands).toEqual([{ kind: "rel", text: "0x2012" }]);
    expect(diff.iced(hexBytes("cd 80"), 0n).insn?.operands).toEqual([{ kind: "imm", text: "0x80" }]);
  });
});

describe("required Code selection", () => {
  it("covers the issue's instruction list and excludes look-alikes", () => {
    for (const code of [
      Code.Mov_r64_imm64,
      Code.Mov_RAX_moffs64,
      Code.Movsxd_r64_rm32,
      Code.Imul_r64_rm64_imm8,
      Code.Retnq_imm16,
      Code.Jmp_rel8_64,
      Code.Jne_rel32_64,
      Code.Cmovne_r64_rm64,
      Code.Nop_rm32,
      Code.Endbr64,
      Code.Movsq_m64_m64,
      Code.Stosb_m8_AL,
      Code.Sysretd,
      Code.Sysretq,
      Code.Iretq,
      Code.Swapgs,
      Code.Mov_cr_r64,
      Code.Rcr_rm64_CL,
      Code.Btc_rm64_imm8,
      Code.Cmpxchg_rm64_r64,
      Code.Xadd_rm32_r32,
      Code.Bswap_r16,
      Code.Tzcnt_r32_rm32,
      Code.Shld_rm64_r64_CL,
      Code.Scasb_AL_m8,
      Code.Cmpsq_m64_m64,
      Code.Movsd_xmm_xmmm64,
      Code.Movdqa_xmm_xmmm128,
      Code.Pcmpeqb_xmm_xmmm128,
      Code.Pmovmskb_r32_xmm,
      Code.Psrldq_xmm_imm8,
      Code.Movq_xmm_rm64,
      Code.Fxsave64_m512byte,
      Code.Lfence_E9,
      Code.Prefetcht0_m8,
      Code.Ptest_xmm_xmmm128,
      Code.Pextrq_rm64_xmm_imm8,
      Code.Pcmpestri64_xmm_xmmm128_imm8,
      Code.Crc32_r64_rm8,
    ]) {
      expect(isRequiredCode(code), Code[code]).toBe(true);
    }
    for (const code of [
      Code.Cmpsd_xmm_xmmm64_imm8,
      Code.Pxor_mm_mmm64,
      Code.Movq_mm_rm64,
      Code.Palignr_xmm_xmmm128_imm8,
      Code.Prefetchw_m8,
      Code.Sal_rm32_1,
      Code.Call_m1664,
      Code.Jmp_rel16,
      Code.Mov_Sreg_r32m16,
      Code.Mov_r64_dr,
      Code.Test_rm32_imm32_F7r1,
      Code.Iretd,
      Code.Pause,
      Code.Jrcxz_rel8_64,
    ]) {
      expect(isRequiredCode(code), Code[code]).toBe(false);
    }
    expect(REQUIRED_CODES.length).toBe(782);
  });
});

describe("encoding generator", () => {
  const set: EncodingSet = generateEncodings();

  function decodeAll(s: EncodingSet, visit: (i: number, ins: Instruction) => void): void {
    const d = new Decoder(64, s.bytes, DecoderOptions.None);
    try {
      for (let i = 0; i < s.count; i++) {
        d.position = s.offsets[i]!;
        d.ip = s.rips[i]!;
        d.decodeOut(instr);
        visit(i, instr);
      }
    } finally {
      d.free();
    }
  }

  it("produces over 100,000 encodings from all three sources", () => {
    const bySource = [0, 0, 0];
    for (let i = 0; i < set.count; i++) bySource[set.sources[i]!]!++;
    expect(set.count).toBeGreaterThan(100_000);
    expect(bySource[SOURCE_CREATED]).toBeGreaterThan(55_000);
    expect(bySource[SOURCE_MUTATED]).toBeGreaterThan(35_000);
    expect(bySource[SOURCE_RANDOM]).toBeGreaterThanOrEqual(8_000);
    expect(set.unencodable.map((c) => Code[c])).toEqual([]);
  });

  it("has iced-valid created and mutated encodings of exactly their length, covering every required Code", () => {
    const seen = new Set<Code>();
    const bad: string[] = [];
    const bases = new Set<Register>();
    const indices = new Set<Register>();
    const scales = new Set<number>();
    const segments = new Set<Register>();
    const features = { lock: 0, rep: 0, addr32: 0, ripRel: 0, noBase: 0, highByte: 0, imm64: 0 };
    decodeAll(set, (i, ins) => {
      if (set.sources[i] === SOURCE_RANDOM) return;
      const len = set.offsets[i + 1]! - set.offsets[i]!;
      if (ins.isInvalid || ins.length !== len) bad.push(`#${i}`);
      if (set.sources[i] === SOURCE_CREATED) seen.add(ins.code);
      if (ins.hasLockPrefix) features.lock++;
      if (ins.hasRepPrefix) features.rep++;
      if (ins.op0Kind === OpKind.Immediate64 || ins.op1Kind === OpKind.Immediate64) features.imm64++;
      for (let k = 0; k < ins.opCount; k++) {
        const r = ins.opKind(k) === OpKind.Register ? ins.opRegister(k) : Register.None;
        if (r >= Register.AH && r <= Register.BH) features.highByte++;
        if (ins.opKind(k) !== OpKind.Memory) continue;
        if (set.sources[i] === SOURCE_CREATED) {
          bases.add(ins.memoryBase);
          indices.add(ins.memoryIndex);
          scales.add(ins.memoryIndexScale);
          segments.add(ins.segmentPrefix);
        }
        if (ins.memoryBase === Register.None) features.noBase++;
        if (ins.isIpRelMemoryOperand) features.ripRel++;
        if (ins.memoryBase >= Register.EAX && ins.memoryBase <= Register.R15D) features.addr32++;
      }
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(REQUIRED_CODES.filter((c) => !seen.has(c)).map((c) => Code[c])).toEqual([]);
    // Created operands: 16 GPR64 + 16 GPR32 + RIP + EIP + none as bases; 15 + 15 + none as indices (RSP/ESP cannot be one).
    expect(bases.size).toBe(35);
    expect(indices.size).toBe(31);
    expect([...scales].sort()).toEqual([1, 2, 4, 8]);
    expect(segments.size).toBe(7);
    for (const [name, n] of Object.entries(features)) expect(n, name).toBeGreaterThan(150);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const small = { perCode: 3, randomCount: 50 };
    const a = generateEncodings({ ...small, seed: 1 });
    const b = generateEncodings({ ...small, seed: 1 });
    const c = generateEncodings({ ...small, seed: 2 });
    expect(b.bytes).toEqual(a.bytes);
    expect(b.rips).toEqual(a.rips);
    expect(c.bytes).not.toEqual(a.bytes);
  });

  it("prng is seeded and uniform enough", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) {
      const x = a.below(8);
      expect(b.below(8)).toBe(x);
      counts[x]!++;
    }
    for (const n of counts) expect(n).toBeGreaterThan(850);
  });

  it("the adapter never throws on the generated encodings", () => {
    let adapted = 0;
    decodeAll(set, (_i, ins) => {
      if (ins.isInvalid) return;
      icedToOracle(ins);
      adapted++;
    });
    expect(adapted).toBeGreaterThan(100_000);
  });
});

describe("differential harness", () => {
  const small = generateEncodings({ seed: 7, perCode: 2, randomCount: 200 });
  const icedAsDecoder = (bytes: Uint8Array, rip: bigint): OracleInsn | null => diff.iced(bytes, rip).insn;

  it("finds no mismatch when the decoder under test is iced itself", () => {
    const r = diff.run(small, icedAsDecoder);
    expect(r.mismatches, describeResult(r)).toBe(0);
    expect(r.compared).toBe(small.count);
  });

  it("reports wrong operands, #UD for a required instruction and exceptions, with the bytes", () => {
    const r = diff.run(small, (bytes, rip) => {
      const insn = icedAsDecoder(bytes, rip);
      if (insn?.mnemonic === "cqo") throw new Error("boom");
      if (insn?.mnemonic === "xchg") return null;
      if (insn?.mnemonic === "lea") insn.operands[1]!.text += "+0x1";
      return insn;
    });
    const text = describeResult(r);
    expect(r.mismatches).toBeGreaterThan(10);
    expect(text).toContain("Cqo / threw");
    expect(text).toContain("/ ours #UD");
    expect(text).toMatch(/Lea_r\d\d_m \/ operands/);
    expect(text).toMatch(/First mismatch:\nbytes: [0-9a-f ]+ {3}\(rip 0x/);
  });
});
