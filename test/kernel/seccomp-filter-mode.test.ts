// seccomp filter mode on the 3.1 kernel: prctl installs from guest programs, each action's effect in the guest,
// stacking and precedence, fork inheritance, and the cost model (cache hits, filter length).
import { describe, expect, it } from "vitest";
import { EACCES, EFAULT, EINVAL, ENOMEM, ENOSYS } from "../../src/kernel/errno.ts";
import { type BootOptions, Machine } from "../../src/kernel/machine.ts";
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from "../../src/kernel/seccomp/actions.ts";
import { AUDIT_ARCH_X86_64, argOffset } from "../../src/kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../../src/kernel/seccomp/sock-filter.ts";
import { SECCOMP_MODE_FILTER, SIGSYS, SYS_SECCOMP } from "../../src/kernel/seccomp-filter-mode.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SECCOMP } from "../../src/kernel/tif.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { fprog, LD_NR, onNr, ret } from "./seccomp-fixture.ts";
import { type Call, callsProgram, EXIT, type Ran, result, runProgram, userImage } from "./user-program.ts";

const PR_GET_SECCOMP = 21;
const PR_SET_SECCOMP = 22;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_NO_NEW_PRIVS = 39;
const PROF = getProfile("sandybridge-2011");
const PRICED: BootOptions = { costs: PROF.costs, natives: PROF.natives };

const NNP: Call = { nr: NR.prctl, args: [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0] };
const install = (label: string | number): Call => ({
  nr: NR.prctl,
  args: [PR_SET_SECCOMP, SECCOMP_MODE_FILTER, label],
});

describe("installing a filter: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog)", () => {
  const allowAll = fprog("f", [ret(SECCOMP_RET_ALLOW)]);

  it("no_new_privs: PR_SET/GET_NO_NEW_PRIVS, argument checks, PR_GET_SECCOMP = 2 after install", () => {
    const ran = runProgram(
      callsProgram(
        [
          { nr: NR.prctl, args: [PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0] },
          { nr: NR.prctl, args: [PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0] },
          { nr: NR.prctl, args: [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 7] },
          NNP,
          { nr: NR.prctl, args: [PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0] },
          install("f"),
          { nr: NR.prctl, args: [PR_GET_SECCOMP] },
        ],
        allowAll,
      ),
    );
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => result(ran, i))).toEqual([0, -EINVAL, -EINVAL, 0, 1, 0, 2]);
    expect(ran.t.noNewPrivs).toBe(true);
    expect(ran.t.seccompMode).toBe(SECCOMP_MODE_FILTER);
    expect(ran.t.tif.test(TIF_SECCOMP)).toBe(true);
    expect(ran.t.exitCode).toBe(0);
  });

  it("a non-root task needs no_new_privs (EACCES); root has CAP_SYS_ADMIN and may install without it", () => {
    const user = runProgram(
      callsProgram([{ nr: NR.setuid, args: [1000] }, install("f"), NNP, install("f")], allowAll),
    );
    expect([0, 1, 2, 3].map((i) => result(user, i))).toEqual([0, -EACCES, 0, 0]);
    const root = runProgram(callsProgram([install("f")], allowAll));
    expect(result(root, 0)).toBe(0);
    expect(root.t.noNewPrivs).toBe(false);
    expect(root.t.seccompMode).toBe(SECCOMP_MODE_FILTER);
  });

  it("EFAULT for a bad sock_fprog pointer and for a bad filter pointer; nothing is installed", () => {
    const bad = `.align 8\nbadptr:\n.short 1\n.zero 6\n.quad 0x10\n`;
    const ran = runProgram(callsProgram([NNP, install(0x10), install("badptr"), install(-1)], bad));
    expect([1, 2, 3].map((i) => result(ran, i))).toEqual([-EFAULT, -EFAULT, -EFAULT]);
    expect(ran.t.seccompFilter).toBeNull();
    expect(ran.t.seccompMode).toBe(0);
  });

  it("EINVAL for length 0, for a program the checker rejects, and for strict after filter", () => {
    const data =
      fprog("zero", [ret(SECCOMP_RET_ALLOW)], 0) +
      fprog("badld", [bpfStmt(BPF_LD | BPF_W | BPF_ABS, 2), ret(SECCOMP_RET_ALLOW)]) +
      fprog("noret", [LD_NR]) +
      allowAll;
    const ran = runProgram(
      callsProgram(
        [
          NNP,
          install("zero"),
          install("badld"),
          install("noret"),
          install("f"),
          { nr: NR.prctl, args: [PR_SET_SECCOMP, 1] },
        ],
        data,
      ),
    );
    expect([1, 2, 3, 4, 5].map((i) => result(ran, i))).toEqual([-EINVAL, -EINVAL, -EINVAL, 0, -EINVAL]);
    expect(ran.t.seccompMode).toBe(SECCOMP_MODE_FILTER);
  });

  it("filters stack until the path total passes MAX_INSNS_PER_PATH: the 8th 4096-instruction filter is ENOMEM", () => {
    // 4095 × ld [0] + ret ALLOW: eBPF length 4100; each attached filter counts 4100 + 4, so 7 fit in 32768
    const words = new Uint8Array(4096 * 8);
    const v = new DataView(words.buffer);
    for (let i = 0; i < 4095; i++) v.setUint16(8 * i, BPF_LD | BPF_W | BPF_ABS, true);
    v.setUint16(8 * 4095, BPF_RET | BPF_K, true);
    v.setUint32(8 * 4095 + 4, SECCOMP_RET_ALLOW, true);
    const calls = [NNP, ...Array.from({ length: 8 }, () => install("big"))];
    const data = `.align 8\nbig:\n.short 4096\n.zero 6\n.quad big_insns\n.align 8\nbig_insns: .zero ${words.length}\n`;
    const ran = runProgram(callsProgram(calls, data), {}, (t) => {
      t.space.writeBytes(Number(userImage(callsProgram(calls, data)).symbols.get("big_insns")), words);
    });
    expect(Array.from({ length: 8 }, (_, i) => result(ran, i + 1))).toEqual([0, 0, 0, 0, 0, 0, 0, -ENOMEM]);
    let n = 0;
    for (let f = ran.t.seccompFilter; f; f = f.prev) n++;
    expect(n).toBe(7);
    expect(ran.t.exitCode).toBe(0); // every filter is constant-allow: the cache lets exit through
  });
});

/** NNP, install a filter making getppid return `action`, then getppid (labelled `after` behind its syscall), getpid, exit. */
function actionProgram(
  action: number,
  opts: BootOptions = {},
  setup?: Parameters<typeof runProgram>[2],
): Ran {
  const text = [
    "_start:",
    "movl $157, %eax\nmovl $38, %edi\nmovl $1, %esi\nxorl %edx, %edx\nxorl %r10d, %r10d\nxorl %r8d, %r8d\nsyscall",
    "movl $157, %eax\nmovl $22, %edi\nmovl $2, %esi\nleaq f(%rip), %rdx\nsyscall",
    "movq %rax, results(%rip)",
    `movl $${NR.getppid}, %eax\nsyscall\nafter:`,
    "movq %rax, results+8(%rip)",
    `movl $${NR.getpid}, %eax\nsyscall`,
    "movq %rax, results+16(%rip)",
    EXIT(0),
    ".align 8\nresults: .zero 24",
    fprog("f", onNr(NR.getppid, action)),
  ].join("\n");
  return runProgram(text, opts, setup);
}

describe("actions, seen from the guest (getppid filtered, getpid allowed)", () => {
  it("ALLOW runs the call", () => {
    const ran = actionProgram(SECCOMP_RET_ALLOW);
    expect([0, 1, 2].map((i) => result(ran, i))).toEqual([0, 0, ran.t.pid]);
  });

  it("ERRNO skips the call and returns -data, capped at MAX_ERRNO", () => {
    expect(result(actionProgram(SECCOMP_RET_ERRNO | 5), 1)).toBe(-5);
    expect(result(actionProgram(SECCOMP_RET_ERRNO | 5000), 1)).toBe(-4095);
    expect(result(actionProgram(SECCOMP_RET_ERRNO | 0), 1)).toBe(0);
  });

  it("TRAP: SIGSYS with si_syscall, si_arch, si_call_addr and si_errno = data; the task dies of it", () => {
    const ran = actionProgram(SECCOMP_RET_TRAP | 0x2a);
    expect(ran.t.killedBy).toBe(SIGSYS);
    expect(ran.t.exitCode).toBeNull();
    expect(ran.t.sigsysInfo).toEqual({
      signo: SIGSYS,
      code: SYS_SECCOMP,
      errno: 0x2a,
      callAddr: BigInt(ran.sym("after")),
      syscall: NR.getppid,
      arch: AUDIT_ARCH_X86_64,
    });
    expect(result(ran, 2)).toBe(0); // getpid never ran
  });

  it("KILL_THREAD and KILL_PROCESS kill with SIGSYS at once", () => {
    for (const a of [
      SECCOMP_RET_KILL_THREAD,
      SECCOMP_RET_KILL_PROCESS,
      0x00010000 /* unknown: KILL_PROCESS */,
    ]) {
      const ran = actionProgram(a);
      expect(ran.t.killedBy).toBe(SIGSYS);
      expect(ran.t.sigsysInfo).toBeNull();
      expect(ran.t.seccompLog.at(-1)).toMatchObject({ nr: NR.getppid, signal: SIGSYS });
    }
  });

  it("TRACE without a tracer and USER_NOTIF without a listener return -ENOSYS", () => {
    expect(result(actionProgram(SECCOMP_RET_TRACE | 7), 1)).toBe(-ENOSYS);
    expect(result(actionProgram(SECCOMP_RET_USER_NOTIF), 1)).toBe(-ENOSYS);
  });

  it("TRACE with a tracer: a PTRACE_EVENT_SECCOMP stop with the data; the call runs unless the tracer skips it", () => {
    const runs = actionProgram(SECCOMP_RET_TRACE | 7, {}, (t) => {
      t.tracer = () => undefined;
    });
    expect(result(runs, 1)).toBe(0);
    expect(runs.t.stops.filter((s) => s.kind === "seccomp")).toEqual([
      { kind: "seccomp", nr: NR.getppid, args: expect.any(Array), data: 7 },
    ]);
    const skipped = actionProgram(SECCOMP_RET_TRACE | 7, {}, (t) => {
      t.tracer = (s) => (s.kind === "seccomp" ? { skip: true } : undefined);
    });
    expect(result(skipped, 1)).toBe(-ENOSYS);
    const changed = actionProgram(SECCOMP_RET_TRACE, {}, (t) => {
      t.tracer = (s) => (s.kind === "seccomp" ? { nr: NR.getpid } : undefined);
    });
    expect(result(changed, 1)).toBe(changed.t.pid);
  });

  it("LOG runs the call and leaves a record", () => {
    const ran = actionProgram(SECCOMP_RET_LOG);
    expect(result(ran, 1)).toBe(0);
    expect(ran.t.seccompLog).toEqual([
      {
        nr: NR.getppid,
        arch: AUDIT_ARCH_X86_64,
        ip: BigInt(ran.sym("after")),
        ret: SECCOMP_RET_LOG,
        signal: 0,
      },
    ]);
  });

  it("a skipped call skips the later hooks of syscall_trace_enter: no ptrace entry stop", () => {
    const ran = actionProgram(SECCOMP_RET_ERRNO | 1, {}, (t) => {
      t.tracer = () => undefined;
      t.tif.set(0 /* TIF_SYSCALL_TRACE */);
    });
    expect(result(ran, 1)).toBe(-1);
    const entries = ran.t.stops.filter((s) => s.kind === "entry").map((s) => s.nr);
    expect(entries).toContain(NR.getpid);
    expect(entries).not.toContain(NR.getppid);
  });
});

describe("stacked filters", () => {
  const two = (older: number, newer: number) =>
    runProgram(
      callsProgram(
        [NNP, install("a"), install("b"), { nr: NR.getppid }],
        fprog("a", onNr(NR.getppid, older)) + fprog("b", onNr(NR.getppid, newer)),
      ),
    );

  it("the most restrictive action wins whatever the order; on a tie the newest filter's data", () => {
    expect(result(two(SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ERRNO | 2), 3)).toBe(-2);
    expect(result(two(SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ALLOW), 3)).toBe(-1);
    expect(result(two(SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | 3), 3)).toBe(-3);
    expect(two(SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO | 1).t.killedBy).toBe(SIGSYS);
    expect(two(SECCOMP_RET_ERRNO | 1, SECCOMP_RET_TRAP).t.killedBy).toBe(SIGSYS);
    expect(result(two(SECCOMP_RET_TRACE, SECCOMP_RET_ERRNO | 4), 3)).toBe(-4);
  });
});

describe("fork", () => {
  it("a child created with parent = a filtered task shares its chain, mode and no_new_privs", () => {
    const yields = Array.from({ length: 4 }, () => ({ nr: NR.sched_yield }));
    const m = Machine.boot();
    const parent = m.createTask({
      name: "parent",
      image: userImage(
        callsProgram([NNP, install("f"), ...yields], fprog("f", onNr(NR.getppid, SECCOMP_RET_ERRNO | 9))),
      ),
    });
    while (parent.seccompFilter === null) m.run({ maxInstructions: 50 });
    const img = userImage(callsProgram([{ nr: NR.getppid }, { nr: NR.getpid }]));
    const child = m.createTask({ name: "child", image: img, parent });
    expect(child.seccompFilter).toBe(parent.seccompFilter);
    expect(child.seccompMode).toBe(SECCOMP_MODE_FILTER);
    expect(child.noNewPrivs).toBe(true);
    expect(child.tif.test(TIF_SECCOMP)).toBe(true);
    m.run({ maxInstructions: 200_000 });
    const res = (i: number) =>
      Number(BigInt.asIntN(64, child.space.read64(Number(img.symbols.get("results")) + 8 * i)));
    expect([res(0), res(1)]).toEqual([-9, child.pid]);
    expect(child.exitCode).toBe(0);
    expect(parent.exitCode).toBe(0);
  });
});

/** Cycles per getppid round trip of a task that installed `f`, calling getppid `n` times. */
function cyclesPerGetppid(
  f: readonly SockFilter[],
  opts: BootOptions,
  n = 8,
): { cycles: number; results: number[] } {
  const calls: Call[] = [NNP, install("f"), ...Array.from({ length: n }, () => ({ nr: NR.getppid }))];
  const ran = runProgram(callsProgram(calls, fprog("f", f)), { ...PRICED, ...opts });
  const e = ran.t.acct.perSyscall.get(NR.getppid)!;
  expect(e.calls).toBe(n);
  return { cycles: e.cycles / n, results: calls.map((_, i) => result(ran, i)).slice(2) };
}

describe("cost model (sandybridge-2011)", () => {
  it("a cache hit skips the BPF run: fewer cycles, the same result", () => {
    const f = onNr(NR.getpid, SECCOMP_RET_ERRNO | 1); // getppid: constant ALLOW
    const on = cyclesPerGetppid(f, { seccompCache: true });
    const off = cyclesPerGetppid(f, { seccompCache: false });
    expect(on.results).toEqual(off.results);
    // without the cache: one filter run, 4 instructions (ld, jeq, ret); with it: one bitmap test
    const n = PROF.natives;
    expect(off.cycles - on.cycles).toBe(
      n.seccomp_filter_run! + 3 * n.seccomp_bpf_insn! - n.seccomp_cache_check!,
    );
  });

  it("with an argument-loading filter the cache cannot help: the cost grows by seccomp_bpf_insn per instruction", () => {
    const argFilter = (pad: number): SockFilter[] => [
      bpfStmt(BPF_LD | BPF_W | BPF_ABS, argOffset(0)),
      ...Array.from({ length: pad }, () => bpfJump(BPF_JMP | BPF_JEQ | BPF_K, 0xdead, 0, 0)),
      ret(SECCOMP_RET_ALLOW),
    ];
    const c = [10, 20, 40].map((pad) => cyclesPerGetppid(argFilter(pad), {}).cycles);
    const perInsn = PROF.natives.seccomp_bpf_insn!;
    expect(c[1]! - c[0]!).toBe(10 * perInsn);
    expect(c[2]! - c[1]!).toBe(20 * perInsn);
  });

  it("filter mode costs the slow path plus the check; the check's parts are the profile's", () => {
    const none = runProgram(callsProgram(Array.from({ length: 8 }, () => ({ nr: NR.getppid }))), PRICED);
    const base = none.t.acct.perSyscall.get(NR.getppid)!.cycles / 8;
    const hit = cyclesPerGetppid([ret(SECCOMP_RET_ALLOW)], {}).cycles;
    expect(base).toBe(194);
    expect(hit).toBeGreaterThan(base + 400); // tracesys + IRET
  });
});
