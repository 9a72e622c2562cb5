// The page cache of a regular file that has shared mappings (mm/filemap.c): one physical frame per file page,
// mapped into every MAP_SHARED mapping of that page, so a store through one mapping is in every other at once.
// The file's bytes (RegFile.data) stay the copy that read, write and the other file syscalls use; the two are kept
// equal at each syscall that touches the file: before a read the mapped pages are copied into the bytes
// (`cacheToData`), after a write the bytes into the pages (`dataToCache`). Between syscalls only the mappings
// see the file, so no guest can observe the two copies differ. The frames live while a mapping refers to the file.
import { PAGE_SIZE, type PhysicalMemory } from "../../cpu/memory.ts";
import type { RegFile } from "../vfs.ts";

interface PageCache {
  readonly phys: PhysicalMemory;
  /** file page index → the frame's physical address (the cache holds one reference) */
  readonly frames: Map<number, number>;
  /** shared mappings (VMAs) of the file, over every address space */
  users: number;
}

const caches = new WeakMap<RegFile, PageCache>();

/** A shared mapping of `r` is made (mmap, fork's copy): the cache exists while there is one. */
export function cacheGet(phys: PhysicalMemory, r: RegFile): void {
  const c = caches.get(r);
  if (c !== undefined) c.users++;
  else caches.set(r, { phys, frames: new Map(), users: 1 });
}

/** A shared mapping of `r` is gone (munmap, exit, exec): at the last one the pages go back to the bytes and free. */
export function cachePut(r: RegFile): void {
  const c = caches.get(r);
  if (c === undefined) return;
  if (--c.users > 0) return;
  cacheToData(r);
  for (const pa of c.frames.values()) c.phys.freeFrame(pa);
  caches.delete(r);
}

/** The frame of file page `index` (filled from the file's bytes the first time), or -1 when memory is out. */
export function cachePage(r: RegFile, index: number): number {
  const c = caches.get(r);
  if (c === undefined) throw new Error("cachePage: the file has no shared mapping");
  const have = c.frames.get(index);
  if (have !== undefined) return have;
  if (c.phys.framesInUse >= c.phys.frameCount) return -1;
  const pa = c.phys.allocFrame();
  const from = index * PAGE_SIZE;
  const d = r.data;
  if (from < d.length) c.phys.bytes.set(d.subarray(from, Math.min(from + PAGE_SIZE, d.length)), pa);
  c.frames.set(index, pa);
  return pa;
}

/** Copies the cached pages into the file's bytes (up to its size): stores through mappings become readable. */
export function cacheToData(r: RegFile): void {
  const c = caches.get(r);
  if (c === undefined) return;
  const d = r.data;
  for (const [index, pa] of c.frames) {
    const from = index * PAGE_SIZE;
    if (from >= d.length) continue;
    const n = Math.min(PAGE_SIZE, d.length - from);
    d.set(c.phys.bytes.subarray(pa, pa + n), from);
  }
}

/**
 * Copies the file's bytes into the cached pages after a write or truncate; a page's part beyond the end of the
 * file reads as zeros (as truncate_pagecache leaves a partial page). Pages wholly beyond the end are dropped from
 * the cache (their mappings are removed by the caller).
 */
export function dataToCache(r: RegFile): void {
  const c = caches.get(r);
  if (c === undefined) return;
  const d = r.data;
  for (const [index, pa] of c.frames) {
    const from = index * PAGE_SIZE;
    if (from >= d.length) {
      c.phys.freeFrame(pa);
      c.frames.delete(index);
      continue;
    }
    const n = Math.min(PAGE_SIZE, d.length - from);
    c.phys.bytes.set(d.subarray(from, from + n), pa);
    c.phys.bytes.fill(0, pa + n, pa + PAGE_SIZE);
    c.phys.invalidateCode(pa / PAGE_SIZE); // a written frame's decoded instructions are stale
  }
}

/** Pages of the file (its size rounded up): a mapping's page at or beyond this index is past the end (SIGBUS). */
export function filePages(r: RegFile): number {
  return Math.ceil(r.data.length / PAGE_SIZE);
}
