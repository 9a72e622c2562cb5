// The replay mode of the kernel (syscall-lab replay): booted with BootOptions.replay, every sys_call_table entry
// points at one native, sys_replay, which returns the recorded result of the calling task's next recorded call
// and charges that call's modelled body cost. The entry path and the compiled-in design run for real. The table
// has the modern x86_64 size (REPLAY_NR_SYSCALLS entries) so calls newer than 3.1 (rseq, statx, clone3, …) reach
// the design and the table as on a current kernel. A replayed task ends with its own exit_group(0), the one call sys_replay
// hands to the real sys_exit_group; the report leaves it out. docs/replay.md.
import { pairToNumber } from "../cpu/address.ts";
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

/**
 * A log read as the replay goes (src/measure/replay-stream.ts): more() reads on until it has pushed at least one
 * more call (ReplayBackend.push, binding the tasks of new processes first), and returns false at the end of the
 * log. It must have written a task's code for a call before the task can reach it.
 */
export interface ReplayFeed {
  more(): boolean;
}

/** What the backend needs of the kernel: the running task, the CPU, this CPU's scheduler. */
export interface ReplayHost extends KernelContext {
  readonly sched: Scheduler;
}

/** One traced process's calls not yet entered by its task. */
interface ProcQueue {
  pid: number;
  calls: ReplayCall[];
  /** calls[head] is the process's call number `base` */
  head: number;
  base: number;
  /** calls pushed so far */
  pushed: number;
  /** the number of calls, once its last has been pushed (-1 before) */
  total: number;
  /** calls its task entered, once the task has exited and been let go (-1 before) */
  enteredAtExit: number;
}

export class ReplayBackend {
  /** calls whose number did not match the script (never expected; counted for the report) */
  mismatches = 0;
  /** recorded calls answered by sys_replay (a call the design denies never reaches it) */
  served = 0;
  /** called once a bound task's final exit_group has run (the host may read and release the task) */
  onExit: ((task: Task, proc: number) => void) | null = null;
  private readonly host: ReplayHost;
  private readonly byTask = new Map<Task, number>();
  private readonly taskOf: (Task | undefined)[] = [];
  private readonly procs: ProcQueue[] = [];
  /** calls in log order not yet passed by `next`: process, call number */
  private orderProc: number[] = [];
  private orderIndex: number[] = [];
  private next = 0;
  private feed: ReplayFeed | null = null;
  /** each exited task's exit_group accounting just before its final exit_group: null when it had none */
  private readonly exitBase = new Map<Task, SyscallAccounting | null>();

  constructor(script: ReplayScript | null, host: ReplayHost) {
    this.host = host;
    if (script === null) return;
    const order: { proc: number; index: number; line: number }[] = [];
    script.processes.forEach((p, proc) => {
      this.addProcess(p.pid);
      p.calls.forEach((c, index) => {
        order.push({ proc, index, line: c.line });
      });
    });
    order.sort((a, b) => a.line - b.line || a.proc - b.proc || a.index - b.index);
    for (const e of order) {
      const calls = script.processes[e.proc]!.calls;
      this.push(e.proc, calls[e.index]!, e.index === calls.length - 1);
    }
  }

  /** Reads the rest of the log from `feed` as the replay needs it. */
  setFeed(feed: ReplayFeed): void {
    this.feed = feed;
  }

  /** A new traced process (its number is the count of processes before it). */
  addProcess(pid: number): number {
    this.procs.push({ pid, calls: [], head: 0, base: 0, pushed: 0, total: -1, enteredAtExit: -1 });
    return this.procs.length - 1;
  }

  /** The next call of the log, in log order: process `proc`'s next call; `last` if it is that process's last. */
  push(proc: number, call: ReplayCall, last: boolean): void {
    const p = this.procs[proc];
    if (p === undefined) throw new Error(`replay: no process ${proc} in the script`);
    if (p.total >= 0)
      throw new Error(`replay: pid ${p.pid} line ${call.line}: a call after the process's last`);
    if (!Number.isInteger(call.nr) || call.nr < 0 || call.nr >= REPLAY_NR_SYSCALLS)
      throw new Error(`replay: pid ${p.pid} line ${call.line}: syscall number ${call.nr} outside the table`);
    p.calls.push(call);
    this.orderProc.push(proc);
    this.orderIndex.push(p.pushed);
    p.pushed++;
    if (last) p.total = p.pushed;
  }

  /** Binds a task to script process `proc`: its n-th SYSCALL replays that process's n-th call. */
  bind(task: Task, proc: number): void {
    if (this.procs[proc] === undefined) throw new Error(`replay: no process ${proc} in the script`);
    if (this.taskOf[proc] !== undefined) throw new Error(`replay: process ${proc} is already bound`);
    this.byTask.set(task, proc);
    this.taskOf[proc] = task;
  }

  /** The task bound to script process `proc`. */
  task(proc: number): Task | undefined {
    return this.taskOf[proc];
  }

  /** Calls of process `proc` (its total once its last call has been pushed, else those pushed so far). */
  callCount(proc: number): number {
    const p = this.procs[proc]!;
    return p.total >= 0 ? p.total : p.pushed;
  }

  /** Calls of `proc` its task has entered (denied ones included: the design answers those without the table). */
  entered(proc: number): number {
    const t = this.taskOf[proc];
    const p = this.procs[proc]!;
    if (p.enteredAtExit >= 0) return p.enteredAtExit;
    return t === undefined ? 0 : Math.min(t.acct.syscalls, p.total >= 0 ? p.total : p.pushed);
  }

  /** The task owning the earliest call no task has entered yet, or null. */
  private nextOwner(): Task | null {
    for (;;) {
      const op = this.orderProc;
      const oi = this.orderIndex;
      while (this.next < op.length && this.entered(op[this.next]!) > oi[this.next]!) this.next++;
      if (this.next < op.length) break;
      if (this.feed === null || !this.feed.more()) return null;
    }
    if (this.next > 4096 && this.next * 2 > this.orderProc.length) {
      this.orderProc = this.orderProc.slice(this.next);
      this.orderIndex = this.orderIndex.slice(this.next);
      this.next = 0;
    }
    const t = this.taskOf[this.orderProc[this.next]!];
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

  /** Process `proc`'s call number i (pulling the log on if it has not been read yet), or undefined past its last. */
  private callAt(proc: number, i: number): ReplayCall | undefined {
    const p = this.procs[proc]!;
    while (p.total < 0 && i >= p.pushed) if (this.feed === null || !this.feed.more()) break;
    if (p.total >= 0 && i >= p.total) return undefined;
    // calls before i were entered without reaching sys_replay (denied): drop them
    while (p.base < i && p.head < p.calls.length) {
      p.head++;
      p.base++;
    }
    if (p.head > 1024 && p.head * 2 > p.calls.length) {
      p.calls = p.calls.slice(p.head);
      p.head = 0;
    }
    return p.base === i ? p.calls[p.head] : undefined;
  }

  /** sys_replay: the recorded result of the caller's current call; then the log's next process runs. */
  readonly native = (k: KernelContext, cpu: Cpu): number | bigint | undefined => {
    const t = k.current();
    const proc = this.byTask.get(t);
    if (proc === undefined)
      throw new Error(`replay: task ${t.pid} (${t.name}) is not bound to a traced process`);
    const i = t.acct.syscalls - 1;
    const nr = pairToNumber(cpu.regs[2 * RAX]!, cpu.regs[2 * RAX + 1]!); // signed RAX, without a BigInt
    const call = this.callAt(proc, i);
    if (call === undefined) {
      // the program's own exit_group(0) after its last recorded call: the only call the kernel really performs
      if (nr !== EXIT_GROUP) this.mismatches++;
      const e = t.acct.perSyscall.get(EXIT_GROUP);
      this.exitBase.set(t, e === undefined ? null : { ...e });
      const owner = this.nextOwner();
      if (owner !== null && owner !== t) this.placeAfter(t, owner);
      k.charge("sys_exit_group");
      const r = NATIVES.sys_exit_group(k, cpu);
      if (this.onExit !== null) {
        this.onExit(t, proc);
        this.procs[proc]!.enteredAtExit = this.entered(proc);
        this.byTask.delete(t);
        this.taskOf[proc] = undefined;
        this.exitBase.delete(t);
        const p = this.procs[proc]!;
        p.calls = [];
        p.head = 0;
      }
      return r;
    }
    if (nr !== call.nr) this.mismatches++;
    this.served++;
    if (call.cost > 0) cpu.charge(call.cost);
    const p = this.procs[proc]!;
    if (p.total >= 0 && i === p.total - 1) return call.ret; // the exit that follows picks the next process
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
