// The interpreter dispatches on literal op numbers (V8 builds jump tables only for literal case labels) and inlines
// a few constants as literals; check every literal against its named definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ICACHE_MASK, SCRATCH_SLOT } from "../../src/cpu/cpu.ts";
import { NONE, Op, PFX_ADDR32, PFX_STACK, RIP_BASE } from "../../src/cpu/decoded.ts";
import { FL_NONE, LF_OP, LF_RES, LF_RESHI } from "../../src/cpu/flags.ts";
import { TLB_ENTRIES } from "../../src/cpu/mmu.ts";
import { FS, GS } from "../../src/cpu/registers.ts";

const source = readFileSync(new URL("../../src/cpu/interpreter.ts", import.meta.url), "utf8");

describe("interpreter literals", () => {
  it("every `case N: // NAME` matches Op.NAME", () => {
    const cases = [...source.matchAll(/case (\d+): (?:\{\s*)?\/\/ ([A-Z0-9_]+)/g)];
    expect(cases.length).toBeGreaterThan(60);
    const ops = Op as Record<string, number>;
    for (const [, num, name] of cases) expect([name, ops[name!]]).toEqual([name, Number(num)]);
    // Cases whose comment is on the next line.
    for (const [, num, name] of source.matchAll(/case (\d+): \{\n\s+\/\/ ([A-Z0-9_]+)/g)) {
      expect([name, ops[name!]]).toEqual([name, Number(num)]);
    }
  });

  it("every `N /* NAME */` literal matches its constant", () => {
    const known: Record<string, number> = {
      NONE,
      ...(Op as Record<string, number>),
      FS,
      GS,
      SCRATCH_SLOT,
      ICACHE_MASK,
      RIP_BASE,
      PFX_ADDR32,
      PFX_STACK,
      LF_OP,
      LF_RES,
      LF_RESHI,
      FL_NONE,
      TWO32: 2 ** 32,
      CANON: 2 ** 47,
      TLB_ENTRIES,
      TLB_MASK: TLB_ENTRIES - 1,
    };
    const mmu = readFileSync(new URL("../../src/cpu/mmu.ts", import.meta.url), "utf8");
    const operands = readFileSync(new URL("../../src/cpu/operands.ts", import.meta.url), "utf8");
    const uses = [...(source + mmu + operands).matchAll(/(0x[0-9a-f]+|\d+) \/\* ([A-Z0-9_]+) \*\//g)];
    expect(uses.length).toBeGreaterThan(20);
    for (const [, lit, name] of uses) {
      if (!(name! in known)) continue;
      expect([name, Number(lit)]).toEqual([name, known[name!]]);
    }
  });
});
