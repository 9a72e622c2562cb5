import { describe, expect, it } from "vitest";
import { AUDIT_ARCH_X86_64 } from "../../src/kernel/asm-offsets.ts";
import { AuditRules } from "../../src/kernel/audit-rules.ts";
import { EBADF } from "../../src/kernel/errno.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SYSCALL_AUDIT, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";
import { callsProgram, runProgram } from "./user-program.ts";

const SB = getProfile("sandybridge-2011");
const CL = getProfile("cascadelake-2022");

/** close(99) fails with EBADF, umask succeeds, getpid succeeds */
const CALLS = [{ nr: NR.close, args: [99, 7, 8, 9] }, { nr: NR.umask, args: [0o22] }, { nr: NR.getpid }];

function audited(rules: Parameters<AuditRules["addRule"]>[0][], tif = TIF_SYSCALL_AUDIT) {
  return runProgram(callsProgram(CALLS), {}, (t, m) => {
    t.tif.set(tif);
    for (const r of rules) m.audit.addRule(r);
  });
}

describe("audit rules: matching", () => {
  it("no rules: the contexts are kept (task.audit) but no record is emitted", () => {
    const ran = audited([]);
    expect(ran.m.audit.nRules).toBe(0);
    expect(ran.t.audit.map((a) => a.nr)).toEqual([NR.close, NR.umask, NR.getpid]);
    expect(ran.m.audit.records).toEqual([]);
  });

  it("a rule on one number records only that syscall, with its contents", () => {
    const ran = audited([{ nr: NR.close, action: "always", filter: "exit" }]);
    expect(ran.m.audit.records).toEqual([
      {
        serial: 1,
        pid: ran.t.pid,
        rule: { filter: "exit", index: 0 },
        arch: AUDIT_ARCH_X86_64,
        nr: NR.close,
        args: [99n, 7n, 8n, 9n],
        result: BigInt(-EBADF),
        success: false,
      },
    ]);
  });

  it('"all" records every syscall (exit included), in order, with serials', () => {
    const ran = audited([{ nr: "all", action: "always", filter: "exit" }]);
    const recs = ran.m.audit.records;
    expect(recs.map((r) => r.nr)).toEqual([NR.close, NR.umask, NR.getpid]);
    expect(recs.map((r) => r.serial)).toEqual([1, 2, 3]);
    expect(recs[1]).toMatchObject({ result: 0o22n, success: true });
  });

  it("the first matching rule decides: never before always suppresses, always before never records", () => {
    const never = audited([
      { nr: NR.umask, action: "never", filter: "exit" },
      { nr: "all", action: "always", filter: "exit" },
    ]);
    expect(never.m.audit.records.map((r) => r.nr)).toEqual([NR.close, NR.getpid]);
    expect(never.m.audit.records.every((r) => r.rule.index === 1)).toBe(true);
    const always = audited([
      { nr: "all", action: "always", filter: "exit" },
      { nr: NR.umask, action: "never", filter: "exit" },
    ]);
    expect(always.m.audit.records.map((r) => r.nr)).toEqual([NR.close, NR.umask, NR.getpid]);
  });

  it("exit filter on success (-F success=0 / success!=0) and on the exit value", () => {
    const failed = audited([
      { nr: "all", action: "always", filter: "exit", field: { name: "success", op: "=", value: 0 } },
    ]);
    expect(failed.m.audit.records.map((r) => r.nr)).toEqual([NR.close]);
    const ok = audited([
      { nr: "all", action: "always", filter: "exit", field: { name: "success", op: "!=", value: 0 } },
    ]);
    expect(ok.m.audit.records.map((r) => r.nr)).toEqual([NR.umask, NR.getpid]);
    const ebadf = audited([
      { nr: "all", action: "always", filter: "exit", field: { name: "exit", op: "=", value: -EBADF } },
    ]);
    expect(ebadf.m.audit.records.map((r) => [r.nr, r.result])).toEqual([[NR.close, BigInt(-EBADF)]]);
  });

  it("entry filter: a rule without fields decides at entry; a field on the result never matches there", () => {
    const entry = audited([{ nr: NR.getpid, action: "always", filter: "entry" }]);
    expect(entry.m.audit.records).toMatchObject([{ nr: NR.getpid, rule: { filter: "entry", index: 0 } }]);
    const field = audited([
      { nr: "all", action: "always", filter: "entry", field: { name: "success", op: "=", value: 1 } },
    ]);
    expect(field.m.audit.records).toEqual([]);
    // entry never disables the context: no bookkeeping, and the exit list is not consulted
    const off = audited([
      { nr: NR.umask, action: "never", filter: "entry" },
      { nr: "all", action: "always", filter: "exit" },
    ]);
    expect(off.m.audit.records.map((r) => r.nr)).toEqual([NR.close, NR.getpid]);
    expect(off.t.audit.map((a) => a.nr)).toEqual([NR.close, NR.getpid]);
  });

  it("the slow path (tracesys, syscall_trace_leave) records the same as the audit semi-slow path", () => {
    const rule = { nr: "all" as const, action: "always" as const, filter: "exit" as const };
    const semi = audited([rule]);
    const slow = audited([rule], TIF_SYSCALL_TRACE);
    // TIF_SYSCALL_TRACE alone: no audit context, no record
    expect(slow.m.audit.records).toEqual([]);
    const both = runProgram(callsProgram(CALLS), {}, (t, m) => {
      t.tif.set(TIF_SYSCALL_AUDIT);
      t.tif.set(TIF_SYSCALL_TRACE);
      m.audit.addRule(rule);
    });
    expect(both.t.acct.paths.trace).toBeGreaterThan(0);
    const strip = (rs: typeof semi.m.audit.records) => rs.map(({ serial: _s, pid: _p, ...r }) => r);
    expect(strip(both.m.audit.records)).toEqual(strip(semi.m.audit.records));
  });

  it("rejects bad rules with a clear message", () => {
    const a = new AuditRules();
    expect(() => a.addRule({ nr: -1, action: "always", filter: "exit" })).toThrow(/nr must be/);
    expect(() => a.addRule({ nr: 1, action: "maybe" as never, filter: "exit" })).toThrow(/action must be/);
    expect(() => a.addRule({ nr: 1, action: "always", filter: "task" as never })).toThrow(/filter must be/);
    expect(() =>
      a.addRule({ nr: 1, action: "always", filter: "exit", field: { name: "success", op: "=", value: 2 } }),
    ).toThrow(/success takes 0 or 1/);
    expect(() =>
      a.addRule({
        nr: 1,
        action: "always",
        filter: "exit",
        field: { name: "exit", op: "<" as never, value: 2 },
      }),
    ).toThrow(/op must be/);
    expect(a.nRules).toBe(0);
    expect(a.addRule({ nr: 1, action: "always", filter: "exit" })).toBe(0);
    a.clear();
    expect(a.nRules).toBe(0);
  });
});

describe("audit rules: cost", () => {
  /** the null workload (getppid loop) on the audit path with `n` exit rules that never match (reboot) */
  const perCall = (n: number, profile = SB, flavour: "linux-3.1" | "linux-generic" = "linux-3.1") => {
    const r = runWorkload({
      workload: "null",
      count: 20,
      profile,
      flavour,
      tif: ["audit"],
      setup: (m) => {
        for (let i = 0; i < n; i++) m.audit.addRule({ nr: NR.reboot, action: "always", filter: "exit" });
      },
    });
    expect(r.exitCode).toBe(0);
    return r.cyclesPerCall;
  };

  it("cycles per call rise by exactly audit_rule_check × rules (3.1 and generic)", () => {
    const rule = SB.natives.audit_rule_check!;
    expect(rule).toBeGreaterThan(0);
    const base = perCall(0);
    for (const n of [1, 4, 10]) expect(perCall(n)).toBe(base + n * rule);
    const g0 = perCall(0, CL, "linux-generic");
    expect(perCall(10, CL, "linux-generic")).toBe(g0 + 10 * CL.natives.audit_rule_check!);
  });

  it("a matching rule adds audit_log_exit per record on top of the rules it evaluated", () => {
    const base = perCall(0);
    const r = runWorkload({
      workload: "null",
      count: 20,
      profile: SB,
      tif: ["audit"],
      setup: (m) => void m.audit.addRule({ nr: NR.getppid, action: "always", filter: "exit" }),
    });
    expect(r.cyclesPerCall).toBe(base + SB.natives.audit_rule_check! + SB.natives.audit_log_exit!);
  });

  it("rules cost nothing to a task without an audit context", () => {
    const run = (n: number) =>
      runWorkload({
        workload: "null",
        count: 20,
        profile: SB,
        setup: (m) => {
          for (let i = 0; i < n; i++) m.audit.addRule({ nr: "all", action: "always", filter: "exit" });
        },
      });
    const a = run(0);
    const b = run(5);
    expect(b.cyclesPerCall).toBe(a.cyclesPerCall);
    expect(b.paths.fast).toBe(a.paths.fast);
  });
});
