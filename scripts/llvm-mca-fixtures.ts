// Builds test/fixtures/llvm-mca/blocks.json: basic blocks with llvm-mca's steady-state cycles per iteration, the
// oracle of test/cpu/timing/llvm-mca.test.ts. Needs GNU as, objcopy, nm and llvm-mca (apt-get install llvm);
// the test needs none of them. Run: npx tsx scripts/llvm-mca-fixtures.ts
//
// Blocks come from four sets:
//   entry-*       every block of the assembled entry code (linux-3.1, linux-generic, linux-generic with PTI):
//                 one block from each label and from each instruction after a block end, up to the block end;
//   bpf-jit       blocks of the shapes the x86-64 seccomp BPF JIT emits (bpf_jit_comp.c for converted cBPF:
//                 loads of seccomp_data fields, compare-and-branch, AND/TEST jumps, returns, prologue/epilogue);
//   generated     random mixes of ALU, loads, stores, read-modify-write, dependent and independent chains,
//                 IMUL, shifts, LEA, PUSH/POP (seeded, reproducible);
//   calibration   more generated blocks with another seed: the only set used to choose a modelling rule
//                 (docs/validation.md says which); never part of the validation figures.
//
// llvm-mca sees each block with three edits, all to do with what LLVM 14's X86 model does not model (its own
// warnings name two): PUSH r/imm and POP r become the MOV to/from the stack the stack engine leaves of them,
// CALL becomes the store of its return address plus a JMP, RET becomes JMP *(%rsp); the final branch's target
// is a label. Each region runs 100 and 200 iterations; the fixture keeps (cycles(200) - cycles(100)) / 100,
// the steady state without the pipeline fill.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Mnemonic, OpKind } from "iced-x86";
import { DecodedInsns } from "../src/cpu/decoded.ts";
import { decodeInsn } from "../src/cpu/decoder.ts";
import { blockEnds } from "../src/cpu/timing/block-table.ts";
import { priceBlockBytes } from "../src/cpu/timing/timing-model.ts";
import { Machine } from "../src/kernel/machine.ts";
import { getProfile } from "../src/measure/profile.ts";

interface Block {
  id: string;
  set: string;
  hex: string;
  asm: string;
}

const MCPU = "cascadelake";
const blocks: Block[] = [];

// ---------- AT&T text of bytes (iced-x86), with the stack-engine rewrites ----------
function disasm(bytes: Uint8Array, base: bigint): { text: string[]; lens: number[] } {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = base;
  const fmt = new Formatter(FormatterSyntax.Gas);
  const text: string[] = [];
  const lens: number[] = [];
  while (dec.canDecode) {
    const ins = dec.decode();
    lens.push(ins.length);
    const m = ins.mnemonic;
    const mem = ins.op0Kind === OpKind.Memory;
    let line = fmt.format(ins);
    if (ins.isJccShortOrNear || ins.isJmpShortOrNear) {
      line = `${line.split(/\s+/)[0]} .Ltarget`;
    } else if (ins.isCallNear || ins.isCallNearIndirect) {
      const target = ins.isCallNear ? ".Ltarget" : line.replace(/^call\w*\s+/, "");
      line = `movq $0,-8(%rsp)\njmp ${target}`;
    } else if (m === Mnemonic.Ret) {
      line = "jmpq *-8(%rsp)";
    } else if (m === Mnemonic.Push && !mem && ins.op0Kind !== OpKind.Memory) {
      const src = line.replace(/^push\w*\s+/, "");
      line = src.startsWith("%") ? `movq ${src},-8(%rsp)` : `movq ${src},-8(%rsp)`;
    } else if (m === Mnemonic.Pop && !mem) {
      line = `movq -8(%rsp),${line.replace(/^pop\w*\s+/, "")}`;
    }
    text.push(line);
  }
  return { text, lens };
}

// The out-of-order part of a block only: instructions the model charges their own class cost (serialising,
// microcoded, locked) are left out of llvm-mca's input, and a block of nothing else is not a test case.
const COSTS = getProfile("cascadelake-2022").costs;
function add(set: string, id: string, bytes: Uint8Array, base = 0x1000n): void {
  const { text } = disasm(bytes, base);
  const priced = priceBlockBytes(bytes, COSTS);
  if (priced.count !== text.length)
    throw new Error(`${id}: the block decodes to ${priced.count} instructions, iced to ${text.length}`);
  const kept = text.filter((_t, i) => !priced.fixedAt[i]);
  if (kept.length === 0) return;
  blocks.push({ id, set, hex: Buffer.from(bytes).toString("hex"), asm: kept.join("\n") });
}

// ---------- entry code ----------
function entryBlocks(set: string, boot: Parameters<typeof Machine.boot>[0]): void {
  const m = Machine.boot(boot);
  const kt = m.kernelText;
  const code = kt.lines.filter(
    (l) => !/^\.(quad|long|word|byte|ascii|zero|skip|fill|p2align|align)/.test(l.text.trim()),
  );
  const starts = new Set<bigint>();
  for (const a of kt.labels.values()) starts.add(a);
  const d = new DecodedInsns(1);
  const isInsn = new Map<bigint, AssembledInsn>();
  for (const l of code) {
    if (l.size === 0) continue;
    const off = Number(l.addr - kt.base);
    const b = kt.bytes.subarray(off, off + l.size);
    const buf = new Uint8Array(16);
    buf.set(b);
    try {
      decodeInsn(buf, l.size, d, 0);
    } catch {
      continue;
    }
    if (d.len[0] !== l.size || d.op[0] === 0) continue;
    isInsn.set(l.addr, { addr: l.addr, size: l.size, op: d.op[0]! });
  }
  const sorted = [...isInsn.values()].sort((a, b) => (a.addr < b.addr ? -1 : 1));
  for (const i of sorted) if (blockEnds(i.op)) starts.add(i.addr + BigInt(i.size));
  let k = 0;
  const seen = new Set<string>();
  for (const s of [...starts].sort((a, b) => (a < b ? -1 : 1))) {
    let a = s;
    const parts: number[] = [];
    let ended = false;
    while (isInsn.has(a) && parts.length < 200) {
      const i = isInsn.get(a)!;
      parts.push(i.size);
      a += BigInt(i.size);
      if (blockEnds(i.op)) {
        ended = true;
        break;
      }
    }
    if (parts.length === 0 || !ended) continue;
    const off = Number(s - kt.base);
    const len = parts.reduce((x, y) => x + y, 0);
    const bytes = kt.bytes.slice(off, off + len);
    const key = Buffer.from(bytes).toString("hex");
    if (seen.has(key)) continue; // the same bytes (a macro expanded twice) once per set
    seen.add(key);
    add(set, `${set}-${k++}`, bytes, s);
  }
}
interface AssembledInsn {
  addr: bigint;
  size: number;
  op: number;
}

// ---------- seeded generator ----------
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const R64 = [
  "%rax",
  "%rbx",
  "%rcx",
  "%rdx",
  "%rsi",
  "%rdi",
  "%r8",
  "%r9",
  "%r10",
  "%r11",
  "%r12",
  "%r13",
  "%r14",
  "%r15",
];
const R32: Record<string, string> = {
  "%rax": "%eax",
  "%rbx": "%ebx",
  "%rcx": "%ecx",
  "%rdx": "%edx",
  "%rsi": "%esi",
  "%rdi": "%edi",
  "%r8": "%r8d",
  "%r9": "%r9d",
  "%r10": "%r10d",
  "%r11": "%r11d",
  "%r12": "%r12d",
  "%r13": "%r13d",
  "%r14": "%r14d",
  "%r15": "%r15d",
};
const R8: Record<string, string> = { "%rax": "%al", "%rbx": "%bl", "%rcx": "%cl", "%rdx": "%dl" };
const JCC = ["je", "jne", "jb", "jae", "jl", "jge", "jle", "jg", "ja", "jbe", "js", "jns"];

function generated(r: () => number): string[] {
  const n = 3 + Math.floor(r() * 16);
  // a narrow register set makes dependent chains, a wide one independent ones
  const regs = r() < 0.4 ? R64.slice(0, 2 + Math.floor(r() * 2)) : R64.filter((x) => x !== "%rcx");
  const base = pick(r, ["%rdi", "%rsi", "%rbp", "%rsp", "%r12"]);
  const reg = () =>
    pick(
      r,
      regs.filter((x) => x !== base),
    );
  const disp = () => 8 * Math.floor(r() * 32);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = reg();
    const b = reg();
    const alu = pick(r, ["add", "sub", "and", "or", "xor", "cmp", "test"]);
    switch (Math.floor(r() * 20)) {
      case 0:
      case 1:
      case 2:
        out.push(`${alu}q ${b},${a}`);
        break;
      case 3:
        out.push(`${alu === "test" ? "and" : alu}q $${1 + Math.floor(r() * 1000)},${a}`);
        break;
      case 4:
        out.push(`movq ${b},${a}`);
        break;
      case 5:
        out.push(`movl $${Math.floor(r() * 100000)},${R32[a]}`);
        break;
      case 6:
      case 7:
        out.push(`movq ${disp()}(${base}),${a}`);
        break;
      case 8:
        out.push(`movq ${a},${disp()}(${base})`);
        break;
      case 9:
        out.push(`${alu === "test" || alu === "cmp" ? "add" : alu}q ${a},${disp()}(${base})`);
        break;
      case 10:
        out.push(`${alu}q ${disp()}(${base}),${a}`);
        break;
      case 11:
        out.push(r() < 0.5 ? `imulq ${b},${a}` : `imulq $${3 + Math.floor(r() * 100)},${b},${a}`);
        break;
      case 12:
        out.push(
          r() < 0.7
            ? `${pick(r, ["shl", "shr", "sar", "rol", "ror"])}q $${1 + Math.floor(r() * 63)},${a}`
            : `${pick(r, ["shl", "shr", "sar"])}q %cl,${a}`,
        );
        break;
      case 13:
        out.push(
          pick(r, [
            `leaq ${disp()}(${b}),${a}`,
            `leaq (${b},${reg()}),${a}`,
            `leaq ${disp() + 8}(${b},${reg()},4),${a}`,
          ]),
        );
        break;
      case 14:
        out.push(`pushq ${a}`);
        if (r() < 0.7) out.push(`popq ${reg()}`);
        break;
      case 15:
        out.push(pick(r, [`incq ${a}`, `decq ${a}`, `negq ${a}`, `notq ${a}`]));
        break;
      case 16:
        out.push(
          pick(r, [
            `movzbl ${disp()}(${base}),${R32[a]}`,
            `movslq ${R32[b]},${a}`,
            `movzwl ${disp()}(${base}),${R32[a]}`,
          ]),
        );
        break;
      case 17: {
        const c = pick(r, ["e", "ne", "l", "g", "b", "a"]);
        out.push(r() < 0.5 ? `cmov${c}q ${b},${a}` : `set${c} ${R8[pick(r, ["%rax", "%rbx", "%rdx"])]}`);
        break;
      }
      case 18:
        out.push(
          pick(r, [`bswapq ${a}`, `btq $${Math.floor(r() * 64)},${a}`, `xorl ${R32[a]},${R32[a]}`, "cltq"]),
        );
        break;
      default:
        out.push(`movq ${a},${disp()}(${base})`);
    }
  }
  const end = r();
  if (end < 0.45) {
    out.push(`${pick(r, ["cmp", "test", "and", "sub", "add"])}q ${reg()},${reg()}`);
    out.push(`${pick(r, JCC)} 1f`);
  } else if (end < 0.55) out.push("jmp 1f");
  else if (end < 0.6) out.push("ret");
  return out;
}

function bpfShape(r: () => number): string[] {
  const field = () => pick(r, [0, 4, 8, 12, 16, 24, 32, 40, 48, 56]);
  const imm = () => Math.floor(r() * 400);
  const ctx = pick(r, ["%rdi", "%rbx"]);
  const j = () => pick(r, ["jne", "je", "ja", "jae", "jbe", "jb"]);
  switch (Math.floor(r() * 9)) {
    case 0: // ld [k]; jeq #imm
      return [
        `movl 0x${field().toString(16)}(${ctx}),%eax`,
        `cmpl $0x${imm().toString(16)},%eax`,
        `${j()} 1f`,
      ];
    case 1: // jeq #imm (after a load in another block)
      return [`cmpl $0x${imm().toString(16)},%eax`, `${j()} 1f`];
    case 2: // ld [k]; and #mask; jeq
      return [
        `movl 0x${field().toString(16)}(${ctx}),%eax`,
        `andl $0x${imm().toString(16)},%eax`,
        "testl %eax,%eax",
        `${pick(r, ["je", "jne"])} 1f`,
      ];
    case 3: // jset
      return [`testl $0x${(1 << Math.floor(r() * 31)).toString(16)},%eax`, `${pick(r, ["je", "jne"])} 1f`];
    case 4: // ret #k (epilogue)
      return [
        `movl $0x${(Math.floor(r() * 8) << 16).toString(16)},%eax`,
        "popq %r15",
        "popq %r14",
        "popq %r13",
        "popq %rbx",
        "leave",
        "ret",
      ];
    case 5: // ret #k (short)
      return [`movl $0x${(Math.floor(r() * 8) << 16).toString(16)},%eax`, "leave", "ret"];
    case 6: // prologue
      return [
        "pushq %rbp",
        "movq %rsp,%rbp",
        `subq $0x${(8 * (1 + Math.floor(r() * 16))).toString(16)},%rsp`,
        "pushq %rbx",
        "pushq %r13",
        "pushq %r14",
        "pushq %r15",
        "movq %rdi,%rbx",
        "xorl %eax,%eax",
        "xorl %r13d,%r13d",
        `movl 0x${field().toString(16)}(%rbx),%eax`,
        `cmpl $0x${imm().toString(16)},%eax`,
        `${j()} 1f`,
      ];
    case 7: // ld [k]; shr; and; jgt (the arch or the argument-high-word checks)
      return [
        `movl 0x${field().toString(16)}(${ctx}),%eax`,
        `shrl $${1 + Math.floor(r() * 16)},%eax`,
        `andl $0x${imm().toString(16)},%eax`,
        `cmpl $0x${imm().toString(16)},%eax`,
        `${j()} 1f`,
      ];
    default: // scratch memory and X
      return [
        "movl %eax,%r13d",
        `movl %eax,-0x${(4 * (1 + Math.floor(r() * 16))).toString(16)}(%rbp)`,
        `movl 0x${field().toString(16)}(${ctx}),%eax`,
        "cmpl %r13d,%eax",
        `${j()} 1f`,
      ];
  }
}

function assembleAll(set: string, list: string[][], work: string): void {
  const src = list
    .map((ins, i) => `blk_${i}:\n${ins.map((l) => `  ${l.replace(/ 1f$/, " 9f")}`).join("\n")}\n9:\n`)
    .join("");
  const s = join(work, `${set}.s`);
  const o = join(work, `${set}.o`);
  const bin = join(work, `${set}.bin`);
  writeFileSync(s, `.text\n${src}blk_end:\n`);
  execFileSync("as", ["--64", "-o", o, s]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", o, bin]);
  const text = readFileSync(bin);
  const addr = new Map<string, number>();
  for (const line of execFileSync("nm", [o], { encoding: "utf8" }).split("\n")) {
    const m = /^([0-9a-f]+) \w (blk_\w+)$/.exec(line);
    if (m) addr.set(m[2]!, Number.parseInt(m[1]!, 16));
  }
  list.forEach((_ins, i) => {
    const a = addr.get(`blk_${i}`)!;
    const b = i + 1 < list.length ? addr.get(`blk_${i + 1}`)! : addr.get("blk_end")!;
    add(set, `${set}-${i}`, new Uint8Array(text.subarray(a, b)));
  });
}

function runMca(work: string, list: Block[], iterations: number): Map<string, number> {
  const s = join(work, `mca-${iterations}.s`);
  const body = list
    .map(
      (b) =>
        `# LLVM-MCA-BEGIN ${b.id}\n.Ltarget_${b.id.replace(/-/g, "_")}:\n${b.asm.replaceAll(".Ltarget", `.Ltarget_${b.id.replace(/-/g, "_")}`)}\n# LLVM-MCA-END\n`,
    )
    .join("");
  writeFileSync(s, body);
  const out = execFileSync(
    "llvm-mca",
    [`-mcpu=${MCPU}`, `-iterations=${iterations}`, "-all-views=false", "-summary-view", s],
    { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] },
  );
  const res = new Map<string, number>();
  let cur: string | null = null;
  for (const line of out.split("\n")) {
    const m = /^\[\d+\] Code Region - (\S+)/.exec(line);
    if (m) cur = m[1]!;
    const t = /^Total Cycles:\s+(\d+)/.exec(line);
    if (t && cur !== null) res.set(cur, Number(t[1]));
  }
  return res;
}

const work = mkdtempSync(join(tmpdir(), "llvm-mca-"));
entryBlocks("entry-linux-3.1", { flavour: "linux-3.1" });
entryBlocks("entry-linux-generic", { flavour: "linux-generic" });
entryBlocks("entry-linux-generic-pti", { flavour: "linux-generic", pti: true });
const rb = rng(0xb9f);
assembleAll(
  "bpf-jit",
  Array.from({ length: 1000 }, () => bpfShape(rb)),
  work,
);
const rg = rng(0x5eed);
assembleAll(
  "generated",
  Array.from({ length: 8000 }, () => generated(rg)),
  work,
);
const rc = rng(0xca1b);
assembleAll(
  "calibration",
  Array.from({ length: 200 }, () => generated(rc)),
  work,
);

const c100 = runMca(work, blocks, 100);
const c200 = runMca(work, blocks, 200);
const version = execFileSync("llvm-mca", ["--version"], { encoding: "utf8" })
  .split("\n")
  .find((l) => /LLVM version/.test(l))
  ?.trim();
const rows = blocks.map((b) => {
  const a = c100.get(b.id);
  const z = c200.get(b.id);
  if (a === undefined || z === undefined) throw new Error(`llvm-mca gave no cycles for ${b.id}:\n${b.asm}`);
  return { ...b, mca: (z - a) / 100 };
});
writeFileSync(
  "test/fixtures/llvm-mca/blocks.json",
  `${JSON.stringify(
    {
      generator: "scripts/llvm-mca-fixtures.ts",
      oracle: `llvm-mca -mcpu=${MCPU} (${version}); mca = (Total Cycles at 200 iterations - at 100) / 100`,
      blocks: rows,
    },
    null,
    1,
  )}\n`,
);
const counts = new Map<string, number>();
for (const b of rows) counts.set(b.set, (counts.get(b.set) ?? 0) + 1);
console.log(`${rows.length} blocks: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}`);
