import { describe, expect, it } from "vitest";
import { EINVAL, EPERM } from "../../src/kernel/errno.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SECCOMP } from "../../src/kernel/tif.ts";
import { callsProgram, result, runProgram } from "./user-program.ts";

const PR_GET_SECCOMP = 21;
const PR_SET_SECCOMP = 22;

describe("seccomp strict mode (3.1 mode 1)", () => {
  it("prctl(PR_SET_SECCOMP, 1) allows read/write and kills anything else with SIGKILL", () => {
    const ran = runProgram(
      callsProgram(
        [
          { nr: NR.prctl, args: [PR_GET_SECCOMP] },
          { nr: NR.prctl, args: [PR_SET_SECCOMP, 3] }, // no mode 3 (mode 2, filter, came in 3.5)
          { nr: NR.prctl, args: [PR_SET_SECCOMP, 1] },
          { nr: NR.write, args: [1, "msg", 2] },
          { nr: NR.read, args: [0, "msg", 2] },
          { nr: NR.getpid },
          { nr: NR.write, args: [1, "msg", 2] },
        ],
        'msg: .ascii "ok"',
      ),
    );
    expect(ran.r.reason).toBe("exited");
    expect([0, 1, 2, 3, 4].map((i) => result(ran, i))).toEqual([0, -EINVAL, 0, 2, 0]);
    expect(ran.m.stdout).toBe("ok");
    expect(ran.t.killedBy).toBe(9);
    expect(ran.t.exitCode).toBeNull();
    expect(ran.t.seccompMode).toBe(1);
    expect(ran.t.tif.test(TIF_SECCOMP)).toBe(true);
    // The checks ran on the slow path: TIF_SECCOMP is entry work.
    expect(ran.t.acct.paths.trace).toBe(3);
  });

  it("exit is allowed in strict mode", () => {
    const ran = runProgram(callsProgram([{ nr: NR.prctl, args: [PR_SET_SECCOMP, 1] }]));
    expect(ran.t.exitCode).toBe(0);
    expect(ran.t.killedBy).toBeNull();
  });

  it("prctl(PR_GET_SECCOMP) itself is fatal once strict mode is on", () => {
    const ran = runProgram(
      callsProgram([
        { nr: NR.prctl, args: [PR_SET_SECCOMP, 1] },
        { nr: NR.prctl, args: [PR_GET_SECCOMP] },
      ]),
    );
    expect(ran.t.killedBy).toBe(9);
    expect(result(ran, 0)).toBe(0);
  });

  it("strict mode can be set only once (EPERM), checked before the mode", () => {
    const ran = runProgram(callsProgram([{ nr: NR.prctl, args: [PR_SET_SECCOMP, 1] }]), {}, (t) => {
      t.seccompMode = 1;
    });
    expect(result(ran, 0)).toBe(-EPERM);
  });
});
