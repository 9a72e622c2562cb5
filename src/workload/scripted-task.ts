// A task whose system calls the host issues one at a time (the scenario runner's `call`). Every scripted task runs
// the same small user program: it parks in `sched_yield` until its mailbox (a page of its own user memory) holds a
// request, loads the number and six arguments from it, executes `syscall` — the real entry path, so the active
// design's check runs as for any other call — stores RAX back and parks again.
//
// Pausing the machine: a host probe on the program's `park` address (user mode, no guest instruction added)
//  - on the requesting task, once its result is stored: requests a stop and sets TIF_NEED_RESCHED. A probe's stop
//    request takes effect after the next kernel native, which is inside the park call (sys_sched_yield, or
//    `schedule` on the return path when the task's cgroup denies sched_yield), so the machine pauses in the kernel
//    and the next run resumes exactly there;
//  - on any other task: sets TIF_NEED_RESCHED (a host timer tick), so its park call reschedules even when its cgroup
//    denies sched_yield, and round-robin reaches the requesting task.

import { utf8Encode } from "../cpu/text-bytes.ts";
import { Assembler } from "../entry/assembler.ts";
import type { Machine } from "../kernel/machine.ts";
import { NR } from "../kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../kernel/task.ts";
import { TIF_NEED_RESCHED } from "../kernel/tif.ts";
import { USER_TEXT_BASE, type UserImage } from "./user-program.ts";

/** Byte offsets in the mailbox page (u64 slots). */
export const MBOX_PENDING = 0;
export const MBOX_NR = 8;
export const MBOX_ARGS = 16;
export const MBOX_RESULT = 64;
export const MBOX_SERVED = 72;
/** String arguments are copied here (NUL-terminated, one after another) and passed as pointers. */
export const MBOX_STRINGS = 128;
export const MBOX_SIZE = 4096;
/** Bytes available to one call's string arguments, NULs included. */
export const MBOX_STRINGS_SIZE = MBOX_SIZE - MBOX_STRINGS;

/** Instructions one call may take, all tasks together, before it is reported as unfinished. */
export const CALL_BUDGET = 2_000_000;

const ARG_REGS = ["rdi", "rsi", "rdx", "r10", "r8", "r9"] as const;

let cached: (UserImage & { park: number; mailbox: number }) | null = null;

/** The scripted program (assembled once; every scripted task gets its own copy of the image). */
export function scriptedProgram(): UserImage & { park: number; mailbox: number } {
  if (cached !== null) return cached;
  const loads = ARG_REGS.map((r, i) => `\tmovq mailbox+${MBOX_ARGS + 8 * i}(%rip), %${r}`).join("\n");
  const a = new Assembler({ base: USER_TEXT_BASE })
    .asm(`
_start:
park:
	movl $${NR.sched_yield}, %eax      # the park call: give the CPU away until a request is pending
	syscall
	cmpq $0, mailbox+${MBOX_PENDING}(%rip)
	je park
	movq $0, mailbox+${MBOX_PENDING}(%rip)
${loads}
	movq mailbox+${MBOX_NR}(%rip), %rax
	syscall                            # the requested call
	movq %rax, mailbox+${MBOX_RESULT}(%rip)
	incq mailbox+${MBOX_SERVED}(%rip)
	jmp park
	.align 4096
mailbox:
	.zero ${MBOX_SIZE}
`)
    .assemble();
  cached = {
    base: a.base,
    bytes: a.bytes,
    entry: a.symbols.get("_start")!,
    assembled: a,
    park: Number(a.symbols.get("park")!),
    mailbox: Number(a.symbols.get("mailbox")!),
  };
  return cached;
}

/** A syscall argument: an integer (taken modulo 2^64) or a string placed in the mailbox and passed by address. */
export type ScriptedArg = bigint | { string: string };

export type CallOutcome =
  | { kind: "returned"; value: bigint }
  | { kind: "exited"; status: number }
  | { kind: "killed"; signal: number }
  | { kind: "unfinished"; instructions: number }
  | { kind: "oops"; message: string };

interface Request {
  task: Task;
  served: bigint;
  stopAsked: boolean;
}

/** Creates scripted tasks on a machine and runs their calls one at a time. */
export class ScriptedTasks {
  private readonly m: Machine;
  private readonly prog = scriptedProgram();
  private req: Request | null = null;

  constructor(m: Machine) {
    this.m = m;
    for (const cpu of m.cpus) cpu.addProbe(this.prog.park, () => this.atPark());
  }

  /** A new scripted task; with a parent, a host-side fork (the parent's cgroup, credentials, files and cwd). */
  spawn(name: string, parent?: Task): Task {
    const { base, bytes, entry } = this.prog;
    return this.m.createTask(
      parent !== undefined
        ? { name, image: { base, bytes, entry }, parent }
        : { name, image: { base, bytes, entry } },
    );
  }

  /** Task `task` executes syscall `nr` with `args` (at most six) through the entry path; the machine then pauses. */
  call(task: Task, nr: bigint, args: readonly ScriptedArg[]): CallOutcome {
    if (args.length > 6) throw new Error(`call: at most 6 arguments, got ${args.length}`);
    if (task.exited) throw new Error(`call: task ${task.pid} has exited`);
    if (this.m.oops !== null) return { kind: "oops", message: this.m.oops };
    const s = task.space;
    const mb = this.prog.mailbox;
    let str = mb + MBOX_STRINGS;
    const values = args.map((a) => {
      if (typeof a === "bigint") return BigInt.asUintN(64, a);
      const bytes = utf8Encode(`${a.string}\0`);
      if (str + bytes.length > mb + MBOX_SIZE)
        throw new Error(`call: string arguments exceed ${MBOX_STRINGS_SIZE} bytes`);
      s.writeBytes(str, bytes);
      const at = BigInt(str);
      str += bytes.length;
      return at;
    });
    for (let i = 0; i < 6; i++) s.write64(mb + MBOX_ARGS + 8 * i, values[i] ?? 0n);
    s.write64(mb + MBOX_NR, BigInt.asUintN(64, nr));
    s.write64(mb + MBOX_PENDING, 1n);
    this.req = { task, served: s.read64(mb + MBOX_SERVED), stopAsked: false };
    try {
      const r = this.m.run({ maxInstructions: CALL_BUDGET });
      if (r.reason === "fault") return { kind: "oops", message: this.m.oops ?? "kernel fault" };
      if (task.exited)
        return task.killedBy !== null
          ? { kind: "killed", signal: task.killedBy }
          : { kind: "exited", status: task.exitCode ?? 0 };
      if (s.read64(mb + MBOX_SERVED) === this.req.served) {
        s.write64(mb + MBOX_PENDING, 0n);
        return { kind: "unfinished", instructions: r.instructions };
      }
      return { kind: "returned", value: BigInt.asIntN(64, s.read64(mb + MBOX_RESULT)) };
    } finally {
      this.req = null;
    }
  }

  private atPark(): void {
    const req = this.req;
    const t = this.m.sched.current;
    if (req === null || t === null || req.stopAsked) return;
    const mb = this.prog.mailbox;
    const done = req.task.exited || req.task.space.read64(mb + MBOX_SERVED) !== req.served;
    if (done) {
      req.stopAsked = true;
      this.m.cpu.requestStop("scripted call done");
      t.tif.set(TIF_NEED_RESCHED);
    } else if (t !== req.task || t.space.read64(mb + MBOX_PENDING) === 0n) {
      t.tif.set(TIF_NEED_RESCHED);
    }
  }
}
