// Block JIT, code generation: one JavaScript function per basic block (new Function), made from the same
// instruction templates the interpreter's cases are generated from (src/cpu/insn-templates.ts), with every decoded
// field, the instruction's address, its predictor slot and its block position's cost written as constants.
import * as ALU from "../alu.ts";
import { ALU_AND, alu, incDec, neg, shift } from "../alu.ts";
import type { Cpu } from "../cpu.ts";
import { FAULT } from "../fault.ts";
import { testCondition } from "../flags.ts";
import { TEMPLATES } from "../insn-templates.ts";
import * as MULDIV from "../muldiv.ts";
import { imul } from "../muldiv.ts";
import {
  branchTarget,
  eaOf,
  leaOf,
  leaOut,
  push,
  rdReg,
  rsp,
  setCF,
  setRsp,
  stackAddr,
  wrReg,
} from "../operands.ts";
import { CF, OF } from "../rflags.ts";

/** One decoded instruction of a block, as the code generator needs it. */
export interface JitInsn {
  op: number;
  size: number;
  reg: number;
  rm: number;
  aux: number;
  immLo: number;
  immHi: number;
  base: number;
  index: number;
  scale: number;
  disp: number;
  seg: number;
  pfx: number;
  /** linear address and the next instruction's */
  rip: number;
  next: number;
  /** decoded-instruction cache slot (the branch predictor's key) */
  slot: number;
  /** the block position's cost (BlockTable.pool) */
  cost: number;
  cls: number;
  /** writes memory: the block checks its code frame's generation after it (self-modifying code) */
  stores: boolean;
}

/** One table block of a compiled region: its compiled prefix and where control may go after it. */
export interface JitRegionBlock {
  /** the compiled prefix (at least one instruction) */
  insns: readonly JitInsn[];
  /** first pool index of the table block and its instruction count */
  offset: number;
  length: number;
  /**
   * Entry addresses of region blocks that may run next (tested in order against the next RIP); meaningful only
   * when the prefix is the whole table block. Anything else leaves the region.
   */
  succ: readonly number[];
}

/** What a compiled region needs to know about its place in the block table and memory. */
export interface JitRegionInfo {
  /** the table's epoch */
  epoch: number;
  /** the code frame every block of the region is in, and its codeGen when compiled */
  frame: number;
  gen: number;
  /** the timing model's misprediction penalty (0: no prediction) */
  penalty: number;
}

/**
 * A compiled region: runs table blocks from its entry (block 0) while the next RIP is the entry of one of its
 * blocks and the instruction budget `left` has room for that block's compiled prefix; adds the counters to the
 * Cpu, sets cpu.rip, and returns how many instructions retired. When an instruction faulted (cpu.rip is then that
 * instruction, not retired), a store wrote the region's code frame part-way through a block, or a block's compiled
 * prefix ended before its table block did, cpu.blockResume* name the position so the interpreter goes on there.
 */
export type JitBlockFn = (cpu: Cpu, left: number) => number;

/** The ops the JIT compiles: every op with a template. */
export const JIT_OPS: ReadonlySet<number> = new Set(TEMPLATES.flatMap((t) => t.ops));

const BODY = new Map<number, string>();
for (const t of TEMPLATES) for (const op of t.ops) BODY.set(op, t.body);

const HELPERS = {
  ALU,
  MULDIV,
  ALU_AND,
  alu,
  incDec,
  neg,
  shift,
  imul,
  testCondition,
  FAULT,
  branchTarget,
  eaOf,
  leaOf,
  leaOut,
  push,
  rdReg,
  rsp,
  setCF,
  setRsp,
  stackAddr,
  wrReg,
  CF,
  OF,
};
const HELPER_NAMES = Object.keys(HELPERS).join(", ");

function lit(v: number): string {
  return v < 0 || Object.is(v, -0) ? `(${v})` : String(v);
}

/** A template body as JavaScript for one instruction: constants for the fields, TypeScript syntax removed. */
export function jitBody(body: string, i: JitInsn): string {
  const ea = `eaOf(cpu, regs, ${i.base}, ${i.index}, ${i.scale}, ${lit(i.disp)}, ${i.seg}, ${i.pfx}, next)`;
  const lea = `leaOf(regs, ${i.base}, ${i.index}, ${i.scale}, ${lit(i.disp)}, ${i.pfx}, next)`;
  return body
    .replaceAll("$size", String(i.size))
    .replaceAll("$reg", String(i.reg))
    .replaceAll("$rm", String(i.rm))
    .replaceAll("$aux", String(i.aux))
    .replaceAll("$immHi", lit(i.immHi))
    .replaceAll("$imm", lit(i.immLo))
    .replaceAll("$op", String(i.op))
    .replaceAll("$slot", String(i.slot))
    .replaceAll("$ea", ea)
    .replaceAll("$lea", lea)
    .replace(/([\w\])])!(?!=)/g, "$1")
    .replace(/(\b(?:let|const)\s+\w+)\s*:\s*(?:number|boolean)\b/g, "$1")
    .replace(/\b(shiftChanged|shiftHi|rotateFlags)\b/g, "ALU.$1")
    .replace(/\bimulHi\b/g, "MULDIV.imulHi");
}

function resumeAt(pc: string, pos: number, end: number, epoch: number): string {
  return `cpu.blockResumePc = ${pc}; cpu.blockResumePos = ${pos}; cpu.blockResumeEnd = ${end}; cpu.blockResumeEpoch = ${epoch};`;
}

/** The JavaScript source of a region's function (exported for tests and for reading). */
export function regionSource(blocks: readonly JitRegionBlock[], r: JitRegionInfo): string {
  const rips: string[] = [];
  const pos: number[] = [];
  const ends: number[] = [];
  const within: number[] = [];
  const index = new Map<number, number>();
  for (const [i, b] of blocks.entries()) index.set(b.insns[0]!.rip, i);
  const out: string[] = [];
  const body: string[] = [];
  const commit = "cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ins); cpu.lastInsnClass = lc;";
  let k = 0;
  blocks.forEach((b, i) => {
    const n = b.insns.length;
    const last = b.insns[n - 1]!;
    const full = n === b.length;
    body.push(`case ${i}: {`, `if (ins + ${n} > left) break;`, `pc = ${lit(last.next)};`);
    b.insns.forEach((ins, j) => {
      const tpl = BODY.get(ins.op);
      if (tpl === undefined) throw new Error(`no template for op ${ins.op}`);
      rips.push(lit(ins.rip));
      pos.push(b.offset + j);
      ends.push(b.offset + b.length);
      within.push(j);
      body.push(
        `k = ${k};`,
        `{ const rip = ${lit(ins.rip)}, next = ${lit(ins.next)}; do {`,
        jitBody(tpl, ins),
        "} while (false); }",
        `cyc += ${lit(ins.cost)};`,
      );
      if (ins.stores) {
        // A store into the region's code frame: the rest of the block runs in the interpreter, decoded anew.
        const rest = j + 1 < b.length;
        body.push(
          `if (codeGen[${r.frame}] !== ${r.gen}) {`,
          `ins += ${j + 1}; lc = ${ins.cls};`,
          rest ? `pc = ${lit(ins.next)};` : "",
          commit,
          "cpu.rip = pc;",
          rest ? resumeAt("pc", b.offset + j + 1, b.offset + b.length, r.epoch) : "cpu.blockResumePc = NaN;",
          "return ins; }",
        );
      }
      k++;
    });
    body.push(`ins += ${n}; lc = ${last.cls};`);
    if (!full) {
      // The table block goes on past the compiled prefix: the interpreter runs the rest at its positions.
      body.push(
        commit,
        "cpu.rip = pc;",
        resumeAt("pc", b.offset + n, b.offset + b.length, r.epoch),
        "return ins;",
      );
    } else {
      for (const t of b.succ) {
        const to = index.get(t);
        if (to !== undefined) body.push(`if (pc === ${lit(t)}) { bb = ${to}; continue; }`);
      }
      body.push("break;");
    }
    body.push("}");
  });
  out.push(
    `const { ${HELPER_NAMES} } = H;`,
    `const RIPS = [${rips.join(", ")}];`,
    `const POS = new Int32Array([${pos.join(", ")}]);`,
    `const END = new Int32Array([${ends.join(", ")}]);`,
    `const WITHIN = new Int32Array([${within.join(", ")}]);`,
    "return function region(cpu, left) {",
    "const regs = cpu.regs, lf = cpu.lf, mmu = cpu.mmu, fault = cpu.fault;",
    "const pred = cpu.predictor, CTR = pred.counter, TGT = pred.target;",
    "const codeGen = mmu.phys.codeGen;",
    `const PEN = ${r.penalty};`,
    "const user = mmu.user;",
    `let cyc = 0, ins = 0, k = 0, bb = 0, lc = cpu.lastInsnClass, pc = ${lit(blocks[0]!.insns[0]!.rip)};`,
    "try {",
    "for (;;) {",
    "switch (bb) {",
    ...body,
    "}",
    "break;",
    "}",
    "} catch (e) {",
    "ins += WITHIN[k];",
    commit,
    "cpu.rip = RIPS[k];",
    "if (e !== FAULT) throw e;",
    // The interpreter runs the faulting instruction again (it changed nothing) and delivers the fault.
    `cpu.blockResumePc = RIPS[k]; cpu.blockResumePos = POS[k]; cpu.blockResumeEnd = END[k]; cpu.blockResumeEpoch = ${r.epoch};`,
    "return ins; }",
    commit,
    "cpu.rip = pc;",
    "cpu.blockResumePc = NaN;",
    "return ins;",
    "};",
  );
  return out.join("\n");
}

/** Compiles a region (new Function: the code is made here from the templates and decoded constants only). */
export function compileRegion(blocks: readonly JitRegionBlock[], r: JitRegionInfo): JitBlockFn {
  const factory = new Function("H", regionSource(blocks, r)) as (h: typeof HELPERS) => JitBlockFn;
  return factory(HELPERS);
}
