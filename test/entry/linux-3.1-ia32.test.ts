// The ia32 `int $0x80` entry of 3.1 on its own (no design): 64-bit user code using the i386 convention.
import { describe, expect, it } from "vitest";
import { LINUX31_IA32_LABELS } from "../../src/entry/linux-3.1-ia32.ts";
import { ENOSYS } from "../../src/kernel/errno.ts";
import { NR_IA32, SYSCALL_NAMES_I386_3_1 } from "../../src/kernel/syscall-names-i386-3.1.ts";
import { TI_status, TS_COMPAT } from "../../src/kernel/thread-info.ts";
import { TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { EXIT, runProgram } from "../kernel/user-program.ts";

/** `int $0x80` with eax = nr, storing rax at res+8*i */
const int80 = (nr: number, i: number) => `movl $${nr}, %eax\nint $0x80\nmovq %rax, res+${8 * i}(%rip)`;
const prog = (body: string) =>
  `_start:\n${body}\n${EXIT(0)}\n.align 8\nres: .zero 128\nmsg: .ascii "hi ia32\\n"\n`;
const res = (ran: ReturnType<typeof runProgram>, i: number) => Number(BigInt.asIntN(64, ran.q("res", 8 * i)));

describe("ia32_sys_call_table", () => {
  it("has the 347 i386 numbers of 3.1, setns last", () => {
    expect(SYSCALL_NAMES_I386_3_1).toHaveLength(347);
    expect(NR_IA32.setns).toBe(346);
    expect([NR_IA32.exit, NR_IA32.write, NR_IA32.getpid, NR_IA32.getppid, NR_IA32.getuid32]).toEqual([
      1, 4, 20, 64, 199,
    ]);
    expect(NR_IA32.exit_group).toBe(252);
  });
});

describe("ia32_syscall (int $0x80)", () => {
  it("getpid returns the pid and the return is an IRET; the gate has DPL 3", () => {
    const ran = runProgram(prog([int80(NR_IA32.getpid, 0), int80(NR_IA32.getuid32, 1)].join("\n")));
    expect(ran.t.exitCode).toBe(0);
    expect(res(ran, 0)).toBe(ran.t.pid);
    expect(res(ran, 1)).toBe(0);
    expect(ran.t.acct.paths.iret).toBe(2);
    expect(ran.t.acct.paths.sysret).toBe(0); // exit's SYSCALL never returns
    expect(ran.m.cpu.gateDpl[0x80]).toBe(3);
    for (const l of LINUX31_IA32_LABELS) expect(ran.m.symbols.has(l), l).toBe(true);
  });

  it("an out-of-range number (347, 0xffffffff) and an unimplemented one return -ENOSYS", () => {
    const ran = runProgram(prog([int80(347, 0), int80(-1, 1), int80(NR_IA32.waitpid, 2)].join("\n")));
    expect(ran.t.exitCode).toBe(0);
    expect([res(ran, 0), res(ran, 1), res(ran, 2)]).toEqual([-ENOSYS, -ENOSYS, -ENOSYS]);
  });

  it("passes ebx ecx edx to the C arguments (write) and exit takes ebx", () => {
    const ran = runProgram(
      "_start:\nmovl $4, %eax\nmovl $1, %ebx\nleaq msg(%rip), %rcx\nmovl $8, %edx\nint $0x80\n" +
        "movq %rax, res(%rip)\nmovl $1, %eax\nmovl $7, %ebx\nint $0x80\n.align 8\nres: .zero 8\n" +
        'msg: .ascii "hi ia32\\n"\n',
    );
    expect(ran.m.stdout).toBe("hi ia32\n");
    expect(Number(ran.q("res"))).toBe(8);
    expect(ran.t.exitCode).toBe(7);
  });

  it("preserves ebx ecx edx esi edi ebp and r12-r15; r8-r11 come back zero (3.1's CLEAR_RREGS)", () => {
    const regs = [
      "rbx",
      "rcx",
      "rdx",
      "rsi",
      "rdi",
      "rbp",
      "r12",
      "r13",
      "r14",
      "r15",
      "r8",
      "r9",
      "r10",
      "r11",
    ];
    const set = regs.map(
      (r, i) => `movabsq $0x${(0x1111000000000000n * BigInt((i % 7) + 1) + BigInt(i)).toString(16)}, %${r}`,
    );
    const store = regs.map((r, i) => `movq %${r}, res+${8 * (i + 1)}(%rip)`);
    const ran = runProgram(prog([...set, int80(NR_IA32.getppid, 0), ...store].join("\n")));
    expect(ran.t.exitCode).toBe(0);
    expect(res(ran, 0)).toBe(0);
    regs.forEach((r, i) => {
      const v = ran.q("res", 8 * (i + 1));
      const want =
        r.startsWith("r") && /^r(8|9|10|11)$/.test(r)
          ? 0n
          : 0x1111000000000000n * BigInt((i % 7) + 1) + BigInt(i);
      expect(v, r).toBe(want);
    });
  });

  it("sets TS_COMPAT for the call and clears it on the way out", () => {
    let seen = -1;
    const ran = runProgram(prog(int80(NR_IA32.getpid, 0)), {}, (t, m) => {
      m.cpu.addProbe(m.sym("ia32_do_call"), () => {
        seen = m.kspace.read32(t.threadInfo + TI_status) & TS_COMPAT;
      });
    });
    expect(seen).toBe(TS_COMPAT);
    expect(ran.m.kspace.read32(ran.t.threadInfo + TI_status) & TS_COMPAT).toBe(0);
  });

  it("TIF_SYSCALL_TRACE takes ia32_tracesys (ptrace sees the number) and the call still works", () => {
    let traced = 0;
    const stops: number[] = [];
    const ran = runProgram(prog([int80(NR_IA32.getpid, 0), int80(400, 1)].join("\n")), {}, (t, m) => {
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (s) => {
        if (s.kind === "entry") stops.push(s.nr);
        return undefined;
      };
      m.cpu.addProbe(m.sym("ia32_tracesys"), () => traced++);
    });
    expect(ran.t.exitCode).toBe(0);
    expect(traced).toBe(2);
    expect(stops.slice(0, 2)).toEqual([NR_IA32.getpid, 400]);
    expect(res(ran, 0)).toBe(ran.t.pid);
    expect(res(ran, 1)).toBe(-ENOSYS);
  });
});
