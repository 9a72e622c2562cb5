// RDMSR/WRMSR semantics of the modelled MSRs (SDM Vol. 4; docs/sources.md#sdm). Values are 64-bit bigints:
// only these rare instructions pay for BigInt.
import { linearToBigInt } from "./address.ts";
import type { Cpu } from "./cpu.ts";
import {
  EFER_LMA,
  EFER_LME,
  EFER_NX,
  EFER_SCE,
  MSR_CSTAR,
  MSR_EFER,
  MSR_FS_BASE,
  MSR_GS_BASE,
  MSR_IA32_SYSENTER_CS,
  MSR_IA32_SYSENTER_EIP,
  MSR_IA32_SYSENTER_ESP,
  MSR_KERNEL_GS_BASE,
  MSR_LSTAR,
  MSR_STAR,
  MSR_SYSCALL_MASK,
  MSR_TSC_AUX,
} from "./msr.ts";

const EFER_VALID = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
const STORED_ONLY = new Set([
  MSR_TSC_AUX,
  MSR_IA32_SYSENTER_CS,
  MSR_IA32_SYSENTER_ESP,
  MSR_IA32_SYSENTER_EIP,
]);

/** Value of an MSR, or null when the MSR is not modelled. */
export function readMsrValue(cpu: Cpu, msr: number): bigint | null {
  switch (msr >>> 0) {
    case MSR_EFER:
      return BigInt(cpu.efer >>> 0);
    case MSR_STAR:
      return cpu.star;
    case MSR_LSTAR:
      return linearToBigInt(cpu.lstar);
    case MSR_CSTAR:
      return linearToBigInt(cpu.cstar);
    case MSR_SYSCALL_MASK:
      return BigInt(cpu.fmask >>> 0);
    case MSR_FS_BASE:
      return linearToBigInt(cpu.fsBase);
    case MSR_GS_BASE:
      return linearToBigInt(cpu.gsBase);
    case MSR_KERNEL_GS_BASE:
      return linearToBigInt(cpu.kernelGsBase);
  }
  if (STORED_ONLY.has(msr >>> 0)) return cpu.otherMsrs.get(msr >>> 0) ?? 0n;
  return null;
}

function canonical(v: bigint): number | null {
  const s = BigInt.asIntN(64, v);
  return s >= -(1n << 47n) && s < 1n << 47n ? Number(s) : null;
}

/**
 * Writes an MSR. Returns null on success, or why WRMSR raises #GP(0): unknown MSR, reserved EFER bits (or clearing
 * LME: the CPU stays in IA-32e mode), reserved FMASK bits 63:32, a non-canonical address MSR.
 */
export function writeMsrValue(cpu: Cpu, msr: number, v: bigint): string | null {
  switch (msr >>> 0) {
    case MSR_EFER: {
      if (v >> 32n !== 0n || (Number(v) & ~EFER_VALID) !== 0) return "reserved EFER bits set";
      if ((Number(v) & EFER_LME) === 0) return "clearing EFER.LME is not supported (paging stays on)";
      cpu.efer = (Number(v) & EFER_VALID) | EFER_LMA; // LMA is read-only: it reflects IA-32e mode
      return null;
    }
    case MSR_STAR:
      cpu.star = v;
      return null;
    case MSR_SYSCALL_MASK:
      if (v >> 32n !== 0n) return "reserved FMASK bits 63:32 set";
      cpu.fmask = Number(v);
      return null;
    case MSR_LSTAR:
    case MSR_CSTAR:
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE: {
      const a = canonical(v);
      if (a === null) return `non-canonical value 0x${v.toString(16)}`;
      if (msr === MSR_LSTAR) cpu.lstar = a;
      else if (msr === MSR_CSTAR) cpu.cstar = a;
      else if (msr === MSR_FS_BASE) cpu.fsBase = a;
      else if (msr === MSR_GS_BASE) cpu.gsBase = a;
      else cpu.kernelGsBase = a;
      return null;
    }
  }
  if (STORED_ONLY.has(msr >>> 0)) {
    if ((msr === MSR_IA32_SYSENTER_ESP || msr === MSR_IA32_SYSENTER_EIP) && canonical(v) === null) {
      return `non-canonical value 0x${v.toString(16)}`;
    }
    cpu.otherMsrs.set(msr >>> 0, v);
    return null;
  }
  return "unknown MSR";
}
