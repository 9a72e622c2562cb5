// seccomp(2) on the linux-generic flavour (each operation and its errors, the TSYNC and LOG flags) and SIGSYS of
// SECCOMP_RET_TRAP delivered to a guest handler on a real rt_sigframe (both flavours).
import { describe, expect, it } from "vitest";
import { EACCES, EFAULT, EINVAL, ENOMEM, ENOSYS } from "../../src/kernel/errno.ts";
import type { BootOptions } from "../../src/kernel/machine.ts";
import {
  ACTION_VALUE,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRAP,
} from "../../src/kernel/seccomp/actions.ts";
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from "../../src/kernel/seccomp/seccomp-data.ts";
import { BPF_ABS, BPF_K, BPF_LD, BPF_RET, BPF_W, bpfStmt } from "../../src/kernel/seccomp/sock-filter.ts";
import { SIGSYS, SYS_SECCOMP } from "../../src/kernel/seccomp-filter-mode.ts";
import {
  EOPNOTSUPP,
  SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
  SECCOMP_GET_ACTION_AVAIL,
  SECCOMP_GET_NOTIF_SIZES,
  SECCOMP_SET_MODE_FILTER,
  SECCOMP_SET_MODE_STRICT,
} from "../../src/kernel/seccomp-syscall.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { fprog, onNr, ret } from "./seccomp-fixture.ts";
import { type Call, callsProgram, EXIT, result, runProgram, userImage } from "./user-program.ts";

const GENERIC: BootOptions = { flavour: "linux-generic" };
const NR_SECCOMP = 317;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_SECCOMP = 21;
const SIGKILL = 9;

const seccomp = (op: number, flags: number, args: number | string): Call => ({
  nr: NR_SECCOMP,
  args: [op, flags, args],
});
const NNP: Call = { nr: NR.prctl, args: [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0] };
const filter = (label: string, flags = 0) => seccomp(SECCOMP_SET_MODE_FILTER, flags, label);
const results = (ran: ReturnType<typeof runProgram>, n: number) =>
  Array.from({ length: n }, (_, i) => result(ran, i));

describe("seccomp(2) is in the linux-generic table only", () => {
  it("3.1's table ends at 309: nr 317 is ENOSYS through badsys; generic reaches do_seccomp", () => {
    const call = [seccomp(SECCOMP_GET_ACTION_AVAIL, 0, "a")];
    const data = ".align 4\na: .long 0x7fff0000\n";
    const old = runProgram(callsProgram(call, data));
    expect(result(old, 0)).toBe(-ENOSYS);
    expect(old.t.acct.paths.badsys).toBe(1);
    expect(result(runProgram(callsProgram(call, data), GENERIC), 0)).toBe(0);
  });
});

describe("SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES", () => {
  it("0 for every SECCOMP_RET_* action, EOPNOTSUPP for other values, EFAULT, EINVAL for flags", () => {
    const values = [...Object.values(ACTION_VALUE), 0x00010000, 0x7ffe0000, 0x00030001, 0xffff0000];
    const data = `.align 4\n${values.map((v, i) => `act${i}: .long 0x${(v >>> 0).toString(16)}`).join("\n")}\n`;
    const calls = [
      ...values.map((_, i) => seccomp(SECCOMP_GET_ACTION_AVAIL, 0, `act${i}`)),
      seccomp(SECCOMP_GET_ACTION_AVAIL, 0, 0x10),
      seccomp(SECCOMP_GET_ACTION_AVAIL, 1, "act0"),
      seccomp(4, 0, 0),
      seccomp(0xffffffff, 0, 0),
    ];
    const ran = runProgram(callsProgram(calls, data), GENERIC);
    const n = Object.keys(ACTION_VALUE).length;
    expect(n).toBe(8);
    expect(results(ran, calls.length)).toEqual([
      ...Array(n).fill(0),
      ...Array(4).fill(-EOPNOTSUPP),
      -EFAULT,
      -EINVAL,
      -EINVAL,
      -EINVAL,
    ]);
    expect(ran.t.seccompMode).toBe(0);
  });

  it("GET_NOTIF_SIZES writes seccomp_notif 80, seccomp_notif_resp 24, seccomp_data 64", () => {
    const calls = [
      seccomp(SECCOMP_GET_NOTIF_SIZES, 0, "sizes"),
      seccomp(SECCOMP_GET_NOTIF_SIZES, 0, 0x10),
      seccomp(SECCOMP_GET_NOTIF_SIZES, 2, "sizes"),
    ];
    const ran = runProgram(callsProgram(calls, ".align 8\nsizes: .zero 8\n"), GENERIC);
    expect(results(ran, 3)).toEqual([0, -EFAULT, -EINVAL]);
    expect(ran.q("sizes")).toBe(80n | (24n << 16n) | (64n << 32n));
  });
});

describe("SECCOMP_SET_MODE_STRICT", () => {
  it("flags must be 0 and args NULL; then only read, write, exit and rt_sigreturn", () => {
    const ok = runProgram(
      callsProgram([
        seccomp(SECCOMP_SET_MODE_STRICT, 1, 0),
        seccomp(SECCOMP_SET_MODE_STRICT, 0, 8),
        seccomp(SECCOMP_SET_MODE_STRICT, 0, 0),
        { nr: NR.write, args: [1, "results", 0] },
      ]),
      GENERIC,
    );
    expect(results(ok, 4)).toEqual([-EINVAL, -EINVAL, 0, 0]);
    expect(ok.t.seccompMode).toBe(1);
    expect(ok.t.exitCode).toBe(0);
    const killed = runProgram(
      callsProgram([seccomp(SECCOMP_SET_MODE_STRICT, 0, 0), { nr: NR.getpid }]),
      GENERIC,
    );
    expect(killed.t.killedBy).toBe(SIGKILL);
  });
});

describe("SECCOMP_SET_MODE_FILTER", () => {
  const allowAll = fprog("f", [ret(SECCOMP_RET_ALLOW)]);

  it("errors as the kernel returns them: EINVAL (flags, length, checker), EFAULT, EACCES without no_new_privs", () => {
    const data =
      allowAll +
      fprog("zero", [ret(SECCOMP_RET_ALLOW)], 0) +
      fprog("badld", [bpfStmt(BPF_LD | BPF_W | BPF_ABS, 2), ret(SECCOMP_RET_ALLOW)]) +
      ".align 8\nbadptr: .short 1\n.zero 6\n.quad 0x10\n";
    const calls = [
      { nr: NR.setuid, args: [1000] },
      filter("f"), // EACCES: uid 1000 without no_new_privs
      NNP,
      filter("f", 0x40), // an unknown flag
      filter("f", SECCOMP_FILTER_FLAG_NEW_LISTENER), // listeners are not modelled
      filter("f", SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER),
      seccomp(SECCOMP_SET_MODE_FILTER, 0, 0x10),
      filter("badptr"),
      filter("zero"),
      filter("badld"),
      { nr: NR.prctl, args: [PR_GET_SECCOMP] },
      filter("f"),
      { nr: NR.prctl, args: [PR_GET_SECCOMP] },
      seccomp(SECCOMP_SET_MODE_STRICT, 0, 0), // filter mode cannot become strict
    ];
    const ran = runProgram(callsProgram(calls, data), GENERIC);
    expect(results(ran, calls.length)).toEqual([
      0,
      -EACCES,
      0,
      -EINVAL,
      -EINVAL,
      -EINVAL,
      -EFAULT,
      -EFAULT,
      -EINVAL,
      -EINVAL,
      0,
      0,
      2,
      -EINVAL,
    ]);
    let n = 0;
    for (let f = ran.t.seccompFilter; f; f = f.prev) n++;
    expect(n).toBe(1);
  });

  it("TSYNC (and TSYNC_ESRCH, SPEC_ALLOW) succeed with 0 for a one-thread task; each call stacks a filter", () => {
    const flags = [
      SECCOMP_FILTER_FLAG_TSYNC,
      SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
      SECCOMP_FILTER_FLAG_SPEC_ALLOW,
      SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG,
    ];
    const ran = runProgram(callsProgram([NNP, ...flags.map((f) => filter("f", f))], allowAll), GENERIC);
    expect(results(ran, 5)).toEqual([0, 0, 0, 0, 0]);
    const logs: boolean[] = [];
    for (let f = ran.t.seccompFilter; f; f = f.prev) logs.push(f.log);
    expect(logs).toEqual([true, false, false, false]);
    expect(ran.t.exitCode).toBe(0);
  });

  it("ENOMEM when the path total passes MAX_INSNS_PER_PATH (the 8th 4096-instruction filter)", () => {
    const words = new Uint8Array(4096 * 8);
    const v = new DataView(words.buffer);
    for (let i = 0; i < 4095; i++) v.setUint16(8 * i, BPF_LD | BPF_W | BPF_ABS, true);
    v.setUint16(8 * 4095, BPF_RET | BPF_K, true);
    v.setUint32(8 * 4095 + 4, SECCOMP_RET_ALLOW, true);
    const calls = [NNP, ...Array.from({ length: 8 }, () => filter("big"))];
    const data = `.align 8\nbig:\n.short 4096\n.zero 6\n.quad big_insns\n.align 8\nbig_insns: .zero ${words.length}\n`;
    const text = callsProgram(calls, data);
    const ran = runProgram(text, GENERIC, (t) => {
      t.space.writeBytes(Number(userImage(text).symbols.get("big_insns")), words);
    });
    expect(results(ran, 9).slice(1)).toEqual([0, 0, 0, 0, 0, 0, 0, -ENOMEM]);
  });
});

/** NNP, install `f` with `flags`, getppid (its result at results+16) */
function filtered(action: number, flags: number) {
  const calls = [NNP, filter("f", flags), { nr: NR.getppid }, { nr: NR.getpid }];
  return runProgram(callsProgram(calls, fprog("f", onNr(NR.getppid, action))), GENERIC);
}

describe("SECCOMP_FILTER_FLAG_LOG", () => {
  it("ERRNO of a filter attached with LOG leaves a record; without the flag it does not", () => {
    const logged = filtered(SECCOMP_RET_ERRNO | 3, SECCOMP_FILTER_FLAG_LOG);
    expect(results(logged, 3)).toEqual([0, 0, -3]);
    expect(logged.t.seccompLog).toEqual([
      {
        nr: NR.getppid,
        arch: AUDIT_ARCH_X86_64,
        ip: expect.any(BigInt),
        ret: SECCOMP_RET_ERRNO | 3,
        signal: 0,
      },
    ]);
    const quiet = filtered(SECCOMP_RET_ERRNO | 3, 0);
    expect(result(quiet, 2)).toBe(-3);
    expect(quiet.t.seccompLog).toEqual([]);
  });

  it("RET_LOG is logged and allowed with or without the flag; ALLOW is never logged", () => {
    for (const flags of [0, SECCOMP_FILTER_FLAG_LOG]) {
      const ran = filtered(SECCOMP_RET_LOG, flags);
      expect(result(ran, 2)).toBe(0);
      expect(ran.t.seccompLog.map((r) => [r.nr, r.ret, r.signal])).toEqual([
        [NR.getppid, SECCOMP_RET_LOG, 0],
      ]);
    }
    expect(filtered(SECCOMP_RET_ALLOW, SECCOMP_FILTER_FLAG_LOG).t.seccompLog).toEqual([]);
  });

  it("a kill is logged with SIGSYS whatever the flag", () => {
    const ran = filtered(SECCOMP_RET_KILL_PROCESS, 0);
    expect(ran.t.killedBy).toBe(SIGSYS);
    expect(ran.t.seccompLog.map((r) => [r.nr, r.signal])).toEqual([[NR.getppid, SIGSYS]]);
  });
});

// The SIGSYS handler stores rdi, the siginfo's si_signo, si_errno, si_code, si_call_addr, si_syscall, si_arch and
// the ucontext's RAX at h+0..h+56, then writes 777 into the ucontext's RAX (the emulated call's result) and returns
// through the restorer (rt_sigreturn).
const HANDLER = `
handler:
  movq %rdi, h(%rip)
  movl (%rsi), %eax
  movq %rax, h+8(%rip)
  movl 4(%rsi), %eax
  movq %rax, h+16(%rip)
  movl 8(%rsi), %eax
  movq %rax, h+24(%rip)
  movq 16(%rsi), %rax
  movq %rax, h+32(%rip)
  movl 24(%rsi), %eax
  movq %rax, h+40(%rip)
  movl 28(%rsi), %eax
  movq %rax, h+48(%rip)
  movq 144(%rdx), %rax
  movq %rax, h+56(%rip)
  movq $777, 144(%rdx)
  incq hits(%rip)
  ret
restorer:
  movl $15, %eax
  syscall
.align 8
h: .zero 64
hits: .quad 0
act: .quad handler
.quad 0x04000004
.quad restorer
.quad 0
`;

/** rt_sigaction(SIGSYS, act) unless `noHandler`, block SIGSYS if `block`, install, then `call` labelled `after`. */
function trapProgram(
  install: string,
  call: string,
  action: number,
  opts: { noHandler?: boolean; block?: boolean; nr?: number } = {},
): string {
  return [
    "_start:",
    opts.noHandler
      ? ""
      : "movl $13, %eax\nmovl $31, %edi\nleaq act(%rip), %rsi\nxorl %edx, %edx\nmovl $8, %r10d\nsyscall",
    opts.block
      ? "movl $14, %eax\nxorl %edi, %edi\nleaq mask(%rip), %rsi\nxorl %edx, %edx\nmovl $8, %r10d\nsyscall"
      : "",
    install,
    "movq %rax, results(%rip)",
    `movq $0x1111, %rdi\n${call}\nafter:`,
    "movq %rax, results+8(%rip)",
    `movl $${NR.getpid}, %eax\nsyscall`,
    "movq %rax, results+16(%rip)",
    EXIT(0),
    ".align 8\nresults: .zero 24\nmask: .quad 0x40000000",
    HANDLER,
    fprog("f", onNr(opts.nr ?? NR.getppid, action)),
  ].join("\n");
}

const SECCOMP_INSTALL = "movl $317, %eax\nmovl $1, %edi\nxorl %esi, %esi\nleaq f(%rip), %rdx\nsyscall";
const PRCTL_INSTALL = "movl $157, %eax\nmovl $22, %edi\nmovl $2, %esi\nleaq f(%rip), %rdx\nsyscall";
const GETPPID = `movl $${NR.getppid}, %eax\nsyscall`;

describe("SECCOMP_RET_TRAP: SIGSYS to the guest's handler", () => {
  const handled = (ran: ReturnType<typeof runProgram>, nr: number, arch: number, data: number) => {
    expect(ran.t.exitCode).toBe(0);
    expect(ran.q("hits")).toBe(1n);
    const h = (i: number) => ran.q("h", 8 * i);
    expect(h(0)).toBe(BigInt(SIGSYS)); // rdi
    expect(h(1)).toBe(BigInt(SIGSYS)); // si_signo
    expect(h(2)).toBe(BigInt(data)); // si_errno = SECCOMP_RET_DATA
    expect(h(3)).toBe(BigInt(SYS_SECCOMP)); // si_code
    expect(h(4)).toBe(BigInt(ran.sym("after"))); // si_call_addr: after the syscall instruction
    expect(h(5)).toBe(BigInt(nr)); // si_syscall
    expect(h(6)).toBe(BigInt(arch)); // si_arch
    expect(h(7)).toBe(BigInt(nr)); // syscall_rollback: the handler sees RAX = the number
    expect(result(ran, 1)).toBe(777); // the handler's RAX is the call's result after rt_sigreturn
    expect(result(ran, 2)).toBe(ran.t.pid); // execution continued after the call
    expect(ran.t.sigsysInfo).toEqual({
      signo: SIGSYS,
      code: SYS_SECCOMP,
      errno: data,
      callAddr: BigInt(ran.sym("after")),
      syscall: nr,
      arch,
    });
  };

  it("linux-generic, installed with seccomp(2)", () => {
    const ran = runProgram(trapProgram(SECCOMP_INSTALL, GETPPID, SECCOMP_RET_TRAP | 0x2a), GENERIC);
    expect(result(ran, 0)).toBe(0);
    handled(ran, NR.getppid, AUDIT_ARCH_X86_64, 0x2a);
    expect(ran.t.seccompLog).toEqual([]); // TRAP is logged only with SECCOMP_FILTER_FLAG_LOG
  });

  it("linux-3.1, installed with prctl; and an int $0x80 call reports AUDIT_ARCH_I386", () => {
    const ran = runProgram(trapProgram(PRCTL_INSTALL, GETPPID, SECCOMP_RET_TRAP | 7));
    handled(ran, NR.getppid, AUDIT_ARCH_X86_64, 7);
    const IA32_GETPPID = 64;
    const compat = runProgram(
      trapProgram(PRCTL_INSTALL, `movl $${IA32_GETPPID}, %eax\nint $0x80`, SECCOMP_RET_TRAP | 9, {
        nr: IA32_GETPPID,
      }),
    );
    handled(compat, IA32_GETPPID, AUDIT_ARCH_I386, 9);
  });

  it("without a handler, or with SIGSYS blocked (force_sig resets it), the task dies of SIGSYS", () => {
    for (const o of [{ noHandler: true }, { block: true }]) {
      const ran = runProgram(trapProgram(SECCOMP_INSTALL, GETPPID, SECCOMP_RET_TRAP, o), GENERIC);
      expect(ran.t.killedBy).toBe(SIGSYS);
      expect(ran.q("hits")).toBe(0n);
      expect(result(ran, 2)).toBe(0);
    }
  });

  it("KILL_PROCESS is not catchable: the handler never runs", () => {
    const ran = runProgram(trapProgram(SECCOMP_INSTALL, GETPPID, SECCOMP_RET_KILL_PROCESS), GENERIC);
    expect(ran.t.killedBy).toBe(SIGSYS);
    expect(ran.q("hits")).toBe(0n);
    expect(ran.t.sigsysInfo).toBeNull();
  });
});

describe("cost", () => {
  it("a seccomp(2) call is charged natives.sys_seccomp of the profile (cascadelake-2022)", () => {
    const p = getProfile("cascadelake-2022");
    const cycles = (extra: number) => {
      const ran = runProgram(
        callsProgram([seccomp(SECCOMP_GET_ACTION_AVAIL, 0, "a")], ".align 4\na: .long 0\n"),
        {
          ...GENERIC,
          costs: p.costs,
          natives: { ...p.natives, sys_seccomp: p.natives.sys_seccomp! + extra },
        },
      );
      return ran.t.acct.perSyscall.get(NR_SECCOMP)!.cycles;
    };
    expect(p.natives.sys_seccomp).toBeGreaterThan(0);
    expect(cycles(100) - cycles(0)).toBe(100);
  });
});
