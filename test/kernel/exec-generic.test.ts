// Every fixture program (glibc and musl builds) under `exec` on the modern kernel model, with PTI off and on: the
// recorded native stdout, stderr and status, byte for byte. (linux-3.1: exec.test.ts and exec-glibc.test.ts.)
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ExecCommandOptions, formatExecReport, runExec } from "../../src/cli/exec.ts";
import { UsageError } from "../../src/cli/output.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const BIN = `${FIX}bin/`;
const INPUT = `${FIX}src/input.txt`;

interface Case {
  /** name in expected/ */
  expect: string;
  /** how the Makefile ran it natively */
  args?: string[];
  stdin?: string;
  files?: string[];
  env?: string[];
  /** argv[0] of the native run (`./auxv`), where the output prints it */
  argv0?: string;
}

/** The native runs of test/fixtures/src/Makefile, by program. */
const RUNS: Record<string, Case[]> = {
  hello: [{ expect: "hello" }],
  "hello.pie": [{ expect: "hello.pie" }],
  cat: [
    { expect: "cat", args: ["/input.txt"], files: [`${INPUT}:/input.txt`] },
    { expect: "cat-stdin", stdin: INPUT },
    { expect: "cat-missing", args: ["/nonexistent"] },
  ],
  wc: [{ expect: "wc", stdin: INPUT }],
  forkpipe: [{ expect: "forkpipe" }],
  signals: [{ expect: "signals" }],
  seccomp: [{ expect: "seccomp" }],
  "seccomp-syscall": [{ expect: "seccomp-syscall" }],
  "sowa-getuid": [{ expect: "sowa-getuid", args: ["1000"] }],
  "sowa-setuid": [{ expect: "sowa-setuid", args: ["1000"] }],
  "sowa-chdir": [{ expect: "sowa-chdir", args: ["1000"] }],
  "sowa-read": [{ expect: "sowa-read", args: ["1000"] }],
  "ptrace-deny": [{ expect: "ptrace-deny" }],
  auxv: [{ expect: "auxv", args: ["x", "yy"], env: ["A=1", "B=22"], argv0: "./auxv" }],
  checksum: [{ expect: "checksum", args: ["256"] }],
  "isa-check": [{ expect: "isa-check" }, { expect: "isa-check-arg", args: ["0xfedcba9876543210"] }],
  "fpu-switch": [{ expect: "fpu-switch" }],
  pthreads: [{ expect: "pthreads" }],
  "pthreads-tsync": [{ expect: "pthreads-tsync" }],
  filelock: [{ expect: "filelock" }],
  sigfpu: [{ expect: "sigfpu" }],
  shmap: [{ expect: "shmap" }],
  fsshare: [{ expect: "fsshare" }],
};

/** expected/NAME.musl.* when the Makefile recorded the musl build separately, else the glibc build's record. */
function expected(name: string, musl: boolean) {
  const have = (n: string) => {
    try {
      readFileSync(`${FIX}expected/${n}.stdout`);
      return true;
    } catch {
      return false;
    }
  };
  const n = musl && have(`${name}.musl`) ? `${name}.musl` : name;
  const read = (ext: string) => readFileSync(`${FIX}expected/${n}.${ext}`, "utf8");
  return { stdout: read("stdout"), stderr: read("stderr"), status: Number(read("status").trim()) };
}

const KERNELS = [
  { pti: false, profile: getProfile("cascadelake-2022") },
  { pti: true, profile: getProfile("cascadelake-2022-pti") },
];

/** run inside test/fixtures/root on both flavours: test/cli/root-confine.test.ts, test/kernel/exec-script.test.ts */
const IN_ROOT = ["confine.musl", "scriptexec.musl"];

// the programs themselves; hostile/ holds the runaway guests of test/cli/guest-limits.test.ts
const BINARIES = readdirSync(BIN, { withFileTypes: true })
  .filter((d) => d.isFile())
  .map((d) => d.name)
  .sort();

function run(bin: string, c: Case, pti: boolean, extra: Partial<ExecCommandOptions> = {}) {
  return runExec({
    program: `${BIN}${bin}`,
    args: c.args ?? [],
    profile: KERNELS[pti ? 1 : 0]!.profile,
    flavour: "linux-generic",
    pti,
    ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...(c.env !== undefined ? { env: c.env } : {}),
    ...(c.argv0 !== undefined ? { argv0: `${c.argv0}${bin.endsWith(".musl") ? ".musl" : ""}` } : {}),
    ...extra,
  });
}

describe("exec --flavour linux-generic: every fixture program gives its recorded native output", () => {
  it("covers every file in test/fixtures/bin (cgroupcfg: below; the fixture root's: their own tests)", () => {
    const known = BINARIES.filter(
      (b) => b.replace(/\.musl$/, "") in RUNS || b.startsWith("cgroupcfg") || IN_ROOT.includes(b),
    );
    expect(known).toEqual(BINARIES);
    expect(BINARIES.length).toBeGreaterThanOrEqual(29);
  });
  for (const { pti } of KERNELS) {
    for (const bin of BINARIES) {
      for (const c of RUNS[bin.replace(/\.musl$/, "")] ?? []) {
        it(`${pti ? "PTI on " : "PTI off"}: ${bin} ${(c.args ?? []).join(" ")} (${c.expect})`, () => {
          const r = run(bin, c, pti);
          const e = expected(c.expect, bin.endsWith(".musl"));
          expect(r.stdout).toBe(e.stdout);
          expect(r.stderr).toBe(e.stderr);
          expect(r.signal).toBeNull();
          expect(r.fault).toBeNull();
          expect(r.exitCode).toBe(e.status);
          expect(r.flavour).toBe("linux-generic");
          expect(r.pti).toBe(pti);
        });
      }
    }
  }
});

describe("exec --flavour linux-generic: the rest", () => {
  it("cgroupcfg: the emulator has the syscalls cgroup (natively it is missing); no design enforces the deny", () => {
    for (const bin of ["cgroupcfg", "cgroupcfg.musl"]) {
      const r = run(bin, { expect: "" }, false);
      expect(r.stdout.split("\n")).toEqual([
        "mkdir /sys/fs/cgroup/syscalls/demo: ok",
        "write tasks: ok",
        "write syscalls.deny: ok",
        "mkdir /tmp/x: ok",
        "",
      ]);
    }
  });
  it("calls are named from the modern table; PTI makes every call dearer", () => {
    const off = run("seccomp", { expect: "seccomp" }, false);
    const on = run("seccomp", { expect: "seccomp" }, true);
    expect(off.calls.map((c) => c.name)).toContain("prctl");
    expect(off.calls.some((c) => c.name.startsWith("nr "))).toBe(false);
    const cyc = (r: typeof off, n: string) => r.calls.find((c) => c.name === n)!.cycles;
    expect(cyc(on, "getpid")).toBeGreaterThan(cyc(off, "getpid"));
    expect(formatExecReport(on)).toMatch(/design none, kernel linux-generic with PTI, 1 task/);
  });
  it("a design whose kernel parts hook the 3.1 entry, and --pti on 3.1, are usage errors", () => {
    expect(() => run("hello", { expect: "" }, false, { design: "cgroup-sowa" })).toThrow(UsageError);
    expect(() =>
      runExec({ program: `${BIN}hello`, args: [], profile: KERNELS[0]!.profile, pti: true }),
    ).toThrow(/--pti needs --flavour linux-generic/);
  });
  it("is exact: the same run gives the same cycles", () => {
    const a = run("forkpipe.musl", { expect: "" }, true);
    const b = run("forkpipe.musl", { expect: "" }, true);
    expect(a.userCycles + a.sysCycles).toBe(b.userCycles + b.sysCycles);
    expect(a.tasks).toBe(2);
  });
});
