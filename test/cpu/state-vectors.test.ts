// Replays x87, MMX, CMPXCHG8B/16B and bit-manipulation instructions whose results were captured on real x86-64
// hardware (test/fixtures/hw/state-vectors.json; docs/testing-hardware-vectors.md) and compares RAX RCX RDX RBX
// RSI, the RFLAGS status bits the SDM defines, FCW, the FSW bits it defines, the abridged tag word, ST0–ST7 (all
// 80 bits, empty registers included) and the 32 bytes at [RDI].
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Cpu } from "../../src/cpu/cpu.ts";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_P, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import { CS, RDI, SS } from "../../src/cpu/registers.ts";
import { fswValue, setFsw } from "../../src/cpu/x87.ts";

interface StateVector {
  family: "x87" | "mmx" | "cmpxchg" | "bits";
  form: string;
  asm: string;
  bytes: string;
  fswMask: string;
  flagsMask: string;
  /** [rax, rcx, rdx, rbx, rsi, rflags, fcw, fsw, ftw, st0..st7, mem] (hex) */
  in: string[];
  /** the same fields after the instruction; "" where unchanged */
  out?: string[];
  fault?: number;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/hw/state-vectors.json", import.meta.url), "utf8"),
) as { cpu: string; cases: StateVector[] };

const CODE_BASE = 0x400000;
const DATA = 0x10000000;
const SLOT = 16;
const GPRS = [0, 1, 2, 3, 6];
const FIELD_NAMES = ["rax", "rcx", "rdx", "rbx", "rsi", "rflags", "fcw", "fsw", "ftw"];
const big = (s: string) => BigInt(`0x${s}`);

let cpu: Cpu;
let space: AddressSpace;

beforeAll(() => {
  const phys = new PhysicalMemory();
  space = new AddressSpace(phys, phys.allocFrame());
  const length = Math.ceil((fixture.cases.length * SLOT) / PAGE_SIZE) * PAGE_SIZE;
  space.map(CODE_BASE, length, PTE_P | PTE_U);
  space.map(DATA, PAGE_SIZE, PTE_P | PTE_U | PTE_W);
  const image = new Uint8Array(length).fill(0xcc);
  fixture.cases.forEach((c, i) => {
    image.set(Buffer.from(c.bytes, "hex"), i * SLOT);
  });
  space.writeBytes(CODE_BASE, image);
  cpu = new Cpu({ space });
  cpu.sreg[CS] = 0x33;
  cpu.sreg[SS] = 0x2b;
});

const stHex = (se: number, sig: bigint) =>
  se.toString(16).padStart(4, "0") + sig.toString(16).padStart(16, "0");

/** The state in the vector's field order. */
function snapshot(): string[] {
  const f: string[] = GPRS.map((r) => cpu.getReg(r).toString(16));
  f.push(
    cpu.getRflags().toString(16),
    cpu.fcw.toString(16),
    fswValue(cpu).toString(16),
    cpu.fpTags.toString(16),
  );
  for (let i = 0; i < 8; i++) {
    const r = (cpu.fpTop + i) & 7;
    f.push(stHex(cpu.fpSe[r]!, cpu.fpSig[r]!));
  }
  f.push(Buffer.from(space.readBytes(DATA, 32)).toString("hex"));
  return f;
}

/** Runs case i; every difference as text, or null when the compared state matches. */
function check(c: StateVector, i: number): string | null {
  const addr = CODE_BASE + i * SLOT;
  const v = c.in;
  GPRS.forEach((r, k) => {
    cpu.setReg(r, big(v[k]!));
  });
  cpu.setReg(RDI, BigInt(DATA));
  cpu.setRflags(Number(big(v[5]!)));
  cpu.fcw = Number(big(v[6]!));
  setFsw(cpu, Number(big(v[7]!)));
  cpu.fpTags = Number(big(v[8]!));
  for (let k = 0; k < 8; k++) {
    const r = (cpu.fpTop + k) & 7;
    cpu.fpSe[r] = Number(big(v[9 + k]!.slice(0, 4)));
    cpu.fpSig[r] = big(v[9 + k]!.slice(4));
  }
  space.writeBytes(DATA, Buffer.from(v[17]!, "hex"));
  cpu.cpl = 3;
  cpu.setRip(addr);
  let stop: ReturnType<Cpu["run"]>;
  try {
    stop = cpu.run(1);
  } catch (e) {
    return `#${i} ${c.asm}: run(1) threw ${e instanceof Error ? e.message : String(e)}`;
  }
  if (c.fault !== undefined)
    return stop.kind === "fault" ? null : `#${i} ${c.asm}: expected signal ${c.fault}`;
  if (stop.kind !== "budget")
    return `#${i} ${c.asm}: expected it to retire, got ${stop.kind === "fault" ? `vector ${stop.vector} (${stop.detail})` : stop.kind}`;
  const got = snapshot();
  const want = c.out!.map((o, k) => (o === "" ? v[k]! : o));
  const problems: string[] = [];
  for (let k = 0; k < want.length; k++) {
    let w = want[k]!;
    let g = got[k]!;
    if (k === 5) {
      const m = Number(big(c.flagsMask));
      w = (Number(big(w)) & m).toString(16);
      g = (Number(big(g)) & m).toString(16);
    } else if (k === 7) {
      const m = Number(big(c.fswMask));
      w = (Number(big(w)) & m).toString(16);
      g = (Number(big(g)) & m).toString(16);
    } else if (k < 9) {
      w = big(w).toString(16);
      g = big(g).toString(16);
    }
    if (w !== g)
      problems.push(`${k < 9 ? FIELD_NAMES[k] : k < 17 ? `st${k - 9}` : "mem"}: expected ${w}, got ${g}`);
  }
  if (problems.length === 0) return null;
  return [`#${i} ${c.asm} (${c.bytes}) in: ${v.join(" ")}`, ...problems.map((p) => `  ${p}`)].join("\n");
}

function runFamily(family: StateVector["family"]): {
  total: number;
  failures: string[];
  byForm: Map<string, number>;
} {
  const failures: string[] = [];
  const byForm = new Map<string, number>();
  let total = 0;
  fixture.cases.forEach((c, i) => {
    if (c.family !== family) return;
    total++;
    const r = check(c, i);
    if (r !== null) {
      failures.push(r);
      byForm.set(c.form, (byForm.get(c.form) ?? 0) + 1);
    }
  });
  return { total, failures, byForm };
}

describe(`x87/MMX/CMPXCHG8B/bit-manipulation hardware vectors (${fixture.cpu})`, () => {
  for (const [family, min] of [
    ["x87", 5000],
    ["mmx", 500],
    ["cmpxchg", 100],
    ["bits", 1000],
  ] as const) {
    it(`${family}: every captured case matches`, () => {
      const r = runFamily(family);
      expect(r.total).toBeGreaterThanOrEqual(min);
      const summary = [...r.byForm].map(([f, n]) => `${f}: ${n}`).join(", ");
      expect(
        r.failures.length,
        `${r.failures.length} of ${r.total} differ (${summary}):\n${r.failures.slice(0, 12).join("\n")}`,
      ).toBe(0);
    });
  }
});
