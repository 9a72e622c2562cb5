// The machine: physical memory, one CPU, the kernel image (linux-3.1 entry code + native stubs), its data
// (sys_call_table, per-cpu area), tasks and the run loop. Boot follows Linux 3.1's syscall_init(); tasks start
// through ret_from_fork. See docs/kernel.md for the layouts.

import { CGROUPFS_MOUNT, CgroupFs } from "../cgroup/cgroupfs.ts";
import type { Design, DesignKernelParts } from "../cgroup/design.ts";
import { noneDesign } from "../cgroup/designs/none.ts";
import { CgroupHierarchy, ERESTARTNOINTR, type SyncStrategy } from "../cgroup/hierarchy.ts";
import { toLinear } from "../cpu/address.ts";
import { Cpu, type StopReason } from "../cpu/cpu.ts";
import { EXCEPTION_NAMES } from "../cpu/exceptions.ts";
import { type CostTable, INSN_CLASS_INDEX, NO_MITIGATIONS } from "../cpu/insn-class.ts";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_NX, PTE_U, PTE_W } from "../cpu/memory.ts";
import {
  EFER_LMA,
  EFER_LME,
  EFER_NX,
  EFER_SCE,
  MSR_CSTAR,
  MSR_EFER,
  MSR_GS_BASE,
  MSR_KERNEL_GS_BASE,
  MSR_LSTAR,
  MSR_STAR,
  MSR_SYSCALL_MASK,
} from "../cpu/msr.ts";
import { RAX, CS as SREG_CS, SS as SREG_SS } from "../cpu/registers.ts";
import { FIXED1, IF } from "../cpu/rflags.ts";
import { concatBytes, utf8Decode, utf8Encode } from "../cpu/text-bytes.ts";
import { type Assembled, Assembler } from "../entry/assembler.ts";
import { symbolize } from "../entry/disassembler.ts";
import { type EntryOptions, LINUX31_EXTERNS, linux31EntryText } from "../entry/linux-3.1.ts";
import { IA32_SYSCALL_VECTOR, LINUX31_IA32_EXTERNS, linux31Ia32EntryText } from "../entry/linux-3.1-ia32.ts";
import { LINUX_GENERIC_EXTERNS, linuxGenericEntryText } from "../entry/linux-generic.ts";
import { linux31AsmOffsets } from "./asm-offsets.ts";
import { AuditRules } from "./audit-rules.ts";
import { ENOMEM, ENOSYS } from "./errno.ts";
import {
  allocPgdPair,
  CPU_TSS_RW,
  ENTRY_STACK_TOP,
  GENERIC_NATIVES,
  GENERIC_NR_SYSCALLS,
  GENERIC_SYSCALL_MASK,
  genericSyscallImpl,
  installGenericProbes,
  linuxGenericAsmOffsets,
  ptiUserSpace,
  TSS_sp0,
  TSS_sp1,
} from "./generic-entry.ts";
import { DEFAULT_MAX_TASKS, defaultGuestLimits, GuestLimitError, type GuestLimits } from "./guest-limits.ts";
import type { KernelContext } from "./kernel-context.ts";
import {
  DESIGN_DATA_BASE,
  KERNEL_DATA_BASE,
  KERNEL_TEXT_BASE,
  KHEAP_BASE,
  KHEAP_SIZE,
  KSTACK_BASE,
  KSTACK_SLOT,
  PERCPU_BASE,
  USER_STACK_SIZE,
  USER_STACK_TOP,
} from "./layout.ts";
import { exitMmap } from "./mm.ts";
import { DEFAULT_NATIVE_COSTS, NATIVE_NAMES, type NativeCosts, nativeCost } from "./native-costs.ts";
import { NATIVES, SYSCALL_IMPLS } from "./natives.ts";
import { MAX_CPUS, PERCPU_cpu_number, PERCPU_this_cpu_off, percpuArea } from "./percpu.ts";
import * as P from "./pt-regs.ts";
import { REPLAY_NATIVE, REPLAY_NR_SYSCALLS, ReplayBackend, type ReplayScript } from "./replay-backend.ts";
import {
  enterKernelMode,
  Scheduler,
  SWITCH_FRAME_RET,
  SWITCH_FRAME_RFLAGS,
  SWITCH_FRAME_SIZE,
} from "./sched.ts";
import {
  mitigationThunksText,
  SeccompJit,
  SRSO_RETURN_THUNK,
  seccompRunFiltersText,
} from "./seccomp/jit-image.ts";
import { inheritSeccomp, native_seccomp_filter_done } from "./seccomp-filter-mode.ts";
import { __KERNEL_CS, __KERNEL_DS, __USER_CS, __USER_DS, STAR_VALUE, SYSCALL_MASK_VALUE } from "./segment.ts";
import { IA32_SYSCALL_IMPLS, SYSCALL_NAMES_I386_3_1 } from "./syscall-names-i386-3.1.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "./syscall-names-x86_64-3.1.ts";
import { genericTifWord } from "./syscall-work.ts";
import { EAGAIN } from "./syscalls/errno-extra.ts";
import { mmRelease } from "./syscalls/exit.ts";
import { EINTR, ETIMEDOUT, futexCancelWait } from "./syscalls/futex.ts";
import { nowNs } from "./syscalls/process.ts";
import { exitPtrace } from "./syscalls/ptrace.ts";
import { deliverFault, SIGKILL } from "./syscalls/signal.ts";
import { type Creds, type SyscallAccounting, Task } from "./task.ts";
import {
  EXIT_ZOMBIE,
  TASK_RUNNING,
  TASK_STRUCT_SIZE,
  TSK_pid,
  TSK_stack,
  TSK_state,
  TSK_tgid,
} from "./task-struct.ts";
import { TASK_SIZE_MAX, THREAD_SIZE, TI_addr_limit, TI_cpu, TI_flags, TI_task } from "./thread-info.ts";
import {
  _TIF_FORK,
  _TIF_SYSCALL_AUDIT,
  _TIF_WORK_SYSCALL_ENTRY,
  TIF_NEED_RESCHED,
  TIF_SIGPENDING,
} from "./tif.ts";
import { FdTable, Vfs } from "./vfs.ts";

/** why run() stops when every task sleeps on a futex with no timeout */
export const DEADLOCK = "deadlock: every task sleeps (futex) with no timeout";

/** the native seccomp_run_filters returns to (the rest of __seccomp_filter) */
const SECCOMP_FILTER_DONE = "__seccomp_filter_done";

export interface BootOptions {
  /** the kernel's entry code: Linux 3.1's system_call (default) or the 5.11+ generic entry_SYSCALL_64 */
  flavour?: "linux-3.1" | "linux-generic";
  /** linux-generic only: page-table isolation (a user and a kernel PGD per task, CR3 switched on entry and exit) */
  pti?: boolean;
  /** instruction cost profile (the CPU's default when absent) */
  costs?: CostTable;
  /** native costs by name; missing names fall back to DEFAULT_NATIVE_COSTS */
  natives?: NativeCosts;
  entry?: EntryOptions;
  /** emulated CPUs sharing memory and the kernel, each with its own per-cpu area and run queue (1..8, default 1) */
  cpus?: number;
  /** how writers of the syscalls cgroup bitmaps are synchronised (default `mutex`, the published patch) */
  cgroupSync?: SyncStrategy;
  /** simulated clock rate for clock_gettime; default 3.4 GHz */
  clockHz?: number;
  /** bytes fd 0 reads; empty by default (read returns 0, end of file) */
  stdin?: Uint8Array | string;
  /** guest physical memory limit in bytes (default: the PhysicalMemory default); limits.memoryBytes wins */
  memoryBytes?: number;
  /** live tasks, guest memory, instructions and wall-clock time (default: setDefaultGuestLimits, else none) */
  limits?: GuestLimits;
  /**
   * Where the guest's writes to fd 1 and 2 go, as they are written (the host applies back-pressure by blocking).
   * Without it they are kept for `stdout`/`stderr`, up to `maxOutputBytes` (default 64 MiB) per stream.
   */
  output?: (stream: "stdout" | "stderr", bytes: Uint8Array) => void;
  maxOutputBytes?: number;
  /** the syscall-filter design compiled into the kernel (src/cgroup/designs); default `none` */
  design?: Design;
  /** what a call the design denies returns, as a positive errno (default ENOSYS; EPERM is the other option) */
  deniedErrno?: number;
  /** seccomp filter mode consults the 5.11 constant-allow bitmap cache before running filters (default true) */
  seccompCache?: boolean;
  /** replay mode (src/kernel/replay-backend.ts): every sys_call_table entry returns recorded results */
  replay?: ReplayScript;
  /**
   * net.core.bpf_jit_enable: seccomp filters run as x86-64 code from the BPF JIT (default on linux-generic, as
   * 6.x kernels ship it; false runs them in the interpreter model). linux-3.1 has no JIT for seccomp: 3.5's
   * filters ran in the classic interpreter, so true is an error there.
   */
  bpfJit?: boolean;
}

export interface UserImage {
  base: bigint;
  bytes: Uint8Array;
  entry: bigint;
}

/** What an exec-style loader set up in a new task's user half (src/kernel/exec.ts). */
export interface LoadedUser {
  entry: number;
  /** initial user RSP */
  rsp: number;
  /** start of the brk heap (page-aligned) */
  brk: number;
}

export interface CreateTaskOptions {
  name: string;
  /** a flat image (mapped RWX with a zeroed stack), or a loader that maps the whole user half itself */
  image: UserImage | ((space: AddressSpace) => LoadedUser);
  parent?: Task;
  /** real/effective/saved uid (default: the parent's, else 0) */
  uid?: number;
  gid?: number;
  /** the CPU whose run queue the task joins (default: the parent's, else 0) */
  cpu?: number;
  /**
   * The host holds the task's mm and kernel stack until it calls releaseTask (default true: the host may read a
   * finished program's memory). A guest fork passes false: the child's memory goes back at its exit.
   */
  hostRef?: boolean;
  /**
   * clone: what the new task shares with `from` instead of copying (CLONE_VM: the address space, its page tables
   * and brk, and no image is loaded; CLONE_FILES: the descriptor table; CLONE_THREAD: the thread group, so its
   * tgid is the group's). Without it the task is a new process.
   */
  clone?: { from: Task; vm: boolean; files: boolean; thread: boolean };
}

export interface RunOptions {
  /** instruction budget for this call (default 100 million) */
  maxInstructions?: number;
  /**
   * Scheduler tick: every this many instructions TIF_NEED_RESCHED is set on the running task (the timer
   * interrupt's scheduler_tick); it takes effect at the task's next return to user mode. Off by default.
   */
  tickInstructions?: number;
  /**
   * With several CPUs: each CPU runs this many instructions in turn (CPU 0 first), default 1000. The budget and
   * the tick count the instructions of all CPUs together / of each CPU. Ignored with one CPU.
   */
  quantum?: number;
}

export interface RunResult {
  /** exited: no runnable task left; budget: instructions used up; stopped: requestStop; fault: kernel oops */
  reason: "exited" | "budget" | "stopped" | "fault";
  stop: StopReason;
  instructions: number;
  cycles: number;
}

export const DEFAULT_CLOCK_HZ = 3.4e9;

/** With a time limit, the clock is read after at most this many instructions (a few ms of host time). */
const LIMIT_CHECK_INSTRUCTIONS = 1 << 18;

const SIGNAL_FOR_VECTOR: Readonly<Record<number, number>> = {
  0: 8,
  1: 5,
  3: 5,
  6: 4,
  13: 11,
  14: 11,
  12: 11,
};

/** Assembled kernel texts by source and symbols: boots with the same entry options share one assembly. */
const textCache = new Map<string, Assembled>();

function assembleKernelText(text: string, symbols: Map<string, bigint>): Assembled {
  const key = `${text}\u0000${[...symbols].map(([k, v]) => `${k}=${v}`).join(",")}`;
  let a = textCache.get(key);
  if (a === undefined) {
    a = new Assembler({ base: KERNEL_TEXT_BASE, symbols }).asm(text).assemble();
    if (textCache.size >= 32) textCache.clear();
    textCache.set(key, a);
  }
  return a;
}

const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** BootOptions.entry plus a design's hooks, text and data; two texts at one hook point are a host error. */
function mergeEntry(entry: EntryOptions, parts: DesignKernelParts, id: string): EntryOptions {
  const hooks = { ...(entry.hooks ?? {}) };
  for (const [k, v] of Object.entries(parts.hooks ?? {})) {
    const point = k as keyof typeof hooks;
    if (hooks[point] !== undefined && v !== undefined)
      throw new Error(`design ${id}: hook point '${k}' is also set by BootOptions.entry`);
    if (v !== undefined) hooks[point] = v;
  }
  const join = (a: string | undefined, b: string | undefined) =>
    [a, b].filter((x) => x !== undefined && x.trim() !== "").join("\n");
  const out: EntryOptions = { hooks };
  const text = join(entry.extraText, parts.extraText);
  const data = join(entry.extraData, parts.extraData);
  if (text !== "") out.extraText = text;
  if (data !== "") out.extraData = data;
  return out;
}

/** The scheduler plus __switch_to's load_sp0: TSS.sp0 = the next task's stack top (where INT n from user mode
 *  builds its frame, so that frame ends at kernel_stack as the SYSCALL path's does). */
class TssScheduler extends Scheduler {
  private readonly tssCpu: Cpu;

  constructor(
    cpu: Cpu,
    runQueue: readonly Task[],
    percpu: number,
    chargeSwitch: (mm: boolean) => void,
    private readonly onSwitch?: (next: Task) => void,
  ) {
    super(cpu, runQueue, percpu, chargeSwitch);
    this.tssCpu = cpu;
  }

  override loadContext(next: Task, fromNative: boolean): void {
    this.tssCpu.tssRsp0 = next.stackTop;
    this.onSwitch?.(next);
    super.loadContext(next, fromNative);
  }
}

export class Machine implements KernelContext {
  readonly phys: PhysicalMemory;
  /** init_mm: the kernel half every task space shares */
  readonly kspace: AddressSpace;
  readonly cpus: Cpu[];
  /** one scheduler (run queue, current task) per CPU */
  readonly scheds: Scheduler[] = [];
  /** linear address of each CPU's per-cpu area */
  readonly percpus: number[] = [];
  readonly kernelText: Assembled;
  /** the AT&T source kernelText was assembled from, comments included (the web stepper shows it) */
  readonly kernelSource: string;
  readonly designData: Assembled | null;
  readonly symbols: ReadonlyMap<string, bigint>;
  readonly costs: NativeCosts;
  readonly clockHz: number;
  /** BootOptions.seccompCache */
  readonly seccompCache: boolean;
  /** BootOptions.bpfJit: the JIT images and seccomp_run_filters, or null when filters are interpreted */
  readonly seccompJit: SeccompJit | null;
  readonly vfs = new Vfs();
  /** the audit rules (host auditctl: addRule) and the records they made audit_log_exit emit */
  readonly audit = new AuditRules();
  /** the syscalls cgroup hierarchy, mounted at /sys/fs/cgroup/syscalls */
  readonly hierarchy: CgroupHierarchy;
  /** the filter design compiled in */
  readonly design: Design;
  readonly deniedErrno: number;
  /** the entry code compiled in (BootOptions.flavour) and whether PTI is on (linux-generic only) */
  readonly flavour: "linux-3.1" | "linux-generic";
  readonly pti: boolean;
  /** the replay backend when booted with BootOptions.replay */
  readonly replay: ReplayBackend | null;
  readonly tasks: Task[] = [];
  /** linear address of CPU 0's per-cpu area (its GS base in the kernel) */
  readonly percpu: number;
  /** the message of a kernel-mode fault, when one stopped the machine */
  oops: string | null = null;
  /** the guest's bounds (BootOptions.limits, else the process defaults); Infinity where unbounded */
  readonly limits: Readonly<Required<Omit<GuestLimits, "deadline">>>;
  /**
   * tasks reaped by wait4 and released: their accounting, summed (they leave `tasks`); `tasks` counts processes
   * (thread-group leaders), `threads` the other threads of their groups (autoreaped at their exit)
   */
  readonly reaped = {
    tasks: 0,
    threads: 0,
    userCycles: 0,
    sysCycles: 0,
    instret: 0,
    syscalls: 0,
    perSyscall: new Map<number, SyscallAccounting>(),
  };
  /** bytes of guest output dropped past maxOutputBytes (no output sink) */
  readonly outputDropped = { stdout: 0, stderr: 0 };
  private readonly outChunks: Record<"stdout" | "stderr", Uint8Array[]> = { stdout: [], stderr: [] };
  private readonly outBytes = { stdout: 0, stderr: 0 };
  private readonly outputSink: ((stream: "stdout" | "stderr", bytes: Uint8Array) => void) | null;
  private readonly maxOutputBytes: number;
  /** task_struct slots of released tasks (task_struct_cachep) */
  private readonly freeTaskStructs: number[] = [];
  /** dropped tasks whose page tables are still to be freed (reclaimDead) */
  private readonly dead = new Set<Task>();
  private readonly bootedAt = performance.now();
  /** performance.now() past which run() stops with GuestLimitError("timeout") */
  private readonly deadline: number;
  /** instructions retired by every run() so far */
  private retired = 0;
  private stdinBuf: Uint8Array;
  private stdinPos = 0;
  private nextPid = 1;
  private kheapNext = KHEAP_BASE;
  private kheapMapped = KHEAP_BASE;
  private inNative = false;
  /** the CPU executing now (natives and probes run on it); 0 outside run() */
  private active = 0;
  private readonly taskCpu = new Map<Task, number>();
  /** PTI: each task's user PGD, by its kernel PGD */
  private readonly ptiUser = new Map<AddressSpace, AddressSpace>();
  /** SMP: the CPU is halted in cpu_idle (no task; skipped until one is placed on it) */
  private readonly halted: boolean[] = [];
  /** tasks sleeping with a deadline (futex timeouts); the run loops look at timers only while there are some */
  private timedSleepers = 0;
  private released = false;

  static boot(opts: BootOptions = {}): Machine {
    return new Machine(opts);
  }

  private constructor(opts: BootOptions) {
    const ncpus = opts.cpus ?? 1;
    if (!Number.isInteger(ncpus) || ncpus < 1 || ncpus > MAX_CPUS)
      throw new Error(`Machine.boot: cpus must be an integer from 1 to ${MAX_CPUS}, got ${opts.cpus}`);
    this.costs = { ...DEFAULT_NATIVE_COSTS, ...(opts.natives ?? {}) };
    this.clockHz = opts.clockHz ?? DEFAULT_CLOCK_HZ;
    this.seccompCache = opts.seccompCache ?? true;
    if (!(this.clockHz > 0)) throw new Error(`Machine.boot: bad clockHz ${this.clockHz}`);
    this.stdinBuf =
      typeof opts.stdin === "string" ? utf8Encode(opts.stdin) : (opts.stdin ?? new Uint8Array());
    const lim = opts.limits ?? defaultGuestLimits();
    const memoryBytes = lim.memoryBytes ?? opts.memoryBytes;
    this.limits = Object.freeze({
      maxTasks: lim.maxTasks ?? DEFAULT_MAX_TASKS,
      memoryBytes: memoryBytes ?? Number.POSITIVE_INFINITY,
      maxInstructions: lim.maxInstructions ?? Number.POSITIVE_INFINITY,
      timeoutMs: lim.timeoutMs ?? Number.POSITIVE_INFINITY,
    });
    for (const [k, v] of Object.entries(this.limits))
      if (!(v > 0)) throw new Error(`Machine.boot: limits.${k} must be positive, got ${v}`);
    this.deadline = Math.min(lim.deadline ?? Number.POSITIVE_INFINITY, this.bootedAt + this.limits.timeoutMs);
    this.outputSink = opts.output ?? null;
    this.maxOutputBytes = opts.maxOutputBytes ?? 64 * 1024 * 1024;
    this.phys =
      memoryBytes !== undefined ? new PhysicalMemory({ maxBytes: memoryBytes }) : new PhysicalMemory();
    this.kspace = new AddressSpace(this.phys, this.phys.allocFrame());
    this.flavour = opts.flavour ?? "linux-3.1";
    const generic = this.flavour === "linux-generic";
    if (this.flavour !== "linux-3.1" && !generic)
      throw new Error(`Machine.boot: unknown flavour '${opts.flavour}'`);
    this.pti = opts.pti === true;
    if (this.pti && !generic) throw new Error("Machine.boot: pti needs the linux-generic flavour");

    // Kernel data first: its addresses are fixed, so the text can refer to them.
    const asmSyms = generic ? linuxGenericAsmOffsets() : linux31AsmOffsets();
    const nrEntries = generic
      ? GENERIC_NR_SYSCALLS
      : opts.replay !== undefined
        ? REPLAY_NR_SYSCALLS
        : SYSCALL_NAMES_X86_64_3_1.length;
    if (opts.replay !== undefined) asmSyms.set("__NR_syscall_max", BigInt(nrEntries - 1));
    asmSyms.set("sys_call_table", BigInt(KERNEL_DATA_BASE));
    // ia32_sys_call_table (the int $0x80 entry's) on the page after it
    const ia32Table = KERNEL_DATA_BASE + pageUp(nrEntries * 8);
    const nrIa32 = SYSCALL_NAMES_I386_3_1.length;
    asmSyms.set("ia32_sys_call_table", BigInt(ia32Table));
    asmSyms.set("IA32_NR_syscalls", BigInt(nrIa32));
    this.addKernelRegion(KERNEL_DATA_BASE, pageUp(nrEntries * 8) + pageUp(nrIa32 * 8), PTE_W | PTE_NX);
    this.percpu = PERCPU_BASE;
    for (let n = 0; n < ncpus; n++) {
      const area = percpuArea(PERCPU_BASE, n);
      this.percpus.push(area);
      this.addKernelRegion(area, PAGE_SIZE, PTE_W | PTE_NX);
      this.kspace.write64(area + PERCPU_this_cpu_off, BigInt.asUintN(64, BigInt(area)));
      this.kspace.write64(area + PERCPU_cpu_number, BigInt(n));
      if (generic) {
        // cpu_tss_rw: TSS.sp0 = the top of the entry (trampoline) stack in the same page
        const tss = area + CPU_TSS_RW;
        this.addKernelRegion(tss, PAGE_SIZE, PTE_W | PTE_NX);
        this.kspace.write64(tss + TSS_sp0, BigInt.asUintN(64, BigInt(tss + ENTRY_STACK_TOP)));
      }
    }

    // The design's build-time parts: its constants are defined before anything is assembled.
    this.design = opts.design ?? noneDesign();
    this.deniedErrno = opts.deniedErrno ?? ENOSYS;
    if (!Number.isInteger(this.deniedErrno) || this.deniedErrno <= 0 || this.deniedErrno > 4095)
      throw new Error(`Machine.boot: bad deniedErrno ${this.deniedErrno}`);
    const parts = this.design.kernel({ deniedErrno: this.deniedErrno, nrSyscalls: nrEntries });
    asmSyms.set("SYSCALLS_DENIED_ERRNO", BigInt(this.deniedErrno));
    for (const [k, v] of Object.entries(parts.constants ?? {})) asmSyms.set(k, v);
    const entry = mergeEntry(opts.entry ?? {}, parts, this.design.id);
    const designCode =
      Object.keys(entry.hooks ?? {}).length > 0 ||
      entry.extraText !== undefined ||
      entry.extraData !== undefined ||
      (parts.natives ?? []).length > 0;
    if (generic && designCode)
      throw new Error(`design ${this.design.id}: its kernel parts are written for the linux-3.1 entry code`);
    this.designData = null;
    if (entry.extraData !== undefined && entry.extraData.trim() !== "") {
      const d = new Assembler({ base: DESIGN_DATA_BASE, symbols: asmSyms }).asm(entry.extraData).assemble();
      this.addKernelRegion(DESIGN_DATA_BASE, pageUp(Math.max(d.bytes.length, 1)), PTE_W | PTE_NX);
      if (d.bytes.length > 0) this.kspace.writeBytes(DESIGN_DATA_BASE, d.bytes);
      for (const [k, v] of d.labels) asmSyms.set(k, v);
      this.designData = d;
    }

    // Kernel text: the entry code, one stub per native (its label is the native's address), the idle loop.
    this.replay = opts.replay !== undefined ? new ReplayBackend(opts.replay, this) : null;
    const replayNatives =
      this.replay !== null ? [{ name: REPLAY_NATIVE, cost: 0, fn: this.replay.native }] : [];
    const designNatives = [...(parts.natives ?? []), ...replayNatives];
    const genericOnly = generic
      ? Object.keys(GENERIC_NATIVES).filter((x) => !(NATIVE_NAMES as readonly string[]).includes(x))
      : [];
    const natives = [...NATIVE_NAMES, ...genericOnly, ...designNatives.map((d) => d.name)]
      .map((n) => `\t.align 16\n${n}:\n\tud2`)
      .join("\n");
    const entryText = generic
      ? linuxGenericEntryText({ pti: this.pti })
      : `${linux31EntryText(entry)}${linux31Ia32EntryText(entry)}`;
    const bpfJit = opts.bpfJit ?? generic;
    if (bpfJit && !generic) throw new Error("Machine.boot: bpfJit needs the linux-generic flavour");
    // appended last, so nothing before it moves when the JIT is on
    // the profiled machine's retpoline and return thunk decide how the images are called and return
    const mitigations = opts.costs?.mitigations ?? NO_MITIGATIONS;
    const jitText = bpfJit
      ? `${seccompRunFiltersText(mitigations)}${mitigationThunksText(mitigations)}\t.align 16\n${SECCOMP_FILTER_DONE}:\n\tud2\n`
      : "";
    const text = `${entryText}# natives (C functions of Linux, run by the host)\n${natives}\n\t.align 16\ncpu_idle:\n\tcli\n\thlt\n\tjmp cpu_idle\n${jitText}`;
    this.kernelSource = text;
    this.kernelText = assembleKernelText(text, asmSyms);
    const kt = this.kernelText;
    this.addKernelRegion(KERNEL_TEXT_BASE, pageUp(kt.bytes.length), 0); // supervisor, read-only, executable
    this.kspace.writeBytes(KERNEL_TEXT_BASE, kt.bytes);
    const symbols = new Map(asmSyms);
    for (const [k, v] of kt.symbols) symbols.set(k, v);
    this.symbols = symbols;
    for (const e of generic ? LINUX_GENERIC_EXTERNS : [...LINUX31_EXTERNS, ...LINUX31_IA32_EXTERNS])
      if (!symbols.has(e)) throw new Error(`kernel symbol ${e} missing`);
    this.seccompJit = bpfJit
      ? new SeccompJit(
          {
            kspace: this.kspace,
            kmalloc: (size, align) => this.kmalloc(size, align),
            mapText: (vaddr, len) => this.addKernelRegion(vaddr, len, 0),
          },
          this.sym("seccomp_run_filters"),
          this.sym(SECCOMP_FILTER_DONE),
          mitigations.returnThunk === "srso" ? this.sym(SRSO_RETURN_THUNK) : null,
        )
      : null;

    // sys_call_table: every entry sys_ni_syscall unless implemented.
    const table = new DataView(new ArrayBuffer(nrEntries * 8));
    for (let nr = 0; nr < nrEntries; nr++) {
      const name = SYSCALL_NAMES_X86_64_3_1[nr];
      const impl =
        this.replay !== null
          ? REPLAY_NATIVE
          : generic
            ? genericSyscallImpl(nr)
            : ((name !== undefined ? SYSCALL_IMPLS[name] : undefined) ?? "sys_ni_syscall");
      table.setBigUint64(nr * 8, BigInt.asUintN(64, BigInt(this.sym(impl))), true);
    }
    this.kspace.writeBytes(KERNEL_DATA_BASE, new Uint8Array(table.buffer));
    const ia32 = new DataView(new ArrayBuffer(nrIa32 * 8));
    SYSCALL_NAMES_I386_3_1.forEach((name, nr) => {
      const impl = IA32_SYSCALL_IMPLS[name] ?? "sys_ni_syscall";
      ia32.setBigUint64(nr * 8, BigInt.asUintN(64, BigInt(this.sym(impl))), true);
    });
    this.kspace.writeBytes(ia32Table, new Uint8Array(ia32.buffer));

    // Each CPU, as syscall_init() leaves it (secondary CPUs run the same setup on their own area).
    this.cpus = [];
    for (let n = 0; n < ncpus; n++) {
      const cpu =
        opts.costs !== undefined
          ? new Cpu({ space: this.kspace, costs: opts.costs, id: n })
          : new Cpu({ space: this.kspace, id: n });
      this.cpus.push(cpu);
      cpu.writeMsr(MSR_EFER, BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
      cpu.writeMsr(MSR_STAR, STAR_VALUE);
      cpu.writeMsr(
        MSR_LSTAR,
        BigInt.asUintN(64, BigInt(this.sym(generic ? "entry_SYSCALL_64" : "system_call"))),
      );
      cpu.writeMsr(MSR_CSTAR, BigInt.asUintN(64, BigInt(this.sym("ignore_sysret"))));
      cpu.writeMsr(MSR_SYSCALL_MASK, BigInt(generic ? GENERIC_SYSCALL_MASK : SYSCALL_MASK_VALUE));
      cpu.writeMsr(MSR_GS_BASE, BigInt.asUintN(64, BigInt(this.percpus[n]!)));
      cpu.writeMsr(MSR_KERNEL_GS_BASE, 0n);
      cpu.cpl = 0;
      cpu.sreg[SREG_CS] = __KERNEL_CS;
      cpu.sreg[SREG_SS] = __KERNEL_DS;
      cpu.setRflags(FIXED1);
      // set_system_intr_gate(IA32_SYSCALL_VECTOR, ia32_syscall): an interrupt gate user mode may use
      // (the generic flavour has no compat entry: int $0x80 finds no gate)
      if (!generic) cpu.setGate(IA32_SYSCALL_VECTOR, this.sym("ia32_syscall"), 3);

      // generic: __switch_to's update of cpu_current_top_of_stack (TSS.sp1)
      const tss = this.percpus[n]! + CPU_TSS_RW;
      const onSwitch = generic
        ? (next: Task) => this.kspace.write64(tss + TSS_sp1, BigInt.asUintN(64, BigInt(next.stackTop)))
        : undefined;
      this.scheds.push(new TssScheduler(cpu, [], this.percpus[n]!, (mm) => this.chargeSwitch(mm), onSwitch));
      for (const gname of genericOnly) {
        const g = GENERIC_NATIVES[gname]!;
        cpu.registerNative(
          this.sym(gname),
          gname,
          (c) => {
            this.inNative = true;
            try {
              return g.fn(this, c);
            } finally {
              this.inNative = false;
            }
          },
          nativeCost(this.costs, g.cost),
        );
      }
      for (const name of NATIVE_NAMES) {
        const fn = (generic ? GENERIC_NATIVES[name]?.fn : undefined) ?? NATIVES[name];
        const at = this.sym(name);
        cpu.registerNative(
          at,
          name,
          (c) => {
            this.inNative = true;
            try {
              return this.restartable(c, at, fn(this, c));
            } finally {
              this.inNative = false;
            }
          },
          nativeCost(this.costs, name),
        );
      }
      if (this.seccompJit !== null)
        cpu.registerNative(
          this.sym(SECCOMP_FILTER_DONE),
          SECCOMP_FILTER_DONE,
          (c) => {
            this.inNative = true;
            try {
              return native_seccomp_filter_done(this, c);
            } finally {
              this.inNative = false;
            }
          },
          0, // the rest of __seccomp_filter; its work is priced by the charges inside
        );
      for (const d of designNatives) {
        if ((NATIVE_NAMES as readonly string[]).includes(d.name))
          throw new Error(`design ${this.design.id}: native '${d.name}' is a kernel native`);
        cpu.registerNative(
          this.sym(d.name),
          d.name,
          (c) => {
            this.inNative = true;
            try {
              return d.fn(this, c);
            } finally {
              this.inNative = false;
            }
          },
          this.costs[d.name] ?? d.cost,
        );
      }
      cpu.setExceptionHandler((c, vector, err, faultRip, detail) =>
        this.onException(c, vector, faultRip, detail, err),
      );
      if (generic)
        installGenericProbes(
          cpu,
          this.scheds[n]!,
          this,
          (x) => this.sym(x),
          this.sysretAddress("syscall_return_via_sysret"),
          cpu.classCost[INSN_CLASS_INDEX.syscall]!,
        );
      else this.installProbes(cpu);
    }

    // The syscalls cgroup: hierarchy, cgroupfs, then the design's control plane (before any task exists).
    this.hierarchy = new CgroupHierarchy(
      opts.cgroupSync !== undefined
        ? { nrSyscalls: nrEntries, sync: opts.cgroupSync }
        : { nrSyscalls: nrEntries },
    );
    // SMP: a guest writer of the cgroup files takes one step per call (preemptible between steps)
    if (ncpus > 1) this.hierarchy.stepwise = () => (this.inNative ? this.sched.current : null);
    this.vfs.mkdir(CGROUPFS_MOUNT);
    this.vfs.mount(
      CGROUPFS_MOUNT,
      new CgroupFs(this.hierarchy, (pid) => this.tasks.find((t) => t.pid === pid && !t.exited)),
    );
    this.hierarchy.listener = this.design;
    this.design.attach({ machine: this, hierarchy: this.hierarchy, deniedErrno: this.deniedErrno });
  }

  /** The CPU executing now (CPU 0 outside run()): the one natives and probes act on. */
  get cpu(): Cpu {
    return this.cpus[this.active]!;
  }

  /** The scheduler of the CPU executing now (CPU 0's outside run()). */
  get sched(): Scheduler {
    return this.scheds[this.active]!;
  }

  /** The CPU whose run queue holds `task`. */
  cpuOf(task: Task): number {
    const n = this.taskCpu.get(task);
    if (n === undefined) throw new Error(`task ${task.pid} was not created by this machine`);
    return n;
  }

  /** A native that returns -ERESTARTNOINTR runs again (same registers, same return address): a preemption point. */
  private restartable(c: Cpu, at: number, r: number | bigint | undefined): number | bigint | undefined {
    if (r !== -ERESTARTNOINTR) return r;
    c.redirect(at);
    return undefined;
  }

  /** Address of a kernel symbol as a number; Error if unknown. */
  sym(name: string): number {
    const v = this.symbols?.get(name) ?? this.kernelText?.symbols.get(name);
    if (v === undefined) throw new Error(`unknown kernel symbol '${name}'`);
    return Number(BigInt.asIntN(64, v));
  }

  // ---- KernelContext ----

  current(): Task {
    const t = this.sched.current;
    if (t === null) throw new Error("no current task");
    return t;
  }

  /** One switch by the scheduler: its kernel work, the FPU state, and the refill when the address space changes. */
  private chargeSwitch(mm: boolean): void {
    this.charge("context_switch");
    this.charge("switch_fpu");
    if (mm) this.charge("switch_refill");
  }

  charge(name: string, units = 1): void {
    const c = Math.round(nativeCost(this.costs, name) * units);
    if (c > 0) this.cpu.charge(c);
  }

  output(stream: "stdout" | "stderr", bytes: Uint8Array): void {
    if (this.outputSink !== null) {
      this.outputSink(stream, bytes);
      return;
    }
    const room = this.maxOutputBytes - this.outBytes[stream];
    if (bytes.length > room) this.outputDropped[stream] += bytes.length - Math.max(0, room);
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.slice(0, room) : bytes.slice();
    this.outBytes[stream] += kept.length;
    this.outChunks[stream].push(kept);
  }

  input(n: number): Uint8Array {
    const out = this.stdinBuf.subarray(this.stdinPos, this.stdinPos + Math.max(0, n));
    this.stdinPos += out.length;
    return out.slice();
  }

  doExit(code: number, signal: number | null): void {
    const t = this.current();
    this.charge("do_exit");
    this.sched.account();
    t.closeSyscall();
    this.exitNotify(t, code, signal);
    this.sched.retire(t);
    // exit_mm: the last task on an mm that the host holds no reference to gives back its user half now; a zombie
    // keeps only its task_struct and what wait4 reads (exit code, accounting)
    if (!t.hostRef && !this.mmInUse(t.space)) exitMmap(t);
    this.expireTimers();
    const next = this.sched.pickNext(t);
    if (next !== null) {
      this.sched.loadContext(next, this.inNative);
    } else {
      this.goIdle();
    }
    this.afterExit(t);
  }

  /** The CPU has no task to run: it parks in cpu_idle (cli; hlt) until the run loop gives it one. */
  private goIdle(): void {
    this.sched.current = null;
    const idle = this.sym("cpu_idle");
    if (this.inNative) {
      this.cpu.redirect(idle);
    } else {
      enterKernelMode(this.cpu, this.sched.percpu);
      this.cpu.rip = idle;
    }
    this.cpu.setRflags(FIXED1);
  }

  /**
   * do_exit's part before the task is gone: its status, mm_release (CLEARTID: zero the word and wake one shared
   * futex waiter, while other tasks still use the mm), exit_files when it was the last user of its descriptor
   * table, a futex wait it was in, ptrace and the cgroup.
   */
  private exitNotify(t: Task, code: number, signal: number | null): void {
    if (signal === null) t.exitCode = code;
    else t.killedBy = signal;
    mmRelease(this, t, this.mmInUse(t.space, t));
    if (!this.tasks.some((x) => x !== t && !x.exited && x.files === t.files))
      for (const fd of [...t.files.fds.keys()]) t.files.close(fd);
    if (futexCancelWait(this, t, null) && t.sleepDeadlineNs !== null) this.timedSleepers--;
    t.sleepDeadlineNs = null;
    exitPtrace(this, t);
    this.hierarchy.exit(t);
  }

  /** Whether a task other than `except` still uses `space` (mm_users): one alive, or one the host holds. */
  private mmInUse(space: AddressSpace, except?: Task): boolean {
    return this.tasks.some((x) => x !== except && x.space === space && (!x.exited || x.hostRef));
  }

  doGroupExit(code: number, signal: number | null): void {
    const t = this.current();
    const g = t.group;
    if (!g.exiting) {
      // zap_other_threads: every other thread gets SIGKILL; one that is switched out dies now, one running on
      // another CPU at its next instruction boundary in user mode or its next return to user mode
      g.exiting = true;
      g.groupExitCode = code;
      g.groupExitSignal = signal;
      // wait4 reports signal->group_exit_code when SIGNAL_GROUP_EXIT is set, even for a leader that exited before
      if (g.leader.exited) {
        g.leader.exitCode = signal === null ? code : null;
        g.leader.killedBy = signal;
      }
      for (const o of [...g.threads]) if (o !== t && !o.exited) this.zapThread(o, code, signal);
    }
    this.doExit(g.groupExitCode, g.groupExitSignal);
  }

  deThread(): void {
    const t = this.current();
    for (const o of [...t.group.threads]) if (o !== t && !o.exited) this.zapThread(o, 0, SIGKILL);
  }

  /**
   * SIGKILL to one other thread, acting at once: one running on another CPU (which is between two instructions
   * while this one runs) does its do_exit there, as the IPI of signal_wake_up would make it; one switched out
   * (runnable, sleeping, stopped) does it here, with no CPU on its kernel stack. It ends with `code`/`signal`.
   */
  private zapThread(o: Task, code: number, signal: number | null): void {
    const n = this.scheds.findIndex((s) => s.current === o);
    if (n >= 0) {
      const active = this.active;
      const inNative = this.inNative;
      this.active = n;
      this.inNative = false;
      try {
        this.doExit(code, signal);
      } finally {
        this.active = active;
        this.inNative = inNative;
      }
      return;
    }
    o.closeSyscall();
    this.exitNotify(o, code, signal);
    o.state = "exited";
    o.space.write32(o.taskStruct + TSK_state, EXIT_ZOMBIE);
    if (!o.hostRef && !this.mmInUse(o.space)) exitMmap(o);
    this.afterExit(o);
  }

  /**
   * The rest of do_exit once the CPU has left the task. A thread other than its group's leader is reaped at once
   * (release_task: its exit_signal is -1). When the group's last thread is gone, forget_original_parent hands the
   * group's children to init, which reaps the zombies among them at once (and the others when they exit); a
   * leader whose parent has already exited is reaped by init too. Then finish_task_switch's part: kernel stacks
   * and page tables no CPU runs on go back.
   */
  private afterExit(t: Task): void {
    const g = t.group;
    const groupDead = g.live === 0;
    if (groupDead) {
      const zombies = this.tasks.filter(
        (c) => c.parent !== null && c.parent.group === g && c.exited && !c.hostRef && c.group.live === 0,
      );
      for (const c of zombies) this.releaseTask(c);
    }
    if (!t.hostRef) this.dropTask(t);
    if (t !== g.leader) {
      const i = g.threads.indexOf(t);
      if (i >= 0) g.threads.splice(i, 1);
      this.releaseTask(t);
    }
    const leader = g.leader;
    if (
      groupDead &&
      leader.exited &&
      !leader.hostRef &&
      leader.parent !== null &&
      leader.parent.group.live === 0
    )
      this.releaseTask(leader);
    this.reclaimDead();
  }

  /**
   * An exited task no one holds any more (its exit, or the host's releaseTask): its kernel stack (put_task_stack:
   * no CPU runs on it, the idle loop uses no stack), whose thread_info flags move to a host copy as the frames are
   * reused; and, when it was the mm's last user, the user half, then its page tables in reclaimDead.
   */
  private dropTask(t: Task): void {
    if (!this.mmInUse(t.space, t)) {
      exitMmap(t);
      this.dead.add(t);
    }
    if (this.kspace.lookup(t.threadInfo) !== 0) {
      t.detachThreadInfo();
      this.kspace.unmap(t.threadInfo, THREAD_SIZE);
    }
  }

  /**
   * mmdrop: page tables of dropped tasks go back once no CPU has them loaded (an idle CPU stays on the last
   * task's until it is given another, like a lazy-TLB active_mm).
   */
  private reclaimDead(): void {
    for (const t of this.dead) {
      const user = this.ptiUser.get(t.space);
      const spaces = user !== undefined ? [t.space, user] : [t.space];
      if (this.cpus.some((c) => spaces.some((s) => c.cr3 === s.cr3))) continue;
      this.dead.delete(t);
      for (const c of this.cpus) for (const s of spaces) c.unregisterSpace(s);
      this.ptiUser.delete(t.space);
      this.phys.freeFrame(t.space.cr3);
      if (this.pti) this.phys.freeFrame(t.space.cr3 + PAGE_SIZE);
    }
  }

  scheduleFromNative(resumeRax: number): boolean {
    this.expireTimers();
    return this.sched.schedule(resumeRax, true);
  }

  sleepCurrent(resumeRax: number): void {
    const t = this.current();
    const sched = this.sched;
    // schedule()'s pick-next work; the switch itself is charged by loadContext (or below, to the idle task)
    this.charge("schedule");
    t.state = "sleeping";
    t.tif.clear(TIF_NEED_RESCHED);
    if (t.sleepDeadlineNs !== null) this.timedSleepers++;
    const next = sched.pickNext(t);
    sched.saveContext(t, resumeRax);
    if (next !== null) {
      sched.loadContext(next, this.inNative);
      return;
    }
    this.charge("context_switch");
    sched.account();
    this.goIdle();
  }

  wakeUp(t: Task, rax: number): void {
    if (t.state !== "sleeping") return;
    if (t.sleepDeadlineNs !== null) this.timedSleepers--;
    t.sleepDeadlineNs = null;
    t.state = "runnable";
    t.resumeRax = rax;
  }

  /** hrtimer expiry: a futex wait whose deadline its CPU's clock has reached returns -ETIMEDOUT. */
  private expireTimers(): void {
    if (this.timedSleepers === 0) return;
    for (const t of this.tasks) {
      if (t.state !== "sleeping" || t.sleepDeadlineNs === null) continue;
      const cpu = this.cpus[this.cpuOf(t)]!;
      if (nowNs(this, cpu) >= t.sleepDeadlineNs) futexCancelWait(this, t, -ETIMEDOUT);
    }
  }

  /**
   * An idle CPU with sleepers whose deadlines it holds: its clock runs on to the earliest one (idle time, charged
   * to no task), at most to `until` cycles; returns whether a task of it became runnable.
   */
  private idleUntilTimer(n: number, until = Number.POSITIVE_INFINITY): boolean {
    if (this.timedSleepers === 0) return false;
    const cpu = this.cpus[n]!;
    let earliest = Number.POSITIVE_INFINITY;
    for (const t of this.scheds[n]!.runQueue)
      if (t.state === "sleeping" && t.sleepDeadlineNs !== null)
        earliest = Math.min(earliest, t.sleepDeadlineNs);
    if (!Number.isFinite(earliest)) return false;
    const target = Math.min(Math.ceil((earliest * this.clockHz) / 1e9), until);
    if (target > cpu.cycles) cpu.charge(target - cpu.cycles);
    this.scheds[n]!.account();
    this.expireTimers();
    return this.scheds[n]!.pickNext(null) !== null;
  }

  /** The CPU a new thread joins: the one with the fewest live tasks (the lowest number on a tie). */
  placeThread(): number {
    let best = 0;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [n, s] of this.scheds.entries()) {
      let load = 0;
      for (const t of s.runQueue) if (!t.exited) load++;
      if (load < bestLoad) {
        best = n;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Every live task sleeps with no deadline: nothing can ever run again (a deadlock of the program). */
  private deadlocked(): boolean {
    return this.tasks.some((t) => t.state === "sleeping") && !this.tasks.some((t) => t.state === "runnable");
  }

  get stdout(): string {
    return utf8Decode(concatBytes(this.outChunks.stdout));
  }

  get stderr(): string {
    return utf8Decode(concatBytes(this.outChunks.stderr));
  }

  // ---- tasks ----

  /** A new user task at CPL 3, runnable; its first return to user mode goes through ret_from_fork (SYSRET). */
  createTask(opts: CreateTaskOptions): Task {
    const image = typeof opts.image === "function" ? null : opts.image;
    const base = image !== null ? toLinear(image.base) : 0;
    const len = image !== null ? image.bytes.length : 0;
    if (image !== null) {
      const entry = toLinear(image.entry);
      if (base < 0 || base % PAGE_SIZE !== 0)
        throw new Error("createTask: image.base must be a page-aligned user address");
      if (len === 0) throw new Error("createTask: empty image");
      if (base + pageUp(len) > USER_STACK_TOP - USER_STACK_SIZE)
        throw new Error("createTask: image overlaps the stack");
      if (entry < base || entry >= base + len) throw new Error("createTask: entry outside the image");
    }
    const parent = opts.parent ?? null;
    const share = opts.clone ?? null;
    const from = share?.from ?? parent;
    const cpuNr = opts.cpu ?? (from !== null ? (this.taskCpu.get(from) ?? 0) : 0);
    if (!Number.isInteger(cpuNr) || cpuNr < 0 || cpuNr >= this.cpus.length)
      throw new Error(`createTask: no CPU ${opts.cpu} (the machine has ${this.cpus.length})`);
    this.reclaimDead();
    const pid = this.nextPid++;
    const slot = KSTACK_BASE + (pid - 1) * KSTACK_SLOT;

    // CLONE_VM: the same address space (page tables, every mapping), registered with the CPUs already
    const shared = share?.vm === true ? share.from.space : null;
    // the kernel half is the shared one: nothing of it is copied into the new page tables
    const space =
      shared ??
      new AddressSpace(this.phys, this.pti ? allocPgdPair(this.phys) : this.phys.allocFrame(), this.kspace);
    if (shared === null) for (const c of this.cpus) c.registerSpace(space);
    if (this.pti && shared === null) {
      // the user PGD: the user half, the entry text up to __entry_text_end and the TSS pages (pti_clone_*)
      const trampoline = [
        { vaddr: KERNEL_TEXT_BASE, length: this.sym("__entry_text_end") - KERNEL_TEXT_BASE },
        ...this.percpus.map((a) => ({ vaddr: a + CPU_TSS_RW, length: PAGE_SIZE })),
      ];
      const user = ptiUserSpace(space, trampoline);
      for (const c of this.cpus) c.registerSpace(user);
      this.ptiUser.set(space, user);
    }
    let loaded: LoadedUser;
    if (shared !== null) {
      loaded = { entry: 0, rsp: 0, brk: share!.from.brk };
    } else if (image !== null) {
      // The image is writable and executable (programs keep their data next to their code).
      space.map(base, pageUp(len), PTE_U | PTE_W);
      space.writeBytes(base, image.bytes);
      space.map(USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_U | PTE_W | PTE_NX);
      // argc = 0, argv/envp/auxv empty (zeroed stack)
      loaded = { entry: toLinear(image.entry), rsp: USER_STACK_TOP - 64, brk: pageUp(base + len) };
    } else {
      loaded = (opts.image as (s: AddressSpace) => LoadedUser)(space);
    }

    const stackBase = slot + KSTACK_SLOT - THREAD_SIZE;
    this.addKernelRegion(stackBase, THREAD_SIZE, PTE_W | PTE_NX);
    const stackTop = stackBase + THREAD_SIZE;
    const taskStruct = this.allocTaskStruct();
    const ks = this.kspace;
    const w64 = (a: number, v: number | bigint) => ks.write64(a, BigInt.asUintN(64, BigInt(v)));

    const uid = opts.uid ?? parent?.creds.uid ?? 0;
    const gid = opts.gid ?? parent?.creds.gid ?? 0;
    const creds: Creds = { uid, euid: uid, suid: uid, fsuid: uid, gid, egid: gid };
    const task = new Task({
      pid,
      name: opts.name,
      parent,
      kspace: ks,
      space,
      threadInfo: stackBase,
      taskStruct,
      stackTop,
      creds,
      files:
        share?.files === true ? share.from.files : from !== null ? from.files.clone() : FdTable.standard(),
      cwd: from?.cwd ?? "/",
      brk: loaded.brk,
      ...(share?.thread === true ? { group: share.from.group } : {}),
      ...(shared !== null ? { mmBrk: share!.from.mmBrk } : {}),
      ...(this.flavour === "linux-generic" ? { tif: genericTifWord(ks, stackBase) } : {}),
    });

    // task_struct and thread_info
    ks.write32(taskStruct + TSK_state, TASK_RUNNING);
    w64(taskStruct + TSK_stack, stackBase);
    ks.write32(taskStruct + TSK_pid, pid);
    ks.write32(taskStruct + TSK_tgid, task.tgid);
    if (this.flavour === "linux-3.1") {
      w64(stackBase + TI_task, taskStruct);
      ks.write32(stackBase + TI_flags, _TIF_FORK);
      ks.write32(stackBase + TI_cpu, cpuNr);
      w64(stackBase + TI_addr_limit, TASK_SIZE_MAX);
    }

    // The child's pt_regs at the stack top (as copy_thread leaves it) and a switch frame into ret_from_fork.
    const userRsp = loaded.rsp;
    const regs = stackTop - P.PT_REGS_SIZE;
    w64(regs + P.RIP, loaded.entry);
    w64(regs + P.CS, __USER_CS);
    w64(regs + P.EFLAGS, IF | FIXED1);
    w64(regs + P.RSP, userRsp);
    w64(regs + P.SS, __USER_DS);
    w64(regs + P.R11, IF | FIXED1);
    w64(regs + P.ORIG_RAX, -1);
    const sp = regs - SWITCH_FRAME_SIZE;
    w64(sp + SWITCH_FRAME_RFLAGS, FIXED1);
    w64(sp + SWITCH_FRAME_RET, this.sym("ret_from_fork"));
    task.threadSp = sp;
    task.usersp = userRsp;
    task.hostRef = opts.hostRef ?? true;
    this.tasks.push(task);
    this.taskCpu.set(task, cpuNr);
    (this.scheds[cpuNr]!.runQueue as Task[]).push(task);
    // cgroup_fork / cgroup_post_fork: the child starts in its parent's cgroup, a task without one in the root
    // copy_process: seccomp mode, filters and no_new_privs are inherited (TI_flags is written by now)
    task.seccompCache = this.seccompCache;
    if (from !== null) inheritSeccomp(from, task);
    this.hierarchy.attach(task, from !== null ? this.hierarchy.cgroupOf(from) : this.hierarchy.root);
    return task;
  }

  /** task_struct_cachep: a released task's slot, zeroed, else fresh kernel heap. */
  private allocTaskStruct(): number {
    const reused = this.freeTaskStructs.pop();
    if (reused === undefined) return this.kmalloc(TASK_STRUCT_SIZE);
    this.kspace.writeBytes(reused, new Uint8Array(TASK_STRUCT_SIZE));
    return reused;
  }

  /** Tasks alive now (created, not exited). */
  get liveTasks(): number {
    let n = 0;
    for (const t of this.tasks) if (!t.exited) n++;
    return n;
  }

  /**
   * copy_process's checks before a guest fork: -EAGAIN at limits.maxTasks tasks not yet reaped (zombies count, as
   * RLIMIT_NPROC's count of a user's processes drops only in release_task), -ENOMEM
   * when `userPages` copied pages plus the new task's page tables and kernel stack do not fit in guest memory.
   */
  forkCheck(userPages: number): number {
    if (this.tasks.length >= this.limits.maxTasks) return -EAGAIN;
    const kernelFrames = 2 + THREAD_SIZE / PAGE_SIZE + 1; // PGD(s), the stack, a kernel-heap page
    if (userPages + kernelFrames > this.phys.frameCount - this.phys.framesInUse) return -ENOMEM;
    return 0;
  }

  /**
   * release_task: a reaped zombie gives back its task_struct and leaves `tasks` and its run queue; its accounting
   * is added to `reaped`. A task the host held (CreateTaskOptions.hostRef) gives back its user memory, kernel stack
   * and page tables now too (a guest-forked task gave them back at its exit). wait4 calls it; the host calls it for
   * the tasks it created.
   */
  releaseTask(t: Task): void {
    if (!t.exited) throw new Error(`releaseTask: task ${t.pid} has not exited`);
    const i = this.tasks.indexOf(t);
    if (i < 0) return;
    this.tasks.splice(i, 1);
    const r = this.reaped;
    if (t.tgid === t.pid) r.tasks++;
    else r.threads++;
    r.userCycles += t.acct.userCycles;
    r.sysCycles += t.acct.sysCycles;
    r.instret += t.acct.instret;
    r.syscalls += t.acct.syscalls;
    for (const [nr, e] of t.acct.perSyscall) {
      const s = r.perSyscall.get(nr);
      if (s === undefined) r.perSyscall.set(nr, { ...e });
      else {
        s.calls += e.calls;
        s.sysCycles += e.sysCycles;
        s.cycles += e.cycles;
        s.instret += e.instret;
      }
    }
    this.freeTaskStructs.push(t.taskStruct);
    const q = this.scheds[this.cpuOf(t)]!.runQueue as Task[];
    q.splice(q.indexOf(t), 1);
    this.taskCpu.delete(t);
    if (t.hostRef) {
      t.hostRef = false;
      this.dropTask(t);
    }
    this.reclaimDead();
  }

  /** Send a signal: it is delivered (default action: terminate) by do_notify_resume on the way to user mode. */
  kill(task: Task, sig: number): void {
    task.pendingSignals.push(sig);
    task.tif.set(TIF_SIGPENDING);
    // a task asleep in a futex wait is woken to take it (-EINTR)
    if (task.state === "sleeping") futexCancelWait(this, task, -EINTR);
  }

  /** kmalloc: kernel heap memory (supervisor, writable, NX), zeroed, visible in every address space. */
  kmalloc(size: number, align = 16): number {
    const at = Math.ceil(this.kheapNext / align) * align;
    const end = at + size;
    if (end > KHEAP_BASE + KHEAP_SIZE) throw new Error("kmalloc: kernel heap exhausted");
    if (end > this.kheapMapped) {
      const grow = pageUp(end - this.kheapMapped);
      this.addKernelRegion(this.kheapMapped, grow, PTE_W | PTE_NX);
      this.kheapMapped += grow;
    }
    this.kheapNext = end;
    return at;
  }

  /**
   * The host is done with this machine: its guest RAM goes back to this thread, and the next boot of the same
   * memory size takes it (zeroed and reset, so a machine booted on it is exactly a fresh one) instead of
   * allocating. Nothing of the machine (tasks, their memory, the CPUs) may be used after this; run() refuses.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.phys.release();
  }

  /** release() was called */
  get isReleased(): boolean {
    return this.released;
  }

  // ---- running ----

  run(opts: RunOptions = {}): RunResult {
    if (this.released) throw new Error("Machine.run: the machine was released");
    if (this.cpus.length > 1) return this.runSmp(opts);
    const cpu = this.cpu;
    const startInstret = cpu.instret;
    const startCycles = cpu.cycles;
    const budget = opts.maxInstructions ?? 100_000_000;
    const tick = opts.tickInstructions;
    const result = (reason: RunResult["reason"], stop: StopReason): RunResult => {
      this.sched.account();
      this.retired += cpu.instret - startInstret;
      return { reason, stop, instructions: cpu.instret - startInstret, cycles: cpu.cycles - startCycles };
    };
    if (this.oops !== null) return result("fault", { kind: "stop", reason: this.oops });
    if (this.sched.current === null) {
      const first = this.sched.pickNext(null);
      if (first === null) return result("exited", { kind: "stop", reason: "no runnable task" });
      this.sched.loadContext(first, false);
    }
    const timed = Number.isFinite(this.deadline);
    let untilTick = tick !== undefined && tick > 0 ? tick : Number.POSITIVE_INFINITY;
    for (;;) {
      const used = cpu.instret - startInstret;
      const left = budget - used;
      if (left <= 0) return result("budget", { kind: "budget" });
      const lifeLeft = this.limits.maxInstructions - this.retired - used;
      if (lifeLeft <= 0) this.limitHit("budget", () => result("budget", { kind: "budget" }));
      // the machine's own limits cut the slice shorter; only the budget and the tick end it as before
      const slice = Math.min(left, untilTick, lifeLeft, timed ? LIMIT_CHECK_INSTRUCTIONS : left);
      const before = cpu.instret;
      const r = cpu.run(slice);
      if (timed && performance.now() > this.deadline) this.limitHit("timeout", () => result("stopped", r));
      const did = cpu.instret - before;
      untilTick -= did;
      switch (r.kind) {
        case "budget":
          if (untilTick <= 0 || did >= left) {
            if (tick !== undefined && this.sched.current !== null)
              this.sched.current.tif.set(TIF_NEED_RESCHED);
            if (untilTick <= 0) untilTick = tick!;
          }
          continue;
        case "hlt":
        case "stop":
          if (r.kind === "stop" && this.oops !== null) return result("fault", r);
          if (
            r.kind === "hlt" &&
            this.sched.current === null &&
            (this.sched.pickNext(null) !== null || this.idleUntilTimer(0))
          ) {
            // a sleeper's timeout woke it while the CPU idled
            this.sched.loadContext(this.sched.pickNext(null)!, false);
            continue;
          }
          if (this.sched.current === null && this.deadlocked())
            return result("stopped", { kind: "stop", reason: DEADLOCK });
          return result(this.sched.current === null ? "exited" : "stopped", r);
        case "fault":
          this.oops = `unhandled ${EXCEPTION_NAMES[r.vector] ?? r.vector} at 0x${r.rip.toString(16)}: ${r.detail}`;
          return result("fault", r);
      }
    }
  }

  /**
   * The SMP run loop: CPUs take turns of `quantum` instructions in CPU order; an idle CPU (no runnable task, parked
   * at cpu_idle) is skipped. Ends when every CPU is idle (exited), on the budget (all CPUs' instructions), on a
   * requestStop (stopped) or on an oops (fault).
   */
  private runSmp(opts: RunOptions): RunResult {
    const cpus = this.cpus;
    const instret = () => cpus.reduce((a, c) => a + c.instret, 0);
    const cycles = () => cpus.reduce((a, c) => a + c.cycles, 0);
    const startInstret = instret();
    const startCycles = cycles();
    const budget = opts.maxInstructions ?? 100_000_000;
    const tick = opts.tickInstructions !== undefined && opts.tickInstructions > 0 ? opts.tickInstructions : 0;
    const quantum = opts.quantum ?? 1000;
    if (!Number.isInteger(quantum) || quantum < 1) throw new Error(`run: bad quantum ${opts.quantum}`);
    const untilTick = cpus.map(() => tick);
    const result = (reason: RunResult["reason"], stop: StopReason): RunResult => {
      for (const s of this.scheds) s.account();
      this.active = 0;
      this.retired += instret() - startInstret;
      return { reason, stop, instructions: instret() - startInstret, cycles: cycles() - startCycles };
    };
    if (this.oops !== null) return result("fault", { kind: "stop", reason: this.oops });
    const timed = Number.isFinite(this.deadline);
    let used = 0;
    let sinceCheck = 0;
    for (;;) {
      if (used >= this.limits.maxInstructions - this.retired)
        this.limitHit("budget", () => result("budget", { kind: "budget" }));
      if (timed && used - sinceCheck >= LIMIT_CHECK_INSTRUCTIONS) {
        sinceCheck = used;
        if (performance.now() > this.deadline)
          this.limitHit("timeout", () => result("stopped", { kind: "budget" }));
      }
      let ran = false;
      this.expireTimers();
      for (let n = 0; n < cpus.length; n++) {
        const cpu = cpus[n]!;
        const sched = this.scheds[n]!;
        this.active = n;
        if (sched.current === null) {
          // an idle CPU's clock keeps up with the busiest CPU's while it holds a sleeper's deadline
          if (this.timedSleepers > 0 && sched.pickNext(null) === null)
            this.idleUntilTimer(n, Math.max(...cpus.map((c) => c.cycles)));
          const next = sched.pickNext(null);
          if (next !== null) {
            sched.loadContext(next, false);
            this.halted[n] = false;
          } else if (this.halted[n] ?? true) continue; // idle (a CPU that never had a task waits halted too)
        }
        const left = budget - used;
        if (left <= 0) return result("budget", { kind: "budget" });
        let slice = Math.min(quantum, left);
        if (tick > 0) slice = Math.min(slice, untilTick[n]!);
        const lifeLeft = this.limits.maxInstructions - this.retired - used;
        if (lifeLeft <= 0) this.limitHit("budget", () => result("budget", { kind: "budget" }));
        slice = Math.min(slice, lifeLeft);
        const before = cpu.instret;
        const r = cpu.run(slice);
        const did = cpu.instret - before;
        used += did;
        ran = true;
        if (tick > 0) {
          untilTick[n]! -= did;
          if (untilTick[n]! <= 0) {
            untilTick[n] = tick;
            sched.current?.tif.set(TIF_NEED_RESCHED);
          }
        }
        switch (r.kind) {
          case "budget":
            continue;
          case "hlt":
            // hlt with no task: the CPU reached cpu_idle's hlt; with a task, a stop (as on 1 CPU)
            if (sched.current !== null) return result("stopped", r);
            this.halted[n] = true;
            continue;
          case "stop":
            if (this.oops !== null) return result("fault", r);
            return result(this.scheds.some((x) => x.current !== null) ? "stopped" : "exited", r);
          case "fault":
            this.oops = `unhandled ${EXCEPTION_NAMES[r.vector] ?? r.vector} on CPU ${n} at 0x${r.rip.toString(16)}: ${r.detail}`;
            return result("fault", r);
        }
      }
      if (!ran) {
        // every CPU idles: the earliest deadline among the sleepers comes next
        let woke = false;
        for (let n = 0; n < cpus.length && !woke; n++) woke = this.idleUntilTimer(n);
        if (woke) continue;
        if (this.deadlocked()) return result("stopped", { kind: "stop", reason: DEADLOCK });
        return result("exited", { kind: "stop", reason: "no runnable task" });
      }
    }
  }

  /** Ends run() on a machine limit: the accounting is brought up to date (`finish`), then GuestLimitError. */
  private limitHit(kind: "budget" | "timeout", finish: () => RunResult): never {
    finish();
    throw new GuestLimitError(
      kind,
      kind === "budget" ? this.limits.maxInstructions : this.limits.timeoutMs,
      this.retired,
    );
  }

  /** Instructions retired after the budget and the time limit are looked at. */
  get instructionsRetired(): number {
    return this.retired;
  }

  /** A fault at CPL 3 kills the task with the matching signal; at CPL 0 it is an oops that stops the machine. */
  private onException(cpu: Cpu, vector: number, faultRip: number, detail: string, err = 0): void {
    const t = this.sched.current;
    if (cpu.cpl === 3 && t !== null) {
      // a user handler for the signal runs now (syscalls/signal.ts); otherwise the task dies of it
      if (deliverFault(this, cpu, vector, err, faultRip, vector === 14 ? cpu.cr2 : faultRip)) return;
      t.fault = { vector, rip: faultRip, detail };
      // force_sig_info of a fatal signal: the whole thread group dies of it
      this.doGroupExit(0, SIGNAL_FOR_VECTOR[vector] ?? 11);
      return;
    }
    const where = symbolize(BigInt.asUintN(64, BigInt(faultRip)), this.kernelText.labels);
    this.oops = `kernel ${EXCEPTION_NAMES[vector] ?? `vector ${vector}`} at ${where || faultRip}: ${detail}`;
    cpu.requestStop(this.oops);
  }

  /** Maps kernel memory in the shared kernel half: every address space sees it at once. */
  private addKernelRegion(vaddr: number, length: number, flags: number): void {
    this.kspace.map(vaddr, length, flags);
  }

  /** Path and return-instruction counters, read off the entry code with CPU probes (no guest instructions). */
  private installProbes(cpu: Cpu): void {
    const sched = this.scheds[cpu.id]!;
    const cur = () => sched.current;
    // the entry code's masks as assembled (a design may override them)
    const workEntry = Number(this.symbols.get("_TIF_WORK_SYSCALL_ENTRY") ?? BigInt(_TIF_WORK_SYSCALL_ENTRY));
    const auditOnly = workEntry & ~_TIF_SYSCALL_AUDIT;
    // SYSCALL has no memory operand, so its cost is exactly its class cost.
    const syscallCost = cpu.classCost[INSN_CLASS_INDEX.syscall]!;
    cpu.addProbe(this.sym("system_call"), () => {
      const t = cur();
      if (t !== null) {
        t.acct.syscalls++;
        t.viaAudit = false;
        sched.account();
        t.closeSyscall();
        t.openSyscall = {
          nr: Number(BigInt.asIntN(64, cpu.getReg(RAX))),
          startSys: t.acct.sysCycles,
          startInstret: t.acct.instret,
          syscallCost,
        };
      }
    });
    cpu.addProbe(this.sym("tracesys"), () => {
      const t = cur();
      if (t !== null && t.tif.get() & auditOnly) t.acct.paths.trace++;
    });
    cpu.addProbe(this.sym("auditsys"), () => {
      const t = cur();
      if (t !== null) {
        t.acct.paths.audit++;
        t.viaAudit = true;
      }
    });
    cpu.addProbe(this.sym("system_call_fastpath"), () => {
      const t = cur();
      if (t === null) return;
      if (t.viaAudit) t.viaAudit = false;
      else t.acct.paths.fast++;
    });
    cpu.addProbe(this.sym("badsys"), () => {
      const t = cur();
      if (t !== null) t.acct.paths.badsys++;
    });
    const ret = (kind: "sysret" | "iret") => () => {
      const t = cur();
      if (t === null) return;
      if (t.forkReturnPending) t.forkReturnPending = false;
      else t.acct.paths[kind]++;
    };
    cpu.addProbe(this.sysretAddress(), ret("sysret"));
    cpu.addProbe(this.sym("irq_return"), ret("iret"));
  }

  /** The `sysretq` of USERGS_SYSRET64 in sysret_check (3.1 has no label there). */
  private sysretAddress(label = "sysret_check"): number {
    const from = this.kernelText.labels.get(label)!;
    const line = this.kernelText.lines.find((l) => l.addr >= from && /^\s*sysretq\b/.test(l.text));
    if (line === undefined) throw new Error(`sysretq not found after ${label}`);
    return Number(BigInt.asIntN(64, line.addr));
  }
}
