// Replays SSE4.1/SSE4.2 instructions whose results were captured on real x86-64 hardware (test/fixtures/hw/
// sse4-vectors.json; docs/testing-hardware-vectors.md) and compares XMM0-2 (all 128 bits), RAX RCX RDX, the 32-byte
// buffer at [RDI], MXCSR and the RFLAGS status bits, or the fault (#XM, #GP, #UD) and the state it leaves.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Cpu } from "../../src/cpu/cpu.ts";
import { EXCEPTION_NAMES, GP, UD, XM_VEC } from "../../src/cpu/exceptions.ts";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_P, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import { CS, RAX, RCX, RDI, RDX, SS } from "../../src/cpu/registers.ts";

interface Sse4Case {
  asm: string;
  form: string;
  bytes: string;
  /** [xmm0 lo, hi, xmm1 lo, hi, xmm2 lo, hi, rax, rcx, rdx, mem0..mem3, rdi offset, mxcsr, rflags] (hex) */
  in: string[];
  /** [xmm0 lo, hi, xmm1 lo, hi, xmm2 lo, hi, rax, rcx, rdx, mem0..mem3, mxcsr(, rflags)] */
  out: string[];
  fault?: "XM" | "GP" | "UD";
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/hw/sse4-vectors.json", import.meta.url), "utf8"),
) as { cpu: string; cases: Sse4Case[] };

const CODE_BASE = 0x400000;
const DATA_BASE = 0x200000;
const SLOT = 16;
const STATUS = 0x8d5; // CF PF AF ZF SF OF
const MAX_REPORTED = 8;
const FAULT_VECTOR = { XM: XM_VEC, GP, UD } as const;
const big = (s: string) => BigInt(`0x${s}`);
const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const GPRS = [RAX, RCX, RDX];

let cpu: Cpu;
let space: AddressSpace;

beforeAll(() => {
  const phys = new PhysicalMemory();
  space = new AddressSpace(phys, phys.allocFrame());
  const length = Math.ceil((fixture.cases.length * SLOT) / PAGE_SIZE) * PAGE_SIZE;
  space.map(CODE_BASE, length, PTE_P | PTE_U);
  space.map(DATA_BASE, PAGE_SIZE, PTE_P | PTE_U | PTE_W);
  const image = new Uint8Array(length).fill(0xcc);
  fixture.cases.forEach((c, i) => {
    image.set(Buffer.from(c.bytes, "hex"), i * SLOT);
  });
  space.writeBytes(CODE_BASE, image);
  cpu = new Cpu({ space });
  cpu.sreg[CS] = 0x33;
  cpu.sreg[SS] = 0x2b;
});

function memBytes(q: string[]): Uint8Array {
  const b = Buffer.alloc(32);
  for (let i = 0; i < q.length; i++) b.writeBigUInt64LE(big(q[i]!), 8 * i);
  return b;
}

/** Runs case i; every difference as text, or null when the whole state matches. */
function check(c: Sse4Case, i: number): string | null {
  const addr = CODE_BASE + i * SLOT;
  const v = c.in;
  for (let x = 0; x < 3; x++) cpu.setXmm(x, big(v[2 * x]!) | (big(v[2 * x + 1]!) << 64n));
  for (let k = 0; k < 3; k++) cpu.setReg(GPRS[k]!, big(v[6 + k]!));
  space.writeBytes(DATA_BASE, memBytes(v.slice(9, 13)));
  cpu.setReg(RDI, BigInt(DATA_BASE) + big(v[13]!));
  cpu.mxcsr = Number(big(v[14]!));
  cpu.setRflags(Number(big(v[15]!)));
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
    const got =
      stop.kind === "fault" ? `${EXCEPTION_NAMES[stop.vector] ?? stop.vector} (${stop.detail})` : stop.kind;
    if (c.fault !== undefined) {
      if (stop.kind !== "fault" || stop.vector !== FAULT_VECTOR[c.fault] || stop.rip !== BigInt(addr))
        problems.push(`expected #${c.fault} at ${hex(addr)}, got ${got}`);
    } else if (stop.kind !== "budget") problems.push(`expected it to retire, got ${got}`);
    else if (cpu.getRip() !== BigInt(addr + c.bytes.length / 2)) problems.push(`rip ${hex(cpu.getRip())}`);
  }
  const o = c.out;
  for (let x = 0; x < 3; x++) {
    const want = big(o[2 * x]!) | (big(o[2 * x + 1]!) << 64n);
    if (cpu.getXmm(x) !== want) problems.push(`xmm${x}: expected ${hex(want)}, got ${hex(cpu.getXmm(x))}`);
  }
  GPRS.forEach((r, k) => {
    if (cpu.getReg(r) !== big(o[6 + k]!))
      problems.push(`${["rax", "rcx", "rdx"][k]}: expected 0x${o[6 + k]}, got ${hex(cpu.getReg(r))}`);
  });
  const mem = Buffer.from(space.readBytes(DATA_BASE, 32));
  const wantMem = Buffer.from(memBytes(o.slice(9, 13)));
  if (!mem.equals(wantMem))
    problems.push(`memory: expected ${wantMem.toString("hex")}, got ${mem.toString("hex")}`);
  if (cpu.mxcsr !== Number(big(o[13]!))) problems.push(`mxcsr: expected 0x${o[13]}, got ${hex(cpu.mxcsr)}`);
  if (o[14] !== undefined && ((Number(big(o[14])) ^ cpu.getRflags()) & STATUS) !== 0)
    problems.push(`rflags: expected 0x${o[14]}, got ${hex(cpu.getRflags())}`);
  if (problems.length === 0) return null;
  return [`#${i} ${c.asm} (bytes ${c.bytes}) in: ${v.join(" ")}`, ...problems.map((p) => `  ${p}`)].join(
    "\n",
  );
}

describe("SSE4 hardware vectors fixture", () => {
  it("covers every SSE4.1 and SSE4.2 instruction, register and memory forms, faults", () => {
    const forms = new Set(
      fixture.cases.map((c) => c.form.replace(/_w$|64$/, "").replace(/^crc32_.*/, "crc32")),
    );
    for (const f of [
      "pblendvb blendvps blendvpd ptest pmuldq pcmpeqq packusdw pcmpgtq pminsb pminsd pminuw pminud pmaxsb pmaxsd",
      "pmaxuw pmaxud pmulld phminposuw movntdqa roundps roundpd roundss roundsd blendps blendpd pblendw dpps dppd",
      "mpsadbw insertps pextrb pextrw pextrd pextrq extractps pinsrb pinsrd pinsrq pcmpestrm pcmpestri pcmpistrm",
      "pcmpistri crc32 pmovsxbw pmovsxbd pmovsxbq pmovsxwd pmovsxwq pmovsxdq pmovzxbw pmovzxbd pmovzxbq pmovzxwd",
      "pmovzxwq pmovzxdq",
    ].flatMap((l) => l.split(" ")))
      expect(forms, f).toContain(f);
    const memForms = new Set(fixture.cases.filter((c) => c.asm.includes("[rdi]")).map((c) => c.form));
    expect(memForms.size).toBeGreaterThanOrEqual(50);
    for (const f of ["XM", "GP", "UD"])
      expect(
        fixture.cases.some((c) => c.fault === f),
        f,
      ).toBe(true);
  });
});

describe(`emulated SSE4 vs. hardware (${fixture.cpu})`, () => {
  const byForm = new Map<string, number[]>();
  fixture.cases.forEach((c, i) => {
    if (!byForm.has(c.form)) byForm.set(c.form, []);
    byForm.get(c.form)!.push(i);
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
