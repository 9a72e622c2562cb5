// Replays a parsed strace log on a fresh replay-mode machine (src/kernel/replay-backend.ts): one task per traced
// process, each running its generated program (src/workload/replay.ts) through the entry path and the design.
import type { Design } from "../cgroup/design.ts";
import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { Machine } from "../kernel/machine.ts";
import { REPLAY_NR_SYSCALLS, type ReplayBackend, type ReplayScript } from "../kernel/replay-backend.ts";
import type { Task } from "../kernel/task.ts";
import { buildReplay, GAP_CAP_INSTRUCTIONS, type ReplayPlan } from "../workload/replay.ts";
import type { StraceLog, StraceUnparsed } from "../workload/strace.ts";
import type { CostProfile } from "./profile.ts";
import { replayCosts } from "./replay-costs.ts";
import { resolveTif } from "./run-workload.ts";

/** The cgroup the replayed tasks join when some numbers are denied. */
export const REPLAY_CGROUP = "/replay";

const EXIT_GROUP = 231;

export interface ReplayRunOptions {
  profile: CostProfile;
  /** the filter design compiled in, default "none" */
  design?: string;
  /** what a denied call returns (positive errno), default ENOSYS */
  deniedErrno?: number;
  /** recorded time between calls as user instructions (src/workload/replay.ts GAP_CAP_INSTRUCTIONS) */
  gaps?: boolean;
  /** most user instructions per gap, default GAP_CAP_INSTRUCTIONS */
  gapCap?: number;
  /** x86_64 numbers the replayed tasks' cgroup (REPLAY_CGROUP) denies */
  cgroupDeny?: readonly number[];
  /** TIF flags set on every replayed task before it starts ("audit", …) */
  tif?: readonly string[];
  /** the plan to run instead of building one from the log (a run per design shares it) */
  plan?: ReplayPlan;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: "linux-3.1" | "linux-generic";
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
  /** runs after the machine stopped, before the report is made (tests read audit records here) */
  after?: (machine: Machine, tasks: readonly Task[]) => void;
}

export interface ReplayCallRow {
  name: string;
  nr: number;
  calls: number;
  /** SYSCALL instruction + CPL-0 cycles up to the return, summed */
  cycles: number;
  sysCycles: number;
}

export interface ReplayTaskRow {
  /** the traced pid */
  pid: number;
  /** the machine's pid */
  taskPid: number;
  calls: number;
  userCycles: number;
  sysCycles: number;
  exitCode: number | null;
  killedBy: number | null;
}

export interface ReplayReport {
  design: string;
  profile: string;
  flavour: "linux-3.1" | "linux-generic";
  pti: boolean;
  processes: number;
  parsedCalls: number;
  replayedCalls: number;
  /** parsed calls left out (no x86_64 number): per name */
  skipped: Record<string, number>;
  skippedCalls: number;
  unparsedCount: number;
  unparsed: StraceUnparsed[];
  /** recorded calls the design denied (answered with -deniedErrno instead of the recorded result) */
  denied: number;
  cgroupDeny: number[];
  gaps: {
    enabled: boolean;
    instructions: number;
    capped: number;
    capInstructions: number;
    relativeTimes: boolean;
  };
  /** per syscall name, in order of first appearance in the trace */
  calls: ReplayCallRow[];
  /** the replayed calls' CPL-0 cycles (the tasks' own final exit_group excluded) */
  callSysCycles: number;
  /** the replayed calls' round trips */
  callCycles: number;
  /** every task's user cycles (gaps, the SYSCALL instructions) */
  userCycles: number;
  /** every task's CPL-0 cycles, final exits (exit_group, do_exit) and switches included */
  sysCycles: number;
  totalCycles: number;
  contextSwitches: number;
  /** calls whose number reached sys_replay out of step with the script: 0 unless something is broken */
  mismatches: number;
  tasks: ReplayTaskRow[];
}

/** The replay plan of a log under a profile; `gaps` turns recorded time into user instructions, `cap` per gap. */
export function planReplay(
  log: StraceLog,
  profile: CostProfile,
  gaps: boolean,
  cap = GAP_CAP_INSTRUCTIONS,
): ReplayPlan {
  return buildReplay(log, {
    costs: replayCosts(profile),
    ...(gaps ? { gaps: { clockHz: profile.clockHz, addCycles: profile.costs.classes.alu, cap } } : {}),
  });
}

/** A replay's deny list, checked and sorted, its TIF flags, its design and its machine (the two replay paths share it). */
export function bootReplayMachine(
  opts: Pick<
    ReplayRunOptions,
    "cgroupDeny" | "tif" | "design" | "flavour" | "pti" | "profile" | "deniedErrno"
  >,
  replay: ReplayScript | null,
): { machine: Machine; design: Design; deny: number[]; tifs: ReturnType<typeof resolveTif>[] } {
  const deny = [...new Set(opts.cgroupDeny ?? [])].sort((a, b) => a - b);
  for (const nr of deny) {
    if (!Number.isInteger(nr) || nr < 0 || nr >= REPLAY_NR_SYSCALLS)
      throw new Error(`replay: cannot deny ${nr}: numbers run from 0 to ${REPLAY_NR_SYSCALLS - 1}`);
    if (nr === EXIT_GROUP)
      throw new Error("replay: cannot deny exit_group (231): every replayed task ends with it");
  }
  const tifs = (opts.tif ?? []).map(resolveTif);
  const design = getDesign(opts.design ?? "none");
  const machine = Machine.boot({
    ...(opts.flavour !== undefined ? { flavour: opts.flavour } : {}),
    ...(opts.pti === true ? { pti: true } : {}),
    costs: opts.profile.costs,
    natives: opts.profile.natives,
    clockHz: opts.profile.clockHz,
    design,
    replay: replay ?? { processes: [] },
    ...(opts.deniedErrno !== undefined ? { deniedErrno: opts.deniedErrno } : {}),
  });
  return { machine, design, deny, tifs };
}

/** Creates the replay's cgroup denying `deny` (non-empty) and returns the host API that moves tasks into it. */
export function replayCgroup(machine: Machine, deny: readonly number[]): CgroupHostApi {
  const api = new CgroupHostApi(machine);
  const mk = api.mkdir(REPLAY_CGROUP);
  if (mk !== 0) throw new Error(`replay: mkdir ${REPLAY_CGROUP} failed (${mk})`);
  for (const nr of deny) {
    const r = api.write(`${REPLAY_CGROUP}/syscalls.deny`, nr);
    if (r !== 0) throw new Error(`replay: deny ${nr} failed (${r})`);
  }
  return api;
}

/** Adds task t's replayed calls to the per-number rows. */
export function addCallRows(
  rows: Map<number, ReplayCallRow>,
  backend: ReplayBackend,
  t: Task,
  nameOf: ReadonlyMap<number, string>,
): void {
  for (const [nr, e] of backend.replayedAccounting(t)) {
    let r = rows.get(nr);
    if (r === undefined) {
      r = { name: nameOf.get(nr) ?? `nr ${nr}`, nr, calls: 0, cycles: 0, sysCycles: 0 };
      rows.set(nr, r);
    }
    r.calls += e.calls;
    r.cycles += e.cycles;
    r.sysCycles += e.sysCycles;
  }
}

/** Boots a replay machine, runs every traced process to its end, and reports exact cycles. */
export function replayLog(log: StraceLog, opts: ReplayRunOptions): ReplayReport {
  const plan = opts.plan ?? planReplay(log, opts.profile, opts.gaps === true, opts.gapCap);
  if (plan.replayedCalls === 0) throw new Error("replay: the trace has no replayable call");
  const { machine, design, deny, tifs } = bootReplayMachine(opts, plan.script);
  const backend = machine.replay!;
  const tasks: Task[] = plan.programs.map((p, i) => {
    const t = machine.createTask({ name: `pid ${p.pid}`, image: p.image });
    backend.bind(t, i);
    for (const f of tifs) t.tif.set(f.bit);
    return t;
  });
  if (deny.length > 0) {
    const api = replayCgroup(machine, deny);
    for (const t of tasks) api.move(t, REPLAY_CGROUP);
  }
  const result = machine.run({ maxInstructions: Number.MAX_SAFE_INTEGER });
  if (result.reason === "fault")
    throw new Error(`replay: the machine stopped: ${machine.oops ?? result.stop.kind}`);
  if (result.reason !== "exited") throw new Error(`replay: the run ended early (${result.reason})`);
  opts.after?.(machine, tasks);

  // per name, in order of first appearance (names are unique per number within the x86_64 table)
  const nameOf = new Map<number, string>();
  for (const p of plan.script.processes)
    for (const c of p.calls) if (!nameOf.has(c.nr)) nameOf.set(c.nr, c.name);
  const rows = new Map<number, ReplayCallRow>();
  const firstLine = new Map<number, number>();
  for (const p of plan.script.processes)
    for (const c of p.calls) firstLine.set(c.nr, Math.min(firstLine.get(c.nr) ?? c.line, c.line));
  const taskRows: ReplayTaskRow[] = [];
  let userCycles = 0;
  let sysCycles = 0;
  tasks.forEach((t, i) => {
    addCallRows(rows, backend, t, nameOf);
    userCycles += t.acct.userCycles;
    sysCycles += t.acct.sysCycles;
    taskRows.push({
      pid: plan.programs[i]!.pid,
      taskPid: t.pid,
      calls: plan.script.processes[i]!.calls.length,
      userCycles: t.acct.userCycles,
      sysCycles: t.acct.sysCycles,
      exitCode: t.exitCode,
      killedBy: t.killedBy,
    });
  });
  const calls = [...rows.values()].sort(
    (a, b) => (firstLine.get(a.nr) ?? Infinity) - (firstLine.get(b.nr) ?? Infinity) || a.nr - b.nr,
  );
  // null prototype: a log may name a call __proto__ or constructor
  const skipped: Record<string, number> = Object.create(null);
  for (const s of plan.skipped) skipped[s.name] = (skipped[s.name] ?? 0) + 1;
  const entered = tasks.reduce(
    (n, t, i) => n + Math.min(t.acct.syscalls, plan.script.processes[i]!.calls.length),
    0,
  );
  const report: ReplayReport = {
    design: design.id,
    profile: opts.profile.name,
    flavour: machine.flavour,
    pti: machine.pti,
    processes: tasks.length,
    parsedCalls: plan.parsedCalls,
    replayedCalls: plan.replayedCalls,
    skipped,
    skippedCalls: plan.skipped.length,
    unparsedCount: log.unparsed.length,
    unparsed: log.unparsed,
    denied: entered - backend.served,
    cgroupDeny: deny,
    gaps: {
      enabled: plan.gaps,
      instructions: plan.programs.reduce((n, p) => n + p.gapInstructions, 0),
      capped: plan.programs.reduce((n, p) => n + p.cappedGaps, 0),
      capInstructions: plan.gapCap,
      relativeTimes: plan.gaps && plan.relativeTimes,
    },
    calls,
    callSysCycles: calls.reduce((n, r) => n + r.sysCycles, 0),
    callCycles: calls.reduce((n, r) => n + r.cycles, 0),
    userCycles,
    sysCycles,
    totalCycles: userCycles + sysCycles,
    contextSwitches: machine.scheds.reduce((n, s) => n + s.switches, 0),
    mismatches: backend.mismatches,
    tasks: taskRows,
  };
  // the caller never saw the machine (no `after` hook): its RAM goes to the next boot
  if (opts.after === undefined) machine.release();
  return report;
}
