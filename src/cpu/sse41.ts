// SSE4.1 (SDM Vol. 2: PBLENDVB, BLENDVPS/PD, BLENDPS/PD, PBLENDW, PTEST, PMOVSX*/PMOVZX*, PMULDQ, PMULLD, PCMPEQQ,
// MOVNTDQA, PACKUSDW, PMINSB/SD/UW/UD, PMAXSB/SD/UW/UD, PHMINPOSUW, ROUNDPS/PD/SS/SD, DPPS/DPPD, INSERTPS, MPSADBW)
// on the XMM register file: the destination is dwords X[x..x+4), the source operand (register or memory, loaded by
// sse.ts's execSse4) is S. The floating-point forms use sse-float.ts's arithmetic (the caller runs fpBegin and
// commits the flags); PINSR*/PEXTR*/EXTRACTPS, which move to and from GPRs and memory, are in execSse4.
import { A, arithD, arithF, B, FP_ADD, FP_MUL, R as FR, RD, RF, roundLane } from "./sse-float.ts";

// Scratch copies of the destination, the source and XMM0 (the blend mask) and the result, with byte and word views.
const D = new Int32Array(4);
const DB = new Uint8Array(D.buffer);
const DW = new Uint16Array(D.buffer);
const S = new Int32Array(4);
const SB = new Uint8Array(S.buffer);
const SW = new Uint16Array(S.buffer);
const M = new Int32Array(4);
const MB = new Uint8Array(M.buffer);
const R = new Int32Array(4);
const RB = new Uint8Array(R.buffer);
const RW = new Uint16Array(R.buffer);

/** High 32 bits of the signed 64-bit product of two int32 (exact in doubles: the operand is split in 16-bit halves). */
function mulHiS32(a: number, b: number): number {
  const p2 = a * (b >> 16); // |p2| < 2^46
  const q = Math.floor(p2 / 65536);
  const low = (p2 - q * 65536) * 65536 + a * (b & 0xffff); // |low| < 2^48
  return (q + Math.floor(low / 4294967296)) | 0;
}

/**
 * The SSE4.1 integer, blend and data-movement sub-ops (sse-ops.ts SSE4_OPS) on destination X[x..x+4) and source
 * src; xmm0 is XMM0 (the variable blends' implicit mask), isMem says whether src came from memory (INSERTPS).
 */
export function sse41Op(
  X: Int32Array,
  x: number,
  sub: number,
  imm: number,
  src: Int32Array,
  isMem: boolean,
): void {
  for (let i = 0; i < 4; i++) {
    D[i] = X[x + i]!;
    S[i] = src[i]!;
    M[i] = X[i]!;
    R[i] = D[i]!;
  }
  switch (sub) {
    case 1: // PBLENDVB: the source byte where XMM0's byte has its top bit set
      for (let i = 0; i < 16; i++) if (MB[i]! & 0x80) RB[i] = SB[i]!;
      break;
    case 2: // BLENDVPS
      for (let i = 0; i < 4; i++) if (M[i]! < 0) R[i] = S[i]!;
      break;
    case 3: // BLENDVPD
      for (let i = 0; i < 4; i += 2)
        if (M[i + 1]! < 0) {
          R[i] = S[i]!;
          R[i + 1] = S[i + 1]!;
        }
      break;
    case 5: // PMOVSXBW
      for (let i = 0; i < 8; i++) RW[i] = (SB[i]! << 24) >> 24;
      break;
    case 6: // PMOVSXBD
      for (let i = 0; i < 4; i++) R[i] = (SB[i]! << 24) >> 24;
      break;
    case 7: // PMOVSXBQ
      for (let i = 0; i < 2; i++) {
        R[2 * i] = (SB[i]! << 24) >> 24;
        R[2 * i + 1] = R[2 * i]! >> 31;
      }
      break;
    case 8: // PMOVSXWD
      for (let i = 0; i < 4; i++) R[i] = (SW[i]! << 16) >> 16;
      break;
    case 9: // PMOVSXWQ
      for (let i = 0; i < 2; i++) {
        R[2 * i] = (SW[i]! << 16) >> 16;
        R[2 * i + 1] = R[2 * i]! >> 31;
      }
      break;
    case 10: // PMOVSXDQ
      R[0] = S[0]!;
      R[1] = S[0]! >> 31;
      R[2] = S[1]!;
      R[3] = S[1]! >> 31;
      break;
    case 15: // PMOVZXBW
      for (let i = 0; i < 8; i++) RW[i] = SB[i]!;
      break;
    case 16: // PMOVZXBD
      for (let i = 0; i < 4; i++) R[i] = SB[i]!;
      break;
    case 17: // PMOVZXBQ
      R[0] = SB[0]!;
      R[1] = 0;
      R[2] = SB[1]!;
      R[3] = 0;
      break;
    case 18: // PMOVZXWD
      for (let i = 0; i < 4; i++) R[i] = SW[i]!;
      break;
    case 19: // PMOVZXWQ
      R[0] = SW[0]!;
      R[1] = 0;
      R[2] = SW[1]!;
      R[3] = 0;
      break;
    case 20: // PMOVZXDQ
      R[0] = S[0]!;
      R[1] = 0;
      R[2] = S[1]!;
      R[3] = 0;
      break;
    case 11: // PMULDQ: the signed products of dwords 0 and 2
      for (let i = 0; i < 4; i += 2) {
        R[i] = Math.imul(D[i]!, S[i]!);
        R[i + 1] = mulHiS32(D[i]!, S[i]!);
      }
      break;
    case 12: // PCMPEQQ
      for (let i = 0; i < 4; i += 2) {
        const eq = D[i] === S[i] && D[i + 1] === S[i + 1] ? -1 : 0;
        R[i] = eq;
        R[i + 1] = eq;
      }
      break;
    case 13: // MOVNTDQA
      R.set(S);
      break;
    case 14: // PACKUSDW: signed dwords to unsigned words with saturation
      for (let i = 0; i < 4; i++) {
        RW[i] = Math.min(65535, Math.max(0, D[i]!));
        RW[4 + i] = Math.min(65535, Math.max(0, S[i]!));
      }
      break;
    case 22: // PMINSB
    case 26: // PMAXSB
      for (let i = 0; i < 16; i++) {
        const a = (DB[i]! << 24) >> 24;
        const b = (SB[i]! << 24) >> 24;
        if (sub === 22 ? b < a : b > a) RB[i] = SB[i]!;
      }
      break;
    case 23: // PMINSD
    case 27: // PMAXSD
      for (let i = 0; i < 4; i++) if (sub === 23 ? S[i]! < D[i]! : S[i]! > D[i]!) R[i] = S[i]!;
      break;
    case 24: // PMINUW
    case 28: // PMAXUW
      for (let i = 0; i < 8; i++) if (sub === 24 ? SW[i]! < DW[i]! : SW[i]! > DW[i]!) RW[i] = SW[i]!;
      break;
    case 25: // PMINUD
    case 29: // PMAXUD
      for (let i = 0; i < 4; i++) {
        const a = D[i]! >>> 0;
        const b = S[i]! >>> 0;
        if (sub === 25 ? b < a : b > a) R[i] = S[i]!;
      }
      break;
    case 30: // PMULLD
      for (let i = 0; i < 4; i++) R[i] = Math.imul(D[i]!, S[i]!);
      break;
    case 31: {
      // PHMINPOSUW: the smallest unsigned word of the source (the lowest index on ties) and its index in bits 18:16
      let k = 0;
      for (let i = 1; i < 8; i++) if (SW[i]! < SW[k]!) k = i;
      R[0] = SW[k]! | (k << 16);
      R[1] = 0;
      R[2] = 0;
      R[3] = 0;
      break;
    }
    case 36: // BLENDPS
      for (let i = 0; i < 4; i++) if ((imm >> i) & 1) R[i] = S[i]!;
      break;
    case 37: // BLENDPD
      for (let i = 0; i < 2; i++)
        if ((imm >> i) & 1) {
          R[2 * i] = S[2 * i]!;
          R[2 * i + 1] = S[2 * i + 1]!;
        }
      break;
    case 38: // PBLENDW
      for (let i = 0; i < 8; i++) if ((imm >> i) & 1) RW[i] = SW[i]!;
      break;
    case 44: {
      // INSERTPS: source dword imm[7:6] (a memory operand is the dword itself) into dword imm[5:4], then the dwords
      // of imm[3:0] cleared
      R[(imm >> 4) & 3] = isMem ? S[0]! : S[(imm >> 6) & 3]!;
      for (let i = 0; i < 4; i++) if ((imm >> i) & 1) R[i] = 0;
      break;
    }
    case 48: {
      // MPSADBW: eight sums of absolute differences of 4-byte groups, the destination's starting at byte
      // 4·imm[2] + i, the source's group at 4·imm[1:0]
      const o1 = imm & 4;
      const o2 = 4 * (imm & 3);
      for (let i = 0; i < 8; i++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += Math.abs(DB[o1 + i + k]! - SB[o2 + k]!);
        RW[i] = sum;
      }
      break;
    }
    default:
      throw new Error(`SSE4.1 sub-op ${sub} has no implementation`);
  }
  X.set(R, x);
}

/** PTEST: ZF (bit 6) when dest AND src is 0, CF (bit 0) when (NOT dest) AND src is 0. */
export function ptestFlags(X: Int32Array, x: number, src: Int32Array): number {
  let and = 0;
  let andn = 0;
  for (let i = 0; i < 4; i++) {
    and |= X[x + i]! & src[i]!;
    andn |= ~X[x + i]! & src[i]!;
  }
  return (and === 0 ? 0x40 : 0) | (andn === 0 ? 1 : 0);
}

/**
 * ROUNDPS/PD/SS/SD (32–35) and DPPS/DPPD (46, 47) into sse-float's R, from a = X[x..x+4) and b = src: the scalar
 * forms keep a's upper lanes. DPPS multiplies the lanes of imm[7:4] (others +0.0), adds lanes 0+1 and 2+3, then the
 * two sums, each step rounded, and writes the sum to the lanes of imm[3:0] (others +0.0); DPPD likewise on two lanes.
 */
export function sse41Fp(X: Int32Array, x: number, sub: number, imm: number, src: Int32Array): void {
  for (let i = 0; i < 4; i++) {
    A[i] = X[x + i]!;
    B[i] = src[i]!;
    FR[i] = A[i]!;
  }
  switch (sub) {
    case 32: // ROUNDPS
      for (let i = 0; i < 4; i++) roundLane(i, true, imm);
      return;
    case 33: // ROUNDPD
      roundLane(0, false, imm);
      roundLane(1, false, imm);
      return;
    case 34: // ROUNDSS
      roundLane(0, true, imm);
      return;
    case 35: // ROUNDSD
      roundLane(0, false, imm);
      return;
    case 46: {
      // DPPS
      for (let i = 0; i < 4; i++) {
        if ((imm >> (4 + i)) & 1) arithF(FP_MUL, i);
        else RF[i] = 0;
      }
      const p0 = FR[0]!;
      const p1 = FR[1]!;
      const p2 = FR[2]!;
      const p3 = FR[3]!;
      A[0] = p0;
      B[0] = p1;
      A[1] = p2;
      B[1] = p3;
      arithF(FP_ADD, 0);
      arithF(FP_ADD, 1);
      A[0] = FR[0]!;
      B[0] = FR[1]!;
      arithF(FP_ADD, 0);
      const sum = FR[0]!;
      for (let i = 0; i < 4; i++) FR[i] = (imm >> i) & 1 ? sum : 0;
      return;
    }
    default: {
      // 47 DPPD
      for (let i = 0; i < 2; i++) {
        if ((imm >> (4 + i)) & 1) arithD(FP_MUL, i);
        else RD[i] = 0;
      }
      A[0] = FR[0]!;
      A[1] = FR[1]!;
      B[0] = FR[2]!;
      B[1] = FR[3]!;
      arithD(FP_ADD, 0);
      const lo = FR[0]!;
      const hi = FR[1]!;
      for (let i = 0; i < 2; i++) {
        FR[2 * i] = (imm >> i) & 1 ? lo : 0;
        FR[2 * i + 1] = (imm >> i) & 1 ? hi : 0;
      }
    }
  }
}
