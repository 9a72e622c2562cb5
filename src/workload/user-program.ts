import { type Assembled, Assembler } from "../entry/assembler.ts";

/** Where generated user programs are linked: the traditional x86-64 ELF text base. */
export const USER_TEXT_BASE = 0x400000n;

export interface UserImage {
  base: bigint;
  bytes: Uint8Array;
  entry: bigint;
  assembled: Assembled;
}

export interface LoopOptions {
  /** iterations of the loop body */
  count: number;
  /** user-mode instructions (`addq $1, %r12`, one cycle-class "alu" each) between two syscalls */
  gap: number;
}

/** One system call of a workload's loop body: number, argument set-up, and a label for reports. */
export interface SyscallStep {
  /** x86_64 system call number (Linux 3.1 numbering) */
  nr: number;
  name: string;
  /** AT&T statements that load rdi, rsi, rdx, r10, r8, r9 before `syscall` (may use %rbx, which the loop keeps) */
  args?: string;
  /** AT&T statements run after `syscall` (e.g. pass the result on in %rbx) */
  after?: string;
}

/**
 * Builds a user program: `count` iterations of the syscall steps, `gap` user instructions after each call,
 * then exit_group(0). The loop counter lives in %r15, which every path of the entry code preserves; %rbx is the
 * loop's to keep (e.g. an fd the prologue opened).
 */
export function buildSyscallLoop(
  steps: readonly SyscallStep[],
  opts: LoopOptions,
  data = "",
  /** AT&T statements run once before the loop (e.g. open a file and keep its fd in %rbx) */
  prologue = "",
): UserImage {
  if (!Number.isSafeInteger(opts.count) || opts.count < 1) {
    throw new RangeError(`count must be a positive integer, got ${opts.count}`);
  }
  if (!Number.isSafeInteger(opts.gap) || opts.gap < 0 || opts.gap > 100_000) {
    throw new RangeError(`gap must be an integer from 0 to 100000, got ${opts.gap}`);
  }
  const a = new Assembler({ base: USER_TEXT_BASE });
  const gap = "addq $1, %r12\n".repeat(opts.gap);
  let body = "";
  for (const s of steps) {
    body += `${s.args ?? ""}\nmovl $${s.nr}, %eax\nsyscall\n${s.after ?? ""}\n${gap}`;
  }
  a.asm(`
_start:
${prologue}
  movq $${opts.count}, %r15
  xorl %r12d, %r12d
loop:
${body}
  decq %r15
  jnz loop
  movl $231, %eax          # exit_group(0)
  xorl %edi, %edi
  syscall
  ud2                      # exit_group does not return
${data}
`);
  const assembled = a.assemble();
  return {
    base: assembled.base,
    bytes: assembled.bytes,
    entry: assembled.symbols.get("_start")!,
    assembled,
  };
}
