// The SysV AMD64 initial process stack as Linux 3.1's exec builds it (do_execve copies the strings,
// create_elf_tables the rest). From the top down:
//   8 zero bytes | execfn | envp strings | argv strings | align 16 | platform | 16 random bytes |
//   padding (so that RSP is 16-aligned) | auxv pairs … AT_NULL | envp[], NULL | argv[], NULL | argc  <- RSP
import type { ElfImage } from "./elf.ts";

export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;
export const AT_HWCAP2 = 26;
export const AT_RSEQ_FEATURE_SIZE = 27;
export const AT_RSEQ_ALIGN = 28;
export const AT_MINSIGSTKSZ = 51;

/** sizeof(struct rseq) and its alignment in Linux 6.3+ (include/uapi/linux/rseq.h), as AT_RSEQ_* report them. */
export const RSEQ_FEATURE_SIZE = 28;
export const RSEQ_ALIGN = 32;

export const AT_NAMES: Readonly<Record<number, string>> = {
  [AT_NULL]: "AT_NULL",
  [AT_PHDR]: "AT_PHDR",
  [AT_PHENT]: "AT_PHENT",
  [AT_PHNUM]: "AT_PHNUM",
  [AT_PAGESZ]: "AT_PAGESZ",
  [AT_BASE]: "AT_BASE",
  [AT_FLAGS]: "AT_FLAGS",
  [AT_ENTRY]: "AT_ENTRY",
  [AT_UID]: "AT_UID",
  [AT_EUID]: "AT_EUID",
  [AT_GID]: "AT_GID",
  [AT_EGID]: "AT_EGID",
  [AT_PLATFORM]: "AT_PLATFORM",
  [AT_HWCAP]: "AT_HWCAP",
  [AT_CLKTCK]: "AT_CLKTCK",
  [AT_SECURE]: "AT_SECURE",
  [AT_RANDOM]: "AT_RANDOM",
  [AT_EXECFN]: "AT_EXECFN",
  [AT_SYSINFO_EHDR]: "AT_SYSINFO_EHDR",
  [AT_HWCAP2]: "AT_HWCAP2",
  [AT_RSEQ_FEATURE_SIZE]: "AT_RSEQ_FEATURE_SIZE",
  [AT_RSEQ_ALIGN]: "AT_RSEQ_ALIGN",
  [AT_MINSIGSTKSZ]: "AT_MINSIGSTKSZ",
};

/** USER_HZ: the unit of times() and of AT_CLKTCK. */
export const CLOCKS_PER_SEC = 100;

export interface InitialStackInput {
  argv: string[];
  envp: string[];
  /** the path given to execve (AT_EXECFN points at a copy of it) */
  execfn: string;
  image: ElfImage;
  /** where the program interpreter (ld.so) was loaded: AT_BASE (0, the default, for a static program) */
  interpBase?: bigint;
  /** 16 bytes for AT_RANDOM */
  random: Uint8Array;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  secure: boolean;
  /** CPUID.1:EDX, as Linux's ELF_HWCAP */
  hwcap: number;
  /** ELF_PLATFORM, default "x86_64" */
  platform?: string;
  /** the (16-aligned, normally page-aligned) end of the stack mapping */
  stackTop: bigint;
  /**
   * The auxv of a modern kernel (create_elf_tables of Linux 6.3+) instead of 3.1's: ARCH_DLINFO's AT_SYSINFO_EHDR
   * and AT_MINSIGSTKSZ first, AT_HWCAP2 after AT_RANDOM, AT_RSEQ_FEATURE_SIZE/ALIGN after AT_PLATFORM.
   */
  modern?: {
    /** the vDSO's address; 0 when none is mapped (glibc and musl both treat a 0 value as no vDSO) */
    sysinfoEhdr: bigint;
    /** get_sigframe_size() */
    minSigStkSz: number;
    /** ELF_HWCAP2 */
    hwcap2: number;
  };
}

export interface InitialStack {
  /** the memory from base up to stackTop */
  bytes: Uint8Array;
  /** the lowest address written (= rsp) */
  base: bigint;
  /** initial RSP: points at argc, 16-byte aligned */
  rsp: bigint;
  /** the auxiliary vector as written, AT_NULL last */
  auxv: Array<[type: number, value: bigint]>;
  /** addresses of the argv and envp strings */
  argvAddrs: bigint[];
  envpAddrs: bigint[];
}

const encoder = new TextEncoder();

function cString(what: string, s: string): Uint8Array {
  const b = encoder.encode(s);
  if (b.includes(0)) throw new Error(`initial stack: ${what} contains a NUL byte`);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

export function buildInitialStack(inp: InitialStackInput): InitialStack {
  const top = inp.stackTop;
  if ((top & 15n) !== 0n || top <= 0n) {
    throw new Error(`initial stack: stackTop 0x${top.toString(16)} is not a 16-byte aligned address`);
  }
  if (inp.random.length !== 16) {
    throw new Error(`initial stack: AT_RANDOM needs 16 bytes, got ${inp.random.length}`);
  }
  const execfn = cString("execfn", inp.execfn);
  const argv = inp.argv.map((s, i) => cString(`argv[${i}]`, s));
  const envp = inp.envp.map((s, i) => cString(`envp[${i}]`, s));
  const platform = cString("platform", inp.platform ?? "x86_64");

  // Offsets below the top, as positive byte counts; every string sits directly below the one copied before it.
  let p = 8; // bprm->p starts one pointer below the top of the stack
  p += execfn.length;
  const execfnAt = p;
  const envpAt: number[] = new Array(envp.length);
  for (let i = envp.length - 1; i >= 0; i--) {
    p += envp[i]!.length;
    envpAt[i] = p;
  }
  const argvAt: number[] = new Array(argv.length);
  for (let i = argv.length - 1; i >= 0; i--) {
    p += argv[i]!.length;
    argvAt[i] = p;
  }
  p = (p + 15) & ~15; // arch_align_stack without randomization
  p += platform.length;
  const platformAt = p;
  p += 16;
  const randomAt = p;

  const addr = (below: number): bigint => top - BigInt(below);
  const m = inp.modern;
  const auxv: Array<[number, bigint]> = [
    ...(m !== undefined
      ? ([
          [AT_SYSINFO_EHDR, m.sysinfoEhdr],
          [AT_MINSIGSTKSZ, BigInt(m.minSigStkSz)],
        ] as Array<[number, bigint]>)
      : []),
    [AT_HWCAP, BigInt(inp.hwcap >>> 0)],
    [AT_PAGESZ, 4096n],
    [AT_CLKTCK, BigInt(CLOCKS_PER_SEC)],
    [AT_PHDR, inp.image.phdrVaddr],
    [AT_PHENT, BigInt(inp.image.phentsize)],
    [AT_PHNUM, BigInt(inp.image.phnum)],
    [AT_BASE, inp.interpBase ?? 0n],
    [AT_FLAGS, 0n],
    [AT_ENTRY, inp.image.entry],
    [AT_UID, BigInt(inp.uid >>> 0)],
    [AT_EUID, BigInt(inp.euid >>> 0)],
    [AT_GID, BigInt(inp.gid >>> 0)],
    [AT_EGID, BigInt(inp.egid >>> 0)],
    [AT_SECURE, inp.secure ? 1n : 0n],
    [AT_RANDOM, addr(randomAt)],
    ...(m !== undefined ? ([[AT_HWCAP2, BigInt(m.hwcap2 >>> 0)]] as Array<[number, bigint]>) : []),
    [AT_EXECFN, addr(execfnAt)],
    [AT_PLATFORM, addr(platformAt)],
    ...(m !== undefined
      ? ([
          [AT_RSEQ_FEATURE_SIZE, BigInt(RSEQ_FEATURE_SIZE)],
          [AT_RSEQ_ALIGN, BigInt(RSEQ_ALIGN)],
        ] as Array<[number, bigint]>)
      : []),
    [AT_NULL, 0n],
  ];
  // STACK_ROUND: the pointer block (argc, argv + NULL, envp + NULL, auxv) ends where the random bytes begin,
  // rounded down so that RSP is 16-aligned.
  const words = 1 + argv.length + 1 + envp.length + 1 + 2 * auxv.length;
  const spBelow = (randomAt + 8 * words + 15) & ~15;

  const bytes = new Uint8Array(spBelow);
  const view = new DataView(bytes.buffer);
  const at = (below: number): number => spBelow - below; // index into bytes
  bytes.set(execfn, at(execfnAt));
  for (let i = 0; i < envp.length; i++) bytes.set(envp[i]!, at(envpAt[i]!));
  for (let i = 0; i < argv.length; i++) bytes.set(argv[i]!, at(argvAt[i]!));
  bytes.set(platform, at(platformAt));
  bytes.set(inp.random, at(randomAt));
  let w = 0;
  const put = (v: bigint): void => {
    view.setBigUint64(w, BigInt.asUintN(64, v), true);
    w += 8;
  };
  put(BigInt(argv.length));
  for (const a of argvAt) put(addr(a));
  put(0n);
  for (const e of envpAt) put(addr(e));
  put(0n);
  for (const [k, v] of auxv) {
    put(BigInt(k));
    put(v);
  }
  const rsp = top - BigInt(spBelow);
  return {
    bytes,
    base: rsp,
    rsp,
    auxv,
    argvAddrs: argvAt.map(addr),
    envpAddrs: envpAt.map(addr),
  };
}
