// Memory mappings of a user address space (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/msync.c of 3.1, simplified):
// mmap of anonymous memory (private or shared, which are the same for a single-threaded task), private copies of
// regular VFS files, and shared mappings of regular files, which map the file's page-cache frames
// (src/kernel/fs/page-cache.ts); munmap, mprotect, mremap, msync. Private and anonymous memory has no VMAs: the
// page table is the record of what is mapped, and every page gets its frame at mmap time (no demand paging). A
// shared file mapping is also recorded (its file, offset and protection, as a VMA): its pages within the file are
// mapped at mmap, a page that is not mapped is faulted in when the file has grown to it, and an access to a page
// wholly past the end of the file is SIGBUS. PROT_NONE pages are mapped without PTE_U, so user accesses and
// copy_*_user fail on them. A request the physical memory cannot hold is -ENOMEM.
import type { Cpu } from "../cpu/cpu.ts";
import { type AddressSpace, frameOfPte, PAGE_SIZE, PTE_NX, PTE_P, PTE_U, PTE_W } from "../cpu/memory.ts";
import { EBADF, EFAULT, EINVAL, ENOMEM } from "./errno.ts";
import { cacheGet, cachePage, cachePut, cacheToData, filePages } from "./fs/page-cache.ts";
import type { KernelContext } from "./kernel-context.ts";
import { USER_STACK_SIZE, USER_STACK_TOP } from "./layout.ts";
import { argInt, argNum } from "./native-args.ts";
import { EACCES, ENODEV } from "./syscalls/errno-extra.ts";
import type { Task } from "./task.ts";
import { TASK_SIZE_MAX } from "./thread-info.ts";
import type { RegFile } from "./vfs.ts";

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

/** A MAP_SHARED mapping of a regular file (the VMA: vm_start, vm_end, vm_file, vm_pgoff, the protection). */
export interface SharedFileMap {
  start: number;
  end: number;
  file: RegFile;
  /** the file page mapped at `start` */
  pgoff: number;
  prot: number;
  /** VM_MAYWRITE: the file was opened for reading and writing, so PROT_WRITE may be added */
  mayWrite: boolean;
}

interface MmState {
  /** where the next top-down search starts (mm->free_area_cache) */
  freeAreaCache: number;
  /** the shared file mappings, by start address */
  shared: SharedFileMap[];
}

const mms = new WeakMap<Task, MmState>();

function mmOf(t: Task): MmState {
  let m = mms.get(t);
  if (m === undefined) {
    m = { freeAreaCache: MMAP_BASE, shared: [] };
    mms.set(t, m);
  }
  return m;
}

/** execve: a fresh mm (exec_mmap); the old one's shared file mappings are gone with its pages. */
export function resetMm(t: Task): void {
  for (const v of mms.get(t)?.shared ?? []) cachePut(v.file);
  mms.delete(t);
}

/**
 * fork: the child's mm starts as a copy of the parent's. Its pages are copies (fork.ts), except those of shared
 * file mappings, which map the parent's page-cache frames again (dup_mmap copies a shared VMA's PTEs).
 */
export function copyMm(parent: Task, child: Task): void {
  const p = mmOf(parent);
  const shared = p.shared.map((v) => ({ ...v }));
  mms.set(child, { freeAreaCache: p.freeAreaCache, shared });
  const cs = child.space;
  for (const v of shared) {
    cacheGet(cs.phys, v.file);
    for (let a = v.start; a < v.end; a += PAGE_SIZE) {
      const mine = cs.lookup(a);
      if (mine === 0) continue;
      cs.unmap(a, PAGE_SIZE);
      const pa = frameOfPte(parent.space.lookup(a));
      installPage(cs, a, pa, mine & (PTE_U | PTE_W | PTE_NX));
    }
  }
}

/** Maps the existing frame `pa` at `addr` with `flags` (the frame gains a reference). */
function installPage(space: AddressSpace, addr: number, pa: number, flags: number): void {
  space.phys.retainFrame(pa);
  space.ptes.set(Math.floor(addr / PAGE_SIZE), pa + (flags | PTE_P));
  space.protect(addr, PAGE_SIZE, flags); // the same entry again: tells the CPUs to drop their translations
}

/** The shared file mapping holding addr, if any. */
function sharedAt(m: MmState, addr: number): SharedFileMap | undefined {
  return m.shared.find((v) => addr >= v.start && addr < v.end);
}

/** Splits t's shared mappings at `addr` so that none straddles it (split_vma). */
function splitShared(t: Task, addr: number): void {
  const m = mmOf(t);
  const v = sharedAt(m, addr);
  if (v === undefined || v.start === addr) return;
  const tail = { ...v, start: addr, pgoff: v.pgoff + (addr - v.start) / PAGE_SIZE };
  v.end = addr;
  m.shared.splice(m.shared.indexOf(v) + 1, 0, tail);
  cacheGet(t.space.phys, tail.file);
}

/** The shared mappings inside [addr, addr+len) are gone (munmap, MAP_FIXED over them, mremap's old range). */
function dropShared(t: Task, addr: number, len: number): void {
  splitShared(t, addr);
  splitShared(t, addr + len);
  const m = mmOf(t);
  m.shared = m.shared.filter((v) => {
    const inside = v.start >= addr && v.end <= addr + len;
    if (inside) cachePut(v.file);
    return !inside;
  });
}

/** Records shared mapping v at [at, at+len) (vma_link) and maps its pages within the file: 0 or -ENOMEM. */
function addShared(t: Task, v: SharedFileMap, at: number, len: number): number {
  v.start = at;
  v.end = at + len;
  cacheGet(t.space.phys, v.file);
  const m = mmOf(t);
  m.shared.push(v);
  m.shared.sort((a, b) => a.start - b.start);
  return populateShared(t.space, v);
}

/** Maps the pages of shared mapping v that lie within its file (fault-around of the whole mapping); -ENOMEM. */
function populateShared(space: AddressSpace, v: SharedFileMap): number {
  const pages = filePages(v.file);
  for (let a = v.start; a < v.end; a += PAGE_SIZE) {
    const index = v.pgoff + (a - v.start) / PAGE_SIZE;
    if (index >= pages || space.lookup(a) !== 0) continue;
    const pa = cachePage(v.file, index);
    if (pa < 0) return -ENOMEM;
    installPage(space, a, pa, protFlags(v.prot));
  }
  return 0;
}

/**
 * A user page fault at `addr` with no page mapped: inside a shared file mapping, the page is mapped when the file
 * reaches it now ("mapped": run the instruction again) and is a bus error when it lies past the end ("sigbus");
 * anywhere else "none" (SIGSEGV).
 */
export function sharedFileFault(t: Task, addr: number): "mapped" | "sigbus" | "none" {
  if (t.space.lookup(addr) !== 0) return "none";
  const v = sharedAt(mmOf(t), addr);
  if (v === undefined) return "none";
  const a = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
  const index = v.pgoff + (a - v.start) / PAGE_SIZE;
  if (index >= filePages(v.file)) return "sigbus";
  const pa = cachePage(v.file, index);
  if (pa < 0) return "none";
  installPage(t.space, a, pa, protFlags(v.prot));
  return "mapped";
}

/**
 * truncate_pagecache's unmap_mapping_range: every page of a shared mapping of `file` that now lies wholly past its
 * end is unmapped in each address space of `tasks` (a later access is SIGBUS).
 */
export function unmapPastEof(tasks: readonly Task[], file: RegFile): void {
  const pages = filePages(file);
  const seen = new Set<MmState>();
  for (const t of tasks) {
    const m = mms.get(t);
    if (m === undefined || seen.has(m)) continue;
    seen.add(m);
    for (const v of m.shared) {
      if (v.file !== file) continue;
      for (let a = v.start; a < v.end; a += PAGE_SIZE)
        if (v.pgoff + (a - v.start) / PAGE_SIZE >= pages) t.space.unmap(a, PAGE_SIZE);
    }
  }
}

/** clone(CLONE_VM): the child uses the parent's mm itself. */
export function shareMm(parent: Task, child: Task): void {
  mms.set(child, mmOf(parent));
}

/** No page mapped and no shared file mapping (whose pages past the end of the file are not mapped) in the range. */
function isFree(t: Task, addr: number, len: number): boolean {
  const m = mmOf(t);
  for (let a = addr; a < addr + len; a += PAGE_SIZE) if (t.space.lookup(a) !== 0) return false;
  return !m.shared.some((v) => v.start < addr + len && v.end > addr);
}

function inUser(addr: number, len: number): boolean {
  return addr >= 0 && len > 0 && addr + len <= TASK_SIZE_MAX;
}

/** arch_get_unmapped_area_topdown: the highest free range of len bytes below mmap_base, or -ENOMEM. */
export function getUnmappedArea(t: Task, hint: number, len: number): number {
  const space = t.space;
  if (hint !== 0) {
    const h = pageUp(hint);
    if (inUser(h, len) && h >= MMAP_MIN && isFree(t, h, len)) return h;
  }
  const m = mmOf(t);
  for (const start of [m.freeAreaCache, MMAP_BASE]) {
    let a = start - len;
    while (a >= MMAP_MIN) {
      // scan down from the range's top page for the highest mapped page inside it
      let clash = -1;
      for (let p = a + len - PAGE_SIZE; p >= a; p -= PAGE_SIZE) {
        if (space.lookup(p) !== 0 || sharedAt(m, p) !== undefined) {
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
  resetMm(t);
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
  let shared: SharedFileMap | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const f = t.files.get(fd >>> 0);
    if (f === undefined) return -EBADF;
    if (f.kind === "zero") content = null;
    else if (f.kind !== "reg" || f.reg === undefined) return -ENODEV;
    else {
      if ((f.accmode & 3) === 1) return -EACCES;
      const mayWrite = (f.accmode & 3) === 2;
      if (type === MAP_SHARED) {
        // a shared writable mapping needs a descriptor open for writing (VM_MAYWRITE)
        if (prot & PROT_WRITE && !mayWrite) return -EACCES;
        shared = { start: 0, end: len, file: f.reg, pgoff: off / PAGE_SIZE, prot, mayWrite };
      } else {
        cacheToData(f.reg);
        content = f.reg.data.subarray(
          Math.min(off, f.reg.data.length),
          Math.min(off + len, f.reg.data.length),
        );
      }
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
  dropShared(t, at, len);
  if (shared !== null) {
    t.space.unmap(at, len);
    const e = addShared(t, shared, at, len);
    if (e < 0) {
      dropShared(t, at, len);
      t.space.unmap(at, len);
    }
    return e < 0 ? e : at;
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
  dropShared(k.current(), addr, len);
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
  const t = k.current();
  const space = t.space;
  const m = mmOf(t);
  for (let a = start; a < start + len; a += PAGE_SIZE) {
    const v = sharedAt(m, a);
    if (space.lookup(a) === 0 && v === undefined) return -ENOMEM;
    // a shared file mapping of a descriptor not open for writing never gets PROT_WRITE (VM_MAYWRITE clear)
    if (v !== undefined && prot & PROT_WRITE && !v.mayWrite) return -EACCES;
  }
  splitShared(t, start);
  splitShared(t, start + len);
  for (const v of m.shared) if (v.start >= start && v.end <= start + len) v.prot = prot;
  for (let a = start; a < start + len; a += PAGE_SIZE)
    if (space.lookup(a) !== 0) space.protect(a, PAGE_SIZE, protFlags(prot));
  return 0;
}

export const MS_ASYNC = 1;
export const MS_INVALIDATE = 2;
export const MS_SYNC = 4;

/**
 * long msync(unsigned long start, size_t len, int flags): a shared mapping's pages are the file's page cache here,
 * and the file lives in memory, so there is nothing to write back or invalidate; what is checked is Linux's: the
 * flags, the alignment, and that the whole range is mapped (-ENOMEM). The file's bytes are brought up to date
 * (which every read of the file also does).
 */
export function sys_msync(k: KernelContext, cpu: Cpu): number {
  const start = argNum(cpu, 0);
  const len = pageUp(argNum(cpu, 1));
  const flags = argInt(cpu, 2);
  if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) !== 0) return -EINVAL;
  if ((start & PAGE_MASK) !== 0) return -EINVAL;
  if (flags & MS_ASYNC && flags & MS_SYNC) return -EINVAL;
  if (len === 0) return 0;
  if (!inUser(start, len)) return -ENOMEM;
  const t = k.current();
  const m = mmOf(t);
  for (let a = start; a < start + len; a += PAGE_SIZE) {
    const v = sharedAt(m, a);
    if (t.space.lookup(a) === 0 && v === undefined) return -ENOMEM;
    if (v !== undefined) cacheToData(v.file);
  }
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
  const m = mmOf(t);
  const v = sharedAt(m, addr);
  if (v !== undefined) return remapShared(t, v, addr, oldLen, newLen, flags);
  for (let a = addr; a < addr + oldLen; a += PAGE_SIZE) if (space.lookup(a) === 0) return -EFAULT; // vma_to_resize finds no VMA
  const pte = space.lookup(addr);
  const flagsOf = pte & (PTE_U | PTE_W | PTE_NX);
  if (newLen <= oldLen) {
    space.unmap(addr + newLen, oldLen - newLen);
    return addr;
  }
  const extra = newLen - oldLen;
  if (inUser(addr, newLen) && isFree(t, addr + oldLen, extra)) {
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

/**
 * mremap of a shared file mapping: the range must lie in that one mapping (vma_to_resize: -EFAULT otherwise); it
 * shrinks, grows in place, or moves (MREMAP_MAYMOVE), keeping its file and offset; the pages map the page cache.
 */
function remapShared(
  t: Task,
  v: SharedFileMap,
  addr: number,
  oldLen: number,
  newLen: number,
  flags: number,
): number {
  if (addr + oldLen > v.end) return -EFAULT;
  const pgoff = v.pgoff + (addr - v.start) / PAGE_SIZE;
  const like: SharedFileMap = { ...v, start: addr, end: addr + newLen, pgoff };
  if (newLen <= oldLen) {
    dropShared(t, addr + newLen, oldLen - newLen);
    t.space.unmap(addr + newLen, oldLen - newLen);
    return addr;
  }
  let to = addr;
  if (!(inUser(addr, newLen) && addr + oldLen === v.end && isFree(t, addr + oldLen, newLen - oldLen))) {
    if ((flags & MREMAP_MAYMOVE) === 0) return -ENOMEM;
    to = getUnmappedArea(t, 0, newLen);
    if (to < 0) return to;
  }
  dropShared(t, addr, oldLen);
  t.space.unmap(addr, oldLen);
  const e = addShared(t, like, to, newLen);
  return e < 0 ? e : to;
}

/** The user stack of an exec'd program: this many bytes below USER_STACK_TOP (grows no further). */
export const EXEC_STACK_SIZE = Math.max(USER_STACK_SIZE, 0x100000);
