// Reading SysV argument registers inside natives without BigInt: lo/hi int32 halves from cpu.regs.

import { pairToNumber } from "../cpu/address.ts";
import type { Cpu } from "../cpu/cpu.ts";
import { R8, R9, RCX, RDI, RDX, RSI } from "../cpu/registers.ts";

/** The i-th C argument register (rdi, rsi, rdx, rcx, r8, r9). */
export const ARG_REGS = [RDI, RSI, RDX, RCX, R8, R9] as const;

/** Argument i as a number: exact for canonical addresses and values below 2^53 in magnitude (sign-extended). */
export function argNum(cpu: Cpu, i: number): number {
  const r = ARG_REGS[i]!;
  return pairToNumber(cpu.regs[2 * r]!, cpu.regs[2 * r + 1]!);
}

/** Argument i as a C int (low 32 bits, signed). */
export function argInt(cpu: Cpu, i: number): number {
  return cpu.regs[2 * ARG_REGS[i]!]! | 0;
}

/** Argument i as a C unsigned int (low 32 bits). */
export function argU32(cpu: Cpu, i: number): number {
  return cpu.regs[2 * ARG_REGS[i]!]! >>> 0;
}

/** Argument i as the full 64-bit pattern. */
export function argBig(cpu: Cpu, i: number): bigint {
  return cpu.getReg(ARG_REGS[i]!);
}
