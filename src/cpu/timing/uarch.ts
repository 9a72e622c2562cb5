// The per-microarchitecture tables an out-of-order timing model reads: for each instruction form, its µops with
// the execution ports each may use, its fused-domain µop count and its latency; plus the core's front-end width,
// load latency and branch-misprediction penalty. The data (with sources) lives in src/measure/profiles/; this
// file defines the form names, the table's shape and its compiled, numeric form.

/** Instruction forms the out-of-order model prices (register forms; memory operands add µops by rule). */
export const INSN_FORMS = [
  "nop", // NOP, ENDBR64, multi-byte NOP
  "zero_idiom", // XOR/SUB r,r of one register (dependency-breaking, eliminated at rename)
  "mov_rr", // MOV r,r (no move elimination is modelled)
  "mov_ri", // MOV r,imm
  "movx_rr", // MOVZX/MOVSX/MOVSXD r,r
  "load", // MOV/MOVZX/MOVSX r,m and POP r: the load µop alone
  "store", // MOV m,r / m,imm and PUSH r/imm: store-address + store-data, one fused µop
  "lea_fast", // LEA with one or two address components
  "lea_slow", // LEA with three components (base + index + displacement), or RIP-relative
  "alu", // ADD/SUB/AND/OR/XOR/CMP/TEST/INC/DEC/NEG/NOT, CLC/STC/CMC
  "adc", // ADC/SBB
  "shift_imm", // SHL/SHR/SAR/ROL/ROR by an immediate or 1
  "shift_cl", // SHL/SHR/SAR/ROL/ROR by CL
  "rotate_carry", // RCL/RCR
  "imul", // IMUL r,r/m and r,r/m,imm
  "mul_wide", // MUL/IMUL with one operand (RDX:RAX result)
  "call", // CALL rel/r (the push of the return address included)
  "ret", // RET
  "jmp", // JMP rel/r
  "jcc", // Jcc not fused
  "fused_jcc", // a macro-fused CMP/TEST/ADD/SUB/AND/INC/DEC + Jcc pair (priced on the pair's first instruction)
  "setcc",
  "cmov",
  "cmov_2", // CMOVBE/CMOVA (two flag groups)
  "sign_extend_acc", // CBW/CWDE/CDQE
  "sign_split_acc", // CWD/CDQ/CQO
  "xchg_rr",
  "bt", // BT/BTS/BTR/BTC r,r and r,imm
  "leave",
  "bswap32",
  "bswap64",
  "bit_scan", // BSF/BSR/TZCNT/LZCNT
  "shift_double", // SHLD/SHRD
  "flags_ah", // LAHF/SAHF
  "sse", // an SSE/SSE2 instruction (generic row)
] as const;

export type InsnForm = (typeof INSN_FORMS)[number];

export const FORM_INDEX: Readonly<Record<InsnForm, number>> = Object.fromEntries(
  INSN_FORMS.map((f, i) => [f, i]),
) as Record<InsnForm, number>;

/** Execution ports, in uops.info's names. A port set is a bit mask over these. */
export const PORT_NAMES = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"] as const;

/** One form's row: µops in uops.info notation ("1*p06+1*p15"; "" for none), fused-domain µops, latency. */
export interface FormTiming {
  readonly uops: string;
  readonly fused: number;
  readonly latency: number;
}

/** The numbers of a microarchitecture table (the profile carries the sources next to them). */
export interface UarchTiming {
  readonly name: string;
  /** fused-domain µops the front end issues (renames/allocates) per cycle */
  readonly issueWidth: number;
  /** load-to-use latency of an L1-D hit, cycles */
  readonly loadLatency: number;
  /** port set of a load µop, of a store-address µop and of a store-data µop (uops.info notation, one port set) */
  readonly loadPorts: string;
  readonly storeAddressPorts: string;
  readonly storeDataPorts: string;
  /** cycles lost on a mispredicted branch (charged dynamically, outside the block price) */
  readonly mispredictPenalty: number;
  /** return-stack-buffer entries (calls/returns predicted by it) */
  readonly returnStackEntries: number;
  /** conditional branches macro-fuse with a preceding CMP/TEST/ADD/SUB/AND/INC/DEC (the Sandy Bridge+ rules) */
  readonly macroFusion: boolean;
  readonly forms: Readonly<Record<InsnForm, FormTiming>>;
}

/** A µop list in uops.info notation parsed to (count, port mask) pairs. */
export function parsePorts(text: string, where: string): { count: number; mask: number }[] {
  const out: { count: number; mask: number }[] = [];
  if (text.trim() === "") return out;
  for (const part of text.split("+")) {
    const m = /^\s*(\d+)\*p([0-7]+)\s*$/.exec(part);
    if (m === null) throw new Error(`${where}: "${part}" is not a µop group like 1*p0156`);
    let mask = 0;
    for (const ch of m[2]!) mask |= 1 << Number(ch);
    out.push({ count: Number(m[1]), mask });
  }
  return out;
}

/** The table in the typed form the model reads: per form, up to 4 µop groups (mask, count). */
export interface CompiledUarch {
  readonly spec: UarchTiming;
  readonly groupMask: Uint8Array; // [form * 4 + g]
  readonly groupCount: Uint8Array;
  readonly fused: Uint8Array;
  readonly latency: Float64Array;
  readonly loadMask: number;
  readonly staMask: number;
  readonly stdMask: number;
}

export function compileUarch(u: UarchTiming): CompiledUarch {
  const n = INSN_FORMS.length;
  const groupMask = new Uint8Array(n * 4);
  const groupCount = new Uint8Array(n * 4);
  const fused = new Uint8Array(n);
  const latency = new Float64Array(n);
  INSN_FORMS.forEach((f, i) => {
    const row = u.forms[f];
    if (row === undefined) throw new Error(`µarch table ${u.name}: form ${f} is missing`);
    const groups = parsePorts(row.uops, `µarch table ${u.name}, form ${f}`);
    if (groups.length > 4) throw new Error(`µarch table ${u.name}, form ${f}: more than 4 µop groups`);
    groups.forEach((g, k) => {
      groupMask[i * 4 + k] = g.mask;
      groupCount[i * 4 + k] = g.count;
    });
    fused[i] = row.fused;
    latency[i] = row.latency;
  });
  const one = (text: string, what: string): number => {
    const g = parsePorts(text, `µarch table ${u.name}, ${what}`);
    if (g.length !== 1 || g[0]!.count !== 1)
      throw new Error(`µarch table ${u.name}: ${what} must be one µop`);
    return g[0]!.mask;
  };
  if (!(u.issueWidth > 0)) throw new Error(`µarch table ${u.name}: issueWidth must be > 0`);
  return {
    spec: u,
    groupMask,
    groupCount,
    fused,
    latency,
    loadMask: one(u.loadPorts, "loadPorts"),
    staMask: one(u.storeAddressPorts, "storeAddressPorts"),
    stdMask: one(u.storeDataPorts, "storeDataPorts"),
  };
}
