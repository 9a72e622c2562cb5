import { describe, expect, it } from "vitest";
import { Assembler } from "../../src/entry/assembler.ts";
import { disassemble } from "../../src/entry/disassembler.ts";
import {
  LINUX_GENERIC_EXTERNS,
  LINUX_GENERIC_LABELS,
  linuxGenericEntryText,
} from "../../src/entry/linux-generic.ts";
import { ENOSYS } from "../../src/kernel/errno.ts";
import { linuxGenericAsmOffsets, PTI_USER_PGTABLE_MASK, taskPtRegs } from "../../src/kernel/generic-entry.ts";
import { type BootOptions, Machine } from "../../src/kernel/machine.ts";
import * as P from "../../src/kernel/pt-regs.ts";
import {
  SYSCALL_WORK_ENTER,
  SYSCALL_WORK_EXIT,
  SYSCALL_WORK_SECCOMP,
  SYSCALL_WORK_SYSCALL_AUDIT,
  SYSCALL_WORK_SYSCALL_TRACE,
  syscallWorkWord,
  TI5_flags,
} from "../../src/kernel/syscall-work.ts";
import type { Task, TracerStop } from "../../src/kernel/task.ts";
import { TIF_NEED_RESCHED, TIF_SECCOMP, TIF_SYSCALL_AUDIT, TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { userImage } from "../kernel/user-program.ts";

const PROFILE = getProfile("cascadelake-2022");
const BOOT: BootOptions = { flavour: "linux-generic", costs: PROFILE.costs, natives: PROFILE.natives };
const RF = 1 << 16;
const TF = 1 << 8;

/** getppid `n` times, the last result stored at `res`, then exit(that result). */
const GETPPID_LOOP = (n: number) => `_start:
	movl $${n}, %ebx
1:	movl $110, %eax
	syscall
	decl %ebx
	jnz 1b
	movq %rax, res(%rip)
	movq %rax, %rdi
	movl $60, %eax
	syscall
.align 8
res: .quad 0
`;

interface Run {
  m: Machine;
  t: Task;
  reason: string;
  q: (label: string, off?: number) => bigint;
}

/** A parent (pid 1, exits at once) and the program as its child (pid 2). */
function run(text: string, opts: BootOptions = {}, setup?: (t: Task, m: Machine) => void): Run {
  const m = Machine.boot({ ...BOOT, ...opts });
  const parent = m.createTask({
    name: "parent",
    image: userImage("_start:\n\tmovl $60, %eax\n\txorl %edi, %edi\n\tsyscall\n"),
  });
  const img = userImage(text);
  const t = m.createTask({ name: "child", image: img, parent });
  setup?.(t, m);
  const r = m.run({ maxInstructions: 2_000_000 });
  const q = (label: string, off = 0) => t.space.read64(Number(img.symbols.get(label)!) + off);
  return { m, t, reason: r.reason, q };
}

/** A tracer that pokes the pt_regs frame at each entry stop (PTRACE_POKEUSER). */
function poke(slots: Partial<Record<"rcx" | "rip" | "r11" | "eflags", (v: bigint) => bigint>>) {
  return (stop: TracerStop, t: Task) => {
    if (stop.kind !== "entry" || stop.nr !== 110) return undefined;
    const regs = taskPtRegs(t);
    const off = { rcx: P.RCX, rip: P.RIP, r11: P.R11, eflags: P.EFLAGS } as const;
    for (const [k, f] of Object.entries(slots)) {
      const a = regs + off[k as keyof typeof off];
      t.space.write64(a, BigInt.asUintN(64, f(t.space.read64(a))));
    }
    return undefined;
  };
}

describe("linux-generic entry text", () => {
  const assemble = (pti: boolean) => {
    const syms = linuxGenericAsmOffsets();
    LINUX_GENERIC_EXTERNS.forEach((e, i) => {
      syms.set(e, -0x7e000000n + BigInt(16 * i));
    });
    return new Assembler({ base: -0x7f000000, symbols: syms }).asm(linuxGenericEntryText({ pti })).assemble();
  };

  it("defines every documented label in source order", () => {
    const a = assemble(false);
    const addrs = LINUX_GENERIC_LABELS.map((l) => a.labels.get(l));
    expect(addrs.every((x) => x !== undefined)).toBe(true);
    for (let i = 1; i < addrs.length; i++) expect(addrs[i]! >= addrs[i - 1]!).toBe(true);
    expect(Number(addrs[LINUX_GENERIC_LABELS.indexOf("__entry_text_end")]! % 4096n)).toBe(0);
  });

  it("starts entry_SYSCALL_64 with swapgs, tss.sp2, the stack switch and the hardware frame", () => {
    const d = (pti: boolean) => {
      const a = assemble(pti);
      return disassemble(a.bytes, a.base, { symbols: a.labels, count: 12 }).map((l) => l.text);
    };
    expect(d(false).slice(0, 8)).toEqual([
      "swapgs",
      "movq %rsp,%gs:0x8014",
      "movq %gs:0x800c,%rsp",
      "pushq $0x2b",
      "pushq %gs:0x8014",
      "pushq %r11",
      "pushq $0x33",
      "pushq %rcx",
    ]);
    expect(d(true).slice(2, 5)).toEqual([
      "movq %cr3,%rsp",
      "andq $0xffffffffffffe7ff,%rsp",
      "movq %rsp,%cr3",
    ]);
  });

  it("tests the real SYSCALL_WORK masks and checks RCX canonical with shl/sar by 16", () => {
    expect(SYSCALL_WORK_ENTER).toBe(0x3f);
    expect(SYSCALL_WORK_EXIT).toBe(0x76);
    const a = assemble(false);
    const text = disassemble(a.bytes, a.base, { symbols: a.labels }).map((l) => l.text);
    expect(text).toContain("testl $0x3f,%edx");
    expect(text).toContain("testl $0x76,%esi");
    expect(text).toContain("shlq $0x10,%rcx");
    expect(text).toContain("sarq $0x10,%rcx");
    expect(text).toContain("testq $0x10100,%r11");
    expect(text).toContain("cmpq $0x1d6,%rdx");
    expect(text.filter((t) => t === "sysretq")).toHaveLength(1);
    expect(text.filter((t) => t === "iretq")).toHaveLength(1);
  });
});

describe("linux-generic: getppid", () => {
  it("returns the parent's pid on every call, through SYSRET with no work", () => {
    const r = run(GETPPID_LOOP(50));
    expect(r.reason).toBe("exited");
    expect(r.m.oops).toBeNull();
    expect(r.q("res")).toBe(1n);
    expect(r.t.exitCode).toBe(1);
    expect(r.t.acct.paths).toEqual({ fast: 51, audit: 0, trace: 0, badsys: 0, sysret: 50, iret: 0 });
  });

  it("agrees with the linux-3.1 flavour on results", () => {
    const a = run(GETPPID_LOOP(5));
    const b = run(GETPPID_LOOP(5), { flavour: "linux-3.1" });
    expect(a.q("res")).toBe(b.q("res"));
  });

  it("returns -ENOSYS for numbers out of range and unimplemented ones, and 3.1's TIF bits set syscall_work", () => {
    const prog = `_start:
	movl $1000, %eax
	syscall
	movq %rax, res(%rip)
	movl $469, %eax
	syscall
	movq %rax, res+8(%rip)
	movq $-1, %rax
	syscall
	movq %rax, res+16(%rip)
	movl $60, %eax
	xorl %edi, %edi
	syscall
.align 8
res: .zero 24
`;
    const r = run(prog);
    expect(BigInt.asIntN(64, r.q("res"))).toBe(BigInt(-ENOSYS));
    expect(BigInt.asIntN(64, r.q("res", 8))).toBe(BigInt(-ENOSYS));
    expect(BigInt.asIntN(64, r.q("res", 16))).toBe(BigInt(-ENOSYS));
    // 1000 reaches __x64_sys_ni_syscall; nr -1 keeps the -ENOSYS pushed as regs->ax; 469 is a table entry
    expect(r.t.acct.paths.badsys).toBe(1);
  });

  it("maps 3.1's syscall-work TIF bits onto thread_info.syscall_work, others onto flags", () => {
    const m = Machine.boot(BOOT);
    const t = m.createTask({ name: "t", image: userImage(GETPPID_LOOP(1)) });
    t.tif.set(TIF_SYSCALL_AUDIT);
    t.tif.set(TIF_NEED_RESCHED);
    const work = syscallWorkWord(m.kspace, t.threadInfo);
    expect(work.get()).toBe(SYSCALL_WORK_SYSCALL_AUDIT);
    expect(m.kspace.read32(t.threadInfo + TI5_flags)).toBe(1 << TIF_NEED_RESCHED);
    expect(t.tif.test(TIF_SYSCALL_AUDIT)).toBe(true);
    t.tif.clear(TIF_SYSCALL_AUDIT);
    expect(work.get()).toBe(0);
  });
});

describe("linux-generic: work and the return path", () => {
  it("SYSCALL_WORK_SYSCALL_AUDIT: an audit record per call, still SYSRET", () => {
    const r = run(GETPPID_LOOP(10), {}, (t) => t.tif.set(TIF_SYSCALL_AUDIT));
    expect(r.t.audit.filter((a) => a.nr === 110)).toHaveLength(10);
    expect(r.t.audit[0]!.result).toBe(1n);
    expect(r.t.acct.paths).toMatchObject({ audit: 11, trace: 0, fast: 0, sysret: 10, iret: 0 });
  });

  it("SYSCALL_WORK_SYSCALL_TRACE with a watching tracer: entry and exit stops, still SYSRET", () => {
    const r = run(GETPPID_LOOP(3), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = () => undefined;
    });
    // the first stop is ret_from_fork's syscall_exit_work (orig_ax -1: the frame is not a syscall's)
    expect(r.t.stops.map((s) => `${s.kind}:${s.nr}`)).toEqual([
      "exit:-1",
      "entry:110",
      "exit:110",
      "entry:110",
      "exit:110",
      "entry:110",
      "exit:110",
      "entry:60",
    ]);
    expect(r.t.acct.paths).toMatchObject({ trace: 4, sysret: 3, iret: 0 });
  });

  it("TRACE without a tracer stops nowhere", () => {
    const r = run(GETPPID_LOOP(3), {}, (t) => t.tif.set(TIF_SYSCALL_TRACE));
    expect(r.t.stops).toHaveLength(0);
    expect(r.t.acct.paths).toMatchObject({ trace: 4, sysret: 3 });
  });

  it("5.x order: ptrace runs before seccomp, which sees the tracer's change", () => {
    const strict = (t: Task) => {
      t.seccompMode = 1;
      t.tif.set(TIF_SECCOMP);
      t.tif.set(TIF_SYSCALL_TRACE);
    };
    // getppid under strict mode: the entry stop is reported, then seccomp kills
    const killed = run(GETPPID_LOOP(1), {}, (t) => {
      strict(t);
      t.tracer = () => undefined;
    });
    expect(syscallWorkWord(killed.m.kspace, killed.t.threadInfo).get()).toBe(
      SYSCALL_WORK_SECCOMP | SYSCALL_WORK_SYSCALL_TRACE,
    );
    expect(killed.t.stops.map((s) => `${s.kind}:${s.nr}`)).toEqual(["exit:-1", "entry:110"]);
    expect(killed.t.killedBy).toBe(9);
    // the tracer turns getppid into exit(…) (allowed in strict mode): seccomp checks the new number
    const rewritten = run(GETPPID_LOOP(1), {}, (t) => {
      strict(t);
      t.tracer = (s) => (s.kind === "entry" && s.nr === 110 ? { nr: 60 } : undefined);
    });
    expect(rewritten.t.killedBy).toBeNull();
    expect(rewritten.t.exitCode).toBe(0);
  });

  it("a tracer's skip returns -ENOSYS (regs->ax as pushed)", () => {
    const r = run(GETPPID_LOOP(1), {}, (t) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (s) => (s.kind === "entry" && s.nr === 110 ? { skip: true } : undefined);
    });
    expect(BigInt.asIntN(64, r.q("res"))).toBe(BigInt(-ENOSYS));
    expect(r.t.acct.paths.badsys).toBe(0);
  });

  const traced = (slots: Parameters<typeof poke>[0]) => (t: Task) => {
    t.tif.set(TIF_SYSCALL_TRACE);
    t.tracer = poke(slots);
  };

  it("RCX != RIP forces IRET (and the user sees the poked RCX)", () => {
    const prog = `_start:
	movl $110, %eax
	syscall
	movq %rcx, res(%rip)
	movl $60, %eax
	xorl %edi, %edi
	syscall
.align 8
res: .quad 0
`;
    const r = run(prog, {}, traced({ rcx: () => 0x1234n }));
    expect(r.q("res")).toBe(0x1234n);
    expect(r.t.acct.paths).toMatchObject({ sysret: 0, iret: 1 });
    expect(r.t.exitCode).toBe(0);
  });

  it("R11 != FLAGS forces IRET", () => {
    const r = run(GETPPID_LOOP(1), {}, traced({ r11: (v) => v ^ 0x1n }));
    expect(r.t.acct.paths).toMatchObject({ sysret: 0, iret: 1 });
    expect(r.t.exitCode).toBe(1);
  });

  it("a non-canonical RCX (= RIP) forces IRET, whose #GP is a kernel fault here", () => {
    const bad = 0x0000800000000000n;
    const r = run(GETPPID_LOOP(1), {}, traced({ rcx: () => bad, rip: () => bad }));
    expect(r.t.acct.paths).toMatchObject({ sysret: 0, iret: 1 });
    expect(r.reason).toBe("fault");
  });

  it("TF in R11 (= FLAGS) forces IRET", () => {
    const r = run(GETPPID_LOOP(1), {}, traced({ r11: (v) => v | BigInt(TF), eflags: (v) => v | BigInt(TF) }));
    expect(r.t.acct.paths).toMatchObject({ sysret: 0, iret: 1 });
  });

  it("RF in R11 (= FLAGS) forces IRET", () => {
    const r = run(GETPPID_LOOP(2), {}, traced({ r11: (v) => v | BigInt(RF), eflags: (v) => v | BigInt(RF) }));
    expect(r.t.acct.paths).toMatchObject({ sysret: 0, iret: 2 });
    expect(r.t.exitCode).toBe(1);
  });
});

describe("linux-generic: ABI", () => {
  const REGS = ["rbx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r12", "r13", "r14", "r15"];
  const prog = `_start:
${REGS.map((r, i) => `\tmovabsq $0x${(0x1111111111111111n * BigInt(i + 1)).toString(16)}, %${r}`).join("\n")}
	movq %rsp, saved_rsp(%rip)
	movl $110, %eax
	syscall
${REGS.map((r, i) => `\tmovq %${r}, out+${8 * i}(%rip)`).join("\n")}
	movq %rsp, out+${8 * REGS.length}(%rip)
	movl $60, %eax
	xorl %edi, %edi
	syscall
.align 8
saved_rsp: .quad 0
out: .zero ${8 * (REGS.length + 1)}
`;
  for (const [name, setup] of [
    ["SYSRET", undefined],
    [
      "IRET",
      (t: Task) => {
        t.tif.set(TIF_SYSCALL_TRACE);
        t.tracer = poke({ rcx: () => 0n });
      },
    ],
  ] as const) {
    for (const pti of [false, true]) {
      it(`every register but RAX, RCX and R11 survives (${name}${pti ? ", PTI" : ""})`, () => {
        const r = run(prog, { pti }, setup);
        expect(r.t.exitCode).toBe(0);
        REGS.forEach((_, i) => {
          expect(r.q("out", 8 * i)).toBe(0x1111111111111111n * BigInt(i + 1));
        });
        expect(r.q("out", 8 * REGS.length)).toBe(r.q("saved_rsp"));
        expect(r.t.acct.paths[name === "SYSRET" ? "sysret" : "iret"]).toBe(1);
      });
    }
  }
});

describe("linux-generic: PTI", () => {
  it("two CR3 writes per syscall; the user PGD maps the entry text but not do_syscall_64", () => {
    let writes = 0;
    const r = run(GETPPID_LOOP(20), { pti: true }, (_t, m) => {
      for (const l of m.kernelText.lines)
        if (/^\s*movq %\w+, %cr3$/.test(l.text)) m.cpu.addProbe(l.addr, () => writes++);
    });
    expect(r.t.exitCode).toBe(1);
    // each task: ret_from_fork's return to user (1), then 2 per syscall, 1 for the final exit (never returns)
    expect(writes).toBe(1 + 1 + (1 + 2 * 20 + 1));
    const user = r.m.cpu.spaceFor(r.t.space.cr3 + PTI_USER_PGTABLE_MASK)!;
    expect(user).toBeDefined();
    expect(user.lookup(r.m.sym("entry_SYSCALL_64"))).not.toBe(0);
    expect(user.lookup(r.m.sym("do_syscall_64"))).toBe(0);
    expect(user.lookup(r.t.stackTop - 8)).toBe(0);
  });

  it("costs exactly the CR3 sequences more per syscall", () => {
    const per = (pti: boolean) => {
      const r = run(GETPPID_LOOP(40), { pti });
      const e = r.t.acct.perSyscall.get(110)!;
      expect(e.calls).toBe(40);
      return { cycles: e.cycles / 40, instret: e.instret / 40 };
    };
    const off = per(false);
    const on = per(true);
    const c = PROFILE.costs;
    // entry: mov %cr3,r; andq; mov r,%cr3. exit: pushq %rax; mov %cr3,r; orq; orq; mov r,%cr3; popq %rax
    const cr3 = c.classes.mov_cr3;
    const expected =
      2 * cr3 +
      c.classes.alu +
      (c.classes.push + c.store + 2 * cr3 + 2 * c.classes.alu + c.classes.pop + c.load);
    expect(on.instret - off.instret).toBeCloseTo(9, 9);
    expect(on.cycles - off.cycles).toBeCloseTo(expected, 9);
  });
});

describe("linux-generic: determinism", () => {
  it("two runs give identical cycles and paths", () => {
    const a = run(GETPPID_LOOP(30), { pti: true }, (t) => t.tif.set(TIF_SYSCALL_AUDIT));
    const b = run(GETPPID_LOOP(30), { pti: true }, (t) => t.tif.set(TIF_SYSCALL_AUDIT));
    expect(a.m.cpu.cycles).toBe(b.m.cpu.cycles);
    expect(a.t.acct).toEqual(b.t.acct);
  });

  it("refuses PTI on linux-3.1 and a design with entry hooks on linux-generic", () => {
    expect(() => Machine.boot({ pti: true })).toThrow(/pti needs the linux-generic/);
  });
});

describe("docs/cost-profiles.md", () => {
  it("embeds the current tables of the cascadelake-2022 profiles", async () => {
    const { readFileSync } = await import("node:fs");
    const { profileMarkdownTable } = await import("../../src/measure/profile.ts");
    const doc = readFileSync(new URL("../../docs/cost-profiles.md", import.meta.url), "utf8");
    for (const name of ["cascadelake-2022", "cascadelake-2022-pti"]) {
      const m = new RegExp(
        `<!-- profile-table:${name}:begin -->\\n([\\s\\S]*?)\\n<!-- profile-table:${name}:end -->`,
      ).exec(doc);
      expect(m?.[1]).toBe(profileMarkdownTable(getProfile(name)));
    }
  });
});
