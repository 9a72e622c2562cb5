import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareReplays, runReplay } from "../../src/cli/replay.ts";
import type { AuditRecord } from "../../src/kernel/audit.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { replayCostClass, replayCosts } from "../../src/measure/replay-costs.ts";
import { planReplay, type ReplayReport, replayLog } from "../../src/measure/run-replay.ts";
import { argValue, buildReplay, type ReplayPlan, recordedReturn } from "../../src/workload/replay.ts";
import { parseStrace, type StraceLog } from "../../src/workload/strace.ts";

const profile = getProfile("sandybridge-2011");
const FIXTURES = ["ls", "pipe", "fork", "signal", "bracket", "edge"] as const;
const fixturePath = (f: string) => join(import.meta.dirname, "..", "fixtures", "strace", `${f}.log`);
const logs = new Map<string, StraceLog>(FIXTURES.map((f) => [f, parseStrace(readFileSync(fixturePath(f)))]));
const logOf = (f: string) => logs.get(f)!;
const plans = new Map<string, ReplayPlan>();
/** Plans are built once per fixture (assembling the programs is most of a small replay's time). */
const planOf = (f: string): ReplayPlan => {
  let p = plans.get(f);
  if (p === undefined) {
    p = planReplay(logOf(f), profile, false);
    plans.set(f, p);
  }
  return p;
};

/** Per-name counts of the parsed calls that have an x86_64 number. */
function parserCounts(log: StraceLog): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of log.calls) if (c.nr >= 0) out[c.name] = (out[c.name] ?? 0) + 1;
  return out;
}

function reportCounts(r: ReplayReport): Record<string, number> {
  return Object.fromEntries(r.calls.map((c) => [c.name, c.calls]));
}

describe("replay of the recorded fixtures", () => {
  for (const f of FIXTURES) {
    it(`${f}.log runs to completion and replays exactly the parsed calls, with the recorded results`, () => {
      const log = logOf(f);
      const audits: AuditRecord[][] = [];
      const r = replayLog(log, {
        profile,
        plan: planOf(f),
        tif: ["audit"],
        after: (_m, tasks) => {
          for (const t of tasks) audits.push([...t.audit]);
        },
      });
      expect(r.mismatches).toBe(0);
      expect(r.tasks.every((t) => t.exitCode === 0 && t.killedBy === null)).toBe(true);
      expect(reportCounts(r)).toEqual(parserCounts(log));
      const unknown = log.calls.filter((c) => c.nr < 0).length;
      expect(r.replayedCalls).toBe(log.calls.length - unknown);
      expect(r.skippedCalls).toBe(unknown);
      expect(r.processes).toBe(new Set(log.calls.filter((c) => c.nr >= 0).map((c) => c.pid)).size);

      // every task's audit records: its recorded calls in order, each returning the recorded result
      const plan = planOf(f);
      expect(audits.length).toBe(plan.script.processes.length);
      plan.script.processes.forEach((p, i) => {
        const recs = audits[i]!;
        const calls = log.calls.filter((c) => c.pid === p.pid && c.nr >= 0);
        expect(recs.map((x) => x.nr)).toEqual(calls.map((c) => c.nr));
        expect(recs.map((x) => x.result)).toEqual(calls.map((c) => recordedReturn(c.result)));
        // a0..a3 as loaded from the integer arguments (registers past a call's arguments are not set)
        calls.forEach((c, j) => {
          const n = Math.min(4, c.args.length);
          expect(recs[j]!.args.slice(0, n)).toEqual(
            c.args.slice(0, n).map((a) => BigInt.asUintN(64, argValue(a))),
          );
        });
      });
    });
  }

  it("failures come back as -errno, interrupted calls as -ERESTART*, `= ?` as 0", () => {
    expect(recordedReturn({ value: -1n, errno: "ENOENT" })).toBe(-2n);
    expect(recordedReturn({ value: null, errno: "ERESTARTSYS" })).toBe(-512n);
    expect(recordedReturn({ value: 0x7f5a613f8000n })).toBe(0x7f5a613f8000n);
    expect(recordedReturn({ value: null })).toBe(0n);
    expect(recordedReturn(null)).toBe(0n);
    expect(recordedReturn({ value: -1n, errno: "EMADEUP" })).toBe(-1n);
  });

  it("keeps the log's order across processes: one switch per change of pid", () => {
    for (const f of ["pipe", "fork", "bracket"]) {
      const log = logOf(f);
      const r = replayLog(log, { profile, plan: planOf(f) });
      // the first task's start plus one switch per change of pid between consecutive calls of the log
      const calls = log.calls.filter((c) => c.nr >= 0);
      let changes = 0;
      for (let i = 1; i < calls.length; i++) if (calls[i]!.pid !== calls[i - 1]!.pid) changes++;
      expect(changes).toBeGreaterThan(2);
      expect(r.contextSwitches).toBe(changes + 1);
    }
  });
});

describe("unparsed lines", () => {
  const clean = readFileSync(fixturePath("pipe"), "utf8").split("\n");
  const garbage = [5, 50, 120];
  const lines = [...clean];
  for (const at of garbage) lines.splice(at - 1, 0, `garbage line ${at} %%%`);
  const dirty = lines.join("\n");

  it("are reported with their line numbers and never stop the replay", () => {
    const log = parseStrace(dirty);
    const r = replayLog(log, { profile });
    expect(r.unparsed.map((u) => u.line)).toEqual(garbage);
    expect(r.unparsedCount).toBe(3);
    const base = replayLog(logOf("pipe"), { profile, plan: planOf("pipe") });
    expect(r.replayedCalls).toBe(base.replayedCalls);
    expect(reportCounts(r)).toEqual(reportCounts(base));
    expect(r.callSysCycles).toBe(base.callSysCycles);
  });

  it("the command lists the first 10 with their line numbers", () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"));
    const many = [...clean];
    for (let i = 0; i < 12; i++) many.splice(2 * i, 0, `junk ${i}`);
    const file = join(dir, "many.log");
    writeFileSync(file, many.join("\n"));
    const out = runReplay(file, { profile });
    expect(out.exitCode).toBe(0);
    expect(out.output).toContain("12 unparsed lines");
    expect(out.output).toContain("unparsed lines (first 10):");
    const listed = [...out.output.matchAll(/^ {2}line (\d+): /gm)].map((m) => Number(m[1]));
    expect(listed).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });
});

describe("measurement", () => {
  it("is deterministic: the same cycles twice", () => {
    const a = replayLog(logOf("fork"), { profile, design: "cgroup-walk" });
    const b = replayLog(logOf("fork"), { profile, design: "cgroup-walk", plan: planOf("fork") });
    expect(b).toEqual(a);
  });

  it("a design's overhead on a replay is positive for cgroup-walk and zero for none", () => {
    const log = logOf("signal");
    const plan = planOf("signal");
    const none = replayLog(log, { profile, plan });
    const none2 = replayLog(log, { profile, plan, design: "none" });
    const walk = replayLog(log, { profile, plan, design: "cgroup-walk" });
    const zero = compareReplays(none, none2);
    expect(zero).toEqual({ sysOverheadPct: 0, totalOverheadPct: 0, extraCyclesPerCall: 0 });
    const c = compareReplays(none, walk);
    expect(c.sysOverheadPct).toBeGreaterThan(0);
    expect(c.totalOverheadPct).toBeGreaterThan(0);
    expect(c.extraCyclesPerCall).toBeGreaterThan(0);
  });

  it("charges each call's modelled body: a getter is cheaper than an openat by the class difference", () => {
    const costs = replayCosts(profile);
    expect(costs.perClass.getter).toBe(profile.natives.sys_getpid);
    expect(replayCostClass("openat")).toBe("open");
    expect(replayCostClass("frobnicate")).toBe("other");
    const r = replayLog(logOf("pipe"), { profile, plan: planOf("pipe") });
    const row = (n: string) => r.calls.find((c) => c.name === n)!;
    const getuid = row("getuid").sysCycles / row("getuid").calls;
    const getgid = row("getgid").sysCycles / row("getgid").calls;
    expect(getuid).toBe(getgid);
    // read: the class cost plus the bytes read at copy_user_per_byte
    const reads = planOf("pipe")
      .script.processes.flatMap((p) => p.calls)
      .filter((c) => c.name === "read");
    expect(
      reads.every((c) => c.cost === Math.round(costs.perClass.io + Number(c.ret > 0n ? c.ret : 0n) / 8)),
    ).toBe(true);
  });

  it("--cgroup-deny: denied calls return -deniedErrno instead of the recorded result", () => {
    const log = logOf("pipe");
    const closes = log.calls.filter((c) => c.name === "close").length;
    const results: bigint[] = [];
    const r = replayLog(log, {
      profile,
      plan: planOf("pipe"),
      design: "cgroup-walk",
      cgroupDeny: [3],
      tif: ["audit"],
      after: (_m, tasks) => {
        for (const t of tasks) for (const a of t.audit) if (a.nr === 3) results.push(a.result);
      },
    });
    expect(r.denied).toBe(closes);
    expect(results).toEqual(Array(closes).fill(-38n));
    expect(r.tasks.every((t) => t.exitCode === 0)).toBe(true);
    expect(reportCounts(r)).toEqual(parserCounts(log));
    expect(() => replayLog(log, { profile, plan: planOf("pipe"), cgroupDeny: [231] })).toThrow(/exit_group/);
  });

  it("--gaps turns recorded time between calls into capped user instructions", () => {
    const log = logOf("edge");
    // pid 500: syscall_0x1c8 at .000009, rt_sigsuspend at .000011: 2 µs = 200 cycles at 100 MHz = 100 addq at 2 each
    const wide = buildReplay(log, {
      costs: replayCosts(profile),
      gaps: { clockHz: 1e8, addCycles: 2, cap: 100_000 },
    });
    expect(wide.programs.map((p) => p.gapInstructions)).toEqual([100, 0, 0]);
    expect(wide.programs[0]!.cappedGaps).toBe(0);
    const capped = planReplay(log, profile, true, 200);
    expect(capped.programs[0]!.gapInstructions).toBe(200);
    expect(capped.programs[0]!.cappedGaps).toBe(1);
    const off = replayLog(log, { profile, plan: planOf("edge") });
    const on = replayLog(log, { profile, plan: capped });
    expect(on.gaps).toMatchObject({ instructions: 200, capped: 1, capInstructions: 200 });
    // 200 addq plus the call into the gap block and its ret
    expect(on.userCycles - off.userCycles).toBeGreaterThanOrEqual(200);
    expect(on.userCycles - off.userCycles).toBeLessThan(220);
    expect(on.callSysCycles).toBe(off.callSysCycles);
    expect(planReplay(logOf("fork"), profile, true, 10).relativeTimes).toBe(true);
    expect(planReplay(logOf("signal"), profile, true, 10).relativeTimes).toBe(false);
  });
});

describe("syscall-lab replay (runReplay)", () => {
  const dir = mkdtempSync(join(tmpdir(), "replay-cli-"));

  it("prints the summary, the per-name table and the comparison against none", () => {
    const out = runReplay(fixturePath("edge"), { profile, design: "cgroup-walk" });
    expect(out.exitCode).toBe(0);
    expect(out.output).toContain(
      "3 processes, 6 calls parsed, 5 replayed, 1 skipped (unknown name), 1 unparsed line",
    );
    expect(out.output).toContain("skipped: frobnicate ×1");
    expect(out.output).toContain("line 13: ");
    expect(out.output).toMatch(/cgroup-walk against none on this syscall mix: sys \+\d/);
    const j = JSON.parse(
      runReplay(fixturePath("edge"), { profile, design: "cgroup-walk", json: true }).output,
    );
    expect(j.report.design).toBe("cgroup-walk");
    expect(j.baseline.design).toBe("none");
    expect(j.comparison.sysOverheadPct).toBeGreaterThan(0);
  });

  it("errors are one line with exit code 2", () => {
    const empty = join(dir, "empty.log");
    writeFileSync(empty, "\n\n");
    const junk = join(dir, "junk.log");
    writeFileSync(junk, "hello\nworld\n");
    const unknown = join(dir, "unknown.log");
    writeFileSync(unknown, "1 frobnicate(1) = 0\n");
    for (const [file, msg] of [
      [join(dir, "missing.log"), /missing\.log: no such file/],
      [empty, /empty trace/],
      [junk, /no parseable syscall \(2 unparsed lines\)/],
      [unknown, /no replayable syscall/],
    ] as const) {
      const r = runReplay(file, { profile });
      expect(r.exitCode).toBe(2);
      expect(r.output).toMatch(msg);
      expect(r.output.includes("\n")).toBe(false);
    }
    expect(runReplay(fixturePath("edge"), { profile, design: "nope" }).exitCode).toBe(2);
    expect(runReplay(fixturePath("edge"), { profile, cgroupDeny: "close,bogus" }).exitCode).toBe(2);
    expect(runReplay(fixturePath("edge"), { profile, cgroupDeny: "exit_group" }).exitCode).toBe(2);
  });
});
