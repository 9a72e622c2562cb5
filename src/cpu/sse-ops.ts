// The SSE/SSE2 instructions the CPU executes (SSE and SSE2 without the MMX-register forms and CLFLUSH): their sub-op numbers (`aux` of Op.SSE), mnemonics, operand forms and memory sizes, and the opcode
// map from (mandatory prefix, 0F xx) to a sub-op (SDM Vol. 2, Appendix A, Table A-3).

/** Operand forms; "x" is the ModRM.reg XMM register, "xm" ModRM.rm as XMM register or memory. */
export const F_X_XM = 0; // x ← xm
export const F_XM_X = 1; // xm ← x
export const F_X_XM_I = 2; // x ← op(xm, imm8)
export const F_X_RM = 3; // x ← r/m32 or r/m64 (MOVD/MOVQ 66 0F 6E)
export const F_RM_X = 4; // r/m32 or r/m64 ← x (MOVD/MOVQ 66 0F 7E)
export const F_R_X = 5; // GPR (ModRM.reg) ← XMM (ModRM.rm), register only (PMOVMSKB, MOVMSKPS/PD)
export const F_X_I = 6; // XMM (ModRM.rm) shifted by imm8, register only (66 0F 71–73 groups)
export const F_M = 7; // memory only, no register operand
export const F_NONE = 8; // fences
export const F_M_R = 9; // m32/m64 ← GPR (MOVNTI)
export const F_R_XM = 10; // GPR (ModRM.reg, 32/64 by REX.W) ← XMM or memory (CVT(T)SS2SI, CVT(T)SD2SI)
export const F_X_RM_I = 11; // x ← r32/m16 with imm8 (PINSRW)
export const F_R_X_I = 12; // GPR ← XMM (ModRM.rm) with imm8, register only (PEXTRW)

/** Sub-op flags. */
export const SSE_ALIGN = 1; // a memory operand must be 16-byte aligned: #GP(0) otherwise (SDM Vol. 1 §11.4.1)
export const SSE_MEM_ONLY = 2;
export const SSE_REG_ONLY = 4;

export interface SseOp {
  name: string;
  form: number;
  /** bytes of the memory operand (for F_X_RM/F_RM_X/F_M_R: 4, or 8 with REX.W) */
  mem: number;
  flags: number;
}

const A = SSE_ALIGN;
const MO = SSE_MEM_ONLY;
const RO = SSE_REG_ONLY;

function op(name: string, form: number, mem: number, flags = 0): SseOp {
  return { name, form, mem, flags };
}

/** Indexed by sub-op; the interpreter's sse.ts switch uses these numbers as literal case labels. */
export const SSE_OPS: readonly SseOp[] = [
  op("(invalid)", F_NONE, 0),
  op("movups", F_X_XM, 16), // 1
  op("movups", F_XM_X, 16),
  op("movupd", F_X_XM, 16),
  op("movupd", F_XM_X, 16),
  op("movss", F_X_XM, 4), // 5
  op("movss", F_XM_X, 4),
  op("movsd", F_X_XM, 8),
  op("movsd", F_XM_X, 8),
  op("movlps", F_X_XM, 8, MO),
  op("movhlps", F_X_XM, 0, RO), // 10
  op("movlpd", F_X_XM, 8, MO),
  op("movlps", F_XM_X, 8, MO),
  op("movlpd", F_XM_X, 8, MO),
  op("movhps", F_X_XM, 8, MO),
  op("movlhps", F_X_XM, 0, RO), // 15
  op("movhpd", F_X_XM, 8, MO),
  op("movhps", F_XM_X, 8, MO),
  op("movhpd", F_XM_X, 8, MO),
  op("movaps", F_X_XM, 16, A),
  op("movaps", F_XM_X, 16, A), // 20
  op("movapd", F_X_XM, 16, A),
  op("movapd", F_XM_X, 16, A),
  op("movntps", F_XM_X, 16, A | MO),
  op("movntpd", F_XM_X, 16, A | MO),
  op("movmskps", F_R_X, 0, RO), // 25
  op("movmskpd", F_R_X, 0, RO),
  op("andps", F_X_XM, 16, A),
  op("andpd", F_X_XM, 16, A),
  op("andnps", F_X_XM, 16, A),
  op("andnpd", F_X_XM, 16, A), // 30
  op("orps", F_X_XM, 16, A),
  op("orpd", F_X_XM, 16, A),
  op("xorps", F_X_XM, 16, A),
  op("xorpd", F_X_XM, 16, A),
  op("punpcklbw", F_X_XM, 16, A), // 35 (66 0F 60 + i for 35..48)
  op("punpcklwd", F_X_XM, 16, A),
  op("punpckldq", F_X_XM, 16, A),
  op("packsswb", F_X_XM, 16, A),
  op("pcmpgtb", F_X_XM, 16, A),
  op("pcmpgtw", F_X_XM, 16, A), // 40
  op("pcmpgtd", F_X_XM, 16, A),
  op("packuswb", F_X_XM, 16, A),
  op("punpckhbw", F_X_XM, 16, A),
  op("punpckhwd", F_X_XM, 16, A),
  op("punpckhdq", F_X_XM, 16, A), // 45
  op("packssdw", F_X_XM, 16, A),
  op("punpcklqdq", F_X_XM, 16, A),
  op("punpckhqdq", F_X_XM, 16, A),
  op("movd", F_X_RM, 4),
  op("movdqa", F_X_XM, 16, A), // 50
  op("movdqu", F_X_XM, 16),
  op("pshufd", F_X_XM_I, 16, A),
  op("pshufhw", F_X_XM_I, 16, A),
  op("pshuflw", F_X_XM_I, 16, A),
  op("psrlw", F_X_I, 0, RO), // 55
  op("psraw", F_X_I, 0, RO),
  op("psllw", F_X_I, 0, RO),
  op("psrld", F_X_I, 0, RO),
  op("psrad", F_X_I, 0, RO),
  op("pslld", F_X_I, 0, RO), // 60
  op("psrlq", F_X_I, 0, RO),
  op("psrldq", F_X_I, 0, RO),
  op("psllq", F_X_I, 0, RO),
  op("pslldq", F_X_I, 0, RO),
  op("pcmpeqb", F_X_XM, 16, A), // 65
  op("pcmpeqw", F_X_XM, 16, A),
  op("pcmpeqd", F_X_XM, 16, A),
  op("movd", F_RM_X, 4),
  op("movq", F_X_XM, 8),
  op("movdqa", F_XM_X, 16, A), // 70
  op("movdqu", F_XM_X, 16),
  op("shufps", F_X_XM_I, 16, A),
  op("shufpd", F_X_XM_I, 16, A),
  op("psrlw", F_X_XM, 16, A), // 74 (66 0F D1 + i for 74..116, E6 and F0/F7 excepted)
  op("psrld", F_X_XM, 16, A), // 75
  op("psrlq", F_X_XM, 16, A),
  op("paddq", F_X_XM, 16, A),
  op("pmullw", F_X_XM, 16, A),
  op("movq", F_XM_X, 8),
  op("pmovmskb", F_R_X, 0, RO), // 80
  op("psubusb", F_X_XM, 16, A),
  op("psubusw", F_X_XM, 16, A),
  op("pminub", F_X_XM, 16, A),
  op("pand", F_X_XM, 16, A),
  op("paddusb", F_X_XM, 16, A), // 85
  op("paddusw", F_X_XM, 16, A),
  op("pmaxub", F_X_XM, 16, A),
  op("pandn", F_X_XM, 16, A),
  op("pavgb", F_X_XM, 16, A),
  op("psraw", F_X_XM, 16, A), // 90
  op("psrad", F_X_XM, 16, A),
  op("pavgw", F_X_XM, 16, A),
  op("pmulhuw", F_X_XM, 16, A),
  op("pmulhw", F_X_XM, 16, A),
  op("movntdq", F_XM_X, 16, A | MO), // 95
  op("psubsb", F_X_XM, 16, A),
  op("psubsw", F_X_XM, 16, A),
  op("pminsw", F_X_XM, 16, A),
  op("por", F_X_XM, 16, A),
  op("paddsb", F_X_XM, 16, A), // 100
  op("paddsw", F_X_XM, 16, A),
  op("pmaxsw", F_X_XM, 16, A),
  op("pxor", F_X_XM, 16, A),
  op("psllw", F_X_XM, 16, A),
  op("pslld", F_X_XM, 16, A), // 105
  op("psllq", F_X_XM, 16, A),
  op("pmuludq", F_X_XM, 16, A),
  op("pmaddwd", F_X_XM, 16, A),
  op("psadbw", F_X_XM, 16, A),
  op("psubb", F_X_XM, 16, A), // 110
  op("psubw", F_X_XM, 16, A),
  op("psubd", F_X_XM, 16, A),
  op("psubq", F_X_XM, 16, A),
  op("paddb", F_X_XM, 16, A),
  op("paddw", F_X_XM, 16, A), // 115
  op("paddd", F_X_XM, 16, A),
  op("movnti", F_M_R, 4, MO),
  op("fxsave", F_M, 0, A | MO), // 512 bytes
  op("fxrstor", F_M, 0, A | MO),
  op("ldmxcsr", F_M, 4, MO), // 120
  op("stmxcsr", F_M, 4, MO),
  op("lfence", F_NONE, 0),
  op("mfence", F_NONE, 0),
  op("sfence", F_NONE, 0),
  op("prefetchnta", F_M, 1, MO), // 125
  op("prefetcht0", F_M, 1, MO),
  op("prefetcht1", F_M, 1, MO),
  op("prefetcht2", F_M, 1, MO),
  // 129..156: floating-point arithmetic, sub = 129 + 4·kind + (0 PS, 1 PD, 2 SS, 3 SD), kinds as FP_ADD..FP_MAX
  ...["add", "sub", "mul", "div", "sqrt", "min", "max"].flatMap((k) => [
    op(`${k}ps`, F_X_XM, 16, A),
    op(`${k}pd`, F_X_XM, 16, A),
    op(`${k}ss`, F_X_XM, 4),
    op(`${k}sd`, F_X_XM, 8),
  ]),
  op("cmpps", F_X_XM_I, 16, A), // 157
  op("cmppd", F_X_XM_I, 16, A),
  op("cmpss", F_X_XM_I, 4),
  op("cmpsd", F_X_XM_I, 8), // 160
  op("ucomiss", F_X_XM, 4),
  op("ucomisd", F_X_XM, 8),
  op("comiss", F_X_XM, 4),
  op("comisd", F_X_XM, 8),
  op("cvtsi2ss", F_X_RM, 4), // 165
  op("cvtsi2sd", F_X_RM, 4),
  op("cvttss2si", F_R_XM, 4),
  op("cvttsd2si", F_R_XM, 8),
  op("cvtss2si", F_R_XM, 4),
  op("cvtsd2si", F_R_XM, 8), // 170
  op("cvtps2pd", F_X_XM, 8),
  op("cvtpd2ps", F_X_XM, 16, A),
  op("cvtss2sd", F_X_XM, 4),
  op("cvtsd2ss", F_X_XM, 8),
  op("cvtdq2ps", F_X_XM, 16, A), // 175
  op("cvtps2dq", F_X_XM, 16, A),
  op("cvttps2dq", F_X_XM, 16, A),
  op("cvttpd2dq", F_X_XM, 16, A),
  op("cvtdq2pd", F_X_XM, 8),
  op("cvtpd2dq", F_X_XM, 16, A), // 180
  op("unpcklps", F_X_XM, 16, A),
  op("unpcklpd", F_X_XM, 16, A),
  op("unpckhps", F_X_XM, 16, A),
  op("unpckhpd", F_X_XM, 16, A),
  op("pinsrw", F_X_RM_I, 2), // 185
  op("pextrw", F_R_X_I, 0, RO),
  op("rcpps", F_X_XM, 16, A), // 187
  op("rcpss", F_X_XM, 4),
  op("rsqrtps", F_X_XM, 16, A),
  op("rsqrtss", F_X_XM, 4), // 190
  op("maskmovdqu", F_X_XM, 0, RO), // stores to [RDI]
  // SSE3 (sse3.ts)
  op("lddqu", F_X_XM, 16, MO), // 192
  op("movddup", F_X_XM, 8),
  op("movsldup", F_X_XM, 16, A),
  op("movshdup", F_X_XM, 16, A), // 195
  op("addsubpd", F_X_XM, 16, A),
  op("addsubps", F_X_XM, 16, A),
  op("haddpd", F_X_XM, 16, A),
  op("haddps", F_X_XM, 16, A),
  op("hsubpd", F_X_XM, 16, A), // 200
  op("hsubps", F_X_XM, 16, A),
  // SSSE3 (ssse3.ts): 66 0F 38 xx (and the MMX forms, 0F 38 xx, through mmx.ts)
  op("pshufb", F_X_XM, 16, A), // 202
  op("phaddw", F_X_XM, 16, A),
  op("phaddd", F_X_XM, 16, A),
  op("phaddsw", F_X_XM, 16, A), // 205
  op("pmaddubsw", F_X_XM, 16, A),
  op("phsubw", F_X_XM, 16, A),
  op("phsubd", F_X_XM, 16, A),
  op("phsubsw", F_X_XM, 16, A),
  op("psignb", F_X_XM, 16, A), // 210
  op("psignw", F_X_XM, 16, A),
  op("psignd", F_X_XM, 16, A),
  op("pmulhrsw", F_X_XM, 16, A),
  op("pabsb", F_X_XM, 16, A),
  op("pabsw", F_X_XM, 16, A), // 215
  op("pabsd", F_X_XM, 16, A),
  op("palignr", F_X_XM_I, 16, A), // 217
];

/** First sub-op of the floating-point arithmetic block and of the compares/conversions after it. */
export const SSE_FP_ARITH = 129;
export const SSE_FP_END = 185;
/** RCPPS, RCPSS, RSQRTPS, RSQRTSS (the approximations) and MASKMOVDQU. */
export const SSE_RCP = 187;
export const SSE_MASKMOVDQU = 191;

/** SSE3: the moves 192–195 and the floating-point 196–201; SSSE3: 202–217. */
export const SSE3_FIRST = 192;
export const SSE3_FP = 196;
export const SSSE3_FIRST = 202;
export const SSSE3_LAST = 217;

export const SSE_FXSAVE = 118;
export const SSE_FXRSTOR = 119;
/** Bytes of the FXSAVE area. */
export const FXSAVE_SIZE = 512;

/** Mandatory-prefix classes: the last F2/F3 prefix if any, else 66, else none (SDM Vol. 2A §2.1.2). */
export const MP_NONE = 0;
export const MP_66 = 1;
export const MP_F3 = 2;
export const MP_F2 = 3;

/**
 * SSE_MAP[mp * 256 + opcode] = sub-op of 0F opcode with mandatory prefix mp, for the opcodes decoded through the
 * plain table (0 = not an SSE instruction here). 0F 12/16 (register vs memory), 0F 71–73, 0F AE and 0F 18 are
 * groups the decoder resolves with ModRM.
 */
export const SSE_MAP = new Uint8Array(4 * 256);
function map(mp: number, opcode: number, sub: number): void {
  SSE_MAP[mp * 256 + opcode] = sub;
}
map(MP_NONE, 0x10, 1);
map(MP_NONE, 0x11, 2);
map(MP_66, 0x10, 3);
map(MP_66, 0x11, 4);
map(MP_F3, 0x10, 5);
map(MP_F3, 0x11, 6);
map(MP_F2, 0x10, 7);
map(MP_F2, 0x11, 8);
map(MP_66, 0x12, 11);
map(MP_NONE, 0x13, 12);
map(MP_66, 0x13, 13);
map(MP_66, 0x16, 16);
map(MP_NONE, 0x17, 17);
map(MP_66, 0x17, 18);
map(MP_NONE, 0x28, 19);
map(MP_NONE, 0x29, 20);
map(MP_66, 0x28, 21);
map(MP_66, 0x29, 22);
map(MP_NONE, 0x2b, 23);
map(MP_66, 0x2b, 24);
map(MP_NONE, 0x50, 25);
map(MP_66, 0x50, 26);
for (let i = 0; i < 4; i++) {
  map(MP_NONE, 0x54 + i, 27 + 2 * i);
  map(MP_66, 0x54 + i, 28 + 2 * i);
}
for (let i = 0; i < 14; i++) map(MP_66, 0x60 + i, 35 + i);
map(MP_66, 0x6e, 49);
map(MP_66, 0x6f, 50);
map(MP_F3, 0x6f, 51);
map(MP_66, 0x70, 52);
map(MP_F3, 0x70, 53);
map(MP_F2, 0x70, 54);
map(MP_66, 0x74, 65);
map(MP_66, 0x75, 66);
map(MP_66, 0x76, 67);
map(MP_66, 0x7e, 68);
map(MP_F3, 0x7e, 69);
map(MP_66, 0x7f, 70);
map(MP_F3, 0x7f, 71);
map(MP_NONE, 0xc6, 72);
map(MP_66, 0xc6, 73);
{
  let sub = 74;
  for (let opc = 0xd1; opc <= 0xfe; opc++) {
    if (opc === 0xe6 || opc === 0xf0 || opc === 0xf7) continue;
    map(MP_66, opc, sub++);
  }
}
map(MP_NONE, 0xc3, 117);
// floating point (SDM Vol. 2, Table A-3 rows 5x, 2x, Cx, Ex)
[0x58, 0x5c, 0x59, 0x5e, 0x51, 0x5d, 0x5f].forEach((opc, kind) => {
  map(MP_NONE, opc, 129 + 4 * kind);
  map(MP_66, opc, 130 + 4 * kind);
  map(MP_F3, opc, 131 + 4 * kind);
  map(MP_F2, opc, 132 + 4 * kind);
});
map(MP_NONE, 0xc2, 157);
map(MP_66, 0xc2, 158);
map(MP_F3, 0xc2, 159);
map(MP_F2, 0xc2, 160);
map(MP_NONE, 0x2e, 161);
map(MP_66, 0x2e, 162);
map(MP_NONE, 0x2f, 163);
map(MP_66, 0x2f, 164);
map(MP_F3, 0x2a, 165);
map(MP_F2, 0x2a, 166);
map(MP_F3, 0x2c, 167);
map(MP_F2, 0x2c, 168);
map(MP_F3, 0x2d, 169);
map(MP_F2, 0x2d, 170);
map(MP_NONE, 0x5a, 171);
map(MP_66, 0x5a, 172);
map(MP_F3, 0x5a, 173);
map(MP_F2, 0x5a, 174);
map(MP_NONE, 0x5b, 175);
map(MP_66, 0x5b, 176);
map(MP_F3, 0x5b, 177);
map(MP_66, 0xe6, 178);
map(MP_F3, 0xe6, 179);
map(MP_F2, 0xe6, 180);
map(MP_NONE, 0x14, 181);
map(MP_66, 0x14, 182);
map(MP_NONE, 0x15, 183);
map(MP_66, 0x15, 184);
map(MP_66, 0xc4, 185);
map(MP_66, 0xc5, 186);
map(MP_NONE, 0x53, 187);
map(MP_F3, 0x53, 188);
map(MP_NONE, 0x52, 189);
map(MP_F3, 0x52, 190);
map(MP_66, 0xf7, 191);

// SSE3 (SDM Vol. 2, Table A-3)
map(MP_F2, 0xf0, 192);
map(MP_F2, 0x12, 193);
map(MP_F3, 0x12, 194);
map(MP_F3, 0x16, 195);
map(MP_66, 0xd0, 196);
map(MP_F2, 0xd0, 197);
map(MP_66, 0x7c, 198);
map(MP_F2, 0x7c, 199);
map(MP_66, 0x7d, 200);
map(MP_F2, 0x7d, 201);

/** 0F 38 xx → SSSE3 sub-op (with 66: XMM, without: MMX); 0 = none. 0F 3A 0F is PALIGNR. */
export const SSE_MAP_0F38 = new Uint8Array(256);
[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x1c, 0x1d, 0x1e].forEach(
  (opc, i) => {
    SSE_MAP_0F38[opc] = 202 + i;
  },
);
export const SSE_PALIGNR = 217;

/** 66 0F 71/72/73 /r ib: sub-op by (opcode - 0x71) * 8 + ModRM.reg; 0 = invalid. */
export const SSE_SHIFT_GROUP = Uint8Array.from([
  0, 0, 55, 0, 56, 0, 57, 0, 0, 0, 58, 0, 59, 0, 60, 0, 0, 0, 61, 62, 0, 0, 63, 64,
]);

// ---- SSE4.1 and SSE4.2 (sse41.ts, sse42.ts): Op.SSE4, aux = sub-op below (SDM Vol. 2, Table) ----

/** SSE4 forms beyond the SSE ones: r/m ← XMM (ModRM.reg) with imm8 (PEXTRB/W/D/Q, EXTRACTPS); GPR ← r/m (CRC32). */
export const F_RM_X_I = 13;
export const F_R_RM = 14;

/** Indexed by the Op.SSE4 sub-op; `mem` of PEXTRD/PINSRD is 8 with REX.W (PEXTRQ/PINSRQ), CRC32 F1 takes osz. */
export const SSE4_OPS: readonly SseOp[] = [
  op("(invalid)", F_NONE, 0),
  op("pblendvb", F_X_XM, 16, A), // 1
  op("blendvps", F_X_XM, 16, A),
  op("blendvpd", F_X_XM, 16, A),
  op("ptest", F_X_XM, 16, A),
  op("pmovsxbw", F_X_XM, 8), // 5
  op("pmovsxbd", F_X_XM, 4),
  op("pmovsxbq", F_X_XM, 2),
  op("pmovsxwd", F_X_XM, 8),
  op("pmovsxwq", F_X_XM, 4),
  op("pmovsxdq", F_X_XM, 8), // 10
  op("pmuldq", F_X_XM, 16, A),
  op("pcmpeqq", F_X_XM, 16, A),
  op("movntdqa", F_X_XM, 16, A | MO),
  op("packusdw", F_X_XM, 16, A),
  op("pmovzxbw", F_X_XM, 8), // 15
  op("pmovzxbd", F_X_XM, 4),
  op("pmovzxbq", F_X_XM, 2),
  op("pmovzxwd", F_X_XM, 8),
  op("pmovzxwq", F_X_XM, 4),
  op("pmovzxdq", F_X_XM, 8), // 20
  op("pcmpgtq", F_X_XM, 16, A), // SSE4.2
  op("pminsb", F_X_XM, 16, A),
  op("pminsd", F_X_XM, 16, A),
  op("pminuw", F_X_XM, 16, A),
  op("pminud", F_X_XM, 16, A), // 25
  op("pmaxsb", F_X_XM, 16, A),
  op("pmaxsd", F_X_XM, 16, A),
  op("pmaxuw", F_X_XM, 16, A),
  op("pmaxud", F_X_XM, 16, A),
  op("pmulld", F_X_XM, 16, A), // 30
  op("phminposuw", F_X_XM, 16, A),
  op("roundps", F_X_XM_I, 16, A),
  op("roundpd", F_X_XM_I, 16, A),
  op("roundss", F_X_XM_I, 4),
  op("roundsd", F_X_XM_I, 8), // 35
  op("blendps", F_X_XM_I, 16, A),
  op("blendpd", F_X_XM_I, 16, A),
  op("pblendw", F_X_XM_I, 16, A),
  op("pextrb", F_RM_X_I, 1),
  op("pextrw", F_RM_X_I, 2), // 40
  op("pextrd", F_RM_X_I, 4),
  op("extractps", F_RM_X_I, 4),
  op("pinsrb", F_X_RM_I, 1),
  op("insertps", F_X_XM_I, 4),
  op("pinsrd", F_X_RM_I, 4), // 45
  op("dpps", F_X_XM_I, 16, A),
  op("dppd", F_X_XM_I, 16, A),
  op("mpsadbw", F_X_XM_I, 16, A),
  // SSE4.2: the string compares take unaligned memory operands (SDM Vol. 1 §12.10.4); CRC32
  op("pcmpestrm", F_X_XM_I, 16),
  op("pcmpestri", F_X_XM_I, 16), // 50
  op("pcmpistrm", F_X_XM_I, 16),
  op("pcmpistri", F_X_XM_I, 16),
  op("crc32", F_R_RM, 1),
  op("crc32", F_R_RM, 4), // 54
];

export const SSE4_PMOVSXBW = 5;
export const SSE4_PMOVZXBW = 15;
export const SSE4_ROUNDPS = 32;
export const SSE4_ROUNDSD = 35;
export const SSE4_PEXTRB = 39;
export const SSE4_PEXTRD = 41;
export const SSE4_PINSRD = 45;
export const SSE4_DPPS = 46;
export const SSE4_DPPD = 47;
export const SSE4_PCMPESTRM = 49;
export const SSE4_PCMPISTRI = 52;
export const SSE4_CRC32_8 = 53;
export const SSE4_CRC32 = 54;

/** 66 0F 38 xx → SSE4 sub-op (0 = none); F2 0F 38 F0/F1 are CRC32 (the decoder checks the prefix). */
export const SSE4_MAP_0F38 = new Uint8Array(256);
/** 66 0F 3A xx → SSE4 sub-op (0 = none; 0F is SSSE3's PALIGNR). */
export const SSE4_MAP_0F3A = new Uint8Array(256);
[
  [0x10, 1],
  [0x14, 2],
  [0x15, 3],
  [0x17, 4],
  [0x28, 11],
  [0x29, 12],
  [0x2a, 13],
  [0x2b, 14],
  [0x37, 21],
  [0x40, 30],
  [0x41, 31],
  [0xf0, SSE4_CRC32_8],
  [0xf1, SSE4_CRC32],
].forEach(([opc, sub]) => {
  SSE4_MAP_0F38[opc!] = sub!;
});
for (let i = 0; i < 6; i++) {
  SSE4_MAP_0F38[0x20 + i] = SSE4_PMOVSXBW + i;
  SSE4_MAP_0F38[0x30 + i] = SSE4_PMOVZXBW + i;
}
for (let i = 0; i < 8; i++) SSE4_MAP_0F38[0x38 + i] = 22 + i; // PMINSB … PMAXUD
for (let i = 0; i < 7; i++) SSE4_MAP_0F3A[0x08 + i] = SSE4_ROUNDPS + i; // ROUNDPS … PBLENDW
for (let i = 0; i < 4; i++) {
  SSE4_MAP_0F3A[0x14 + i] = SSE4_PEXTRB + i; // PEXTRB PEXTRW PEXTRD/Q EXTRACTPS
  SSE4_MAP_0F3A[0x60 + i] = SSE4_PCMPESTRM + i;
}
for (let i = 0; i < 3; i++) {
  SSE4_MAP_0F3A[0x20 + i] = 43 + i; // PINSRB INSERTPS PINSRD/Q
  SSE4_MAP_0F3A[0x40 + i] = SSE4_DPPS + i; // DPPS DPPD MPSADBW
}
