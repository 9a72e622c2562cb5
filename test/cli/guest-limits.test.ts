// issue 15: runaway guests end cleanly at the instruction budget or the time limit, with their own exit codes;
// guest output streams to the host; one exit-code table.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeFailure } from "../../src/cli/describe-failure.ts";
import { execExitCode, runExec } from "../../src/cli/exec.ts";
import {
  EXIT_BUDGET,
  EXIT_CODE_TABLE,
  EXIT_FAILED,
  EXIT_INTERNAL,
  EXIT_TIMEOUT,
  EXIT_USAGE,
  exitForGuest,
} from "../../src/cli/exit-codes.ts";
import {
  guestLimitsOf,
  parseMaxInsns,
  parseMemory,
  parseTimeout,
} from "../../src/cli/guest-limit-options.ts";
import { UsageError } from "../../src/cli/output.ts";
import { runReplay } from "../../src/cli/replay.ts";
import { runScript } from "../../src/cli/script.ts";
import { GuestLimitError, setDefaultGuestLimits } from "../../src/kernel/guest-limits.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { cli as run } from "../helpers/cli.ts";

const profile = getProfile("sandybridge-2011");
const HOSTILE = "test/fixtures/bin/hostile/";

const cli = (...args: string[]) => run(args, { env: { NO_COLOR: "1" } });

describe("runaway guests end at the instruction budget (exit 125)", () => {
  // the report's reproducers: each ran 49 s, 212 s or more than 10 minutes before
  const cases: [string, string[]][] = [
    ["a pure loop", []],
    ["a getppid loop", []],
    ["20 children calling sched_yield", []],
    ["a fork bomb", []],
    ["a failing-mmap loop", []],
  ];
  const files = ["loop", "getppid-loop", "yield-children", "forkbomb", "mmap-fail"];
  cases.forEach(([what, args], i) => {
    it(`${what} (${files[i]})`, () => {
      const r = runExec({
        program: `${HOSTILE}${files[i]}`,
        args,
        profile,
        limits: { maxInstructions: 3_000_000 },
      });
      expect(r.budgetExhausted).toBe(true);
      expect(r.timedOut).toBe(false);
      expect(r.instructions).toBe(3_000_000);
      expect(r.limit).toMatch(/^stopped by the instruction budget: 3,000,000 instructions retired/);
      expect(execExitCode(r)).toBe(EXIT_BUDGET);
      if (files[i] === "yield-children") expect(r.tasks).toBe(21);
      if (files[i] === "forkbomb") expect(r.tasks).toBeGreaterThan(50);
    });
  });

  it("the fork bomb meets the task limit: fork fails with EAGAIN, no task beyond it", () => {
    const r = runExec({
      program: `${HOSTILE}forkbomb`,
      args: [],
      profile,
      limits: { maxInstructions: 20_000_000, maxTasks: 64 },
    });
    expect(r.budgetExhausted).toBe(true);
    expect(r.tasks).toBe(64);
  });
});

describe("every command that runs guest code stops at the limits it is given", () => {
  it("replay and script end with GuestLimitError (exit 125), not a failed step or a bad-input line", () => {
    setDefaultGuestLimits({ maxInstructions: 1000 });
    try {
      expect(() =>
        runReplay("test/fixtures/strace/fork.log", { profile, gapCap: 0, deniedErrno: 38, json: false }),
      ).toThrow(GuestLimitError);
      expect(() => runScript(readFileSync("examples/scripts/denied-calls.scen", "utf8"))).toThrow(
        "stopped by the instruction budget: 1,000 instructions retired",
      );
    } finally {
      setDefaultGuestLimits({});
    }
  });
});

describe("the time limit (exit 124)", () => {
  it("a getppid loop with a huge budget ends at the deadline", () => {
    const t0 = performance.now();
    const r = runExec({
      program: `${HOSTILE}getppid-loop`,
      args: [],
      profile,
      limits: { maxInstructions: 1e15, timeoutMs: 500 },
    });
    const took = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.budgetExhausted).toBe(false);
    expect(r.limit).toMatch(/^stopped by the time limit: 0\.5 s of wall-clock time/);
    expect(execExitCode(r)).toBe(EXIT_TIMEOUT);
    expect(took).toBeGreaterThanOrEqual(500);
    expect(r.syscalls).toBeGreaterThan(0);
  });
});

describe("guest output streams to the host", () => {
  it("for(;;) write(1, buf, 65536): every byte goes to the sink as written, none is kept", () => {
    let bytes = 0;
    let writes = 0;
    const r = runExec({
      program: `${HOSTILE}write-flood`,
      args: [],
      profile,
      limits: { maxInstructions: 50_000 },
      output: (stream, b) => {
        expect(stream).toBe("stdout");
        bytes += b.length;
        writes++;
      },
    });
    expect(r.budgetExhausted).toBe(true);
    expect(r.stdout).toBe("");
    expect(writes).toBeGreaterThan(100);
    expect(bytes).toBe(writes * 65536);
  });

  it("without a sink the kept output is bounded (64 MiB per stream); the rest is counted as dropped", () => {
    const r = runExec({
      program: `${HOSTILE}write-flood`,
      args: [],
      profile,
      limits: { maxInstructions: 6_000_000 },
    });
    expect(r.stdout.length).toBe(64 * 1024 * 1024);
    expect(r.outputDropped).toBeGreaterThan(0);
  });
});

describe("exit codes", () => {
  it("the table: 0, 1, 2, 3, 124, 125, 128+n", () => {
    expect(EXIT_CODE_TABLE.map(([c]) => c)).toEqual(["0", "1", "2", "3", "124", "125", "128+n"]);
    expect(exitForGuest({ kind: "exited", status: 0 })).toBe(0);
    expect(exitForGuest({ kind: "exited", status: 42 })).toBe(EXIT_FAILED);
    expect(exitForGuest({ kind: "signal", signal: 11 })).toBe(139);
    expect(exitForGuest({ kind: "budget" })).toBe(125);
    expect(exitForGuest({ kind: "timeout" })).toBe(124);
  });

  it("a guest killed by SIGSEGV is 139; a guest exiting non-zero is 1", () => {
    const segv = runExec({ program: `${HOSTILE}segv`, args: [], profile });
    expect(segv.signal).toBe(11);
    expect(execExitCode(segv)).toBe(139);
    const missing = runExec({ program: "test/fixtures/bin/cat.musl", args: ["/nonexistent"], profile });
    expect(missing.exitCode).toBe(1);
    expect(execExitCode(missing)).toBe(EXIT_FAILED);
  });

  it("file-system errors name the operation, the path and the real reason; a full disk is 3", () => {
    const fsError = (code: string, syscall: string, path: string) =>
      Object.assign(new Error(`${code}: x, ${syscall} '${path}'`), { code, syscall, path });
    expect(describeFailure(fsError("EROFS", "mkdir", "/ro/out"))).toEqual({
      message: "cannot mkdir /ro/out: read-only file system",
      code: EXIT_USAGE,
    });
    expect(describeFailure(fsError("EACCES", "open", "/x/results.jsonl"))).toEqual({
      message: "cannot open /x/results.jsonl: permission denied",
      code: EXIT_USAGE,
    });
    expect(describeFailure(fsError("ENOSPC", "write", "/full/results.jsonl"))).toEqual({
      message: "cannot write /full/results.jsonl: no space left on device",
      code: EXIT_INTERNAL,
    });
    expect(describeFailure(new UsageError("bad"))).toEqual({ message: "bad", code: EXIT_USAGE });
    expect(describeFailure(new GuestLimitError("budget", 10, 10)).code).toBe(EXIT_BUDGET);
    expect(describeFailure(new GuestLimitError("timeout", 1000, 5)).code).toBe(EXIT_TIMEOUT);
    expect(describeFailure(new TypeError("x is undefined"))).toEqual({
      message: "internal error: x is undefined",
      code: EXIT_INTERNAL,
    });
  });

  it("--max-insns, --timeout and --memory are validated", () => {
    expect(parseMaxInsns("2e9")).toBe(2e9);
    expect(parseMaxInsns("1_000_000")).toBe(1e6);
    for (const bad of ["0", "-1", "x", "1e30", ""]) expect(() => parseMaxInsns(bad)).toThrow(UsageError);
    expect(parseTimeout("0.5")).toBe(0.5);
    for (const bad of ["0", "-1", "1e3", "never"]) expect(() => parseTimeout(bad)).toThrow(UsageError);
    expect(parseMemory("64M")).toBe(64 << 20);
    expect(parseMemory("1G")).toBe(1 << 30);
    for (const bad of ["1K", "2G", "64X", "17000001"]) expect(() => parseMemory(bad)).toThrow(UsageError);
    const l = guestLimitsOf({ timeout: "2" }, 1000);
    expect(l).toEqual({ maxInstructions: 2e9, timeoutMs: 2000, deadline: 3000 });
  });

  it("the CLI: 125 and 124 with their messages, 139 for SIGSEGV, 2 for a character device, the table in --help", () => {
    const budget = cli("exec", "--max-insns", "1000000", `${HOSTILE}loop`);
    expect(budget.status).toBe(125);
    expect(budget.stdout).toContain("stopped by the instruction budget: 1,000,000 instructions retired");
    // README.md shows this run's output verbatim
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(budget.stdout.trimEnd());
    const time = cli("exec", "--timeout", "1", "--max-insns", "1e15", `${HOSTILE}getppid-loop`);
    expect(time.status).toBe(124);
    expect(time.stdout).toContain("stopped by the time limit: 1 s of wall-clock time");
    expect(cli("exec", `${HOSTILE}segv`).status).toBe(139);
    const dev = cli("exec", "--stdin", "/dev/zero", "test/fixtures/bin/cat.musl");
    expect(dev.status).toBe(2);
    expect(dev.stderr).toBe(
      "syscall-lab: --stdin /dev/zero: a character device, not a regular file (use - to read standard input)\n",
    );
    const help = cli("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Exit codes:");
    expect(help.stdout).toMatch(/125\s+stopped by the instruction budget/);
  }, 600_000);
});
