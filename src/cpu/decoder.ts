// 64-bit mode instruction decoder: legacy prefixes, REX, ModRM/SIB, displacement and immediate (SDM Vol. 2A ch. 2).

import { BMI_MULX, BMI_PDEP, BMI_PEXT, BMI_RORX, BMI_SARX, BMI_SHLX, BMI_SHRX, vexBmiOp } from "./bmi.ts";
import {
  type DecodedInsns,
  HIGH_BYTE,
  NONE,
  Op,
  PFX_ADDR32,
  PFX_LOCK,
  PFX_OPSIZE,
  PFX_REP,
  PFX_REPNE,
  PFX_REX,
  PFX_REXW,
  PFX_STACK,
  RIP_BASE,
} from "./decoded.ts";
import { INSN_CLASS_INDEX as C } from "./insn-class.ts";
import { MMX_EMMS, MMX_MAP, MMX_MOVNTQ, mmxShiftGroup } from "./mmx.ts";
import { DS, ES, FS, GS, CS as SEG_CS, SS } from "./registers.ts";
import {
  F_M,
  F_M_R,
  F_NONE,
  F_R_X,
  F_R_X_I,
  F_R_XM,
  F_RM_X,
  F_RM_X_I,
  F_X_I,
  F_X_RM,
  F_X_RM_I,
  F_X_XM_I,
  F_XM_X,
  SSE_FP_ARITH,
  SSE_FP_END,
  SSE_MAP,
  SSE_MAP_0F38,
  SSE_MASKMOVDQU,
  SSE_MEM_ONLY,
  SSE_OPS,
  SSE_PALIGNR,
  SSE_RCP,
  SSE_REG_ONLY,
  SSE_SHIFT_GROUP,
  SSE3_FIRST,
  SSE3_FP,
  SSE4_CRC32_8,
  SSE4_DPPD,
  SSE4_DPPS,
  SSE4_MAP_0F3A,
  SSE4_MAP_0F38,
  SSE4_OPS,
  SSE4_PCMPESTRM,
  SSE4_PCMPISTRI,
  SSE4_PEXTRD,
  SSE4_PINSRD,
  SSE4_ROUNDPS,
  SSE4_ROUNDSD,
  SSSE3_FIRST,
} from "./sse-ops.ts";
import { x87Class, x87MemSize, x87RegValid } from "./x87.ts";

export type { OracleInsn, OracleOperand } from "./decode-view.ts";
export { decodeForOracle } from "./decode-view.ts";

/** Thrown when the instruction needs more bytes than are available (the next page is not fetchable). */
export const TRUNCATED = { truncated: true } as const;

export const MAX_INSN_LENGTH = 15;
/** aux flag of Op.MOVSX decoded from opcode 63 (MOVSXD); the low bits are the source size. */
export const MOVSXD_FLAG = 16;

// Decoder cursor state (module-level: decoding never re-enters).
let buf: Uint8Array = new Uint8Array(0);
let avail = 0;
let p = 0;
let rex = 0;

function byte(): number {
  if (p >= avail || p >= MAX_INSN_LENGTH) throw TRUNCATED;
  return buf[p++]!;
}
function imm8s(): number {
  return (byte() << 24) >> 24;
}
function imm16s(): number {
  const lo = byte();
  return (((byte() << 8) | lo) << 16) >> 16;
}
function imm32(): number {
  const b0 = byte();
  const b1 = byte();
  const b2 = byte();
  return b0 | (b1 << 8) | (b2 << 16) | (byte() << 24);
}

/**
 * Decodes one instruction from buf[0..avail) into slot s. Invalid or unsupported encodings decode as Op.INVALID
 * (len = bytes examined). Throws TRUNCATED when the bytes run out before the instruction is complete.
 */
export function decodeInsn(bytes: Uint8Array, n: number, d: DecodedInsns, s: number): void {
  buf = bytes;
  avail = n;
  p = 0;
  rex = 0;
  let pfx = 0;
  let segOverride = NONE;
  let segPrio = 0;
  let b: number;
  for (;;) {
    b = byte();
    switch (b) {
      case 0xf0:
        pfx |= PFX_LOCK;
        rex = 0;
        continue;
      case 0xf2:
        pfx = (pfx & ~PFX_REP) | PFX_REPNE;
        rex = 0;
        continue;
      case 0xf3:
        pfx = (pfx & ~PFX_REPNE) | PFX_REP;
        rex = 0;
        continue;
      case 0x2e:
      case 0x36:
      case 0x3e:
      case 0x26:
        // 64-bit mode: ES/CS/SS/DS overrides are null, and do not displace an FS/GS override.
        if (segPrio === 0) segOverride = b === 0x2e ? SEG_CS : b === 0x36 ? SS : b === 0x3e ? DS : ES;
        rex = 0;
        continue;
      case 0x64:
      case 0x65:
        segOverride = b === 0x64 ? FS : GS;
        segPrio = 1;
        rex = 0;
        continue;
      case 0x66:
        pfx |= PFX_OPSIZE;
        rex = 0;
        continue;
      case 0x67:
        pfx |= PFX_ADDR32;
        rex = 0;
        continue;
    }
    if ((b & 0xf0) === 0x40) {
      rex = b;
      continue;
    }
    break;
  }
  if (rex !== 0) pfx |= PFX_REX;
  if (rex & 8) pfx |= PFX_REXW;
  const osz = rex & 8 ? 8 : pfx & PFX_OPSIZE ? 2 : 4;
  const osz64 = pfx & PFX_OPSIZE && !(rex & 8) ? 2 : 8; // default-64 instructions (PUSH/POP/LEAVE/PUSHF)
  d.pfx[s] = pfx;
  d.segOverride[s] = segOverride;
  d.seg[s] = DS;
  d.reg[s] = NONE;
  d.rm[s] = NONE;
  d.base[s] = NONE;
  d.index[s] = NONE;
  d.scale[s] = 0;
  d.disp[s] = 0;
  d.immLo[s] = 0;
  d.immHi[s] = 0;
  d.aux[s] = 0;
  d.memSize[s] = 0;
  d.size[s] = osz;
  let op: number = Op.INVALID;
  let cls = C.trap;
  let loads = 0;
  let stores = 0;
  let lockOk = false;

  // Memory-operand accounting helper results.
  let isMem = false;

  const modrm = (size: number): number => {
    const m = byte();
    const mod = m >> 6;
    const regf = ((m >> 3) & 7) | ((rex & 4) << 1);
    d.reg[s] = size === 1 ? byteReg(regf) : regf;
    const rmf = m & 7;
    if (mod === 3) {
      const r = rmf | ((rex & 1) << 3);
      d.rm[s] = size === 1 ? byteReg(r) : r;
      return m;
    }
    isMem = true;
    d.memSize[s] = size;
    let base = NONE;
    if (rmf === 4) {
      const sib = byte();
      const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
      if (idx !== 4) {
        d.index[s] = idx;
        d.scale[s] = sib >> 6;
      }
      const bf = sib & 7;
      if (bf === 5 && mod === 0) {
        d.disp[s] = imm32();
      } else {
        base = bf | ((rex & 1) << 3);
      }
    } else if (rmf === 5 && mod === 0) {
      base = RIP_BASE;
      d.disp[s] = imm32();
    } else {
      base = rmf | ((rex & 1) << 3);
    }
    d.base[s] = base;
    if (mod === 1) d.disp[s] = imm8s();
    else if (mod === 2) d.disp[s] = imm32();
    if (base === 4 || base === 5) {
      d.pfx[s] |= PFX_STACK;
      d.seg[s] = SS;
    }
    if (segOverride !== NONE) d.seg[s] = segOverride;
    return m;
  };
  const byteReg = (r: number): number => (rex === 0 && r >= 4 && r < 8 ? HIGH_BYTE + r - 4 : r);
  const immOp = (size: number): void => {
    if (size === 1) {
      d.immLo[s] = imm8s();
    } else if (size === 2) {
      d.immLo[s] = imm16s();
    } else {
      d.immLo[s] = imm32();
    }
    d.immHi[s] = d.immLo[s]! >> 31;
  };

  if (b !== 0x0f) {
    if (b < 0x40 && (b & 7) < 6) {
      // The eight ALU ops: ADD OR ADC SBB AND SUB XOR CMP (SDM Vol. 2A, Table A-2).
      const alu = b >> 3;
      const form = b & 7;
      const size = form & 1 ? osz : 1;
      d.aux[s] = alu;
      d.size[s] = size;
      cls = C.alu;
      if (form < 2) {
        modrm(size);
        op = Op.ALU_RM_R;
        lockOk = alu !== 7;
        if (isMem) {
          loads = 1;
          stores = alu === 7 ? 0 : 1;
        }
      } else if (form < 4) {
        modrm(size);
        op = Op.ALU_R_RM;
        if (isMem) loads = 1;
      } else {
        d.rm[s] = 0;
        immOp(size);
        op = Op.ALU_RM_IMM;
      }
    } else if (b >= 0x50 && b < 0x60) {
      const r = (b & 7) | ((rex & 1) << 3);
      d.size[s] = osz64;
      d.rm[s] = r;
      if (b < 0x58) {
        op = Op.PUSH_RM;
        cls = C.push;
        stores = 1;
      } else {
        op = Op.POP_RM;
        cls = C.pop;
        loads = 1;
      }
    } else if (b >= 0x70 && b < 0x80) {
      op = Op.JCC;
      cls = C.jcc;
      d.aux[s] = b & 15;
      d.size[s] = 8;
      d.immLo[s] = imm8s();
      d.immHi[s] = d.immLo[s]! >> 31;
    } else if (b >= 0x91 && b < 0x98) {
      op = Op.XCHG;
      cls = C.mov;
      d.rm[s] = (b & 7) | ((rex & 1) << 3);
      d.reg[s] = 0;
    } else if (b >= 0xb0 && b < 0xc0) {
      const r = (b & 7) | ((rex & 1) << 3);
      op = Op.MOV_RM_IMM;
      cls = C.mov;
      if (b < 0xb8) {
        d.size[s] = 1;
        d.rm[s] = byteReg(r);
        immOp(1);
      } else {
        d.rm[s] = r;
        if (osz === 8) {
          d.immLo[s] = imm32();
          d.immHi[s] = imm32();
        } else {
          immOp(osz);
        }
      }
    } else {
      switch (b) {
        case 0x63: // MOVSXD (without REX.W it moves r/m32 or r/m16 unchanged in size)
          modrm(osz === 8 ? 4 : osz);
          d.memSize[s] = isMem ? (osz === 8 ? 4 : osz) : 0;
          op = Op.MOVSX;
          d.aux[s] = (osz === 8 ? 4 : osz) | MOVSXD_FLAG;
          cls = C.mov;
          loads = isMem ? 1 : 0;
          break;
        case 0x68:
          op = Op.PUSH_IMM;
          cls = C.push;
          d.size[s] = osz64;
          immOp(osz64 === 2 ? 2 : 4);
          stores = 1;
          break;
        case 0x6a:
          op = Op.PUSH_IMM;
          cls = C.push;
          d.size[s] = osz64;
          immOp(1);
          stores = 1;
          break;
        case 0x69:
        case 0x6b:
          modrm(osz);
          op = Op.IMUL_R_RM_IMM;
          cls = C.imul;
          immOp(b === 0x6b ? 1 : osz === 2 ? 2 : 4);
          loads = isMem ? 1 : 0;
          break;
        case 0x80:
        case 0x81:
        case 0x83: {
          const size = b === 0x80 ? 1 : osz;
          d.size[s] = size;
          const m = modrm(size);
          const alu = (m >> 3) & 7;
          d.aux[s] = alu;
          immOp(b === 0x81 ? size : 1);
          op = Op.ALU_RM_IMM;
          cls = C.alu;
          lockOk = alu !== 7;
          if (isMem) {
            loads = 1;
            stores = alu === 7 ? 0 : 1;
          }
          break;
        }
        case 0x84:
        case 0x85:
          d.size[s] = b === 0x84 ? 1 : osz;
          modrm(d.size[s]!);
          op = Op.TEST_RM_R;
          cls = C.alu;
          loads = isMem ? 1 : 0;
          break;
        case 0x86:
        case 0x87:
          d.size[s] = b === 0x86 ? 1 : osz;
          modrm(d.size[s]!);
          op = Op.XCHG;
          cls = C.mov;
          lockOk = true;
          if (isMem) {
            loads = 1;
            stores = 1;
          }
          break;
        case 0x88:
        case 0x89:
        case 0x8a:
        case 0x8b:
          d.size[s] = b & 1 ? osz : 1;
          modrm(d.size[s]!);
          op = b & 2 ? Op.MOV_R_RM : Op.MOV_RM_R;
          cls = C.mov;
          if (isMem) {
            if (b & 2) loads = 1;
            else stores = 1;
          }
          break;
        case 0x8d:
          modrm(osz);
          d.memSize[s] = 0;
          op = isMem ? Op.LEA : Op.INVALID;
          cls = isMem ? C.lea : C.trap;
          break;
        case 0x8f: {
          d.size[s] = osz64;
          const m = modrm(osz64);
          if (((m >> 3) & 7) === 0) {
            op = Op.POP_RM;
            cls = C.pop;
            loads = 1;
            stores = isMem ? 1 : 0;
          }
          break;
        }
        case 0x90:
          if (rex & 1 && !(pfx & PFX_REP)) {
            op = Op.XCHG;
            cls = C.mov;
            d.rm[s] = 8;
            d.reg[s] = 0;
          } else {
            op = Op.NOP;
            cls = C.nop;
            d.aux[s] = pfx & PFX_REP ? 1 : 0; // F3 90 is PAUSE
          }
          break;
        case 0x98:
          op = Op.CBW;
          cls = C.mov;
          break;
        case 0x99:
          op = Op.CWD;
          cls = C.mov;
          break;
        case 0x9c:
          op = Op.PUSHF;
          cls = C.flags;
          d.size[s] = osz64;
          stores = 1;
          break;
        case 0x9d:
          op = Op.POPF;
          cls = C.flags;
          d.size[s] = osz64;
          loads = 1;
          break;
        case 0x9e:
          op = Op.SAHF;
          cls = C.flags;
          break;
        case 0x9f:
          op = Op.LAHF;
          cls = C.flags;
          break;
        case 0xa0:
        case 0xa1:
        case 0xa2:
        case 0xa3: {
          d.size[s] = b & 1 ? osz : 1;
          if (pfx & PFX_ADDR32) {
            d.immLo[s] = imm32();
            d.immHi[s] = 0;
          } else {
            d.immLo[s] = imm32();
            d.immHi[s] = imm32();
          }
          d.memSize[s] = d.size[s]!;
          if (segOverride !== NONE) d.seg[s] = segOverride;
          op = b & 2 ? Op.MOV_MOFFS_STORE : Op.MOV_MOFFS_LOAD;
          cls = C.mov;
          if (b & 2) stores = 1;
          else loads = 1;
          break;
        }
        case 0xa6:
        case 0xa7:
        case 0xae:
        case 0xaf:
          d.size[s] = b & 1 ? osz : 1;
          op = b < 0xa8 ? Op.CMPS : Op.SCAS;
          cls = C.string;
          loads = b < 0xa8 ? 2 : 1;
          if (segOverride !== NONE) d.seg[s] = segOverride;
          break;
        case 0xa4:
        case 0xa5:
        case 0xaa:
        case 0xab:
        case 0xac:
        case 0xad:
          d.size[s] = b & 1 ? osz : 1;
          op = b < 0xaa ? Op.MOVS : b < 0xac ? Op.STOS : Op.LODS;
          cls = C.string;
          if (op === Op.MOVS) {
            loads = 1;
            stores = 1;
          } else if (op === Op.STOS) {
            stores = 1;
          } else {
            loads = 1;
          }
          if (segOverride !== NONE) d.seg[s] = segOverride;
          break;
        case 0xa8:
        case 0xa9:
          d.size[s] = b === 0xa8 ? 1 : osz;
          d.rm[s] = 0;
          immOp(d.size[s]!);
          op = Op.TEST_RM_IMM;
          cls = C.alu;
          break;
        case 0xc0:
        case 0xc1:
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3: {
          const size = b & 1 ? osz : 1;
          d.size[s] = size;
          const m = modrm(size);
          d.aux[s] = (m >> 3) & 7;
          if (b < 0xd0) {
            d.immLo[s] = byte();
            op = Op.SHIFT_IMM;
          } else if (b < 0xd2) {
            d.immLo[s] = 1;
            op = Op.SHIFT_IMM;
          } else {
            op = Op.SHIFT_CL;
          }
          cls = C.shift;
          if (isMem) {
            loads = 1;
            stores = 1;
          }
          break;
        }
        case 0xc2:
          d.immLo[s] = imm16s() & 0xffff;
          d.aux[s] = 1; // has an imm16 operand
          op = Op.RET;
          cls = C.ret;
          d.size[s] = 8;
          loads = 1;
          break;
        case 0xc3:
          op = Op.RET;
          cls = C.ret;
          d.size[s] = 8;
          loads = 1;
          break;
        case 0xc6:
        case 0xc7: {
          const size = b === 0xc6 ? 1 : osz;
          d.size[s] = size;
          const m = modrm(size);
          if (((m >> 3) & 7) === 0) {
            immOp(size === 8 ? 4 : size);
            op = Op.MOV_RM_IMM;
            cls = C.mov;
            stores = isMem ? 1 : 0;
          }
          break;
        }
        case 0xc4:
        case 0xc5: {
          // VEX (SDM Vol. 2A §2.3): only the BMI1/BMI2 GPR instructions are implemented (no AVX). A VEX prefix
          // after 66, F2, F3, LOCK or REX is #UD.
          if (pfx & (PFX_OPSIZE | PFX_REP | PFX_REPNE | PFX_LOCK) || rex !== 0) break;
          const b1 = byte();
          let map = 1;
          let w = 0;
          let vr = (~b1 >> 7) & 1;
          let vx = 0;
          let vb = 0;
          let vex2: number;
          if (b === 0xc5) vex2 = b1;
          else {
            vx = (~b1 >> 6) & 1;
            vb = (~b1 >> 5) & 1;
            map = b1 & 31;
            vex2 = byte();
            w = vex2 >> 7;
          }
          if (b === 0xc5) vr = (~b1 >> 7) & 1;
          const vvvv = (~vex2 >> 3) & 15;
          const vl = (vex2 >> 2) & 1;
          const pp = vex2 & 3;
          const opcode = byte();
          if (p >= avail || p >= MAX_INSN_LENGTH) throw TRUNCATED;
          const kind = vexBmiOp(map, pp, opcode, (buf[p]! >> 3) & 7);
          if (kind === 0 || vl !== 0) break;
          rex = 0x40 | (w << 3) | (vr << 2) | (vx << 1) | vb;
          if (w) d.pfx[s] |= PFX_REXW;
          const size = w ? 8 : 4;
          modrm(size);
          d.size[s] = size;
          d.aux[s] = kind;
          d.immHi[s] = vvvv;
          if (kind === BMI_RORX) {
            if (vvvv !== 0) break; // VEX.vvvv must be 1111b
            d.immLo[s] = byte();
          }
          op = Op.BMI;
          cls =
            kind === BMI_MULX || kind === BMI_PDEP || kind === BMI_PEXT
              ? C.imul
              : kind === BMI_RORX || kind === BMI_SARX || kind === BMI_SHLX || kind === BMI_SHRX
                ? C.shift
                : C.alu;
          loads = isMem ? 1 : 0;
          break;
        }
        case 0xe0:
        case 0xe1:
        case 0xe2:
        case 0xe3:
          op = Op.LOOP;
          cls = C.jcc;
          d.aux[s] = b - 0xe0;
          d.size[s] = 8;
          d.immLo[s] = imm8s();
          d.immHi[s] = d.immLo[s]! >> 31;
          break;
        case 0x9b: // FWAIT: unmasked x87 exceptions stop at the instruction that raised them (x87.ts)
          op = Op.X87;
          cls = C.nop;
          d.aux[s] = 8;
          break;
        case 0xd8:
        case 0xd9:
        case 0xda:
        case 0xdb:
        case 0xdc:
        case 0xdd:
        case 0xde:
        case 0xdf: {
          const opc = b - 0xd8;
          const m = modrm(8);
          const sz = isMem ? x87MemSize(opc, (m >> 3) & 7) : 0;
          if (isMem ? sz === 0 : !x87RegValid(opc, m)) break;
          // with 66 the environment/state forms use the 16-bit layouts (14 and 94 bytes): not implemented (#UD)
          if (isMem && pfx & PFX_OPSIZE && (sz === 28 || sz === 108)) break;
          d.memSize[s] = sz;
          d.aux[s] = opc;
          d.immLo[s] = m;
          d.reg[s] = NONE;
          if (!isMem) d.rm[s] = m & 7;
          op = Op.X87;
          cls = C[x87Class(opc, m)];
          if (isMem) {
            const reg = (m >> 3) & 7;
            const store =
              (opc & 1) === 1 &&
              (((opc === 1 || opc === 5) && (reg === 2 || reg === 3 || reg === 6 || reg === 7)) ||
                ((opc === 3 || opc === 7) && reg !== 0 && reg !== 4 && reg !== 5) ||
                (opc === 5 && reg === 1) ||
                (opc === 7 && reg === 7));
            if (store) stores = 1;
            else loads = 1;
          }
          break;
        }
        case 0xc9:
          op = Op.LEAVE;
          cls = C.pop;
          d.size[s] = osz64;
          loads = 1;
          break;
        case 0xcc:
          op = Op.INT3;
          cls = C.trap;
          break;
        case 0xcd:
          d.immLo[s] = byte();
          op = Op.INT_N;
          cls = C.trap;
          break;
        case 0xcf:
          if (rex & 8) {
            op = Op.IRETQ;
            cls = C.iretq;
            loads = 5;
          }
          break;
        case 0xe8:
        case 0xe9:
        case 0xeb:
          // Intel: a 66 prefix does not shrink near branches in 64-bit mode.
          d.size[s] = 8;
          d.immLo[s] = b === 0xeb ? imm8s() : imm32();
          d.immHi[s] = d.immLo[s]! >> 31;
          op = b === 0xe8 ? Op.CALL_REL : Op.JMP_REL;
          cls = b === 0xe8 ? C.call : C.jmp;
          stores = b === 0xe8 ? 1 : 0;
          break;
        case 0xf4:
          op = Op.HLT;
          cls = C.hlt;
          break;
        case 0xf5:
          op = Op.CMC;
          cls = C.flags;
          break;
        case 0xf6:
        case 0xf7: {
          const size = b === 0xf6 ? 1 : osz;
          d.size[s] = size;
          const m = modrm(size);
          const sub = (m >> 3) & 7;
          d.aux[s] = sub;
          loads = isMem ? 1 : 0;
          if (sub < 2) {
            immOp(size === 8 ? 4 : size);
            op = Op.TEST_RM_IMM;
            cls = C.alu;
          } else if (sub < 4) {
            op = sub === 2 ? Op.NOT : Op.NEG;
            cls = C.alu;
            lockOk = true;
            stores = isMem ? 1 : 0;
          } else if (sub < 6) {
            op = Op.MUL1;
            cls = sub === 4 ? C.mul : C.imul;
          } else {
            op = Op.DIV;
            cls = C.div;
          }
          break;
        }
        case 0xf8:
          op = Op.CLC;
          cls = C.flags;
          break;
        case 0xf9:
          op = Op.STC;
          cls = C.flags;
          break;
        case 0xfa:
          op = Op.CLI;
          cls = C.cli;
          break;
        case 0xfb:
          op = Op.STI;
          cls = C.sti;
          break;
        case 0xfc:
          op = Op.CLD;
          cls = C.flags;
          break;
        case 0xfd:
          op = Op.STD;
          cls = C.flags;
          break;
        case 0xfe:
        case 0xff: {
          const size = b === 0xfe ? 1 : osz;
          const peek = p < avail ? (buf[p]! >> 3) & 7 : 0;
          const branch = b === 0xff && (peek === 2 || peek === 4 || peek === 6);
          d.size[s] = branch ? (peek === 6 ? osz64 : 8) : size;
          const m = modrm(d.size[s]!);
          const sub = (m >> 3) & 7;
          if (sub < 2) {
            op = sub === 0 ? Op.INC : Op.DEC;
            cls = C.alu;
            lockOk = true;
            if (isMem) {
              loads = 1;
              stores = 1;
            }
          } else if (b === 0xff && sub === 2) {
            op = Op.CALL_RM;
            cls = C.call;
            loads = isMem ? 1 : 0;
            stores = 1;
          } else if (b === 0xff && sub === 4) {
            op = Op.JMP_RM;
            cls = C.jmp;
            loads = isMem ? 1 : 0;
          } else if (b === 0xff && sub === 6) {
            op = Op.PUSH_RM;
            cls = C.push;
            loads = isMem ? 1 : 0;
            stores = 1;
          }
          break;
        }
      }
    }
  } else {
    const b2 = byte();
    if (b2 >= 0x80 && b2 < 0x90) {
      op = Op.JCC;
      cls = C.jcc;
      d.aux[s] = b2 & 15;
      d.size[s] = 8;
      d.immLo[s] = imm32();
      d.immHi[s] = d.immLo[s]! >> 31;
    } else if (b2 >= 0x90 && b2 < 0xa0) {
      d.size[s] = 1;
      modrm(1);
      d.reg[s] = NONE;
      op = Op.SETCC;
      cls = C.mov;
      d.aux[s] = b2 & 15;
      stores = isMem ? 1 : 0;
    } else if (b2 >= 0x40 && b2 < 0x50) {
      modrm(osz);
      op = Op.CMOVCC;
      cls = C.mov;
      d.aux[s] = b2 & 15;
      loads = isMem ? 1 : 0;
    } else if (b2 >= 0xc8 && b2 < 0xd0) {
      d.rm[s] = (b2 & 7) | ((rex & 1) << 3);
      op = Op.BSWAP;
      cls = C.alu;
    } else {
      switch (b2) {
        case 0x01: {
          const m = byte();
          if (m === 0xf8) {
            op = Op.SWAPGS;
            cls = C.swapgs;
          } else if (m === 0xf9) {
            op = Op.RDTSCP;
            cls = C.rdtsc;
          }
          break;
        }
        case 0x05:
          op = Op.SYSCALL;
          cls = C.syscall;
          break;
        case 0x07:
          op = Op.SYSRET;
          cls = C.sysret;
          d.size[s] = rex & 8 ? 8 : 4;
          break;
        case 0x0b:
          op = Op.UD2;
          cls = C.trap;
          break;
        case 0x1e:
          if (pfx & PFX_REP) {
            const m = byte();
            if (m === 0xfa || m === 0xfb) {
              op = Op.NOP;
              cls = C.nop;
              d.aux[s] = m === 0xfa ? 2 : 3; // ENDBR64 / ENDBR32
            }
          }
          break;
        case 0x1f: {
          // NOP r/m (0F 1F /0); the other reg values are reserved-NOP hints, not modelled (#UD)
          const m = modrm(osz);
          if (((m >> 3) & 7) === 0) {
            op = Op.NOP;
            cls = C.nop;
            d.aux[s] = 4;
          }
          break;
        }
        case 0x20:
        case 0x22: {
          const m = byte();
          const cr = ((m >> 3) & 7) | ((rex & 4) << 1);
          d.reg[s] = cr;
          d.rm[s] = (m & 7) | ((rex & 1) << 3);
          d.size[s] = 8;
          if (cr === 0 || cr === 2 || cr === 3 || cr === 4 || cr === 8) {
            op = b2 === 0x20 ? Op.MOV_FROM_CR : Op.MOV_TO_CR;
            cls = C.mov_cr3;
          }
          break;
        }
        case 0x30:
          op = Op.WRMSR;
          cls = C.wrmsr;
          break;
        case 0x31:
          op = Op.RDTSC;
          cls = C.rdtsc;
          break;
        case 0x32:
          op = Op.RDMSR;
          cls = C.rdmsr;
          break;
        case 0xa2:
          op = Op.CPUID;
          cls = C.cpuid;
          break;
        case 0xa3:
        case 0xab:
        case 0xb3:
        case 0xbb:
          modrm(osz);
          op = Op.BT_RM_R;
          cls = C.alu;
          d.aux[s] = (b2 >> 3) & 3;
          lockOk = b2 !== 0xa3;
          if (isMem) {
            loads = 1;
            stores = b2 === 0xa3 ? 0 : 1;
          }
          break;
        case 0xba: {
          const m = modrm(osz);
          const sub = (m >> 3) & 7;
          d.immLo[s] = byte();
          if (sub >= 4) {
            op = Op.BT_RM_IMM;
            cls = C.alu;
            d.aux[s] = sub & 3;
            lockOk = sub !== 4;
            if (isMem) {
              loads = 1;
              stores = sub === 4 ? 0 : 1;
            }
          }
          break;
        }
        case 0xaf:
          modrm(osz);
          op = Op.IMUL_R_RM;
          cls = C.imul;
          loads = isMem ? 1 : 0;
          break;
        case 0xb0:
        case 0xb1:
          d.size[s] = b2 === 0xb0 ? 1 : osz;
          modrm(d.size[s]!);
          op = Op.CMPXCHG;
          cls = C.alu;
          lockOk = true;
          if (isMem) {
            loads = 1;
            stores = 1;
          }
          break;
        case 0xc7: {
          // CMPXCHG8B m64 / CMPXCHG16B m128 (0F C7 /1); the register form and the other /r are #UD here
          const m = modrm(8);
          if (((m >> 3) & 7) !== 1 || !isMem) break;
          const size = rex & 8 ? 16 : 8;
          d.size[s] = size;
          d.memSize[s] = size;
          op = Op.CMPXCHG8B;
          cls = C.alu;
          lockOk = true;
          loads = 1;
          stores = 1;
          break;
        }
        case 0xb8:
          // POPCNT (F3 0F B8); without F3 it is JMPE (IA-64 only): #UD
          if (!(pfx & PFX_REP)) break;
          modrm(osz);
          op = Op.POPCNT;
          cls = C.alu;
          loads = isMem ? 1 : 0;
          break;
        case 0xc0:
        case 0xc1:
          d.size[s] = b2 === 0xc0 ? 1 : osz;
          modrm(d.size[s]!);
          op = Op.XADD;
          cls = C.alu;
          lockOk = true;
          if (isMem) {
            loads = 1;
            stores = 1;
          }
          break;
        case 0xbc:
        case 0xbd:
          modrm(osz);
          op = Op.BSF;
          cls = C.alu;
          d.aux[s] = (b2 & 1) | (pfx & PFX_REP ? 2 : 0);
          loads = isMem ? 1 : 0;
          break;
        case 0xa4:
        case 0xa5:
        case 0xac:
        case 0xad:
          modrm(osz);
          op = Op.SHLD;
          cls = C.shift;
          d.aux[s] = (b2 >= 0xac ? 1 : 0) | (b2 & 1 ? 2 : 0);
          if (!(b2 & 1)) d.immLo[s] = byte();
          if (isMem) {
            loads = 1;
            stores = 1;
          }
          break;
        case 0xb6:
        case 0xb7:
        case 0xbe:
        case 0xbf: {
          const src = b2 & 1 ? 2 : 1;
          // reg is the destination (operand size), r/m the source (byte-register rules for a byte source).
          const m = modrm(src);
          d.reg[s] = ((m >> 3) & 7) | ((rex & 4) << 1);
          d.aux[s] = src;
          op = b2 < 0xb8 ? Op.MOVZX : Op.MOVSX;
          cls = C.mov;
          loads = isMem ? 1 : 0;
          break;
        }
        default: {
          // SSE/SSE2 (sse-ops.ts). The mandatory prefix is the last F2/F3, else 66.
          const mp = pfx & PFX_REP ? 2 : pfx & PFX_REPNE ? 3 : pfx & PFX_OPSIZE ? 1 : 0;
          let sub3 = -1; // SSSE3 (0F 38 xx, 0F 3A 0F): its sub-op, or 0 for an unimplemented three-byte opcode
          if (b2 === 0x38 || b2 === 0x3a) {
            const b3 = byte();
            const sub4 = b2 === 0x38 ? SSE4_MAP_0F38[b3]! : SSE4_MAP_0F3A[b3]!;
            if (sub4 !== 0) {
              // SSE4.1/SSE4.2 (sse41.ts, sse42.ts): 66 prefix; CRC32 F2
              const crc = sub4 >= SSE4_CRC32_8;
              if (crc ? mp !== 3 : mp !== 1) break;
              const e = SSE4_OPS[sub4]!;
              const gsz = rex & 8 ? 8 : 4;
              if (crc) {
                const src = sub4 === SSE4_CRC32_8 ? 1 : gsz === 8 ? 8 : pfx & PFX_OPSIZE ? 2 : 4;
                const m = modrm(src);
                d.reg[s] = ((m >> 3) & 7) | ((rex & 4) << 1);
                d.size[s] = gsz;
                d.memSize[s] = isMem ? src : 0;
                d.immLo[s] = src;
              } else if (e.form === F_RM_X_I || e.form === F_X_RM_I) {
                // the GPR is 32 bits (64 with REX.W); memory is the element
                modrm(4);
                d.size[s] = gsz;
                const wide = gsz === 8 && (sub4 === SSE4_PEXTRD || sub4 === SSE4_PINSRD);
                d.memSize[s] = isMem ? (wide ? 8 : e.mem) : 0;
                d.immLo[s] = byte();
              } else {
                modrm(16);
                if (!isMem && (e.flags & SSE_MEM_ONLY) !== 0) break;
                d.size[s] = 16;
                d.memSize[s] = isMem ? e.mem : 0;
                if (e.form === F_X_XM_I) d.immLo[s] = byte();
              }
              d.aux[s] = sub4;
              op = Op.SSE4;
              cls =
                (sub4 >= SSE4_ROUNDPS && sub4 <= SSE4_ROUNDSD) || sub4 === SSE4_DPPS || sub4 === SSE4_DPPD
                  ? C.sse
                  : e.form === F_RM_X_I || e.form === F_X_RM_I || sub4 === 13 || e.mem < 16
                    ? C.mov
                    : C.alu;
              if (crc || (sub4 >= SSE4_PCMPESTRM && sub4 <= SSE4_PCMPISTRI)) cls = C.alu;
              if (isMem) {
                if (e.form === F_RM_X_I) stores = 1;
                else loads = 1;
              }
              break;
            }
            sub3 = b2 === 0x38 ? SSE_MAP_0F38[b3]! : b3 === 0x0f ? SSE_PALIGNR : 0;
            if (sub3 === 0 || (mp !== 0 && mp !== 1)) break;
            if (mp === 0) {
              // the MMX form (mmx.ts): mm, mm/m64
              modrm(8);
              d.size[s] = 8;
              d.memSize[s] = isMem ? 8 : 0;
              if (sub3 === SSE_PALIGNR) d.immLo[s] = byte();
              d.aux[s] = sub3;
              op = Op.MMX;
              cls = C.alu;
              loads = isMem ? 1 : 0;
              break;
            }
          }
          if (sub3 < 0 && mp === 0 && (MMX_MAP[b2] !== 0 || (b2 >= 0x71 && b2 <= 0x73))) {
            // MMX (mmx.ts): the no-prefix forms on MM registers
            if (b2 === 0x77) {
              op = Op.MMX;
              cls = C.nop;
              d.aux[s] = MMX_EMMS;
              break;
            }
            const gprForm = b2 === 0x6e || b2 === 0x7e;
            const gsz = rex & 8 ? 8 : 4;
            const m = modrm(gprForm ? gsz : b2 === 0xc4 ? 4 : 8);
            let msub = MMX_MAP[b2]!;
            if (b2 >= 0x71 && b2 <= 0x73) msub = isMem ? 0 : mmxShiftGroup(b2, (m >> 3) & 7);
            if (msub === 0) break;
            if (isMem && (b2 === 0xc5 || b2 === 0xd7)) break; // PEXTRW, PMOVMSKB: register only
            if (!isMem && b2 === 0xe7) break; // MOVNTQ: memory only
            d.size[s] = gprForm || b2 === 0xc5 || b2 === 0xd7 || b2 === 0xc4 ? gsz : 8;
            // PUNPCKLBW/WD/DQ mm, mm/m32 read 4 bytes
            d.memSize[s] = isMem ? (gprForm ? gsz : b2 === 0xc4 ? 2 : b2 <= 0x62 ? 4 : 8) : 0;
            if (b2 === 0x70 || b2 === 0xc4 || b2 === 0xc5 || (b2 >= 0x71 && b2 <= 0x73)) d.immLo[s] = byte();
            d.aux[s] = msub;
            op = Op.MMX;
            const store = b2 === 0x7e || b2 === 0x7f || msub === MMX_MOVNTQ;
            cls = b2 === 0x6e || b2 === 0x7e || b2 === 0x6f || b2 === 0x7f || store ? C.mov : C.alu;
            if (isMem) {
              if (store) stores = 1;
              else loads = 1;
            }
            break;
          }
          let sub = sub3 > 0 ? sub3 : SSE_MAP[mp * 256 + b2]!;
          if (b2 === 0x12 || b2 === 0x16 || b2 === 0x18 || b2 === 0xae || (b2 >= 0x71 && b2 <= 0x73)) {
            if (p >= avail || p >= MAX_INSN_LENGTH) throw TRUNCATED;
            const mb = buf[p]!;
            const isReg = mb >> 6 === 3;
            const rf = (mb >> 3) & 7;
            if (b2 === 0x18)
              sub = !isReg && rf < 4 ? 125 + rf : 0; // PREFETCHh: prefixes are ignored
            else if (b2 === 0xae) {
              if (mp === 0) sub = isReg ? (rf >= 5 ? 117 + rf : 0) : rf < 4 ? 118 + rf : 0;
            } else if (b2 === 0x12 || b2 === 0x16) {
              if (mp === 0) sub = b2 === 0x12 ? (isReg ? 10 : 9) : isReg ? 15 : 14;
            } else sub = mp === 1 && isReg ? SSE_SHIFT_GROUP[(b2 - 0x71) * 8 + rf]! : 0;
          }
          if (sub === 0) break;
          const e = SSE_OPS[sub]!;
          const form = e.form;
          const gpr = form === F_X_RM || form === F_RM_X || form === F_M_R || form === F_X_RM_I;
          const gsz = rex & 8 ? 8 : 4;
          modrm(gpr ? (form === F_X_RM_I ? 4 : gsz) : 16);
          if (isMem ? (e.flags & SSE_REG_ONLY) !== 0 : (e.flags & SSE_MEM_ONLY) !== 0) break;
          if (form === F_R_X || form === F_R_XM || form === F_R_X_I) {
            // reg names the GPR (32 or 64 bits by REX.W); rm the XMM source
            d.size[s] = gsz;
          } else {
            d.size[s] = gpr ? (form === F_X_RM_I ? 4 : gsz) : 16;
          }
          d.memSize[s] = isMem ? (gpr && form !== F_X_RM_I ? gsz : e.mem) : 0;
          if (form === F_X_XM_I || form === F_X_I || form === F_X_RM_I || form === F_R_X_I)
            d.immLo[s] = byte();
          d.aux[s] = sub;
          op = Op.SSE;
          const store = form === F_XM_X || form === F_RM_X || form === F_M_R || sub === 118 || sub === 121;
          const fp = (sub >= SSE_FP_ARITH && sub < SSE_FP_END) || (sub >= SSE_RCP && sub < SSE_MASKMOVDQU);
          cls = fp
            ? sub >= 141 && sub < 149 // DIV, SQRT (129 + 4·FP_DIV … 129 + 4·FP_SQRT + 3)
              ? C.sse_div
              : C.sse
            : form === F_NONE || (sub >= 125 && sub <= 128)
              ? C.nop
              : sub < 27 || gpr || store || (sub >= 117 && sub <= 124)
                ? C.mov
                : C.alu;
          if (sub === 50 || sub === 51 || sub === 69 || sub === 186) cls = C.mov;
          if (sub >= SSE3_FIRST)
            cls = sub >= SSE3_FP && sub < SSSE3_FIRST ? C.sse : sub < SSE3_FP ? C.mov : C.alu;
          if (sub === SSE_MASKMOVDQU) {
            cls = C.mov;
            stores = 1; // the masked bytes at [RDI]
          }
          if (isMem && form !== F_NONE && sub < 125) {
            if (store) stores = 1;
            else loads = 1;
          }
          if (form === F_M && sub === 119) loads = 1;
          break;
        }
      }
    }
  }
  if (pfx & PFX_LOCK && !(lockOk && isMem)) op = Op.INVALID; // LOCK elsewhere is #UD (SDM Vol. 2A, LOCK)
  if (op === Op.INVALID) {
    cls = C.trap;
    loads = 0;
    stores = 0;
  }
  d.op[s] = op;
  d.len[s] = p;
  d.cls[s] = cls;
  d.loads[s] = loads;
  d.stores[s] = stores;
}

/** Rewrites a decoded slot to a specialised op where one applies (the interpreter's fast forms). */
export function specialize(d: DecodedInsns, s: number): void {
  const op = d.op[s]!;
  const size = d.size[s]!;
  if ((d.pfx[s]! & PFX_LOCK) !== 0) return;
  if (d.rm[s] === NONE) {
    if (size === 8 && op === Op.MOV_R_RM) d.op[s] = Op.MOV64_LOAD;
    else if (size === 8 && op === Op.MOV_RM_R) d.op[s] = Op.MOV64_STORE;
    return;
  }
  if ((op === Op.ALU_RM_R || op === Op.ALU_R_RM) && size === 8) {
    if (op === Op.ALU_R_RM) {
      const t = d.reg[s]!;
      d.reg[s] = d.rm[s]!;
      d.rm[s] = t;
    }
    d.op[s] = Op.ALU64_RR;
  } else if (op === Op.ALU_RM_IMM && size === 8) {
    d.op[s] = Op.ALU64_RI;
  } else if ((op === Op.INC || op === Op.DEC) && size >= 4) {
    d.aux[s] = op === Op.DEC ? 1 : 0;
    d.op[s] = Op.INCDEC_R;
  } else if (op === Op.MOV_RM_R && size === 8) {
    d.op[s] = Op.MOV64_RR;
  }
}
