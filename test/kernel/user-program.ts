// Test helper: tiny user programs assembled at 0x400000 and run on a booted Machine.
import { Assembler } from "../../src/entry/assembler.ts";
import { type BootOptions, Machine, type RunResult, type UserImage } from "../../src/kernel/machine.ts";
import type { Task } from "../../src/kernel/task.ts";

export const USER_BASE = 0x400000;

/** Assemble `text` (entry label `_start`, else the base) into a user image. */
export function userImage(text: string, base = USER_BASE): UserImage & { symbols: Map<string, bigint> } {
  const a = new Assembler({ base }).asm(text).assemble();
  return {
    base: BigInt(base),
    bytes: a.bytes,
    entry: a.symbols.get("_start") ?? BigInt(base),
    symbols: a.symbols,
  };
}

/** `exit(code)` */
export const EXIT = (code: number | string) => `movl $60, %eax\nmovl $${code}, %edi\nsyscall`;

export interface Ran {
  m: Machine;
  t: Task;
  r: RunResult;
  sym: (name: string) => number;
  /** u64 at a user label (+ offset) of the task */
  q: (label: string, off?: number) => bigint;
}

/** Boot, create one task running `text`, optionally adjust it, run to completion. */
export function runProgram(text: string, opts: BootOptions = {}, setup?: (t: Task, m: Machine) => void): Ran {
  const m = Machine.boot(opts);
  const img = userImage(text);
  const t = m.createTask({ name: "test", image: img });
  setup?.(t, m);
  const r = m.run({ maxInstructions: 1_000_000 });
  const sym = (name: string) => {
    const v = img.symbols.get(name);
    if (v === undefined) throw new Error(`no user symbol ${name}`);
    return Number(v);
  };
  return { m, t, r, sym, q: (label, off = 0) => t.space.read64(sym(label) + off) };
}

export type Arg = number | bigint | string;
export interface Call {
  nr: number;
  args?: Arg[];
}

const SYSCALL_ARG_REGS = ["rdi", "rsi", "rdx", "r10", "r8", "r9"];

/** One syscall: numbers are immediates, strings are user labels (their address). */
export function syscallText(c: Call): string {
  const lines = (c.args ?? []).map((a, i) => {
    const r = SYSCALL_ARG_REGS[i]!;
    if (typeof a === "string") return `leaq ${a}(%rip), %${r}`;
    return `movabsq $0x${BigInt.asUintN(64, BigInt(a)).toString(16)}, %${r}`;
  });
  lines.push(`movq $${c.nr}, %rax`, "syscall");
  return lines.join("\n");
}

/**
 * A program making `calls` in order, storing each RAX at results+8*i, then exit(0); `data` is appended
 * (labels for buffers and strings).
 */
export function callsProgram(calls: Call[], data = ""): string {
  const body = calls.map((c, i) => `${syscallText(c)}\nmovq %rax, results+${8 * i}(%rip)`).join("\n");
  return `_start:\n${body}\n${EXIT(0)}\n.align 8\nresults: .zero ${8 * Math.max(calls.length, 1)}\n${data}\n`;
}

/** RAX of call i as a signed number. */
export function result(ran: Ran, i: number): number {
  return Number(BigInt.asIntN(64, ran.q("results", 8 * i)));
}
