// The scheduler of one CPU: deterministic round-robin over the runnable tasks of its own run queue (in the order
// they were placed on it), and the context switch (switch_mm + switch_to + __switch_to) done by the kernel on
// guest state: CR3, the kernel stack and RSP, the callee-saved registers, this CPU's per-cpu kernel_stack /
// old_rsp / current_task, FS base.
//
// A switched-out task's kernel stack holds the switch frame below its saved RSP (thread.sp), lowest first:
//   r15 r14 r13 r12 rbx rbp rflags <return address>
// (3.1's SAVE_CONTEXT pushes flags and rbp; schedule()'s own prologue saves the other callee-saved registers).
// A new task's frame returns into ret_from_fork with a prepared pt_regs above it.

import { pairToNumber } from "../cpu/address.ts";
import type { Cpu } from "../cpu/cpu.ts";
import { restoreFpuState, saveFpuState } from "../cpu/fpu-state.ts";
import {
  R8,
  R12,
  R13,
  R14,
  R15,
  RAX,
  RBP,
  RBX,
  RSP,
  CS as SREG_CS,
  SS as SREG_SS,
} from "../cpu/registers.ts";
import { FIXED1 } from "../cpu/rflags.ts";
import { PERCPU_current_task, PERCPU_kernel_stack, PERCPU_old_rsp } from "./percpu.ts";
import { __KERNEL_CS, __KERNEL_DS } from "./segment.ts";
import type { Task } from "./task.ts";
import { EXIT_ZOMBIE, TSK_state, TSK_thread_fs, TSK_thread_sp, TSK_thread_usersp } from "./task-struct.ts";
import { KERNEL_STACK_OFFSET } from "./thread-info.ts";
import { TIF_NEED_RESCHED } from "./tif.ts";

export const SWITCH_FRAME_REGS = [R15, R14, R13, R12, RBX, RBP] as const;
export const SWITCH_FRAME_RFLAGS = 6 * 8;
export const SWITCH_FRAME_RET = 7 * 8;
export const SWITCH_FRAME_SIZE = 8 * 8;

export class Scheduler {
  current: Task | null = null;
  /** context switches performed */
  switches = 0;
  /** what ran with no task current: the idle loop (and the tail of the last exit) */
  readonly idle = { userCycles: 0, sysCycles: 0, instret: 0 };
  private lastUser = 0;
  private lastSys = 0;
  private lastInstret = 0;
  /** scratch: one 64-bit value as int32 halves */
  private readonly halves = new Int32Array(2);

  constructor(
    private readonly cpu: Cpu,
    /** this CPU's run queue, in the order tasks were placed on it (Machine pushes; round-robin follows it) */
    readonly runQueue: readonly Task[],
    /** linear address of this CPU's per-cpu area */
    readonly percpu: number,
    /**
     * charged to the outgoing task just before every switch (switch_mm + __switch_to work, the FPU state switch);
     * `mm` tells whether the address space changes, which makes the cache/TLB refill due too
     */
    private readonly chargeSwitch: (mm: boolean) => void = () => {},
  ) {}

  /** Attribute the CPU's counters since the last call to the running task (utime/stime). */
  account(): void {
    const cpu = this.cpu;
    const a = this.current?.acct ?? this.idle;
    a.userCycles += cpu.userCycles - this.lastUser;
    a.sysCycles += cpu.sysCycles - this.lastSys;
    a.instret += cpu.instret - this.lastInstret;
    this.lastUser = cpu.userCycles;
    this.lastSys = cpu.sysCycles;
    this.lastInstret = cpu.instret;
  }

  /** Round-robin: the first runnable task after `after` in creation order, `after` itself last. */
  pickNext(after: Task | null): Task | null {
    const q = this.runQueue;
    const n = q.length;
    const start = after === null ? -1 : q.indexOf(after);
    for (let i = 1; i <= n; i++) {
      const t = q[(start + i + n) % n]!;
      if (t.state === "runnable") return t;
    }
    return null;
  }

  /** switch_to's save half: push the switch frame on prev's kernel stack (RSP points at the return address). */
  saveContext(prev: Task, resumeRax: number): void {
    const cpu = this.cpu;
    const ks = prev.space;
    // 64-bit values move as the register file's int32 halves (no BigInt): a switch per change of pid in a replay
    const regs = cpu.regs;
    const rsp = pairToNumber(regs[2 * RSP]!, regs[2 * RSP + 1]!);
    const sp = rsp - SWITCH_FRAME_RET;
    for (let i = 0; i < SWITCH_FRAME_REGS.length; i++) {
      const r = SWITCH_FRAME_REGS[i]!;
      ks.write64Halves(sp + 8 * i, regs[2 * r]!, regs[2 * r + 1]!);
    }
    ks.write64Number(sp + SWITCH_FRAME_RFLAGS, cpu.getRflags());
    prev.threadSp = sp;
    const h = this.halves;
    ks.read64Halves(this.percpu + PERCPU_old_rsp, h, 0);
    prev.usersp = pairToNumber(h[0]!, h[1]!);
    prev.fsBase = cpu.fsBase;
    prev.fpu = saveFpuState(cpu, prev.fpu ?? undefined); // switch_fpu_prepare (priced: chargeSwitch "switch_fpu")
    prev.resumeRax = resumeRax;
    ks.write64Number(prev.taskStruct + TSK_thread_sp, sp);
    ks.write64Number(prev.taskStruct + TSK_thread_usersp, prev.usersp);
    ks.write64Number(prev.taskStruct + TSK_thread_fs, prev.fsBase);
  }

  /**
   * switch_to's load half: next's address space, per-cpu variables, stack and callee-saved registers, then
   * continue at the return address of its switch frame. From a native the CPU is redirected there; otherwise
   * (host start, exception handler) RIP and the kernel-mode state are set directly.
   */
  loadContext(next: Task, fromNative: boolean): void {
    const cpu = this.cpu;
    this.chargeSwitch(cpu.cr3 !== next.space.cr3);
    this.account();
    if (cpu.cr3 !== next.space.cr3) cpu.cr3 = next.space.cr3;
    const ks = next.space;
    ks.write64Number(this.percpu + PERCPU_kernel_stack, next.stackTop - KERNEL_STACK_OFFSET);
    ks.write64Number(this.percpu + PERCPU_current_task, next.taskStruct);
    ks.write64Number(this.percpu + PERCPU_old_rsp, next.usersp);
    const sp = next.threadSp;
    const regs = cpu.regs;
    for (let i = 0; i < SWITCH_FRAME_REGS.length; i++)
      ks.read64Halves(sp + 8 * i, regs, 2 * SWITCH_FRAME_REGS[i]!);
    const h = this.halves;
    ks.read64Halves(sp + SWITCH_FRAME_RFLAGS, h, 0);
    const rflags = (h[1]! >>> 0) * 0x100000000 + (h[0]! >>> 0);
    ks.read64Halves(sp + SWITCH_FRAME_RET, h, 0);
    const ret = pairToNumber(h[0]!, h[1]!);
    cpu.setReg(RSP, sp + SWITCH_FRAME_SIZE);
    cpu.setReg(R8, next.threadInfo); // ret_from_fork clears TIF_FORK through %r8 (as 3.1's switch_to leaves it)
    cpu.setReg(RAX, next.resumeRax);
    cpu.fsBase = next.fsBase;
    if (next.fpu !== null) restoreFpuState(cpu, next.fpu); // switch_fpu_finish
    this.current = next;
    this.switches++;
    if (fromNative) {
      cpu.setRflags(rflags | FIXED1);
      cpu.redirect(ret);
    } else {
      enterKernelMode(cpu, this.percpu);
      cpu.setRflags(rflags | FIXED1);
      cpu.rip = ret;
    }
  }

  /** schedule(): clear TIF_NEED_RESCHED; switch if another task is runnable. Returns whether it switched. */
  schedule(resumeRax: number, fromNative: boolean): boolean {
    const prev = this.current;
    if (prev === null) throw new Error("schedule: no current task");
    prev.tif.clear(TIF_NEED_RESCHED);
    const next = this.pickNext(prev);
    if (next === null || next === prev) return false;
    this.saveContext(prev, resumeRax);
    this.loadContext(next, fromNative);
    return true;
  }

  /** The current task becomes a zombie (its stack is never resumed). */
  retire(t: Task): void {
    this.account();
    t.state = "exited";
    t.space.write32(t.taskStruct + TSK_state, EXIT_ZOMBIE);
  }
}

/** CPL 0 with the kernel selectors and the kernel GS base (as after the entry's swapgs). */
export function enterKernelMode(cpu: Cpu, percpu: number): void {
  cpu.cpl = 0;
  cpu.sreg[SREG_CS] = __KERNEL_CS;
  cpu.sreg[SREG_SS] = __KERNEL_DS;
  cpu.gsBase = percpu;
  cpu.kernelGsBase = 0;
}
