// `syscall-lab exec PROGRAM [ARGS…]`: run an unmodified x86-64 Linux executable on the emulated machine, pass its
// stdout/stderr through as it produced them, then report the exact cycle accounting. With `--root DIR` the
// program, its ELF interpreter and every file it opens come from DIR (read-only, writes kept in memory).
import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { errnoName } from "../kernel/errno-names.ts";
import { execTask, InterpError, setExePath } from "../kernel/exec.ts";
import { HostDirFs, HostRootError, hostFileMeta } from "../kernel/fs/host-dir.ts";
import { GENERIC_SYSCALL_NAMES } from "../kernel/generic-entry.ts";
import { defaultGuestLimits, GuestLimitError, type GuestLimits } from "../kernel/guest-limits.ts";
import { DEADLOCK, Machine } from "../kernel/machine.ts";
import { MAX_CPUS } from "../kernel/percpu.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.ts";
import { openExec } from "../kernel/syscalls/execve.ts";
import { loadReg } from "../kernel/vfs.ts";
import { flavourBlocks } from "../measure/compare.ts";
import { INPUT_LIMITS, readInputFile } from "../measure/input-file.ts";
import {
  BUILT_IN_POLICIES,
  loadPolicy,
  PolicyFileError,
  SECCOMP_POLICY_PREFIX,
} from "../measure/policy-file.ts";
import type { CostProfile } from "../measure/profile.ts";
import { ElfError } from "../workload/elf.ts";
import { exitForGuest } from "./exit-codes.ts";
import { fmtInt, table, UsageError } from "./output.ts";

export interface ExecCommandOptions {
  /** a host path; with `root`, a path inside the guest root */
  program: string;
  /** host directory mounted read-only as the guest's "/" (with an in-memory overlay that is discarded) */
  root?: string;
  /**
   * CPUID also reports FPU, CX8 and MMX (the rest of the x86-64 baseline, still #UD here), so that a distribution's
   * libc.so.6 passes its ISA-level check; default: on with `root`
   */
  cpuidBaseline?: boolean;
  args: string[];
  /** argv[0] and the exec path the program sees (AT_EXECFN, /proc/self/exe); default `program` */
  argv0?: string;
  profile: CostProfile;
  /** filter design compiled into the kernel (default none) */
  design?: string;
  /** what a denied call returns (positive errno), default ENOSYS */
  deniedErrno?: number;
  /** the syscalls cgroup the program starts in (created if missing), e.g. /demo */
  cgroup?: string;
  /** syscall names or numbers the --cgroup denies */
  deny?: string[];
  /**
   * a seccomp policy (built-in name or file) whose allow set the --cgroup gets: every number outside it is denied
   * (argument-checked calls are allowed, a bitmap cannot test arguments)
   */
  policy?: string;
  /** host:guest[:rw] files made visible in the guest VFS */
  files?: string[];
  /** host file read as fd 0 */
  stdin?: string;
  /** environment strings (default none, as `env -i`) */
  env?: string[];
  /** the machine's limits: instructions (default 2 billion), time, memory, live tasks */
  limits?: GuestLimits;
  /**
   * Where the program's output goes as it writes it (the CLI: the host's stdout/stderr). Without it the output
   * is kept in the report's `stdout`/`stderr` (up to 64 MiB each).
   */
  output?: (stream: "stdout" | "stderr", bytes: Uint8Array) => void;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: "linux-3.1" | "linux-generic";
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
  /** emulated CPUs (1..8, default 1): the program's threads are spread over them (Machine.placeThread) */
  cpus?: number;
}

export interface ExecCallRow {
  nr: number;
  name: string;
  calls: number;
  cycles: number;
  sysCycles: number;
  instret: number;
}

export interface ExecReport {
  program: string;
  argv: string[];
  profile: string;
  design: string;
  /** the kernel's entry code */
  flavour: "linux-3.1" | "linux-generic";
  pti: boolean;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** terminating signal, if a signal ended the program */
  signal: number | null;
  /** the fault that killed it (SIGSEGV/SIGILL/SIGFPE), with the instruction bytes for #UD */
  fault: string | null;
  /** every process the program created (fork), the first one included */
  tasks: number;
  /** every task: the processes and their threads (clone with CLONE_THREAD) */
  threads: number;
  /** emulated CPUs */
  cpus: number;
  userCycles: number;
  sysCycles: number;
  instructions: number;
  syscalls: number;
  calls: ExecCallRow[];
  /** the instruction budget ran out before the program ended */
  budgetExhausted: boolean;
  /** the time limit ended the program */
  timedOut: boolean;
  /** the limit's message when one ended the program */
  limit: string | null;
  /** output bytes not kept (past 64 MiB per stream, without an output sink) */
  outputDropped: number;
  /** the guest root (--root), null without one */
  root: string | null;
  /** CPUID answers with vendor GenuineIntel, which glibc needs before it reads the feature bits (cpuid.ts) */
  cpuidBaselineClaims: boolean;
  /** with --policy: the policy, how many numbers the cgroup denies, and the calls allowed without their argument checks */
  policy?: { spec: string; denied: number; conditional: string[] };
}

function parseFileSpec(spec: string): { host: string; guest: string; rw: boolean } {
  const parts = spec.split(":");
  const rw = parts.length === 3 && parts[2] === "rw";
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    (parts.length === 3 && !rw) ||
    parts[0] === "" ||
    !parts[1]?.startsWith("/")
  )
    throw new UsageError(`--file must be HOST:/GUEST/PATH[:rw], got '${spec}'`);
  return { host: parts[0]!, guest: parts[1]!, rw };
}

function syscallNr(s: string, names: readonly (string | undefined)[]): number {
  const n = /^\d+$/.test(s) ? Number(s) : names.indexOf(s);
  if (n < 0 || n >= names.length) throw new UsageError(`--deny: unknown syscall '${s}'`);
  return n;
}

function readHost(path: string, what: string, allowStdin = false): Uint8Array {
  try {
    return new Uint8Array(readInputFile(path, { what, maxBytes: INPUT_LIMITS.program, allowStdin }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The program's bytes from inside the guest root (symlinks resolved there). */
/**
 * The program inside the root, as execve opens it: an ELF file, or a `#!` script whose interpreter chain ends in
 * one (binfmt_script; argv rewritten).
 */
function guestProgram(
  machine: Machine,
  program: string,
  root: string,
  argv: string[],
): { bytes: Uint8Array; path: string; argv: string[] } {
  if (!program.startsWith("/"))
    throw new UsageError(`with --root the program must be an absolute guest path, got '${program}'`);
  const r = machine.vfs.lookup("/", program);
  const n = r.node;
  if (n === undefined) throw new UsageError(`${program}: not found in --root ${root}`);
  if (n.type !== "reg") throw new UsageError(`${program}: not a regular file in --root ${root}`);
  const e = loadReg(n.file);
  if (e < 0) throw new UsageError(`${program}: cannot be read from --root ${root} (errno ${-e})`);
  const found = openExec(machine, { cwd: "/", pid: 1 }, program, argv);
  if (typeof found === "number")
    throw new UsageError(
      `${program}: cannot be executed in --root ${root}: ${errnoName(-found)} (#! interpreter)`,
    );
  return found;
}

/** The instruction budget of `exec` when --max-insns is not given (about a minute of host time). */
export const DEFAULT_EXEC_MAX_INSTRUCTIONS = 2_000_000_000;

/** Boots a machine, runs the program (and whatever it forks) to the end, and reports. */
export function runExec(opts: ExecCommandOptions): ExecReport {
  let lower: HostDirFs | null = null;
  if (opts.root !== undefined) {
    try {
      lower = new HostDirFs(opts.root);
    } catch (e) {
      if (e instanceof HostRootError) throw new UsageError(e.message);
      throw e;
    }
  }
  const bytes = lower === null ? readHost(opts.program, "exec") : null;
  const flavour = opts.flavour ?? "linux-3.1";
  if (opts.pti === true && flavour !== "linux-generic")
    throw new UsageError("--pti needs --flavour linux-generic");
  const design = (() => {
    try {
      return getDesign(opts.design ?? "none");
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  const blocked = flavourBlocks(design.id, flavour);
  if (blocked !== null)
    throw new UsageError(`design ${design.id} cannot be built into ${flavour}: ${blocked}`);
  const names: readonly (string | undefined)[] =
    flavour === "linux-generic" ? GENERIC_SYSCALL_NAMES : SYSCALL_NAMES_X86_64_3_1;
  const limits: GuestLimits = { ...defaultGuestLimits(), ...(opts.limits ?? {}) };
  const cpus = opts.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS)
    throw new UsageError(`--cpus must be an integer from 1 to ${MAX_CPUS}, got '${opts.cpus}'`);
  const machine = Machine.boot({
    cpus,
    limits: { maxInstructions: DEFAULT_EXEC_MAX_INSTRUCTIONS, ...limits },
    ...(opts.output !== undefined ? { output: opts.output } : {}),
    ...(opts.flavour !== undefined ? { flavour: opts.flavour } : {}),
    ...(opts.pti === true ? { pti: true } : {}),
    costs: opts.profile.costs,
    natives: opts.profile.natives,
    clockHz: opts.profile.clockHz,
    design,
    ...(opts.deniedErrno !== undefined ? { deniedErrno: opts.deniedErrno } : {}),
    ...(opts.stdin !== undefined ? { stdin: readHost(opts.stdin, "--stdin", true) } : {}),
  });
  if (lower !== null) machine.vfs.setLower(lower);
  if (opts.cpuidBaseline ?? lower !== null) for (const c of machine.cpus) c.cpuidBaselineClaims = true;
  for (const spec of opts.files ?? []) {
    const f = parseFileSpec(spec);
    try {
      // the host file's mode, owner and mtime come with it (gzip stores the mtime, ls prints it)
      machine.vfs.addFile(f.guest, readHost(f.host, "--file").slice(), f.rw, hostFileMeta(f.host));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--file ${spec}: ${(e as Error).message}`);
    }
  }
  const argv = [opts.argv0 ?? opts.program, ...opts.args];
  let policyReport: ExecReport["policy"];
  let task: ReturnType<typeof execTask>;
  try {
    const guest = bytes === null ? guestProgram(machine, opts.program, opts.root!, argv) : null;
    task = execTask(machine, {
      bytes: bytes ?? guest!.bytes,
      argv: guest?.argv ?? argv,
      path: argv[0]!,
      envp: opts.env ?? [],
    });
    // /proc/self/exe names the file itself (symlinks resolved), as d_path of the exec'd file does
    if (guest !== null) setExePath(task, guest.path);
  } catch (e) {
    if (e instanceof ElfError) throw new UsageError(e.message);
    if (e instanceof InterpError) throw new UsageError(`${opts.program}: ${e.message}`);
    if (e instanceof Error && e.message === "out of guest physical memory")
      throw new UsageError(
        `${opts.program}: does not fit in the guest's ${machine.phys.frameCount / 256} MiB of memory (--memory)`,
      );
    throw e;
  }
  if (opts.cgroup !== undefined) {
    const h = machine.hierarchy;
    let cg = h.lookup(opts.cgroup);
    if (cg === undefined) {
      let path = "";
      for (const part of opts.cgroup.split("/").filter((p) => p !== "")) {
        path += `/${part}`;
        const c = h.lookup(path) ?? h.mkdir(path);
        if (typeof c === "number")
          throw new UsageError(`--cgroup ${opts.cgroup}: mkdir ${path} failed (${c})`);
        cg = c;
      }
    }
    if (cg === undefined) throw new UsageError(`--cgroup ${opts.cgroup}: not a cgroup path`);
    for (const d of opts.deny ?? []) h.deny(cg, syscallNr(d, names));
    if (opts.policy !== undefined) {
      const { allowed, conditional } = policyOf(opts.policy).allowSet(h.nrSyscalls);
      // through cgroupfs, as a supervisor would write it
      const api = new CgroupHostApi(machine);
      const file = `${opts.cgroup.replace(/\/+$/, "")}/syscalls.deny`;
      let denied = 0;
      for (let nr = 0; nr < h.nrSyscalls; nr++)
        if (!allowed.has(nr)) {
          const r = api.write(file, nr);
          if (r !== 0) throw new UsageError(`--policy: writing ${nr} to ${file} failed (${r})`);
          denied++;
        }
      policyReport = { spec: opts.policy, denied, conditional };
    }
    h.attach(task, cg);
  } else if ((opts.deny ?? []).length > 0 || opts.policy !== undefined) {
    throw new UsageError(`${(opts.deny ?? []).length > 0 ? "--deny" : "--policy"} needs --cgroup`);
  }
  let stoppedBy: GuestLimitError | null = null;
  let deadlock: string | null = null;
  try {
    const r = machine.run({ maxInstructions: Number.POSITIVE_INFINITY });
    if (r.reason === "fault") throw new Error(`the machine stopped: ${machine.oops ?? r.stop.kind}`);
    if (r.reason === "stopped" && r.stop.kind === "stop" && r.stop.reason === DEADLOCK) deadlock = DEADLOCK;
  } catch (e) {
    if (!(e instanceof GuestLimitError)) throw e;
    stoppedBy = e;
  }
  const rp = machine.reaped;
  let user = rp.userCycles;
  let sys = rp.sysCycles;
  let instr = rp.instret;
  let syscalls = rp.syscalls;
  const per = new Map<number, ExecCallRow>();
  for (const acct of [...machine.tasks.map((t) => t.acct), rp]) {
    if (acct !== rp) {
      user += acct.userCycles;
      sys += acct.sysCycles;
      instr += acct.instret;
      syscalls += acct.syscalls;
    }
    for (const [nr, e] of acct.perSyscall) {
      const row = per.get(nr) ?? {
        nr,
        name: names[nr] ?? `nr ${nr}`,
        calls: 0,
        cycles: 0,
        sysCycles: 0,
        instret: 0,
      };
      row.calls += e.calls;
      row.cycles += e.cycles;
      row.sysCycles += e.sysCycles;
      row.instret += e.instret;
      per.set(nr, row);
    }
  }
  const f = task.fault;
  return {
    program: opts.program,
    argv,
    profile: opts.profile.name,
    design: design.id,
    flavour,
    pti: opts.pti === true,
    stdout: machine.stdout,
    stderr: machine.stderr,
    exitCode: task.exitCode,
    signal: task.killedBy,
    fault: f === null ? null : f.detail,
    tasks: machine.tasks.filter((t) => t.tgid === t.pid).length + rp.tasks,
    threads: machine.tasks.length + rp.tasks + rp.threads,
    cpus,
    userCycles: user,
    sysCycles: sys,
    instructions: instr,
    syscalls,
    calls: [...per.values()].sort((a, b) => a.nr - b.nr),
    budgetExhausted: stoppedBy?.kind === "budget",
    timedOut: stoppedBy?.kind === "timeout",
    limit: stoppedBy?.message ?? deadlock,
    outputDropped: machine.outputDropped.stdout + machine.outputDropped.stderr,
    root: opts.root ?? null,
    cpuidBaselineClaims: machine.cpus[0]!.cpuidBaselineClaims,
    ...(policyReport !== undefined ? { policy: policyReport } : {}),
  };
}

/** A --policy: a built-in policy name, a seccomp-policy: spec or a file; bad ones are usage errors. */
function policyOf(spec: string) {
  const full = spec.startsWith(SECCOMP_POLICY_PREFIX)
    ? spec
    : BUILT_IN_POLICIES.has(spec) || !/[/.]/.test(spec)
      ? `${SECCOMP_POLICY_PREFIX}${spec}`
      : `${SECCOMP_POLICY_PREFIX}${spec.includes("/") ? spec : `./${spec}`}`;
  try {
    return loadPolicy(full);
  } catch (e) {
    if (e instanceof PolicyFileError) throw new UsageError(`--policy: ${e.message}`);
    throw e;
  }
}

const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  13: "SIGPIPE",
  15: "SIGTERM",
  31: "SIGSYS",
};

/** `--cpus N`: an integer from 1 to MAX_CPUS. */
export function parseCpus(v: string): number {
  const n = /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CPUS)
    throw new UsageError(`--cpus must be an integer from 1 to ${MAX_CPUS}, got '${v}'`);
  return n;
}

/** How the program ended, one line. */
export function describeEnd(r: ExecReport): string {
  if (r.limit !== null) return r.limit;
  if (r.signal !== null) {
    const name = SIGNAL_NAMES[r.signal] ?? `signal ${r.signal}`;
    return `killed by ${name} (${r.signal})${r.fault !== null ? `: ${r.fault}` : ""}`;
  }
  return `exit status ${r.exitCode}`;
}

/** The accounting printed after the program's own output. */
export function formatExecReport(r: ExecReport): string {
  const rows = r.calls.map((c) => [
    `${c.name} (${c.nr})`,
    fmtInt(c.calls),
    fmtInt(c.cycles),
    fmtInt(Math.round(c.cycles / c.calls)),
  ]);
  return [
    `syscall-lab exec: ${r.argv.join(" ")}: ${describeEnd(r)}`,
    // the default flavour's line is unchanged; another flavour says so
    `profile ${r.profile}, design ${r.design}${r.flavour === "linux-3.1" ? "" : `, kernel ${r.flavour}${r.pti ? " with PTI" : ""}`}, ${r.tasks} task${r.tasks === 1 ? "" : "s"}` +
      // only with threads or several CPUs: the default line is unchanged
      (r.threads > r.tasks ? ` (${r.threads} threads)` : "") +
      (r.cpus > 1 ? `, ${r.cpus} CPUs` : ""),
    // only with --policy: the cgroup's allow set and what it could not check
    ...(r.policy !== undefined
      ? [
          `policy ${r.policy.spec}: the cgroup denies ${r.policy.denied} numbers${r.policy.conditional.length > 0 ? `; allowed without their argument checks (a bitmap cannot test arguments): ${r.policy.conditional.join(", ")}` : ""}`,
        ]
      : []),
    // only with a root: the default report is unchanged
    ...(r.root !== null
      ? [
          `root ${r.root} (read-only, writes discarded)${r.cpuidBaselineClaims ? "; CPUID vendor GenuineIntel (glibc reads the feature bits only for vendors it knows)" : ""}`,
        ]
      : []),
    table(
      ["user cycles", "sys cycles", "total cycles", "instructions", "syscalls"],
      [[r.userCycles, r.sysCycles, r.userCycles + r.sysCycles, r.instructions, r.syscalls].map(fmtInt)],
      ["right", "right", "right", "right", "right"],
    ),
    table(["syscall", "calls", "cycles", "cycles/call"], rows),
  ].join("\n");
}

/** Process exit code of `exec` (src/cli/exit-codes.ts): 0, 1 for a non-zero status, 128+n, 124, 125. */
export function execExitCode(r: ExecReport): number {
  if (r.budgetExhausted) return exitForGuest({ kind: "budget" });
  if (r.timedOut) return exitForGuest({ kind: "timeout" });
  if (r.signal !== null) return exitForGuest({ kind: "signal", signal: r.signal });
  return exitForGuest({ kind: "exited", status: r.exitCode ?? 0 });
}
