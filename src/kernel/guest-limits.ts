// The bounds a machine runs its guest under (docs/architecture.md, "Kernel resources are freed and bounded"):
// tasks not yet reaped (fork/clone give EAGAIN past it, as RLIMIT_NPROC does), guest physical memory (mmap/brk/fork give
// ENOMEM), instructions retired over the machine's life, and wall-clock time since boot. The last two end the
// run with a GuestLimitError the commands turn into exit codes 125 and 124.

export interface GuestLimits {
  /** tasks not yet reaped (zombies count, as for RLIMIT_NPROC); fork and clone return -EAGAIN at the limit */
  maxTasks?: number;
  /** guest physical memory in bytes (a multiple of 4096, at most 1 GiB) */
  memoryBytes?: number;
  /** instructions retired by all CPUs over the machine's life */
  maxInstructions?: number;
  /** wall-clock milliseconds from boot */
  timeoutMs?: number;
  /** an absolute deadline (performance.now() milliseconds) shared by every machine of one command */
  deadline?: number;
}

/** RLIMIT_NPROC-like default: far above any workload here, low enough that a fork bomb ends quickly. */
export const DEFAULT_MAX_TASKS = 4096;

/** The budget or the time limit ended the guest. */
export class GuestLimitError extends Error {
  constructor(
    readonly kind: "budget" | "timeout",
    /** the limit: instructions, or milliseconds */
    readonly limit: number,
    /** instructions retired when it stopped */
    readonly instructions: number,
  ) {
    super(
      kind === "budget"
        ? `stopped by the instruction budget: ${limit.toLocaleString("en-US")} instructions retired (raise it with --max-insns)`
        : `stopped by the time limit: ${limit / 1000} s of wall-clock time, ${instructions.toLocaleString("en-US")} instructions retired (raise it with --timeout)`,
    );
  }
}

let processDefaults: GuestLimits = {};

/** Limits every Machine.boot without its own `limits` uses (the CLI sets them from --max-insns, --timeout,
 *  --memory once per command, so that every machine a command boots, however deep, runs under them). */
export function setDefaultGuestLimits(l: GuestLimits): void {
  processDefaults = { ...l };
}

export function defaultGuestLimits(): GuestLimits {
  return processDefaults;
}
