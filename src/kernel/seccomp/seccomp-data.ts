// struct seccomp_data (include/uapi/linux/seccomp.h): int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
// Kept as 16 little-endian 32-bit words, which is exactly what a BPF_LD|BPF_W|BPF_ABS at offset k reads
// (word k/4): a u64 field is its low word then its high word.

/** sizeof(struct seccomp_data) */
export const SECCOMP_DATA_SIZE = 64;
export const SECCOMP_DATA_WORDS = 16;

export const OFFSET_NR = 0;
export const OFFSET_ARCH = 4;
export const OFFSET_IP = 8;
/** args[i] is at 16 + 8*i; its low word first */
export const OFFSET_ARGS = 16;
export const argOffset = (i: number, high = false): number => OFFSET_ARGS + 8 * i + (high ? 4 : 0);

// include/uapi/linux/audit.h: EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

/** arch names as the CLI spells them */
export const ARCH_BY_NAME: Readonly<Record<string, number>> = {
  x86_64: AUDIT_ARCH_X86_64,
  i386: AUDIT_ARCH_I386,
};

export function archName(arch: number): string {
  if (arch === AUDIT_ARCH_X86_64) return "x86_64";
  if (arch === AUDIT_ARCH_I386) return "i386";
  return `0x${(arch >>> 0).toString(16).padStart(8, "0")}`;
}

export interface SeccompDataFields {
  /** syscall number, an int (negative numbers are seen as their 32-bit two's complement) */
  nr: number;
  /** AUDIT_ARCH_* */
  arch: number;
  /** address after the syscall instruction (KSTK_EIP) */
  instructionPointer?: bigint;
  /** up to 6 arguments, each truncated to 64 bits */
  args?: readonly bigint[];
}

const MASK32 = 0xffffffffn;

function putU64(words: Uint32Array, wordIndex: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  words[wordIndex] = Number(u & MASK32);
  words[wordIndex + 1] = Number(u >> 32n);
}

/** Builds the 16-word seccomp_data image once per syscall (BigInt here only, never in the interpreter). */
export function makeSeccompData(f: SeccompDataFields): Uint32Array {
  const words = new Uint32Array(SECCOMP_DATA_WORDS);
  words[OFFSET_NR >> 2] = f.nr >>> 0;
  words[OFFSET_ARCH >> 2] = f.arch >>> 0;
  putU64(words, OFFSET_IP >> 2, f.instructionPointer ?? 0n);
  const args = f.args ?? [];
  if (args.length > 6) throw new Error(`seccomp_data has 6 args, got ${args.length}`);
  for (let i = 0; i < args.length; i++) putU64(words, argOffset(i) >> 2, args[i]!);
  return words;
}

/** The syscall number as the kernel's `int nr` (signed). */
export const dataNr = (d: Uint32Array): number => d[0]! | 0;
export const dataArch = (d: Uint32Array): number => d[1]!;
