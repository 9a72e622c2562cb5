// ptrace: a user-space supervisor (strace-style) attached to every task whose cgroup denies something. It stops
// the task at every syscall entry and exit (TIF_SYSCALL_TRACE, PTRACE_SYSCALL), looks the number up in the
// cgroup's policy, and for a denied call sets orig_rax to -1 at entry (the kernel skips the call) and RAX to
// -deniedErrno at exit. No entry-code change: unfiltered tasks are not traced and pay nothing.
//
// Cost: each stop is the kernel's tracehook_report_syscall (the tracee's side, two context switches) plus the
// supervisor's own work, ptrace_tracer_per_stop, which the supervisor charges (the tracee waits for it).
import { appendRecord } from "../../kernel/record-log.ts";
import type { Task, TracerAction, TracerStop } from "../../kernel/task.ts";
import { TI_status, TS_COMPAT } from "../../kernel/thread-info.ts";
import { TIF_SYSCALL_TRACE } from "../../kernel/tif.ts";
import type { Design, DesignHost } from "../design.ts";
import { IA32_SYSCALLS_CGROUP_COMPAT } from "../sparse-syscall-set.ts";
import { taskSyncPlane } from "../task-sync-plane.ts";

/**
 * Whether the policy denies the call at an entry stop. An `int $0x80` call (TS_COMPAT in thread_info.status, which
 * syscall_get_arch() reads) carries an i386 number: it is judged as the x86_64 call of the same name (the compat
 * table; one x86_64 lacks, e.g. waitpid, is denied to a restricted task, as cgroup-sparse does). A number outside
 * the table is not the policy's business: the kernel answers it with -ENOSYS itself.
 */
function deniedAtEntry(k: DesignHost, task: Task, nr: number): boolean {
  const compat = (k.machine.kspace.read32(task.threadInfo + TI_status) & TS_COMPAT) !== 0;
  if (compat) {
    if (nr < 0 || nr >= IA32_SYSCALLS_CGROUP_COMPAT.length) return false;
    const nr64 = IA32_SYSCALLS_CGROUP_COMPAT[nr]!;
    return nr64 < 0 || !k.hierarchy.cgroupOf(task).allowed(nr64);
  }
  return nr >= 0 && nr < k.hierarchy.nrSyscalls && !k.hierarchy.cgroupOf(task).allowed(nr);
}

export function ptraceDesign(): Design {
  let host: DesignHost | null = null;
  /** traced tasks → whether the call in progress was denied at its entry stop */
  const traced = new Map<Task, { denied: boolean }>();
  const h = () => {
    if (host === null) throw new Error("ptrace: not attached");
    return host;
  };

  const supervisor = (stop: TracerStop, task: Task): TracerAction | undefined => {
    const k = h();
    k.machine.charge("ptrace_tracer_per_stop");
    const st = traced.get(task);
    if (st === undefined) return undefined;
    if (stop.kind === "entry") {
      st.denied = deniedAtEntry(k, task, stop.nr);
      return st.denied ? { skip: true } : undefined;
    }
    if (stop.kind === "exit" && st.denied) {
      st.denied = false;
      return { ret: -k.deniedErrno };
    }
    return undefined;
  };

  /** PTRACE_ATTACH + PTRACE_SYSCALL while the task's cgroup denies something; PTRACE_DETACH otherwise. */
  const sync = (task: Task): void => {
    if (task.exited) return;
    const filtered = h().hierarchy.cgroupOf(task).deniedCount > 0;
    if (filtered && !traced.has(task)) {
      traced.set(task, { denied: false });
      task.tracer = supervisor;
      task.tif.set(TIF_SYSCALL_TRACE);
    } else if (!filtered && traced.has(task)) {
      traced.delete(task);
      task.tracer = null;
      task.tif.clear(TIF_SYSCALL_TRACE);
    }
  };

  return {
    id: "ptrace",
    title: "user-space supervisor: ptrace stops at every syscall entry and exit",
    seed:
      "\"All existing syscalls tracing solutions use ptrace hooking. It's clean but the performance of ptrace is " +
      'horrible. … It was 100 times (sic!) slower." (Sowa, docs/sources.md#thread-2011)',
    expectation:
      'the "100 times slower": two ptrace stops per call of a filtered task; unfiltered tasks pay nothing',
    kernel: () => ({}),
    ...taskSyncPlane((k) => {
      host = k;
    }, sync),
    taskExited: (task) => void traced.delete(task),
    // the supervisor's policy copy lives in its own user memory, not in the kernel
    memoryBytes: () => 0,
  };
}

/** One line of the logging tracer's output: what strace would print for a stop. */
export interface TraceLogLine {
  pid: number;
  kind: TracerStop["kind"];
  nr: number;
  ret?: bigint;
}

/**
 * ptrace-log: a strace-like tracer that only logs. It attaches to every task (strace -f traces everything, filtered
 * or not), takes the same two stops per call as the supervisor, records them, and changes nothing. Beyond the
 * supervisor's work it pays what strace does at each stop (ptrace_log_per_stop: a second wait4, formatting half a
 * line, its write). It measures what tracing costs before any filtering decision.
 */
export function ptraceLogDesign(): Design & { readonly log: TraceLogLine[] } {
  let host: DesignHost | null = null;
  const log: TraceLogLine[] = [];
  const dropped = { count: 0 };
  const logger = (stop: TracerStop, task: Task): undefined => {
    host?.machine.charge("ptrace_tracer_per_stop");
    host?.machine.charge("ptrace_log_per_stop");
    appendRecord(
      log,
      { pid: task.pid, kind: stop.kind, nr: stop.nr, ...(stop.ret !== undefined ? { ret: stop.ret } : {}) },
      dropped,
    );
    return undefined;
  };
  const attach = (task: Task): void => {
    if (task.exited || task.tracer === logger) return;
    task.tracer = logger;
    task.tif.set(TIF_SYSCALL_TRACE);
  };
  return {
    id: "ptrace-log",
    title: "strace-like tracer: ptrace stops at every syscall entry and exit, logging only",
    seed:
      "\"All existing syscalls tracing solutions use ptrace hooking. It's clean but the performance of ptrace is " +
      'horrible." (Sowa, docs/sources.md#thread-2011)',
    expectation:
      "the cost of ptrace-based tracing itself: every task pays two stops per call, nothing is denied",
    kernel: () => ({}),
    ...taskSyncPlane((k) => {
      host = k;
    }, attach),
    memoryBytes: () => 0,
    log,
  };
}
