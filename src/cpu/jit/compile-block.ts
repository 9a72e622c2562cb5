// Block JIT, code generation: one JavaScript function per basic block (new Function), made from the same
// instruction templates the interpreter's cases are generated from (src/cpu/insn-templates.ts), with every decoded
// field, the instruction's address, its predictor slot and its block position's cost written as constants.
import * as ALU from "../alu.ts";
import { ALU_AND, alu, incDec, neg, shift } from "../alu.ts";
import type { Cpu } from "../cpu.ts";
import { FAULT } from "../fault.ts";
import { testCondition } from "../flags.ts";
import { FLAGS_KILL, FLAGS_READ, flagUse, TEMPLATES } from "../insn-templates.ts";
import { inlineAccess } from "../mmu.ts";
import * as MULDIV from "../muldiv.ts";
import { imul } from "../muldiv.ts";
import {
  branchTarget,
  eaBase,
  eaBaseIndex,
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
  wrReg4,
  wrReg8,
} from "../operands.ts";
import { CF, OF } from "../rflags.ts";
import { evaluate, lit, pure, rewriteCalls } from "./js-text.ts";
import { type LocalisedInsn, loadLocals, localiseRegisters, storeLocals, Temps } from "./register-locals.ts";

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
  eaBase,
  eaBaseIndex,
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
  wrReg4,
  wrReg8,
  CF,
  OF,
};
const HELPER_NAMES = Object.keys(HELPERS).join(", ");

/** A template body as JavaScript for one instruction: constants for the fields, TypeScript syntax removed. */
export function jitBody(body: string, i: JitInsn): string {
  const ea = `eaOf(cpu, regs, ${i.base}, ${i.index}, ${i.scale}, ${lit(i.disp)}, ${i.seg}, ${i.pfx}, ${lit(i.next)})`;
  const lea = `leaOf(regs, ${i.base}, ${i.index}, ${i.scale}, ${lit(i.disp)}, ${i.pfx}, next)`;
  const js = body
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
    .replace(/\bimulHi\b/g, "MULDIV.imulHi")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/\/\*.*?\*\//g, "");
  return specialise(js);
}

// ---- specialisation: with the decoded fields constant, calls to the generic helpers that dispatch on a size or
// an operation become calls to the helpers those dispatch to (small enough for V8 to inline). The semantics stay
// the helpers'; only the dispatch is done here, once.

const LITERAL = /^\(?-?\d+\)?$/;
/** Constant expressions of decoded fields a body may bind to a `const` (digits and operators only). */
const CONST_EXPR = /^[\d\s()<>=!&|+*-]+$/;

function num(arg: string): number | undefined {
  return LITERAL.test(arg) ? Number(arg.replace(/[()]/g, "")) : undefined;
}

const NAME_RES = new Map<string, [RegExp, RegExp]>();
/** The declarations of `name` and its uses, as global regular expressions (made once per name). */
function nameRegExps(name: string): [RegExp, RegExp] {
  let r = NAME_RES.get(name);
  if (r === undefined) {
    r = [new RegExp(`\\b(?:const|let) ${name}\\b`, "g"), new RegExp(`(?<![\\w$.])${name}(?![\\w$])`, "g")];
    NAME_RES.set(name, r);
  }
  return r;
}

/** Replaces each `const NAME = <constant expression>;` declared once in the body by its value. */
function propagateConstants(src: string): string {
  let out = src;
  for (const m of src.matchAll(/\bconst (\w+) = ([^;\n]+);[ \t]*\n/g)) {
    const [decl, name, expr] = m as unknown as [string, string, string];
    if (!CONST_EXPR.test(expr)) continue;
    const [declared, use] = nameRegExps(name);
    if ((out.match(declared) ?? []).length !== 1) continue;
    const v = evaluate(expr) as number | boolean;
    const text = typeof v === "boolean" ? String(v) : lit(v);
    out = out.replace(decl, "").replace(use, text);
  }
  return out;
}

function canonical(a: number): boolean {
  return a >= -0x800000000000 && a < 0x800000000000;
}

/** The end (exclusive) of the bracket group opening at `i` (src[i] is `(`, `[` or `{`). */
function groupEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j]!;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new Error("jit: unbalanced template body");
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i]!)) i++;
  return i;
}

/** The end (exclusive) of the statement starting at `i`: a block, an if statement, or up to its `;`. */
function statementEnd(src: string, i: number): number {
  i = skipSpace(src, i);
  if (src[i] === "{") return groupEnd(src, i);
  const m = /^if\s*\(/.exec(src.slice(i, i + 8));
  if (m !== null) {
    let j = statementEnd(src, groupEnd(src, i + m[0].length - 1));
    const k = skipSpace(src, j);
    if (/^else\b/.test(src.slice(k, k + 5))) j = statementEnd(src, k + 4);
    return j;
  }
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j]!;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === ";" && depth === 0) return j + 1;
  }
  throw new Error("jit: statement without an end in a template body");
}

function constValue(expr: string): boolean | undefined {
  const e = expr.trim();
  if (e === "true" || e === "false") return e === "true";
  return CONST_EXPR.test(e) && /[=<>!]/.test(e) ? Boolean(evaluate(e)) : undefined;
}

/** Removes the branches of `if` statements whose condition is a constant. */
function foldIfs(src: string): string {
  const re = /(?<![\w$.])if\s*\(/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    const open = m.index + m[0].length - 1;
    const close = groupEnd(src, open);
    const v = constValue(src.slice(open + 1, close - 1));
    if (v === undefined) continue;
    const thenEnd = statementEnd(src, close);
    const k = skipSpace(src, thenEnd);
    const hasElse = /^else\b/.test(src.slice(k, k + 5));
    const end = hasElse ? statementEnd(src, k + 4) : thenEnd;
    const kept = v ? src.slice(close, thenEnd) : hasElse ? src.slice(k + 4, end) : "";
    src = `${src.slice(0, m.index)}${kept.trim() === "" ? ";" : kept}${src.slice(end)}`;
    re.lastIndex = m.index;
  }
  return src;
}

/** Replaces `c ? x : y` whose condition c is a comparison of constants by the branch it takes. */
function foldTernaries(src: string): string {
  const re = /(?<![\w$.)\]])(\d+ [=!<>]=?=? \d+(?: (?:\|\||&&) \d+ [=!<>]=?=? \d+)*) \? /g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    const v = constValue(m[1]!);
    // Only a whole condition: what precedes it must not bind tighter than `?:` (an operator would).
    const before = src.slice(0, m.index).trimEnd();
    if (v === undefined || !/(^|[(,=:?[{])$/.test(before) || /[=!<>]=$/.test(before)) continue;
    // x runs to the `:` of this `?` at depth 0; y to the first `,` `;` or closing bracket at depth 0.
    let depth = 0;
    let nested = 0;
    let colon = -1;
    let j = m.index + m[0].length;
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      else if (depth === 0 && c === "?") nested++;
      else if (depth === 0 && c === ":") {
        if (nested === 0) {
          colon = j;
          break;
        }
        nested--;
      }
    }
    if (colon < 0) continue;
    depth = 0;
    let end = colon + 1;
    for (; end < src.length; end++) {
      const c = src[end]!;
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (c === "," || c === ";" || c === "?" || c === ":")) break;
    }
    const x = src.slice(m.index + m[0].length, colon).trim();
    const y = src.slice(colon + 1, end).trim();
    src = `${src.slice(0, m.index)}(${v ? x : y})${src.slice(end)}`;
    re.lastIndex = m.index;
  }
  return src;
}

function specialise(src: string): string {
  let js = src;
  for (let pass = 0; pass < 3; pass++) js = foldIfs(foldTernaries(propagateConstants(js)));
  js = rewriteCalls(js, "eaOf", (a) => {
    const [b, x, scale, disp, seg, pfx, next] = a.slice(2).map(num);
    if (b === undefined || x === undefined || scale === undefined || disp === undefined) return undefined;
    if (seg === undefined || pfx === undefined || next === undefined || seg >= 4 || (pfx & 8) !== 0)
      return undefined;
    if (b === 255 && x === 255) return lit(disp);
    if (b === 16 && x === 255) return canonical(next + disp) ? lit(next + disp) : undefined;
    if (b < 16 && x === 255) return `eaBase(cpu, regs, ${b}, ${lit(disp)}, ${pfx}, ${lit(next)})`;
    if (b < 16 && x < 16)
      return `eaBaseIndex(cpu, regs, ${b}, ${x}, ${scale}, ${lit(disp)}, ${pfx}, ${lit(next)})`;
    return undefined;
  });
  js = rewriteCalls(js, "mmu.read", (a) => {
    const size = num(a[1] ?? "");
    return size === 1 || size === 2 || size === 4 || size === 8 ? `mmu.read${size * 8}(${a[0]})` : undefined;
  });
  js = rewriteCalls(js, "mmu.write", (a) => {
    const size = num(a[1] ?? "");
    if (size === 8) return `mmu.write64(${a[0]}, ${a[2]}, ${a[3]})`;
    return (size === 1 || size === 2 || size === 4) && pure(a[3]!)
      ? `mmu.write${size * 8}(${a[0]}, ${a[2]})`
      : undefined;
  });
  js = rewriteCalls(js, "wrReg", (a) => {
    const size = num(a[2] ?? "");
    if (size === 8) return `wrReg8(${a[0]}, ${a[1]}, ${a[3]}, ${a[4]})`;
    return size === 4 && pure(a[4]!) ? `wrReg4(${a[0]}, ${a[1]}, ${a[3]})` : undefined;
  });
  return js;
}

/** Ops that with a register r/m operand (or none) cannot fault or leave the block part-way. */
const REGISTER_ONLY_RM = new Set([
  2, 3, 4, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 34, 35, 38,
]);
const REGISTER_ONLY = new Set([1, 9, 36, 37, 74, 75, 76, 77]);

/** Whether control may leave the compiled code at instruction i, or before it completes (a fault). */
function mayLeave(i: JitInsn): boolean {
  return !(REGISTER_ONLY.has(i.op) || (REGISTER_ONLY_RM.has(i.op) && i.rm !== 255)) || i.stores;
}

/**
 * Flag liveness in one block: dead[j] when instruction j's status flags are replaced by a later instruction of
 * the block before anything reads them or control can leave (every exit, fault or side exit sees the flags).
 */
export function deadFlags(insns: readonly JitInsn[]): boolean[] {
  const dead = insns.map(() => false);
  let live = true;
  for (let j = insns.length - 1; j >= 0; j--) {
    const i = insns[j]!;
    dead[j] = !live;
    const use = flagUse(i.op, i.aux, i.size, i.immLo);
    if (mayLeave(i) || (use & FLAGS_READ) !== 0) live = true;
    else if ((use & FLAGS_KILL) !== 0) live = false;
  }
  return dead;
}

/**
 * The code of an instruction whose flags are dead: without the lazy-flags record it writes itself (`lf[i] = x;`
 * statements, the last ones of the bodies that have them); records made inside helpers stay.
 */
export function dropFlagRecord(js: string): string {
  const first = js.search(/\blf\[\d+\] = /);
  if (first < 0 || /\blf\[\d+\](?! = )/.test(js.slice(first))) return js;
  return js.replace(/\blf\[\d+\] = [^;]+;/g, "");
}

function resumeAt(pc: string, pos: number, end: number, epoch: number): string {
  return `cpu.blockResumePc = ${pc}; cpu.blockResumePos = ${pos}; cpu.blockResumeEnd = ${end}; cpu.blockResumeEpoch = ${epoch};`;
}

/**
 * One instruction's code in a region (its template specialised, without its flag record when `dead`, registers as
 * locals). It depends only on the instruction's decoded fields, address, slot and `dead`, so the code made for one
 * region serves the next region that holds the same instruction (regions overlap).
 */
function insnCode(tpl: string, i: JitInsn, dead: boolean): LocalisedInsn & { temps: string } {
  const key = `${i.op},${i.size},${i.reg},${i.rm},${i.aux},${i.immLo},${i.immHi},${i.base},${i.index},${i.scale},${i.disp},${i.seg},${i.pfx},${i.rip},${i.next},${i.slot},${dead}`;
  const hit = CODE.get(key);
  if (hit !== undefined) return hit;
  const js = jitBody(tpl, i);
  const temps = new Temps();
  const local = localiseRegisters(dead ? dropFlagRecord(js) : js, temps);
  // Loads and stores of 4 and 8 bytes check the TLB inline; a miss calls the Mmu.
  const four = (): [string, string, string, string] => [
    temps.next(),
    temps.next(),
    temps.next(),
    temps.next(),
  ];
  for (const m of ["read32", "read64", "write32", "write64"] as const)
    local.js = rewriteCalls(local.js, `mmu.${m}`, (a) =>
      a.length === (m === "read32" || m === "read64" ? 1 : m === "write32" ? 2 : 3)
        ? inlineAccess(m, a[0]!, four(), a.slice(1))
        : undefined,
    );
  const loc = { ...local, temps: temps.declaration() };
  if (CODE.size >= 1 << 16) CODE.clear();
  CODE.set(key, loc);
  return loc;
}
const CODE = new Map<string, LocalisedInsn & { temps: string }>();

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
  // Every exit writes the register locals back first (WRITE_BACK is replaced when all of them are known).
  const commit = `${WRITE_BACK} cpu.addCounters(user ? cyc : 0, user ? 0 : cyc, ins); cpu.lastInsnClass = lc;`;
  const used = new Set<number>();
  const written = new Set<number>();
  let spills = false;
  let k = 0;
  blocks.forEach((b, i) => {
    const n = b.insns.length;
    const last = b.insns[n - 1]!;
    const full = n === b.length;
    body.push(`case ${i}: {`, `if (ins + ${n} > left) break;`, `pc = ${lit(last.next)};`);
    const dead = deadFlags(b.insns);
    b.insns.forEach((ins, j) => {
      const tpl = BODY.get(ins.op);
      if (tpl === undefined) throw new Error(`no template for op ${ins.op}`);
      rips.push(lit(ins.rip));
      pos.push(b.offset + j);
      ends.push(b.offset + b.length);
      within.push(j);
      const loc = insnCode(tpl, ins, dead[j]!);
      for (const i of loc.reads) used.add(i);
      for (const i of loc.writes) written.add(i);
      body.push(
        `k = ${k};`,
        loc.spill ? SPILL : "",
        `{ const rip = ${lit(ins.rip)}, next = ${lit(ins.next)}; ${loc.temps} do {`,
        loc.js,
        "} while (false); }",
        loc.spill ? RELOAD : "",
        `cyc += ${lit(ins.cost)};`,
      );
      if (loc.spill) spills = true;
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
    LOAD_ALL,
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
  // A spilling instruction may read or write any half: all of them are loaded and written back then.
  if (spills) for (const i of used) written.add(i);
  const all = [...used, ...written].filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b);
  const declare = all.length === 0 ? "" : `let ${all.map((i) => `r${i} = regs[${i}]`).join(", ")};`;
  return out
    .join("\n")
    .replace(LOAD_ALL, declare)
    .replaceAll(WRITE_BACK, storeLocals([...written].sort((a, b) => a - b)))
    .replaceAll(SPILL, storeLocals(all))
    .replaceAll(RELOAD, loadLocals(all));
}

const LOAD_ALL = "/*LOAD_ALL*/";
const WRITE_BACK = "/*WRITE_BACK*/";
const SPILL = "/*SPILL*/";
const RELOAD = "/*RELOAD*/";

/** Compiles a region (new Function: the code is made here from the templates and decoded constants only). */
export function compileRegion(blocks: readonly JitRegionBlock[], r: JitRegionInfo): JitBlockFn {
  const src = regionSource(blocks, r);
  const factory = new Function("H", src) as (h: typeof HELPERS) => JitBlockFn;
  return factory(HELPERS);
}
