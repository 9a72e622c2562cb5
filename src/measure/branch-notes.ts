// Why a conditional branch of the entry code went the way it did. One explainer for `trace` in the terminal and
// the web stepper (web/): before an instruction that sets the flags (test, and, cmp, bt) runs, `flagSetter` reads
// its operands; at the next conditional jump `explainBranch` states the values, the outcome and, for the checks
// whose reason is not in the numbers (the opportunistic-SYSRET conditions of the 5.x entry), the reason.
import { GPR_NAMES } from "../cpu/registers.ts";
import {
  _TIF_ALLWORK_MASK,
  _TIF_DO_NOTIFY_MASK,
  _TIF_SYSCALL_AUDIT,
  _TIF_WORK_MASK,
  _TIF_WORK_SYSCALL_ENTRY,
  _TIF_WORK_SYSCALL_EXIT,
  TIF_NAMES,
} from "../kernel/tif.ts";

/** The masks the 3.1 entry code tests, by value, so an `andl %edi,%edx` can be named. */
const MASKS: ReadonlyMap<number, string> = new Map([
  [_TIF_WORK_SYSCALL_ENTRY, "_TIF_WORK_SYSCALL_ENTRY"],
  [(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT) >>> 0, "_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT"],
  [_TIF_ALLWORK_MASK, "_TIF_ALLWORK_MASK"],
  [(_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_AUDIT) >>> 0, "_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_AUDIT"],
  [_TIF_WORK_MASK, "_TIF_WORK_MASK"],
  [_TIF_WORK_SYSCALL_EXIT, "_TIF_WORK_SYSCALL_EXIT"],
  [_TIF_DO_NOTIFY_MASK, "_TIF_DO_NOTIFY_MASK"],
]);

/** Reasons the numbers do not show, keyed by the flag-setting instruction's source text (and the one before it). */
const WHY: ReadonlyArray<{ src: RegExp; prev?: RegExp; why: string }> = [
  {
    src: /^cmpq %rcx, %r11$/,
    prev: /^movq RIP\(%rsp\), %r11$/,
    why: "SYSRET returns to RCX, so the saved RIP must equal RCX",
  },
  {
    src: /^cmpq %rcx, %r11$/,
    why: "RCX must be canonical: SYSRET to a non-canonical RIP faults in kernel mode on Intel",
  },
  { src: /^cmpq \$__USER_CS, CS\(%rsp\)$/, why: "SYSRET can only load __USER_CS" },
  {
    src: /^cmpq %r11, EFLAGS\(%rsp\)$/,
    why: "SYSRET restores RFLAGS from R11, so the saved EFLAGS must equal R11",
  },
  {
    src: /^testq \$\(X86_EFLAGS_RF\|X86_EFLAGS_TF\), %r11$/,
    why: "SYSRET cannot restore RF, and TF would trap on the first user instruction",
  },
  { src: /^cmpq \$__USER_DS, SS\(%rsp\)$/, why: "SYSRET loads SS = __USER_DS" },
  { src: /^testl \$3, CS-ARGOFFSET\(%rsp\)$/, why: "CS's RPL is 3 when the frame returns to user mode" },
  { src: /^cmpq \$-1, %rax$/, why: "-1: the entry work (seccomp, ptrace) asked to skip the call" },
  { src: /^cmpq \$NR_syscalls, %rdx$/, why: "a number past the table is not a 64-bit syscall" },
  { src: /^cmpq \$__NR_syscall_max, %rax$/, why: "a number past the table goes to badsys (-ENOSYS)" },
];

export function tifBits(v: number, tifNames: Readonly<Record<number, string>> = TIF_NAMES): string {
  const names: string[] = [];
  for (let b = 0; b < 32; b++) {
    if ((v >>> b) & 1) names.push((tifNames[b] ?? `bit${b}`).replace(/^TIF_/, ""));
  }
  return names.length ? names.join("|") : "none";
}

const hex = (v: number | bigint) => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

/** What the flag-setting instruction compared, read before it ran. */
export interface FlagSetter {
  /** the source line (symbolic: `testl $_TIF_WORK_SYSCALL_ENTRY, TI_flags(%rcx)`), or the disassembly */
  src: string;
  /** "bit": `bt`; "mask": test/and; "cmp": cmp; "other": any other flag-setter */
  kind: "bit" | "mask" | "cmp" | "other";
  /** bt: the bit number; mask: the mask; cmp: the immediate or the source operand */
  a: bigint;
  /** bt: the bit's value; mask: operand & mask; cmp: the destination operand */
  b: bigint;
  /** a name for `a`: a TIF bit or a mask's symbolic name */
  name: string;
  why: string;
  /** thread_info bit names (Linux's and the design's own) */
  tifNames: Readonly<Record<number, string>>;
}

export interface OperandReader {
  /** a GPR's 64-bit value before the instruction */
  reg(index: number): bigint;
  /** `n` bytes at a kernel virtual address (little endian), or null when unmapped */
  mem(addr: bigint, n: 4 | 8): bigint | null;
  /** thread_info bit names, the design's own flags included (default Linux 3.1's) */
  tifNames?: Readonly<Record<number, string>>;
}

const REG_INDEX = new Map<string, number>();
GPR_NAMES.forEach((n, i) => {
  REG_INDEX.set(n, i);
});
const SUB32: Record<string, string> = {
  eax: "rax",
  ecx: "rcx",
  edx: "rdx",
  ebx: "rbx",
  esp: "rsp",
  ebp: "rbp",
  esi: "rsi",
  edi: "rdi",
};

/** The value of an AT&T operand of the disassembly (`%edx`, `$0x3`, `0x10(%rcx)`), or null if not readable. */
function operand(op: string, width: 4 | 8, r: OperandReader): bigint | null {
  const mask = width === 4 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  if (op.startsWith("$")) return BigInt.asUintN(64, num(op.slice(1))) & mask;
  const reg = /^%(\w+)$/.exec(op);
  if (reg) {
    const name = reg[1]!;
    const full = SUB32[name] ?? (/^r\d+d$/.test(name) ? name.slice(0, -1) : name);
    const i = REG_INDEX.get(full);
    return i === undefined ? null : r.reg(i) & mask;
  }
  const mem = /^(-?0x[0-9a-f]+|-?\d+)?\(%(\w+)\)$/.exec(op);
  if (mem) {
    const i = REG_INDEX.get(mem[2]!);
    if (i === undefined) return null;
    const disp = mem[1] === undefined ? 0n : num(mem[1]);
    return r.mem(BigInt.asUintN(64, r.reg(i) + disp), width);
  }
  return null;
}

/** BigInt of a signed decimal or hex literal ("-0x10": BigInt alone rejects a signed hex string). */
function num(s: string): bigint {
  return s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
}

function splitOperands(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

const FLAG_SETTER = /^(test|and|cmp|bt|sub|add|or|xor|dec|inc)[bwlq]?\b/;

/** Whether the instruction sets the arithmetic flags a following conditional jump reads. */
export function setsFlags(disasm: string): boolean {
  return FLAG_SETTER.test(disasm);
}

/**
 * Reads the operands of a flag-setting instruction before it runs. `src` is its source line when the assembler
 * kept one (kernel text), else the disassembly; `prevSrc` is the instruction before it.
 */
export function flagSetter(disasm: string, src: string, prevSrc: string, r: OperandReader): FlagSetter {
  const m = /^([a-z]+?)([bwlq]?) (.*)$/.exec(disasm);
  const why = WHY.find((w) => w.src.test(src) && (w.prev === undefined || w.prev.test(prevSrc)))?.why ?? "";
  const tifNames = r.tifNames ?? TIF_NAMES;
  const base = { src, why, tifNames };
  if (!m) return { ...base, kind: "other", a: 0n, b: 0n, name: "" };
  const [, op, suffix, rest] = m as unknown as [string, string, string, string];
  const width: 4 | 8 = suffix === "q" || /%r[a-z0-9]+\b(?!d)/.test(rest) ? 8 : 4;
  const ops = splitOperands(rest);
  const srcOps = splitOperands(src.replace(/^\S+\s*/, ""));
  const srcImm = /^\$\(?[A-Za-z_]/.test(srcOps[0] ?? "")
    ? srcOps[0]!.slice(1).replace(/^\((.*)\)$/, "$1")
    : "";
  if (op === "bt" && ops.length === 2) {
    const bit = operand(ops[0]!, 8, r);
    const memOp = /\(/.test(ops[1]!);
    if (bit !== null && memOp && !ops[0]!.startsWith("$")) {
      // bt reg, mem addresses a bit string: byte (offset >> 3) from the operand, bit (offset & 7) of it
      const off = BigInt.asIntN(64, bit);
      const at = /^(-?0x[0-9a-f]+|-?\d+)?\(%(\w+)\)$/.exec(ops[1]!);
      const i = at ? REG_INDEX.get(at[2]!) : undefined;
      if (at && i !== undefined) {
        const ea = BigInt.asUintN(64, r.reg(i) + (at[1] === undefined ? 0n : num(at[1])) + (off >> 3n));
        const byte = r.mem(ea, 4);
        if (byte !== null) {
          const where = srcOps[1] ?? ops[1]!;
          return {
            ...base,
            kind: "bit",
            a: off,
            b: (byte >> (off & 7n)) & 1n,
            name: `bit ${off} of ${where}`,
          };
        }
      }
    }
    const val = operand(ops[1]!, width, r);
    if (bit !== null && val !== null) {
      const n = Number(bit & (width === 8 ? 63n : 31n));
      const tif = /TIF|flags|%edx|%esi|%ebx/.test(src) || ops[0]!.startsWith("$");
      const name = tif ? (tifNames[n] ?? (srcImm || `bit ${n}`)) : `bit ${n} of ${srcOps[1] ?? ops[1]!}`;
      return { ...base, kind: "bit", a: BigInt(n), b: (val >> BigInt(n)) & 1n, name };
    }
  }
  if ((op === "test" || op === "and") && ops.length === 2) {
    const a = operand(ops[0]!, width, r);
    const b = operand(ops[1]!, width, r);
    if (a !== null && b !== null) {
      const imm = ops[0]!.startsWith("$");
      const name = srcImm || MASKS.get(Number(a)) || (imm ? hex(a) : ops[0]!);
      return { ...base, kind: "mask", a, b: a & b, name };
    }
  }
  if (op === "cmp" && ops.length === 2) {
    const a = operand(ops[0]!, width, r);
    const b = operand(ops[1]!, width, r);
    if (a !== null && b !== null) return { ...base, kind: "cmp", a, b, name: srcImm || ops[0]! };
  }
  return { ...base, kind: "other", a: 0n, b: 0n, name: "" };
}

/** RFLAGS bits a conditional jump reads. */
const CF = 1 << 0;
const ZF = 1 << 6;
const SF = 1 << 7;
const OF = 1 << 11;

const signed = (v: bigint, width: 4 | 8) => (width === 4 ? BigInt.asIntN(32, v) : BigInt.asIntN(64, v));

/**
 * The note for a conditional jump: what was compared, the values, and where it went. `target` is the label the
 * jump names; `taken` whether it jumped; `rflags` the flags the jump read.
 */
export function explainBranch(
  p: FlagSetter | null,
  jump: string,
  target: string,
  taken: boolean,
  rflags: number,
): string {
  const to = taken ? `→ ${target}` : "→ fall through";
  const why = p?.why ? ` (${p.why})` : "";
  if (p === null || p.kind === "other") {
    const f = [`CF=${rflags & CF ? 1 : 0}`, `ZF=${rflags & ZF ? 1 : 0}`, `SF=${rflags & SF ? 1 : 0}`];
    if (rflags & OF) f.push("OF=1");
    return `${p ? `after ${p.src}: ` : ""}${f.join(" ")}, ${jump} ${taken ? "taken" : "not taken"} ${to}${why}`;
  }
  if (p.kind === "bit") return `${p.name} is ${p.b ? "set" : "clear"} ${to}${why}`;
  if (p.kind === "mask") {
    const tif = /TIF/.test(p.name) || MASKS.has(Number(p.a));
    const bits = p.b !== 0n && tif ? ` [${tifBits(Number(p.b), p.tifNames)}]` : "";
    const operandSrc = splitOperands(p.src.replace(/^\S+\s*/, ""))[1] ?? "";
    const flagsWord = /TI_flags|TI_syscall_work/.test(operandSrc) || /^%e?(dx|si|bx)$/.test(operandSrc);
    const what = flagsWord ? (/SYSCALL_WORK/.test(p.name) ? "syscall_work" : "flags") : operandSrc || "value";
    return `${what} & ${p.name} = ${hex(p.b)}${bits} ${to}${why}`;
  }
  // cmp: AT&T `cmp a, b` compares b with a
  const unsignedJump = /^j(a|ae|b|be|nb|nc|c|nae|nbe|na)\b/.test(jump);
  const width: 4 | 8 = 8;
  const bv = unsignedJump ? p.b : signed(p.b, width);
  const av = unsignedJump ? p.a : signed(p.a, width);
  const rel = bv === av ? "=" : bv < av ? "<" : ">";
  if (/__NR_syscall_max|NR_syscalls/.test(p.name)) {
    const nr = signed(p.b, 8);
    return `nr ${nr} ${rel} ${av} (${p.name}) ${to}${why}`;
  }
  const show = (v: bigint) => (v < 0n ? String(v) : hex(v));
  const [opA, opB] = splitOperands(p.src.replace(/^\S+\s*/, ""));
  const name = (op: string | undefined) => (op === undefined ? "" : `${op.replace(/^\$/, "")} `);
  return `${name(opB)}${show(bv)} ${rel} ${name(opA)}${show(av)} ${to}${why}`;
}
