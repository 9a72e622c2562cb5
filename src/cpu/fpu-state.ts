// A task's FPU/SIMD register state as the kernel saves it at a context switch (Linux's struct fpu: switch_fpu_prepare
// saves it, switch_fpu_finish restores it; fork copies it, arch/x86/kernel/fpu/core.c fpu_clone): XMM0–15, MXCSR,
// and the x87/MMX state (FCW, FSW, TOP, tags, R0–R7).
import type { Cpu } from "./cpu.ts";

export interface FpuState {
  readonly xmm: Int32Array;
  mxcsr: number;
  fcw: number;
  fsw: number;
  fpTop: number;
  fpTags: number;
  readonly fpSe: Uint16Array;
  readonly fpSig: BigUint64Array;
}

/** Copies the CPU's FPU state into `into` (or a new record) and returns it. */
export function saveFpuState(cpu: Cpu, into?: FpuState): FpuState {
  const s: FpuState = into ?? {
    xmm: new Int32Array(64),
    mxcsr: 0,
    fcw: 0,
    fsw: 0,
    fpTop: 0,
    fpTags: 0,
    fpSe: new Uint16Array(8),
    fpSig: new BigUint64Array(8),
  };
  s.xmm.set(cpu.xmm);
  s.mxcsr = cpu.mxcsr;
  s.fcw = cpu.fcw;
  s.fsw = cpu.fsw;
  s.fpTop = cpu.fpTop;
  s.fpTags = cpu.fpTags;
  s.fpSe.set(cpu.fpSe);
  s.fpSig.set(cpu.fpSig);
  return s;
}

export function restoreFpuState(cpu: Cpu, s: FpuState): void {
  cpu.xmm.set(s.xmm);
  cpu.mxcsr = s.mxcsr;
  cpu.fcw = s.fcw;
  cpu.fsw = s.fsw;
  cpu.fpTop = s.fpTop;
  cpu.fpTags = s.fpTags;
  cpu.fpSe.set(s.fpSe);
  cpu.fpSig.set(s.fpSig);
}
