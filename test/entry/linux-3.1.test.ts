import { describe, expect, it } from "vitest";
import { Assembler } from "../../src/entry/assembler.ts";
import { disassemble } from "../../src/entry/disassembler.ts";
import { LINUX31_EXTERNS, LINUX31_LABELS, linux31EntryText } from "../../src/entry/linux-3.1.ts";
import {
  FIXUP_TOP_OF_STACK,
  LOAD_ARGS,
  RESTORE_ARGS,
  RESTORE_REST,
  SAVE_ARGS,
  SAVE_REST,
} from "../../src/entry/linux-3.1-macros.ts";
import { linux31AsmOffsets } from "../../src/kernel/asm-offsets.ts";
import { ENOSYS } from "../../src/kernel/errno.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_SYSCALL_AUDIT, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { EXIT, runProgram } from "../kernel/user-program.ts";

function assembleEntry(text: string) {
  const syms = linux31AsmOffsets();
  LINUX31_EXTERNS.forEach((e, i) => {
    syms.set(e, -0x7e000000n + BigInt(16 * i));
  });
  return new Assembler({ base: -0x7f000000, symbols: syms }).asm(text).assemble();
}

describe("linux-3.1 entry text", () => {
  it("defines every documented label, in source order", () => {
    const a = assembleEntry(linux31EntryText());
    const addrs = LINUX31_LABELS.map((l) => a.labels.get(l));
    expect(addrs.every((x) => x !== undefined)).toBe(true);
    for (let i = 1; i < addrs.length; i++) expect(addrs[i]! >= addrs[i - 1]!).toBe(true);
  });

  it("starts system_call with swapgs, old_rsp, kernel_stack, sti, SAVE_ARGS 8,0", () => {
    const a = assembleEntry(linux31EntryText());
    const d = disassemble(a.bytes, a.base, { symbols: a.labels, count: 8 }).map((l) => l.text);
    expect(d[0]).toBe("swapgs");
    expect(d[1]).toBe("movq %rsp,%gs:0x18");
    expect(d[2]).toBe("movq %gs:0x20,%rsp");
    expect(d[3]).toBe("sti");
    expect(d[4]).toBe("subq $0x50,%rsp");
    expect(d[5]).toBe("movq %rdi,0x40(%rsp)");
  });

  it("tests _TIF_WORK_SYSCALL_ENTRY against TI_flags and range-checks with __NR_syscall_max = 309", () => {
    const a = assembleEntry(linux31EntryText());
    const text = disassemble(a.bytes, a.base, { symbols: a.labels }).map((l) => l.text);
    expect(text).toContain("testl $0x100001d1,0x10(%rcx)");
    expect(text).toContain("cmpq $0x135,%rax");
    expect(text).toContain("movl $0x1000feff,%edi");
    expect(text).toContain("movl $0x1000fe7f,%edi");
    expect(text).toContain("testl $0x10000151,0x10(%rcx)");
    expect(text.filter((t) => t === "sysretq")).toHaveLength(1);
    expect(text.filter((t) => t === "iretq")).toHaveLength(1);
  });

  it("splices hooks at their points and replaces the dispatch", () => {
    const text = linux31EntryText({
      hooks: {
        fastpath_after_range_check: "nop # FASTHOOK",
        dispatch: "call *my_table(,%rax,8)",
        tracesys_after_trace_enter: "nop # TRACEHOOK",
        auditsys_before_fastpath: "nop # AUDITHOOK",
      },
      extraText: "my_table:\n\t.quad 0",
    });
    const lines = text.split("\n").map((l) => l.trim());
    const fast = lines.indexOf("system_call_fastpath:");
    expect(lines[fast + 2]).toBe("ja badsys");
    expect(lines[fast + 4]).toBe("nop # FASTHOOK");
    expect(lines.filter((l) => l === "call *my_table(,%rax,8)")).toHaveLength(2);
    expect(lines).not.toContain("call *sys_call_table(,%rax,8)");
    const tr = lines.indexOf("nop # TRACEHOOK");
    expect(lines[tr - 2]).toBe("ja int_ret_from_sys_call");
    const au = lines.indexOf("nop # AUDITHOOK");
    expect(lines[au + 1]).toBe("jmp system_call_fastpath");
    expect(() => assembleEntry(text)).not.toThrow();
    expect(() => linux31EntryText({ hooks: { nowhere: "nop" } as never })).toThrow(/unknown hook/);
  });

  it("macros expand as calling.h of 3.1", () => {
    expect(SAVE_ARGS(8, 0)).toHaveLength(1 + 8);
    expect(SAVE_ARGS(8, 0)[0]).toBe("subq $9*8+8, %rsp");
    expect(RESTORE_ARGS(1, -72, 0)).not.toContain("movq 5*8(%rsp), %rcx");
    expect(RESTORE_ARGS(1, -72, 0).some((l) => l.startsWith("leaq"))).toBe(false);
    expect(RESTORE_ARGS(1, 8, 1).at(-1)).toBe("leaq 80(%rsp), %rsp");
    expect(LOAD_ARGS(0).at(-1)).toBe("movq 72(%rsp), %rax");
    expect(LOAD_ARGS("ARGOFFSET", 1)[0]).toBe("movq ARGOFFSET(%rsp), %r11");
    expect(LOAD_ARGS("ARGOFFSET", 1)).toHaveLength(8);
    expect(SAVE_REST()[0]).toBe("subq $REST_SKIP, %rsp");
    expect(RESTORE_REST().at(-1)).toBe("addq $REST_SKIP, %rsp");
    expect(FIXUP_TOP_OF_STACK("%r11", "-ARGOFFSET")[4]).toBe("movq $-1, RCX-ARGOFFSET(%rsp)");
  });
});

// ---- executed: path choice and the syscall ABI ----

const ABI_VALUES: Record<string, bigint> = {
  rbx: 0x1111111111111111n,
  rdx: 0x2222222222222222n,
  rsi: 0x3333333333333333n,
  rdi: 0x4444444444444444n,
  rbp: 0x5555555555555555n,
  r8: 0x8888888888888888n,
  r9: 0x9999999999999999n,
  r10: 0xaaaaaaaaaaaaaaaan,
  r12: 0xc0c0c0c0c0c0c0c0n,
  r13: 0xd0d0d0d0d0d0d0d0n,
  r14: 0xe0e0e0e0e0e0e0e0n,
  r15: 0xf0f0f0f0f0f0f0f0n,
};
const GPRS = [
  "rax",
  "rcx",
  "rdx",
  "rbx",
  "rsp",
  "rbp",
  "rsi",
  "rdi",
  "r8",
  "r9",
  "r10",
  "r11",
  "r12",
  "r13",
  "r14",
  "r15",
];

/** Set every register, syscall(nr), store every register and RFLAGS before/after, exit(0). */
function abiProgram(nr: number): string {
  const set = Object.entries(ABI_VALUES)
    .map(([r, v]) => `movabsq $0x${v.toString(16)}, %${r}`)
    .join("\n");
  const store = GPRS.map((r, i) => `movq %${r}, regs+${8 * i}(%rip)`).join("\n");
  return `
_start:
  ${set}
  cmpq %rbx, %rdx
  pushfq
  popq %rax
  movq %rax, flags_before(%rip)
  movq $${nr}, %rax
  syscall
after:
  ${store}
  pushfq
  popq %rax
  movq %rax, flags_after(%rip)
  ${EXIT(0)}
  .align 8
regs: .zero 128
flags_before: .quad 0
flags_after: .quad 0
`;
}

function checkAbi(ran: ReturnType<typeof runProgram>, iret: boolean) {
  const reg = (name: string) => ran.q("regs", 8 * GPRS.indexOf(name));
  for (const [r, v] of Object.entries(ABI_VALUES)) expect(reg(r), r).toBe(v);
  expect(reg("rsp")).toBe(BigInt(0x7ffffffff000 - 64));
  const flags = ran.q("flags_before");
  expect(reg("r11")).toBe(flags);
  expect(ran.q("flags_after")).toBe(flags);
  // 3.1's FIXUP_TOP_OF_STACK writes -1 into the RCX slot, which the IRET path restores.
  expect(reg("rcx")).toBe(iret ? 0xffffffffffffffffn : BigInt(ran.sym("after")));
  expect(reg("rax")).toBe(BigInt(ran.t.pid));
}

describe("linux-3.1 path choice (executed)", () => {
  it("no work flags: fast path, SYSRET, ABI preserved", () => {
    const ran = runProgram(abiProgram(NR.getpid));
    expect(ran.r.reason).toBe("exited");
    expect(ran.t.exitCode).toBe(0);
    checkAbi(ran, false);
    expect(ran.t.acct.syscalls).toBe(2);
    expect(ran.t.acct.paths).toEqual({ fast: 2, audit: 0, trace: 0, badsys: 0, sysret: 1, iret: 0 });
  });

  it("TIF_SYSCALL_AUDIT alone: auditsys, fast path, sysret_audit, SYSRET, with an audit record", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => t.tif.set(TIF_SYSCALL_AUDIT));
    expect(ran.t.exitCode).toBe(0);
    checkAbi(ran, false);
    expect(ran.t.acct.paths).toEqual({ fast: 0, audit: 2, trace: 0, badsys: 0, sysret: 1, iret: 0 });
    expect(ran.t.audit).toHaveLength(1);
    expect(ran.t.audit[0]).toMatchObject({ nr: NR.getpid, result: 1n, success: true });
    expect(ran.t.audit[0]!.args).toEqual([ABI_VALUES.rdi, ABI_VALUES.rsi, ABI_VALUES.rdx, ABI_VALUES.r10]);
  });

  it("TIF_SYSCALL_TRACE: tracesys, IRET, entry and exit stops, ABI preserved but RCX = -1", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = () => undefined; // PT_PTRACED: a tracer that only watches
    });
    expect(ran.t.exitCode).toBe(0);
    checkAbi(ran, true);
    expect(ran.t.acct.paths).toEqual({ fast: 0, audit: 0, trace: 2, badsys: 0, sysret: 0, iret: 1 });
    const stops = ran.t.stops.filter((s) => s.nr >= 0).map((s) => [s.kind, s.nr]);
    expect(stops).toEqual([
      ["entry", NR.getpid],
      ["exit", NR.getpid],
      ["entry", NR.exit],
    ]);
  });

  it("TRACE and AUDIT together: tracesys (not auditsys), audit through syscall_trace_enter/leave", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tif.set(TIF_SYSCALL_AUDIT);
    });
    checkAbi(ran, true);
    expect(ran.t.acct.paths.trace).toBe(2);
    expect(ran.t.acct.paths.audit).toBe(0);
    expect(ran.t.audit.map((a) => [a.nr, a.result])).toEqual([[NR.getpid, 1n]]);
  });

  it.each([
    [310, "first number above the table"],
    [1000, "far above"],
    [-1, "negative (unsigned compare)"],
  ])("nr %i (%s): badsys, -ENOSYS, SYSRET", (nr) => {
    const ran = runProgram(abiProgram(nr));
    expect(ran.q("regs", 0)).toBe(BigInt.asUintN(64, BigInt(-ENOSYS)));
    expect(ran.t.acct.paths).toMatchObject({ badsys: 1, sysret: 1, iret: 0 });
  });

  it("an unimplemented entry inside the table is sys_ni_syscall: -ENOSYS, not badsys", () => {
    const ran = runProgram(abiProgram(NR.getcpu));
    expect(ran.q("regs", 0)).toBe(BigInt.asUintN(64, BigInt(-ENOSYS)));
    expect(ran.t.acct.paths.badsys).toBe(0);
  });

  it("TIF_SYSCALL_TRACE without a tracer (not PT_PTRACED): the slow path, IRET, but no stop", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => t.tif.set(TIF_SYSCALL_TRACE));
    expect(ran.t.exitCode).toBe(0);
    expect(ran.t.acct.paths).toEqual({ fast: 0, audit: 0, trace: 2, badsys: 0, sysret: 0, iret: 1 });
    expect(ran.t.stops).toEqual([]);
  });

  it("a syscall the tracer skips (orig_rax = -1) returns -ENOSYS via IRET", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (stop) => (stop.kind === "entry" && stop.nr === NR.getpid ? { skip: true } : undefined);
    });
    expect(ran.q("regs", 0)).toBe(BigInt.asUintN(64, BigInt(-ENOSYS)));
    expect(ran.t.acct.paths.iret).toBe(1);
    expect(ran.t.stops.filter((s) => s.kind === "exit" && s.nr === -1).at(-1)?.ret).toBe(BigInt(-ENOSYS));
  });

  it("the tracer may rewrite the number at entry and the result at exit", () => {
    const ran = runProgram(abiProgram(NR.getpid), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (stop) => {
        if (stop.kind === "entry" && stop.nr === NR.getpid) return { nr: NR.getuid };
        if (stop.kind === "exit" && stop.nr === NR.getuid) return { ret: 4242 };
        return undefined;
      };
    });
    expect(ran.q("regs", 0)).toBe(4242n);
  });

  it("a badsys number under trace goes through IRET with -ENOSYS", () => {
    const ran = runProgram(abiProgram(500), {}, (t) => t.tif.set(TIF_SYSCALL_TRACE));
    expect(ran.q("regs", 0)).toBe(BigInt.asUintN(64, BigInt(-ENOSYS)));
    expect(ran.t.acct.paths).toMatchObject({ trace: 2, badsys: 0, iret: 1 });
  });
});

describe("linux-3.1 hook points (executed)", () => {
  // getpid becomes getuid when the hook runs; the number to rewrite lives in the design's own data.
  const rewrite = "cmpq rewrite_from, %rax\njne 1f\nmovq rewrite_to, %rax\n1:";
  const extraData = `rewrite_from: .quad ${NR.getpid}\nrewrite_to: .quad ${NR.getuid}`;
  const prog = abiProgram(NR.getpid);
  const uid = (t: { creds: { uid: number; euid: number } }) => {
    t.creds.uid = 1000;
    t.creds.euid = 1000;
  };

  it("fastpath_after_range_check runs on the fast path only", () => {
    const opts = { entry: { hooks: { fastpath_after_range_check: rewrite }, extraData } };
    expect(runProgram(prog, opts, uid).q("regs", 0)).toBe(1000n);
    const traced = runProgram(prog, opts, (t) => {
      uid(t);
      t.tif.set(TIF_SYSCALL_TRACE);
    });
    expect(traced.q("regs", 0)).toBe(1n);
  });

  it("tracesys_after_trace_enter runs on the slow path only", () => {
    const opts = { entry: { hooks: { tracesys_after_trace_enter: rewrite }, extraData } };
    expect(runProgram(prog, opts, uid).q("regs", 0)).toBe(1n);
    const traced = runProgram(prog, opts, (t) => {
      uid(t);
      t.tif.set(TIF_SYSCALL_TRACE);
    });
    expect(traced.q("regs", 0)).toBe(1000n);
    checkAbi({ ...traced, t: { ...traced.t, pid: 1000 } as typeof traced.t }, true);
  });

  it("auditsys_before_fastpath runs on the semi-slow path; dispatch replaces the table call", () => {
    const audit = { entry: { hooks: { auditsys_before_fastpath: rewrite }, extraData } };
    expect(runProgram(prog, audit, uid).q("regs", 0)).toBe(1n);
    const audited = runProgram(prog, audit, (t) => {
      uid(t);
      t.tif.set(TIF_SYSCALL_AUDIT);
    });
    expect(audited.q("regs", 0)).toBe(1000n);
    const table = {
      entry: { hooks: { dispatch: `${rewrite}\ncall *sys_call_table(,%rax,8)` }, extraData },
    };
    expect(runProgram(prog, table, uid).q("regs", 0)).toBe(1000n);
  });
});
