// A sparse set of denied syscall numbers in guest kernel memory, keyed by (ABI, number): the structure of the
// cgroup-sparse design (Drewry: "consider a btree or something that doesn't need a pre-allocated array"). Per
// ABI a descriptor gives the ABI's first number and a two-level radix tree over (nr - base): a directory of leaf
// pointers, one per 256 numbers, NULL where nothing is denied, and leaves holding a 256-bit deny bitmap. Nothing
// is allocated for an ABI or a range without denials, and a number past the directory is allowed.
//
// struct syscalls_sparse (one kmalloc'd block: header, directories, leaves):
//   SPS_ABI_X86_64 = 0, SPS_ABI_IA32 = 16, SPS_ABI_X32 = 32: a descriptor each
//     +0 base (u32: the ABI's first number)   +4 limit (u32: numbers the directory covers, slots × 256)
//     +8 dir (u64: slots leaf pointers)
//   leaf: +0 first (u32: the absolute number of bit 0)  +8 bits (256 bits, bit set = denied)
import { SYSCALL_NAMES_I386_3_1 } from "../kernel/syscall-names-i386-3.1.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.ts";

export const SPS_ABI_X86_64 = 0;
export const SPS_ABI_IA32 = 16;
export const SPS_ABI_X32 = 32;
export const SPS_base = 0;
export const SPS_limit = 4;
export const SPS_dir = 8;
export const SPS_HEADER_SIZE = 48;
export const SPL_first = 0;
export const SPL_bits = 8;
/** numbers per leaf = 1 << SPS_LEAF_SHIFT */
export const SPS_LEAF_SHIFT = 8;
const LEAF_SPAN = 1 << SPS_LEAF_SHIFT;
export const SPS_LEAF_SIZE = SPL_bits + LEAF_SPAN / 8;

/** The assembler symbols of the layout. */
export const SPS_CONSTANTS: Readonly<Record<string, bigint>> = {
  SPS_ABI_X86_64: BigInt(SPS_ABI_X86_64),
  SPS_ABI_IA32: BigInt(SPS_ABI_IA32),
  SPS_ABI_X32: BigInt(SPS_ABI_X32),
  SPS_base: BigInt(SPS_base),
  SPS_limit: BigInt(SPS_limit),
  SPS_dir: BigInt(SPS_dir),
  SPS_LEAF_SHIFT: BigInt(SPS_LEAF_SHIFT),
  SPL_first: BigInt(SPL_first),
  SPL_bits: BigInt(SPL_bits),
};

export type SparseAbi = "x86_64" | "ia32" | "x32";
export const SPS_ABI_OFFSET: Readonly<Record<SparseAbi, number>> = {
  x86_64: SPS_ABI_X86_64,
  ia32: SPS_ABI_IA32,
  x32: SPS_ABI_X32,
};

/** What one ABI's tree holds: its first number and the denied numbers (absolute, ≥ base). */
export interface AbiDenySet {
  base: number;
  denied: readonly number[];
  /** share the directory of another ABI with the same keys (x32 uses the x86_64 numbers) */
  sameAs?: SparseAbi;
}

/** Memory access the builder needs (Machine provides it). */
export interface SparseMemory {
  kmalloc(size: number, align?: number): number;
  kspace: {
    writeBytes(a: number, b: Uint8Array): void;
    read32(a: number): number;
    read64(a: number): bigint;
  };
}

interface AbiLayout {
  base: number;
  slots: number;
  leaves: Map<number, number[]>; // slot → denied keys (nr - base)
}

function layout(s: AbiDenySet): AbiLayout {
  const leaves = new Map<number, number[]>();
  let slots = 0;
  for (const nr of s.denied) {
    const key = nr - s.base;
    if (!Number.isInteger(key) || key < 0 || key > 0xffffffff)
      throw new Error(`sparse syscall set: number ${nr} below the ABI's base ${s.base}`);
    const slot = key >>> SPS_LEAF_SHIFT;
    const l = leaves.get(slot);
    if (l === undefined) leaves.set(slot, [key]);
    else l.push(key);
    slots = Math.max(slots, slot + 1);
  }
  return { base: s.base, slots, leaves };
}

/** Allocates, fills and frees struct syscalls_sparse blocks (freed blocks are reused by size). */
export class SparseSyscallSets {
  private readonly mem: SparseMemory;
  private readonly free = new Map<number, number[]>();
  private readonly live = new Map<number, number>(); // address → size

  constructor(mem: SparseMemory) {
    this.mem = mem;
  }

  /** A new block holding `sets` (absent ABIs cover nothing); returns its address. */
  build(sets: Partial<Record<SparseAbi, AbiDenySet>>): number {
    const abis = Object.keys(SPS_ABI_OFFSET) as SparseAbi[];
    const lay = new Map<SparseAbi, AbiLayout>();
    let size = SPS_HEADER_SIZE;
    for (const a of abis) {
      const s = sets[a];
      if (s === undefined || s.sameAs !== undefined) continue;
      const l = layout(s);
      lay.set(a, l);
      size += l.slots * 8 + l.leaves.size * SPS_LEAF_SIZE;
    }
    size = Math.ceil(size / 8) * 8;
    const addr = this.free.get(size)?.pop() ?? this.mem.kmalloc(size, 64);
    const buf = new Uint8Array(size);
    const v = new DataView(buf.buffer);
    let at = SPS_HEADER_SIZE;
    const dirOf = new Map<SparseAbi, { dir: number; limit: number; base: number }>();
    for (const [a, l] of lay) {
      const dir = at;
      at += l.slots * 8;
      for (const [slot, keys] of [...l.leaves].sort((x, y) => x[0] - y[0])) {
        v.setBigUint64(dir + slot * 8, BigInt.asUintN(64, BigInt(addr + at)), true);
        v.setUint32(at + SPL_first, (l.base + slot * LEAF_SPAN) >>> 0, true);
        for (const k of keys) {
          const bit = k & (LEAF_SPAN - 1);
          buf[at + SPL_bits + (bit >> 3)]! |= 1 << (bit & 7);
        }
        at += SPS_LEAF_SIZE;
      }
      dirOf.set(a, {
        dir: l.slots === 0 ? 0 : addr + dir,
        limit: l.slots * LEAF_SPAN,
        base: l.base,
      });
    }
    for (const a of abis) {
      const s = sets[a];
      const d = s?.sameAs !== undefined ? dirOf.get(s.sameAs) : dirOf.get(a);
      if (d === undefined) continue;
      const off = SPS_ABI_OFFSET[a];
      v.setUint32(off + SPS_base, (s?.sameAs !== undefined ? s.base : d.base) >>> 0, true);
      v.setUint32(off + SPS_limit, Math.min(d.limit, 0xffffffff) >>> 0, true);
      v.setBigUint64(off + SPS_dir, BigInt.asUintN(64, BigInt(d.dir)), true);
    }
    this.mem.kspace.writeBytes(addr, buf);
    this.live.set(addr, size);
    return addr;
  }

  release(addr: number): void {
    const size = this.live.get(addr);
    if (size === undefined) return;
    this.live.delete(addr);
    const l = this.free.get(size);
    if (l === undefined) this.free.set(size, [addr]);
    else l.push(addr);
  }

  memoryBytes(): number {
    let n = 0;
    for (const s of this.live.values()) n += s;
    return n;
  }

  /** The lookup the entry code does, on guest memory (for tests and tools): is (abi, nr) denied? */
  denied(addr: number, abi: SparseAbi, nr: number): boolean {
    const ks = this.mem.kspace;
    const d = addr + SPS_ABI_OFFSET[abi];
    const key = (nr - ks.read32(d + SPS_base)) >>> 0;
    if (key >= ks.read32(d + SPS_limit)) return false;
    const dir = Number(BigInt.asIntN(64, ks.read64(d + SPS_dir)));
    const leaf = Number(BigInt.asIntN(64, ks.read64(dir + (key >>> SPS_LEAF_SHIFT) * 8)));
    if (leaf === 0) return false;
    const bit = (nr - ks.read32(leaf + SPL_first)) >>> 0;
    return ((ks.read32(leaf + SPL_bits + 4 * (bit >>> 5)) >>> (bit & 31)) & 1) === 1;
  }
}

/** i386 names whose x86_64 call has another name (the 32-bit-id, 64-bit-offset and renamed variants). */
const IA32_ALIASES: Readonly<Record<string, string>> = {
  lchown32: "lchown",
  getuid32: "getuid",
  getgid32: "getgid",
  geteuid32: "geteuid",
  getegid32: "getegid",
  setreuid32: "setreuid",
  setregid32: "setregid",
  getgroups32: "getgroups",
  setgroups32: "setgroups",
  fchown32: "fchown",
  setresuid32: "setresuid",
  getresuid32: "getresuid",
  setresgid32: "setresgid",
  getresgid32: "getresgid",
  chown32: "chown",
  setuid32: "setuid",
  setgid32: "setgid",
  setfsuid32: "setfsuid",
  setfsgid32: "setfsgid",
  _llseek: "lseek",
  _newselect: "select",
  mmap2: "mmap",
  ugetrlimit: "getrlimit",
  truncate64: "truncate",
  ftruncate64: "ftruncate",
  stat64: "stat",
  lstat64: "lstat",
  fstat64: "fstat",
  fcntl64: "fcntl",
  sendfile64: "sendfile",
  statfs64: "statfs",
  fstatfs64: "fstatfs",
  fstatat64: "newfstatat",
  fadvise64_64: "fadvise64",
};

/**
 * ia32_syscalls_cgroup_compat of Sowa's later patch: per ia32 number the x86_64 number of the same call, or -1
 * when x86_64 has none (waitpid, socketcall, ipc, sigreturn, …). Derived from the names: same name, or an alias.
 */
export const IA32_SYSCALLS_CGROUP_COMPAT: Int32Array = Int32Array.from(SYSCALL_NAMES_I386_3_1, (name) => {
  const x = SYSCALL_NAMES_X86_64_3_1.indexOf(
    (Object.hasOwn(IA32_ALIASES, name) ? IA32_ALIASES[name]! : name) as never,
  );
  return x;
});
