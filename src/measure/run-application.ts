// One application point of a sweep: boot, mount the application's root read-only (exec --root), put its inputs in
// the guest's /tmp, start the program in the cgroup at depth 1 (cgroupPathAt(1)), give that cgroup the policy's
// allow set through cgroupfs (a cgroup design or ptrace: every number outside the set is written to
// syscalls.deny), run it and everything it forks to the end, and add up every task's cycles.
import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { execTask, setExePath } from "../kernel/exec.ts";
import { HostDirFs } from "../kernel/fs/host-dir.ts";
import { Machine } from "../kernel/machine.ts";
import { loadReg } from "../kernel/vfs.ts";
import { type ApplicationSpec, generateInput } from "./application.ts";
import { cgroupPathAt, deniesOnMachine } from "./compare.ts";
import type { PointConfig } from "./experiment.ts";
import { loadPolicy } from "./policy-file.ts";
import type { CostProfile } from "./profile.ts";
import type { PointMeasurement } from "./sweep-point.ts";

export interface ApplicationRun extends PointMeasurement {
  exitCode: number | null;
  signal: number | null;
  stdout: string;
  stderr: string;
  /** numbers written to syscalls.deny (the policy's complement), 0 without a policy */
  deniedNumbers: number;
}

/** Runs the application of `c` with `design` (already registered) and measures it. */
export function runApplication(
  c: PointConfig,
  app: ApplicationSpec,
  design: string,
  profile: CostProfile,
  deniedErrno: number,
): ApplicationRun {
  const d = getDesign(design);
  const inputs = new Map(Object.entries(app.inputs).map(([g, s]) => [g, generateInput(s)]));
  const machine = Machine.boot({
    costs: profile.costs,
    natives: profile.natives,
    clockHz: profile.clockHz,
    design: d,
    deniedErrno,
    seccompCache: c.seccompCache,
    ...(c.flavour === "linux-3.1" ? {} : { flavour: "linux-generic" as const }),
    ...(c.flavour === "linux-generic+pti" ? { pti: true } : {}),
    ...(app.stdin !== undefined ? { stdin: inputs.get(app.stdin)! } : {}),
  });
  machine.vfs.setLower(new HostDirFs(app.root));
  for (const cpu of machine.cpus) cpu.cpuidBaselineClaims = true;
  for (const [g, bytes] of inputs) machine.vfs.addFile(g, bytes, false);
  const prog = app.argv[0]!;
  const found = machine.vfs.lookup("/", prog);
  const node = found.node;
  if (node === undefined || node.type !== "reg")
    throw new Error(`${prog}: not a regular file in ${app.root}`);
  const e = loadReg(node.file);
  if (e < 0) throw new Error(`${prog}: cannot be read from ${app.root} (errno ${-e})`);
  const task = execTask(machine, { bytes: node.file.data, argv: app.argv, path: prog, envp: app.env });
  setExePath(task, found.path);

  const api = new CgroupHostApi(machine);
  const path = cgroupPathAt(1);
  if (api.mkdir(path) !== 0) throw new Error(`mkdir ${path} failed`);
  let denied = 0;
  if (c.policy !== undefined) {
    const { allowed } = loadPolicy(c.policy).allowSet(machine.hierarchy.nrSyscalls);
    for (let nr = 0; nr < machine.hierarchy.nrSyscalls; nr++)
      if (!allowed.has(nr)) {
        const r = api.write(`${path}/syscalls.deny`, nr);
        if (r !== 0) throw new Error(`writing ${nr} to ${path}/syscalls.deny failed (${r})`);
        denied++;
      }
  }
  api.move(task, path);
  const r = machine.run({ maxInstructions: Number.POSITIVE_INFINITY });
  if (r.reason === "fault") throw new Error(`the machine stopped: ${machine.oops ?? r.stop.kind}`);

  const rp = machine.reaped;
  let user = rp.userCycles;
  let sys = rp.sysCycles;
  let calls = rp.syscalls;
  let callCycles = 0;
  for (const acct of [...machine.tasks.map((t) => t.acct), rp]) {
    if (acct !== rp) {
      user += acct.userCycles;
      sys += acct.sysCycles;
      calls += acct.syscalls;
    }
    for (const x of acct.perSyscall.values()) callCycles += x.cycles;
  }
  const memory = d.memoryBytes();
  return {
    designId: d.id,
    calls,
    sysCycles: sys,
    userCycles: user,
    totalCycles: user + sys,
    callCycles,
    cyclesPerCall: callCycles / Math.max(1, calls),
    designMemoryBytes: memory,
    probeDenied: d.id === "none" ? null : deniesOnMachine(machine, 1, deniedErrno),
    exitCode: task.exitCode,
    signal: task.killedBy,
    stdout: machine.stdout,
    stderr: machine.stderr,
    deniedNumbers: denied,
  };
}
