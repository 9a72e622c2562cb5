import { describe, expect, it } from "vitest";
import { Cpu } from "../../../src/cpu/cpu.ts";
import type { CostTable } from "../../../src/cpu/insn-class.ts";
import { AddressSpace, PhysicalMemory, PTE_U, PTE_W } from "../../../src/cpu/memory.ts";
import { RDI, RSP } from "../../../src/cpu/registers.ts";
import { priceBlockBytes } from "../../../src/cpu/timing/timing-model.ts";
import { assemble } from "../../../src/entry/assembler.ts";
import { getProfile } from "../../../src/measure/profile.ts";

const OOO = getProfile("cascadelake-2022").costs;
const FLAT = getProfile("sandybridge-2011").costs;

function bytes(text: string): Uint8Array {
  return assemble(0x400000n, text).bytes;
}
function price(text: string, costs: CostTable = OOO) {
  return priceBlockBytes(bytes(text), costs);
}

describe("out-of-order block pricing (skylake-server table)", () => {
  it("prices a dependent IMUL chain by its latency and independent IMULs by port 1", () => {
    const dep = price("imulq %rax,%rax\nimulq %rax,%rax\nimulq %rax,%rax\nimulq %rax,%rax");
    expect(dep.bounds.latency).toBe(12);
    expect(dep.cycles).toBe(12);
    const indep = price("imulq %rax,%rbx\nimulq %rcx,%rdx\nimulq %rsi,%r8\nimulq %r9,%r10");
    expect(indep.bounds.ports).toBe(4);
    expect(indep.bounds.latency).toBe(3); // each chain is one IMUL per iteration
    expect(indep.cycles).toBe(4);
  });

  it("adds the load latency on the address of a pointer chase", () => {
    expect(price("movq 8(%rdi),%rdi").cycles).toBe(5);
    expect(price("movq 8(%rdi),%rax").cycles).toBe(0.5); // two load ports, nothing carried
  });

  it("limits a block of independent single-µop instructions by the issue width", () => {
    expect(price("nop\nnop\nnop\nnop\nnop\nnop\nnop\nnop").cycles).toBe(2);
  });

  it("macro-fuses CMP/TEST/AND + Jcc by the Intel rules, and not CMP mem,imm or INC + JB", () => {
    expect(price("cmpl $60,%eax\njne 1f\n1:").bounds.fusedPairs).toBe(1);
    expect(price("andl $7,%eax\nje 1f\n1:").bounds.fusedPairs).toBe(1);
    expect(price("cmpl $60,8(%rdi)\njne 1f\n1:").bounds.fusedPairs).toBe(0);
    expect(price("incq %rax\njb 1f\n1:").bounds.fusedPairs).toBe(0);
    expect(price("cmpq %rax,%rbx\njs 1f\n1:").bounds.fusedPairs).toBe(0);
    expect(price("testl %eax,%eax\njs 1f\n1:").bounds.fusedPairs).toBe(1);
  });

  it("breaks dependencies at a zero idiom", () => {
    expect(price("addq $1,%rax\naddq $1,%rax\naddq $1,%rax\naddq $1,%rax").bounds.latency).toBe(4);
    expect(price("xorl %eax,%eax\naddq $1,%rax\naddq $1,%rax\naddq $1,%rax").bounds.latency).toBe(0);
  });

  it("charges serialising instructions their class cost on top, at their position", () => {
    const p = price("movq %rax,%rbx\nswapgs");
    expect(p.fixedAt).toEqual([false, true]);
    expect(p.costs[1]).toBe(OOO.classes.swapgs);
    expect(p.cycles).toBe(p.costs[0]! + OOO.classes.swapgs);
  });

  it("gives per-position costs that add up to the block's cycles, the fused Jcc none", () => {
    const p = price("movl 16(%rdi),%eax\ncmpl $60,%eax\njne 1f\n1:");
    expect(p.count).toBe(3);
    expect(p.costs[2]).toBe(0);
    expect(p.costs.reduce((a, b) => a + b, 0)).toBeCloseTo(p.cycles, 12);
  });

  it("ends the block at its first control transfer", () => {
    expect(price("addq %rax,%rbx\nret\naddq %rax,%rbx").count).toBe(2);
  });

  it("prices the flat model as the sum of class costs plus per-access costs", () => {
    const p = price("movq 8(%rdi),%rax\naddq %rax,16(%rdi)\nret", FLAT);
    const c = FLAT.classes;
    expect(p.costs).toEqual([c.mov + FLAT.load, c.alu + FLAT.load + FLAT.store, c.ret + FLAT.load]);
  });
});

// A user-mode machine with one code page at 0x400000 and data/stack pages.
function machine(text: string, costs: CostTable): Cpu {
  const phys = new PhysicalMemory({ maxBytes: 4 * 1024 * 1024 });
  const space = new AddressSpace(phys, 0x1000);
  space.map(0x400000, 4096, PTE_U);
  space.map(0x600000, 4096, PTE_U | PTE_W);
  space.map(0x7ff000, 4096, PTE_U | PTE_W);
  space.writeBytes(0x400000, bytes(text));
  const cpu = new Cpu({ space, costs });
  cpu.cpl = 3;
  cpu.setRip(0x400000);
  cpu.setReg(RDI, 0x600000);
  cpu.setReg(RSP, 0x800000);
  return cpu;
}

describe("the interpreter charges block positions", () => {
  const loop = (n: number) =>
    `movl $${n},%ecx\n1: movq 8(%rdi),%rax\naddq %rax,%rbx\nimulq %rbx,%rdx\ndecl %ecx\njnz 1b\nhlt`;

  it("charges the same cycles whether run at once or one instruction at a time", () => {
    const a = machine(loop(100), OOO);
    a.run(333);
    const b = machine(loop(100), OOO);
    for (let i = 0; i < 333; i++) b.step();
    expect(b.instret).toBe(333);
    expect(b.cycles).toBe(a.cycles);
    expect(b.mispredicts).toBe(a.mispredicts);
  });

  it("charges each loop iteration its block's cycles, plus the penalty of the mispredicted branches", () => {
    const body = priceBlockBytes(
      bytes("movq 8(%rdi),%rax\naddq %rax,%rbx\nimulq %rbx,%rdx\ndecl %ecx\njnz 1f\n1:"),
      OOO,
    );
    expect(body.cycles).toBe(3); // RDX carries the IMUL (3 cycles) from one iteration to the next
    const run = (n: number) => {
      const cpu = machine(loop(n), OOO);
      cpu.run(1 + 5 * n);
      return cpu;
    };
    const a = run(100);
    const b = run(200);
    // a 2-bit counter starting "strongly not taken": the first two taken JNZs and the last, not taken, mispredict
    expect(a.mispredicts).toBe(3);
    expect(b.mispredicts).toBe(3);
    expect(b.cycles - a.cycles).toBeCloseTo(100 * body.cycles, 9);
  });

  it("charges a fault mid-block only the instructions before it", () => {
    const text = "addq %rax,%rbx\naddq %rcx,%rdx\nmovq 0x100000(%rdi),%rax\naddq %rax,%rbx\nret";
    const cpu = machine(text, OOO);
    let faulted = false;
    cpu.setExceptionHandler((c) => {
      faulted = true;
      c.requestStop("fault");
    });
    cpu.run(10);
    expect(faulted).toBe(true);
    const p = priceBlockBytes(bytes(text), OOO);
    expect(cpu.instret).toBe(2);
    expect(cpu.cycles).toBe(p.costs[0]! + p.costs[1]! + OOO.classes.trap);
  });
});
