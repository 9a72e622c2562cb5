// Agreement of the out-of-order timing model with llvm-mca over the committed fixture blocks
// (test/fixtures/llvm-mca/blocks.json, built by scripts/llvm-mca-fixtures.ts). Prints the Markdown table that
// docs/validation.md embeds between <!-- llvm-mca-agreement:begin/end --> (test/cpu/timing/llvm-mca.test.ts
// checks it is current). Run: npx tsx scripts/llvm-mca-agreement.ts [--write]
//
// What is compared: the model's steady-state cycles of the block's out-of-order part (the block's cycles minus the
// class costs of its serialising, microcoded and locked instructions, which llvm-mca does not model and which
// the fixture leaves out of its input) with llvm-mca's cycles per iteration. Two tables price the blocks:
//   production  skylake-server (uops.info, Agner Fog, Intel), the table cascadelake-2022 runs with;
//   oracle data llvm14-skylake-server: the same model with LLVM's values in the rows where LLVM 14 differs, which
//               isolates the model's mechanics from the two tables' disagreements.
// Scope: llvm-mca (LLVM 14) issues a store only after every older store has executed, so a read-modify-write
// (ADD m,r; PUSH m; POP m) waits whole for the stores before it; the core executes stores out of order and only
// commits them in order. Blocks with a read-modify-write and another store are outside the compared scope (the
// rule is structural and set before comparing); they are reported on their own row. The calibration set is
// reported apart too: nothing in the model was tuned on it or on anything else (every value is a table value).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CostTable } from "../src/cpu/insn-class.ts";
import { priceBlockBytes } from "../src/cpu/timing/timing-model.ts";
import { getProfile } from "../src/measure/profile.ts";
import { llvmSkx } from "../src/measure/profiles/llvm14-skylake-server-uarch.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FIXTURE = `${ROOT}test/fixtures/llvm-mca/blocks.json`;
export const DOC = `${ROOT}docs/validation.md`;
export const BEGIN = "<!-- llvm-mca-agreement:begin -->";
export const END = "<!-- llvm-mca-agreement:end -->";

export interface FixtureBlock {
  id: string;
  set: string;
  hex: string;
  asm: string;
  mca: number;
}

export interface Compared {
  block: FixtureBlock;
  production: number;
  oracleData: number;
  /** outside the compared scope: a read-modify-write and another store (llvm-mca's in-order stores) */
  storeOrder: boolean;
}

export function loadFixture(): { oracle: string; blocks: FixtureBlock[] } {
  return JSON.parse(readFileSync(FIXTURE, "utf8")) as { oracle: string; blocks: FixtureBlock[] };
}

export function compareAll(): { oracle: string; rows: Compared[] } {
  const fx = loadFixture();
  const prod = getProfile("cascadelake-2022").costs;
  const oracleCosts: CostTable = { ...prod, timing: { model: "ooo", uarch: llvmSkx } };
  const rows = fx.blocks.map((b) => {
    const code = Uint8Array.from(Buffer.from(b.hex, "hex"));
    const p = priceBlockBytes(code, prod);
    const o = priceBlockBytes(code, oracleCosts);
    const rmw = p.memAt.filter((m) => m === 3).length;
    const stores = p.memAt.filter((m) => (m & 2) !== 0).length;
    return {
      block: b,
      production: p.cycles - p.bounds.fixed,
      oracleData: o.cycles - o.bounds.fixed,
      storeOrder: rmw >= 1 && stores >= 2,
    };
  });
  return { oracle: fx.oracle, rows };
}

export interface Stats {
  n: number;
  median: number;
  p90: number;
  max: number;
  within15: number;
  within40: number;
}

/** |model − mca| / mca over the rows, in per cent. */
export function stats(errors: number[]): Stats {
  const e = [...errors].sort((a, b) => a - b);
  const at = (q: number) => (e.length === 0 ? 0 : e[Math.min(e.length - 1, Math.floor(q * e.length))]!);
  const mid =
    e.length === 0
      ? 0
      : e.length % 2 === 1
        ? e[(e.length - 1) / 2]!
        : (e[e.length / 2 - 1]! + e[e.length / 2]!) / 2;
  return {
    n: e.length,
    median: mid,
    p90: at(0.9),
    max: e.length === 0 ? 0 : e[e.length - 1]!,
    within15: e.filter((x) => x <= 15).length,
    within40: e.filter((x) => x <= 40).length,
  };
}

export function error(model: number, mca: number): number {
  return (Math.abs(model - mca) / mca) * 100;
}

export const VALIDATION_SETS = [
  "entry-linux-3.1",
  "entry-linux-generic",
  "entry-linux-generic-pti",
  "bpf-jit",
  "generated",
];

/** The validation rows (in scope) and the rows reported apart. */
export function groups(rows: Compared[]): { name: string; rows: Compared[] }[] {
  const inScope = rows.filter((r) => VALIDATION_SETS.includes(r.block.set) && !r.storeOrder);
  return [
    ...VALIDATION_SETS.map((s) => ({ name: s, rows: inScope.filter((r) => r.block.set === s) })),
    { name: "**validation, all in scope**", rows: inScope },
    {
      name: "out of scope: read-modify-write + store",
      rows: rows.filter((r) => VALIDATION_SETS.includes(r.block.set) && r.storeOrder),
    },
    { name: "calibration (not validation)", rows: rows.filter((r) => r.block.set === "calibration") },
  ];
}

export function agreementMarkdown(): string {
  const { oracle, rows } = compareAll();
  const f = (x: number) => x.toFixed(1);
  const lines = [
    `Oracle: ${oracle}. |error| = |model − llvm-mca| / llvm-mca, per block, in %.`,
    "",
    "| blocks | n | production table: median | p90 | worst | within 15 % / 40 % | oracle's data: median | p90 | worst | within 15 % / 40 % |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const g of groups(rows)) {
    const p = stats(g.rows.map((r) => error(r.production, r.block.mca)));
    const o = stats(g.rows.map((r) => error(r.oracleData, r.block.mca)));
    lines.push(
      `| ${g.name} | ${p.n} | ${f(p.median)} | ${f(p.p90)} | ${f(p.max)} | ${p.within15} / ${p.within40} | ${f(o.median)} | ${f(o.p90)} | ${f(o.max)} | ${o.within15} / ${o.within40} |`,
    );
  }
  return lines.join("\n");
}

/** docs/validation.md with the agreement block replaced by `table`. */
export function withTable(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC} has no ${BEGIN} … ${END} block`);
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const table = agreementMarkdown();
  console.log(table);
  if (process.argv.includes("--write")) writeFileSync(DOC, withTable(readFileSync(DOC, "utf8"), table));
}
