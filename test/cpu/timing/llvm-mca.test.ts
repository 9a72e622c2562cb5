// The differential test of the out-of-order timing model against llvm-mca's answers, committed as fixtures by
// scripts/llvm-mca-fixtures.ts (no llvm needed here). scripts/llvm-mca-agreement.ts defines the comparison and
// the table docs/validation.md shows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ALL_IN_SCOPE,
  agreementMarkdown,
  BEGIN,
  COMPARABLE,
  compareAll,
  DOC,
  END,
  error,
  groups,
  stats,
  VALIDATION_SETS,
} from "../../../scripts/llvm-mca-agreement.ts";

const compared = compareAll();
const { rows } = compared;
const inScope = groups(rows).find((g) => g.name === ALL_IN_SCOPE)!.rows;
const comparable = groups(rows).find((g) => g.name === COMPARABLE)!.rows;
const byId = new Map(rows.map((r) => [r.block.id, r]));

describe("the out-of-order model against llvm-mca (LLVM 14, -mcpu=cascadelake)", () => {
  it("covers at least 2,000 validation blocks from every source", () => {
    expect(inScope.length).toBeGreaterThanOrEqual(2000);
    for (const s of VALIDATION_SETS) expect(inScope.some((r) => r.block.set === s)).toBe(true);
    for (const r of rows) expect(r.block.mca).toBeGreaterThan(0);
  });

  it("agrees within 15 % at the median, with the production table and with the oracle's own data", () => {
    const p = stats(inScope.map((r) => error(r.production, r.block.mca)));
    const o = stats(inScope.map((r) => error(r.oracleData, r.block.mca)));
    expect(p.median).toBeLessThanOrEqual(15);
    expect(o.median).toBeLessThanOrEqual(15);
  });

  it("meets the acceptance figures on the comparable set: ≥ 2,000 blocks, 15 % median, 40 % worst", () => {
    expect(comparable.length).toBeGreaterThanOrEqual(2000);
    for (const s of VALIDATION_SETS) expect(comparable.some((r) => r.block.set === s)).toBe(true);
    const p = stats(comparable.map((r) => error(r.production, r.block.mca)));
    const o = stats(comparable.map((r) => error(r.oracleData, r.block.mca)));
    expect(p.median).toBeLessThanOrEqual(15);
    expect(p.max).toBeLessThanOrEqual(40);
    expect(o.median).toBeLessThanOrEqual(15);
    expect(o.max).toBeLessThanOrEqual(40);
  });

  it("sorts blocks apart by what LLVM 14 models otherwise, never by llvm-mca's answer", () => {
    const cases: [string, string | null][] = [
      ["generated-71", "width"], // 8 fused µops, nothing else binding: 2 cycles at 4 wide, 1.33 at 6
      ["entry-linux-3.1-39", "table"], // a lone JMP: p6 only on the core, p06 in LLVM
      ["generated-722", "table"], // a chain through a 3-component LEA: 3 cycles (uops.info), 1 in LLVM
      ["generated-81", "readadv"], // xor 0x38(%rsp),%rax … add %rbx,%rax
      ["generated-1693", "partial"], // sete %al after sub …,%rax
    ];
    for (const [id, d] of cases) expect(byId.get(id)?.departure, id).toBe(d);
    // the rules read the block and the two tables only: the same blocks with other answers are sorted alike
    const some = rows.slice(0, 400).map((r) => r.block);
    const other = compareAll({
      oracle: "none",
      blocks: some.map((b, i) => ({ ...b, mca: 1 + (i % 7) })),
    }).rows;
    expect(other.map((r) => r.departure)).toEqual(rows.slice(0, 400).map((r) => r.departure));
    expect(new Set(other.map((r) => r.departure)).size).toBeGreaterThanOrEqual(4);
  });

  it("keeps the blocks beyond 40 % rare (the worst cases are named in docs/validation.md)", () => {
    const p = stats(inScope.map((r) => error(r.production, r.block.mca)));
    const o = stats(inScope.map((r) => error(r.oracleData, r.block.mca)));
    expect(o.within40 / o.n).toBeGreaterThanOrEqual(0.95);
    expect(p.within40 / p.n).toBeGreaterThanOrEqual(0.85);
  });

  it("agrees exactly on the BPF JIT's compare-and-branch blocks where neither model nor oracle sees fusion", () => {
    // a JIT block without a fusible pair (a load and a JSET test) must come out identical with the oracle's data
    const jset = rows.filter((r) => r.block.set === "bpf-jit" && /^test[lq]? \$/.test(r.block.asm));
    expect(jset.length).toBeGreaterThan(10);
    for (const r of jset) expect(error(r.oracleData, r.block.mca)).toBeLessThanOrEqual(10);
  });

  it("has its agreement table in docs/validation.md up to date", () => {
    const doc = readFileSync(DOC, "utf8");
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    expect(a).toBeGreaterThan(0);
    expect(doc.slice(a + BEGIN.length, b).trim()).toBe(agreementMarkdown(compared).trim());
  });
});
