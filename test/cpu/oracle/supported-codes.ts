// The iced-x86 `Code`s the emulated CPU must decode exactly like iced (the "required" set), selected by
// mnemonic and operand kinds from iced's own opcode tables rather than listed by hand.
import {
  Code,
  CodeExt,
  EncodingKind,
  type Instruction,
  Mnemonic,
  OpCodeOperandKind,
  Register,
} from "iced-x86";

/** SSE4.1 and SSE4.2 (src/cpu/sse41.ts, sse42.ts; the 66 0F 38/3A forms and CRC32). */
const SSE4_MNEMONIC_NAMES = [
  "Pblendvb",
  "Blendvps",
  "Blendvpd",
  "Ptest",
  ...["bw", "bd", "bq", "wd", "wq", "dq"].flatMap((k) => [`Pmovsx${k}`, `Pmovzx${k}`]),
  "Pmuldq",
  "Pcmpeqq",
  "Movntdqa",
  "Packusdw",
  "Pcmpgtq",
  ...["sb", "sd", "uw", "ud"].flatMap((k) => [`Pmin${k}`, `Pmax${k}`]),
  "Pmulld",
  "Phminposuw",
  "Roundps",
  "Roundpd",
  "Roundss",
  "Roundsd",
  "Blendps",
  "Blendpd",
  "Pblendw",
  "Pextrb",
  "Pextrd",
  "Pextrq",
  "Extractps",
  "Pinsrb",
  "Insertps",
  "Pinsrd",
  "Pinsrq",
  "Dpps",
  "Dppd",
  "Mpsadbw",
  "Pcmpestrm",
  "Pcmpestri",
  "Pcmpistrm",
  "Pcmpistri",
  "Pcmpestrm64",
  "Pcmpestri64",
  "Crc32",
];

const CONDITIONS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

/** The SSE/SSE2 subset (src/cpu/sse-ops.ts); their MMX forms stay #UD (mm operands are not allowed below). */
const SSE_MNEMONIC_NAMES = [
  "Movups",
  "Movupd",
  "Movss",
  "Movlps",
  "Movhlps",
  "Movlpd",
  "Movhps",
  "Movlhps",
  "Movhpd",
  "Movaps",
  "Movapd",
  "Movntps",
  "Movntpd",
  "Movmskps",
  "Movmskpd",
  "Andps",
  "Andpd",
  "Andnps",
  "Andnpd",
  "Orps",
  "Orpd",
  "Xorps",
  "Xorpd",
  "Punpcklbw",
  "Punpcklwd",
  "Punpckldq",
  "Packsswb",
  "Pcmpgtb",
  "Pcmpgtw",
  "Pcmpgtd",
  "Packuswb",
  "Punpckhbw",
  "Punpckhwd",
  "Punpckhdq",
  "Packssdw",
  "Punpcklqdq",
  "Punpckhqdq",
  "Movd",
  "Movq",
  "Movdqa",
  "Movdqu",
  "Pshufd",
  "Pshufhw",
  "Pshuflw",
  "Psrlw",
  "Psraw",
  "Psllw",
  "Psrld",
  "Psrad",
  "Pslld",
  "Psrlq",
  "Psrldq",
  "Psllq",
  "Pslldq",
  "Pcmpeqb",
  "Pcmpeqw",
  "Pcmpeqd",
  "Shufps",
  "Shufpd",
  "Paddq",
  "Pmullw",
  "Pmovmskb",
  "Psubusb",
  "Psubusw",
  "Pminub",
  "Pand",
  "Paddusb",
  "Paddusw",
  "Pmaxub",
  "Pandn",
  "Pavgb",
  "Pavgw",
  "Pmulhuw",
  "Pmulhw",
  "Movntdq",
  "Psubsb",
  "Psubsw",
  "Pminsw",
  "Por",
  "Paddsb",
  "Paddsw",
  "Pmaxsw",
  "Pxor",
  "Pmuludq",
  "Pmaddwd",
  "Psadbw",
  "Psubb",
  "Psubw",
  "Psubd",
  "Psubq",
  "Paddb",
  "Paddw",
  "Paddd",
  "Movnti",
  "Fxsave",
  "Fxsave64",
  "Fxrstor",
  "Fxrstor64",
  "Ldmxcsr",
  "Stmxcsr",
  "Lfence",
  "Mfence",
  "Sfence",
  "Prefetchnta",
  "Prefetcht0",
  "Prefetcht1",
  "Prefetcht2",
];

const MNEMONIC_NAMES = [
  "Mov",
  "Movzx",
  "Movsx",
  "Movsxd",
  "Lea",
  "Add",
  "Or",
  "Adc",
  "Sbb",
  "And",
  "Sub",
  "Xor",
  "Cmp",
  "Test",
  "Inc",
  "Dec",
  "Neg",
  "Not",
  "Shl",
  "Shr",
  "Sar",
  "Rol",
  "Ror",
  "Rcl",
  "Rcr",
  "Imul",
  "Mul",
  "Div",
  "Idiv",
  "Push",
  "Pop",
  "Call",
  "Ret",
  "Jmp",
  "Cbw",
  "Cwde",
  "Cdqe",
  "Cwd",
  "Cdq",
  "Cqo",
  "Xchg",
  "Bt",
  "Bts",
  "Btr",
  "Btc",
  "Nop",
  "Endbr64",
  "Leave",
  "Movsb",
  "Movsw",
  "Movsd",
  "Movsq",
  "Stosb",
  "Stosw",
  "Stosd",
  "Stosq",
  "Cld",
  "Std",
  "Pushfq",
  "Popfq",
  "Cpuid",
  "Rdtsc",
  "Int3",
  "Int",
  "Ud2",
  "Hlt",
  "Cli",
  "Sti",
  "Rdmsr",
  "Wrmsr",
  "Swapgs",
  "Syscall",
  "Sysret",
  "Sysretq",
  "Iretq",
  "Clc",
  "Stc",
  "Cmc",
  "Lahf",
  "Sahf",
  "Cmpxchg",
  "Xadd",
  "Bswap",
  "Bsf",
  "Bsr",
  "Tzcnt",
  "Lzcnt",
  "Shld",
  "Shrd",
  "Cmpsb",
  "Cmpsw",
  "Cmpsd",
  "Cmpsq",
  "Scasb",
  "Scasw",
  "Scasd",
  "Scasq",
  ...SSE_MNEMONIC_NAMES,
  ...SSE4_MNEMONIC_NAMES,
  ...CONDITIONS.flatMap((cc) => [`J${cc}`, `Set${cc}`, `Cmov${cc}`]),
];

const mnemonicByName = Mnemonic as unknown as Record<string, Mnemonic>;
export const SUPPORTED_MNEMONICS: ReadonlySet<Mnemonic> = new Set(
  MNEMONIC_NAMES.map((name) => {
    const m = mnemonicByName[name];
    if (m === undefined) throw new Error(`iced has no mnemonic ${name}`);
    return m;
  }),
);

const K = OpCodeOperandKind;
const ALLOWED_OPERAND_KINDS: ReadonlySet<OpCodeOperandKind> = new Set([
  K.r8_reg,
  K.r8_or_mem,
  K.r8_opcode,
  K.r16_reg,
  K.r16_or_mem,
  K.r16_opcode,
  K.r32_reg,
  K.r32_or_mem,
  K.r32_opcode,
  K.r64_reg,
  K.r64_or_mem,
  K.r64_opcode,
  K.r64_rm,
  K.mem,
  K.mem_offs,
  K.imm8,
  K.imm8_const_1,
  K.imm8sex16,
  K.imm8sex32,
  K.imm8sex64,
  K.imm16,
  K.imm32,
  K.imm32sex64,
  K.imm64,
  K.al,
  K.cl,
  K.ax,
  K.eax,
  K.rax,
  K.br64_1,
  K.br64_4,
  K.es_rDI,
  K.seg_rSI,
  K.cr_reg,
  K.xmm_reg,
  K.xmm_rm,
  K.xmm_or_mem,
]);

/**
 * Codes with a supported mnemonic that the CPU may decode or reject (#UD) as it likes: undocumented aliases,
 * far branches, 16-bit stack operations, IRETD/IRETW (only IRETQ is listed), segment and debug register moves.
 */
const OPTIONAL_CODES: ReadonlySet<Code> = new Set([
  Code.Test_rm8_imm8_F6r1,
  Code.Test_rm16_imm16_F7r1,
  Code.Test_rm32_imm32_F7r1,
  Code.Test_rm64_imm32_F7r1,
  Code.Call_m1616,
  Code.Call_m1632,
  Code.Call_m1664,
  Code.Jmp_m1616,
  Code.Jmp_m1632,
  Code.Jmp_m1664,
  Code.Push_r16,
  Code.Pop_r16,
  Code.Push_imm16,
  Code.Pushw_imm8,
  Code.Push_rm16,
  Code.Pop_rm16,
  Code.Leavew,
  // SSE2 CMPSD shares its mnemonic with the string instruction; only the string form is implemented.
  Code.Cmpsd_xmm_xmmm64_imm8,
]);

function isRequiredCodeUncached(code: Code): boolean {
  if (OPTIONAL_CODES.has(code)) return false;
  const oc = CodeExt.opCode(code);
  try {
    if (oc.encoding !== EncodingKind.Legacy || !oc.isInstruction || !oc.mode64 || !oc.intelDecoder64)
      return false;
    if (!SUPPORTED_MNEMONICS.has(oc.mnemonic)) return false;
    for (let i = 0; i < oc.opCount; i++) if (!ALLOWED_OPERAND_KINDS.has(oc.opKind(i))) return false;
    return true;
  } finally {
    oc.free();
  }
}

const codeNames = Object.keys(Code).filter((k) => Number.isNaN(Number(k)));
const codeByName = Code as unknown as Record<string, Code>;

/** Every required Code, in iced's enum order. */
export const REQUIRED_CODES: readonly Code[] = codeNames
  .map((name) => codeByName[name]!)
  .filter((code) => isRequiredCodeUncached(code));

const requiredCodeSet: ReadonlySet<Code> = new Set(REQUIRED_CODES);

export function isRequiredCode(code: Code): boolean {
  return requiredCodeSet.has(code);
}

/**
 * A decoded instruction the CPU must decode exactly like iced: a required Code, and for control-register moves
 * only the registers the CPU implements (MOV to/from CR3, MOV from CR2).
 */
export function isRequiredInstruction(instr: Instruction): boolean {
  const code = instr.code;
  if (!requiredCodeSet.has(code)) return false;
  if (code === Code.Mov_cr_r64) return instr.op0Register === Register.CR3;
  if (code === Code.Mov_r64_cr)
    return instr.op1Register === Register.CR3 || instr.op1Register === Register.CR2;
  return true;
}
