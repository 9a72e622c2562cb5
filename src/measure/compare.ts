import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { Machine } from "../kernel/machine.ts";
import type { Task } from "../kernel/task.ts";
import { buildSyscallLoop } from "../workload/user-program.ts";
import type { CostProfile } from "./profile.ts";
import { type RunReport, runWorkload } from "./run-workload.ts";

/** filtered: the task's cgroup denies a syscall the workload never makes; unfiltered: nothing is denied anywhere */
export type FilterMode = "filtered" | "unfiltered";

export interface CompareOptions {
  designs: readonly string[];
  depths: readonly number[];
  workload: string;
  count: number;
  gap?: number;
  modes: readonly FilterMode[];
  profile: CostProfile;
  deniedErrno?: number;
  /** the kernel's entry code (default linux-3.1); designs with entry hooks are skipped on linux-generic */
  flavour?: Flavour;
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
}

export type Flavour = "linux-3.1" | "linux-generic";

/** A design compare did not run, and why. */
export interface SkippedDesign {
  design: string;
  reason: string;
}

export interface ComparePoint {
  design: string;
  depth: number;
  mode: FilterMode;
  /** the loop's syscalls (exit_group excluded) */
  calls: number;
  /** CPL-0 cycles of the loop's syscalls */
  sysCycles: number;
  /** user cycles of the task plus sysCycles */
  totalCycles: number;
  /** round-trip cycles per loop syscall (SYSCALL … SYSRET/IRETQ) */
  cyclesPerCall: number;
  /** (sysCycles / none's sysCycles − 1) × 100 at the same depth and mode */
  sysOverheadPct: number;
  totalOverheadPct: number;
  /** extra cycles per call against none */
  extraCyclesPerCall: number;
  designMemoryBytes: number;
  paths: RunReport["paths"];
}

export interface CompareResult {
  workload: string;
  profile: string;
  count: number;
  gap: number;
  /** the syscall a filtered task's cgroup denies: one the workloads never make */
  deniedNr: number;
  flavour: Flavour;
  pti: boolean;
  /** the designs measured, in the order asked */
  ran: string[];
  /** the designs the flavour cannot build (their kernel parts hook the linux-3.1 entry code) */
  skipped: SkippedDesign[];
  points: ComparePoint[];
  /** designs (other than none) that let a call the task's cgroup denies through (the probe): they deny nothing */
  enforcesNothing: string[];
}

/**
 * Why `design` cannot be built into a kernel of `flavour`, or null if it can. Machine.boot refuses a design with
 * entry hooks, extra text or data, or natives on linux-generic; the same test, without booting.
 */
export function flavourBlocks(design: string, flavour: Flavour): string | null {
  if (flavour === "linux-3.1") return null;
  const parts = getDesign(design).kernel({ deniedErrno: 38, nrSyscalls: 470 });
  const code =
    Object.keys(parts.hooks ?? {}).length > 0 ||
    (parts.extraText ?? "").trim() !== "" ||
    (parts.extraData ?? "").trim() !== "" ||
    (parts.natives ?? []).length > 0;
  return code ? "its kernel parts hook the linux-3.1 entry code" : null;
}

/** reboot(2): no workload calls it, so denying it filters a task without changing what the workload does. */
export const DENIED_NR = 169;

/** Cgroup path at `depth` below the root: "/", "/l1", "/l1/l2", … */
export function cgroupPathAt(depth: number): string {
  let p = "";
  for (let i = 1; i <= depth; i++) p += `/l${i}`;
  return p === "" ? "/" : p;
}

export function placeTask(machine: Machine, task: Task, depth: number, mode: FilterMode): void {
  const api = new CgroupHostApi(machine);
  for (let i = 1; i <= depth; i++) {
    const r = api.mkdir(cgroupPathAt(i));
    if (r !== 0) throw new Error(`compare: mkdir ${cgroupPathAt(i)} failed (${r})`);
  }
  const path = cgroupPathAt(depth);
  if (depth > 0) api.move(task, path);
  if (mode === "filtered") {
    const r = api.write(`${path === "/" ? "" : path}/syscalls.deny`, DENIED_NR);
    if (r !== 0) throw new Error(`compare: deny ${DENIED_NR} in ${path} failed (${r})`);
  }
}

/** The probe asks for EPERM so that a denial is told apart from reboot's own -ENOSYS (sys_ni_syscall). */
const PROBE_ERRNO = 1;

/**
 * Whether `design` denies the call it should: a fresh machine, a task in a cgroup at `depth` that denies reboot
 * (169), and one reboot() whose errno becomes the exit status. A design whose hooks are empty lets it through.
 */
export function deniesProbe(opts: CompareOptions, design: string, depth: number): boolean {
  const key = probeKey(opts, design, depth);
  const known = probed.get(key);
  if (known !== undefined) return known;
  const image = buildSyscallLoop(
    [
      {
        nr: DENIED_NR,
        name: "reboot",
        after: "negl %eax\nmovl %eax, %edi\nmovl $231, %eax\nsyscall",
      },
    ],
    { count: 1, gap: 0 },
  );
  const machine = Machine.boot({
    costs: opts.profile.costs,
    natives: opts.profile.natives,
    design: getDesign(design),
    deniedErrno: PROBE_ERRNO,
    ...(opts.flavour !== undefined ? { flavour: opts.flavour } : {}),
    ...(opts.pti === true ? { pti: true } : {}),
  });
  const task = machine.createTask({ name: "deny-probe", image });
  placeTask(machine, task, depth, "filtered");
  machine.run({ maxInstructions: 10_000_000 });
  const denied = task.exitCode === PROBE_ERRNO;
  machine.release();
  probed.set(key, denied);
  return denied;
}
/** Probe answers by design, depth, profile and kernel: they do not depend on the workload. */
const probed = new Map<string, boolean>();
const probeKey = (opts: CompareOptions, design: string, depth: number) =>
  [design, depth, opts.profile.name, opts.flavour ?? "linux-3.1", opts.pti === true].join(" ");

/**
 * The probe on the machine a filtered run has just measured (no second boot): the task's cgroup also denies
 * getuid, and a new task in it calls getuid once. getuid returns 0 (uid 0) when it runs and -errno when denied,
 * so the answer does not depend on the errno the run chose. Sweep points run it too (sweep-point.ts).
 */
export function deniesOnMachine(machine: Machine, depth: number, deniedErrno = 38): boolean {
  const path = cgroupPathAt(depth);
  const api = new CgroupHostApi(machine);
  if (api.write(`${path === "/" ? "" : path}/syscalls.deny`, PROBE_NR) !== 0) return false;
  const image = buildSyscallLoop(
    [{ nr: PROBE_NR, name: "getuid", after: "negl %eax\nmovl %eax, %edi\nmovl $231, %eax\nsyscall" }],
    { count: 1, gap: 0 },
  );
  const task = machine.createTask({ name: "deny-probe", image });
  if (depth > 0) api.move(task, path);
  machine.run({ maxInstructions: 10_000_000 });
  return task.exitCode === deniedErrno;
}
/** getuid(2): the probe's call on a measured machine */
const PROBE_NR = 102;

function measure(opts: CompareOptions, design: string, depth: number, mode: FilterMode) {
  let machine: Machine | null = null;
  const r = runWorkload({
    workload: opts.workload,
    count: opts.count,
    gap: opts.gap ?? 0,
    profile: opts.profile,
    design,
    ...(opts.deniedErrno !== undefined ? { deniedErrno: opts.deniedErrno } : {}),
    ...(opts.flavour !== undefined ? { flavour: opts.flavour } : {}),
    ...(opts.pti === true ? { pti: true } : {}),
    setup: (m, t) => {
      machine = m;
      placeTask(m, t, depth, mode);
    },
  });
  if (r.exitCode !== 0) {
    throw new Error(`compare: ${design} at depth ${depth} (${mode}): the workload did not exit cleanly`);
  }
  // every filtered point also checks that the design denies what its cgroup denies (after the measurement)
  if (mode === "filtered" && design !== "none" && machine !== null) {
    const key = probeKey(opts, design, depth);
    if (!probed.has(key)) probed.set(key, deniesOnMachine(machine, depth, opts.deniedErrno));
  }
  (machine as Machine | null)?.release(); // its RAM goes to the next boot
  const calls = r.calls.reduce((n, c) => n + c.calls, 0);
  const sysCycles = r.calls.reduce((n, c) => n + c.sysCycles, 0);
  const cycles = r.calls.reduce((n, c) => n + c.cycles, 0);
  return { r, calls, sysCycles, totalCycles: r.userCycles + sysCycles, cycles };
}

/**
 * Each design at each depth, for a filtered and an unfiltered task, against `none` at the same depth and mode.
 * Exact simulated cycles: the result is identical on every run.
 */
export function compareDesigns(opts: CompareOptions): CompareResult {
  const flavour = opts.flavour ?? "linux-3.1";
  if (opts.pti === true && flavour !== "linux-generic")
    throw new Error("compare: pti needs the linux-generic flavour");
  const skipped: SkippedDesign[] = [];
  const ran: string[] = [];
  for (const design of opts.designs) {
    const reason = flavourBlocks(design, flavour);
    if (reason === null) ran.push(design);
    else skipped.push({ design, reason });
  }
  const points: ComparePoint[] = [];
  for (const mode of opts.modes) {
    for (const depth of opts.depths) {
      const base = measure(opts, "none", depth, mode);
      for (const design of ran) {
        const m = design === "none" ? base : measure(opts, design, depth, mode);
        points.push({
          design,
          depth,
          mode,
          calls: m.calls,
          sysCycles: m.sysCycles,
          totalCycles: m.totalCycles,
          cyclesPerCall: m.cycles / m.calls,
          sysOverheadPct: (m.sysCycles / base.sysCycles - 1) * 100,
          totalOverheadPct: (m.totalCycles / base.totalCycles - 1) * 100,
          extraCyclesPerCall: (m.cycles - base.cycles) / m.calls,
          designMemoryBytes: m.r.designMemoryBytes,
          paths: m.r.paths,
        });
      }
    }
  }
  // a point set without filtered mode gets a probe machine of its own (deniesProbe); the others were probed above
  const enforcesNothing = ran.filter(
    (d) => d !== "none" && opts.depths.some((depth) => !deniesProbe(opts, d, depth)),
  );
  return {
    workload: opts.workload,
    profile: opts.profile.name,
    count: opts.count,
    gap: opts.gap ?? 0,
    deniedNr: DENIED_NR,
    flavour,
    pti: opts.pti === true,
    ran,
    skipped,
    points,
    enforcesNothing,
  };
}

/** A one-line reading of a design's numbers: its cost at depth 0, how it changes with depth, and for whom. */
export function readDesign(result: CompareResult, design: string): string {
  if (design === "none") return "the baseline: no check compiled in";
  const pts = result.points.filter((p) => p.design === design);
  const series = (mode: FilterMode) => pts.filter((p) => p.mode === mode).sort((a, b) => a.depth - b.depth);
  const filtered = series("filtered");
  const unfiltered = series("unfiltered");
  const same =
    filtered.length > 0 &&
    filtered.length === unfiltered.length &&
    filtered.every((p, i) => p.extraCyclesPerCall === unfiltered[i]!.extraCyclesPerCall);
  if (same) return `filtered and unfiltered tasks alike: ${describeSeries(filtered)}`;
  const parts: string[] = [];
  if (filtered.length) parts.push(`filtered tasks: ${describeSeries(filtered)}`);
  if (unfiltered.length) parts.push(`unfiltered tasks: ${describeSeries(unfiltered)}`);
  return parts.join("; ");
}

/** "+7.0 cycles/call (+1.9 % sys) at depth 0, +3.0 cycles per level" and the like. */
function describeSeries(ps: readonly ComparePoint[]): string {
  if (ps.every((p) => p.extraCyclesPerCall === 0)) return "no cost at all (identical cycles to none)";
  const first = ps[0]!;
  const last = ps[ps.length - 1]!;
  const at0 = `${fmtSigned(first.extraCyclesPerCall)} cycles/call (${fmtSigned(first.sysOverheadPct)} % sys) at depth ${first.depth}`;
  if (ps.length < 2 || last.depth === first.depth) return at0;
  const slope = (last.extraCyclesPerCall - first.extraCyclesPerCall) / (last.depth - first.depth);
  const linear = ps.every(
    (p) =>
      Math.abs(p.extraCyclesPerCall - (first.extraCyclesPerCall + slope * (p.depth - first.depth))) < 1e-9,
  );
  if (linear && slope === 0) return `${at0}, constant with depth`;
  if (linear) return `${at0}, ${fmtSigned(slope)} cycles per level`;
  return `${at0}, ${fmtSigned(last.extraCyclesPerCall)} at depth ${last.depth}`;
}

function fmtSigned(n: number): string {
  const s = (Math.round(n * 10) / 10).toFixed(1);
  return n > 0 ? `+${s}` : s;
}
