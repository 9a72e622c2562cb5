// Replays SSE/SSE2 instructions whose results were captured on real x86-64 hardware (test/fixtures/hw/
// sse-vectors.json; docs/testing-hardware-vectors.md) and compares XMM0 (all 128 bits), RAX, MXCSR (result and
// sticky exception flags) and the RFLAGS status bits, or the #XM of an unmasked exception.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Cpu } from "../../src/cpu/cpu.ts";
import { EXCEPTION_NAMES, XM_VEC } from "../../src/cpu/exceptions.ts";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_P, PTE_U } from "../../src/cpu/memory.ts";
import { CS, RAX, SS } from "../../src/cpu/registers.ts";

interface SseCase {
  asm: string;
  form: string;
  bytes: string;
  /** [xmm0 lo, xmm0 hi, xmm1 lo, xmm1 hi, rax, mxcsr, rflags] (hex) */
  in: string[];
  /** [xmm0 lo, xmm0 hi, rax, mxcsr, rflags]; after #XM: [xmm0 lo, xmm0 hi, rax, mxcsr] */
  out: string[];
  fault?: "XM";
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/hw/sse-vectors.json", import.meta.url), "utf8"),
) as { cpu: string; cases: SseCase[] };

const CODE_BASE = 0x400000;
const SLOT = 16;
const STATUS = 0x8d5; // CF PF AF ZF SF OF
const MAX_REPORTED = 8;
const big = (s: string) => BigInt(`0x${s}`);
const xmmOf = (lo: string, hi: string) => big(lo) | (big(hi) << 64n);
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** RCP/RSQRT: implementation-specific approximations; the SDM bounds their relative error by 1.5·2^-12. */
const APPROX = /^(rcp|rsqrt)(ps|ss)$/;
const F = new Float32Array(1);
const FI = new Uint32Array(F.buffer);
const asFloat = (bits: number) => {
  FI[0] = bits;
  return F[0]!;
};
/** Equal bits, or both finite, non-zero, of one sign and within 1.5·2^-12 (plus one ulp of slack) of each other. */
function withinRcpBound(want: number, got: number): boolean {
  if (want === got) return true;
  const w = asFloat(want);
  const g = asFloat(got);
  if (!Number.isFinite(w) || !Number.isFinite(g) || w === 0 || g === 0) return false;
  return Math.abs(g - w) / Math.abs(w) <= 1.5 * 2 ** -12 + 2 ** -23;
}

let cpu: Cpu;

beforeAll(() => {
  const phys = new PhysicalMemory();
  const space = new AddressSpace(phys, phys.allocFrame());
  const length = Math.ceil((fixture.cases.length * SLOT) / PAGE_SIZE) * PAGE_SIZE;
  space.map(CODE_BASE, length, PTE_P | PTE_U);
  const image = new Uint8Array(length).fill(0xcc);
  fixture.cases.forEach((c, i) => {
    image.set(Buffer.from(c.bytes, "hex"), i * SLOT);
  });
  space.writeBytes(CODE_BASE, image);
  cpu = new Cpu({ space });
  cpu.sreg[CS] = 0x33;
  cpu.sreg[SS] = 0x2b;
});

/** Runs case i; every difference as text, or null when XMM0, RAX, MXCSR and the status flags match. */
function check(c: SseCase, i: number): string | null {
  const addr = CODE_BASE + i * SLOT;
  const [x0lo, x0hi, x1lo, x1hi, rax, mxcsr, rflags] = c.in as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  cpu.setXmm(0, xmmOf(x0lo, x0hi));
  cpu.setXmm(1, xmmOf(x1lo, x1hi));
  cpu.setReg(RAX, big(rax));
  cpu.mxcsr = Number(big(mxcsr));
  cpu.setRflags(Number(big(rflags)));
  cpu.cpl = 3;
  cpu.setRip(addr);
  const problems: string[] = [];
  let stop: ReturnType<Cpu["run"]> | undefined;
  try {
    stop = cpu.run(1);
  } catch (e) {
    problems.push(`run(1) threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (stop !== undefined) {
    if (c.fault === "XM") {
      if (stop.kind !== "fault" || stop.vector !== XM_VEC || stop.rip !== BigInt(addr))
        problems.push(
          `expected #XM at ${hex(addr)}, got ${stop.kind === "fault" ? EXCEPTION_NAMES[stop.vector] : stop.kind}`,
        );
    } else if (stop.kind !== "budget") {
      problems.push(
        `expected it to retire, got ${stop.kind === "fault" ? `${EXCEPTION_NAMES[stop.vector] ?? stop.vector} (${stop.detail})` : stop.kind}`,
      );
    } else if (cpu.getRip() !== BigInt(addr + c.bytes.length / 2)) problems.push(`rip ${hex(cpu.getRip())}`);
  }
  const want = xmmOf(c.out[0]!, c.out[1]!);
  const got = cpu.getXmm(0);
  if (APPROX.test(c.form)) {
    for (let lane = 0; lane < 4; lane++) {
      const w = Number((want >> BigInt(32 * lane)) & 0xffffffffn);
      const g = Number((got >> BigInt(32 * lane)) & 0xffffffffn);
      if (!withinRcpBound(w, g)) problems.push(`xmm0 lane ${lane}: expected ${hex(w)}, got ${hex(g)}`);
    }
  } else if (got !== want) problems.push(`xmm0: expected ${hex(want)}, got ${hex(got)}`);
  if (cpu.getReg(RAX) !== big(c.out[2]!))
    problems.push(`rax: expected 0x${c.out[2]}, got ${hex(cpu.getReg(RAX))}`);
  if (cpu.mxcsr !== Number(big(c.out[3]!)))
    problems.push(`mxcsr: expected 0x${c.out[3]}, got ${hex(cpu.mxcsr)}`);
  if (c.out[4] !== undefined) {
    const diff = (Number(big(c.out[4])) ^ cpu.getRflags()) & STATUS;
    if (diff !== 0) problems.push(`rflags: expected 0x${c.out[4]}, got ${hex(cpu.getRflags())}`);
  }
  if (problems.length === 0) return null;
  return [
    `#${i} ${c.asm} (bytes ${c.bytes}) in: xmm0=${hex(xmmOf(x0lo, x0hi))} xmm1=${hex(xmmOf(x1lo, x1hi))} rax=0x${rax} mxcsr=0x${mxcsr}`,
    ...problems.map((p) => `  ${p}`),
  ].join("\n");
}

describe("SSE hardware vectors fixture", () => {
  it("covers every SSE/SSE2 arithmetic, compare, conversion, move, logic, shuffle and unpack form", () => {
    const forms = new Set(fixture.cases.map((c) => c.form.replace(/_r(32|64)$/, "")));
    for (const op of ["add", "sub", "mul", "div", "sqrt", "min", "max", "cmp"])
      for (const v of ["ps", "pd", "ss", "sd"]) expect(forms, `${op}${v}`).toContain(`${op}${v}`);
    for (const f of [
      "comiss",
      "comisd",
      "ucomiss",
      "ucomisd",
      "cvtsi2ss",
      "cvtsi2sd",
      "cvttss2si",
      "cvtss2si",
      "cvttsd2si",
      "cvtsd2si",
      "cvtps2pd",
      "cvtpd2ps",
      "cvtss2sd",
      "cvtsd2ss",
      "cvtdq2ps",
      "cvtps2dq",
      "cvttps2dq",
      "cvttpd2dq",
      "cvtdq2pd",
      "cvtpd2dq",
      "movss",
      "movsd",
      "movaps",
      "movapd",
      "movups",
      "movupd",
      "movmskps",
      "movmskpd",
      "andps",
      "andnpd",
      "orps",
      "xorpd",
      "shufps",
      "shufpd",
      "pshufd",
      "pshufhw",
      "pshuflw",
      "unpcklps",
      "unpcklpd",
      "unpckhps",
      "unpckhpd",
      "pinsrw",
      "pextrw",
      "rcpps",
      "rcpss",
      "rsqrtps",
      "rsqrtss",
    ])
      expect(forms, f).toContain(f);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(5000);
    expect(fixture.cases.filter((c) => c.fault === "XM").length).toBeGreaterThanOrEqual(20);
    // every rounding mode, FTZ and DAZ occur
    const mx = fixture.cases.map((c) => Number(big(c.in[5]!)));
    for (const rc of [0, 1, 2, 3]) expect(mx.some((m) => ((m >> 13) & 3) === rc)).toBe(true);
    expect(mx.some((m) => m & 0x8000)).toBe(true);
    expect(mx.some((m) => m & 0x40)).toBe(true);
  });
});

describe(`emulated SSE vs. hardware (${fixture.cpu})`, () => {
  const byForm = new Map<string, number[]>();
  fixture.cases.forEach((c, i) => {
    const f = c.form.replace(/_r(32|64)$/, "").replace(/^66_0f_.*/, "sse2 integer (66 0F 60-FE)");
    if (!byForm.has(f)) byForm.set(f, []);
    byForm.get(f)!.push(i);
  });
  for (const [f, indices] of byForm) {
    it(`${f}: ${indices.length} cases match`, () => {
      const failures: string[] = [];
      for (const i of indices) {
        const r = check(fixture.cases[i]!, i);
        if (r !== null) failures.push(r);
      }
      expect(
        failures.slice(0, MAX_REPORTED).join("\n") +
          (failures.length > MAX_REPORTED ? `\n… ${failures.length - MAX_REPORTED} more` : ""),
      ).toBe("");
    });
  }
});
