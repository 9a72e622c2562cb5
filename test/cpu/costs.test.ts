import { describe, expect, it } from "vitest";
import { INSN_CLASS_INDEX, INSN_CLASSES, type InsnClass, UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { MSR_EFER, MSR_LSTAR, MSR_STAR } from "../../src/cpu/msr.ts";
import { RAX, RBX, RCX, RSI } from "../../src/cpu/registers.ts";
import { bytesAt, KERNEL_CODE, machine, USER_CODE, USER_DATA, u64 } from "./machine.ts";

const COSTS = {
  classes: Object.fromEntries(INSN_CLASSES.map((c, i) => [c, 10 + i])) as Record<InsnClass, number>,
  load: 3,
  store: 5,
};
const cost = (c: InsnClass) => COSTS.classes[c];

describe("cost accounting", () => {
  it("charges class + loads*load + stores*store per retired instruction", () => {
    const m = machine({ costs: COSTS });
    m.load(USER_CODE, "movq (%rsi), %rax\naddq %rax, (%rsi)\npushq %rax\nleaq 8(%rsi), %rbx");
    m.cpu.setReg(RSI, USER_DATA);
    m.cpu.step();
    expect(m.cpu.lastInsnCycles).toBe(cost("mov") + 3);
    expect(m.cpu.lastInsnClass).toBe(INSN_CLASS_INDEX.mov);
    m.cpu.step();
    expect(m.cpu.lastInsnCycles).toBe(cost("alu") + 3 + 5);
    m.cpu.step();
    expect(m.cpu.lastInsnCycles).toBe(cost("push") + 5);
    m.cpu.step();
    expect(m.cpu.lastInsnCycles).toBe(cost("lea"));
    expect(m.cpu.cycles).toBe(cost("mov") + 3 + cost("alu") + 8 + cost("push") + 5 + cost("lea"));
    expect(m.cpu.instret).toBe(4);
  });

  it("splits user and sys cycles by the CPL an instruction started at; a faulting instruction charges 'trap'", () => {
    const m = machine({ costs: COSTS });
    m.cpu.writeMsr(MSR_EFER, m.cpu.readMsr(MSR_EFER) | 1n);
    m.cpu.writeMsr(MSR_STAR, 0x0023001000000000n);
    m.cpu.writeMsr(MSR_LSTAR, u64(KERNEL_CODE));
    m.load(USER_CODE, "nop\nsyscall\nud2");
    m.load(KERNEL_CODE, "nop\nsysretq");
    m.cpu.setReg(RCX, USER_CODE); // unused: SYSCALL overwrites it
    m.cpu.run(4);
    expect(m.cpu.userCycles).toBe(cost("nop") + cost("syscall"));
    expect(m.cpu.sysCycles).toBe(cost("nop") + cost("sysret"));
    const stop = m.cpu.run(1); // ud2 back at CPL 3
    expect(stop).toMatchObject({ kind: "fault", vector: 6 });
    expect(m.cpu.userCycles).toBe(cost("nop") + cost("syscall") + cost("trap"));
    expect(m.cpu.cycles).toBe(m.cpu.userCycles + m.cpu.sysCycles);
    expect(m.cpu.instret).toBe(4);
  });

  it("is deterministic: the same program gives the same counters in any budget split", () => {
    const run = (slices: number[]) => {
      const m = machine({ costs: COSTS });
      m.load(
        USER_CODE,
        "1: movq (%rsi), %rax\npushq %rax\npopq %rbx\nincq %rcx\ncmpq $50, %rcx\njne 1b\nhlt",
      );
      m.cpu.setReg(RSI, USER_DATA);
      for (const n of slices) m.cpu.run(n);
      return [m.cpu.cycles, m.cpu.userCycles, m.cpu.instret, m.cpu.getReg(RCX)];
    };
    const a = run([301]);
    expect(run([1, 7, 100, 193])).toEqual(a);
    expect(a[2]).toBe(300);
  });

  it("setCosts re-prices decoded instructions", () => {
    const m = machine();
    m.load(USER_CODE, "1: nop\njmp 1b");
    m.cpu.run(2);
    expect(m.cpu.cycles).toBe(2);
    m.cpu.setCosts(COSTS);
    m.cpu.run(2);
    expect(m.cpu.cycles).toBe(2 + cost("nop") + cost("jmp"));
    expect(() => m.cpu.setCosts({ ...UNIT_COSTS, classes: { nop: 1 } as never })).toThrow(/lacks class/);
  });
});

describe("decoded-instruction cache invalidation", () => {
  it("a guest store into already-decoded code takes effect (self-modifying code)", () => {
    const m = machine();
    m.space.protect(USER_CODE, 0x1000, 4 | 2); // user, writable
    // 1: movl $1, %eax ; movb $2, 1(%rbx) (patches the imm8 of the mov) ; dec %ecx ; jnz 1b
    m.load(USER_CODE, "1: movl $1, %eax\nmovb $2, 1(%rbx)\ndecl %ecx\njnz 1b");
    m.cpu.setReg(RBX, USER_CODE);
    m.cpu.setReg(RCX, 2);
    m.cpu.run(8);
    expect(m.cpu.getReg(RAX)).toBe(2n);
  });

  it("a host write through AddressSpace invalidates decoded code", () => {
    const m = machine();
    bytesAt(m, USER_CODE, [0xb0, 0x01, 0xeb, 0xfc]); // 1: movb $1,%al; jmp 1b
    m.cpu.run(3);
    expect(m.cpu.getReg(RAX)).toBe(1n);
    bytesAt(m, USER_CODE + 1, [0x07]);
    m.cpu.run(2);
    expect(m.cpu.getReg(RAX)).toBe(7n);
  });
});
