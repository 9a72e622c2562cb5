// SYSCALL, SYSRET, SWAPGS, IRETQ, POPF, RDMSR/WRMSR, MOV CR and CPUID, as the SDM states them (Vol. 2B instruction
// pages; docs/sources.md#sdm). Each checks everything before changing any state.
import { isCanonical } from "./address.ts";
import type { Cpu } from "./cpu.ts";
import { cpuid, withBaselineClaims } from "./cpuid.ts";
import { GP, SS_VEC, UD } from "./exceptions.ts";
import { raise } from "./fault.ts";
import { EFER_SCE } from "./msr.ts";
import { readMsrValue, writeMsrValue } from "./msr-access.ts";
import { CS, R11, RAX, RBX, RCX, RDX, RSP, SS } from "./registers.ts";
import {
  AC,
  AF,
  CF,
  DF,
  ID,
  IF,
  IOPL,
  NT,
  OF,
  PF,
  RF,
  SF,
  SYSRET_RFLAGS_MASK,
  TF,
  VIF,
  VIP,
  ZF,
} from "./rflags.ts";

const TWO32 = 4294967296;

function setPair(regs: Int32Array, r: number, v: number): void {
  regs[2 * r] = v | 0;
  regs[2 * r + 1] = Math.floor(v / TWO32) | 0;
}

/** SYSCALL (SDM Vol. 2B): RCX ← next RIP, R11 ← RFLAGS (RF cleared), RFLAGS &= ~FMASK, CS/SS from STAR[47:32], CPL 0. */
export function syscall(cpu: Cpu, next: number): void {
  if ((cpu.efer & EFER_SCE) === 0) raise(cpu.fault, UD, 0, "SYSCALL with EFER.SCE clear");
  const regs = cpu.regs;
  const fl = cpu.getRflags() & ~RF;
  setPair(regs, RCX, next);
  regs[2 * R11] = fl;
  regs[2 * R11 + 1] = 0;
  cpu.setRflags(fl & ~cpu.fmask);
  const sel = cpu.starHi & 0xffff; // STAR[47:32]
  cpu.rip = cpu.lstar;
  cpu.cpl = 0;
  cpu.sreg[CS] = sel & 0xfffc;
  cpu.sreg[SS] = (sel + 8) & 0xffff;
}

/**
 * SYSRET (SDM Vol. 2B). 64-bit operand size (REX.W, "sysretq") returns to 64-bit mode at RIP = RCX; otherwise to
 * compatibility mode at RIP = ECX.
 *
 * A non-canonical RCX raises #GP(0) the Intel way: at CPL 0, before any state changes (SDM Vol. 2B SYSRET,
 * "#GP(0) If ... RCX contains a non-canonical address"). By then the kernel has already reloaded the user RSP and
 * swapped GS back, so the #GP frame would be pushed on a user-controlled stack (CVE-2006-0744, CVE-2012-0217; AMD
 * completes the return and faults at CPL 3 instead). This is why Linux 3.1 returns through IRET wherever user space
 * could have changed the saved RIP (ptrace, signals, execve, sigreturn).
 */
export function sysret(cpu: Cpu, size: number): void {
  if ((cpu.efer & EFER_SCE) === 0) raise(cpu.fault, UD, 0, "SYSRET with EFER.SCE clear");
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, "SYSRET at CPL 3");
  const regs = cpu.regs;
  const rcx = regs[2 * RCX + 1]! * TWO32 + (regs[2 * RCX]! >>> 0);
  if (size === 8 && !isCanonical(rcx)) raise(cpu.fault, GP, 0, "SYSRET to a non-canonical RCX");
  const base = cpu.starHi >>> 16; // STAR[63:48]
  cpu.setRflags((regs[2 * R11]! & SYSRET_RFLAGS_MASK) | 2);
  if (size === 8) {
    cpu.rip = rcx;
    cpu.cpl = 3;
    cpu.sreg[CS] = ((base + 16) | 3) & 0xffff;
  } else {
    cpu.rip = regs[2 * RCX]! >>> 0;
    cpu.cpl = 3;
    cpu.sreg[CS] = (base | 3) & 0xffff;
    cpu.compatMode = true;
  }
  cpu.sreg[SS] = ((base + 8) | 3) & 0xffff;
}

/** SWAPGS: exchanges GS.base with IA32_KERNEL_GS_BASE; #GP(0) unless CPL 0. */
export function swapgs(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, "SWAPGS at CPL 3");
  const t = cpu.gsBase;
  cpu.gsBase = cpu.kernelGsBase;
  cpu.kernelGsBase = t;
}

const IRET_ALWAYS = CF | PF | AF | ZF | SF | TF | DF | OF | NT | RF | AC | ID;

/**
 * IRETQ in 64-bit mode (SDM Vol. 2A IRET, IA-32e mode): pops RIP, CS, RFLAGS, RSP, SS (always all five). The new CPL
 * is CS.RPL; returning to a more privileged level is #GP(selector). IOPL, VIF and VIP change only at CPL 0, IF only
 * when CPL ≤ IOPL; VM stays 0. A code selector in cpu.compatCodeSelectors enters compatibility mode.
 */
export function iretq(cpu: Cpu): void {
  const regs = cpu.regs;
  const mmu = cpu.mmu;
  const f = cpu.fault;
  const sp = regs[2 * RSP + 1]! * TWO32 + (regs[2 * RSP]! >>> 0);
  if (!isCanonical(sp) || !isCanonical(sp + 40)) raise(f, SS_VEC, 0, "IRETQ with a non-canonical RSP");
  const ripLo = mmu.read64(sp);
  const ripHi = mmu.hi;
  const cs = mmu.read64(sp + 8) & 0xffff;
  const newFlags = mmu.read64(sp + 16);
  const rspLo = mmu.read64(sp + 24);
  const rspHi = mmu.hi;
  const ss = mmu.read64(sp + 32) & 0xffff;
  const cpl = cpu.cpl;
  const newCpl = cs & 3;
  if ((cs & 0xfffc) === 0) raise(f, GP, 0, "IRETQ to a null code selector");
  if (newCpl < cpl) raise(f, GP, cs & 0xfffc, "IRETQ to a more privileged level");
  if (newCpl !== 0 && newCpl !== 3)
    raise(f, GP, cs & 0xfffc, `IRETQ to CPL ${newCpl} (only 0 and 3 are modelled)`);
  const compat = cpu.compatCodeSelectors.has(cs);
  const newRip = ripHi * TWO32 + (ripLo >>> 0);
  if (!compat && !isCanonical(newRip)) raise(f, GP, 0, "IRETQ to a non-canonical RIP");
  if (compat && ripHi !== 0) raise(f, GP, 0, "IRETQ to compatibility mode beyond 4 GiB");
  if (newCpl === 3 && (ss & 3) !== 3) raise(f, GP, ss & 0xfffc, "IRETQ to CPL 3 with SS.RPL != 3");
  const old = cpu.getRflags();
  const iopl = (old & IOPL) >>> 12;
  let mask = IRET_ALWAYS;
  if (cpl === 0) mask |= IOPL | VIF | VIP | IF;
  else if (cpl <= iopl) mask |= IF;
  cpu.setRflags((old & ~mask) | (newFlags & mask));
  cpu.rip = newRip;
  regs[2 * RSP] = rspLo;
  regs[2 * RSP + 1] = rspHi;
  cpu.cpl = newCpl;
  cpu.sreg[CS] = cs;
  cpu.sreg[SS] = ss;
  cpu.compatMode = compat;
}

const POPF_ALWAYS = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;

/** POPF/POPFQ: IOPL changes only at CPL 0, IF only when CPL ≤ IOPL; RF is cleared, VM/VIF/VIP unchanged. */
export function popf(cpu: Cpu, value: number, size: number): void {
  const old = cpu.getRflags();
  const cpl = cpu.cpl;
  let mask = POPF_ALWAYS;
  if (cpl === 0) mask |= IOPL | IF;
  else if (cpl <= (old & IOPL) >>> 12) mask |= IF;
  if (size === 2) mask &= 0xffff;
  cpu.setRflags(((old & ~mask) | (value & mask)) & ~RF);
}

/** CLI/STI: #GP(0) when CPL > IOPL (no virtual-interrupt extensions). */
export function setIF(cpu: Cpu, on: boolean): void {
  // IF and IOPL are never lazy: cpu.flags holds them exactly, and the lazy status flags stay as they are.
  const fl = cpu.flags;
  if (cpu.cpl > (fl & IOPL) >>> 12) raise(cpu.fault, GP, 0, `${on ? "STI" : "CLI"} at CPL 3 with IOPL < 3`);
  cpu.flags = on ? fl | IF : fl & ~IF;
}

export function rdmsr(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, "RDMSR at CPL 3");
  const regs = cpu.regs;
  const msr = regs[2 * RCX]! >>> 0;
  const v = readMsrValue(cpu, msr);
  if (v === null) raise(cpu.fault, GP, 0, `RDMSR of unknown MSR 0x${msr.toString(16)}`);
  regs[2 * RAX] = Number(v & 0xffffffffn) | 0;
  regs[2 * RAX + 1] = 0;
  regs[2 * RDX] = Number(v >> 32n) | 0;
  regs[2 * RDX + 1] = 0;
}

export function wrmsr(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, "WRMSR at CPL 3");
  const regs = cpu.regs;
  const msr = regs[2 * RCX]! >>> 0;
  const v = (BigInt(regs[2 * RDX]! >>> 0) << 32n) | BigInt(regs[2 * RAX]! >>> 0);
  const err = writeMsrValue(cpu, msr, v);
  if (err !== null) raise(cpu.fault, GP, 0, `WRMSR 0x${msr.toString(16)}: ${err}`);
}

// Fixed control-register values reported by MOV from CR0/CR4: PG|AM|WP|NE|ET|MP|PE and PAE|PGE|OSFXSR|OSXMMEXCPT.
export const CR0_VALUE = 0x80050033 | 0;
export const CR4_VALUE = 0x6a0;

export function movFromCr(cpu: Cpu, cr: number, r: number): void {
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, `MOV from CR${cr} at CPL 3`);
  const regs = cpu.regs;
  switch (cr) {
    case 0:
      regs[2 * r] = CR0_VALUE;
      regs[2 * r + 1] = 0;
      return;
    case 2:
      setPair(regs, r, cpu.cr2);
      return;
    case 3:
      setPair(regs, r, cpu.cr3);
      return;
    case 4:
      regs[2 * r] = CR4_VALUE;
      regs[2 * r + 1] = 0;
      return;
    default:
      regs[2 * r] = cpu.cr8;
      regs[2 * r + 1] = 0;
  }
}

export function movToCr(cpu: Cpu, cr: number, r: number): void {
  if (cpu.cpl !== 0) raise(cpu.fault, GP, 0, `MOV to CR${cr} at CPL 3`);
  const regs = cpu.regs;
  const lo = regs[2 * r]!;
  const hi = regs[2 * r + 1]!;
  const v = hi * TWO32 + (lo >>> 0);
  switch (cr) {
    case 2:
      cpu.cr2 = v;
      return;
    case 3: {
      if (hi >>> 20 !== 0) raise(cpu.fault, GP, 0, "MOV to CR3 with reserved bits 63:52 set");
      const space = cpu.spaceFor(v);
      if (space === undefined) raise(cpu.fault, GP, 0, `MOV to CR3: no address space is registered for ${v}`);
      cpu.switchSpace(space);
      return;
    }
    case 8:
      if ((lo & ~15) !== 0 || hi !== 0) raise(cpu.fault, GP, 0, "MOV to CR8 with reserved bits set");
      cpu.cr8 = lo;
      return;
    default: {
      const cur = cr === 0 ? CR0_VALUE : CR4_VALUE;
      if (lo !== cur || hi !== 0) raise(cpu.fault, GP, 0, `MOV to CR${cr}: changing CR${cr} is not modelled`);
    }
  }
}

export function doCpuid(cpu: Cpu): void {
  const regs = cpu.regs;
  const out = cpu.scratch;
  cpuid(regs[2 * RAX]!, regs[2 * RCX]!, cpu.id, out);
  if (cpu.cpuidBaselineClaims) withBaselineClaims(regs[2 * RAX]!, out);
  regs[2 * RAX] = out[0]!;
  regs[2 * RBX] = out[1]!;
  regs[2 * RCX] = out[2]!;
  regs[2 * RDX] = out[3]!;
  regs[2 * RAX + 1] = 0;
  regs[2 * RBX + 1] = 0;
  regs[2 * RCX + 1] = 0;
  regs[2 * RDX + 1] = 0;
}
