// Test harness: a small machine (one address space, one CPU) running AT&T snippets from src/entry/assembler.ts.
import { Cpu } from "../../src/cpu/cpu.ts";
import { type CostTable, UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { AddressSpace, PhysicalMemory, PTE_NX, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import { RSP } from "../../src/cpu/registers.ts";
import { assemble } from "../../src/entry/assembler.ts";

export const USER_CODE = 0x400000;
export const USER_DATA = 0x600000;
export const USER_STACK_TOP = 0x7ff000;
export const KERNEL_CODE = -0x7f000000; // 0xffffffff81000000
export const KERNEL_DATA = -0x7e000000; // 0xffffffff82000000
export const KERNEL_STACK_TOP = -0x7d000000 + 0x4000; // 0xffffffff83004000

export interface TestMachine {
  cpu: Cpu;
  space: AddressSpace;
  phys: PhysicalMemory;
  /** Assembles `text` at `addr` and writes it; returns the symbol table. */
  load(addr: number, text: string): Map<string, bigint>;
}

export function machine(opts: { costs?: CostTable; cpl?: 0 | 3 } = {}): TestMachine {
  const phys = new PhysicalMemory({ maxBytes: 4 * 1024 * 1024 });
  const space = new AddressSpace(phys, 0x1000);
  space.map(USER_CODE, 0x2000, PTE_U);
  space.map(USER_DATA, 0x2000, PTE_U | PTE_W | PTE_NX);
  space.map(USER_STACK_TOP - 0x2000, 0x2000, PTE_U | PTE_W | PTE_NX);
  space.map(KERNEL_CODE, 0x2000, 0);
  space.map(KERNEL_DATA, 0x2000, PTE_W | PTE_NX);
  space.map(KERNEL_STACK_TOP - 0x4000, 0x4000, PTE_W | PTE_NX);
  const cpu = new Cpu({ space, costs: opts.costs ?? UNIT_COSTS });
  const cpl = opts.cpl ?? 3;
  cpu.cpl = cpl;
  cpu.setRip(cpl === 3 ? USER_CODE : KERNEL_CODE);
  cpu.setReg(RSP, cpl === 3 ? USER_STACK_TOP : KERNEL_STACK_TOP);
  return {
    cpu,
    space,
    phys,
    load(addr: number, text: string) {
      const a = assemble(BigInt.asUintN(64, BigInt(addr)), text);
      space.writeBytes(addr, a.bytes);
      return a.symbols;
    },
  };
}

/** Loads `text` at the CPU's RIP and runs until HLT-free budget n (default: number of statements is unknown). */
export function runCode(
  text: string,
  opts: { cpl?: 0 | 3; steps?: number; setup?: (m: TestMachine) => void } = {},
) {
  const m = machine({ cpl: opts.cpl ?? 3 });
  m.load(Number(BigInt.asIntN(64, m.cpu.getRip())), text);
  opts.setup?.(m);
  const stop = m.cpu.run(opts.steps ?? 1000);
  return { ...m, stop };
}

export function bytesAt(m: TestMachine, addr: number, bytes: number[]): void {
  m.space.writeBytes(addr, Uint8Array.from(bytes));
}

export const u64 = (v: bigint | number): bigint => BigInt.asUintN(64, BigInt(v));
