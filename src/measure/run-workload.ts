import { getDesign } from "../cgroup/designs/index.ts";
import { Machine } from "../kernel/machine.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../kernel/task.ts";
import { TIF_NAMES } from "../kernel/tif.ts";
import { getWorkload } from "../workload/index.ts";
import type { CostProfile } from "./profile.ts";

export interface RunOptions {
  workload: string;
  count: number;
  gap?: number;
  profile: CostProfile;
  /** TIF flag names (lower case, without the TIF_ prefix: "syscall_audit" or the short forms "audit", "trace") set on the task before it starts */
  tif?: readonly string[];
  /** the filter design compiled into the kernel (src/cgroup/designs), default "none" */
  design?: string;
  /** what a denied call returns (positive errno), default ENOSYS */
  deniedErrno?: number;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: "linux-3.1" | "linux-generic";
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
  /** BootOptions.bpfJit (linux-generic: seccomp filters as JIT code, the default; false: the interpreter model) */
  bpfJit?: boolean;
  /** runs after the task exists and before it starts: build cgroups, move the task, write policies */
  setup?: (machine: Machine, task: Task) => void;
}

export interface CallRow {
  nr: number;
  name: string;
  calls: number;
  sysCycles: number;
  cycles: number;
  instret: number;
}

export interface PathCounts {
  fast: number;
  audit: number;
  trace: number;
  badsys: number;
  sysret: number;
  iret: number;
}

export interface RunReport {
  workload: string;
  design: string;
  /** bytes of guest kernel memory the design's data structures use at the end of the run */
  designMemoryBytes: number;
  profile: string;
  count: number;
  gap: number;
  tif: string[];
  syscalls: number;
  userCycles: number;
  sysCycles: number;
  totalCycles: number;
  instret: number;
  /** the loop's syscalls (the final exit_group excluded): per name, calls and exact cycles */
  calls: CallRow[];
  /** CPL-0 cycles per loop syscall: entry path, body and return instruction */
  sysCyclesPerCall: number;
  /** round trip per loop syscall: the SYSCALL instruction plus sysCyclesPerCall */
  cyclesPerCall: number;
  paths: PathCounts;
  exitCode: number | null;
  killedBy: number | null;
  /** the kernel's reason for killing the task, if it gave one */
  killReason: string | null;
  stdout: string;
}

const TIF_BY_NAME: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(TIF_NAMES).map(([bit, name]) => [name, Number(bit)]),
);

const EXIT_GROUP = 231;

/** Short names accepted by --tif for the bits a syscall-path study sets by hand. */
const TIF_SHORT: Readonly<Record<string, string>> = {
  audit: "TIF_SYSCALL_AUDIT",
  trace: "TIF_SYSCALL_TRACE",
  emu: "TIF_SYSCALL_EMU",
  seccomp: "TIF_SECCOMP",
  singlestep: "TIF_SINGLESTEP",
  tracepoint: "TIF_SYSCALL_TRACEPOINT",
  need_resched: "TIF_NEED_RESCHED",
  notify_resume: "TIF_NOTIFY_RESUME",
  iret: "TIF_IRET",
};

export function resolveTif(name: string): { name: string; bit: number } {
  const key = name.trim().toLowerCase();
  const full = Object.hasOwn(TIF_SHORT, key)
    ? TIF_SHORT[key]!
    : `TIF_${key.toUpperCase().replace(/^TIF_/, "")}`;
  const bit = Object.hasOwn(TIF_BY_NAME, full) ? TIF_BY_NAME[full] : undefined;
  if (bit === undefined) {
    throw new Error(
      `unknown TIF flag '${name}' (known: ${Object.keys(TIF_SHORT).join(", ")}, or any TIF_* name of Linux 3.1)`,
    );
  }
  return { name: full, bit };
}

/** Boots a fresh machine, runs one workload task to completion, and reports exact cycle accounting. */
export function runWorkload(opts: RunOptions): RunReport {
  const workload = getWorkload(opts.workload);
  const gap = opts.gap ?? 0;
  const tifs = (opts.tif ?? []).map(resolveTif);
  const image = workload.build({ count: opts.count, gap });
  const design = getDesign(opts.design ?? "none");
  const machine = Machine.boot({
    costs: opts.profile.costs,
    natives: opts.profile.natives,
    design,
    ...(opts.deniedErrno !== undefined ? { deniedErrno: opts.deniedErrno } : {}),
    ...(opts.flavour !== undefined ? { flavour: opts.flavour } : {}),
    ...(opts.pti === true ? { pti: true } : {}),
    ...(opts.bpfJit !== undefined ? { bpfJit: opts.bpfJit } : {}),
  });
  const task = machine.createTask({ name: workload.name, image });
  for (const t of tifs) task.tif.set(t.bit);
  opts.setup?.(machine, task);
  const result = machine.run({ maxInstructions: Number.MAX_SAFE_INTEGER });
  if (result.reason === "fault") throw new Error(`the machine stopped: ${machine.oops ?? result.stop.kind}`);
  const a = task.acct;
  const syscalls = a.syscalls;
  const calls: CallRow[] = [...a.perSyscall]
    .filter(([nr]) => nr !== EXIT_GROUP)
    .sort(([x], [y]) => x - y)
    .map(([nr, e]) => ({ nr, name: SYSCALL_NAMES_X86_64_3_1[nr] ?? `nr ${nr}`, ...e }));
  const loopCalls = calls.reduce((n, c) => n + c.calls, 0);
  const loopSys = calls.reduce((n, c) => n + c.sysCycles, 0);
  const loopCycles = calls.reduce((n, c) => n + c.cycles, 0);
  const stdout = machine.stdout;
  // the caller never saw the machine (no setup hook): its RAM goes to the next boot; else the caller releases it
  if (opts.setup === undefined) machine.release();
  return {
    workload: workload.name,
    design: design.id,
    designMemoryBytes: design.memoryBytes(),
    profile: opts.profile.name,
    count: opts.count,
    gap,
    tif: tifs.map((t) => t.name),
    syscalls,
    userCycles: a.userCycles,
    sysCycles: a.sysCycles,
    totalCycles: a.userCycles + a.sysCycles,
    instret: a.instret,
    calls,
    sysCyclesPerCall: loopCalls ? loopSys / loopCalls : 0,
    cyclesPerCall: loopCalls ? loopCycles / loopCalls : 0,
    paths: { ...a.paths },
    exitCode: task.exitCode,
    killedBy: task.killedBy,
    killReason: task.killReason,
    stdout,
  };
}
