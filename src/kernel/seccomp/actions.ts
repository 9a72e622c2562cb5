// SECCOMP_RET_* (include/uapi/linux/seccomp.h), their precedence and what each does (kernel/seccomp.c,
// seccomp_run_filters and __seccomp_filter, Linux 5.11+ / 6.x).

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
/** alias of KILL_THREAD */
export const SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_ACTION = 0x7fff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** MAX_ERRNO (include/linux/err.h): ERRNO data above it is capped */
export const MAX_ERRNO = 4095;

export type SeccompActionName =
  | "KILL_PROCESS"
  | "KILL_THREAD"
  | "TRAP"
  | "ERRNO"
  | "USER_NOTIF"
  | "TRACE"
  | "LOG"
  | "ALLOW";

/** Most restrictive first (the order of the signed ACTION_ONLY values). */
export const ACTION_NAMES: readonly SeccompActionName[] = [
  "KILL_PROCESS",
  "KILL_THREAD",
  "TRAP",
  "ERRNO",
  "USER_NOTIF",
  "TRACE",
  "LOG",
  "ALLOW",
];

export const ACTION_VALUE: Readonly<Record<SeccompActionName, number>> = {
  KILL_PROCESS: SECCOMP_RET_KILL_PROCESS,
  KILL_THREAD: SECCOMP_RET_KILL_THREAD,
  TRAP: SECCOMP_RET_TRAP,
  ERRNO: SECCOMP_RET_ERRNO,
  USER_NOTIF: SECCOMP_RET_USER_NOTIF,
  TRACE: SECCOMP_RET_TRACE,
  LOG: SECCOMP_RET_LOG,
  ALLOW: SECCOMP_RET_ALLOW,
};

/** ACTION_ONLY(ret) = (s32)(ret & SECCOMP_RET_ACTION_FULL): the precedence key, smaller is more restrictive. */
export const actionOnly = (ret: number): number => ret & 0xffff0000;

/** True when `cur` replaces `best` in seccomp_run_filters (strict: on a tie the newer filter's value stays). */
export const isMoreRestrictive = (cur: number, best: number): boolean => actionOnly(cur) < actionOnly(best);

export interface ResolvedAction {
  /** what the kernel does; an unknown action value is handled as KILL_PROCESS (the `default:` case) */
  action: SeccompActionName;
  /** ret & SECCOMP_RET_DATA */
  data: number;
  /** the filter's 32-bit return value, unsigned */
  ret: number;
  /** true when ret's action part is none of the SECCOMP_RET_* values */
  unknown: boolean;
}

export function resolveAction(ret: number): ResolvedAction {
  const full = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  for (const name of ACTION_NAMES) {
    if (ACTION_VALUE[name] === full) return { action: name, data, ret: ret >>> 0, unknown: false };
  }
  return { action: "KILL_PROCESS", data, ret: ret >>> 0, unknown: true };
}

/** The errno an ERRNO action sets: -min(data, MAX_ERRNO) is returned (data 0 returns 0). */
export const errnoOf = (data: number): number => Math.min(data & SECCOMP_RET_DATA, MAX_ERRNO);

/** `ERRNO 1`, `TRAP 0x2a`, `ALLOW`, `KILL_PROCESS (unknown action 0x00010000)` */
export function formatAction(r: ResolvedAction): string {
  if (r.unknown) return `KILL_PROCESS (unknown action 0x${r.ret.toString(16).padStart(8, "0")})`;
  switch (r.action) {
    case "ERRNO":
      return r.data > MAX_ERRNO
        ? `ERRNO ${errnoOf(r.data)} (data ${r.data} capped at MAX_ERRNO)`
        : `ERRNO ${r.data}`;
    case "TRAP":
    case "TRACE":
    case "USER_NOTIF":
      return `${r.action} 0x${r.data.toString(16)}`;
    default:
      return r.action;
  }
}

/** What a syscall sees under an action when no tracer and no listener exist (the case a plain process is in). */
export type SyscallOutcome =
  | { kind: "run" }
  | { kind: "return"; value: number }
  | { kind: "sigsys"; data: number; coredump: false }
  | { kind: "killed"; signal: "SIGSYS"; thread: boolean };

/** -ENOSYS: TRACE with no tracer attached, USER_NOTIF with no listener on the matching filter */
export const ENOSYS_RETURN = -38;

export function outcomeOf(r: ResolvedAction): SyscallOutcome {
  switch (r.action) {
    case "ALLOW":
    case "LOG":
      return { kind: "run" };
    case "ERRNO":
      return { kind: "return", value: -errnoOf(r.data) };
    case "TRAP":
      return { kind: "sigsys", data: r.data, coredump: false };
    case "TRACE":
    case "USER_NOTIF":
      return { kind: "return", value: ENOSYS_RETURN };
    case "KILL_THREAD":
      return { kind: "killed", signal: "SIGSYS", thread: true };
    default:
      return { kind: "killed", signal: "SIGSYS", thread: false };
  }
}
