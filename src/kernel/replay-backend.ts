// The replay mode of the kernel (syscall-lab replay): booted with BootOptions.replay, every sys_call_table entry
// points at one native, sys_replay, which returns the recorded result of the calling task's next recorded call
// and charges that call's modelled body cost. The entry path and the compiled-in design run for real. The table
// has the modern x86_64 size (REPLAY_NR_SYSCALLS entries) so calls newer than 3.1 (rseq, statx, clone3, …) reach
// the design and the table as on a current kernel. A replayed task ends with its own exit_group(0), the one call sys_replay
// hands to the real sys_exit_group; the report leaves it out. docs/replay.md.
import type { Cpu } from "../cpu/cpu.ts";
import { RAX } from "../cpu/registers.ts";
import type { KernelContext } from "./kernel-context.ts";
import { NATIVES } from "./natives.ts";
import type { Scheduler } from "./sched.ts";
import type { SyscallAccounting, Task } from "./task.ts";

const EXIT_GROUP = 231;

/** The native every sys_call_table entry points at in replay mode (a label in the kernel text). */
export const REPLAY_NATIVE = "sys_replay";

/** NR_syscalls of the replay kernel: x86_64 up to file_setattr (469), Linux 6.17 (src/kernel/syscall-names-x86_64.ts). */
export const REPLAY_NR_SYSCALLS = 470;

export interface ReplayCall {
  nr: number;
  name: string;
  /** what the call returns: the recorded value, or -errno */
  ret: bigint;
  /** modelled body cycles (src/measure/replay-costs.ts) */
  cost: number;
  /** line of the call in the trace (its log order) */
  line: number;
}

export interface ReplayProcess {
  pid: number;
  calls: readonly ReplayCall[];
}

export interface ReplayScript {
  processes: readonly ReplayProcess[];
}

/** What the backend needs of the kernel: the running task, the CPU, this CPU's scheduler. */
export interface ReplayHost extends KernelContext {
  readonly sched: Scheduler;
}

export class ReplayBackend {
  readonly script: ReplayScript;
  /** calls whose number did not match the script (never expected; counted for the report) */
  mismatches = 0;
  private readonly host: ReplayHost;
  private readonly byTask = new Map<Task, number>();
  private readonly taskOf: (Task | undefined)[] = [];
  /** every call as (process, index), in log order */
  private readonly order: { proc: number; index: number }[] = [];
  private next = 0;
  /** each exited task's exit_group accounting just before its final exit_group: null when it had none */
  private readonly exitBase = new Map<Task, SyscallAccounting | null>();
  /** recorded calls answered by sys_replay (a call the design denies never reaches it) */
  served = 0;

  constructor(script: ReplayScript, host: ReplayHost) {
    this.script = script;
    this.host = host;
    script.processes.forEach((p, proc) => {
      p.calls.forEach((c, index) => {
        if (!Number.isInteger(c.nr) || c.nr < 0 || c.nr >= REPLAY_NR_SYSCALLS)
          throw new Error(`replay: pid ${p.pid} line ${c.line}: syscall number ${c.nr} outside the table`);
        this.order.push({ proc, index });
      });
    });
    const line = (e: { proc: number; index: number }) => script.processes[e.proc]!.calls[e.index]!.line;
    this.order.sort((a, b) => line(a) - line(b) || a.proc - b.proc || a.index - b.index);
  }

  /** Binds a task to script process `proc`: its n-th SYSCALL replays that process's n-th call. */
  bind(task: Task, proc: number): void {
    if (this.script.processes[proc] === undefined)
      throw new Error(`replay: no process ${proc} in the script`);
    if (this.taskOf[proc] !== undefined) throw new Error(`replay: process ${proc} is already bound`);
    this.byTask.set(task, proc);
    this.taskOf[proc] = task;
  }

  /** The task bound to script process `proc`. */
  task(proc: number): Task | undefined {
    return this.taskOf[proc];
  }

  /** Calls of `proc` its task has entered (denied ones included: the design answers those without the table). */
  private consumed(proc: number): number {
    const t = this.taskOf[proc];
    return t === undefined ? 0 : Math.min(t.acct.syscalls, this.script.processes[proc]!.calls.length);
  }

  /** The task owning the earliest call no task has entered yet, or null. */
  private nextOwner(): Task | null {
    const o = this.order;
    while (this.next < o.length && this.consumed(o[this.next]!.proc) > o[this.next]!.index) this.next++;
    if (this.next >= o.length) return null;
    const t = this.taskOf[o[this.next]!.proc];
    return t !== undefined && t.state === "runnable" ? t : null;
  }

  /** Reorders the run queue so that round-robin picks `next` right after `cur`. */
  private placeAfter(cur: Task, next: Task): void {
    const q = this.host.sched.runQueue as Task[]; // Machine appends to it the same way
    const i = q.indexOf(next);
    if (i < 0 || !q.includes(cur)) return;
    q.splice(i, 1);
    q.splice(q.indexOf(cur) + 1, 0, next);
  }

  /** sys_replay: the recorded result of the caller's current call; then the log's next process runs. */
  readonly native = (k: KernelContext, cpu: Cpu): number | bigint | undefined => {
    const t = k.current();
    const proc = this.byTask.get(t);
    if (proc === undefined)
      throw new Error(`replay: task ${t.pid} (${t.name}) is not bound to a traced process`);
    const calls = this.script.processes[proc]!.calls;
    const i = t.acct.syscalls - 1;
    const nr = Number(BigInt.asIntN(64, cpu.getReg(RAX)));
    const call = calls[i];
    if (call === undefined) {
      // the program's own exit_group(0) after its last recorded call: the only call the kernel really performs
      if (nr !== EXIT_GROUP) this.mismatches++;
      const e = t.acct.perSyscall.get(EXIT_GROUP);
      this.exitBase.set(t, e === undefined ? null : { ...e });
      const owner = this.nextOwner();
      if (owner !== null && owner !== t) this.placeAfter(t, owner);
      k.charge("sys_exit_group");
      return NATIVES.sys_exit_group(k, cpu);
    }
    if (nr !== call.nr) this.mismatches++;
    this.served++;
    if (call.cost > 0) cpu.charge(call.cost);
    if (i === calls.length - 1) return call.ret; // the exit that follows picks the next process
    const owner = this.nextOwner();
    if (owner === null || owner === t || !Number.isSafeInteger(Number(call.ret))) return call.ret;
    this.placeAfter(t, owner);
    return k.scheduleFromNative(Number(call.ret)) ? undefined : call.ret;
  };

  /**
   * The task's per-syscall accounting without its final exit_group (which is no recorded call): perSyscall as it
   * was when that exit began. Before the task has exited, its perSyscall as it is.
   */
  replayedAccounting(task: Task): Map<number, SyscallAccounting> {
    const m = new Map(task.acct.perSyscall);
    const base = this.exitBase.get(task);
    if (base === undefined) return m;
    if (base === null) m.delete(EXIT_GROUP);
    else m.set(EXIT_GROUP, base);
    return m;
  }
}
