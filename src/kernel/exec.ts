// Loading an ELF executable into a new task (fs/binfmt_elf.c load_elf_binary of 3.1): the load plan's pages mapped
// user, writable only where a segment is, NX where no segment is executable; the brk heap after the highest
// segment; a 1 MiB stack under USER_STACK_TOP holding the SysV initial stack (argv, envp, auxv with 16 AT_RANDOM
// bytes from the machine's seeded generator; 3.1's auxv, or 6.x's on the generic flavour); RSP = the argc slot.
// A program with PT_INTERP gets its interpreter (ld.so, read from the guest VFS) mapped just below mmap_base, as
// an mmap of its whole span would place it; RIP is then the interpreter's entry and AT_BASE its load address,
// AT_PHDR/AT_ENTRY stay the program's. Without one RIP = e_entry. PT_TLS is left to libc (arch_prctl).
import { CPUID_BASELINE_CLAIMS, cpuid } from "../cpu/cpuid.ts";
import { type AddressSpace, PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../cpu/memory.ts";
import { type ElfImage, type LoadPlanPage, loadPlan, parseElf } from "../workload/elf.ts";
import { buildInitialStack } from "../workload/initial-stack.ts";
import { entropyOf } from "./entropy.ts";
import { cacheToData } from "./fs/page-cache.ts";
import type { KernelContext } from "./kernel-context.ts";
import { USER_STACK_TOP } from "./layout.ts";
import type { LoadedUser, Machine } from "./machine.ts";
import { EXEC_STACK_SIZE, MMAP_BASE } from "./mm.ts";
import type { Task } from "./task.ts";
import { isDir, loadReg } from "./vfs.ts";

/** The program's PT_INTERP names a file the guest VFS does not have, or one that is not an ELF interpreter. */
export class InterpError extends Error {
  override name = "InterpError";
  constructor(
    message: string,
    /** what execve returns: -ENOENT (missing), -ENOEXEC/-EACCES (not loadable), -ELIBBAD */
    readonly errno: number,
  ) {
    super(message);
  }
}

const ENOENT = 2;
const ENOEXEC = 8;
const EACCES = 13;
const ELIBBAD = 80;
/** the largest alignment honoured when placing the interpreter (larger p_align values are treated as this) */
const MAX_INTERP_ALIGN = 0x200000n;

interface Interp {
  image: ElfImage;
  pages: LoadPlanPage[];
}

/** load_elf_interp: the interpreter's image, placed top-down below mmap_base (its span rounded to its alignment). */
function loadInterp(k: KernelContext, path: string): Interp {
  const r = k.vfs.lookup("/", path);
  const n = r.node;
  if (n === undefined)
    throw new InterpError(
      `ELF interpreter ${path} is not in the guest file system (is --root set?)`,
      -ENOENT,
    );
  if (isDir(n) || n.type !== "reg")
    throw new InterpError(`ELF interpreter ${path} is not a regular file`, -EACCES);
  const e = loadReg(n.file);
  if (e < 0) throw new InterpError(`ELF interpreter ${path}: cannot be read (errno ${-e})`, e);
  cacheToData(n.file); // stores through shared mappings of the file are in what is loaded
  const bytes = n.file.data;
  let first: ElfImage;
  try {
    first = parseElf(bytes);
  } catch (err) {
    throw new InterpError(`ELF interpreter ${path}: ${(err as Error).message}`, -ELIBBAD);
  }
  let base = 0n;
  if (first.type === "pie") {
    // first was placed at the default PIE bias: its raw p_vaddr values are vaddr - loadBias
    const lo = (first.segments[0]!.vaddr - first.loadBias) & ~0xfffn;
    let hi = 0n;
    let align = 0x1000n;
    for (const seg of first.segments) {
      if (seg.vaddr + seg.memsz - first.loadBias > hi) hi = seg.vaddr + seg.memsz - first.loadBias;
      if (seg.align > align) align = seg.align;
    }
    if (align > MAX_INTERP_ALIGN) align = MAX_INTERP_ALIGN;
    base = (BigInt(MMAP_BASE) - (hi - lo)) & ~(align - 1n);
    base -= lo;
  }
  const image = first.type === "pie" ? parseElf(bytes, { loadBias: base }) : first;
  return { image, pages: loadPlan(bytes, image).pages };
}

/**
 * get_sigframe_size() of Linux 5.14+ (arch/x86/kernel/signal.c init_sigframe_size) for this CPU, which has no
 * XSAVE: sizeof(struct rt_sigframe) 440 + FRAME_ALIGNMENT-1 padding 15 + the FPU state (512-byte FXSAVE area plus
 * 112 bytes of struct fregs_state, which fpu__get_fpstate_size adds with CONFIG_IA32_EMULATION) + MAX_XSAVE_PADDING
 * 63 = 1142, rounded up to 16. Derived from the source, not confirmed: the same sum with this host's XSAVE size
 * (CPUID.0xD: 2440 bytes) gives 3072, while its kernel reports 3376 ("max sigframe size" in dmesg, AT_MINSIGSTKSZ).
 * No fixture program prints the value.
 */
export const GENERIC_MINSIGSTKSZ = 1152;

export interface ExecArgs {
  /** the executable file's bytes */
  bytes: Uint8Array;
  /** the path execve was given (AT_EXECFN, /proc/self/exe); default argv[0] */
  path?: string;
  argv: string[];
  envp?: string[];
  uid?: number;
  gid?: number;
}

/** The kernel is built with the generic (5.11+) entry: exec then builds a modern kernel's initial stack. */
function isGeneric(k: KernelContext): boolean {
  return "flavour" in k && (k as Machine).flavour === "linux-generic";
}

/** The program as exec maps it: parsed image, its pages and the initial stack. Throws ElfError on a bad file. */
export function prepareExec(k: KernelContext, args: ExecArgs): (space: AddressSpace) => LoadedUser {
  const image: ElfImage = parseElf(args.bytes, { allowInterp: true });
  const plan = loadPlan(args.bytes, image);
  const interp = image.interp !== undefined ? loadInterp(k, image.interp) : null;
  if (interp !== null) {
    const taken = new Set(plan.pages.map((p) => p.vaddr));
    if (interp.pages.some((p) => taken.has(p.vaddr)))
      throw new InterpError(`ELF interpreter ${image.interp} overlaps the program's segments`, -ENOEXEC);
  }
  const out = new Int32Array(4);
  cpuid(1, 0, 0, out);
  const uid = args.uid ?? 0;
  const gid = args.gid ?? 0;
  const stack = buildInitialStack({
    argv: args.argv,
    envp: args.envp ?? [],
    execfn: args.path ?? args.argv[0] ?? "",
    image,
    ...(interp !== null ? { interpBase: interp.image.loadBias } : {}),
    random: entropyOf(k).bytes(16),
    uid,
    euid: uid,
    gid,
    egid: gid,
    secure: false,
    hwcap: k.cpu.cpuidBaselineClaims ? out[3]! | CPUID_BASELINE_CLAIMS : out[3]!,
    stackTop: BigInt(USER_STACK_TOP),
    // a modern kernel's auxv on the generic flavour; no vDSO is mapped (AT_SYSINFO_EHDR 0) and no HWCAP2 bit
    // (HWCAP2_FSGSBASE needs CPUID.7:EBX.FSGSBASE, which this CPU does not report)
    ...(isGeneric(k) ? { modern: { sysinfoEhdr: 0n, minSigStkSz: GENERIC_MINSIGSTKSZ, hwcap2: 0 } } : {}),
  });
  if (stack.bytes.length > EXEC_STACK_SIZE / 2) throw new Error("exec: argument list too long (E2BIG)");
  const pages = interp !== null ? [...plan.pages, ...interp.pages] : plan.pages;
  const entry = interp !== null ? interp.image.entry : image.entry;
  return (space) => {
    for (const p of pages) {
      const va = Number(p.vaddr);
      space.map(va, PAGE_SIZE, PTE_U | (p.flags.w ? PTE_W : 0) | (p.flags.x ? 0 : PTE_NX));
      space.writeBytes(va, p.bytes);
    }
    space.map(
      USER_STACK_TOP - EXEC_STACK_SIZE,
      EXEC_STACK_SIZE,
      PTE_U | PTE_W | (image.stackExec ? 0 : PTE_NX),
    );
    space.writeBytes(Number(stack.base), stack.bytes);
    return { entry: Number(entry), rsp: Number(stack.rsp), brk: Number(plan.brkStart) };
  };
}

const exePaths = new WeakMap<Task, string>();

/** The path a task was exec'd from (readlink("/proc/self/exe")), if it was. */
export function exePathOf(t: Task): string | undefined {
  return exePaths.get(t);
}

/** execve: the task now runs the executable at `path`. */
export function setExePath(t: Task, path: string): void {
  exePaths.set(t, path);
}

/** fork: the child runs the same executable. */
export function inheritExePath(parent: Task, child: Task): void {
  const p = exePaths.get(parent);
  if (p !== undefined) exePaths.set(child, p);
}

/** A new runnable task running the executable (as fork + execve from the idle task). */
export function execTask(m: Machine, args: ExecArgs, opts: { name?: string; parent?: Task } = {}): Task {
  const loader = prepareExec(m, args);
  const name = opts.name ?? (args.path ?? args.argv[0] ?? "a.out").split("/").pop()!;
  const t = m.createTask({
    name,
    image: loader,
    ...(opts.parent !== undefined ? { parent: opts.parent } : {}),
    ...(args.uid !== undefined ? { uid: args.uid } : {}),
    ...(args.gid !== undefined ? { gid: args.gid } : {}),
  });
  exePaths.set(t, args.path ?? args.argv[0] ?? "");
  return t;
}
