import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { callsProgram, EXIT, userImage } from "./user-program.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const profile = getProfile("sandybridge-2011");
const expected = (name: string) => ({
  stdout: readFileSync(`${FIX}expected/${name}.stdout`, "utf8"),
  status: Number(readFileSync(`${FIX}expected/${name}.status`, "utf8").trim()),
});

describe("ptrace-deny: a tracer task denies getppid through PTRACE_SYSCALL stops", () => {
  for (const bin of ["ptrace-deny.musl", "ptrace-deny"]) {
    it(`${bin} gives its native output`, () => {
      const r = runExec({ program: `${FIX}bin/${bin}`, args: [], profile });
      const e = expected(bin);
      expect(r.stdout).toBe(e.stdout);
      expect(r.exitCode).toBe(e.status);
    });
  }
});

// the tracee (pid 2): getpid 3 times, then exit(7)
const TRACEE = `_start:\n${"movq $39, %rax\nsyscall\n".repeat(3)}${EXIT(7)}\n`;

/** The tracer (pid 1) makes `calls`, storing each RAX; the tracee is pid 2; status words at `st`. */
function traced(calls: { nr: number; args?: (number | string)[] }[], tracerUid = 0, traceeUid = 0) {
  const m = Machine.boot({ natives: profile.natives });
  const img = userImage(callsProgram(calls, ".align 8\nst: .zero 64\nregs: .zero 256\nword: .zero 8\n"));
  const tracer = m.createTask({ name: "tracer", image: img, uid: tracerUid });
  const tracee = m.createTask({ name: "tracee", image: userImage(TRACEE), uid: traceeUid });
  const r = m.run({ maxInstructions: 2_000_000 });
  const sym = (n: string) => Number(img.symbols.get(n)!);
  const res = (i: number) => Number(BigInt.asIntN(64, tracer.space.read64(sym("results") + 8 * i)));
  const st = (i: number) => tracer.space.read32(sym("st") + 4 * i);
  return { m, r, tracer, tracee, res, st, word: () => tracer.space.read64(sym("word")) };
}

const ORIG_RAX = 15 * 8;
const wait = (i: number) => ({ nr: 61, args: [2, `st+${4 * i}`, 0, 0] });

describe("ptrace(2) requests", () => {
  it("ATTACH stops the tracee with SIGSTOP; SYSCALL gives entry/exit stops (TRACESYSGOOD); PEEKUSER; DETACH", () => {
    const x = traced([
      { nr: 101, args: [16, 2, 0, 0] }, // 0 ATTACH
      wait(0), // 1
      { nr: 101, args: [0x4200, 2, 0, 1] }, // 2 SETOPTIONS TRACESYSGOOD
      { nr: 101, args: [24, 2, 0, 0] }, // 3 SYSCALL
      wait(1), // 4: entry stop
      { nr: 101, args: [3, 2, ORIG_RAX, "word"] }, // 5 PEEKUSER orig_rax
      { nr: 101, args: [12345, 2, 0, 0] }, // 6 bad request: EIO
      { nr: 101, args: [24, 2, 0, 0] }, // 7 SYSCALL
      wait(2), // 8: exit stop
      { nr: 101, args: [12, 2, 0, "regs"] }, // 9 GETREGS
      { nr: 101, args: [17, 2, 0, 0] }, // 10 DETACH
      { nr: 101, args: [7, 2, 0, 0] }, // 11 CONT after detach: ESRCH
      wait(3), // 12 not its child, no longer traced: ECHILD
    ]);
    expect(Array.from({ length: 13 }, (_, i) => x.res(i))).toEqual([
      0, 2, 0, 0, 2, 0, -5, 0, 2, 0, 0, -3, -10,
    ]);
    expect(x.st(0)).toBe((19 << 8) | 0x7f); // WSTOPSIG = SIGSTOP
    expect(x.st(1)).toBe((0x85 << 8) | 0x7f); // SIGTRAP | 0x80
    expect(x.st(2)).toBe((0x85 << 8) | 0x7f);
    expect(x.word()).toBe(39n);
    expect(x.tracee.exitCode).toBe(7);
    expect(x.tracee.stops.map((s) => `${s.kind}:${s.nr}`)).toEqual(["entry:39", "exit:39"]);
  });

  it("POKEUSER orig_rax = -1 at entry and rax at exit rewrite the call", () => {
    const x = traced([
      { nr: 101, args: [0x4206, 2, 0, 1] }, // SEIZE with TRACESYSGOOD
      { nr: 62, args: [2, 19] }, // kill(2, SIGSTOP): a signal-delivery stop
      wait(0),
      { nr: 101, args: [24, 2, 0, 0] },
      wait(1), // entry of getpid
      { nr: 101, args: [6, 2, ORIG_RAX, -1] }, // skip it
      { nr: 101, args: [24, 2, 0, 0] },
      wait(2), // exit
      { nr: 101, args: [6, 2, 10 * 8, 1234] }, // rax = 1234
      { nr: 101, args: [3, 2, 10 * 8, "word"] },
      { nr: 101, args: [7, 2, 0, 0] }, // CONT: no more stops
      wait(3),
    ]);
    expect(Array.from({ length: 12 }, (_, i) => x.res(i))).toEqual([0, 0, 2, 0, 2, 0, 0, 2, 0, 0, 0, -10]);
    expect(x.st(0)).toBe((19 << 8) | 0x7f);
    expect(x.word()).toBe(1234n);
    expect(x.tracee.stops.map((s) => `${s.kind}:${s.nr}:${s.ret ?? ""}`)).toEqual([
      "entry:39:",
      "exit:-1:-38",
    ]);
    expect(x.tracee.exitCode).toBe(7);
  });

  it("errors: ESRCH, EPERM (self, already traced, other uid)", () => {
    const x = traced([
      { nr: 101, args: [16, 99, 0, 0] }, // no such pid
      { nr: 101, args: [16, 1, 0, 0] }, // self
      { nr: 101, args: [7, 2, 0, 0] }, // not traced
      { nr: 101, args: [0x4206, 2, 0, 0] },
      { nr: 101, args: [16, 2, 0, 0] }, // already traced
      { nr: 101, args: [0, 0, 0, 0] }, // TRACEME without a parent
    ]);
    expect(Array.from({ length: 6 }, (_, i) => x.res(i))).toEqual([-3, -1, -3, 0, -1, -1]);
    const y = traced([{ nr: 101, args: [16, 2, 0, 0] }], 1000, 0);
    expect(y.res(0)).toBe(-1);
  });

  it("a stop is two context switches with the modelled costs, deterministically", () => {
    const run = () => {
      const x = traced([
        { nr: 101, args: [0x4206, 2, 0, 1] },
        { nr: 62, args: [2, 19] },
        wait(0),
        { nr: 101, args: [24, 2, 0, 0] },
        wait(1),
        { nr: 101, args: [7, 2, 0, 0] },
        wait(2),
      ]);
      return { cycles: x.r.cycles, switches: x.m.sched.switches, stops: x.tracee.stops.length };
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a.stops).toBe(1);
  });
});
