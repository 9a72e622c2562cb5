// One definition of each hot instruction's semantics, shared by both engines (issue 11): the interpreter's
// switch cases (the generated region of interpreter.ts, written by scripts/gen-interpreter.ts) and the block
// JIT's code (src/cpu/jit/compile-block.ts) are both produced from these bodies. A body is TypeScript that runs
// with the engine's locals in scope (cpu, regs, lf, mmu, fault, rip, next, pc, cyc, PEN, pred, CTR, TGT) and these
// placeholders: $size $reg $rm $aux $imm $immHi (the decoded fields), $op (the op number), $slot (the decoded-cache
// slot, the branch predictor's key), $ea (the memory operand's linear address) and $lea (LEA's low half; the high
// half is then in leaOut[0]). The interpreter reads the fields from the decoded slot; the JIT writes them as
// constants. A `break` leaves the instruction. Bodies are TypeScript: the JIT strips the `!` assertions and the
// `: number` and `: boolean` annotations (the only TypeScript syntax a body may use).

export interface InsnTemplate {
  /** the ops (decoded.ts) this body executes */
  readonly ops: readonly number[];
  readonly name: string;
  /** the non-obvious fact, kept as the case's comment */
  readonly note: string;
  readonly body: string;
}

/**
 * ADD, OR, AND, SUB, XOR and CMP at 4 or 8 bytes written out, with their lazy-flags record (flags.ts layout, as
 * alu() makes it for the other sizes and ADC/SBB): the result in `lo`/`hi`. Every wide form runs this one
 * definition; the record is the body's last statements, so the block JIT drops them where the flags are dead
 * (compile-block.ts, flag liveness).
 */
function aluWide(a: string, ah: string, b: string, bh: string): string {
  return `
const xa = ${a};
const xah = size === 8 ? ${ah} : 0;
const xb = ${b};
const xbh = size === 8 ? ${bh} : 0;
let lo: number;
let hi = 0;
let fl: number;
switch (k) {
  case 0: {
    const t = (xa >>> 0) + (xb >>> 0);
    lo = t | 0;
    if (size === 8) hi = (xah + xbh + (t >= 4294967296 /* TWO32 */ ? 1 : 0)) | 0;
    fl = 1; // FL_ADD
    break;
  }
  case 1:
    lo = xa | xb;
    hi = xah | xbh;
    fl = 5; // FL_LOGIC
    break;
  case 4:
    lo = xa & xb;
    hi = xah & xbh;
    fl = 5;
    break;
  case 6:
    lo = xa ^ xb;
    hi = xah ^ xbh;
    fl = 5;
    break;
  default: {
    // SUB, CMP
    const t = (xa >>> 0) - (xb >>> 0);
    lo = t | 0;
    if (size === 8) hi = (xah - xbh - (t < 0 ? 1 : 0)) | 0;
    fl = 3; // FL_SUB
  }
}
lf[0] = fl;
lf[1] = size;
lf[2] = lo;
lf[3] = hi;
lf[4] = xa;
lf[5] = xah;
lf[6] = xb;
lf[7] = xbh;
lf[8] = 0;
`;
}

/** Whether the ALU op `k` at `size` is one aluWide writes out (not ADC/SBB, not 8/16-bit). */
const WIDE = "size >= 4 && k !== 2 && k !== 3";

export const TEMPLATES: readonly InsnTemplate[] = [
  {
    ops: [1],
    name: "NOP",
    note: "",
    body: `

`,
  },
  {
    ops: [2],
    name: "MOV_RM_R",
    note: "",
    body: `
const size = $size;
const r = $reg;
const m = $rm;
const lo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
if (m !== 255 /* NONE */) wrReg(regs, m, size, lo, regs[2 * r + 1]!);
else mmu.write($ea, size, lo, regs[2 * r + 1]!);
`,
  },
  {
    ops: [3],
    name: "MOV_R_RM",
    note: "",
    body: `
const size = $size;
const m = $rm;
if (m !== 255 /* NONE */) {
  wrReg(regs, $reg, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
} else {
  const lo = mmu.read($ea, size);
  wrReg(regs, $reg, size, lo, mmu.hi);
}
`,
  },
  {
    ops: [4],
    name: "MOV_RM_IMM",
    note: "",
    body: `
const m = $rm;
if (m !== 255 /* NONE */) wrReg(regs, m, $size, $imm, $immHi);
else mmu.write($ea, $size, $imm, $immHi);
`,
  },
  {
    ops: [7],
    name: "MOVZX",
    note: "",
    body: `
const m = $rm;
const src = $aux;
const v = m !== 255 /* NONE */ ? rdReg(regs, m, src) : mmu.read($ea, src);
wrReg(regs, $reg, $size, v, 0);
`,
  },
  {
    ops: [8],
    name: "MOVSX",
    note: "MOVSX (MOVSXD for a 4-byte source)",
    body: `
const m = $rm;
const src = $aux & 15; // low bits: source size (the 16 flag marks MOVSXD)
let v = m !== 255 /* NONE */ ? rdReg(regs, m, src) : mmu.read($ea, src);
if (src === 1) v = (v << 24) >> 24;
else if (src === 2) v = (v << 16) >> 16;
wrReg(regs, $reg, $size, v, v >> 31);
`,
  },
  {
    ops: [9],
    name: "LEA",
    note: "",
    body: `
const lo = $lea;
wrReg(regs, $reg, $size, lo, leaOut[0]!);
`,
  },
  {
    ops: [10],
    name: "ALU_RM_R",
    note: "",
    body: `
const size = $size;
const k = $aux;
const r = $reg;
const m = $rm;
const bLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
const bHi = regs[2 * r + 1]!;
const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
if (m !== 255 /* NONE */ && ${WIDE}) {
  ${aluWide("regs[2 * m]!", "regs[2 * m + 1]!", "bLo", "bHi")}
  if (k !== 7) wrReg(regs, m, size, lo, hi);
} else if (m !== 255 /* NONE */) {
  const res = alu(
    lf,
    k,
    size,
    size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
    regs[2 * m + 1]!,
    bLo,
    bHi,
    cf,
  );
  if (k !== 7) wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
} else if (${WIDE}) {
  const a = $ea;
  const v = mmu.read(a, size);
  ${aluWide("v", "mmu.hi", "bLo", "bHi")}
  if (k !== 7) mmu.write(a, size, lo, hi);
} else {
  const a = $ea;
  const res = alu(lf, k, size, mmu.read(a, size), mmu.hi, bLo, bHi, cf);
  if (k !== 7) mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
}
`,
  },
  {
    ops: [11],
    name: "ALU_R_RM",
    note: "",
    body: `
const size = $size;
const k = $aux;
const r = $reg;
const m = $rm;
let bLo: number;
let bHi: number;
if (m !== 255 /* NONE */) {
  bLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
  bHi = regs[2 * m + 1]!;
} else {
  bLo = mmu.read($ea, size);
  bHi = mmu.hi;
}
if (${WIDE}) {
  ${aluWide("regs[2 * r]!", "regs[2 * r + 1]!", "bLo", "bHi")}
  if (k !== 7) wrReg(regs, r, size, lo, hi);
} else {
  const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
  const res = alu(
    lf,
    k,
    size,
    size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!,
    regs[2 * r + 1]!,
    bLo,
    bHi,
    cf,
  );
  if (k !== 7) wrReg(regs, r, size, res, lf[3 /* LF_RESHI */]!);
}
`,
  },
  {
    ops: [12],
    name: "ALU_RM_IMM",
    note: "",
    body: `
const size = $size;
const k = $aux;
const m = $rm;
const cf = k === 2 || k === 3 ? cpu.getCF() : 0;
if (m !== 255 /* NONE */ && ${WIDE}) {
  ${aluWide("regs[2 * m]!", "regs[2 * m + 1]!", "$imm", "$immHi")}
  if (k !== 7) wrReg(regs, m, size, lo, hi);
} else if (m !== 255 /* NONE */) {
  const aLo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
  const res = alu(lf, k, size, aLo, regs[2 * m + 1]!, $imm, $immHi, cf);
  if (k !== 7) wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
} else if (${WIDE}) {
  const a = $ea;
  const v = mmu.read(a, size);
  ${aluWide("v", "mmu.hi", "$imm", "$immHi")}
  if (k !== 7) mmu.write(a, size, lo, hi);
} else {
  const a = $ea;
  const res = alu(lf, k, size, mmu.read(a, size), mmu.hi, $imm, $immHi, cf);
  if (k !== 7) mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
}
`,
  },
  {
    ops: [13],
    name: "TEST_RM_R",
    note: "",
    body: `
const size = $size;
const r = $reg;
const m = $rm;
const bLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
if (m !== 255 /* NONE */) {
  alu(
    lf,
    ALU_AND,
    size,
    size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
    regs[2 * m + 1]!,
    bLo,
    regs[2 * r + 1]!,
    0,
  );
} else {
  const aLo = mmu.read($ea, size);
  alu(lf, ALU_AND, size, aLo, mmu.hi, bLo, regs[2 * r + 1]!, 0);
}
`,
  },
  {
    ops: [14],
    name: "TEST_RM_IMM",
    note: "",
    body: `
const size = $size;
const m = $rm;
if (m !== 255 /* NONE */) {
  alu(
    lf,
    ALU_AND,
    size,
    size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
    regs[2 * m + 1]!,
    $imm,
    $immHi,
    0,
  );
} else {
  const aLo = mmu.read($ea, size);
  alu(lf, ALU_AND, size, aLo, mmu.hi, $imm, $immHi, 0);
}
`,
  },
  {
    ops: [15, 16],
    name: "INC/DEC",
    note: "",
    body: `
const size = $size;
const m = $rm;
const dec = $op === 16;
const cf = cpu.getCF();
if (m !== 255 /* NONE */) {
  const res = incDec(
    lf,
    dec,
    size,
    size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!,
    regs[2 * m + 1]!,
    cf,
  );
  wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
} else {
  const a = $ea;
  const res = incDec(lf, dec, size, mmu.read(a, size), mmu.hi, cf);
  mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
}
`,
  },
  {
    ops: [17],
    name: "NEG",
    note: "",
    body: `
const size = $size;
const m = $rm;
if (m !== 255 /* NONE */) {
  const res = neg(lf, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
  wrReg(regs, m, size, res, lf[3 /* LF_RESHI */]!);
} else {
  const a = $ea;
  const res = neg(lf, size, mmu.read(a, size), mmu.hi);
  mmu.write(a, size, res, lf[3 /* LF_RESHI */]!);
}
`,
  },
  {
    ops: [18],
    name: "NOT",
    note: "NOT (flags unchanged)",
    body: `
const size = $size;
const m = $rm;
if (m !== 255 /* NONE */) {
  wrReg(regs, m, size, ~(size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!), ~regs[2 * m + 1]!);
} else {
  const a = $ea;
  const lo = mmu.read(a, size);
  mmu.write(a, size, ~lo, ~mmu.hi);
}
`,
  },
  {
    ops: [19, 20],
    name: "SHIFT_IMM/SHIFT_CL",
    note: "",
    body: `
const size = $size;
const m = $rm;
const count = $op === 19 ? $imm : regs[2]! & 0xff;
const kind = $aux;
const cf = kind === 2 || kind === 3 ? cpu.getCF() : 0; // only RCL and RCR read CF
let a = 0;
let lo: number;
let hi: number;
if (m !== 255 /* NONE */) {
  lo = size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!;
  hi = regs[2 * m + 1]!;
} else {
  a = $ea;
  lo = mmu.read(a, size);
  hi = mmu.hi;
}
if (kind < 4) cpu.getRflags(); // rotates change only CF/OF: fix the other flags in RFLAGS first
const res = shift(lf, kind, size, lo, hi, count, cf);
if (!shiftChanged) {
  // Masked count 0: flags unchanged; a 32-bit register destination is still written (zero-extended).
  if (size === 4 && m !== 255 /* NONE */) regs[2 * m + 1] = 0;
  break;
}
if (m !== 255 /* NONE */) wrReg(regs, m, size, res, shiftHi);
else mmu.write(a, size, res, shiftHi);
if (rotateFlags >= 0) {
  cpu.flags = (cpu.flags & ~(CF | OF)) | (rotateFlags & 1 ? CF : 0) | (rotateFlags & 2 ? OF : 0);
}
`,
  },
  {
    ops: [21, 22],
    name: "IMUL_R_RM/IMUL_R_RM_IMM",
    note: "",
    body: `
const size = $size;
const m = $rm;
let bLo: number;
let bHi: number;
if (m !== 255 /* NONE */) {
  bLo = regs[2 * m]!;
  bHi = regs[2 * m + 1]!;
} else {
  bLo = mmu.read($ea, size);
  bHi = mmu.hi;
}
const r = $reg;
if (size === 4) {
  // imul() at 4 bytes written out, with its record (setExplicit's layout), so that a dead one can be dropped.
  const x = $op === 21 ? regs[2 * r]! : bLo;
  const y = $op === 21 ? bLo : $imm;
  const lo = Math.imul(x, y);
  const p = (x | 0) * (y | 0);
  const of = p < -2147483648 || p > 2147483647 ? 1 : 0;
  wrReg(regs, r, 4, lo, 0);
  lf[0] = 8; // FL_EXPLICIT
  lf[1] = 4;
  lf[2] = lo;
  lf[3] = 0;
  lf[4] = 0;
  lf[6] = 0;
  lf[8] = of;
  lf[9] = of;
} else {
  const res =
    $op === 21
      ? imul(lf, size, regs[2 * r]!, regs[2 * r + 1]!, bLo, bHi)
      : imul(lf, size, bLo, bHi, $imm, $immHi);
  wrReg(regs, r, size, res, imulHi);
}
`,
  },
  {
    ops: [25],
    name: "PUSH_RM",
    note: "",
    body: `
const size = $size;
const m = $rm;
if (m !== 255 /* NONE */) {
  push(cpu, regs, size, regs[2 * m]!, regs[2 * m + 1]!);
} else {
  const lo = mmu.read($ea, size);
  push(cpu, regs, size, lo, mmu.hi);
}
`,
  },
  {
    ops: [26],
    name: "PUSH_IMM",
    note: "",
    body: `
push(cpu, regs, $size, $imm, $immHi);
`,
  },
  {
    ops: [27],
    name: "POP_RM",
    note: "",
    body: `
const size = $size;
const sp = stackAddr(cpu, rsp(regs));
const lo = mmu.read(sp, size);
const hi = mmu.hi;
const m = $rm;
if (m !== 255 /* NONE */) {
  setRsp(regs, sp + size);
  wrReg(regs, m, size, lo, hi);
} else {
  // The destination address is computed with RSP already incremented (SDM Vol. 2B, POP).
  const oLo = regs[8]!;
  const oHi = regs[9]!;
  setRsp(regs, sp + size);
  try {
    mmu.write($ea, size, lo, hi);
  } catch (e) {
    regs[8] = oLo;
    regs[9] = oHi;
    throw e;
  }
}
`,
  },
  {
    ops: [28],
    name: "CALL_REL",
    note: "",
    body: `
const t = branchTarget(cpu, next + $imm);
push(cpu, regs, 8, next | 0, Math.floor(next / 4294967296 /* TWO32 */) | 0);
pc = t;
if (PEN !== 0) pred.push(next);
`,
  },
  {
    ops: [29],
    name: "CALL_RM",
    note: "",
    body: `
const m = $rm;
let t: number;
if (m !== 255 /* NONE */) {
  t = regs[2 * m + 1]! * 4294967296 /* TWO32 */ + (regs[2 * m]! >>> 0);
} else {
  const lo = mmu.read64($ea);
  t = mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0);
}
branchTarget(cpu, t);
push(cpu, regs, 8, next | 0, Math.floor(next / 4294967296 /* TWO32 */) | 0);
pc = t;
if (PEN !== 0) {
  pred.push(next);
  if (TGT[$slot] !== t) {
    cyc += PEN;
    cpu.mispredicts++;
  }
  TGT[$slot] = t;
}
`,
  },
  {
    ops: [30],
    name: "RET",
    note: "RET (imm16: bytes released after popping)",
    body: `
const sp = stackAddr(cpu, rsp(regs));
const lo = mmu.read64(sp);
const t = branchTarget(cpu, mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0));
setRsp(regs, sp + 8 + $imm);
pc = t;
if (PEN !== 0 && !pred.pop(t)) {
  cyc += PEN;
  cpu.mispredicts++;
}
`,
  },
  {
    ops: [31],
    name: "JMP_REL",
    note: "",
    body: `
pc = branchTarget(cpu, next + $imm);
`,
  },
  {
    ops: [32],
    name: "JMP_RM",
    note: "",
    body: `
const m = $rm;
let t: number;
if (m !== 255 /* NONE */) {
  t = regs[2 * m + 1]! * 4294967296 /* TWO32 */ + (regs[2 * m]! >>> 0);
} else {
  const lo = mmu.read64($ea);
  t = mmu.hi * 4294967296 /* TWO32 */ + (lo >>> 0);
}
pc = branchTarget(cpu, t);
if (PEN !== 0) {
  if (TGT[$slot] !== t) {
    cyc += PEN;
    cpu.mispredicts++;
  }
  TGT[$slot] = t;
}
`,
  },
  {
    ops: [33],
    name: "JCC",
    note: "",
    body: `
const cc = $aux;
let taken: boolean;
if ((cc & 14) === 4 && lf[0 /* LF_OP */] !== 0 /* FL_NONE */)
  taken = ((lf[2 /* LF_RES */]! | lf[3 /* LF_RESHI */]!) === 0) === (cc === 4);
else taken = testCondition(cc, lf, cpu.flags);
if (taken) pc = branchTarget(cpu, next + $imm);
if (PEN !== 0) {
  const c = CTR[$slot]!;
  if (c >= 2 !== taken) {
    cyc += PEN;
    cpu.mispredicts++;
  }
  CTR[$slot] = taken ? (c === 3 ? 3 : c + 1) : c === 0 ? 0 : c - 1;
}
`,
  },
  {
    ops: [34],
    name: "SETCC",
    note: "",
    body: `
const v = testCondition($aux, lf, cpu.flags) ? 1 : 0;
const m = $rm;
if (m !== 255 /* NONE */) wrReg(regs, m, 1, v, 0);
else mmu.write8($ea, v);
`,
  },
  {
    ops: [35],
    name: "CMOVCC",
    note: "CMOVCC: the source is read (and may fault) whatever the condition; a 32-bit CMOV always zero-extends",
    body: `
const size = $size;
const m = $rm;
let lo: number;
let hi: number;
if (m !== 255 /* NONE */) {
  lo = regs[2 * m]!;
  hi = regs[2 * m + 1]!;
} else {
  lo = mmu.read($ea, size);
  hi = mmu.hi;
}
const r = $reg;
if (testCondition($aux, lf, cpu.flags)) wrReg(regs, r, size, lo, hi);
else if (size === 4) regs[2 * r + 1] = 0;
`,
  },
  {
    ops: [36],
    name: "CBW",
    note: "CBW / CWDE / CDQE",
    body: `
const size = $size;
const a = regs[0]!;
if (size === 2) regs[0] = (a & ~0xffff) | (((a << 24) >> 24) & 0xffff);
else if (size === 4) wrReg(regs, 0, 4, (a << 16) >> 16, 0);
else regs[1] = a >> 31;
`,
  },
  {
    ops: [37],
    name: "CWD",
    note: "CWD / CDQ / CQO",
    body: `
const size = $size;
if (size === 2) regs[4] = (regs[4]! & ~0xffff) | (((regs[0]! << 16) >> 31) & 0xffff);
else if (size === 4) wrReg(regs, 2, 4, regs[0]! >> 31, 0);
else wrReg(regs, 2, 8, regs[1]! >> 31, regs[1]! >> 31);
`,
  },
  {
    ops: [38],
    name: "XCHG",
    note: "",
    body: `
const size = $size;
const r = $reg;
const m = $rm;
const rLo = size === 1 ? rdReg(regs, r, 1) : regs[2 * r]!;
const rHi = regs[2 * r + 1]!;
if (m !== 255 /* NONE */) {
  wrReg(regs, r, size, size === 1 ? rdReg(regs, m, 1) : regs[2 * m]!, regs[2 * m + 1]!);
  wrReg(regs, m, size, rLo, rHi);
} else {
  const a = $ea;
  const lo = mmu.read(a, size);
  const hi = mmu.hi;
  mmu.write(a, size, rLo, rHi);
  wrReg(regs, r, size, lo, hi);
}
`,
  },
  {
    ops: [41],
    name: "LEAVE",
    note: "",
    body: `
const size = $size;
const sp = stackAddr(cpu, regs[11]! * 4294967296 /* TWO32 */ + (regs[10]! >>> 0));
const lo = mmu.read(sp, size);
const hi = mmu.hi;
setRsp(regs, sp + size);
wrReg(regs, 5, size, lo, hi);
`,
  },
  {
    ops: [74],
    name: "ALU64_RR",
    note: "ALU64_RR (rm = destination register, reg = source register)",
    body: `
const di = $rm << 1;
const si = $reg << 1;
const k = $aux;
const size = 8;
if (k !== 2 && k !== 3) {
  ${aluWide("regs[di]!", "regs[di + 1]!", "regs[si]!", "regs[si + 1]!")}
  if (k !== 7) {
    regs[di] = lo;
    regs[di + 1] = hi;
  }
} else {
  // ADC, SBB (alu() records the flags)
  regs[di] = alu(lf, k, 8, regs[di]!, regs[di + 1]!, regs[si]!, regs[si + 1]!, cpu.getCF());
  regs[di + 1] = lf[3]!;
}
`,
  },
  {
    ops: [75],
    name: "ALU64_RI",
    note: "",
    body: `
const di = $rm << 1;
const k = $aux;
const size = 8;
if (k !== 2 && k !== 3) {
  ${aluWide("regs[di]!", "regs[di + 1]!", "$imm", "$immHi")}
  if (k !== 7) {
    regs[di] = lo;
    regs[di + 1] = hi;
  }
} else {
  // ADC, SBB
  regs[di] = alu(lf, k, 8, regs[di]!, regs[di + 1]!, $imm, $immHi, cpu.getCF());
  regs[di + 1] = lf[3]!;
}
`,
  },
  {
    ops: [76],
    name: "INCDEC_R",
    note: "INCDEC_R (32/64-bit register); CF is preserved",
    body: `
const di = $rm << 1;
const dec = $aux === 1;
const prev = lf[0]!;
const cf = prev === 6 || prev === 7 ? lf[8]! : cpu.getCF();
const aLo = regs[di]!;
let aHi = regs[di + 1]!;
let lo: number;
let hi = 0;
if ($size === 8) {
  lo = dec ? (aLo - 1) | 0 : (aLo + 1) | 0;
  hi = dec ? (aLo === 0 ? (aHi - 1) | 0 : aHi) : lo === 0 ? (aHi + 1) | 0 : aHi;
  lf[1] = 8;
} else {
  lo = dec ? (aLo - 1) | 0 : (aLo + 1) | 0;
  aHi = 0;
  lf[1] = 4;
}
lf[0] = dec ? 7 : 6; // FL_DEC / FL_INC
lf[2] = lo;
lf[3] = hi;
lf[4] = aLo;
lf[5] = aHi;
lf[6] = 1;
lf[7] = 0;
lf[8] = cf;
regs[di] = lo;
regs[di + 1] = hi;
`,
  },
  {
    ops: [77],
    name: "MOV64_RR",
    note: "",
    body: `
const di = $rm << 1;
const si = $reg << 1;
regs[di] = regs[si]!;
regs[di + 1] = regs[si + 1]!;
`,
  },
  {
    ops: [79],
    name: "MOV64_LOAD",
    note: "",
    body: `
const lo = mmu.read64($ea);
const r = $reg << 1;
regs[r] = lo;
regs[r + 1] = mmu.hi;
`,
  },
  {
    ops: [80],
    name: "MOV64_STORE",
    note: "",
    body: `
const r = $reg << 1;
mmu.write64($ea, regs[r]!, regs[r + 1]!);
`,
  },
];

/** flagUse bits: the instruction reads status flags (RFLAGS or the lazy record). */
export const FLAGS_READ = 1;
/** flagUse bits: it sets all six status flags whatever they were (its record replaces the previous one). */
export const FLAGS_KILL = 2;

/**
 * How a templated instruction uses the status flags (the block JIT's flag liveness): from its op and decoded
 * fields. ADC/SBB, INC/DEC (CF is kept), the rotates and RCL/RCR, a shift by CL (a count of 0 keeps the flags)
 * and the condition readers read them; the other ALU ops, TEST, NEG, IMUL and a shift by a non-zero immediate
 * replace them; the rest leave them alone.
 */
export function flagUse(op: number, aux: number, size: number, imm: number): number {
  switch (op) {
    case 10: // ALU_RM_R
    case 11: // ALU_R_RM
    case 12: // ALU_RM_IMM
    case 74: // ALU64_RR
    case 75: // ALU64_RI
      return aux === 2 || aux === 3 ? FLAGS_READ | FLAGS_KILL : FLAGS_KILL;
    case 13: // TEST_RM_R
    case 14: // TEST_RM_IMM
    case 17: // NEG
    case 21: // IMUL_R_RM
    case 22: // IMUL_R_RM_IMM
      return FLAGS_KILL;
    case 19: // SHIFT_IMM: SHL/SHR/SAL/SAR by a non-zero (masked) count
      return aux >= 4 && (imm & (size === 8 ? 63 : 31)) !== 0 ? FLAGS_KILL : FLAGS_READ;
    case 15: // INC
    case 16: // DEC
    case 76: // INCDEC_R
    case 20: // SHIFT_CL
    case 33: // JCC
    case 34: // SETCC
    case 35: // CMOVCC
      return FLAGS_READ;
    default:
      return 0;
  }
}
