import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOC_ENV } from "../../scripts/doc-blocks.ts";
import { ROOT, cli as run } from "../helpers/cli.ts";

const cli = (...args: string[]) => run(args, { env: { NO_COLOR: "1" } });
/** a deterministic command the docs show too: the doc-blocks test and this file share one run of it */
const shared = (...args: string[]) => run(args, { env: DOC_ENV, cache: true });

describe("syscall-lab CLI", () => {
  it("run --json: exact per-call cycles and path counts", () => {
    const r = cli("run", "--workload", "null", "--count", "200", "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.calls).toHaveLength(1);
    expect(j.calls[0]).toMatchObject({ name: "getppid", nr: 110, calls: 200 });
    expect(j.paths).toMatchObject({ fast: 201, sysret: 200, iret: 0 });
    expect(j.cyclesPerCall).toBe(j.calls[0].cycles / 200);
  });

  it("run: a table per syscall, the totals and the paths", () => {
    const r = cli("run", "-w", "sowa-micro", "-n", "50", "--tif", "audit");
    expect(r.status).toBe(0);
    for (const s of [
      "getuid (102)",
      "setuid (105)",
      "chdir (80)",
      "read (0)",
      "TIF_SYSCALL_AUDIT",
      "audit (semi-slow)",
    ]) {
      expect(r.stdout).toContain(s);
    }
  });

  it("trace: every kernel instruction with its symbol, and the decisions spelled out", () => {
    const r = cli("trace", "--workload", "null", "--tif", "audit");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("system_call ");
    expect(r.stdout).toMatch(/swapgs/);
    expect(r.stdout).toContain("flags & _TIF_WORK_SYSCALL_ENTRY = 0x80 [SYSCALL_AUDIT] → tracesys");
    expect(r.stdout).toContain("flags & _TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT = 0x0 → auditsys");
    expect(r.stdout).toContain("call *sys_call_table(,%rax,8)");
    expect(r.stdout).toContain("<native audit_syscall_entry>");
    expect(r.stdout).toMatch(/sysretq\s+rflags=0x246 cpl=3/);
  });

  it("start (no arguments): the design comparison on its defaults", () => {
    const r = shared();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("syscall-lab compare: sowa-micro");
    expect(r.stdout).toMatch(/│ cgroup-composed\s+│/);
    expect(r.stdout).toContain("Reading:");
  });

  it("paths: the null workload with no flag, the audit flag and the trace flag side by side", () => {
    const r = shared("paths");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no flag");
    expect(r.stdout).toContain("TIF_SYSCALL_AUDIT");
    expect(r.stdout).toContain("tracesys slow path, IRET");
  });

  it("compare --json: exact overheads, none is the zero", () => {
    const r = cli(
      "compare",
      "--designs",
      "cgroup-walk",
      "--depth",
      "0,2",
      "--workload",
      "null",
      "-n",
      "50",
      "--json",
    );
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const walk = j.points.filter((p: { design: string }) => p.design === "cgroup-walk");
    expect(walk).toHaveLength(4);
    for (const p of j.points.filter((p: { design: string }) => p.design === "none")) {
      expect(p.sysOverheadPct).toBe(0);
    }
  });

  it("demo: the CPU alone, SYSCALL into a SYSRET handler", () => {
    const r = cli("demo", "--count", "1000", "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    // user: 1 + 4 per iteration + 2; kernel: 4 per call (cmp, je, xor, sysretq), then cmp, je, hlt for exit
    expect(j).toMatchObject({ syscalls: 1001, stop: "hlt" });
    expect(j.instret).toBe(1 + 4 * 1000 + 2 + 4 * 1000 + 3);
  });

  it("bpf check / run: the kernel's verdict on a filter file", () => {
    const dir = mkdtempSync(join(tmpdir(), "bpf-"));
    const f = join(dir, "getppid-eperm.txt");
    // ld [0] (nr); jeq #110, 0, 1; ret ERRNO|1; ret ALLOW  (tcpdump -ddd form)
    writeFileSync(f, "4\n32 0 0 0\n21 0 1 110\n6 0 0 327681\n6 0 0 2147418112\n");
    expect(cli("bpf", "check", f)).toMatchObject({ status: 0, stdout: "ok\n" });
    expect(cli("bpf", "run", f, "--nr", "110").stdout).toBe("ERRNO 1\n3 instructions\n");
    expect(cli("bpf", "run", f, "--nr", "39").stdout).toBe("ALLOW\n3 instructions\n");
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "1\n32 0 0 2\n"); // misaligned load, no RET
    const r = cli("bpf", "check", bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^EINVAL/);
  });

  it("script: a scenario file is a test (exit 0 when every expectation holds)", () => {
    const ok = shared("script", "examples/scripts/denied-calls.scen");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/\d+ commands, \d+ expectations, 0 failed/);
    const wrongErrno = cli("script", "examples/scripts/denied-calls-eperm.scen", "--errno", "ENOSYS");
    expect(wrongErrno.status).toBe(1);
    expect(wrongErrno.stdout).toContain("FAIL line");
  });

  it("scripts/dev-cli.js (npm run cli) runs the TypeScript sources through tsx", () => {
    // every other test here runs the compiled CLI (test/helpers/cli.ts); this one runs the sources as `npm run cli`
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "scripts", "dev-cli.js"), "bpf", "run", "examples/bpf/getppid-errno.ddd", "--nr", "110"],
      {
        encoding: "utf8",
        cwd: ROOT,
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(cli("bpf", "run", "examples/bpf/getppid-errno.ddd", "--nr", "110").stdout);
    expect(r.stdout).toMatch(/^ERRNO 1\n/);
  });

  it("bad input: one line naming what is wrong, exit code 2, no stack trace", () => {
    for (const [args, msg] of [
      [["run", "-w", "nope"], "unknown workload 'nope'"],
      [["run", "-w", "null", "-n", "x"], "--count must be a positive integer, got 'x'"],
      [["run", "-w", "null", "--tif", "bogus"], "unknown TIF flag 'bogus'"],
      [["run", "-w", "null", "-p", "nosuch"], 'unknown cost profile "nosuch"'],
      [["frob"], "unknown command 'frob'"],
      [["compare", "--designs", "bogus"], 'unknown design "bogus"'],
      [["compare", "--depth", "3..1"], "--depth 3..1: the range is empty"],
      [["compare", "--errno", "EFOO"], "--errno must be ENOSYS or EPERM"],
      [["script", "/nonexistent.scen"], "scenario /nonexistent.scen: no such file"],
    ] as const) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("exec --cpus 2: a threaded program on two emulated CPUs; --cpus out of range is a usage error", () => {
    const r = cli("exec", "--cpus", "2", "test/fixtures/bin/pthreads.musl");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("threads 4, counter 10000\n");
    expect(r.stdout).toContain("1 task (5 threads), 2 CPUs");
    for (const bad of ["0", "9", "1.5", "two"]) {
      const u = cli("exec", "--cpus", bad, "test/fixtures/bin/pthreads.musl");
      expect(u.status).toBe(2);
      expect(u.stderr).toContain(`--cpus must be an integer from 1 to 8, got '${bad}'`);
    }
  });
});
