// The x87 FPU (SDM Vol. 1 ch. 8, Vol. 2 "F…" pages): the register stack R0–R7 (Cpu.fpSe/fpSig), FCW, FSW (TOP
// kept apart in Cpu.fpTop), the tags (Cpu.fpTags, one bit per physical register: in use), and the D8–DF opcodes.
// Arithmetic is float80.ts. Exceptions are handled with their masked responses (the default FCW masks them all);
// an unmasked one would be reported through #MF at the next x87 instruction, which is not modelled: the
// instruction stops with #MF and a detail saying so. Not implemented (#UD): the transcendental instructions
// (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1), FBLD/FBSTP and the undocumented aliases.
import { hex } from "./address.ts";
import type { Cpu } from "./cpu.ts";
import { MF_VEC, UD } from "./exceptions.ts";
import { raise } from "./fault.ts";
import { testCondition } from "./flags.ts";
import {
  arith,
  compare,
  examine,
  extract,
  FE_IE,
  FE_SF,
  fromIeee,
  fromInt,
  fx,
  fxBegin,
  fxC1,
  fxClear,
  fxRaise,
  INDEF_SE,
  INDEF_SIG,
  ieeeHi,
  ieeeLo,
  K_ZERO,
  classify as kindOf,
  memDenormal,
  RC_NEAREST,
  RC_UP,
  RC_ZERO,
  remainder,
  roundInt,
  rSe,
  rSig,
  scale,
  sqrt,
  toIeee,
  toInt,
  xSe,
  xSig,
} from "./float80.ts";

export { MF_VEC } from "./exceptions.ts";

const C0 = 1 << 8;
const C1 = 1 << 9;
const C2 = 1 << 10;
const C3 = 1 << 14;
const CC = C0 | C1 | C2 | C3;
const FSW_ES = 1 << 7;
const FSW_B = 1 << 15;

/** FNINIT state (SDM Vol. 1 Table 8-?: FCW 037FH, FSW 0, all tags empty). */
export function fpuInit(cpu: Cpu): void {
  cpu.fcw = 0x037f;
  cpu.fsw = 0;
  cpu.fpTop = 0;
  cpu.fpTags = 0;
}

/** FSW as software reads it: TOP in bits 13:11. */
export function fswValue(cpu: Cpu): number {
  return (cpu.fsw & ~0x3800) | (cpu.fpTop << 11);
}
export function setFsw(cpu: Cpu, v: number): void {
  cpu.fsw = v & 0xffff & ~0x3800;
  cpu.fpTop = (v >> 11) & 7;
}

/** The full 2-bit-per-register tag word (FNSTENV/FNSAVE): 00 valid, 01 zero, 10 special, 11 empty. */
export function fullTagWord(cpu: Cpu): number {
  let w = 0;
  for (let r = 0; r < 8; r++) {
    let t = 3;
    if ((cpu.fpTags >> r) & 1) {
      const k = kindOf(cpu.fpSe[r]!, cpu.fpSig[r]!);
      t = k === K_ZERO ? 1 : k === 2 /* K_NORMAL */ ? 0 : 2;
    }
    w |= t << (2 * r);
  }
  return w;
}

const phys = (cpu: Cpu, i: number): number => (cpu.fpTop + i) & 7;
const isEmpty = (cpu: Cpu, i: number): boolean => ((cpu.fpTags >> phys(cpu, i)) & 1) === 0;

function setSt(cpu: Cpu, i: number, se: number, sig: bigint): void {
  const r = phys(cpu, i);
  cpu.fpSe[r] = se;
  cpu.fpSig[r] = sig;
  cpu.fpTags |= 1 << r;
}
function pop(cpu: Cpu): void {
  cpu.fpTags &= ~(1 << cpu.fpTop);
  cpu.fpTop = (cpu.fpTop + 1) & 7;
}

/** C1 and the condition codes to set after an instruction, and whether a stack fault happened. */
let ccSet = 0;
let ccMask = 0;
let stackFault = false;

function underflow(): void {
  fxRaise(FE_IE | FE_SF);
  stackFault = true;
}

/**
 * Records the exceptions of the instruction in FSW; an unmasked one stops with #MF before anything is written.
 * Sets C1 from the rounding (or the stack fault) and the condition codes in ccSet under ccMask.
 */
function commit(cpu: Cpu, name: string, c1Overflow = false): void {
  const f = fx;
  const unmasked = f & ~cpu.fcw & 0x3f;
  if (unmasked !== 0) {
    cpu.fsw |= f | FSW_ES | FSW_B;
    raise(
      cpu.fault,
      MF_VEC,
      unmasked, // the kernel maps it to SIGFPE's si_code as for #XM
      `${name}: unmasked x87 exception (FSW ${hex(fswValue(cpu))}); delivering #MF is not modelled`,
    );
  }
  cpu.fsw = (cpu.fsw | f) & ~ccMask & ~C1;
  cpu.fsw |= ccSet & ccMask;
  if (stackFault) cpu.fsw |= c1Overflow ? C1 : 0;
  else if (fxC1) cpu.fsw |= C1;
}

/** Pushes (se, sig): a full slot below TOP is stack overflow (IE, SF, C1 = 1; masked: the indefinite is pushed). */
function push(cpu: Cpu, se: number, sig: bigint, name: string): void {
  const t = (cpu.fpTop - 1) & 7;
  let s = se;
  let g = sig;
  let over = false;
  if ((cpu.fpTags >> t) & 1) {
    fxClear(); // the overflow is found first: a conversion's DE or IE is not reported
    fxRaise(FE_IE | FE_SF);
    stackFault = true;
    over = true;
    s = INDEF_SE;
    g = INDEF_SIG;
  }
  commit(cpu, name, over);
  cpu.fpTop = t;
  setSt(cpu, 0, s, g);
}

/** Reads a 80-bit operand at a (significand, then sign/exponent). */
function read80(cpu: Cpu, a: number): { se: number; sig: bigint } {
  const mmu = cpu.mmu;
  const lo = mmu.read64(a);
  const hi = mmu.hi;
  const se = mmu.read16(a + 8);
  return { se, sig: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) };
}
function write80(cpu: Cpu, a: number, se: number, sig: bigint): void {
  const mmu = cpu.mmu;
  mmu.checkWrite(a, 10);
  mmu.write64(a, Number(sig & 0xffffffffn) | 0, Number(sig >> 32n) | 0);
  mmu.write16(a + 8, se);
}

const ARITH_NAMES = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];

/** Compare result (0 >, 1 <, 2 =, 3 unordered) as C3 C2 C0. */
const CMP_CC = [0, C0, C3, C3 | C2 | C0];
/** … and as ZF PF CF for FCOMI/FUCOMI. */
const CMP_FLAGS = [0, 1, 0x40, 0x45];

function rc(cpu: Cpu): number {
  return (cpu.fcw >> 10) & 3;
}

/** Loads a memory operand of the arithmetic forms: m32fp (D8), m32int (DA), m64fp (DC), m16int (DE). */
function loadArithOperand(cpu: Cpu, opc: number, a: number): { se: number; sig: bigint; den: boolean } {
  const mmu = cpu.mmu;
  switch (opc) {
    case 0:
      fromIeee(mmu.read32(a), 0, false, true);
      return { se: rSe, sig: rSig, den: memDenormal };
    case 4: {
      const lo = mmu.read64(a);
      fromIeee(lo, mmu.hi, true, true);
      return { se: rSe, sig: rSig, den: memDenormal };
    }
    case 2:
      fromInt(BigInt(mmu.read32(a)));
      break;
    default:
      fromInt(BigInt((mmu.read16(a) << 16) >> 16));
  }
  return { se: rSe, sig: rSig, den: false };
}

/** Executes the x87 instruction of slot s (aux = opcode − D8, immLo = ModRM); `a` is the memory operand's address. */
export function execX87(cpu: Cpu, s: number, a: number): void {
  const d = cpu.icache;
  const opc = d.aux[s]!;
  const m = d.immLo[s]! & 0xff;
  const reg = (m >> 3) & 7;
  const i = m & 7;
  fxBegin();
  ccSet = 0;
  ccMask = 0;
  stackFault = false;
  if (m < 0xc0) memForm(cpu, opc, reg, a);
  else regForm(cpu, opc, reg, i, m);
}

function badOpcode(cpu: Cpu, opc: number, m: number): never {
  raise(
    cpu.fault,
    UD,
    0,
    `x87 instruction ${(0xd8 + opc).toString(16)} ${m.toString(16).padStart(2, "0")} is not implemented`,
  );
}

/** D8 /r, DC /r (and DE for the popping forms): the arithmetic and compare forms. */
function arithForm(
  cpu: Cpu,
  kind: number,
  dst: number,
  se: number,
  sig: bigint,
  srcEmpty: boolean,
  popAfter: boolean,
  name: string,
  srcDenormal = false,
): void {
  if (srcEmpty || isEmpty(cpu, 0) || isEmpty(cpu, dst)) {
    underflow();
    if (kind === 2 || kind === 3) {
      ccSet = CMP_CC[3]!;
      ccMask = C0 | C2 | C3;
      commit(cpu, name);
    } else {
      commit(cpu, name);
      setSt(cpu, dst, INDEF_SE, INDEF_SIG);
    }
    if (popAfter) pop(cpu);
    return;
  }
  const r0 = phys(cpu, 0);
  const rd = phys(cpu, dst);
  if (kind === 2 || kind === 3) {
    const c = compare(cpu.fpSe[r0]!, cpu.fpSig[r0]!, se, sig, false, srcDenormal);
    ccSet = CMP_CC[c]!;
    ccMask = C0 | C2 | C3;
    commit(cpu, name);
    if (popAfter) pop(cpu);
    return;
  }
  arith(kind, cpu.fpSe[rd]!, cpu.fpSig[rd]!, se, sig, cpu.fcw, srcDenormal);
  commit(cpu, name);
  setSt(cpu, dst, rSe, rSig);
  if (popAfter) pop(cpu);
}

function memForm(cpu: Cpu, opc: number, reg: number, a: number): void {
  const mmu = cpu.mmu;
  if ((opc & 1) === 0) {
    // D8, DA, DC, DE: ST0 ← ST0 op m (compare forms: FCOM/FCOMP, FICOM/FICOMP)
    const v = loadArithOperand(cpu, opc, a);
    const name = (opc & 2 ? "fi" : "f") + ARITH_NAMES[reg]!.slice(1);
    if (isEmpty(cpu, 0)) {
      underflow();
      if (reg === 2 || reg === 3) {
        ccSet = CMP_CC[3]!;
        ccMask = C0 | C2 | C3;
      }
      commit(cpu, name);
      if (reg !== 2 && reg !== 3) setSt(cpu, 0, INDEF_SE, INDEF_SIG);
      if (reg === 3) pop(cpu);
      return;
    }
    arithForm(cpu, reg, 0, v.se, v.sig, false, reg === 3, name, v.den);
    return;
  }
  switch (opc * 8 + reg) {
    case 8: {
      // D9 /0 FLD m32fp
      fromIeee(mmu.read32(a), 0, false);
      push(cpu, rSe, rSig, "fld");
      return;
    }
    case 40: {
      // DD /0 FLD m64fp
      const lo = mmu.read64(a);
      fromIeee(lo, mmu.hi, true);
      push(cpu, rSe, rSig, "fld");
      return;
    }
    case 29: {
      // DB /5 FLD m80fp (no exceptions: the bits are loaded as they are)
      const v = read80(cpu, a);
      push(cpu, v.se, v.sig, "fld");
      return;
    }
    case 10: // D9 /2 FST m32fp
    case 11: // D9 /3 FSTP m32fp
    case 42: // DD /2 FST m64fp
    case 43: {
      // DD /3 FSTP m64fp
      const dbl = opc === 5;
      const name = reg === 3 ? "fstp" : "fst";
      if (isEmpty(cpu, 0)) {
        underflow();
        commit(cpu, name);
        if (dbl) mmu.write64(a, 0, -0x80000);
        else mmu.write32(a, -0x400000);
      } else {
        const r = phys(cpu, 0);
        toIeee(cpu.fpSe[r]!, cpu.fpSig[r]!, dbl, rc(cpu));
        if (dbl) mmu.checkWrite(a, 8);
        else mmu.checkWrite(a, 4);
        commit(cpu, name);
        if (dbl) mmu.write64(a, ieeeLo, ieeeHi);
        else mmu.write32(a, ieeeLo);
      }
      if (reg === 3) pop(cpu);
      return;
    }
    case 31: {
      // DB /7 FSTP m80fp
      if (isEmpty(cpu, 0)) {
        underflow();
        mmu.checkWrite(a, 10);
        commit(cpu, "fstp");
        write80(cpu, a, INDEF_SE, INDEF_SIG);
      } else {
        const r = phys(cpu, 0);
        mmu.checkWrite(a, 10);
        commit(cpu, "fstp");
        write80(cpu, a, cpu.fpSe[r]!, cpu.fpSig[r]!);
      }
      pop(cpu);
      return;
    }
    case 24: // DB /0 FILD m32int
      fromInt(BigInt(mmu.read32(a)));
      push(cpu, rSe, rSig, "fild");
      return;
    case 56: // DF /0 FILD m16int
      fromInt(BigInt((mmu.read16(a) << 16) >> 16));
      push(cpu, rSe, rSig, "fild");
      return;
    case 61: {
      // DF /5 FILD m64int
      const lo = mmu.read64(a);
      fromInt((BigInt(mmu.hi) << 32n) | BigInt(lo >>> 0));
      push(cpu, rSe, rSig, "fild");
      return;
    }
    case 25: // DB /1 FISTTP m32int
    case 26: // DB /2 FIST m32int
    case 27: // DB /3 FISTP m32int
    case 41: // DD /1 FISTTP m64int
    case 57: // DF /1 FISTTP m16int
    case 58: // DF /2 FIST m16int
    case 59: // DF /3 FISTP m16int
    case 63: {
      // DF /7 FISTP m64int
      const size = opc === 3 ? 4 : opc === 5 || reg === 7 ? 8 : 2;
      const truncate = reg === 1;
      const name = truncate ? "fisttp" : reg === 2 ? "fist" : "fistp";
      let v: bigint;
      if (isEmpty(cpu, 0)) {
        underflow();
        v = -(1n << BigInt(8 * size - 1));
      } else {
        const r = phys(cpu, 0);
        v = toInt(cpu.fpSe[r]!, cpu.fpSig[r]!, 8 * size, truncate ? RC_ZERO : rc(cpu));
      }
      mmu.checkWrite(a, size);
      commit(cpu, name);
      const u = BigInt.asUintN(64, v);
      mmu.write(a, size, Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0);
      if (reg !== 2) pop(cpu);
      return;
    }
    case 13: {
      // D9 /5 FLDCW m16
      cpu.fcw = mmu.read16(a) | 0x40; // bit 6 reads as 1
      updateEs(cpu);
      return;
    }
    case 15: // D9 /7 FNSTCW m16
      mmu.write16(a, cpu.fcw);
      return;
    case 47: // DD /7 FNSTSW m16
      mmu.write16(a, fswValue(cpu));
      return;
    case 14: // D9 /6 FNSTENV m28
      storeEnv(cpu, a);
      cpu.fcw |= 0x3f; // all exceptions masked afterwards
      return;
    case 12: // D9 /4 FLDENV m28
      loadEnv(cpu, a);
      return;
    case 46: {
      // DD /6 FNSAVE m108: environment, ST0–ST7, then FNINIT
      mmu.checkWrite(a, 108);
      storeEnv(cpu, a);
      for (let k = 0; k < 8; k++) {
        const r = phys(cpu, k);
        write80(cpu, a + 28 + 10 * k, cpu.fpSe[r]!, cpu.fpSig[r]!);
      }
      fpuInit(cpu);
      return;
    }
    case 44: {
      // DD /4 FRSTOR m108
      mmu.read8(a + 107);
      const regs: { se: number; sig: bigint }[] = [];
      for (let k = 0; k < 8; k++) regs.push(read80(cpu, a + 28 + 10 * k));
      loadEnv(cpu, a);
      for (let k = 0; k < 8; k++) {
        const r = phys(cpu, k);
        cpu.fpSe[r] = regs[k]!.se;
        cpu.fpSig[r] = regs[k]!.sig;
      }
      return;
    }
    default:
      raise(
        cpu.fault,
        UD,
        0,
        `x87 instruction ${(0xd8 + opc).toString(16)} /${reg} with a memory operand is not implemented`,
      );
  }
}

/** FSW.ES and B follow the unmasked exception flags (after FLDCW, FLDENV, FRSTOR, FXRSTOR). */
export function updateEs(cpu: Cpu): void {
  if ((cpu.fsw & ~cpu.fcw & 0x3f) !== 0) cpu.fsw |= FSW_ES | FSW_B;
  else cpu.fsw &= ~(FSW_ES | FSW_B);
}

/** FNSTENV's 28-byte protected-mode environment (FIP/FDP and selectors are stored as 0). */
function storeEnv(cpu: Cpu, a: number): void {
  const mmu = cpu.mmu;
  mmu.checkWrite(a, 28);
  mmu.write32(a, cpu.fcw | 0xffff0000);
  mmu.write32(a + 4, fswValue(cpu) | 0xffff0000);
  mmu.write32(a + 8, fullTagWord(cpu) | 0xffff0000);
  for (let k = 12; k < 24; k += 4) mmu.write32(a + k, 0);
  mmu.write32(a + 24, 0xffff0000); // FDS 0, the reserved upper word all ones (as FCW/FSW/FTW's)
}
function loadEnv(cpu: Cpu, a: number): void {
  const mmu = cpu.mmu;
  mmu.read8(a + 27);
  const fcw = mmu.read16(a);
  const fsw = mmu.read16(a + 4);
  const tw = mmu.read16(a + 8);
  cpu.fcw = fcw | 0x40;
  setFsw(cpu, fsw);
  let tags = 0;
  for (let r = 0; r < 8; r++) if (((tw >> (2 * r)) & 3) !== 3) tags |= 1 << r;
  cpu.fpTags = tags;
  updateEs(cpu);
}

/** The constants of FLD1…FLDZ (D9 E8–EE): sign/exponent, significand truncated to 64 bits, and whether the exact
 * value lies above the truncation (then it is rounded up under RC up, and under nearest when the next bit is 1). */
const CONSTS: readonly [se: number, sig: bigint, inexact: boolean, nearestUp: boolean][] = [
  [0x3fff, 0x8000000000000000n, false, false], // 1
  [0x4000, 0xd49a784bcd1b8afen, true, false], // log2(10)
  [0x3fff, 0xb8aa3b295c17f0bbn, true, true], // log2(e)
  [0x4000, 0xc90fdaa22168c234n, true, true], // pi
  [0x3ffd, 0x9a209a84fbcff798n, true, true], // log10(2)
  [0x3ffe, 0xb17217f7d1cf79abn, true, true], // ln(2)
  [0, 0n, false, false], // +0
];

function regForm(cpu: Cpu, opc: number, reg: number, i: number, m: number): void {
  switch (opc) {
    case 0: {
      // D8: ST0 ← ST0 op ST(i); FCOM/FCOMP ST(i)
      const r = phys(cpu, i);
      arithForm(cpu, reg, 0, cpu.fpSe[r]!, cpu.fpSig[r]!, isEmpty(cpu, i), reg === 3, ARITH_NAMES[reg]!);
      return;
    }
    case 4:
    case 6: {
      // DC: ST(i) ← ST(i) op ST0 (E0 FSUBR, E8 FSUB, F0 FDIVR, F8 FDIV); DE: the same and pop
      if (reg === 2 || reg === 3) {
        if (opc === 6 && m === 0xd9) {
          // FCOMPP
          const r1 = phys(cpu, 1);
          arithForm(cpu, 3, 0, cpu.fpSe[r1]!, cpu.fpSig[r1]!, isEmpty(cpu, 1), true, "fcompp");
          pop(cpu);
          return;
        }
        badOpcode(cpu, opc, m);
      }
      const kind = reg >= 4 ? reg ^ 1 : reg;
      const r0 = phys(cpu, 0);
      const name = ARITH_NAMES[kind]! + (opc === 6 ? "p" : "");
      arithForm(cpu, kind, i, cpu.fpSe[r0]!, cpu.fpSig[r0]!, false, opc === 6, name);
      return;
    }
    case 1:
      d9Reg(cpu, reg, i, m);
      return;
    case 2:
    case 3: {
      if (reg < 4) {
        // FCMOVcc (DA: B E BE U; DB: NB NE NBE NU)
        const cc = [2, 4, 6, 10][reg]! ^ (opc === 3 ? 1 : 0);
        if (isEmpty(cpu, 0) || isEmpty(cpu, i)) {
          underflow();
          commit(cpu, "fcmov");
          setSt(cpu, 0, INDEF_SE, INDEF_SIG);
          return;
        }
        // C1 is cleared only by a stack underflow (SDM: "set to 0 if stack underflow occurred"; AMD keeps it)
        const c1 = cpu.fsw & C1;
        commit(cpu, "fcmov");
        cpu.fsw |= c1;
        if (testCondition(cc, cpu.lf, cpu.flags)) {
          const r = phys(cpu, i);
          setSt(cpu, 0, cpu.fpSe[r]!, cpu.fpSig[r]!);
        }
        return;
      }
      if (opc === 2 && m === 0xe9) {
        ucomPop(cpu, 1, 2, "fucompp", false);
        return;
      }
      if (opc === 3 && m === 0xe2) {
        // FNCLEX
        cpu.fsw &= ~(0x3f | FE_SF | FSW_ES | FSW_B);
        return;
      }
      if (opc === 3 && m === 0xe3) {
        fpuInit(cpu);
        return;
      }
      if (opc === 3 && (reg === 5 || reg === 6)) {
        comi(cpu, i, reg === 5, false, reg === 5 ? "fucomi" : "fcomi");
        return;
      }
      badOpcode(cpu, opc, m);
    }
    case 5:
      switch (reg) {
        case 0: // FFREE ST(i)
          cpu.fpTags &= ~(1 << phys(cpu, i));
          return;
        case 2: // FST ST(i)
        case 3: {
          // FSTP ST(i)
          if (isEmpty(cpu, 0)) {
            underflow();
            commit(cpu, "fst");
            setSt(cpu, i, INDEF_SE, INDEF_SIG);
          } else {
            commit(cpu, "fst");
            const r = phys(cpu, 0);
            setSt(cpu, i, cpu.fpSe[r]!, cpu.fpSig[r]!);
          }
          if (reg === 3) pop(cpu);
          return;
        }
        case 4: // FUCOM ST(i)
          ucomPop(cpu, i, 0, "fucom", false);
          return;
        case 5: // FUCOMP ST(i)
          ucomPop(cpu, i, 1, "fucomp", false);
          return;
      }
      badOpcode(cpu, opc, m);
      return;
    case 7:
      if (m === 0xe0) {
        // FNSTSW AX
        cpu.regs[0] = (cpu.regs[0]! & ~0xffff) | fswValue(cpu);
        return;
      }
      if (reg === 5 || reg === 6) {
        comi(cpu, i, reg === 5, true, reg === 5 ? "fucomip" : "fcomip");
        return;
      }
      badOpcode(cpu, opc, m);
      return;
  }
}

/** FUCOM/FUCOMP/FUCOMPP ST(i): compare ST0 with ST(i), pop `pops` times. */
function ucomPop(cpu: Cpu, i: number, pops: number, name: string, signalQuiet: boolean): void {
  ccMask = C0 | C2 | C3;
  if (isEmpty(cpu, 0) || isEmpty(cpu, i)) {
    underflow();
    ccSet = CMP_CC[3]!;
  } else {
    const r0 = phys(cpu, 0);
    const ri = phys(cpu, i);
    ccSet = CMP_CC[compare(cpu.fpSe[r0]!, cpu.fpSig[r0]!, cpu.fpSe[ri]!, cpu.fpSig[ri]!, !signalQuiet)]!;
  }
  commit(cpu, name);
  for (let k = 0; k < pops; k++) pop(cpu);
}

/** FCOMI/FUCOMI(P): ZF PF CF from the compare, OF SF AF cleared. */
function comi(cpu: Cpu, i: number, unordered: boolean, popAfter: boolean, name: string): void {
  let c = 3;
  if (isEmpty(cpu, 0) || isEmpty(cpu, i)) underflow();
  else {
    const r0 = phys(cpu, 0);
    const ri = phys(cpu, i);
    c = compare(cpu.fpSe[r0]!, cpu.fpSig[r0]!, cpu.fpSe[ri]!, cpu.fpSig[ri]!, unordered);
  }
  commit(cpu, name);
  const f = cpu.getRflags();
  cpu.flags = (f & ~0x8d5) | CMP_FLAGS[c]!;
  if (popAfter) pop(cpu);
}

/** D9 register forms. */
function d9Reg(cpu: Cpu, reg: number, i: number, m: number): void {
  if (reg === 0) {
    // FLD ST(i)
    if (isEmpty(cpu, i)) {
      underflow();
      push(cpu, INDEF_SE, INDEF_SIG, "fld");
      return;
    }
    const r = phys(cpu, i);
    push(cpu, cpu.fpSe[r]!, cpu.fpSig[r]!, "fld");
    return;
  }
  if (reg === 1) {
    // FXCH ST(i): an empty operand is an underflow, and (masked) both become the indefinite… where empty
    const e0 = isEmpty(cpu, 0);
    const ei = isEmpty(cpu, i);
    if (e0 || ei) underflow();
    commit(cpu, "fxch");
    const r0 = phys(cpu, 0);
    const ri = phys(cpu, i);
    const se0 = e0 ? INDEF_SE : cpu.fpSe[r0]!;
    const sig0 = e0 ? INDEF_SIG : cpu.fpSig[r0]!;
    const sei = ei ? INDEF_SE : cpu.fpSe[ri]!;
    const sigi = ei ? INDEF_SIG : cpu.fpSig[ri]!;
    setSt(cpu, 0, sei, sigi);
    setSt(cpu, i, se0, sig0);
    return;
  }
  if (m === 0xd0) return; // FNOP
  if (m >= 0xe8 && m <= 0xee) {
    const [se, sig, inexact, nearestUp] = CONSTS[m - 0xe8]!;
    const mode = (cpu.fcw >> 10) & 3;
    const up = inexact && (mode === RC_UP || (mode === RC_NEAREST && nearestUp));
    // every constant is positive: RC down and toward zero truncate
    push(cpu, se, up ? sig + 1n : sig, "fld constant");
    return;
  }
  if (m === 0xf6 || m === 0xf7) {
    // FDECSTP / FINCSTP (C1 cleared)
    cpu.fpTop = (cpu.fpTop + (m === 0xf7 ? 1 : 7)) & 7;
    cpu.fsw &= ~C1;
    return;
  }
  // the rest operate on ST0 (and ST1)
  const needs1 = m === 0xfd || m === 0xf8 || m === 0xf5;
  const names: Record<number, string> = {
    224: "fchs",
    225: "fabs",
    228: "ftst",
    229: "fxam",
    244: "fxtract",
    245: "fprem1",
    248: "fprem",
    250: "fsqrt",
    252: "frndint",
    253: "fscale",
  };
  const name = names[m];
  if (name === undefined) {
    badOpcode(cpu, 1, m);
    return;
  }
  const r0 = phys(cpu, 0);
  if (m === 0xe5) {
    // FXAM: C1 = sign; C3 C2 C0 = class (empty 101)
    ccMask = CC;
    const sign = (cpu.fpSe[r0]! >> 15) & 1;
    const cls = isEmpty(cpu, 0) ? 5 : examine(cpu.fpSe[r0]!, cpu.fpSig[r0]!);
    cpu.fsw =
      (cpu.fsw & ~CC) | (cls & 4 ? C3 : 0) | (cls & 2 ? C2 : 0) | (cls & 1 ? C0 : 0) | (sign ? C1 : 0);
    return;
  }
  if (isEmpty(cpu, 0) || (needs1 && isEmpty(cpu, 1))) {
    underflow();
    if (m === 0xe4) {
      ccSet = CMP_CC[3]!;
      ccMask = C0 | C2 | C3;
      commit(cpu, name);
      return;
    }
    if (m === 0xf5 || m === 0xf8) ccMask = C2; // C1 = 0 (underflow), C0 and C3 unchanged (as measured)
    commit(cpu, name);
    if (m === 0xf4) {
      setSt(cpu, 0, INDEF_SE, INDEF_SIG);
      push(cpu, INDEF_SE, INDEF_SIG, name);
      return;
    }
    setSt(cpu, 0, INDEF_SE, INDEF_SIG);
    return;
  }
  const se = cpu.fpSe[r0]!;
  const sig = cpu.fpSig[r0]!;
  const r1 = phys(cpu, 1);
  switch (m) {
    case 0xe0: // FCHS
      commit(cpu, name);
      setSt(cpu, 0, se ^ 0x8000, sig);
      return;
    case 0xe1: // FABS
      commit(cpu, name);
      setSt(cpu, 0, se & 0x7fff, sig);
      return;
    case 0xe4: {
      // FTST: compare with +0.0
      ccSet = CMP_CC[compare(se, sig, 0, 0n, false)]!;
      ccMask = C0 | C2 | C3;
      commit(cpu, name);
      return;
    }
    case 0xfa:
      sqrt(se, sig, cpu.fcw);
      commit(cpu, name);
      setSt(cpu, 0, rSe, rSig);
      return;
    case 0xfc:
      roundInt(se, sig, rc(cpu));
      commit(cpu, name);
      setSt(cpu, 0, rSe, rSig);
      return;
    case 0xfd:
      scale(se, sig, cpu.fpSe[r1]!, cpu.fpSig[r1]!, cpu.fcw);
      commit(cpu, name);
      setSt(cpu, 0, rSe, rSig);
      return;
    case 0xf4: {
      // FXTRACT: ST0 ← exponent, then push the significand; a full ST7 is a stack overflow found first (both the
      // exponent and the pushed value are then the indefinite)
      if ((cpu.fpTags >> ((cpu.fpTop + 7) & 7)) & 1) {
        fxRaise(FE_IE | FE_SF);
        stackFault = true;
        commit(cpu, name, true);
        setSt(cpu, 0, INDEF_SE, INDEF_SIG);
        cpu.fpTop = (cpu.fpTop + 7) & 7;
        setSt(cpu, 0, INDEF_SE, INDEF_SIG);
        return;
      }
      extract(se, sig);
      const sSe = rSe;
      const sSig = rSig;
      commit(cpu, name);
      setSt(cpu, 0, xSe, xSig);
      push(cpu, sSe, sSig, name);
      return;
    }
    case 0xf5:
    case 0xf8: {
      // FPREM1 / FPREM: C2 = incomplete; C0 C3 C1 = quotient bits 2, 1, 0 (when complete)
      // (no quotient for NaN or invalid operands: C2 and C1 cleared, C0 and C3 unchanged, as measured)
      const q = remainder(se, sig, cpu.fpSe[r1]!, cpu.fpSig[r1]!, m === 0xf5);
      ccMask = q < 0 ? C1 | C2 : C0 | C1 | C2 | C3;
      ccSet = q < 0 ? 0 : q & 8 ? C2 : (q & 4 ? C0 : 0) | (q & 2 ? C3 : 0) | (q & 1 ? C1 : 0);
      commit(cpu, name);
      // C1 is a quotient bit here, not the rounding direction
      cpu.fsw = (cpu.fsw & ~C1) | (ccSet & C1);
      setSt(cpu, 0, rSe, rSig);
      return;
    }
  }
}

/** Bytes of the memory operand of D8+opc /reg (0: no such memory form here; FBLD/FBSTP are not implemented). */
const MEM_SIZE = Uint8Array.from([
  4,
  4,
  4,
  4,
  4,
  4,
  4,
  4, // D8 m32fp
  4,
  0,
  4,
  4,
  28,
  2,
  28,
  2, // D9 FLD FST FSTP m32, FLDENV FLDCW FNSTENV FNSTCW
  4,
  4,
  4,
  4,
  4,
  4,
  4,
  4, // DA m32int
  4,
  4,
  4,
  4,
  0,
  10,
  0,
  10, // DB FILD FISTTP FIST FISTP m32int, FLD/FSTP m80
  8,
  8,
  8,
  8,
  8,
  8,
  8,
  8, // DC m64fp
  8,
  8,
  8,
  8,
  108,
  0,
  108,
  2, // DD FLD FISTTP FST FSTP m64, FRSTOR, FNSAVE, FNSTSW
  2,
  2,
  2,
  2,
  2,
  2,
  2,
  2, // DE m16int
  2,
  2,
  2,
  2,
  0,
  8,
  0,
  8, // DF FILD FISTTP FIST FISTP m16int, FILD/FISTP m64int
]);

/** Memory-operand size of D8+opc with ModRM.reg (0 = invalid or not implemented). */
export function x87MemSize(opc: number, reg: number): number {
  return MEM_SIZE[opc * 8 + reg]!;
}

/** Whether the register form D8+opc, ModRM m (≥ C0) is implemented. */
export function x87RegValid(opc: number, m: number): boolean {
  switch (opc) {
    case 0:
      return true;
    case 1:
      return (
        m < 0xd1 ||
        m === 0xe0 ||
        m === 0xe1 ||
        m === 0xe4 ||
        m === 0xe5 ||
        (m >= 0xe8 && m <= 0xee) ||
        (m >= 0xf4 && m <= 0xf8) ||
        m === 0xfa ||
        m === 0xfc ||
        m === 0xfd
      );
    case 2:
      return m < 0xe0 || m === 0xe9;
    case 3:
      return m < 0xe0 || m === 0xe2 || m === 0xe3 || (m >= 0xe8 && m < 0xf8);
    case 4:
      return m < 0xd0 || m >= 0xe0;
    case 5:
      return m < 0xc8 || (m >= 0xd0 && m < 0xf0);
    case 6:
      return m < 0xd0 || m === 0xd9 || m >= 0xe0;
    default:
      return m === 0xe0 || (m >= 0xe8 && m < 0xf8);
  }
}

/**
 * The cost class of an x87 instruction: the arithmetic and compares as "sse" (FADD/FMUL/FCOM latency 3–5 like
 * ADDSD/MULSD), FDIV/FSQRT/FPREM as "sse_div", loads, stores, exchanges and control-word moves as "mov", the
 * environment saves and restores as "flags" (microcoded, serialising).
 */
export function x87Class(opc: number, m: number): "sse" | "sse_div" | "mov" | "flags" {
  const reg = (m >> 3) & 7;
  if (m < 0xc0) {
    if ((opc & 1) === 0) return reg >= 6 ? "sse_div" : "sse";
    if ((opc === 1 && (reg === 4 || reg === 6)) || (opc === 5 && (reg === 4 || reg === 6))) return "flags";
    return "mov";
  }
  if ((opc & 1) === 0 && opc !== 2) return reg >= 6 ? "sse_div" : "sse";
  if (opc === 1) {
    if (m === 0xfa || m === 0xf8 || m === 0xf5) return "sse_div";
    if (m >= 0xe0 && m !== 0xe8 && (m < 0xe8 || m > 0xee) && m !== 0xf6 && m !== 0xf7) return "sse";
    return "mov";
  }
  if (opc === 3 && m === 0xe3) return "flags";
  if ((opc === 3 || opc === 7) && m >= 0xe8) return "sse";
  if (opc === 5 && m >= 0xe0) return "sse";
  if (opc === 2 && m === 0xe9) return "sse";
  return "mov";
}
