// A task (process with one thread) as the kernel models it: host-side state plus its guest-memory objects
// (thread_info at the bottom of its 8 KiB kernel stack, a small task_struct, its own user address space).
import type { FpuState } from "../cpu/fpu-state.ts";
import type { AddressSpace } from "../cpu/memory.ts";
import type { AuditContext, AuditRecord } from "./audit.ts";
import type { SeccompFilterNode } from "./seccomp/filter-chain.ts";
import { TI_flags } from "./thread-info.ts";
import type { FdTable } from "./vfs.ts";

/**
 * stopped: a ptrace stop (the task is not picked until its tracer resumes it); sleeping: TASK_INTERRUPTIBLE in a
 * futex wait (not picked until a wake, a signal or its timeout makes it runnable again)
 */
export type TaskState = "runnable" | "stopped" | "sleeping" | "exited";

/**
 * What the threads of one thread group share (signal_struct and the group's bookkeeping of Linux): the leader,
 * every thread in creation order, the process-directed pending signals (shared_pending) and the group exit.
 */
export class ThreadGroup {
  /** the threads, leader first, in creation order; an exited non-leader thread leaves at once (it is autoreaped) */
  readonly threads: Task[] = [];
  /** signal->shared_pending: signals sent to the process (kill), dequeued by whichever thread takes them */
  readonly sharedPending: number[] = [];
  /** SIGNAL_GROUP_EXIT: exit_group or a fatal signal is taking every thread down */
  exiting = false;
  /** signal->group_exit_code: the status every thread of a group exit ends with */
  groupExitCode = 0;
  groupExitSignal: number | null = null;

  constructor(readonly leader: Task) {}

  /** threads not yet exited */
  get live(): number {
    let n = 0;
    for (const t of this.threads) if (!t.exited) n++;
    return n;
  }
}

/** mm->start_brk / mm->brk: one per mm, shared by the tasks that share it (CLONE_VM). */
export interface MmBrk {
  startBrk: number;
  brk: number;
}

/** One ptrace-style stop reported by tracehook_report_syscall_entry/exit. */
export interface TracerStop {
  /** seccomp: PTRACE_EVENT_SECCOMP, reported when a filter returns SECCOMP_RET_TRACE */
  kind: "entry" | "exit" | "seccomp";
  /** orig_rax at the stop */
  nr: number;
  /** entry: rdi, rsi, rdx, r10, r8, r9 from pt_regs */
  args: bigint[];
  /** exit: RAX(pt_regs), the return value */
  ret?: bigint;
  /** seccomp: SECCOMP_RET_DATA of the filter's result (the message PTRACE_GETEVENTMSG returns) */
  data?: number;
}

/** What the host-side tracer does at a stop (PTRACE_POKEUSER of orig_rax / rax). */
export interface TracerAction {
  /** entry: rewrite orig_rax (the syscall number that will run) */
  nr?: number;
  /** entry: skip the syscall (orig_rax = -1, so it returns -ENOSYS through IRET) */
  skip?: boolean;
  /** exit (and seccomp): rewrite the return value */
  ret?: bigint | number;
}

/** The siginfo of a SIGSYS sent by SECCOMP_RET_TRAP (si_code SYS_SECCOMP). */
export interface SigsysInfo {
  signo: number;
  code: number;
  /** SECCOMP_RET_DATA of the filter's result */
  errno: number;
  /** the user RIP after the syscall instruction */
  callAddr: bigint;
  syscall: number;
  arch: number;
}

/** An audit_seccomp record: SECCOMP_RET_LOG, and the actions that kill or trap. */
export interface SeccompLogRecord {
  nr: number;
  arch: number;
  ip: bigint;
  /** the filter's 32-bit result */
  ret: number;
  /** the signal the action sent, 0 when the call ran */
  signal: number;
}

export type Tracer = (stop: TracerStop, task: Task) => TracerAction | undefined;

export interface PathCounts {
  /** entered system_call_fastpath straight from the TIF test */
  fast: number;
  /** took auditsys (semi-slow path, TIF_SYSCALL_AUDIT alone) */
  audit: number;
  /** took the full tracesys path */
  trace: number;
  /** reached badsys (number out of range on the fast/audit path; also counted in fast or audit) */
  badsys: number;
  /** returns to user mode by SYSRET / by IRETQ (the first return of a new task is not counted) */
  sysret: number;
  iret: number;
}

export interface TaskAccounting {
  userCycles: number;
  sysCycles: number;
  instret: number;
  /** SYSCALL instructions that entered system_call */
  syscalls: number;
  paths: PathCounts;
  /**
   * Per syscall number (orig_rax as the task passed it): calls, CPL-0 cycles from entry to the return instruction
   * included, `cycles` = those plus the SYSCALL instruction itself (charged to user time by the CPU), and
   * instructions retired from the call's SYSCALL up to the next one (the user instructions in between included,
   * each SYSCALL counted once). A call is closed at the task's next syscall or at its exit.
   */
  perSyscall: Map<number, SyscallAccounting>;
}

export interface SyscallAccounting {
  calls: number;
  sysCycles: number;
  cycles: number;
  instret: number;
}

/** The syscall a task is in (or last returned from), not yet added to perSyscall. */
export interface OpenSyscall {
  nr: number;
  startSys: number;
  startInstret: number;
  syscallCost: number;
}

export interface Creds {
  uid: number;
  euid: number;
  suid: number;
  fsuid: number;
  gid: number;
  egid: number;
}

/** struct fs_struct: what CLONE_FS shares (the root is the guest's "/" for every task here) */
export interface FsStruct {
  cwd: string;
  umask: number;
}

export interface TaskInit {
  pid: number;
  name: string;
  parent: Task | null;
  kspace: AddressSpace;
  space: AddressSpace;
  threadInfo: number;
  taskStruct: number;
  stackTop: number;
  creds: Creds;
  files: FdTable;
  cwd: string;
  brk: number;
  /** Task.tif over another thread_info layout (the generic flavour's, src/kernel/syscall-work.ts); default 3.1's */
  tif?: Task["tif"];
  /** CLONE_THREAD: the group joined (tgid = its leader's pid); default a new group led by this task */
  group?: ThreadGroup;
  /** CLONE_VM: the brk of the shared mm; default a new one from `brk` */
  mmBrk?: MmBrk;
}

export class Task {
  readonly pid: number;
  readonly tid: number;
  readonly tgid: number;
  readonly name: string;
  readonly parent: Task | null;
  /** the task's address space (user half its own, kernel half shared) */
  readonly space: AddressSpace;
  /** linear address of struct thread_info (= bottom of the kernel stack) */
  readonly threadInfo: number;
  readonly taskStruct: number;
  /** top of the 8 KiB kernel stack; per-cpu kernel_stack = stackTop - KERNEL_STACK_OFFSET */
  readonly stackTop: number;
  state: TaskState = "runnable";
  exitCode: number | null = null;
  killedBy: number | null = null;
  /** why the kernel killed the task, when it is the kernel's own doing (e.g. a seccomp strict-mode violation) */
  killReason: string | null = null;
  creds: Creds;
  /** fs_struct: the working directory and umask, one object for the tasks cloned with CLONE_FS */
  fs: FsStruct;
  get cwd(): string {
    return this.fs.cwd;
  }
  set cwd(v: string) {
    this.fs.cwd = v;
  }
  get umask(): number {
    return this.fs.umask;
  }
  set umask(v: number) {
    this.fs.umask = v;
  }
  files: FdTable;
  /** the thread group (signal_struct): the task itself alone unless it was cloned with CLONE_THREAD */
  readonly group: ThreadGroup;
  /** mm->start_brk / mm->brk, shared with every task on the same mm */
  mmBrk: MmBrk;
  /** mm->start_brk (execve sets it) */
  get startBrk(): number {
    return this.mmBrk.startBrk;
  }
  set startBrk(v: number) {
    this.mmBrk.startBrk = v;
  }
  /** mm->brk */
  get brk(): number {
    return this.mmBrk.brk;
  }
  set brk(v: number) {
    this.mmBrk.brk = v;
  }
  /** a futex wait's deadline in simulated ns of the task's CPU (hrtimer), null when it waits without one */
  sleepDeadlineNs: number | null = null;
  /** thread.usersp: the user RSP saved from per-cpu old_rsp at a switch */
  usersp = 0;
  fsBase = 0;
  /** thread.fpu: XMM/MXCSR/x87 state saved at a switch (null: never switched out and not forked; cpu/fpu-state.ts) */
  fpu: FpuState | null = null;
  /** thread.sp: the kernel RSP saved at a switch (points at the switch frame) */
  threadSp = 0;
  /** RAX the task sees when it is switched back in (sched_yield's return value) */
  resumeRax = 0;
  seccompMode = 0;
  /** task->no_new_privs (PR_SET_NO_NEW_PRIVS, 3.5+): inherited, never cleared */
  noNewPrivs = false;
  /** the newest filter of seccomp filter mode; the chain is shared with children created while it was attached */
  seccompFilter: SeccompFilterNode | null = null;
  /** whether seccomp_run_filters consults the 5.11 constant-allow bitmap (BootOptions.seccompCache) */
  seccompCache = true;
  /** the siginfo of the last SIGSYS a filter sent (SECCOMP_RET_TRAP) */
  sigsysInfo: SigsysInfo | null = null;
  readonly seccompLog: SeccompLogRecord[] = [];
  readonly acct: TaskAccounting = {
    userCycles: 0,
    sysCycles: 0,
    instret: 0,
    syscalls: 0,
    paths: { fast: 0, audit: 0, trace: 0, badsys: 0, sysret: 0, iret: 0 },
    perSyscall: new Map(),
  };
  readonly audit: AuditRecord[] = [];
  /** records dropped from audit, stops and tracepoints (each keeps its newest RECORD_LOG_CAP entries) */
  readonly droppedRecords = { count: 0 };
  auditContext: AuditContext | null = null;
  tracer: Tracer | null = null;
  readonly stops: TracerStop[] = [];
  /** syscall tracepoint hits (sys_enter / sys_exit), when TIF_SYSCALL_TRACEPOINT is set */
  readonly tracepoints: { kind: "sys_enter" | "sys_exit"; nr: number; ret?: bigint }[] = [];
  /** signals sent by the host (Task.kill), delivered by do_notify_resume */
  readonly pendingSignals: number[] = [];
  /** the user-mode fault that killed the task, if one did */
  fault: { vector: number; rip: number; detail: string } | null = null;
  /** set until the first return to user mode (ret_from_fork), which the path counters skip */
  forkReturnPending = true;
  /** set by the auditsys probe so the system_call_fastpath probe does not count the call as fast */
  viaAudit = false;
  /** per-syscall accounting: the open call (see TaskAccounting.perSyscall) */
  openSyscall: OpenSyscall | null = null;

  /** Adds the open syscall to perSyscall; call with acct up to date (Scheduler.account()). */
  closeSyscall(): void {
    const o = this.openSyscall;
    if (o === null) return;
    this.openSyscall = null;
    const sys = this.acct.sysCycles - o.startSys;
    let e = this.acct.perSyscall.get(o.nr);
    if (e === undefined) {
      e = { calls: 0, sysCycles: 0, cycles: 0, instret: 0 };
      this.acct.perSyscall.set(o.nr, e);
    }
    e.calls++;
    e.sysCycles += sys;
    e.cycles += sys + o.syscallCost;
    // the window from this call's SYSCALL (already retired when system_call is reached) to the next SYSCALL, which
    // it includes and the next call's window does not: SYSCALL + kernel + the user instructions in between
    e.instret += this.acct.instret - o.startInstret;
  }
  readonly tif: {
    get(): number;
    set(bit: number): void;
    clear(bit: number): void;
    test(bit: number): boolean;
  };
  /** the thread_info flags' home: guest memory while the kernel stack exists, a host copy after it is freed */
  private tifWord: Task["tif"];
  /**
   * The host holds a reference to this task's mm and kernel stack (a task the host created: it may read a finished
   * program's memory), dropped by Machine.releaseTask; a task forked by the guest gives them back at its exit.
   */
  hostRef = true;

  constructor(init: TaskInit) {
    this.pid = init.pid;
    this.tid = init.pid;
    this.group = init.group ?? new ThreadGroup(this);
    this.tgid = this.group.leader === this ? init.pid : this.group.leader.pid;
    this.group.threads.push(this);
    this.mmBrk = init.mmBrk ?? { startBrk: init.brk, brk: init.brk };
    this.name = init.name;
    this.parent = init.parent;
    this.space = init.space;
    this.threadInfo = init.threadInfo;
    this.taskStruct = init.taskStruct;
    this.stackTop = init.stackTop;
    this.creds = { ...init.creds };
    this.files = init.files;
    this.fs = { cwd: init.cwd, umask: 0o022 };
    this.tifWord = init.tif ?? Task.tif31(init);
    this.tif = {
      get: () => this.tifWord.get(),
      set: (bit) => this.tifWord.set(bit),
      clear: (bit) => this.tifWord.clear(bit),
      test: (bit) => this.tifWord.test(bit),
    };
  }

  /** The kernel stack holding thread_info was freed: its flags live on in a host copy (its frames are reused). */
  detachThreadInfo(): void {
    let w = this.tifWord.get();
    const bitOk = (bit: number) => {
      if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new Error(`TIF bit ${bit} out of range 0..31`);
    };
    this.tifWord = {
      get: () => w,
      set: (bit) => {
        bitOk(bit);
        w = (w | (1 << bit)) >>> 0;
      },
      clear: (bit) => {
        bitOk(bit);
        w = (w & ~(1 << bit)) >>> 0;
      },
      test: (bit) => ((w >>> bit) & 1) === 1,
    };
  }

  /** Task.tif over 3.1's thread_info.flags. */
  private static tif31(init: TaskInit): Task["tif"] {
    // TI_flags is in a kernel data page (never code, never remapped): read and write its frame directly.
    const view = init.kspace.phys.view;
    const pa = init.kspace.physAddr(init.threadInfo + TI_flags);
    const bitOk = (bit: number) => {
      if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new Error(`TIF bit ${bit} out of range 0..31`);
    };
    return {
      get: () => view.getUint32(pa, true),
      set: (bit) => {
        bitOk(bit);
        view.setUint32(pa, (view.getUint32(pa, true) | (1 << bit)) >>> 0, true);
      },
      clear: (bit) => {
        bitOk(bit);
        view.setUint32(pa, (view.getUint32(pa, true) & ~(1 << bit)) >>> 0, true);
      },
      test: (bit) => ((view.getUint32(pa, true) >>> bit) & 1) === 1,
    };
  }

  get exited(): boolean {
    return this.state === "exited";
  }
}
