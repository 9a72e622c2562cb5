// Memory mappings of a user address space (mm/mmap.c, mm/mprotect.c, mm/mremap.c of 3.1, simplified): mmap of
// anonymous memory (private or shared, which are the same for a single-threaded task) and private read-only
// copies of regular VFS files, munmap, mprotect and mremap. There are no VMAs: the page table is the record of
// what is mapped. PROT_NONE pages are mapped without PTE_U, so user accesses and copy_*_user fail on them. Every
// page gets its frame at mmap time (no demand paging); a request the physical memory cannot hold is -ENOMEM.
import type { Cpu } from "../cpu/cpu.ts";
import { type AddressSpace, PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../cpu/memory.ts";
import { EBADF, EFAULT, EINVAL, ENOMEM } from "./errno.ts";
import type { KernelContext } from "./kernel-context.ts";
import { USER_STACK_SIZE, USER_STACK_TOP } from "./layout.ts";
import { argInt, argNum } from "./native-args.ts";
import { EACCES, ENODEV } from "./syscalls/errno-extra.ts";
import type { Task } from "./task.ts";
import { TASK_SIZE_MAX } from "./thread-info.ts";

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;

/** mm->mmap_base: top-down allocation starts this far below the stack top (the 128 MiB stack gap of 3.1). */
export const MMAP_GAP = 0x8000000;
export const MMAP_BASE = USER_STACK_TOP - MMAP_GAP;
/** the lowest address a non-fixed mapping gets (mmap_min_addr is 64 KiB; stay above the usual image base) */
const MMAP_MIN = 0x10000;

const PAGE_MASK = PAGE_SIZE - 1;
const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** Page flags for a PROT_* value: user pages, writable only with PROT_WRITE, NX without PROT_EXEC. */
export function protFlags(prot: number): number {
  if ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0) return PTE_NX; // PROT_NONE: supervisor-only
  return PTE_U | (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : PTE_NX);
}

interface MmState {
  /** where the next top-down search starts (mm->free_area_cache) */
  freeAreaCache: number;
}

const mms = new WeakMap<Task, MmState>();

function mmOf(t: Task): MmState {
  let m = mms.get(t);
  if (m === undefined) {
    m = { freeAreaCache: MMAP_BASE };
    mms.set(t, m);
  }
  return m;
}

/** execve: a fresh mm (exec_mmap). */
export function resetMm(t: Task): void {
  mms.delete(t);
}

/** fork: the child's mm starts as a copy of the parent's. */
export function copyMm(parent: Task, child: Task): void {
  mms.set(child, { ...mmOf(parent) });
}

/** clone(CLONE_VM): the child uses the parent's mm itself. */
export function shareMm(parent: Task, child: Task): void {
  mms.set(child, mmOf(parent));
}

function isFree(space: AddressSpace, addr: number, len: number): boolean {
  for (let a = addr; a < addr + len; a += PAGE_SIZE) if (space.lookup(a) !== 0) return false;
  return true;
}

function inUser(addr: number, len: number): boolean {
  return addr >= 0 && len > 0 && addr + len <= TASK_SIZE_MAX;
}

/** arch_get_unmapped_area_topdown: the highest free range of len bytes below mmap_base, or -ENOMEM. */
export function getUnmappedArea(t: Task, hint: number, len: number): number {
  const space = t.space;
  if (hint !== 0) {
    const h = pageUp(hint);
    if (inUser(h, len) && h >= MMAP_MIN && isFree(space, h, len)) return h;
  }
  const m = mmOf(t);
  for (const start of [m.freeAreaCache, MMAP_BASE]) {
    let a = start - len;
    while (a >= MMAP_MIN) {
      // scan down from the range's top page for the highest mapped page inside it
      let clash = -1;
      for (let p = a + len - PAGE_SIZE; p >= a; p -= PAGE_SIZE) {
        if (space.lookup(p) !== 0) {
          clash = p;
          break;
        }
      }
      if (clash < 0) {
        m.freeAreaCache = a;
        return a;
      }
      a = clash - len;
    }
  }
  return -ENOMEM;
}

export function framesLeft(space: AddressSpace): number {
  return space.phys.frameCount - space.phys.framesInUse;
}

/** exit_mmap: every user page of a task that has exited goes back to the free frames (its page tables stay until
 *  the task is reaped: a CPU may still run kernel code on them). */
export function exitMmap(t: Task): void {
  t.space.unmapUserHalf();
  mms.delete(t);
}

/** Map [addr, addr+len) with fresh zeroed frames (replacing what was there); false when memory runs out. */
function mapFresh(space: AddressSpace, addr: number, len: number, flags: number): boolean {
  if (len / PAGE_SIZE > framesLeft(space)) return false;
  space.unmap(addr, len);
  space.map(addr, len, flags);
  return true;
}

/** unsigned long mmap(addr, len, prot, flags, fd, off) */
export function sys_mmap(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const addr = argNum(cpu, 0);
  const rawLen = argNum(cpu, 1);
  const prot = argInt(cpu, 2);
  const flags = argInt(cpu, 3);
  const fd = argInt(cpu, 4);
  const off = argNum(cpu, 5);
  if (rawLen <= 0 || rawLen > TASK_SIZE_MAX) return rawLen === 0 ? -EINVAL : -ENOMEM;
  const len = pageUp(rawLen);
  if ((off & PAGE_MASK) !== 0 || off < 0) return -EINVAL;
  const type = flags & (MAP_SHARED | MAP_PRIVATE);
  if (type === 0 || type === (MAP_SHARED | MAP_PRIVATE)) return -EINVAL;
  let content: Uint8Array | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const f = t.files.get(fd >>> 0);
    if (f === undefined) return -EBADF;
    if (f.kind === "zero") content = null;
    else if (f.kind !== "reg" || f.reg === undefined) return -ENODEV;
    else {
      if ((f.accmode & 3) === 1) return -EACCES;
      if (type === MAP_SHARED && prot & PROT_WRITE) return -EACCES; // no write-back to files here
      content = f.reg.data.subarray(Math.min(off, f.reg.data.length), Math.min(off + len, f.reg.data.length));
    }
  }
  // more than guest memory holds: ENOMEM before any search (the search walks the range page by page)
  if (len / PAGE_SIZE > framesLeft(t.space)) return -ENOMEM;
  let at: number;
  if (flags & MAP_FIXED) {
    if ((addr & PAGE_MASK) !== 0 || !inUser(addr, len)) return -EINVAL;
    at = addr;
  } else {
    at = getUnmappedArea(t, addr, len);
    if (at < 0) return at;
  }
  if (!mapFresh(t.space, at, len, protFlags(prot))) return -ENOMEM;
  if (content !== null && content.length > 0) t.space.writeBytes(at, content);
  return at;
}

/** long munmap(unsigned long addr, size_t len) */
export function sys_munmap(k: KernelContext, cpu: Cpu): number {
  const addr = argNum(cpu, 0);
  const len = pageUp(argNum(cpu, 1));
  if ((addr & PAGE_MASK) !== 0 || !inUser(addr, len)) return -EINVAL;
  k.current().space.unmap(addr, len);
  return 0;
}

/** long mprotect(unsigned long start, size_t len, unsigned long prot): -ENOMEM if a page is not mapped. */
export function sys_mprotect(k: KernelContext, cpu: Cpu): number {
  const start = argNum(cpu, 0);
  const len = pageUp(argNum(cpu, 1));
  const prot = argInt(cpu, 2);
  if ((start & PAGE_MASK) !== 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x03000000)) !== 0)
    return -EINVAL;
  if (len === 0) return 0;
  if (!inUser(start, len)) return -ENOMEM;
  const space = k.current().space;
  for (let a = start; a < start + len; a += PAGE_SIZE) if (space.lookup(a) === 0) return -ENOMEM;
  space.protect(start, len, protFlags(prot));
  return 0;
}

/**
 * unsigned long mremap(addr, old_len, new_len, flags, new_addr): shrink in place, grow in place when the pages
 * after the mapping are free, else move (MREMAP_MAYMOVE: copy to a new range) or -ENOMEM.
 */
export function sys_mremap(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const space = t.space;
  const addr = argNum(cpu, 0);
  const oldLen = pageUp(argNum(cpu, 1));
  const newLen = pageUp(argNum(cpu, 2));
  const flags = argInt(cpu, 3);
  if ((addr & PAGE_MASK) !== 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) !== 0) return -EINVAL;
  if (flags & MREMAP_FIXED) return -EINVAL; // not modelled
  if (newLen === 0 || oldLen === 0 || !inUser(addr, oldLen)) return -EINVAL;
  for (let a = addr; a < addr + oldLen; a += PAGE_SIZE) if (space.lookup(a) === 0) return -EFAULT; // vma_to_resize finds no VMA
  const pte = space.lookup(addr);
  const flagsOf = pte & (PTE_U | PTE_W | PTE_NX);
  if (newLen <= oldLen) {
    space.unmap(addr + newLen, oldLen - newLen);
    return addr;
  }
  const extra = newLen - oldLen;
  if (inUser(addr, newLen) && isFree(space, addr + oldLen, extra)) {
    if (!mapFresh(space, addr + oldLen, extra, flagsOf)) return -ENOMEM;
    return addr;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return -ENOMEM;
  const to = getUnmappedArea(t, 0, newLen);
  if (to < 0) return to;
  if (!mapFresh(space, to, newLen, flagsOf)) return -ENOMEM;
  space.writeBytes(to, space.readBytes(addr, oldLen));
  space.unmap(addr, oldLen);
  return to;
}

/** The user stack of an exec'd program: this many bytes below USER_STACK_TOP (grows no further). */
export const EXEC_STACK_SIZE = Math.max(USER_STACK_SIZE, 0x100000);
