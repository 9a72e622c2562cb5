// MMX (SDM Vol. 1 ch. 9): MM0–MM7 are the significands of the x87 registers R0–R7. Every MMX instruction but EMMS
// sets TOP to 0 and marks all registers in use; a write also sets the register's sign/exponent word to all ones
// (§9.5.1). The integer operations are the SSE2 ones (sse.ts simdOp, one definition) run on the low 64 bits of a
// scratch register: the unpack-high forms are placed at bytes 4–11 (so the XMM form's "high" elements, bytes 8–11,
// are the MMX ones), and the packs take the two halves of the 128-bit result (destination part, source part).
import type { Cpu } from "./cpu.ts";
import { shiftImm, simdOp, T, TB as TBYTES } from "./sse.ts";
import { MP_66, SSE_MAP, SSE_SHIFT_GROUP, SSSE3_FIRST, SSSE3_LAST } from "./sse-ops.ts";
import { ssse3Op } from "./ssse3.ts";

/** Sub-ops (sse-ops.ts numbering) beyond the SSE table, for the MMX-only forms. */
export const MMX_EMMS = 250;
export const MMX_PSHUFW = 54; // runs as PSHUFLW on the low 64 bits
export const MMX_MOVNTQ = 251;

/**
 * MMX_MAP[0F opcode] = the sub-op of the no-prefix (MMX) form, 0 if none. The same numbers as the 66-prefixed
 * XMM forms, except MOVD/MOVQ, whose MMX forms are listed here with their own meaning in execMmx.
 */
export const MMX_MAP = new Uint8Array(256);
for (let opc = 0x60; opc <= 0x6b; opc++) MMX_MAP[opc] = SSE_MAP[MP_66 * 256 + opc]!;
for (const opc of [0x74, 0x75, 0x76]) MMX_MAP[opc] = SSE_MAP[MP_66 * 256 + opc]!;
for (let opc = 0xd1; opc <= 0xfe; opc++) {
  // not MOVQ xmm (D6), PMOVMSKB is kept (register only), MOVNTDQ (E7) becomes MOVNTQ, MASKMOVQ (F7) is absent
  if (opc === 0xd6 || opc === 0xe6 || opc === 0xf7) continue;
  MMX_MAP[opc] = opc === 0xe7 ? MMX_MOVNTQ : SSE_MAP[MP_66 * 256 + opc]!;
}
MMX_MAP[0x6e] = 49; // MOVD/MOVQ mm, r/m
MMX_MAP[0x7e] = 68; // MOVD/MOVQ r/m, mm
MMX_MAP[0x6f] = 69; // MOVQ mm, mm/m64
MMX_MAP[0x7f] = 79; // MOVQ mm/m64, mm
MMX_MAP[0x70] = MMX_PSHUFW;
MMX_MAP[0xc4] = 185; // PINSRW
MMX_MAP[0xc5] = 186; // PEXTRW
MMX_MAP[0x77] = MMX_EMMS;

/** 0F 71–73 groups: the SSE shift sub-op by (opcode − 0x71) · 8 + ModRM.reg, without PSRLDQ/PSLLDQ. */
export function mmxShiftGroup(opc: number, reg: number): number {
  const sub = SSE_SHIFT_GROUP[(opc - 0x71) * 8 + reg]!;
  return sub === 62 || sub === 64 ? 0 : sub;
}

const S = new Int32Array(4);
const SB = new Uint8Array(S.buffer);
const SW = new Uint16Array(S.buffer);

function mmLo(cpu: Cpu, r: number): number {
  return Number(cpu.fpSig[r]! & 0xffffffffn) | 0;
}
function mmHi(cpu: Cpu, r: number): number {
  return Number(cpu.fpSig[r]! >> 32n) | 0;
}
function setMm(cpu: Cpu, r: number, lo: number, hi: number): void {
  cpu.fpSig[r] = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  cpu.fpSe[r] = 0xffff;
}

/** Executes MMX sub-op `aux` of slot s (reg/rm are MM registers, or GPRs for MOVD/PEXTRW/PINSRW/PMOVMSKB). */
export function execMmx(cpu: Cpu, s: number, a: number): void {
  const d = cpu.icache;
  const mmu = cpu.mmu;
  const sub = d.aux[s]!;
  const rm = d.rm[s]!;
  const isMem = rm === 255; /* NONE */
  const g = d.reg[s]! & 7;
  const imm = d.immLo[s]! & 0xff;
  if (sub === MMX_EMMS) {
    // all registers empty; TOP becomes 0 as well (measured on AMD Zen 3; the SDM names only the tags)
    cpu.fpTags = 0;
    cpu.fpTop = 0;
    return;
  }
  const regs = cpu.regs;
  // Stores and GPR forms first (a faulting store changes nothing, not even TOP or the tags).
  switch (sub) {
    case 79: // MOVQ mm/m64 ← mm
    case MMX_MOVNTQ:
      if (isMem) mmu.write64(a, mmLo(cpu, g), mmHi(cpu, g));
      break;
    case 68: // MOVD/MOVQ r/m32/64 ← mm
      if (isMem) mmu.write(a, d.size[s]!, mmLo(cpu, g), mmHi(cpu, g));
      break;
  }
  cpu.fpTop = 0;
  cpu.fpTags = 0xff;
  switch (sub) {
    case 79:
    case MMX_MOVNTQ:
      if (!isMem) setMm(cpu, rm & 7, mmLo(cpu, g), mmHi(cpu, g));
      return;
    case 68:
      if (!isMem) {
        regs[2 * rm] = mmLo(cpu, g);
        regs[2 * rm + 1] = d.size[s] === 8 ? mmHi(cpu, g) : 0;
      }
      return;
    case 49: {
      // MOVD/MOVQ mm ← r/m32/64 (zero-extended)
      const size = d.size[s]!;
      let lo: number;
      let hi = 0;
      if (isMem) {
        lo = mmu.read(a, size);
        if (size === 8) hi = mmu.hi;
      } else {
        lo = regs[2 * rm]!;
        if (size === 8) hi = regs[2 * rm + 1]!;
      }
      setMm(cpu, g, lo, hi);
      return;
    }
    case 80: {
      // PMOVMSKB r32, mm
      const v = mmLo(cpu, rm & 7);
      const w = mmHi(cpu, rm & 7);
      let mask = 0;
      for (let i = 0; i < 4; i++) mask |= ((v >>> (8 * i + 7)) & 1) << i;
      for (let i = 0; i < 4; i++) mask |= ((w >>> (8 * i + 7)) & 1) << (4 + i);
      regs[2 * d.reg[s]!] = mask;
      regs[2 * d.reg[s]! + 1] = 0;
      return;
    }
    case 186: {
      // PEXTRW r32, mm, imm8
      const r = rm & 7;
      const k = imm & 3;
      const dw = k < 2 ? mmLo(cpu, r) : mmHi(cpu, r);
      regs[2 * d.reg[s]!] = (dw >>> (16 * (k & 1))) & 0xffff;
      regs[2 * d.reg[s]! + 1] = 0;
      return;
    }
    case 185: {
      // PINSRW mm, r32/m16, imm8
      const v = isMem ? mmu.read16(a) : regs[2 * rm]! & 0xffff;
      S[0] = mmLo(cpu, g);
      S[1] = mmHi(cpu, g);
      SW[imm & 3] = v;
      setMm(cpu, g, S[0]!, S[1]!);
      return;
    }
  }
  if (sub >= 55 && sub <= 64) {
    // shift by immediate of the register in ModRM.rm
    const r = rm & 7;
    S[0] = mmLo(cpu, r);
    S[1] = mmHi(cpu, r);
    shiftImm(SB, SW, S, 0, sub, imm);
    setMm(cpu, r, S[0]!, S[1]!);
    return;
  }
  // source operand → T (low half), destination → S
  let lo: number;
  let hi: number;
  if (isMem && d.memSize[s] === 4) {
    lo = mmu.read32(a); // PUNPCKLBW/WD/DQ mm, m32
    hi = 0;
  } else if (isMem) {
    lo = mmu.read64(a);
    hi = mmu.hi;
  } else {
    lo = mmLo(cpu, rm & 7);
    hi = mmHi(cpu, rm & 7);
  }
  if (sub === 69) {
    // MOVQ mm ← mm/m64
    setMm(cpu, g, lo, hi);
    return;
  }
  const high = sub === 43 || sub === 44 || sub === 45; // PUNPCKHBW/WD/DQ
  const at = high ? 1 : 0; // the MMX high dword at dword 2, where the unpack-high forms start
  S.fill(0);
  T.fill(0);
  T[at] = lo;
  T[at + 1] = hi;
  S[at] = mmLo(cpu, g);
  S[at + 1] = mmHi(cpu, g);
  if (sub >= SSSE3_FIRST && sub <= SSSE3_LAST) {
    // SSSE3 on 8 bytes: the same definition as the XMM form
    const TB8 = TBYTES;
    ssse3Op(SB, 0, TB8, 8, sub, imm);
    setMm(cpu, g, S[0]!, S[1]!);
    return;
  }
  if (!simdOp(S, SB, SW, 0, sub, imm, isMem)) throw new Error(`MMX sub-op ${sub} has no implementation`);
  if (sub === 38 || sub === 42 || sub === 46)
    setMm(cpu, g, S[0]!, S[2]!); // PACKSSWB, PACKUSWB, PACKSSDW
  else setMm(cpu, g, S[0]!, S[1]!);
}
