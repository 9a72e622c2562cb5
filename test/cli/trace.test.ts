import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { diffTraces, formatDiff, formatTrace } from "../../src/cli/trace.ts";
import { traceSetup } from "../../src/measure/entry-trace.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { cli as run } from "../helpers/cli.ts";

const sandy = getProfile("sandybridge-2011");
const ESC = "\u001b[";

const cli = (...args: string[]) => run(args);

describe("trace", () => {
  const audit = traceSetup({ profile: sandy, tif: ["audit"], syscall: { nr: 110 } }, { calls: 1 });

  it("fits 120 columns by default, notes wrapped and never cut; --wide keeps one line per instruction", () => {
    const text = formatTrace(audit, {});
    const lines = text.split("\n");
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(120);
    expect(text).toContain("TIF_SYSCALL_AUDIT is set → sysret_audit");
    const wide = formatTrace(audit, { wide: true }).split("\n");
    expect(Math.max(...wide.map((l) => [...l].length))).toBeGreaterThan(120);
    expect(wide.length).toBeLessThan(lines.length); // notes on the instruction's own line
  });

  it("colours labels, costs and taken branches on a colour terminal, nothing otherwise", () => {
    const coloured = formatTrace(audit, { chalk: new Chalk({ level: 1 }) });
    expect(coloured).toContain(`${ESC}32m${ESC}1m`); // a taken branch's note: bold green
    expect(coloured).toContain(`${ESC}36msystem_call`); // labels: cyan
    const plain = formatTrace(audit, { chalk: new Chalk({ level: 0 }) });
    expect(plain).not.toContain(ESC);
  });

  it("--diff: the instructions one design executes and the other does not, with their cycles", () => {
    const d = diffTraces({ profile: sandy, filtered: true, syscall: { nr: 110 } }, "none", "cgroup-tif");
    expect(d.b.cycles - d.a.cycles).toBe(413); // README: cgroup-tif, filtered, +413 cycles/call
    const text = formatDiff(d);
    expect(text).toContain("delta +413 cycles");
    expect(text).toMatch(/^\+ +1 +tracesys\+0x9 +subq \$0x30,%rsp$/m);
    // the TIF test itself differs: cgroup-tif adds its own bit to _TIF_WORK_SYSCALL_ENTRY
    expect(text).toMatch(/^- +2 +system_call_after_swapgs\+0x58 +testl \$0x100001d1,0x10\(%rcx\)$/m);
  });

  it("the command: --design, --flavour, --diff, --flame and --collapsed; piped output has no colour", () => {
    const tmp = mkdtempSync(join(tmpdir(), "trace-"));
    const r = cli("trace", "--design", "cgroup-tif", "--filtered", "--calls", "1");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).toContain("bit 110 of SCG_syscalls_bitmap(%rcx) is set → fall through");
    const g = cli(
      "trace",
      "--flavour",
      "linux-generic",
      "--pti",
      "--design",
      "seccomp-bpf",
      "--filtered",
      "--calls",
      "1",
    );
    expect(g.status).toBe(0);
    expect(g.stdout).toContain("syscall_work & SYSCALL_WORK_ENTER = 0x1 → syscall_enter_work");
    const bad = cli("trace", "--flavour", "linux-generic", "--design", "cgroup-tif");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("cannot run on linux-generic");
    const diff = cli("trace", "--diff", "none", "cgroup-walk");
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain("delta +11 cycles");
    const f = cli(
      "trace",
      "--design",
      "none,cgroup-walk,cgroup-tif",
      "--filtered",
      "--flame",
      join(tmp, "f.svg"),
      "--collapsed",
      join(tmp, "f.txt"),
    );
    expect(f.status).toBe(0);
    const collapsed = readFileSync(join(tmp, "f.txt"), "utf8").trim().split("\n");
    const sum = (d: string) =>
      collapsed.filter((l) => l.startsWith(`${d};`)).reduce((n, l) => n + Number(l.split(" ").pop()), 0);
    expect(sum("none")).toBe(194);
    expect(sum("cgroup-tif")).toBe(194 + 413);
    for (const l of collapsed)
      expect(l).toMatch(/^[\w.()-]+;(entry|tif-test|design|dispatch|body|exit);\S+ \d+$/);
    const svg = readFileSync(join(tmp, "f.svg"), "utf8");
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("cgroup-tif: 607 cycles");
  });
});
