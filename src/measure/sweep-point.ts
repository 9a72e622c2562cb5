// One sweep point: one boot, one run, exact cycles. The measurement is compare's (src/measure/compare.ts): the
// task in a cgroup at `depth` below the root, a filtered task's cgroup denying syscalls the workload never makes.
import { designIds } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { GuestLimitError, type GuestLimits } from "../kernel/guest-limits.ts";
import type { Machine } from "../kernel/machine.ts";
import type { Task } from "../kernel/task.ts";
import { parseStrace } from "../workload/strace.ts";
import { cgroupPathAt, deniesOnMachine, deniesProbe } from "./compare.ts";
import { isDesignFile, loadDesignFile } from "./design-file.ts";
import { DENIABLE_NRS, type PointConfig } from "./experiment.ts";
import { INPUT_LIMITS, readInputFile } from "./input-file.ts";
import { ensurePolicyDesign, isPolicyDesign } from "./policy-file.ts";
import { type CostProfile, getProfile } from "./profile.ts";
import { loadProfileFile } from "./profile-file.ts";
import { runApplication } from "./run-application.ts";
import { replayLog } from "./run-replay.ts";
import { runWorkload } from "./run-workload.ts";

/** The numbers of one point, before the comparison against its `none` baseline. */
export interface PointMeasurement {
  /** the design's id (differs from config.design for a design file) */
  designId: string;
  /** the measured syscalls (a loop's exit_group excluded) */
  calls: number;
  /** CPL-0 cycles of those calls */
  sysCycles: number;
  /** the task's user cycles */
  userCycles: number;
  /** userCycles + sysCycles */
  totalCycles: number;
  /** round trips of those calls (SYSCALL … SYSRET/IRETQ), summed */
  callCycles: number;
  /** callCycles / calls */
  cyclesPerCall: number;
  designMemoryBytes: number;
  /**
   * The deny probe, run after the measurement: whether the design denied a call its task's cgroup denies (false:
   * it enforces nothing, so its figures are not the cost of filtering); null for none, which is not asked to.
   */
  probeDenied: boolean | null;
}

/** The guest limits a sweep gives every point's machine (per machine: no whole-sweep deadline). */
export type PointLimits = Pick<GuestLimits, "maxInstructions" | "timeoutMs" | "memoryBytes">;

/** Which guest limit stopped a point, if one did (the instruction budget or the time limit). */
export function stoppedBy(e: unknown): "budget" | "timeout" | null {
  return e instanceof GuestLimitError ? e.kind : null;
}

const ERRNO = { ENOSYS: 38, EPERM: 1 } as const;

const profiles = new Map<string, CostProfile>();
function profileOf(name: string): CostProfile {
  let p = profiles.get(name);
  if (p === undefined) {
    p = name.endsWith(".json") ? loadProfileFile(name) : getProfile(name);
    profiles.set(name, p);
  }
  return p;
}

/** Each design file's SHA-256 as the sweep recorded it in the points' provenance, by the experiment's path. */
const recordedSha256 = new Map<string, string>();

/** Tells this thread the hashes the sweep recorded: a design file is loaded only while its bytes still match. */
export function expectDesignHashes(hashes: Iterable<readonly [string, string | null]>): void {
  for (const [design, sha] of hashes) if (sha !== null) recordedSha256.set(design, sha);
}

/**
 * A design id, loading a design file first through the one design loader (validated, hashed, once per thread:
 * each worker has its own registry), refused if its bytes are no longer those the sweep recorded.
 */
export async function pointDesignId(design: string): Promise<string> {
  if (isPolicyDesign(design)) {
    const p = ensurePolicyDesign(design);
    const want = recordedSha256.get(design);
    if (want !== undefined && want !== p.sha256)
      throw new Error(`${p.path}: the policy changed since the sweep recorded its hash`);
    return design;
  }
  if (!isDesignFile(design)) return design;
  return (await loadDesignFile(design, { expectSha256: recordedSha256.get(design) })).id;
}

function placeTask(machine: Machine, task: Task, c: PointConfig): void {
  const api = new CgroupHostApi(machine);
  for (let i = 1; i <= c.depth; i++) {
    const r = api.mkdir(cgroupPathAt(i));
    if (r !== 0) throw new Error(`mkdir ${cgroupPathAt(i)} failed (${r})`);
  }
  const path = cgroupPathAt(c.depth);
  if (c.depth > 0) api.move(task, path);
  task.seccompCache = c.seccompCache;
  for (const nr of DENIABLE_NRS.slice(0, c.denied)) {
    const r = api.write(`${path === "/" ? "" : path}/syscalls.deny`, nr);
    if (r !== 0) throw new Error(`deny ${nr} in ${path} failed (${r})`);
  }
}

/**
 * Runs one point on a fresh machine, then the deny probe (compare's): on the measured machine for a loop, the
 * task's cgroup also denies getuid and a new task there calls it once; on a probe machine of its own for a trace
 * (a replay machine answers from its log), reboot() in a cgroup at depth 1 (the replay's) that denies it. Throws
 * if the workload does not exit cleanly; a guest limit (--max-insns, --timeout) throws GuestLimitError.
 */
export async function measurePoint(c: PointConfig): Promise<PointMeasurement> {
  const design = await pointDesignId(c.design);
  if (!designIds().includes(design)) throw new Error(`unknown design "${design}"`);
  const profile = profileOf(c.profile);
  const deniedErrno = ERRNO[c.errno];
  if (c.application !== undefined) {
    if (c.policy !== undefined) ensurePolicyDesign(c.policy);
    const r = runApplication(c, c.application, design, profile, deniedErrno);
    if (r.exitCode !== 0)
      throw new Error(
        `${c.application.argv.join(" ")}: ${r.signal !== null ? `killed by signal ${r.signal}` : `exit status ${r.exitCode}`}` +
          `${r.stderr !== "" ? `: ${r.stderr.trim().split("\n").slice(-2).join(" / ").slice(0, 300)}` : ""}`,
      );
    const { exitCode: _e, signal: _s, stdout: _o, stderr: _r, deniedNumbers: _d, ...m } = r;
    return m;
  }
  if (c.workload.startsWith("trace:")) {
    const log = parseStrace(
      readInputFile(c.workload.slice("trace:".length), { what: "strace log", maxBytes: INPUT_LIMITS.trace }),
    );
    const r = replayLog(log, {
      profile,
      design,
      deniedErrno,
      cgroupDeny: DENIABLE_NRS.slice(0, c.denied),
    });
    return {
      designId: design,
      calls: r.replayedCalls,
      sysCycles: r.callSysCycles,
      userCycles: r.userCycles,
      totalCycles: r.totalCycles,
      callCycles: r.callCycles,
      cyclesPerCall: r.callCycles / r.replayedCalls,
      designMemoryBytes: 0,
      probeDenied:
        design === "none"
          ? null
          : deniesProbe(
              {
                designs: [design],
                depths: [1],
                workload: "null",
                count: 1,
                modes: ["filtered"],
                profile,
                flavour: c.flavour === "linux-3.1" ? "linux-3.1" : "linux-generic",
                pti: c.flavour === "linux-generic+pti",
              },
              design,
              1,
            ),
    };
  }
  let machine: Machine | null = null;
  const r = runWorkload({
    workload: c.workload,
    count: c.count,
    gap: c.gap,
    profile,
    design,
    deniedErrno,
    flavour: c.flavour === "linux-3.1" ? "linux-3.1" : "linux-generic",
    pti: c.flavour === "linux-generic+pti",
    setup: (m, t) => {
      machine = m;
      placeTask(m, t, c);
    },
  });
  if (r.exitCode !== 0) throw new Error("the workload did not exit cleanly");
  const probed = machine as Machine | null;
  if (probed === null) throw new Error("the workload's machine was not set up");
  const calls = r.calls.reduce((n, x) => n + x.calls, 0);
  const sysCycles = r.calls.reduce((n, x) => n + x.sysCycles, 0);
  const callCycles = r.calls.reduce((n, x) => n + x.cycles, 0);
  const probeDenied = r.design === "none" ? null : deniesOnMachine(probed, c.depth, deniedErrno);
  probed.release(); // its RAM goes to this thread's next point
  return {
    designId: r.design,
    calls,
    sysCycles,
    userCycles: r.userCycles,
    totalCycles: r.userCycles + sysCycles,
    callCycles,
    cyclesPerCall: callCycles / calls,
    designMemoryBytes: r.designMemoryBytes,
    probeDenied,
  };
}
