// Natives: TypeScript functions bound to kernel addresses (docs/architecture.md). Reaching a native's address runs it in
// place of machine code, then returns as RET would.
import type { Cpu } from "./cpu.ts";

export type Native = (cpu: Cpu) => number | bigint | undefined;

export interface NativeEntry {
  readonly addr: number;
  readonly name: string;
  readonly fn: Native;
  /** Modelled cycles added to the "native" class cost on every call. */
  readonly cost: number;
}

/**
 * Value written into the caller-saved registers RCX, RDX, RSI, RDI, R8–R11 after a native returns, so guest code
 * that wrongly relies on them keeps failing the same way (the SysV ABI does not preserve them).
 */
export const NATIVE_POISON = 0xdeaddeaddeaddeadn;
export const NATIVE_POISON_HALF = 0xdeaddead | 0;

/** Caller-saved registers clobbered after a native (RAX holds the return value). */
export const NATIVE_CLOBBERED = [1, 2, 6, 7, 8, 9, 10, 11] as const;
