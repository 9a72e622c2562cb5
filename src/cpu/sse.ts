// SSE/SSE2 execution on the XMM register file (Cpu.xmm and its byte/word views) and MXCSR. Sub-op numbers and
// operand forms are in sse-ops.ts. SSE integer instructions change no RFLAGS bits. A memory operand is read
// completely before anything is written, and a 16-byte store checks both pages first, so a faulting
// instruction changes nothing.
import { hex } from "./address.ts";
import type { Cpu } from "./cpu.ts";
import { PFX_ADDR32, PFX_REXW } from "./decoded.ts";
import { GP, XM_VEC as XM } from "./exceptions.ts";
import { raise } from "./fault.ts";
import {
  A,
  arithD,
  arithF,
  B,
  cmpLane,
  comi,
  cvtHi,
  doubleToFloat,
  R as FR,
  floatToDouble,
  floatToInt,
  fpBegin,
  fpFlags,
  fpReported,
  intToFloat,
  RD,
  RF,
  rcpLane,
} from "./sse-float.ts";
import {
  F_RM_X_I,
  F_X_RM_I,
  FXSAVE_SIZE,
  SSE_ALIGN,
  SSE_OPS,
  SSE3_FIRST,
  SSE3_FP,
  SSE4_CRC32_8,
  SSE4_DPPD,
  SSE4_DPPS,
  SSE4_OPS,
  SSE4_PCMPESTRM,
  SSE4_PCMPISTRI,
  SSE4_ROUNDPS,
  SSE4_ROUNDSD,
  SSSE3_FIRST,
  SSSE3_LAST,
} from "./sse-ops.ts";
import { sse3Fp, sse3Move } from "./sse3.ts";
import { ptestFlags, sse41Fp, sse41Op } from "./sse41.ts";
import { crc32c, pcmpgtq, pcmpStr, strFlags } from "./sse42.ts";
import { ssse3Op } from "./ssse3.ts";
import { fswValue, setFsw, updateEs } from "./x87.ts";

/** MXCSR bits that LDMXCSR/FXRSTOR accept (MXCSR_MASK as FXSAVE reports it; DAZ supported). */
export const MXCSR_MASK = 0xffff;

const ALIGNED = Uint8Array.from(SSE_OPS, (e) => e.flags & SSE_ALIGN);

// Source operand (and a result buffer) as dwords with byte, word and signed views.
export const T = new Int32Array(4);
export const TB = new Uint8Array(T.buffer);
const TW = new Uint16Array(T.buffer);
const R = new Int32Array(4);
const RB = new Uint8Array(R.buffer);
const RW = new Uint16Array(R.buffer);

function satS8(v: number): number {
  return v > 127 ? 127 : Math.max(v, -128);
}
function satU8(v: number): number {
  return v > 255 ? 255 : Math.max(v, 0);
}
function satS16(v: number): number {
  return v > 32767 ? 32767 : Math.max(v, -32768);
}
function satU16(v: number): number {
  return v > 65535 ? 65535 : Math.max(v, 0);
}

/** Low 32 bits and high 32 bits (in mulHi) of the unsigned product of two uint32. */
let mulHi = 0;
function mulU32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const mid = aH * bL + aL * bH; // < 2^33
  const lo = ll + (mid % 65536) * 65536; // < 2^49
  mulHi = (aH * bH + Math.floor(mid / 65536) + Math.floor(lo / 4294967296)) | 0;
  return lo | 0;
}

/**
 * The source operand into T: XMM register rm, or `size` bytes (2, 4, 8 or 16) at a, zero-extended; a 16-byte
 * operand is read completely before T changes, so a fault on its second half leaves T as it was.
 */
function loadSource(cpu: Cpu, rm: number, a: number, size: number): void {
  const X = cpu.xmm;
  if (rm !== 255 /* NONE */) {
    const r = 4 * rm;
    T[0] = X[r]!;
    T[1] = X[r + 1]!;
    T[2] = X[r + 2]!;
    T[3] = X[r + 3]!;
    return;
  }
  const mmu = cpu.mmu;
  const lo = size >= 8 ? mmu.read64(a) : mmu.read(a, size);
  const hi = size >= 8 ? mmu.hi : 0;
  let lo2 = 0;
  let hi2 = 0;
  if (size === 16) {
    lo2 = mmu.read64(a + 8);
    hi2 = mmu.hi;
  }
  T[0] = lo;
  T[1] = hi;
  T[2] = lo2;
  T[3] = hi2;
}

/**
 * Executes SSE sub-op `aux` of slot s. `a` is the memory operand's linear address (ignored for register
 * operands).
 */
export function execSse(cpu: Cpu, s: number, a: number): void {
  const d = cpu.icache;
  const mmu = cpu.mmu;
  const X = cpu.xmm;
  const XB = cpu.xmmB;
  const XW = cpu.xmmW;
  const sub = d.aux[s]!;
  const rm = d.rm[s]!;
  const isMem = rm === 255; /* NONE */
  const g = d.reg[s]!;
  const x = 4 * g; // destination dword index (ModRM.reg)
  const imm = d.immLo[s]! & 0xff;
  if (isMem && ALIGNED[sub] === 1 && (a & 15) !== 0)
    raise(cpu.fault, GP, 0, `misaligned ${SSE_OPS[sub]!.name} operand at ${hex(a)}`);

  // Register-only and special forms first.
  switch (sub) {
    case 2: // MOVUPS store
    case 4: // MOVUPD store
    case 20: // MOVAPS store
    case 22: // MOVAPD store
    case 23: // MOVNTPS
    case 24: // MOVNTPD
    case 70: // MOVDQA store
    case 71: // MOVDQU store
    case 95: // MOVNTDQ
      if (isMem) {
        mmu.checkWrite(a, 16);
        mmu.write64(a, X[x]!, X[x + 1]!);
        mmu.write64(a + 8, X[x + 2]!, X[x + 3]!);
      } else {
        X.copyWithin(4 * rm, x, x + 4);
      }
      return;
    case 6: // MOVSS store
      if (isMem) mmu.write32(a, X[x]!);
      else X[4 * rm] = X[x]!;
      return;
    case 8: // MOVSD store
    case 12: // MOVLPS store
    case 13: // MOVLPD store
      if (isMem) mmu.write64(a, X[x]!, X[x + 1]!);
      else {
        X[4 * rm] = X[x]!;
        X[4 * rm + 1] = X[x + 1]!;
      }
      return;
    case 17: // MOVHPS store
    case 18: // MOVHPD store
      mmu.write64(a, X[x + 2]!, X[x + 3]!);
      return;
    case 79: // MOVQ xmm/m64 ← xmm: a register destination has its upper half cleared
      if (isMem) mmu.write64(a, X[x]!, X[x + 1]!);
      else {
        const r = 4 * rm;
        X[r] = X[x]!;
        X[r + 1] = X[x + 1]!;
        X[r + 2] = 0;
        X[r + 3] = 0;
      }
      return;
    case 25: {
      // MOVMSKPS: sign bits of the four dwords
      const r = 4 * rm;
      const v =
        (X[r]! >>> 31) | ((X[r + 1]! >>> 31) << 1) | ((X[r + 2]! >>> 31) << 2) | ((X[r + 3]! >>> 31) << 3);
      setGpr(cpu, g, v);
      return;
    }
    case 26: {
      // MOVMSKPD
      const r = 4 * rm;
      setGpr(cpu, g, (X[r + 1]! >>> 31) | ((X[r + 3]! >>> 31) << 1));
      return;
    }
    case 80: {
      // PMOVMSKB: the sign bit of each byte
      const b = 16 * rm;
      let v = 0;
      for (let i = 15; i >= 0; i--) v = (v << 1) | (XB[b + i]! >>> 7);
      setGpr(cpu, g, v);
      return;
    }
    case 49: {
      // MOVD/MOVQ xmm ← r/m32/64 (zero-extended to 128 bits)
      const size = d.size[s]!;
      const regs = cpu.regs;
      let lo: number;
      let hi = 0;
      if (isMem) {
        lo = mmu.read(a, size);
        if (size === 8) hi = mmu.hi;
      } else {
        lo = regs[2 * rm]!;
        if (size === 8) hi = regs[2 * rm + 1]!;
      }
      X[x] = lo;
      X[x + 1] = hi;
      X[x + 2] = 0;
      X[x + 3] = 0;
      return;
    }
    case 68: {
      // MOVD/MOVQ r/m32/64 ← xmm (a 32-bit register destination is zero-extended)
      const size = d.size[s]!;
      const regs = cpu.regs;
      if (isMem) mmu.write(a, size, X[x]!, X[x + 1]!);
      else {
        regs[2 * rm] = X[x]!;
        regs[2 * rm + 1] = size === 8 ? X[x + 1]! : 0;
      }
      return;
    }
    case 117: {
      // MOVNTI m32/m64 ← r32/r64
      const regs = cpu.regs;
      mmu.write(a, d.size[s]!, regs[2 * g]!, regs[2 * g + 1]!);
      return;
    }
    case 118: // FXSAVE / FXSAVE64
      fxsave(cpu, a);
      return;
    case 119: // FXRSTOR / FXRSTOR64
      fxrstor(cpu, a);
      return;
    case 120: {
      // LDMXCSR
      const v = mmu.read32(a);
      if ((v & ~MXCSR_MASK) !== 0) raise(cpu.fault, GP, 0, `LDMXCSR: reserved MXCSR bits in ${hex(v >>> 0)}`);
      cpu.mxcsr = v;
      return;
    }
    case 121: // STMXCSR
      mmu.write32(a, cpu.mxcsr);
      return;
    case 165: // CVTSI2SS xmm, r/m32/64
    case 166: {
      // CVTSI2SD
      const size = d.size[s]!;
      let lo: number;
      let hi: number;
      if (isMem) {
        lo = mmu.read(a, size);
        hi = size === 8 ? mmu.hi : lo < 0 ? -1 : 0;
      } else {
        lo = cpu.regs[2 * rm]!;
        hi = size === 8 ? cpu.regs[2 * rm + 1]! : lo < 0 ? -1 : 0;
      }
      fpBegin(cpu.mxcsr);
      const v = intToFloat(hi, size === 8 ? lo >>> 0 : lo >>> 0, sub === 165);
      commitFlags(cpu, SSE_OPS[sub]!.name);
      if (sub === 165) {
        RF[0] = v;
        X[x] = FR[0]!;
      } else {
        RD[0] = v;
        X[x] = FR[0]!;
        X[x + 1] = FR[1]!;
      }
      return;
    }
    case 167: // CVTTSS2SI r32/64, xmm/m32
    case 168: // CVTTSD2SI r32/64, xmm/m64
    case 169: // CVTSS2SI
    case 170: {
      // CVTSD2SI
      const single = sub === 167 || sub === 169;
      if (isMem) {
        B[0] = mmu.read32(a);
        B[1] = single ? 0 : mmu.read32(a + 4);
      } else {
        B[0] = X[4 * rm]!;
        B[1] = X[4 * rm + 1]!;
      }
      fpBegin(cpu.mxcsr);
      const size = d.size[s]!;
      const lo = floatToInt(0, single, size === 8, sub <= 168);
      commitFlags(cpu, SSE_OPS[sub]!.name);
      cpu.regs[2 * g] = lo;
      cpu.regs[2 * g + 1] = size === 8 ? cvtHi : 0;
      return;
    }
    case 185: {
      // PINSRW xmm, r32/m16, imm8
      const v = isMem ? mmu.read16(a) : cpu.regs[2 * rm]! & 0xffff;
      XW[2 * x + (imm & 7)] = v;
      return;
    }
    case 186: // PEXTRW r32/64, xmm, imm8 (zero-extended)
      setGpr(cpu, g, XW[8 * rm + (imm & 7)]!);
      return;
    case 191: {
      // MASKMOVDQU xmm1, xmm2: the bytes of xmm1 whose xmm2 mask byte has its top bit set, to [RDI] (EDI with 67)
      const regs = cpu.regs;
      const a32 = (d.pfx[s]! & PFX_ADDR32) !== 0;
      const lo = regs[14]! >>> 0;
      const at = a32 ? lo : regs[15]! * 4294967296 + lo;
      const m = 16 * rm;
      for (let i = 0; i < 16; i++) if (XB[m + i]! & 0x80) mmu.checkWrite(at + i, 1);
      for (let i = 0; i < 16; i++) if (XB[m + i]! & 0x80) mmu.write8(at + i, XB[4 * x + i]!);
      return;
    }
    case 122: // LFENCE
    case 123: // MFENCE
    case 124: // SFENCE
    case 125: // PREFETCHNTA
    case 126: // PREFETCHT0
    case 127: // PREFETCHT1
    case 128: // PREFETCHT2
      return;
  }

  if (sub >= 55 && sub <= 64) {
    shiftImm(XB, XW, X, 4 * rm, sub, imm);
    return;
  }

  loadSource(cpu, rm, a, SSE_OPS[sub]!.mem);
  if (simdOp(X, XB, XW, x, sub, imm, isMem)) return;
  if ((sub >= 129 && sub < 185) || (sub >= 187 && sub <= 190)) {
    execFp(cpu, sub, x, imm);
    return;
  }
  if (sub >= SSSE3_FIRST && sub <= SSSE3_LAST) {
    ssse3Op(XB, 4 * x, TB, 16, sub, imm);
    return;
  }
  if (sub >= SSE3_FIRST && sub < SSE3_FP) {
    sse3Move(X, x, sub, T);
    return;
  }
  if (sub >= SSE3_FP && sub < SSSE3_FIRST) {
    fpBegin(cpu.mxcsr);
    sse3Fp(X, x, sub, T);
    commitFlags(cpu, SSE_OPS[sub]!.name);
    for (let i = 0; i < 4; i++) X[x + i] = FR[i]!;
    return;
  }
  throw new Error(`SSE sub-op ${sub} has no implementation`);
}

const ALIGNED4 = Uint8Array.from(SSE4_OPS, (e) => e.flags & SSE_ALIGN);
const STATUS = 0x8d5; // CF PF AF ZF SF OF

/** Sets the six status flags to `bits` (the SSE4 instructions that write RFLAGS define all six). */
function setStatusFlags(cpu: Cpu, bits: number): void {
  cpu.flags = (cpu.getRflags() & ~STATUS) | bits;
}

/**
 * Executes SSE4.1/SSE4.2 sub-op `aux` of slot s (Op.SSE4; sse-ops.ts SSE4_OPS): the GPR and memory moves and CRC32
 * here, the rest in sse41.ts and sse42.ts. `a` is the memory operand's linear address (ignored for registers).
 */
export function execSse4(cpu: Cpu, s: number, a: number): void {
  const d = cpu.icache;
  const mmu = cpu.mmu;
  const X = cpu.xmm;
  const XB = cpu.xmmB;
  const regs = cpu.regs;
  const sub = d.aux[s]!;
  const rm = d.rm[s]!;
  const isMem = rm === 255; /* NONE */
  const g = d.reg[s]!;
  const x = 4 * g;
  const imm = d.immLo[s]! & 0xff;
  const e = SSE4_OPS[sub]!;
  if (isMem && ALIGNED4[sub] === 1 && (a & 15) !== 0)
    raise(cpu.fault, GP, 0, `misaligned ${e.name} operand at ${hex(a)}`);
  if (e.form === F_RM_X_I) {
    // PEXTRB/W/D/Q, EXTRACTPS: element imm of XMM reg to r/m (a GPR destination is zero-extended)
    let lo: number;
    let hi = 0;
    if (sub === 39) lo = XB[4 * x + (imm & 15)]!;
    else if (sub === 40) lo = cpu.xmmW[2 * x + (imm & 7)]!;
    else if (sub === 41 && d.size[s] === 8) {
      lo = X[x + 2 * (imm & 1)]!; // PEXTRQ
      hi = X[x + 2 * (imm & 1) + 1]!;
    } else lo = X[x + (imm & 3)]!;
    if (isMem) mmu.write(a, d.memSize[s]!, lo, hi);
    else {
      regs[2 * rm] = lo;
      regs[2 * rm + 1] = hi;
    }
    return;
  }
  if (e.form === F_X_RM_I) {
    // PINSRB, PINSRD/Q: r32/m8, r/m32 or r/m64 into element imm of XMM reg
    const size = isMem ? d.memSize[s]! : sub === 43 ? 1 : d.size[s]!;
    const lo = isMem ? mmu.read(a, size) : regs[2 * rm]!;
    const hi = size === 8 ? (isMem ? mmu.hi : regs[2 * rm + 1]!) : 0;
    if (sub === 43) XB[4 * x + (imm & 15)] = lo;
    else if (size === 8) {
      X[x + 2 * (imm & 1)] = lo;
      X[x + 2 * (imm & 1) + 1] = hi;
    } else X[x + (imm & 3)] = lo;
    return;
  }
  if (sub >= SSE4_CRC32_8) {
    // CRC32 r32/r64, r/m8/16/32/64: the 64-bit destination's upper half is cleared
    const size = d.immLo[s]!;
    let lo: number;
    let hi = 0;
    if (isMem) {
      lo = mmu.read(a, size);
      if (size === 8) hi = mmu.hi;
    } else if (size === 1 && rm >= 16)
      lo = regs[2 * (rm - 16)]! >>> 8; // AH CH DH BH
    else {
      lo = regs[2 * rm]!;
      hi = regs[2 * rm + 1]!;
    }
    regs[2 * g] = crc32c(regs[2 * g]!, lo, hi, size);
    regs[2 * g + 1] = 0;
    return;
  }
  loadSource(cpu, rm, a, e.mem);
  if ((sub >= SSE4_ROUNDPS && sub <= SSE4_ROUNDSD) || sub === SSE4_DPPS || sub === SSE4_DPPD) {
    fpBegin(cpu.mxcsr);
    sse41Fp(X, x, sub, imm, T);
    commitFlags(cpu, e.name);
    for (let i = 0; i < 4; i++) X[x + i] = FR[i]!;
    return;
  }
  if (sub === 4) {
    setStatusFlags(cpu, ptestFlags(X, x, T)); // PTEST
    return;
  }
  if (sub === 21) {
    pcmpgtq(X, x, T);
    return;
  }
  if (sub >= SSE4_PCMPESTRM && sub <= SSE4_PCMPISTRI) {
    // PCMPxSTRx: lengths in RAX/RDX (EAX/EDX without REX.W) for the E forms; index to ECX or mask to XMM0
    const explicit = sub < 51;
    const w = (d.pfx[s]! & PFX_REXW) !== 0;
    const len = (r: number) => (w ? regs[2 * r + 1]! * 4294967296 + (regs[2 * r]! >>> 0) : regs[2 * r]!);
    const res = pcmpStr(XB, 4 * x, TB, 0, explicit, explicit ? len(0) : 0, explicit ? len(2) : 0, imm);
    setStatusFlags(cpu, strFlags);
    const n = imm & 1 ? 8 : 16;
    if (sub === 50 || sub === 52) {
      // the index of the least (imm[6] = 0) or most significant set bit, or the element count if none
      regs[2] = res === 0 ? n : imm & 0x40 ? 31 - Math.clz32(res) : 31 - Math.clz32(res & -res);
      regs[3] = 0;
    } else if (imm & 0x40) {
      // the mask expanded to bytes or words
      for (let i = 0; i < n; i++) {
        const v = (res >> i) & 1 ? 0xff : 0;
        if (n === 16) XB[i] = v;
        else {
          XB[2 * i] = v;
          XB[2 * i + 1] = v;
        }
      }
    } else {
      X[0] = res;
      X[1] = 0;
      X[2] = 0;
      X[3] = 0;
    }
    return;
  }
  sse41Op(X, x, sub, imm, T, isMem);
}

/**
 * The integer and data-movement sub-ops on a register file X (dword index x of the destination) with the source
 * operand in T: one definition for the XMM forms (execSse) and the MMX forms (mmx.ts, on a scratch register).
 * Returns false for a sub-op it does not cover.
 */
export function simdOp(
  X: Int32Array,
  XB: Uint8Array,
  XW: Uint16Array,
  x: number,
  sub: number,
  imm: number,
  isMem: boolean,
): boolean {
  const xb = 4 * x; // byte offset of the destination
  const xw = 2 * x; // word offset
  switch (sub) {
    case 1: // MOVUPS
    case 3: // MOVUPD
    case 19: // MOVAPS
    case 21: // MOVAPD
    case 50: // MOVDQA
    case 51: // MOVDQU
      X.set(T, x);
      return true;
    case 5: // MOVSS: from memory the upper dwords are cleared, from a register they are kept
      X[x] = T[0]!;
      if (isMem) {
        X[x + 1] = 0;
        X[x + 2] = 0;
        X[x + 3] = 0;
      }
      return true;
    case 7: // MOVSD
      X[x] = T[0]!;
      X[x + 1] = T[1]!;
      if (isMem) {
        X[x + 2] = 0;
        X[x + 3] = 0;
      }
      return true;
    case 9: // MOVLPS
    case 11: // MOVLPD
      X[x] = T[0]!;
      X[x + 1] = T[1]!;
      return true;
    case 10: // MOVHLPS
      X[x] = T[2]!;
      X[x + 1] = T[3]!;
      return true;
    case 14: // MOVHPS
    case 16: // MOVHPD
    case 15: // MOVLHPS
      X[x + 2] = T[0]!;
      X[x + 3] = T[1]!;
      return true;
    case 69: // MOVQ xmm ← xmm/m64
      X[x] = T[0]!;
      X[x + 1] = T[1]!;
      X[x + 2] = 0;
      X[x + 3] = 0;
      return true;
    case 27: // ANDPS
    case 28: // ANDPD
    case 84: // PAND
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i]! & T[i]!;
      return true;
    case 29: // ANDNPS
    case 30: // ANDNPD
    case 88: // PANDN
      for (let i = 0; i < 4; i++) X[x + i] = ~X[x + i]! & T[i]!;
      return true;
    case 31: // ORPS
    case 32: // ORPD
    case 99: // POR
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i]! | T[i]!;
      return true;
    case 33: // XORPS
    case 34: // XORPD
    case 103: // PXOR
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i]! ^ T[i]!;
      return true;
    case 35: // PUNPCKLBW
      for (let i = 0; i < 8; i++) {
        RB[2 * i] = XB[xb + i]!;
        RB[2 * i + 1] = TB[i]!;
      }
      break;
    case 43: // PUNPCKHBW
      for (let i = 0; i < 8; i++) {
        RB[2 * i] = XB[xb + 8 + i]!;
        RB[2 * i + 1] = TB[8 + i]!;
      }
      break;
    case 36: // PUNPCKLWD
      for (let i = 0; i < 4; i++) {
        RW[2 * i] = XW[xw + i]!;
        RW[2 * i + 1] = TW[i]!;
      }
      break;
    case 44: // PUNPCKHWD
      for (let i = 0; i < 4; i++) {
        RW[2 * i] = XW[xw + 4 + i]!;
        RW[2 * i + 1] = TW[4 + i]!;
      }
      break;
    case 37: // PUNPCKLDQ
      R[0] = X[x]!;
      R[1] = T[0]!;
      R[2] = X[x + 1]!;
      R[3] = T[1]!;
      break;
    case 45: // PUNPCKHDQ
      R[0] = X[x + 2]!;
      R[1] = T[2]!;
      R[2] = X[x + 3]!;
      R[3] = T[3]!;
      break;
    case 47: // PUNPCKLQDQ
      X[x + 2] = T[0]!;
      X[x + 3] = T[1]!;
      return true;
    case 48: // PUNPCKHQDQ
      X[x] = X[x + 2]!;
      X[x + 1] = X[x + 3]!;
      X[x + 2] = T[2]!;
      X[x + 3] = T[3]!;
      return true;
    case 38: // PACKSSWB
      for (let i = 0; i < 8; i++) {
        RB[i] = satS8((XW[xw + i]! << 16) >> 16);
        RB[8 + i] = satS8((TW[i]! << 16) >> 16);
      }
      break;
    case 42: // PACKUSWB
      for (let i = 0; i < 8; i++) {
        RB[i] = satU8((XW[xw + i]! << 16) >> 16);
        RB[8 + i] = satU8((TW[i]! << 16) >> 16);
      }
      break;
    case 46: // PACKSSDW
      for (let i = 0; i < 4; i++) {
        RW[i] = satS16(X[x + i]!);
        RW[4 + i] = satS16(T[i]!);
      }
      break;
    case 39: // PCMPGTB
      for (let i = 0; i < 16; i++) XB[xb + i] = (XB[xb + i]! << 24) >> 24 > (TB[i]! << 24) >> 24 ? 0xff : 0;
      return true;
    case 40: // PCMPGTW
      for (let i = 0; i < 8; i++) XW[xw + i] = (XW[xw + i]! << 16) >> 16 > (TW[i]! << 16) >> 16 ? 0xffff : 0;
      return true;
    case 41: // PCMPGTD
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i]! > T[i]! ? -1 : 0;
      return true;
    case 65: // PCMPEQB
      for (let i = 0; i < 16; i++) XB[xb + i] = XB[xb + i] === TB[i] ? 0xff : 0;
      return true;
    case 66: // PCMPEQW
      for (let i = 0; i < 8; i++) XW[xw + i] = XW[xw + i] === TW[i] ? 0xffff : 0;
      return true;
    case 67: // PCMPEQD
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i] === T[i] ? -1 : 0;
      return true;
    case 52: // PSHUFD
      for (let i = 0; i < 4; i++) R[i] = T[(imm >> (2 * i)) & 3]!;
      break;
    case 53: // PSHUFHW
      R[0] = T[0]!;
      R[1] = T[1]!;
      for (let i = 0; i < 4; i++) RW[4 + i] = TW[4 + ((imm >> (2 * i)) & 3)]!;
      break;
    case 54: // PSHUFLW
      for (let i = 0; i < 4; i++) RW[i] = TW[(imm >> (2 * i)) & 3]!;
      R[2] = T[2]!;
      R[3] = T[3]!;
      break;
    case 72: // SHUFPS
      R[0] = X[x + (imm & 3)]!;
      R[1] = X[x + ((imm >> 2) & 3)]!;
      R[2] = T[(imm >> 4) & 3]!;
      R[3] = T[(imm >> 6) & 3]!;
      break;
    case 73: {
      // SHUFPD
      const lo = 2 * (imm & 1);
      const hi = 2 * ((imm >> 1) & 1);
      R[0] = X[x + lo]!;
      R[1] = X[x + lo + 1]!;
      R[2] = T[hi]!;
      R[3] = T[hi + 1]!;
      break;
    }
    case 74: // PSRLW
    case 75: // PSRLD
    case 76: // PSRLQ
    case 90: // PSRAW
    case 91: // PSRAD
    case 104: // PSLLW
    case 105: // PSLLD
    case 106: {
      // PSLLQ: the count is the whole low quadword of the source
      const count = T[1] !== 0 || T[0]! >>> 0 > 64 ? 64 : T[0]!;
      const kind =
        sub === 74
          ? 55
          : sub === 90
            ? 56
            : sub === 104
              ? 57
              : sub === 75
                ? 58
                : sub === 91
                  ? 59
                  : sub === 105
                    ? 60
                    : sub === 76
                      ? 61
                      : 63;
      shiftImm(XB, XW, X, x, kind, count);
      return true;
    }
    case 77: // PADDQ
    case 113: // PSUBQ
      for (let i = 0; i < 4; i += 2) {
        const aLo = X[x + i]! >>> 0;
        const bLo = T[i]! >>> 0;
        const t = sub === 77 ? aLo + bLo : aLo - bLo;
        X[x + i] = t | 0;
        X[x + i + 1] =
          sub === 77
            ? (X[x + i + 1]! + T[i + 1]! + (t >= 4294967296 ? 1 : 0)) | 0
            : (X[x + i + 1]! - T[i + 1]! - (t < 0 ? 1 : 0)) | 0;
      }
      return true;
    case 78: // PMULLW
      for (let i = 0; i < 8; i++) XW[xw + i] = Math.imul(XW[xw + i]!, TW[i]!);
      return true;
    case 93: // PMULHUW
      for (let i = 0; i < 8; i++) XW[xw + i] = (XW[xw + i]! * TW[i]!) >>> 16;
      return true;
    case 94: // PMULHW
      for (let i = 0; i < 8; i++) XW[xw + i] = (((XW[xw + i]! << 16) >> 16) * ((TW[i]! << 16) >> 16)) >> 16;
      return true;
    case 107: // PMULUDQ
      for (let i = 0; i < 4; i += 2) {
        X[x + i] = mulU32(X[x + i]! >>> 0, T[i]! >>> 0);
        X[x + i + 1] = mulHi;
      }
      return true;
    case 108: // PMADDWD
      for (let i = 0; i < 4; i++) {
        const p0 = ((XW[xw + 2 * i]! << 16) >> 16) * ((TW[2 * i]! << 16) >> 16);
        const p1 = ((XW[xw + 2 * i + 1]! << 16) >> 16) * ((TW[2 * i + 1]! << 16) >> 16);
        X[x + i] = (p0 + p1) | 0;
      }
      return true;
    case 109: // PSADBW
      for (let h = 0; h < 2; h++) {
        let sum = 0;
        for (let i = 8 * h; i < 8 * h + 8; i++) sum += Math.abs(XB[xb + i]! - TB[i]!);
        X[x + 2 * h] = sum;
        X[x + 2 * h + 1] = 0;
      }
      return true;
    case 81: // PSUBUSB
      for (let i = 0; i < 16; i++) XB[xb + i] = satU8(XB[xb + i]! - TB[i]!);
      return true;
    case 85: // PADDUSB
      for (let i = 0; i < 16; i++) XB[xb + i] = satU8(XB[xb + i]! + TB[i]!);
      return true;
    case 82: // PSUBUSW
      for (let i = 0; i < 8; i++) XW[xw + i] = satU16(XW[xw + i]! - TW[i]!);
      return true;
    case 86: // PADDUSW
      for (let i = 0; i < 8; i++) XW[xw + i] = satU16(XW[xw + i]! + TW[i]!);
      return true;
    case 96: // PSUBSB
      for (let i = 0; i < 16; i++) XB[xb + i] = satS8(((XB[xb + i]! << 24) >> 24) - ((TB[i]! << 24) >> 24));
      return true;
    case 100: // PADDSB
      for (let i = 0; i < 16; i++) XB[xb + i] = satS8(((XB[xb + i]! << 24) >> 24) + ((TB[i]! << 24) >> 24));
      return true;
    case 97: // PSUBSW
      for (let i = 0; i < 8; i++) XW[xw + i] = satS16(((XW[xw + i]! << 16) >> 16) - ((TW[i]! << 16) >> 16));
      return true;
    case 101: // PADDSW
      for (let i = 0; i < 8; i++) XW[xw + i] = satS16(((XW[xw + i]! << 16) >> 16) + ((TW[i]! << 16) >> 16));
      return true;
    case 83: // PMINUB
      for (let i = 0; i < 16; i++) if (TB[i]! < XB[xb + i]!) XB[xb + i] = TB[i]!;
      return true;
    case 87: // PMAXUB
      for (let i = 0; i < 16; i++) if (TB[i]! > XB[xb + i]!) XB[xb + i] = TB[i]!;
      return true;
    case 98: // PMINSW
      for (let i = 0; i < 8; i++) if ((TW[i]! << 16) >> 16 < (XW[xw + i]! << 16) >> 16) XW[xw + i] = TW[i]!;
      return true;
    case 102: // PMAXSW
      for (let i = 0; i < 8; i++) if ((TW[i]! << 16) >> 16 > (XW[xw + i]! << 16) >> 16) XW[xw + i] = TW[i]!;
      return true;
    case 89: // PAVGB
      for (let i = 0; i < 16; i++) XB[xb + i] = (XB[xb + i]! + TB[i]! + 1) >> 1;
      return true;
    case 92: // PAVGW
      for (let i = 0; i < 8; i++) XW[xw + i] = (XW[xw + i]! + TW[i]! + 1) >> 1;
      return true;
    case 110: // PSUBB
      for (let i = 0; i < 16; i++) XB[xb + i] = XB[xb + i]! - TB[i]!;
      return true;
    case 114: // PADDB
      for (let i = 0; i < 16; i++) XB[xb + i] = XB[xb + i]! + TB[i]!;
      return true;
    case 111: // PSUBW
      for (let i = 0; i < 8; i++) XW[xw + i] = XW[xw + i]! - TW[i]!;
      return true;
    case 115: // PADDW
      for (let i = 0; i < 8; i++) XW[xw + i] = XW[xw + i]! + TW[i]!;
      return true;
    case 112: // PSUBD
      for (let i = 0; i < 4; i++) X[x + i] = (X[x + i]! - T[i]!) | 0;
      return true;
    case 116: // PADDD
      for (let i = 0; i < 4; i++) X[x + i] = (X[x + i]! + T[i]!) | 0;
      return true;
    default:
      return false;
  }
  X.set(R, x);
  return true;
}

/** Writes a mask to a 32/64-bit GPR (zero-extended). */
function setGpr(cpu: Cpu, r: number, v: number): void {
  cpu.regs[2 * r] = v;
  cpu.regs[2 * r + 1] = 0;
}

/**
 * Shifts XMM register at dword index x by `count` (kind: the immediate-form sub-op 55–64). Counts beyond the
 * element width clear the element (logical) or fill it with the sign (arithmetic); byte shifts beyond 15 clear.
 */
export function shiftImm(
  XB: Uint8Array,
  XW: Uint16Array,
  X: Int32Array,
  x: number,
  kind: number,
  count: number,
): void {
  const xw = 2 * x;
  const xb = 4 * x;
  switch (kind) {
    case 55: // PSRLW
      for (let i = 0; i < 8; i++) XW[xw + i] = count > 15 ? 0 : XW[xw + i]! >>> count;
      return;
    case 56: // PSRAW
      for (let i = 0; i < 8; i++) XW[xw + i] = ((XW[xw + i]! << 16) >> 16) >> Math.min(count, 15);
      return;
    case 57: // PSLLW
      for (let i = 0; i < 8; i++) XW[xw + i] = count > 15 ? 0 : XW[xw + i]! << count;
      return;
    case 58: // PSRLD
      for (let i = 0; i < 4; i++) X[x + i] = count > 31 ? 0 : X[x + i]! >>> count;
      return;
    case 59: // PSRAD
      for (let i = 0; i < 4; i++) X[x + i] = X[x + i]! >> Math.min(count, 31);
      return;
    case 60: // PSLLD
      for (let i = 0; i < 4; i++) X[x + i] = count > 31 ? 0 : X[x + i]! << count;
      return;
    case 61: // PSRLQ
    case 63: // PSLLQ
      for (let i = 0; i < 4; i += 2) {
        const lo = X[x + i]!;
        const hi = X[x + i + 1]!;
        let nl: number;
        let nh: number;
        if (count > 63) {
          nl = 0;
          nh = 0;
        } else if (count === 0) {
          nl = lo;
          nh = hi;
        } else if (kind === 61) {
          nl = count < 32 ? (lo >>> count) | (hi << (32 - count)) : hi >>> (count - 32);
          nh = count < 32 ? hi >>> count : 0;
        } else {
          nh = count < 32 ? (hi << count) | (lo >>> (32 - count)) : lo << (count - 32);
          nl = count < 32 ? lo << count : 0;
        }
        X[x + i] = nl;
        X[x + i + 1] = nh;
      }
      return;
    case 62: {
      // PSRLDQ (bytes)
      const n = Math.min(count, 16);
      for (let i = 0; i < 16; i++) XB[xb + i] = i + n < 16 ? XB[xb + i + n]! : 0;
      return;
    }
    case 64: {
      // PSLLDQ (bytes)
      const n = Math.min(count, 16);
      for (let i = 15; i >= 0; i--) XB[xb + i] = i - n >= 0 ? XB[xb + i - n]! : 0;
      return;
    }
  }
}

/**
 * FXSAVE (64-bit format, SDM Vol. 2A FXSAVE Table 3-55): FCW, FSW, the abridged tag, FOP/FIP/FDP (stored as 0: the
 * last x87 instruction's address is not tracked), MXCSR and its mask, ST0–ST7 (MM0–MM7) in stack order with the
 * six reserved bytes after each as 0, XMM0–15.
 */
function fxsave(cpu: Cpu, a: number): void {
  const mmu = cpu.mmu;
  mmu.checkWrite(a, 464);
  for (let off = 0; off < 464; off += 8) {
    let lo = 0;
    let hi = 0;
    if (off === 0) lo = cpu.fcw | (fswValue(cpu) << 16);
    else if (off === 24) {
      lo = cpu.mxcsr;
      hi = MXCSR_MASK;
    } else if (off >= 32 && off < 160) {
      const r = (cpu.fpTop + ((off - 32) >> 4)) & 7;
      const sig = cpu.fpSig[r]!;
      if ((off & 8) === 0) {
        lo = Number(sig & 0xffffffffn) | 0;
        hi = Number(sig >> 32n) | 0;
      } else lo = cpu.fpSe[r]!;
    } else if (off >= 160 && off < 416) {
      const i = (off - 160) >> 2;
      lo = cpu.xmm[i]!;
      hi = cpu.xmm[i + 1]!;
    }
    mmu.write64(a + off, lo, hi);
  }
  mmu.write8(a + 4, cpu.fpTags);
}

/** FXRSTOR: the x87 state, MXCSR (reserved bits: #GP(0)) and XMM0–15. */
function fxrstor(cpu: Cpu, a: number): void {
  const mmu = cpu.mmu;
  const mx = mmu.read32(a + 24);
  if ((mx & ~MXCSR_MASK) !== 0) raise(cpu.fault, GP, 0, `FXRSTOR: reserved MXCSR bits in ${hex(mx >>> 0)}`);
  mmu.read8(a);
  mmu.read8(a + FXSAVE_SIZE - 1); // the whole area must be readable before anything changes
  const fcw = mmu.read16(a);
  const fsw = mmu.read16(a + 2);
  const tags = mmu.read8(a + 4);
  setFsw(cpu, fsw);
  cpu.fcw = fcw | 0x40;
  cpu.fpTags = tags;
  for (let k = 0; k < 8; k++) {
    const r = (cpu.fpTop + k) & 7;
    const lo = mmu.read64(a + 32 + 16 * k);
    cpu.fpSig[r] = (BigInt(mmu.hi >>> 0) << 32n) | BigInt(lo >>> 0);
    cpu.fpSe[r] = mmu.read16(a + 40 + 16 * k);
  }
  updateEs(cpu);
  for (let i = 0; i < 64; i += 2) {
    const lo = mmu.read64(a + 160 + 4 * i);
    cpu.xmm[i] = lo;
    cpu.xmm[i + 1] = mmu.hi;
  }
  cpu.mxcsr = mx;
}

/**
 * MXCSR after an instruction's exceptions: the flags are sticky; an unmasked one raises #XM (CR4.OSXMMEXCPT is
 * set) with the destination unchanged. The fault's error code carries the unmasked flags for the kernel's si_code.
 */
function commitFlags(cpu: Cpu, name: string): void {
  const f = fpReported(fpFlags, cpu.mxcsr);
  if (f === 0) return;
  cpu.mxcsr |= f;
  const unmasked = f & ~(cpu.mxcsr >>> 7) & 0x3f;
  if (unmasked !== 0) raise(cpu.fault, XM, unmasked, `${name}: unmasked SIMD floating-point exception`);
}

/** The floating-point sub-ops 129..184 and 187..190 on destination XMM dword index x and the source in T. */
function execFp(cpu: Cpu, sub: number, x: number, imm: number): void {
  const X = cpu.xmm;
  for (let i = 0; i < 4; i++) {
    A[i] = X[x + i]!;
    B[i] = T[i]!;
    FR[i] = A[i]!;
  }
  fpBegin(cpu.mxcsr);
  if (sub < 157) {
    const kind = (sub - 129) >> 2;
    switch ((sub - 129) & 3) {
      case 0:
        for (let i = 0; i < 4; i++) arithF(kind, i);
        break;
      case 1:
        arithD(kind, 0);
        arithD(kind, 1);
        break;
      case 2:
        arithF(kind, 0);
        break;
      default:
        arithD(kind, 0);
    }
  } else if (sub <= 160) {
    const p = imm & 7;
    if (sub === 157) for (let i = 0; i < 4; i++) cmpLane(p, i, true);
    else if (sub === 158) {
      cmpLane(p, 0, false);
      cmpLane(p, 1, false);
    } else cmpLane(p, 0, sub === 159);
  } else if (sub <= 164) {
    const zpc = comi(sub === 161 || sub === 163, sub >= 163);
    commitFlags(cpu, SSE_OPS[sub]!.name);
    const f = cpu.getRflags();
    cpu.flags = (f & ~0x8d5) | zpc; // ZF PF CF from the compare; OF SF AF cleared
    return;
  } else {
    switch (sub) {
      case 171: // CVTPS2PD
        floatToDouble(1, 1);
        floatToDouble(0, 0);
        break;
      case 172: // CVTPD2PS
        doubleToFloat(0, 0);
        doubleToFloat(1, 1);
        FR[2] = 0;
        FR[3] = 0;
        break;
      case 173: // CVTSS2SD
        floatToDouble(0, 0);
        break;
      case 174: // CVTSD2SS
        doubleToFloat(0, 0);
        break;
      case 175: // CVTDQ2PS
        for (let i = 0; i < 4; i++) RF[i] = intToFloat(0, B[i]!, true);
        break;
      case 176: // CVTPS2DQ
      case 177: // CVTTPS2DQ
        for (let i = 0; i < 4; i++) FR[i] = floatToInt(i, true, false, sub === 177);
        break;
      case 178: // CVTTPD2DQ
      case 180: // CVTPD2DQ
        FR[0] = floatToInt(0, false, false, sub === 178);
        FR[1] = floatToInt(1, false, false, sub === 178);
        FR[2] = 0;
        FR[3] = 0;
        break;
      case 179: // CVTDQ2PD (exact)
        RD[1] = B[1]!;
        RD[0] = B[0]!;
        break;
      case 181: // UNPCKLPS
        FR[0] = A[0]!;
        FR[1] = B[0]!;
        FR[2] = A[1]!;
        FR[3] = B[1]!;
        break;
      case 182: // UNPCKLPD
        FR[2] = B[0]!;
        FR[3] = B[1]!;
        break;
      case 183: // UNPCKHPS
        FR[0] = A[2]!;
        FR[1] = B[2]!;
        FR[2] = A[3]!;
        FR[3] = B[3]!;
        break;
      case 187: // RCPPS
      case 189: // RSQRTPS
        for (let i = 0; i < 4; i++) rcpLane(i, sub === 189);
        break;
      case 188: // RCPSS
      case 190: // RSQRTSS
        rcpLane(0, sub === 190);
        break;
      case 184: // UNPCKHPD
        FR[0] = A[2]!;
        FR[1] = A[3]!;
        FR[2] = B[2]!;
        FR[3] = B[3]!;
        break;
    }
  }
  commitFlags(cpu, SSE_OPS[sub]!.name);
  for (let i = 0; i < 4; i++) X[x + i] = FR[i]!;
}
