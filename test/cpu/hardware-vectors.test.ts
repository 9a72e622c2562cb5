// Replays ALU, shift/rotate, multiply and divide instructions whose results were captured on real x86-64
// hardware (test/fixtures/hw/vectors.json; see docs/testing-hardware-vectors.md) and compares all 16 GPRs,
// RIP, and RFLAGS under each case's mask of architecturally defined flags.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Cpu } from "../../src/cpu/cpu.ts";
import { DE, EXCEPTION_NAMES } from "../../src/cpu/exceptions.ts";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_P, PTE_U } from "../../src/cpu/memory.ts";
import { CS, GPR_NAMES, RSP, SS } from "../../src/cpu/registers.ts";

interface HwCase {
  name: string; // iced Code name of the form, e.g. "Adc_rm64_r64"
  asm: string;
  bytes: string;
  in: Record<string, string>;
  out: Record<string, string>;
  fault?: "DE";
  flagsMask: string;
}
interface HwFixture {
  cpu: string;
  base: Record<string, string>;
  cases: HwCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/hw/vectors.json", import.meta.url), "utf8"),
) as HwFixture;

const CODE_BASE = 0x400000;
const SLOT = 16; // bytes of code per case: every case has its own address, written once
const FILL = 0xcc; // INT3 after each instruction (never reached: each case runs one instruction)
const USER_CS = 0x33;
const USER_SS = 0x2b;
const MAX_REPORTED = 8;

const FLAG_NAMES: [number, string][] = [
  [0x1, "CF"],
  [0x4, "PF"],
  [0x10, "AF"],
  [0x40, "ZF"],
  [0x80, "SF"],
  [0x400, "DF"],
  [0x800, "OF"],
];

function flagList(v: number, within = -1): string {
  return FLAG_NAMES.filter(([bit]) => v & bit & within)
    .map(([, n]) => n)
    .join(" ");
}

function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** Registers before the instruction: the fixture's base values with the case's inputs applied. */
function inputRegs(c: HwCase): bigint[] {
  return GPR_NAMES.map((n) => BigInt(c.in[n] ?? fixture.base[n]!));
}

/** Registers the hardware left: the inputs with the recorded changes applied. */
function expectedRegs(c: HwCase, input: bigint[]): bigint[] {
  return GPR_NAMES.map((n, r) => (c.out[n] !== undefined ? BigInt(c.out[n]) : input[r]!));
}

function family(c: HwCase): string {
  return c.name.slice(0, c.name.indexOf("_")).toLowerCase();
}

let cpu: Cpu;

beforeAll(() => {
  const phys = new PhysicalMemory();
  const space = new AddressSpace(phys, phys.allocFrame());
  const length = Math.ceil((fixture.cases.length * SLOT) / PAGE_SIZE) * PAGE_SIZE;
  space.map(CODE_BASE, length, PTE_P | PTE_U);
  const image = new Uint8Array(length).fill(FILL);
  fixture.cases.forEach((c, i) => {
    image.set(Buffer.from(c.bytes, "hex"), i * SLOT);
  });
  space.writeBytes(CODE_BASE, image);
  cpu = new Cpu({ space });
  cpu.sreg[CS] = USER_CS;
  cpu.sreg[SS] = USER_SS;
});

/** Runs case `i`; returns a readable description of every difference, or null when it matches. */
function check(c: HwCase, i: number): string | null {
  const addr = CODE_BASE + i * SLOT;
  const input = inputRegs(c);
  const inFlags = Number(c.in.rflags);
  for (let r = 0; r < 16; r++) cpu.setReg(r, input[r]!);
  cpu.setRflags(inFlags);
  cpu.cpl = 3;
  cpu.setRip(addr);

  const problems: string[] = [];
  let stop: ReturnType<Cpu["run"]> | undefined;
  try {
    stop = cpu.run(1);
  } catch (e) {
    problems.push(`  run(1) threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (stop) {
    const len = c.bytes.length / 2;
    if (c.fault === "DE") {
      if (stop.kind !== "fault" || stop.vector !== DE || stop.rip !== BigInt(addr)) {
        problems.push(
          `  stop: expected #DE at ${hex(addr)}, got ${JSON.stringify(stop, (_, v) => (typeof v === "bigint" ? hex(v) : v))}`,
        );
      }
    } else if (stop.kind !== "budget") {
      const what =
        stop.kind === "fault" ? `${EXCEPTION_NAMES[stop.vector] ?? stop.vector} (${stop.detail})` : stop.kind;
      problems.push(`  stop: expected the instruction to retire, got ${what}`);
    } else if (cpu.getRip() !== BigInt(addr + len)) {
      problems.push(`  rip: expected ${hex(addr + len)}, got ${hex(cpu.getRip())}`);
    }
  }
  const expected = expectedRegs(c, input);
  for (let r = 0; r < 16; r++) {
    const got = cpu.getReg(r);
    if (got !== expected[r]) {
      problems.push(
        `  ${GPR_NAMES[r]}: expected ${hex(expected[r]!)}, got ${hex(got)} (input ${hex(input[r]!)})`,
      );
    }
  }
  const mask = Number(c.flagsMask);
  const wantFlags = Number(c.out.rflags);
  const gotFlags = cpu.getRflags();
  const diff = (wantFlags ^ gotFlags) & mask;
  if (diff !== 0) {
    problems.push(
      `  rflags (defined: ${flagList(mask)}): expected [${flagList(wantFlags, mask)}], ` +
        `got [${flagList(gotFlags, mask)}]; wrong: ${flagList(diff)}`,
    );
  }
  if (problems.length === 0) return null;
  const inputs = Object.entries(c.in)
    .map(([k, v]) => (k === "rflags" ? `rflags=${v} [${flagList(inFlags)}]` : `${k}=${v}`))
    .join(" ");
  return [`#${i} ${c.name}: ${c.asm}  (bytes ${c.bytes})`, `  in: ${inputs}`, ...problems].join("\n");
}

describe("hardware vectors fixture", () => {
  it("has at least 2,000 cases covering every instruction family, with #DE cases", () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(2000);
    const families = new Set(fixture.cases.map(family));
    for (const f of [
      "add",
      "adc",
      "sub",
      "sbb",
      "and",
      "or",
      "xor",
      "cmp",
      "test",
      "inc",
      "dec",
      "neg",
      "not",
      "shl",
      "shr",
      "sar",
      "rol",
      "ror",
      "rcl",
      "rcr",
      "mul",
      "imul",
      "div",
      "idiv",
    ]) {
      expect(families, f).toContain(f);
    }
    expect(fixture.cases.filter((c) => c.fault === "DE").length).toBeGreaterThanOrEqual(20);
    // RSP is never an operand: the capture ran on the native stack.
    expect(
      fixture.cases.some((c) => c.in[GPR_NAMES[RSP]] !== undefined || c.out[GPR_NAMES[RSP]] !== undefined),
    ).toBe(false);
  });
});

describe(`emulated CPU vs. hardware (${fixture.cpu})`, () => {
  const byFamily = new Map<string, number[]>();
  fixture.cases.forEach((c, i) => {
    const f = family(c);
    if (!byFamily.has(f)) byFamily.set(f, []);
    byFamily.get(f)!.push(i);
  });
  for (const [f, indices] of byFamily) {
    it(`${f}: ${indices.length} cases match`, () => {
      const failures: string[] = [];
      for (const i of indices) {
        const report = check(fixture.cases[i]!, i);
        if (report !== null) failures.push(report);
      }
      const shown = failures.slice(0, MAX_REPORTED).join("\n");
      const more = failures.length > MAX_REPORTED ? `\n… and ${failures.length - MAX_REPORTED} more` : "";
      expect(
        failures.length,
        `${failures.length} of ${indices.length} ${f} cases differ:\n${shown}${more}`,
      ).toBe(0);
    });
  }
});
