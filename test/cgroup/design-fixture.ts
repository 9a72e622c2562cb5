// The set-up the design tests share: the three entry paths, a two-level jail (/a denies DENY_A, /a/b also DENY_B)
// and the calls run in it.
import { expect } from "vitest";
import type { Design } from "../../src/cgroup/design.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { ENOSYS } from "../../src/kernel/errno.ts";
import type { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../../src/kernel/task.ts";
import { TIF_SYSCALL_AUDIT, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { type Call, callsProgram, type Ran, result, runProgram } from "../kernel/user-program.ts";

export const PATHS = [
  { name: "fast", tif: null },
  { name: "audit semi-slow", tif: TIF_SYSCALL_AUDIT },
  { name: "tracesys slow", tif: TIF_SYSCALL_TRACE },
] as const;

// denied at /a (propagated to /a/b) and at /a/b itself; the task runs in /a/b
export const DENY_A = [NR.getppid, NR.getuid, 300];
export const DENY_B = [NR.getgid];
export const DENIED = new Set([...DENY_A, ...DENY_B]);
export const CALLS: Call[] = [
  { nr: NR.getpid },
  { nr: NR.getppid },
  { nr: NR.getuid },
  { nr: NR.geteuid },
  { nr: NR.getgid },
  { nr: NR.getegid },
  { nr: NR.gettid },
  { nr: 300 },
  { nr: 301 },
];

/** /a denies DENY_A, /a/b also DENY_B; the task runs in /a/b, with `tif` set when not null */
export function jail(t: Task, m: Machine, tif: number | null): void {
  const api = new CgroupHostApi(m);
  expect(api.mkdir("/a")).toBe(0);
  expect(api.mkdir("/a/b")).toBe(0);
  for (const nr of DENY_A) expect(api.write("/a/syscalls.deny", nr)).toBe(0);
  for (const nr of DENY_B) expect(api.write("/a/b/syscalls.deny", nr)).toBe(0);
  api.move(t, "/a/b");
  if (tif !== null) t.tif.set(tif);
}

/** `text` (CALLS by default) run by a jailed task under `design`; `more` runs after the jail's set-up. */
export function runJailed(
  design: Design,
  tif: number | null,
  deniedErrno?: number,
  text = callsProgram(CALLS),
  more?: (t: Task, m: Machine) => void,
): Ran {
  return runProgram(text, deniedErrno === undefined ? { design } : { design, deniedErrno }, (t, m) => {
    jail(t, m, tif);
    more?.(t, m);
  });
}

/** Each of CALLS: -errno where DENIED, the kernel's own -ENOSYS for 301, a result >= 0 otherwise. */
export function expectCallResults(ran: Ran, errno: number): void {
  CALLS.forEach((c, i) => {
    const r = result(ran, i);
    if (DENIED.has(c.nr)) expect(r, `nr ${c.nr}`).toBe(-errno);
    else if (c.nr === 301)
      expect(r).toBe(-ENOSYS); // not denied, not implemented
    else expect(r, `nr ${c.nr}`).toBeGreaterThanOrEqual(0);
  });
}

/** Each of CALLS runs: nothing denied (300 and 301 are the kernel's own -ENOSYS). */
export function expectNothingDenied(ran: Ran): void {
  CALLS.forEach((c, i) => {
    if (c.nr >= 300) expect(result(ran, i)).toBe(-ENOSYS);
    else expect(result(ran, i), `nr ${c.nr}`).toBeGreaterThanOrEqual(0);
  });
}

/** The cost shapes: sandybridge-2011, null workload, 20 calls, a filtered and an unfiltered task at each depth. */
export function compareNullWorkload(designs: string[], depths: number[]): ReturnType<typeof compareDesigns> {
  return compareDesigns({
    designs,
    depths,
    workload: "null",
    count: 20,
    modes: ["filtered", "unfiltered"],
    profile: getProfile("sandybridge-2011"),
  });
}
