// Maps an iced-x86 Instruction to the normalised OracleInsn form of src/cpu/decoder.ts (see notes/cpu-api.md and
// the "Normalisation decisions" in notes/decoder-bugs.md, which this adapter defines).
import { type Instruction, MemorySize, MemorySizeExt, Mnemonic, OpKind, Register } from "iced-x86";

export interface OracleOperand {
  kind: "reg" | "imm" | "mem" | "rel";
  text: string;
}
export interface OracleInsn {
  length: number;
  mnemonic: string;
  operands: OracleOperand[];
}

function enumNames(e: object): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(e)) if (typeof value === "number") names[value] = name;
  return names;
}

const mnemonicNames = enumNames(Mnemonic).map((n) => n.toLowerCase());
// iced calls the low byte of r8..r15 "R8L"; the contract uses the SDM's "r8b".
const registerNames = enumNames(Register).map((n) => n.toLowerCase().replace(/^(r\d+)l$/, "$1b"));
const SIZE_NAMES: Record<number, string> = {
  0: "",
  1: "byte",
  2: "word",
  4: "dword",
  8: "qword",
  10: "tbyte",
};
const memorySizeNames = enumNames(MemorySize).map((_, ms) => {
  const size = MemorySizeExt.size(ms as MemorySize);
  return SIZE_NAMES[size] ?? (size === 16 ? "xmmword" : `${size}bytes`);
});

export function registerName(r: Register): string {
  return registerNames[r] ?? `reg${r}`;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function signedHex(v: bigint): string {
  return v < 0n ? `-${hex(-v)}` : `+${hex(v)}`;
}

/** Bits of the immediate as the contract shows it: the operand size after sign extension (8 for counts/vectors). */
function immediateBits(kind: OpKind): number {
  switch (kind) {
    case OpKind.Immediate8:
    case OpKind.Immediate8_2nd:
      return 8;
    case OpKind.Immediate16:
    case OpKind.Immediate8to16:
      return 16;
    case OpKind.Immediate32:
    case OpKind.Immediate8to32:
      return 32;
    default:
      return 64;
  }
}

function is32BitRegister(r: Register): boolean {
  return (r >= Register.EAX && r <= Register.R15D) || r === Register.EIP;
}

function memoryText(instr: Instruction): string {
  const base = instr.memoryBase;
  const index = instr.memoryIndex;
  if (base === Register.RIP || base === Register.EIP) return `abs:${hex(instr.ipRelMemoryAddress)}`;
  // The address size decides how the displacement wraps: 32 with a 67 prefix, else 64.
  const addr32 = is32BitRegister(base) || is32BitRegister(index) || instr.memoryDisplSize === 4;
  const disp = BigInt.asIntN(addr32 ? 32 : 64, instr.memoryDisplacement);
  let text = base === Register.None ? "" : registerName(base);
  if (index !== Register.None) {
    text += `${text === "" ? "" : "+"}${registerName(index)}*${instr.memoryIndexScale}`;
  }
  if (disp !== 0n || base === Register.None) text += signedHex(disp);
  return text;
}

function stringOperandText(instr: Instruction, seg: Register, reg: Register): string {
  return `${memorySizeNames[instr.memorySize]}:${registerName(seg)}:${registerName(reg)}`;
}

function operand(instr: Instruction, i: number): OracleOperand {
  const kind = instr.opKind(i);
  switch (kind) {
    case OpKind.Register:
      return { kind: "reg", text: registerName(instr.opRegister(i)) };
    case OpKind.NearBranch16:
    case OpKind.NearBranch32:
    case OpKind.NearBranch64:
      return { kind: "rel", text: hex(BigInt.asUintN(64, instr.nearBranchTarget)) };
    case OpKind.Immediate8:
    case OpKind.Immediate8_2nd:
    case OpKind.Immediate16:
    case OpKind.Immediate32:
    case OpKind.Immediate64:
    case OpKind.Immediate8to16:
    case OpKind.Immediate8to32:
    case OpKind.Immediate8to64:
    case OpKind.Immediate32to64:
      return { kind: "imm", text: hex(BigInt.asUintN(immediateBits(kind), instr.immediate(i))) };
    case OpKind.Memory: {
      const size = memorySizeNames[instr.memorySize];
      return { kind: "mem", text: `${size}:${registerName(instr.memorySegment)}:${memoryText(instr)}` };
    }
    case OpKind.MemorySegRSI:
      return { kind: "mem", text: stringOperandText(instr, instr.memorySegment, Register.RSI) };
    case OpKind.MemorySegESI:
      return { kind: "mem", text: stringOperandText(instr, instr.memorySegment, Register.ESI) };
    case OpKind.MemorySegRDI: // MASKMOVDQU's implicit destination
      return { kind: "mem", text: stringOperandText(instr, instr.memorySegment, Register.RDI) };
    case OpKind.MemorySegEDI:
      return { kind: "mem", text: stringOperandText(instr, instr.memorySegment, Register.EDI) };
    case OpKind.MemoryESRDI:
      return { kind: "mem", text: stringOperandText(instr, Register.ES, Register.RDI) };
    case OpKind.MemoryESEDI:
      return { kind: "mem", text: stringOperandText(instr, Register.ES, Register.EDI) };
    default:
      // Far branches, 16-bit string operands, …: never in the supported set; shown so a mismatch is readable.
      return { kind: "mem", text: `unsupported-opkind-${OpKind[kind]}` };
  }
}

function isStringInstruction(m: Mnemonic): boolean {
  switch (m) {
    case Mnemonic.Movsb:
    case Mnemonic.Movsw:
    case Mnemonic.Movsd:
    case Mnemonic.Movsq:
    case Mnemonic.Stosb:
    case Mnemonic.Stosw:
    case Mnemonic.Stosd:
    case Mnemonic.Stosq:
    case Mnemonic.Cmpsb:
    case Mnemonic.Cmpsw:
    case Mnemonic.Cmpsd:
    case Mnemonic.Cmpsq:
    case Mnemonic.Scasb:
    case Mnemonic.Scasw:
    case Mnemonic.Scasd:
    case Mnemonic.Scasq:
      return true;
    default:
      return false;
  }
}

/** The normalised form of a valid iced instruction (call only when `instr.isInvalid` is false). */
export function icedToOracle(instr: Instruction): OracleInsn {
  const m = instr.mnemonic;
  let mnemonic = mnemonicNames[m]!;
  // A string instruction's repeat prefix changes what it does, so it is part of the mnemonic.
  if (isStringInstruction(m)) {
    if (instr.hasRepPrefix) mnemonic = `rep ${mnemonic}`;
    else if (instr.hasRepnePrefix) mnemonic = `repne ${mnemonic}`;
  }
  const operands: OracleOperand[] = [];
  const n = instr.opCount;
  for (let i = 0; i < n; i++) operands.push(operand(instr, i));
  return { length: instr.length, mnemonic, operands };
}

/** One line, e.g. "len=3 mov eax, mem:dword:ds:rax" ("#UD" for null): compared as strings, shown on mismatch. */
export function formatOracleInsn(insn: OracleInsn | null): string {
  if (insn === null) return "#UD";
  const ops = insn.operands.map((o) => `${o.kind}:${o.text}`).join(", ");
  return `len=${insn.length} ${insn.mnemonic}${ops === "" ? "" : ` ${ops}`}`;
}

export function bytesHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
