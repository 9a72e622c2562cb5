// Deterministic generator of x86-64 encodings for the decoder differential test: (1) every required iced Code
// with random operands, encoded by iced's Encoder; (2) prefix/REX mutations of those that iced still decodes;
// (3) random and prefix-soup byte strings.
import {
  Code,
  CodeExt,
  Decoder,
  DecoderOptions,
  Encoder,
  Instruction,
  OpCodeOperandKind as K,
  MemoryOperand,
  Register,
  RepPrefixKind,
} from "iced-x86";
import { Prng } from "./prng.ts";
import { REQUIRED_CODES } from "./supported-codes.ts";

export const SOURCE_CREATED = 0;
export const SOURCE_MUTATED = 1;
export const SOURCE_RANDOM = 2;
export const SOURCE_NAMES = ["created", "mutated", "random"] as const;

/** Encodings back to back: encoding i is bytes[offsets[i] .. offsets[i+1]), decoded at rips[i]. */
export interface EncodingSet {
  count: number;
  bytes: Uint8Array;
  offsets: Uint32Array;
  rips: BigUint64Array;
  sources: Uint8Array;
  /** Required Codes that iced could not encode even once (should stay empty). */
  unencodable: Code[];
}

export interface GeneratorOptions {
  seed: number;
  /** Instances per required Code with operands (operand-less Codes get a few, the mutations vary them). */
  perCode: number;
  /** Mutation attempts per created encoding; only the ones iced decodes as valid are kept. */
  mutationsPerCreated: number;
  /** Purely random 15-byte strings, and as many again of prefix soup followed by a plausible opcode. */
  randomCount: number;
}

export const DEFAULT_OPTIONS: GeneratorOptions = {
  seed: 0x5eed_2024,
  perCode: 120,
  mutationsPerCreated: 1,
  randomCount: 4000,
};

const MAX_INSN = 15;

const GPR8 = [
  Register.AL,
  Register.CL,
  Register.DL,
  Register.BL,
  Register.AH,
  Register.CH,
  Register.DH,
  Register.BH,
  Register.SPL,
  Register.BPL,
  Register.SIL,
  Register.DIL,
  Register.R8L,
  Register.R9L,
  Register.R10L,
  Register.R11L,
  Register.R12L,
  Register.R13L,
  Register.R14L,
  Register.R15L,
];
const range = (first: Register, n: number): Register[] => Array.from({ length: n }, (_, i) => first + i);
const GPR16 = range(Register.AX, 16);
const GPR32 = range(Register.EAX, 16);
const GPR64 = range(Register.RAX, 16);
const XMM = range(Register.XMM0, 16);
const SEGMENTS = [Register.ES, Register.CS, Register.SS, Register.DS, Register.FS, Register.GS];

// Every base (none, 16 GPRs, RIP) × index (none, 15 GPRs: RSP cannot be an index) × scale × displacement size.
const MEM_BASES = [Register.None, ...GPR64, Register.RIP];
const MEM_INDICES = [Register.None, ...GPR64.filter((r) => r !== Register.RSP)];
const MEM_SCALES = [1, 2, 4, 8];
const MEM_DISPS = [0, 1, 4];
const MEM_COMBOS = MEM_BASES.length * MEM_INDICES.length * MEM_SCALES.length * MEM_DISPS.length;

// Code addresses the encodings are decoded at: user, kernel text, the edges of both canonical halves, and
// addresses near 0 and 2^64 so that branch and RIP-relative targets wrap.
const RIP_BASES = [
  0x401000n,
  0xffffffff81000000n,
  0x7fffffffe000n,
  0xffff800000000000n,
  0x0n,
  0xfffffffffffff000n,
  0x7ffff7a00000n,
];

const LEGACY_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];
const isLegacyPrefix = (b: number): boolean => LEGACY_PREFIXES.includes(b);
const isRex = (b: number): boolean => (b & 0xf0) === 0x40;

// Opcode bytes the supported set uses, for "prefix soup + plausible opcode" strings.
const ONE_BYTE_OPCODES = [
  ...range(0x00, 0x40).filter((b) => (b & 7) < 6),
  ...range(0x50, 0x10),
  0x63,
  0x68,
  0x69,
  0x6a,
  0x6b,
  ...range(0x70, 0x10),
  ...range(0x80, 0x10),
  ...range(0x90, 0x0e),
  ...range(0xa0, 0x0c),
  ...range(0xb0, 0x10),
  0xc0,
  0xc1,
  0xc2,
  0xc3,
  0xc6,
  0xc7,
  0xc9,
  0xcc,
  0xcd,
  0xcf,
  0xd0,
  0xd1,
  0xd2,
  0xd3,
  0xe8,
  0xe9,
  0xeb,
  0xf4,
  0xf6,
  0xf7,
  0xfa,
  0xfb,
  0xfc,
  0xfd,
  0xfe,
  0xff,
];
const TWO_BYTE_OPCODES = [
  0x01,
  0x05,
  0x07,
  0x0b,
  0x1e,
  0x1f,
  0x20,
  0x22,
  0x30,
  0x31,
  0x32,
  ...range(0x40, 0x10),
  ...range(0x80, 0x10),
  ...range(0x90, 0x10),
  0xa2,
  0xa3,
  0xab,
  0xaf,
  0xb3,
  0xb6,
  0xb7,
  0xba,
  0xbb,
  0xbe,
  0xbf,
];

class Builder {
  private bytes = new Uint8Array(1 << 20);
  private offsets: number[] = [0];
  private rips: bigint[] = [];
  private sources: number[] = [];
  private end = 0;

  add(data: Uint8Array, rip: bigint, source: number): void {
    if (this.end + data.length > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(data, this.end);
    this.end += data.length;
    this.offsets.push(this.end);
    this.rips.push(rip);
    this.sources.push(source);
  }

  get count(): number {
    return this.rips.length;
  }

  build(unencodable: Code[]): EncodingSet {
    return {
      count: this.rips.length,
      bytes: this.bytes.slice(0, this.end),
      offsets: Uint32Array.from(this.offsets),
      rips: BigUint64Array.from(this.rips),
      sources: Uint8Array.from(this.sources),
      unencodable,
    };
  }
}

type Operand =
  | { t: "reg"; reg: Register }
  | { t: "mem"; mem: MemoryOperand }
  | { t: "imm"; value: number; signed: boolean }
  | { t: "imm64"; value: bigint }
  | { t: "branch"; target: bigint };

class InstructionFactory {
  private memCombo = 0;

  constructor(private readonly rng: Prng) {}

  randomRip(): bigint {
    const base = this.rng.pick(RIP_BASES);
    return BigInt.asUintN(64, base + BigInt(this.rng.below(0x1000)));
  }

  private int32(): number {
    const r = this.rng;
    if (r.chance(0.2)) return r.pick([0, 1, -1, 0x7fffffff, -0x80000000, 0x7f, -0x80, 0x80, -0x81]);
    return r.chance(0.5) ? r.u32() | 0 : (r.below(0x10000) - 0x8000) | 0;
  }

  private unsignedImm(bits: number): number {
    const r = this.rng;
    const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    if (r.chance(0.25)) return r.pick([0, 1, max, max >>> 1, (max >>> 1) + 1]);
    return bits === 32 ? r.u32() : r.below(max + 1);
  }

  private signedImm8(): number {
    return this.rng.chance(0.25) ? this.rng.pick([0, 1, -1, 127, -128]) : this.rng.below(256) - 128;
  }

  /** Next base/index/scale/displacement combination (cycled, so every combination occurs). */
  memory(rip: bigint): MemoryOperand {
    const r = this.rng;
    let c = this.memCombo++ % MEM_COMBOS;
    const dispKind = MEM_DISPS[c % MEM_DISPS.length]!;
    c = Math.floor(c / MEM_DISPS.length);
    let scale = MEM_SCALES[c % MEM_SCALES.length]!;
    c = Math.floor(c / MEM_SCALES.length);
    let index = MEM_INDICES[c % MEM_INDICES.length]!;
    let base = MEM_BASES[Math.floor(c / MEM_INDICES.length)]!;
    const seg = r.chance(0.25) ? r.pick(SEGMENTS) : Register.None;
    if (base === Register.RIP) {
      index = Register.None;
      // iced takes the absolute target of a RIP-relative operand; the encoder derives disp32 from the rip.
      const target = rip + BigInt(this.int32() >> 1);
      if (r.chance(0.12))
        return new MemoryOperand(Register.EIP, index, 1, BigInt.asUintN(32, target), 4, false, seg);
      return new MemoryOperand(base, index, 1, BigInt.asUintN(64, target), 8, false, seg);
    }
    if (index === Register.None) scale = 1;
    const addr32 = r.chance(0.12);
    if (addr32) {
      if (base !== Register.None) base = base - Register.RAX + Register.EAX;
      if (index !== Register.None) index = index - Register.RAX + Register.EAX;
    }
    let disp = 0n;
    let displSize = 0;
    if (dispKind === 1) {
      disp = BigInt(this.signedImm8());
      displSize = 1;
    } else if (dispKind === 4 || base === Register.None) {
      disp = BigInt(this.int32());
      displSize = addr32 ? 4 : 8;
      if (addr32) disp = BigInt.asUintN(32, disp);
    }
    return new MemoryOperand(base, index, scale, disp, displSize, false, seg);
  }

  private moffs(): MemoryOperand {
    const r = this.rng;
    const choice = r.below(4);
    const addr =
      choice === 0
        ? BigInt(r.u32())
        : choice === 1
          ? BigInt.asUintN(64, BigInt(this.int32()))
          : choice === 2
            ? BigInt.asUintN(64, BigInt.asIntN(48, r.u64()))
            : r.u64();
    return new MemoryOperand(
      Register.None,
      Register.None,
      1,
      addr,
      8,
      false,
      r.chance(0.25) ? r.pick(SEGMENTS) : Register.None,
    );
  }

  /** A random operand for one iced operand kind; `len` is the encoded length for branch targets. */
  operand(kind: K, rip: bigint, len: number): Operand {
    const r = this.rng;
    switch (kind) {
      case K.r8_reg:
      case K.r8_opcode:
        return { t: "reg", reg: r.pick(GPR8) };
      case K.r16_reg:
      case K.r16_opcode:
        return { t: "reg", reg: r.pick(GPR16) };
      case K.r32_reg:
      case K.r32_opcode:
        return { t: "reg", reg: r.pick(GPR32) };
      case K.r64_reg:
      case K.r64_opcode:
      case K.r64_rm:
        return { t: "reg", reg: r.pick(GPR64) };
      case K.r8_or_mem:
        return r.chance(0.5) ? { t: "reg", reg: r.pick(GPR8) } : { t: "mem", mem: this.memory(rip) };
      case K.r16_or_mem:
        return r.chance(0.5) ? { t: "reg", reg: r.pick(GPR16) } : { t: "mem", mem: this.memory(rip) };
      case K.r32_or_mem:
        return r.chance(0.5) ? { t: "reg", reg: r.pick(GPR32) } : { t: "mem", mem: this.memory(rip) };
      case K.r64_or_mem:
        return r.chance(0.5) ? { t: "reg", reg: r.pick(GPR64) } : { t: "mem", mem: this.memory(rip) };
      case K.mem:
        return { t: "mem", mem: this.memory(rip) };
      case K.xmm_reg:
      case K.xmm_rm:
        return { t: "reg", reg: r.pick(XMM) };
      case K.xmm_or_mem:
        return r.chance(0.5) ? { t: "reg", reg: r.pick(XMM) } : { t: "mem", mem: this.memory(rip) };
      case K.mem_offs:
        return { t: "mem", mem: this.moffs() };
      case K.imm8_const_1:
        return { t: "imm", value: 1, signed: false };
      case K.imm8:
        return { t: "imm", value: this.unsignedImm(8), signed: false };
      case K.imm16:
        return { t: "imm", value: this.unsignedImm(16), signed: false };
      case K.imm32:
        return { t: "imm", value: this.unsignedImm(32), signed: false };
      case K.imm8sex16:
      case K.imm8sex32:
      case K.imm8sex64:
        return { t: "imm", value: this.signedImm8(), signed: true };
      case K.imm32sex64:
        return { t: "imm", value: this.int32(), signed: true };
      case K.imm64:
        return { t: "imm64", value: r.chance(0.3) ? BigInt.asUintN(64, BigInt(this.int32())) : r.u64() };
      case K.al:
        return { t: "reg", reg: Register.AL };
      case K.cl:
        return { t: "reg", reg: Register.CL };
      case K.ax:
        return { t: "reg", reg: Register.AX };
      case K.eax:
        return { t: "reg", reg: Register.EAX };
      case K.rax:
        return { t: "reg", reg: Register.RAX };
      case K.br64_1:
        return { t: "branch", target: BigInt.asUintN(64, rip + BigInt(len + this.signedImm8())) };
      case K.br64_4:
        return { t: "branch", target: BigInt.asUintN(64, rip + BigInt(len + this.int32())) };
      default:
        throw new Error(`generator: unhandled operand kind ${K[kind]}`);
    }
  }
}

function createInstruction(code: Code, ops: Operand[]): Instruction {
  const shape = ops
    .map((o) => (o.t === "reg" ? "R" : o.t === "mem" ? "M" : o.t === "branch" ? "B" : "I"))
    .join("");
  const reg = (i: number): Register => (ops[i] as { reg: Register }).reg;
  const mem = (i: number): MemoryOperand => (ops[i] as { mem: MemoryOperand }).mem;
  const imm = ops.find((o) => o.t === "imm" || o.t === "imm64");
  const signed = imm?.t === "imm" && imm.signed;
  const immNum = imm?.t === "imm" ? imm.value : 0;
  switch (shape) {
    case "":
      return Instruction.create(code);
    case "R":
      return Instruction.createReg(code, reg(0));
    case "M":
      return Instruction.createMem(code, mem(0));
    case "B":
      return Instruction.createBranch(code, (ops[0] as { target: bigint }).target);
    case "I":
      return signed ? Instruction.createI32(code, immNum) : Instruction.createU32(code, immNum);
    case "RR":
      return Instruction.createRegReg(code, reg(0), reg(1));
    case "RM":
      return Instruction.createRegMem(code, reg(0), mem(1));
    case "MR":
      return Instruction.createMemReg(code, mem(0), reg(1));
    case "RI":
      if (imm?.t === "imm64") return Instruction.createRegU64(code, reg(0), imm.value);
      return signed
        ? Instruction.createRegI32(code, reg(0), immNum)
        : Instruction.createRegU32(code, reg(0), immNum);
    case "MI":
      return signed
        ? Instruction.createMemI32(code, mem(0), immNum)
        : Instruction.createMemU32(code, mem(0), immNum);
    case "RRR":
      return Instruction.createRegRegReg(code, reg(0), reg(1), reg(2));
    case "MRR":
      return Instruction.createMemRegReg(code, mem(0), reg(1), reg(2));
    case "MRI":
      return signed
        ? Instruction.createMemRegI32(code, mem(0), reg(1), immNum)
        : Instruction.createMemRegU32(code, mem(0), reg(1), immNum);
    case "RRI":
      return signed
        ? Instruction.createRegRegI32(code, reg(0), reg(1), immNum)
        : Instruction.createRegRegU32(code, reg(0), reg(1), immNum);
    case "RMI":
      return signed
        ? Instruction.createRegMemI32(code, reg(0), mem(1), immNum)
        : Instruction.createRegMemU32(code, reg(0), mem(1), immNum);
    default:
      throw new Error(`generator: unhandled operand shape ${shape} for ${Code[code]}`);
  }
}

function createStringInstruction(code: Code, rng: Prng): Instruction {
  const addressSize = rng.chance(0.2) ? 32 : 64;
  const rep = rng.pick([RepPrefixKind.None, RepPrefixKind.None, RepPrefixKind.Repe, RepPrefixKind.Repne]);
  const seg = rng.chance(0.3) ? rng.pick(SEGMENTS) : Register.None;
  switch (code) {
    case Code.Movsb_m8_m8:
      return Instruction.createMovsb(addressSize, seg, rep);
    case Code.Movsw_m16_m16:
      return Instruction.createMovsw(addressSize, seg, rep);
    case Code.Movsd_m32_m32:
      return Instruction.createMovsd(addressSize, seg, rep);
    case Code.Movsq_m64_m64:
      return Instruction.createMovsq(addressSize, seg, rep);
    case Code.Stosb_m8_AL:
      return Instruction.createStosb(addressSize, rep);
    case Code.Stosw_m16_AX:
      return Instruction.createStosw(addressSize, rep);
    case Code.Stosd_m32_EAX:
      return Instruction.createStosd(addressSize, rep);
    case Code.Cmpsb_m8_m8:
      return Instruction.createCmpsb(addressSize, seg, rep);
    case Code.Cmpsw_m16_m16:
      return Instruction.createCmpsw(addressSize, seg, rep);
    case Code.Cmpsd_m32_m32:
      return Instruction.createCmpsd(addressSize, seg, rep);
    case Code.Cmpsq_m64_m64:
      return Instruction.createCmpsq(addressSize, seg, rep);
    case Code.Scasb_AL_m8:
      return Instruction.createScasb(addressSize, rep);
    case Code.Scasw_AX_m16:
      return Instruction.createScasw(addressSize, rep);
    case Code.Scasd_EAX_m32:
      return Instruction.createScasd(addressSize, rep);
    case Code.Scasq_RAX_m64:
      return Instruction.createScasq(addressSize, rep);
    default:
      return Instruction.createStosq(addressSize, rep);
  }
}

interface CodeShape {
  code: Code;
  kinds: K[];
  /** Length of the instruction without prefixes when it is a relative branch (opcode + displacement). */
  branchLength: number;
  lockable: boolean;
  string: boolean;
}

function codeShapes(): CodeShape[] {
  return REQUIRED_CODES.map((code) => {
    const oc = CodeExt.opCode(code);
    try {
      const kinds: K[] = [];
      for (let i = 0; i < oc.opCount; i++) kinds.push(oc.opKind(i));
      const dispBytes = kinds.includes(K.br64_1) ? 1 : kinds.includes(K.br64_4) ? 4 : 0;
      return {
        code,
        kinds,
        branchLength: oc.opCodeLength + dispBytes,
        lockable: oc.canUseLockPrefix,
        string: kinds.includes(K.es_rDI),
      };
    } finally {
      oc.free();
    }
  });
}

/** Step (1): every required Code with random operands, encoded by iced. */
function createEncodings(rng: Prng, opts: GeneratorOptions, out: Builder): Code[] {
  const factory = new InstructionFactory(rng);
  const encoder = new Encoder(64);
  const unencodable: Code[] = [];
  try {
    for (const shape of codeShapes()) {
      const instances = shape.kinds.length === 0 ? 16 : opts.perCode;
      let made = 0;
      for (let attempt = 0; made < instances && attempt < instances * 4; attempt++) {
        const rip = factory.randomRip();
        let instr: Instruction | undefined;
        try {
          if (shape.string) {
            instr = createStringInstruction(shape.code, rng);
          } else {
            const ops = shape.kinds.map((kind) =>
              kind === K.cr_reg
                ? ({
                    t: "reg",
                    reg: shape.code === Code.Mov_cr_r64 || rng.chance(0.5) ? Register.CR3 : Register.CR2,
                  } as const)
                : factory.operand(kind, rip, shape.branchLength),
            );
            // create* takes ownership of (and frees) the MemoryOperand objects.
            instr = createInstruction(shape.code, ops);
            if (shape.lockable && ops.some((o) => o.t === "mem") && rng.chance(0.3))
              instr.hasLockPrefix = true;
          }
          encoder.encode(instr, rip);
          out.add(encoder.takeBuffer(), rip, SOURCE_CREATED);
          made++;
        } catch {
          // Operands iced cannot encode together (AH with a REX prefix, branch out of range): try others.
          encoder.takeBuffer();
        } finally {
          instr?.free();
        }
      }
      if (made === 0) unencodable.push(shape.code);
    }
  } finally {
    encoder.free();
  }
  return unencodable;
}

/** One random prefix/REX mutation of an instruction's prefix area. */
function mutate(rng: Prng, src: Uint8Array): Uint8Array {
  const bytes = Array.from(src);
  let legacyEnd = 0;
  while (legacyEnd < bytes.length && isLegacyPrefix(bytes[legacyEnd]!)) legacyEnd++;
  const insertLegacy = (b: number): void => {
    bytes.splice(rng.below(legacyEnd + 1), 0, b);
    legacyEnd++;
  };
  const rounds = 1 + rng.below(3);
  for (let k = 0; k < rounds; k++) {
    switch (rng.below(10)) {
      case 0: // redundant REX (no bits) or random REX bits, right before the opcode
        if (isRex(bytes[legacyEnd]!)) bytes[legacyEnd] = bytes[legacyEnd]! | rng.below(16);
        else bytes.splice(legacyEnd, 0, rng.chance(0.5) ? 0x40 : 0x40 | rng.below(16));
        break;
      case 1: // REX.W
        if (isRex(bytes[legacyEnd]!)) bytes[legacyEnd] = bytes[legacyEnd]! | 8;
        else bytes.splice(legacyEnd, 0, 0x48);
        break;
      case 2:
        insertLegacy(0x66);
        break;
      case 3:
        insertLegacy(0x67);
        break;
      case 4:
        insertLegacy(rng.pick([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]));
        break;
      case 5:
        insertLegacy(rng.pick([0xf2, 0xf3]));
        break;
      case 6:
        insertLegacy(0xf0);
        break;
      case 7: // a REX followed by a legacy prefix is ignored
        bytes.splice(0, 0, 0x40 | rng.below(16), rng.pick(LEGACY_PREFIXES));
        legacyEnd += 2;
        break;
      case 8: // two REX prefixes: only the last one counts
        bytes.splice(legacyEnd, 0, 0x40 | rng.below(16));
        break;
      default: {
        // one bit of the opcode, ModRM, SIB or what follows: other forms, other /digit groups, invalid ones
        const at = legacyEnd + rng.below(bytes.length - legacyEnd);
        bytes[at] = bytes[at]! ^ (1 << rng.below(8));
        break;
      }
    }
  }
  return Uint8Array.from(bytes);
}

const SLOT = 32;

/**
 * Decodes candidates with iced (one buffer, one slot each) and keeps the valid ones, cut to iced's length.
 * A candidate whose decoding runs past its own bytes is dropped.
 */
function keepIcedValid(candidates: Uint8Array[], rips: bigint[], source: number, out: Builder): void {
  const buf = new Uint8Array(candidates.length * SLOT).fill(0xcc);
  candidates.forEach((c, i) => {
    buf.set(c, i * SLOT);
  });
  const decoder = new Decoder(64, buf, DecoderOptions.None);
  const instr = new Instruction();
  try {
    for (let i = 0; i < candidates.length; i++) {
      decoder.position = i * SLOT;
      decoder.ip = rips[i]!;
      decoder.decodeOut(instr);
      if (instr.isInvalid || instr.length > candidates[i]!.length) continue;
      out.add(candidates[i]!.subarray(0, instr.length), rips[i]!, source);
    }
  } finally {
    instr.free();
    decoder.free();
  }
}

function randomBytes(rng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.below(256);
  return b;
}

/** Prefix soup, maybe a REX, an opcode the supported set uses, then random ModRM/SIB/displacement/immediate. */
function prefixSoup(rng: Prng): Uint8Array {
  const b = randomBytes(rng, MAX_INSN);
  let i = 0;
  // Mostly a few prefixes; sometimes a run long enough to hit the 15-byte limit.
  const prefixes = rng.chance(0.1) ? 8 + rng.below(7) : rng.below(4);
  for (let k = 0; k < prefixes; k++) b[i++] = rng.pick(LEGACY_PREFIXES);
  if (rng.chance(0.6)) b[i++] = 0x40 | rng.below(16);
  if (rng.chance(0.3)) {
    b[i++] = 0x0f;
    b[i++] = rng.pick(TWO_BYTE_OPCODES);
  } else {
    b[i++] = rng.pick(ONE_BYTE_OPCODES);
  }
  return b;
}

export function generateEncodings(options: Partial<GeneratorOptions> = {}): EncodingSet {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  const rng = new Prng(opts.seed);
  const created = new Builder();
  const unencodable = createEncodings(rng, opts, created);
  const base = created.build(unencodable);

  const out = new Builder();
  for (let i = 0; i < base.count; i++) {
    out.add(base.bytes.subarray(base.offsets[i]!, base.offsets[i + 1]!), base.rips[i]!, SOURCE_CREATED);
  }

  const candidates: Uint8Array[] = [];
  const rips: bigint[] = [];
  for (let i = 0; i < base.count; i++) {
    const src = base.bytes.subarray(base.offsets[i]!, base.offsets[i + 1]!);
    for (let k = 0; k < opts.mutationsPerCreated; k++) {
      const m = mutate(rng, src);
      if (m.length > MAX_INSN) continue;
      candidates.push(m);
      rips.push(base.rips[i]!);
    }
  }
  keepIcedValid(candidates, rips, SOURCE_MUTATED, out);

  const factory = new InstructionFactory(rng);
  for (let i = 0; i < opts.randomCount; i++) {
    out.add(randomBytes(rng, MAX_INSN), factory.randomRip(), SOURCE_RANDOM);
    out.add(prefixSoup(rng), factory.randomRip(), SOURCE_RANDOM);
  }
  return out.build(unencodable);
}
