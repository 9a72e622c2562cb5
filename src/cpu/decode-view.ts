// The decoder seen from a test: decoded fields rendered in the normalised form the iced-x86 differential test
// compares (notes/cpu-api.md; notes/decoder-bugs.md "Normalisation decisions").

import {
  BMI_ANDN,
  BMI_BLSI,
  BMI_BLSMSK,
  BMI_BLSR,
  BMI_MULX,
  BMI_NAMES,
  BMI_PDEP,
  BMI_PEXT,
  BMI_RORX,
} from "./bmi.ts";
import {
  DecodedInsns,
  HIGH_BYTE,
  NONE,
  Op,
  PFX_ADDR32,
  PFX_REP,
  PFX_REPNE,
  PFX_REXW,
  RIP_BASE,
} from "./decoded.ts";
import { decodeInsn, MAX_INSN_LENGTH, MOVSXD_FLAG, TRUNCATED } from "./decoder.ts";
import { MMX_EMMS, MMX_MOVNTQ } from "./mmx.ts";
import { SREG_NAMES } from "./registers.ts";
import {
  F_M,
  F_M_R,
  F_R_X,
  F_R_X_I,
  F_R_XM,
  F_RM_X,
  F_RM_X_I,
  F_X_I,
  F_X_RM,
  F_X_RM_I,
  F_X_XM,
  F_X_XM_I,
  F_XM_X,
  FXSAVE_SIZE,
  SSE_FXRSTOR,
  SSE_FXSAVE,
  SSE_MASKMOVDQU,
  SSE_OPS,
  SSE4_CRC32_8,
  SSE4_OPS,
} from "./sse-ops.ts";

export interface OracleOperand {
  kind: "reg" | "imm" | "mem" | "rel";
  text: string;
}
export interface OracleInsn {
  length: number;
  mnemonic: string;
  operands: OracleOperand[];
}

const R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];
const R8H = ["ah", "ch", "dh", "bh"];
const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const SHIFTS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const SIZE_NAME: Record<number, string> = {
  0: "",
  1: "byte",
  2: "word",
  4: "dword",
  8: "qword",
  10: "tbyte",
  16: "xmmword",
  28: "28bytes",
  108: "108bytes",
  [FXSAVE_SIZE]: "512bytes",
};
const SUFFIX: Record<number, string> = { 1: "b", 2: "w", 4: "d", 8: "q" };

/** Register name of GPR r at `size` bytes (byte registers 16–19 are AH..BH). */
export function gprName(r: number, size: number): string {
  if (size === 1 && r >= HIGH_BYTE) return R8H[r - HIGH_BYTE]!;
  if (r < 8) return (size === 8 ? R64 : size === 4 ? R32 : size === 2 ? R16 : R8)[r]!;
  return `r${r}${size === 8 ? "" : size === 4 ? "d" : size === 2 ? "w" : "b"}`;
}

function hexU(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function signedHex(v: bigint): string {
  return v < 0n ? `-${hexU(-v)}` : `+${hexU(v)}`;
}

const scratch = new DecodedInsns(1);

/** Decodes one instruction; null when it is invalid or unsupported (#UD) or the bytes end too early. */
export function decodeForOracle(bytes: Uint8Array, rip = 0n): OracleInsn | null {
  const d = scratch;
  try {
    decodeInsn(bytes, Math.min(bytes.length, MAX_INSN_LENGTH), d, 0);
  } catch (e) {
    if (e === TRUNCATED) return null;
    throw e;
  }
  if (d.op[0] === Op.INVALID) return null;
  return render(d, 0, rip);
}

/** Renders slot s of a DecodedInsns (decoded at `rip`) in the oracle form. */
export function render(d: DecodedInsns, s: number, rip: bigint): OracleInsn {
  const op = d.op[s]!;
  const size = d.size[s]!;
  const aux = d.aux[s]!;
  const len = d.len[s]!;
  const pfx = d.pfx[s]!;
  const next = rip + BigInt(len);
  const imm = (): bigint => (BigInt(d.immHi[s]!) << 32n) | BigInt(d.immLo[s]! >>> 0);
  const immOp = (bits: number): OracleOperand => ({ kind: "imm", text: hexU(BigInt.asUintN(bits, imm())) });
  const reg = (r: number, sz: number): OracleOperand => ({ kind: "reg", text: gprName(r, sz) });
  const mem = (sz: number): OracleOperand => ({ kind: "mem", text: memText(d, s, sz, next) });
  const rm = (sz: number): OracleOperand => (d.rm[s] === NONE ? mem(sz) : reg(d.rm[s]!, sz));
  const rel = (): OracleOperand => ({ kind: "rel", text: hexU(BigInt.asUintN(64, next + imm())) });
  const ops: OracleOperand[] = [];
  let m: string;
  switch (op) {
    case Op.NOP:
      m = ["nop", "pause", "endbr64", "endbr32", "nop"][aux]!;
      if (aux === 4) ops.push(rm(size));
      break;
    case Op.MOV_RM_R:
      m = "mov";
      ops.push(rm(size), reg(d.reg[s]!, size));
      break;
    case Op.MOV_R_RM:
      m = "mov";
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.MOV_RM_IMM:
      m = "mov";
      ops.push(rm(size), immOp(size * 8));
      break;
    case Op.MOV_MOFFS_LOAD:
    case Op.MOV_MOFFS_STORE: {
      m = "mov";
      const a = (pfx & PFX_ADDR32) !== 0 ? BigInt(d.immLo[s]!) : BigInt.asIntN(64, imm());
      const mo: OracleOperand = {
        kind: "mem",
        text: `${SIZE_NAME[size]}:${SREG_NAMES[d.seg[s]!]}:${signedHex(a)}`,
      };
      if (op === Op.MOV_MOFFS_LOAD) ops.push(reg(0, size), mo);
      else ops.push(mo, reg(0, size));
      break;
    }
    case Op.MOVZX:
    case Op.MOVSX:
      m = op === Op.MOVZX ? "movzx" : (aux & MOVSXD_FLAG) !== 0 ? "movsxd" : "movsx";
      ops.push(reg(d.reg[s]!, size), rm(aux & 15));
      break;
    case Op.LEA:
      m = "lea";
      ops.push(reg(d.reg[s]!, size), mem(0));
      break;
    case Op.ALU_RM_R:
      m = ALU[aux]!;
      ops.push(rm(size), reg(d.reg[s]!, size));
      break;
    case Op.ALU_R_RM:
      m = ALU[aux]!;
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.ALU_RM_IMM:
      m = ALU[aux]!;
      ops.push(rm(size), immOp(size * 8));
      break;
    case Op.TEST_RM_R:
      m = "test";
      ops.push(rm(size), reg(d.reg[s]!, size));
      break;
    case Op.TEST_RM_IMM:
      m = "test";
      ops.push(rm(size), immOp(size * 8));
      break;
    case Op.INC:
    case Op.DEC:
    case Op.NEG:
    case Op.NOT:
      m = op === Op.INC ? "inc" : op === Op.DEC ? "dec" : op === Op.NEG ? "neg" : "not";
      ops.push(rm(size));
      break;
    case Op.SHIFT_IMM:
    case Op.SHIFT_CL:
      m = SHIFTS[aux]!;
      ops.push(rm(size), op === Op.SHIFT_CL ? reg(1, 1) : immOp(8));
      break;
    case Op.IMUL_R_RM:
      m = "imul";
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.IMUL_R_RM_IMM:
      m = "imul";
      ops.push(reg(d.reg[s]!, size), rm(size), immOp(size * 8));
      break;
    case Op.MUL1:
      m = aux === 4 ? "mul" : "imul";
      ops.push(rm(size));
      break;
    case Op.DIV:
      m = aux === 6 ? "div" : "idiv";
      ops.push(rm(size));
      break;
    case Op.PUSH_RM:
      m = "push";
      ops.push(rm(size));
      break;
    case Op.PUSH_IMM:
      m = "push";
      ops.push(immOp(size * 8));
      break;
    case Op.POP_RM:
      m = "pop";
      ops.push(rm(size));
      break;
    case Op.CALL_REL:
    case Op.JMP_REL:
      m = op === Op.CALL_REL ? "call" : "jmp";
      ops.push(rel());
      break;
    case Op.CALL_RM:
    case Op.JMP_RM:
      m = op === Op.CALL_RM ? "call" : "jmp";
      ops.push(rm(8));
      break;
    case Op.RET:
      m = "ret";
      if (aux === 1) ops.push(immOp(16));
      break;
    case Op.JCC:
      m = `j${CC[aux]}`;
      ops.push(rel());
      break;
    case Op.SETCC:
      m = `set${CC[aux]}`;
      ops.push(rm(1));
      break;
    case Op.CMOVCC:
      m = `cmov${CC[aux]}`;
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.CBW:
      m = size === 2 ? "cbw" : size === 4 ? "cwde" : "cdqe";
      break;
    case Op.CWD:
      m = size === 2 ? "cwd" : size === 4 ? "cdq" : "cqo";
      break;
    case Op.XCHG:
      m = "xchg";
      ops.push(rm(size), reg(d.reg[s]!, size));
      break;
    case Op.BT_RM_R:
    case Op.BT_RM_IMM:
      m = ["bt", "bts", "btr", "btc"][aux]!;
      ops.push(rm(size), op === Op.BT_RM_R ? reg(d.reg[s]!, size) : immOp(8));
      break;
    case Op.LEAVE:
      m = "leave";
      break;
    case Op.MOVS:
    case Op.STOS:
    case Op.LODS: {
      const a32 = (pfx & PFX_ADDR32) !== 0;
      const dst: OracleOperand = { kind: "mem", text: `${SIZE_NAME[size]}:es:${a32 ? "edi" : "rdi"}` };
      const seg = d.segOverride[s] === NONE ? "ds" : SREG_NAMES[d.segOverride[s]!]!;
      const src: OracleOperand = { kind: "mem", text: `${SIZE_NAME[size]}:${seg}:${a32 ? "esi" : "rsi"}` };
      const base = op === Op.MOVS ? "movs" : op === Op.STOS ? "stos" : "lods";
      m = base + SUFFIX[size]!;
      if (op !== Op.LODS) {
        if (pfx & PFX_REP) m = `rep ${m}`;
        else if (pfx & PFX_REPNE) m = `repne ${m}`;
      }
      if (op === Op.MOVS) ops.push(dst, src);
      else if (op === Op.STOS) ops.push(dst, reg(0, size));
      else ops.push(reg(0, size), src);
      break;
    }
    case Op.PUSHF:
      m = size === 8 ? "pushfq" : "pushf";
      break;
    case Op.POPF:
      m = size === 8 ? "popfq" : "popf";
      break;
    case Op.INT3:
      m = "int3";
      break;
    case Op.INT_N:
      m = "int";
      ops.push(immOp(8));
      break;
    case Op.MOV_FROM_CR:
      m = "mov";
      ops.push(reg(d.rm[s]!, 8), { kind: "reg", text: `cr${d.reg[s]}` });
      break;
    case Op.MOV_TO_CR:
      m = "mov";
      ops.push({ kind: "reg", text: `cr${d.reg[s]}` }, reg(d.rm[s]!, 8));
      break;
    case Op.SYSRET:
      m = (pfx & PFX_REXW) !== 0 ? "sysretq" : "sysret";
      break;
    case Op.CMPXCHG:
    case Op.XADD:
      m = op === Op.CMPXCHG ? "cmpxchg" : "xadd";
      ops.push(rm(size), reg(d.reg[s]!, size));
      break;
    case Op.BSWAP:
      m = "bswap";
      ops.push(reg(d.rm[s]!, size));
      break;
    case Op.BSF:
      m = ["bsf", "bsr", "tzcnt", "lzcnt"][aux]!;
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.SHLD:
      m = aux & 1 ? "shrd" : "shld";
      ops.push(rm(size), reg(d.reg[s]!, size), aux & 2 ? reg(1, 1) : immOp(8));
      break;
    case Op.CMPS:
    case Op.SCAS: {
      const a32 = (pfx & PFX_ADDR32) !== 0;
      const dst: OracleOperand = { kind: "mem", text: `${SIZE_NAME[size]}:es:${a32 ? "edi" : "rdi"}` };
      m = (op === Op.CMPS ? "cmps" : "scas") + SUFFIX[size]!;
      if (pfx & PFX_REP) m = `rep ${m}`;
      else if (pfx & PFX_REPNE) m = `repne ${m}`;
      if (op === Op.CMPS) {
        const seg = d.segOverride[s] === NONE ? "ds" : SREG_NAMES[d.segOverride[s]!]!;
        ops.push({ kind: "mem", text: `${SIZE_NAME[size]}:${seg}:${a32 ? "esi" : "rsi"}` }, dst);
      } else {
        ops.push(reg(0, size), dst);
      }
      break;
    }
    case Op.SSE:
      m = renderSse(d, s, ops, rm, reg, mem, immOp);
      break;
    case Op.SSE4: {
      const e = SSE4_OPS[aux]!;
      const xmm = (r: number): OracleOperand => ({ kind: "reg", text: `xmm${r}` });
      const gpr = (): OracleOperand =>
        d.rm[s] === NONE ? mem(d.memSize[s]!) : reg(d.rm[s]!, aux >= SSE4_CRC32_8 ? d.immLo[s]! : size);
      const w = (pfx & PFX_REXW) !== 0;
      // REX.W: PEXTRQ, PINSRQ and the 64-bit-length PCMPESTRI64/PCMPESTRM64
      m = w && (e.name === "pextrd" || e.name === "pinsrd") ? `${e.name.slice(0, -1)}q` : e.name;
      if (w && e.name.startsWith("pcmpestr")) m = `${e.name}64`;
      if (e.form === F_RM_X_I) ops.push(gpr(), xmm(d.reg[s]!), immOp(8));
      else if (e.form === F_X_RM_I) ops.push(xmm(d.reg[s]!), gpr(), immOp(8));
      else if (aux >= SSE4_CRC32_8) ops.push(reg(d.reg[s]!, size), gpr());
      else {
        ops.push(xmm(d.reg[s]!), d.rm[s] === NONE ? mem(e.mem) : xmm(d.rm[s]!));
        if (e.form === F_X_XM_I) ops.push(immOp(8));
      }
      break;
    }
    case Op.LOOP:
      m = ["loopne", "loope", "loop", (pfx & PFX_ADDR32) !== 0 ? "jecxz" : "jrcxz"][aux]!;
      ops.push(rel());
      break;
    case Op.CMPXCHG8B:
      m = size === 16 ? "cmpxchg16b" : "cmpxchg8b";
      ops.push(mem(size));
      break;
    case Op.POPCNT:
      m = "popcnt";
      ops.push(reg(d.reg[s]!, size), rm(size));
      break;
    case Op.X87:
      m = renderX87(d, s, ops, mem);
      break;
    case Op.MMX:
      m = renderMmx(d, s, ops, reg, mem, immOp);
      break;
    case Op.BMI: {
      m = BMI_NAMES[aux]!;
      const v = reg(d.immHi[s]!, size);
      const r = reg(d.reg[s]!, size);
      if (aux === BMI_ANDN || aux === BMI_PDEP || aux === BMI_PEXT || aux === BMI_MULX)
        ops.push(r, v, rm(size));
      else if (aux === BMI_BLSR || aux === BMI_BLSMSK || aux === BMI_BLSI) ops.push(v, rm(size));
      else if (aux === BMI_RORX) ops.push(r, rm(size), immOp(8));
      else ops.push(r, rm(size), v);
      break;
    }
    default:
      m = SIMPLE[op] ?? `op${op}`;
  }
  return { length: len, mnemonic: m, operands: ops };
}

function renderSse(
  d: DecodedInsns,
  s: number,
  ops: OracleOperand[],
  rm: (sz: number) => OracleOperand,
  reg: (r: number, sz: number) => OracleOperand,
  mem: (sz: number) => OracleOperand,
  immOp: (bits: number) => OracleOperand,
): string {
  const sub = d.aux[s]!;
  const e = SSE_OPS[sub]!;
  const size = d.size[s]!;
  const xmm = (r: number): OracleOperand => ({ kind: "reg", text: `xmm${r}` });
  const xm = (): OracleOperand => (d.rm[s] === NONE ? mem(e.mem) : xmm(d.rm[s]!));
  const w = (d.pfx[s]! & PFX_REXW) !== 0;
  if (sub === SSE_MASKMOVDQU) {
    // the implicit destination [RDI] (EDI with 67), DS unless overridden
    const seg = d.segOverride[s] === NONE ? "ds" : SREG_NAMES[d.segOverride[s]!]!;
    const a32 = (d.pfx[s]! & PFX_ADDR32) !== 0;
    ops.push(
      { kind: "mem", text: `${SIZE_NAME[16]}:${seg}:${a32 ? "edi" : "rdi"}` },
      xmm(d.reg[s]!),
      xmm(d.rm[s]!),
    );
    return e.name;
  }
  switch (e.form) {
    case F_X_XM:
      ops.push(xmm(d.reg[s]!), xm());
      break;
    case F_XM_X:
      ops.push(xm(), xmm(d.reg[s]!));
      break;
    case F_X_XM_I:
      ops.push(xmm(d.reg[s]!), xm(), immOp(8));
      break;
    case F_X_RM:
      ops.push(xmm(d.reg[s]!), rm(size));
      return e.name === "movd" ? (w ? "movq" : "movd") : e.name;
    case F_X_RM_I:
      ops.push(xmm(d.reg[s]!), d.rm[s] === NONE ? mem(e.mem) : reg(d.rm[s]!, 4), immOp(8));
      break;
    case F_R_XM:
      ops.push(reg(d.reg[s]!, size), xm());
      break;
    case F_R_X_I:
      ops.push(reg(d.reg[s]!, size), xmm(d.rm[s]!), immOp(8));
      break;
    case F_RM_X:
      ops.push(rm(size), xmm(d.reg[s]!));
      return w ? "movq" : "movd";
    case F_R_X:
      ops.push(reg(d.reg[s]!, size), xmm(d.rm[s]!));
      break;
    case F_X_I:
      ops.push(xmm(d.rm[s]!), immOp(8));
      break;
    case F_M:
      if (sub === SSE_FXSAVE || sub === SSE_FXRSTOR) {
        ops.push(mem(FXSAVE_SIZE));
        return w ? `${e.name}64` : e.name;
      }
      ops.push(mem(e.mem));
      break;
    case F_M_R:
      ops.push(mem(size), reg(d.reg[s]!, size));
      break;
  }
  return e.name;
}

const ST = (i: number): OracleOperand => ({ kind: "reg", text: `st${i}` });
const X87_ARITH = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];
const X87_MEM: readonly (string | undefined)[][] = [
  X87_ARITH,
  ["fld", undefined, "fst", "fstp", "fldenv", "fldcw", "fnstenv", "fnstcw"],
  X87_ARITH.map((n) => n.replace("f", "fi")),
  ["fild", "fisttp", "fist", "fistp", undefined, "fld", undefined, "fstp"],
  X87_ARITH,
  ["fld", "fisttp", "fst", "fstp", "frstor", undefined, "fnsave", "fnstsw"],
  X87_ARITH.map((n) => n.replace("f", "fi")),
  ["fild", "fisttp", "fist", "fistp", "fbld", "fild", "fbstp", "fistp"],
];
const D9_NAMES: Record<number, string> = {
  208: "fnop",
  224: "fchs",
  225: "fabs",
  228: "ftst",
  229: "fxam",
  232: "fld1",
  233: "fldl2t",
  234: "fldl2e",
  235: "fldpi",
  236: "fldlg2",
  237: "fldln2",
  238: "fldz",
  244: "fxtract",
  245: "fprem1",
  246: "fdecstp",
  247: "fincstp",
  248: "fprem",
  250: "fsqrt",
  252: "frndint",
  253: "fscale",
};

function renderX87(
  d: DecodedInsns,
  s: number,
  ops: OracleOperand[],
  mem: (sz: number) => OracleOperand,
): string {
  const opc = d.aux[s]!;
  if (opc === 8) return "wait";
  const m = d.immLo[s]! & 0xff;
  const reg = (m >> 3) & 7;
  const i = m & 7;
  if (m < 0xc0) {
    ops.push(mem(d.memSize[s]!));
    return X87_MEM[opc]![reg]!;
  }
  switch (opc) {
    case 0:
      ops.push(ST(0), ST(i));
      return X87_ARITH[reg]!;
    case 1:
      if (reg === 0) {
        ops.push(ST(i));
        return "fld";
      }
      if (reg === 1) {
        ops.push(ST(0), ST(i));
        return "fxch";
      }
      return D9_NAMES[m]!;
    case 2:
    case 3:
      if (reg < 4) {
        ops.push(ST(0), ST(i));
        return (
          opc === 2
            ? ["fcmovb", "fcmove", "fcmovbe", "fcmovu"]
            : ["fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"]
        )[reg]!;
      }
      if (opc === 2 && m === 0xe9) return "fucompp"; // DB E9 is FUCOMI ST0, ST1
      if (m === 0xe2) return "fnclex";
      if (m === 0xe3) return "fninit";
      ops.push(ST(0), ST(i));
      return reg === 5 ? "fucomi" : "fcomi";
    case 4:
    case 6:
      if (m === 0xd9) return "fcompp";
      ops.push(ST(i), ST(0));
      return X87_ARITH[reg >= 4 ? reg ^ 1 : reg]! + (opc === 6 ? "p" : "");
    case 5:
      if (reg >= 4) {
        ops.push(ST(0), ST(i));
        return reg === 4 ? "fucom" : "fucomp";
      }
      ops.push(ST(i));
      return ["ffree", "", "fst", "fstp"][reg]!;
    default:
      if (m === 0xe0) {
        ops.push({ kind: "reg", text: "ax" });
        return "fnstsw";
      }
      ops.push(ST(0), ST(i));
      return reg === 5 ? "fucomip" : "fcomip";
  }
}

function renderMmx(
  d: DecodedInsns,
  s: number,
  ops: OracleOperand[],
  reg: (r: number, sz: number) => OracleOperand,
  mem: (sz: number) => OracleOperand,
  immOp: (bits: number) => OracleOperand,
): string {
  const sub = d.aux[s]!;
  if (sub === MMX_EMMS) return "emms";
  const mm = (r: number): OracleOperand => ({ kind: "reg", text: `mm${r & 7}` });
  const isMem = d.rm[s] === NONE;
  const mmOrMem = (sz: number) => (isMem ? mem(sz) : mm(d.rm[s]!));
  const size = d.size[s]!;
  const g = d.reg[s]!;
  const w = (d.pfx[s]! & PFX_REXW) !== 0;
  switch (sub) {
    case 49:
      ops.push(mm(g), isMem ? mem(size) : reg(d.rm[s]!, size));
      return w ? "movq" : "movd";
    case 68:
      ops.push(isMem ? mem(size) : reg(d.rm[s]!, size), mm(g));
      return w ? "movq" : "movd";
    case 69:
      ops.push(mm(g), mmOrMem(8));
      return "movq";
    case 79:
      ops.push(mmOrMem(8), mm(g));
      return "movq";
    case MMX_MOVNTQ:
      ops.push(mem(8), mm(g));
      return "movntq";
    case 80:
      ops.push(reg(g, size), mm(d.rm[s]!));
      return "pmovmskb";
    case 185:
      ops.push(mm(g), isMem ? mem(2) : reg(d.rm[s]!, size), immOp(8));
      return "pinsrw";
    case 186:
      ops.push(reg(g, size), mm(d.rm[s]!), immOp(8));
      return "pextrw";
    case 54:
      ops.push(mm(g), mmOrMem(8), immOp(8));
      return "pshufw";
  }
  if (sub >= 55 && sub <= 64) {
    ops.push(mm(d.rm[s]!), immOp(8));
    return SSE_OPS[sub]!.name;
  }
  ops.push(mm(g), mmOrMem(d.memSize[s]! || 8));
  if (sub === 217) ops.push(immOp(8)); // PALIGNR
  return SSE_OPS[sub]!.name;
}

const SIMPLE: Record<number, string> = {
  [Op.CLD]: "cld",
  [Op.STD]: "std",
  [Op.CPUID]: "cpuid",
  [Op.RDTSC]: "rdtsc",
  [Op.UD2]: "ud2",
  [Op.HLT]: "hlt",
  [Op.CLI]: "cli",
  [Op.STI]: "sti",
  [Op.RDMSR]: "rdmsr",
  [Op.WRMSR]: "wrmsr",
  [Op.SWAPGS]: "swapgs",
  [Op.SYSCALL]: "syscall",
  [Op.IRETQ]: "iretq",
  [Op.CLC]: "clc",
  [Op.STC]: "stc",
  [Op.CMC]: "cmc",
  [Op.LAHF]: "lahf",
  [Op.SAHF]: "sahf",
  [Op.RDTSCP]: "rdtscp",
};

function memText(d: DecodedInsns, s: number, sz: number, next: bigint): string {
  const seg = SREG_NAMES[d.seg[s]!]!;
  const a32 = (d.pfx[s]! & PFX_ADDR32) !== 0;
  const b = d.base[s]!;
  const x = d.index[s]!;
  const disp = BigInt(d.disp[s]!);
  let addr: string;
  if (b === RIP_BASE) {
    const t = next + disp;
    addr = `abs:${hexU(a32 ? BigInt.asUintN(32, t) : BigInt.asUintN(64, t))}`;
  } else {
    const asz = a32 ? 4 : 8;
    addr = b === NONE ? "" : gprName(b, asz);
    if (x !== NONE) addr += `${addr === "" ? "" : "+"}${gprName(x, asz)}*${1 << d.scale[s]!}`;
    if (disp !== 0n || b === NONE) addr += signedHex(disp);
  }
  return `${SIZE_NAME[sz] ?? ""}:${seg}:${addr}`;
}
