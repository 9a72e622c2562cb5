// "Run both and compare": every fixture program (test/fixtures/bin; the hostile ones that loop under an instruction
// budget; fork-wait and yield-children, a thousand forks and twenty tasks yielding, are left to the stops tests) runs once under the interpreter and once under the block JIT, and the two runs must agree on the guest's
// output, and at every system call entry (a probe at each CPU's LSTAR) on all sixteen user registers, the return
// RIP (RCX) and RFLAGS (R11), the CPU's cycle, user/sys cycle and instruction counters, and mispredictions; at the
// end, on every counter and the stop. A mismatch names the first syscall where the engines diverge.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type Engine, setDefaultEngine } from "../../../src/cpu/jit/engine.ts";
import { execTask } from "../../../src/kernel/exec.ts";
import { GuestLimitError } from "../../../src/kernel/guest-limits.ts";
import { Machine } from "../../../src/kernel/machine.ts";
import { getProfile } from "../../../src/measure/profile.ts";

afterAll(() => setDefaultEngine("jit"));

const FIX = new URL("../../fixtures/", import.meta.url).pathname;

interface Run {
  /** one line per system call entry: the CPU, its counters and the user registers */
  atSyscalls: string[];
  output: string;
  end: string;
}

function run(engine: Engine, bin: string, args: string[], profile: string, budget: number): Run {
  setDefaultEngine(engine);
  const chunks: string[] = [];
  const dec = new TextDecoder();
  const machine = Machine.boot({
    costs: getProfile(profile).costs,
    natives: getProfile(profile).natives,
    limits: { maxInstructions: budget, maxTasks: 64 },
    output: (stream, bytes) => chunks.push(`${stream}:${dec.decode(bytes)}`),
    stdin: readFileSync(`${FIX}src/input.txt`),
  });
  const atSyscalls: string[] = [];
  machine.cpus.forEach((cpu, n) => {
    cpu.addProbe(cpu.lstar, (c) => {
      const regs = Array.from({ length: 16 }, (_, i) => c.getReg(i).toString(16)).join(" ");
      atSyscalls.push(
        `cpu${n} cycles ${c.cycles} user ${c.userCycles} sys ${c.sysCycles} insns ${c.instret} mispredicts ${c.mispredicts} regs ${regs}`,
      );
    });
  });
  const argv = [`/${bin}`, ...args];
  execTask(machine, { bytes: readFileSync(`${FIX}bin/${bin}`), argv, path: argv[0]!, envp: [] });
  let end: string;
  try {
    const r = machine.run({ maxInstructions: Number.POSITIVE_INFINITY });
    end = `stop ${r.reason}`;
  } catch (e) {
    if (!(e instanceof GuestLimitError)) throw e;
    end = `limit ${e.message}`;
  }
  const rp = machine.reaped;
  const cpus = machine.cpus.map(
    (c) => `${c.cycles}/${c.userCycles}/${c.sysCycles}/${c.instret}/${c.mispredicts}`,
  );
  const tasks = machine.tasks.map((t) => `${t.acct.userCycles}/${t.acct.sysCycles}/${t.acct.instret}`);
  end += ` cpus ${cpus.join(" ")} tasks ${tasks.join(" ")} reaped ${rp.userCycles}/${rp.sysCycles}/${rp.instret}/${rp.syscalls}`;
  return { atSyscalls, output: chunks.join(""), end };
}

/** The first syscall entry where the runs differ, or null. */
function firstDifference(a: Run, b: Run): string | null {
  const n = Math.max(a.atSyscalls.length, b.atSyscalls.length);
  for (let i = 0; i < n; i++) {
    if (a.atSyscalls[i] !== b.atSyscalls[i])
      return `syscall entry ${i}:\n  interp ${a.atSyscalls[i]}\n  jit    ${b.atSyscalls[i]}`;
  }
  return null;
}

const PROGRAMS: { bin: string; args?: string[]; budget?: number }[] = [
  { bin: "checksum.musl", args: ["64"] },
  { bin: "hello" },
  { bin: "hello.musl" },
  { bin: "hello.pie" },
  { bin: "cat.musl", args: ["/dev/null"] },
  { bin: "wc.musl" },
  { bin: "forkpipe.musl" },
  { bin: "signals.musl" },
  { bin: "seccomp.musl" },
  { bin: "seccomp-syscall.musl" },
  { bin: "auxv.musl" },
  { bin: "cgroupcfg.musl" },
  { bin: "ptrace-deny.musl" },
  { bin: "sowa-getuid.musl", args: ["200"] },
  { bin: "sowa-setuid.musl", args: ["200"] },
  { bin: "sowa-chdir.musl", args: ["200"] },
  { bin: "sowa-read.musl", args: ["200"] },
  { bin: "hostile/loop", budget: 300_000 },
  { bin: "hostile/getppid-loop", budget: 300_000 },
  { bin: "hostile/segv" },
  { bin: "hostile/mmap-fail", budget: 300_000 },
  { bin: "hostile/write-flood", budget: 300_000 },
];

describe("run both engines and compare: every fixture program", () => {
  for (const p of PROGRAMS) {
    it(p.bin, { timeout: 180_000 }, () => {
      for (const profile of ["cascadelake-2022", "sandybridge-2011"]) {
        const budget = p.budget ?? 200_000_000;
        const a = run("interp", p.bin, p.args ?? [], profile, budget);
        const b = run("jit", p.bin, p.args ?? [], profile, budget);
        expect(a.atSyscalls.length, `${p.bin} made system calls`).toBeGreaterThan(0);
        expect(firstDifference(a, b), profile).toBeNull();
        expect(b.output, profile).toEqual(a.output);
        expect(b.end, profile).toEqual(a.end);
      }
    });
  }
});
