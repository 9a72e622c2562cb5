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

/** What a compiled block needs to know about its place in the block table. */
export interface JitBlockInfo {
  /** first pool index of the table's block, its length, the table's epoch */
  offset: number;
  length: number;
  epoch: number;
  /** the code frame and its codeGen when compiled */
  frame: number;
  gen: number;
  /** the timing model's misprediction penalty (0: no prediction) */
  penalty: number;
}

/**
 * A compiled block: runs its instructions, adds their counters to the Cpu, sets cpu.rip, and returns how many
 * retired. Fewer than all when an instruction faulted (cpu.rip is then that instruction, not retired) or a store
 * wrote the block's own code frame; then cpu.blockResume* name the position so the interpreter goes on there.
 */
export type JitBlockFn = (cpu: Cpu) => number;

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

/** The JavaScript source of a block's function (exported for tests and for reading). */
export function blockSource(insns: readonly JitInsn[], b: JitBlockInfo): string {
  const n = insns.length;
  const last = insns[n - 1]!;
  const out: string[] = [];
  out.push(
    `const { ${HELPER_NAMES} } = H;`,
    `const RIPS = [${insns.map((i) => lit(i.rip)).join(", ")}];`,
    "return function block(cpu) {",
    "const regs = cpu.regs, lf = cpu.lf, mmu = cpu.mmu, fault = cpu.fault;",
    "const pred = cpu.predictor, CTR = pred.counter, TGT = pred.target;",
    "const codeGen = mmu.phys.codeGen;",
    `const PEN = ${b.penalty};`,
    "const user = mmu.user;",
    `let cyc = 0, k = 0, pc = ${lit(last.next)};`,
    "try {",
  );
  insns.forEach((ins, k) => {
    const body = BODY.get(ins.op);
    if (body === undefined) throw new Error(`no template for op ${ins.op}`);
    out.push(
      `k = ${k};`,
      `{ const rip = ${lit(ins.rip)}, next = ${lit(ins.next)}; do {`,
      jitBody(body, ins),
      "} while (false); }",
      `cyc += ${lit(ins.cost)};`,
    );
    if (ins.stores && k < n - 1) {
      // A store into the block's own code frame: the rest runs in the interpreter, decoded anew.
      out.push(
        `if (codeGen[${b.frame}] !== ${b.gen}) {`,
        `cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ${k + 1});`,
        `cpu.rip = ${lit(ins.next)};`,
        `cpu.blockResumePc = ${lit(ins.next)}; cpu.blockResumePos = ${b.offset + k + 1};`,
        `cpu.blockResumeEnd = ${b.offset + b.length}; cpu.blockResumeEpoch = ${b.epoch};`,
        `return ${k + 1}; }`,
      );
    }
  });
  out.push(
    "} catch (e) {",
    "cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, k);",
    "cpu.rip = RIPS[k];",
    "if (e !== FAULT) throw e;",
    // The interpreter runs the faulting instruction again (it changed nothing) and delivers the fault.
    `cpu.blockResumePc = RIPS[k]; cpu.blockResumePos = ${b.offset} + k;`,
    `cpu.blockResumeEnd = ${b.offset + b.length}; cpu.blockResumeEpoch = ${b.epoch};`,
    "return k; }",
    `cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ${n});`,
    "cpu.rip = pc;",
    `cpu.lastInsnClass = ${last.cls};`,
  );
  if (n < b.length) {
    out.push(
      `cpu.blockResumePc = pc; cpu.blockResumePos = ${b.offset + n};`,
      `cpu.blockResumeEnd = ${b.offset + b.length}; cpu.blockResumeEpoch = ${b.epoch};`,
    );
  } else {
    out.push("cpu.blockResumePc = NaN;");
  }
  out.push(`return ${n};`, "};");
  return out.join("\n");
}

/** Compiles a block (new Function: the code is made here from the templates and decoded constants only). */
export function compileBlock(insns: readonly JitInsn[], b: JitBlockInfo): JitBlockFn {
  const factory = new Function("H", blockSource(insns, b)) as (h: typeof HELPERS) => JitBlockFn;
  return factory(HELPERS);
}
