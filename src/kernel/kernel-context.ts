// What natives see of the kernel: the running task, the CPU, costs and the services natives share. Machine
// implements it; natives take it as their first argument so they stay free of Machine's construction details.
import type { Cpu } from "../cpu/cpu.ts";
import type { AddressSpace } from "../cpu/memory.ts";
import type { AuditRules } from "./audit-rules.ts";
import type { NativeCosts } from "./native-costs.ts";
import type { SeccompJit } from "./seccomp/jit-image.ts";
import type { Task } from "./task.ts";
import type { Vfs } from "./vfs.ts";

export interface KernelContext {
  readonly cpu: Cpu;
  /** the kernel's own address space (init_mm): the shared kernel half */
  readonly kspace: AddressSpace;
  readonly costs: NativeCosts;
  /** simulated clock rate in Hz: CLOCK_* time = cycles / clockHz */
  readonly clockHz: number;
  readonly vfs: Vfs;
  readonly tasks: readonly Task[];
  /** the audit rules and emitted records (absent: no rules, every audit context is a dummy) */
  readonly audit?: AuditRules;
  /** the BPF JIT's images and seccomp_run_filters (bpf_jit_enable=1); absent or null: filters are interpreted */
  readonly seccompJit?: SeccompJit | null;
  /** the running task; a host Error if none */
  current(): Task;
  /** cpu.charge(units × cost of `name`) */
  charge(name: string, units?: number): void;
  /** fd 1 / fd 2 bytes */
  output(stream: "stdout" | "stderr", bytes: Uint8Array): void;
  /** up to n bytes of standard input ("" when exhausted) */
  input(n: number): Uint8Array;
  /** do_exit(): the current task ends; control moves to the next runnable task (never returns to the caller) */
  doExit(code: number, signal: number | null): void;
  /** schedule() from a native: switch to the next runnable task if there is one; returns false if none */
  scheduleFromNative(resumeRax: number): boolean;
  /**
   * do_group_exit(): the current task and every other thread of its group end with this status (exit_group, a
   * fatal signal); never returns to the caller
   */
  doGroupExit(code: number, signal: number | null): void;
  /**
   * The current task sleeps (TASK_INTERRUPTIBLE; Task.state "sleeping") and the CPU switches to the next runnable
   * task or idles; the task's call returns `resumeRax` unless its waker sets another value (wakeUp).
   */
  sleepCurrent(resumeRax: number): void;
  /** try_to_wake_up: a sleeping task becomes runnable; its interrupted call returns `rax` */
  wakeUp(t: Task, rax: number): void;
  /** de_thread (execve): every other thread of the current task's group dies of SIGKILL, now */
  deThread(): void;
}

export type NativeFn = (k: KernelContext, cpu: Cpu) => number | bigint | undefined;
