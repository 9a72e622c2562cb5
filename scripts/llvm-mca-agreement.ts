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
//
// Where LLVM 14 models the core otherwise than the measurements the production table cites, llvm-mca's answer
// for a block that depends on the difference is not the core's, and the model (which follows the measurements)
// cannot agree with it without copying the difference. Each in-scope block is therefore also sorted by rules
// that look only at the block and the two tables, never at llvm-mca's answer (first rule that holds):
//   width     its price changes when the production table's 4-wide allocation becomes LLVM's dispatch width 6;
//   table     its price changes when LLVM's width and LLVM's rows that contradict uops.info (JMP on p06, the
//             3-component LEA at 1 cycle, SHL by CL, LEAVE) replace the production values together;
//   readadv   a load-op or read-modify-write whose register operand another instruction of the block writes:
//             llvm-mca applies the load's read-advance only against a producer that has already issued, so the
//             chain through it costs the whole load-op latency (the core's ALU µop waits for the register alone);
//   partial   an 8- or 16-bit register write, which merges into the full register on Haswell/Skylake (a
//             dependency on the old value) and is an independent write in LLVM 14.
// What no rule takes is the comparable set: the acceptance figures (15 % median, 40 % worst) are read there.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CostTable } from "../src/cpu/insn-class.ts";
import { blockEnds } from "../src/cpu/timing/block-table.ts";
import { FIXED, MEM_LOAD } from "../src/cpu/timing/insn-form.ts";
import { BlockPricer, priceBlockBytes, type TimingSpec } from "../src/cpu/timing/timing-model.ts";
import { FORM_INDEX, type UarchTiming } from "../src/cpu/timing/uarch.ts";
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
  /** the first rule under which LLVM 14's model of the core differs for this block, or null (comparable) */
  departure: Departure | null;
}

/** The rules of the header, in the order they are applied. */
export const DEPARTURES = ["width", "table", "readadv", "partial"] as const;
export type Departure = (typeof DEPARTURES)[number];

export const DEPARTURE_LABELS: Readonly<Record<Departure, string>> = {
  width: "allocation width (core 4, LLVM 6)",
  table: "an LLVM row contradicting uops.info (JMP, 3-component LEA, SHL CL, LEAVE)",
  readadv: "llvm-mca's read-advance on a load-op's register operand",
  partial: "8/16-bit register writes (merged on the core, not in LLVM)",
};

/**
 * The tables the width and table rules price with: the production table with LLVM's dispatch width alone, and
 * with every value of LLVM 14's table that contradicts the production table's sources (llvm14-skylake-server-uarch.ts,
 * LLVM_DIFFERENCES) except macro-fusion, whose blocks stay comparable (llvm-mca does not fuse; the model does).
 */
function variants(prod: UarchTiming): { width: UarchTiming; table: UarchTiming } {
  return {
    width: { ...prod, issueWidth: llvmSkx.issueWidth },
    table: { ...llvmSkx, macroFusion: prod.macroFusion },
  };
}

const WRITE_ONLY = new Set([
  FORM_INDEX.setcc,
  FORM_INDEX.mov_rr,
  FORM_INDEX.mov_ri,
  FORM_INDEX.movx_rr,
  FORM_INDEX.load,
]);

/** The structural facts the readadv and partial rules read. */
function blockFacts(code: Uint8Array, costs: CostTable): { readAdvance: boolean; partial: boolean } {
  const p = new BlockPricer(costs);
  const f = p.facts;
  const sizes: number[] = [];
  let at = 0;
  let n = 0;
  const buf = new Uint8Array(16);
  while (at < code.length) {
    const k = Math.min(15, code.length - at);
    buf.fill(0);
    buf.set(code.subarray(at, at + k));
    p.decode(buf, k);
    p.put(n, false);
    sizes.push(p.d.size[0]!);
    at += p.d.len[0]!;
    n++;
    if (blockEnds(p.d.op[0]!)) break;
  }
  const GPRS = 0xffff;
  let readAdvance = false;
  let partial = false;
  for (let i = 0; i < n; i++) {
    if (f.form[i] === FIXED) continue;
    const regSrc = f.src[i]! & GPRS;
    if ((f.mem[i]! & MEM_LOAD) !== 0 && f.form[i] !== FORM_INDEX.load && regSrc !== 0)
      for (let j = 0; j < n; j++)
        if (j !== i && f.form[j] !== FIXED && (f.dst[j]! & regSrc) !== 0) readAdvance = true;
    // a write-only form (SETcc, MOV, MOVZX/MOVSX, a load) to an 8- or 16-bit register: the classifier adds the
    // merge with the old value as a source, which LLVM 14 does not have
    if (sizes[i]! < 4 && WRITE_ONLY.has(f.form[i]!) && (f.dst[i]! & GPRS) !== 0) partial = true;
  }
  return { readAdvance, partial };
}

export function loadFixture(): { oracle: string; blocks: FixtureBlock[] } {
  return JSON.parse(readFileSync(FIXTURE, "utf8")) as { oracle: string; blocks: FixtureBlock[] };
}

export function compareAll(fx: { oracle: string; blocks: FixtureBlock[] } = loadFixture()): {
  oracle: string;
  rows: Compared[];
} {
  const prod = getProfile("cascadelake-2022").costs;
  const oracleCosts: CostTable = { ...prod, timing: { model: "ooo", uarch: llvmSkx } };
  const timing = prod.timing as Extract<TimingSpec, { model: "ooo" }>;
  const v = variants(timing.uarch);
  const priced = (code: Uint8Array, u: UarchTiming) => {
    const q = priceBlockBytes(code, { ...prod, timing: { model: "ooo", uarch: u } });
    return q.cycles - q.bounds.fixed;
  };
  const rows = fx.blocks.map((b): Compared => {
    const code = Uint8Array.from(Buffer.from(b.hex, "hex"));
    const p = priceBlockBytes(code, prod);
    const o = priceBlockBytes(code, oracleCosts);
    const rmw = p.memAt.filter((m) => m === 3).length;
    const stores = p.memAt.filter((m) => (m & 2) !== 0).length;
    const production = p.cycles - p.bounds.fixed;
    const facts = blockFacts(code, prod);
    const departure: Departure | null =
      priced(code, v.width) !== production
        ? "width"
        : priced(code, v.table) !== production
          ? "table"
          : facts.readAdvance
            ? "readadv"
            : facts.partial
              ? "partial"
              : null;
    return {
      block: b,
      production,
      oracleData: o.cycles - o.bounds.fixed,
      storeOrder: rmw >= 1 && stores >= 2,
      departure,
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

export const ALL_IN_SCOPE = "**validation, all in scope**";
export const COMPARABLE = "**comparable: where LLVM 14 models the core as measured**";

/** The validation rows (in scope), the comparable set and the rows reported apart. */
export function groups(rows: Compared[]): { name: string; rows: Compared[] }[] {
  const inScope = rows.filter((r) => VALIDATION_SETS.includes(r.block.set) && !r.storeOrder);
  const comparable = inScope.filter((r) => r.departure === null);
  return [
    ...VALIDATION_SETS.map((s) => ({ name: s, rows: inScope.filter((r) => r.block.set === s) })),
    { name: ALL_IN_SCOPE, rows: inScope },
    ...VALIDATION_SETS.map((s) => ({
      name: `comparable: ${s}`,
      rows: comparable.filter((r) => r.block.set === s),
    })),
    { name: COMPARABLE, rows: comparable },
    ...DEPARTURES.map((d) => ({
      name: `in scope, apart: ${DEPARTURE_LABELS[d]}`,
      rows: inScope.filter((r) => r.departure === d),
    })),
    {
      name: "out of scope: read-modify-write + store",
      rows: rows.filter((r) => VALIDATION_SETS.includes(r.block.set) && r.storeOrder),
    },
    { name: "calibration (not validation)", rows: rows.filter((r) => r.block.set === "calibration") },
  ];
}

export function agreementMarkdown(compared: { oracle: string; rows: Compared[] } = compareAll()): string {
  const { oracle, rows } = compared;
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
