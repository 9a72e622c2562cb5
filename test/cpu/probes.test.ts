// Probes see committed counters, and the decoded-slot links that let probed and CPL-crossing code run fast keep the
// semantics: probes fire on every pass, privilege checks still apply after SYSCALL/SYSRET.
import { describe, expect, it } from "vitest";
import { type CostTable, UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { EFER_LMA, EFER_LME, EFER_NX, EFER_SCE, MSR_EFER, MSR_LSTAR, MSR_STAR } from "../../src/cpu/msr.ts";
import { RBX, RSI } from "../../src/cpu/registers.ts";
import { KERNEL_CODE, machine, USER_CODE } from "./machine.ts";

const COSTS: CostTable = {
  ...UNIT_COSTS,
  classes: { ...UNIT_COSTS.classes, alu: 3, mov: 5, nop: 7 },
  load: 11,
  store: 13,
};

describe("probes and counters", () => {
  it("a probe after a run of plain instructions sees instret and cycles including all of them", () => {
    const m = machine({ cpl: 0, costs: COSTS });
    const syms = m.load(
      KERNEL_CODE,
      "incq %rax; incq %rax; addq %rax, %rbx; movq %rbx, %rcx; xorl %edx, %edx; probed: nop; hlt",
    );
    const seen: { instret: number; cycles: number; sys: number; user: number }[] = [];
    const cpu = m.cpu;
    cpu.addProbe(syms.get("probed")!, (c) =>
      seen.push({ instret: c.instret, cycles: c.cycles, sys: c.sysCycles, user: c.userCycles }),
    );
    // Reference: the same five instructions stepped one by one, counters read after each.
    const ref = machine({ cpl: 0, costs: COSTS });
    ref.load(
      KERNEL_CODE,
      "incq %rax; incq %rax; addq %rax, %rbx; movq %rbx, %rcx; xorl %edx, %edx; nop; hlt",
    );
    for (let i = 0; i < 5; i++) ref.cpu.step();
    expect(ref.cpu.instret).toBe(5);
    expect(ref.cpu.cycles).toBeGreaterThan(5);

    expect(cpu.run(100).kind).toBe("hlt");
    expect(seen).toEqual([{ instret: 5, cycles: ref.cpu.cycles, sys: ref.cpu.cycles, user: 0 }]);
    expect(cpu.instret).toBe(7);
  });

  it("probes in a loop fire on every pass and see the counters of each pass", () => {
    const m = machine({ cpl: 0 });
    const syms = m.load(KERNEL_CODE, "1: incq %rax; addq $2, %rbx; at: cmpq $4, %rax; jne 1b; hlt");
    const seen: number[] = [];
    m.cpu.addProbe(syms.get("at")!, (c) => seen.push(c.instret));
    expect(m.cpu.run(1000).kind).toBe("hlt");
    expect(seen).toEqual([2, 6, 10, 14]);
    expect(m.cpu.instret).toBe(17);
  });

  it("a probe reads user and system cycles split at SYSCALL/SYSRET", () => {
    const m = machine({ cpl: 3 });
    const cpu = m.cpu;
    cpu.writeMsr(MSR_EFER, BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
    cpu.writeMsr(MSR_STAR, (0x23n << 48n) | (0x10n << 32n));
    cpu.writeMsr(MSR_LSTAR, BigInt.asUintN(64, BigInt(KERNEL_CODE)));
    m.load(USER_CODE, "movl $0, %eax; 1: incq %rdi; syscall; cmpq $3, %rdi; jne 1b; ud2");
    const ksyms = m.load(KERNEL_CODE, "entry: incq %rbx; sysretq");
    const seen: { instret: number; user: number; sys: number }[] = [];
    cpu.addProbe(ksyms.get("entry")!, (c) =>
      seen.push({ instret: c.instret, user: c.userCycles, sys: c.sysCycles }),
    );
    cpu.setExceptionHandler((c, vector) => c.requestStop(`vector ${vector}`));
    expect(cpu.run(1000)).toEqual({ kind: "stop", reason: "vector 6" });
    // Pass k enters the kernel after 3 + 4(k-1) user and 2(k-1) kernel instructions.
    expect(seen).toEqual([
      { instret: 3, user: 3, sys: 0 },
      { instret: 9, user: 7, sys: 2 },
      { instret: 15, user: 11, sys: 4 },
    ]);
    expect(cpu.getReg(RBX)).toBe(3n);
  });

  it("a successor link recorded at CPL 0 is not followed at CPL 3", () => {
    // The same JMP in a user page runs first at CPL 0 (allowed: no SMEP) into kernel text, then at CPL 3 with the
    // same target, which must fault instead of reusing the decoded kernel instruction.
    const m = machine({ cpl: 0 });
    const cpu = m.cpu;
    cpu.writeMsr(MSR_EFER, BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
    cpu.writeMsr(MSR_STAR, (0x23n << 48n) | (0x10n << 32n));
    m.load(USER_CODE, "jmp *%rsi");
    m.load(KERNEL_CODE, `incq %rbx; movq $${USER_CODE}, %rcx; movq $0x202, %r11; sysretq`);
    cpu.setRip(USER_CODE);
    cpu.setReg(RSI, KERNEL_CODE);
    const faults: { vector: number; cpl: number; rip: number }[] = [];
    cpu.setExceptionHandler((c, vector, _e, rip) => {
      faults.push({ vector, cpl: c.cpl, rip });
      c.requestStop("fault");
    });
    expect(cpu.run(100)).toEqual({ kind: "stop", reason: "fault" });
    expect(faults).toEqual([{ vector: 14, cpl: 3, rip: KERNEL_CODE }]);
    expect(cpu.cr2).toBe(KERNEL_CODE);
    expect(cpu.getReg(RBX)).toBe(1n);
    expect(cpu.instret).toBe(6);
  });
});
