// The one exit-code table of every command (docs/architecture.md, "Exit codes"). The wall-clock and budget codes
// follow timeout(1): 124 when the time limit ended the command, 125 for the tool's own limit; 128+n as a shell
// reports a child killed by signal n.

export const EXIT_OK = 0;
/** the measured thing failed: a gate regression, a guest that exited non-zero, a rejected filter, a failed point */
export const EXIT_FAILED = 1;
/** usage or bad input: unknown option or id, a malformed or oversized file, a path that cannot be read or written */
export const EXIT_USAGE = 2;
/** internal error: a bug in syscall-lab, or the host failed under it (disk full) */
export const EXIT_INTERNAL = 3;
/** the wall-clock limit (--timeout) ended the guest */
export const EXIT_TIMEOUT = 124;
/** the instruction budget (--max-insns) ended the guest */
export const EXIT_BUDGET = 125;
/** the guest was killed by signal n */
export const EXIT_SIGNAL_BASE = 128;

export function exitForSignal(signal: number): number {
  return EXIT_SIGNAL_BASE + signal;
}

/** How a guest run ended, as the commands that run guest code report it. */
export type GuestEnd =
  | { kind: "exited"; status: number }
  | { kind: "signal"; signal: number }
  | { kind: "budget" }
  | { kind: "timeout" };

/** The exit code for a guest's end: its status (0 or 1; any other non-zero status is 1), 128+n, 124 or 125. */
export function exitForGuest(end: GuestEnd): number {
  switch (end.kind) {
    case "exited":
      return end.status === 0 ? EXIT_OK : EXIT_FAILED;
    case "signal":
      return exitForSignal(end.signal);
    case "budget":
      return EXIT_BUDGET;
    case "timeout":
      return EXIT_TIMEOUT;
  }
}

/** The table as README.md and `--help` show it. */
export const EXIT_CODE_TABLE: readonly (readonly [string, string])[] = [
  ["0", "success"],
  ["1", "the measured thing failed: a gate regression, a guest that exited non-zero, a rejected filter"],
  [
    "2",
    "usage or bad input (unknown option or id, malformed or oversized file, unreadable or unwritable path)",
  ],
  ["3", "internal error (a bug in syscall-lab, or the host failed under it, e.g. a full disk)"],
  ["124", "stopped by the time limit (--timeout)"],
  ["125", "stopped by the instruction budget (--max-insns)"],
  ["128+n", "the guest was killed by signal n (139 = SIGSEGV)"],
];

export function exitCodeHelp(): string {
  return `Exit codes:\n${EXIT_CODE_TABLE.map(([c, d]) => `  ${c.padEnd(6)} ${d}`).join("\n")}\n`;
}
