// The FPU/SSE state in a signal frame (arch/x86/kernel/fpu/signal.c): copy_fpstate_to_sigframe writes the task's
// FXSAVE image (SDM Vol. 2A, FXSAVE, Table 3-55, 64-bit format) on the user stack below the red zone, 64-byte
// aligned, and uc_mcontext.fpstate points at it; the handler then starts from the init state
// (fpu__clear_user_states); rt_sigreturn loads the image back (fpu__restore_sig), or the init state when fpstate is
// NULL. The emulated CPU has FXSR but no XSAVE, so the image is the plain 512 bytes: Linux writes its
// fx_sw_reserved bytes (464-511), which hold the _fpx_sw_bytes magic only when the CPU has XSAVE, as zeros here.
import type { Cpu } from "../cpu/cpu.ts";
import { type FpuState, restoreFpuState, saveFpuState } from "../cpu/fpu-state.ts";
import type { AddressSpace } from "../cpu/memory.ts";
import { MXCSR_MASK } from "../cpu/sse.ts";
import { updateEs } from "../cpu/x87.ts";
import { copyFromUser, copyToUser } from "./uaccess.ts";

/** sizeof(struct fxregs_state): the frame's FPU area on a CPU without XSAVE (fpu_user_cfg.default_size) */
export const FXSAVE_FRAME_SIZE = 512;
/** MXCSR after FNINIT/init_fpstate: every exception masked, round to nearest */
const MXCSR_DEFAULT = 0x1f80;

/** The FXSAVE image of `s` (FOP, FIP and FDP as 0: the CPU does not track the last x87 instruction). */
export function fxsaveImage(s: FpuState): Uint8Array {
  const b = new Uint8Array(FXSAVE_FRAME_SIZE);
  const v = new DataView(b.buffer);
  v.setUint16(0, s.fcw, true);
  v.setUint16(2, (s.fsw & ~0x3800) | (s.fpTop << 11), true);
  b[4] = s.fpTags; // the abridged tag: one valid bit per physical register
  v.setUint32(24, s.mxcsr, true);
  v.setUint32(28, MXCSR_MASK, true);
  for (let k = 0; k < 8; k++) {
    const r = (s.fpTop + k) & 7; // ST(k)
    v.setBigUint64(32 + 16 * k, s.fpSig[r]!, true);
    v.setUint16(40 + 16 * k, s.fpSe[r]!, true);
  }
  for (let i = 0; i < 64; i++) v.setInt32(160 + 4 * i, s.xmm[i]!, true);
  return b;
}

/** The state an FXSAVE image holds, or null when its MXCSR has reserved bits set (FXRSTOR would #GP). */
export function fromFxsaveImage(b: Uint8Array): FpuState | null {
  const v = new DataView(b.buffer, b.byteOffset, FXSAVE_FRAME_SIZE);
  const mxcsr = v.getUint32(24, true);
  if ((mxcsr & ~MXCSR_MASK) !== 0) return null;
  const fsw = v.getUint16(2, true);
  const s: FpuState = {
    xmm: new Int32Array(64),
    mxcsr,
    fcw: v.getUint16(0, true) | 0x40,
    fsw: fsw & ~0x3800,
    fpTop: (fsw >> 11) & 7,
    fpTags: b[4]!,
    fpSe: new Uint16Array(8),
    fpSig: new BigUint64Array(8),
  };
  for (let k = 0; k < 8; k++) {
    const r = (s.fpTop + k) & 7;
    s.fpSig[r] = v.getBigUint64(32 + 16 * k, true);
    s.fpSe[r] = v.getUint16(40 + 16 * k, true);
  }
  for (let i = 0; i < 64; i++) s.xmm[i] = v.getInt32(160 + 4 * i, true);
  return s;
}

/** fpu__clear_user_states: the init state (FCW 037FH, empty stack, MXCSR 1F80H, XMM registers zero). */
export function clearUserFpu(cpu: Cpu): void {
  restoreFpuState(cpu, {
    xmm: new Int32Array(64),
    mxcsr: MXCSR_DEFAULT,
    fcw: 0x037f,
    fsw: 0,
    fpTop: 0,
    fpTags: 0,
    fpSe: new Uint16Array(8),
    fpSig: new BigUint64Array(8),
  });
}

/**
 * copy_fpstate_to_sigframe at `addr` (64-byte aligned, below the red zone), then the init state for the handler.
 * False when the stack cannot take the image (the caller forces SIGSEGV).
 */
export function saveFpuToSigframe(cpu: Cpu, space: AddressSpace, addr: number): boolean {
  if (!copyToUser(space, addr, fxsaveImage(saveFpuState(cpu)))) return false;
  clearUserFpu(cpu);
  return true;
}

/** fpu__restore_sig: the image at `addr` (0: the init state); false on a fault or reserved MXCSR bits (badframe). */
export function restoreFpuFromSigframe(cpu: Cpu, space: AddressSpace, addr: number): boolean {
  if (addr === 0) {
    clearUserFpu(cpu);
    return true;
  }
  const b = copyFromUser(space, addr, FXSAVE_FRAME_SIZE);
  const s = b === null ? null : fromFxsaveImage(b);
  if (s === null) {
    clearUserFpu(cpu);
    return false;
  }
  restoreFpuState(cpu, s);
  updateEs(cpu);
  return true;
}
