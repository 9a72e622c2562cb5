import { toLinear } from "./address.ts";
import { latin1Decode } from "./text-bytes.ts";

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
// Page permission bits of this emulator's page-table entries (our own format, not the x86 PTE layout).
export const PTE_P = 1;
export const PTE_W = 2;
export const PTE_U = 4;
export const PTE_NX = 8;
const PTE_FLAGS = PTE_P | PTE_W | PTE_U | PTE_NX;

/** Something that caches translations or decoded code of a PhysicalMemory (a Cpu). */
export interface CodeWatcher {
  /** A frame now holds decoded code: writes to it must take the slow path from now on. */
  frameBecameCode(frame: number): void;
  /** Decoded instructions of a frame were dropped (the frame was written). */
  codeInvalidated(frame: number): void;
}

/** The big tables of one guest RAM: what a released PhysicalMemory hands to the next one of the same size. */
interface FrameStore {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly codeGen: Int32Array;
  readonly hasCode: Uint8Array;
  readonly refs: Uint16Array;
  /** frames below this were handed out at some time: only they can hold anything but zeros */
  touched: number;
}

/**
 * Released stores of this thread (module state is per worker thread), by size, most recent last; at most
 * SPARE_STORES of them. A boot takes one instead of allocating its RAM: a fresh 256 MiB buffer is cheap for the OS
 * (zero pages on demand) but V8 counts it as external memory and runs full collections for it.
 */
const spareStores: FrameStore[] = [];
const SPARE_STORES = 2;

function takeStore(max: number): FrameStore {
  for (let i = spareStores.length - 1; i >= 0; i--) {
    const s = spareStores[i]!;
    if (s.bytes.length !== max) continue;
    spareStores.splice(i, 1);
    // Back to what a new buffer holds: zeros in every frame ever handed out, no code, no references.
    s.bytes.fill(0, 0, s.touched * PAGE_SIZE);
    s.codeGen.fill(0);
    s.hasCode.fill(0);
    s.refs.fill(0);
    s.touched = 0;
    return s;
  }
  const frames = max / PAGE_SIZE;
  // Allocated up front: the OS hands out zero pages lazily, so untouched memory costs nothing.
  const bytes = new Uint8Array(max);
  return {
    bytes,
    view: new DataView(bytes.buffer),
    codeGen: new Int32Array(frames),
    hasCode: new Uint8Array(frames),
    refs: new Uint16Array(frames),
    touched: 0,
  };
}

/** Guest RAM buffers this thread keeps for reuse (tests and benches read it). */
export function spareRamStores(): number {
  return spareStores.length;
}

export class PhysicalMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly frameCount: number;
  /** Per frame: bumped whenever decoded instructions of the frame become stale. */
  readonly codeGen: Int32Array;
  /** Per frame: 1 while some CPU holds decoded instructions of it. */
  readonly hasCode: Uint8Array;
  private readonly refs: Uint16Array;
  private readonly store: FrameStore;
  private released = false;
  private nextFrame = 0;
  private readonly freeList: number[] = [];
  private readonly watchers = new Set<CodeWatcher>();

  constructor(opts?: { maxBytes?: number }) {
    const max = opts?.maxBytes ?? 256 * 1024 * 1024;
    if (!Number.isInteger(max) || max <= 0 || max % PAGE_SIZE !== 0 || max > 0x40000000) {
      throw new Error(`PhysicalMemory maxBytes must be a positive multiple of 4096 up to 1 GiB, got ${max}`);
    }
    const s = takeStore(max);
    this.store = s;
    this.bytes = s.bytes;
    this.view = s.view;
    this.frameCount = max / PAGE_SIZE;
    this.codeGen = s.codeGen;
    this.hasCode = s.hasCode;
    this.refs = s.refs;
  }

  /**
   * Gives the RAM back to this thread for the next PhysicalMemory of the same size, which gets it zeroed (the
   * frames ever handed out) with its per-frame tables reset: nothing of this machine shows through. The caller
   * must hold nothing of this memory any more (no CPU, address space or view of `bytes` is used after this).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.watchers.clear();
    this.freeList.length = 0;
    this.nextFrame = this.frameCount; // allocFrame refuses from now on
    spareStores.push(this.store);
    if (spareStores.length > SPARE_STORES) spareStores.shift();
  }

  /** Physical address of a zeroed 4 KiB frame. */
  allocFrame(): number {
    let f = this.freeList.pop();
    if (f === undefined) {
      if (this.nextFrame >= this.frameCount)
        throw new Error(
          this.released ? "guest physical memory was released" : "out of guest physical memory",
        );
      f = this.nextFrame++;
      if (f >= this.store.touched) this.store.touched = f + 1;
    } else {
      this.bytes.fill(0, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
    }
    this.refs[f] = 1;
    this.invalidateCode(f);
    return f * PAGE_SIZE;
  }

  freeFrame(pa: number): void {
    const f = this.frameOf(pa);
    if (this.refs[f] === 0) throw new Error(`freeFrame: frame 0x${pa.toString(16)} is not allocated`);
    if (--this.refs[f]! === 0) {
      this.invalidateCode(f);
      this.freeList.push(f);
    }
  }

  /** Another mapping now refers to the frame (mapShared); it is freed when the last one goes. */
  retainFrame(pa: number): void {
    const f = this.frameOf(pa);
    if (this.refs[f] === 0) throw new Error(`retainFrame: frame 0x${pa.toString(16)} is not allocated`);
    this.refs[f]!++;
  }

  get framesInUse(): number {
    return this.nextFrame - this.freeList.length;
  }

  addCodeWatcher(w: CodeWatcher): void {
    this.watchers.add(w);
  }

  removeCodeWatcher(w: CodeWatcher): void {
    this.watchers.delete(w);
  }

  /** Marks a frame as holding decoded code (called by a decoder). */
  markCode(frame: number): void {
    if (this.hasCode[frame] === 1) return;
    this.hasCode[frame] = 1;
    for (const w of this.watchers) w.frameBecameCode(frame);
  }

  /** Drops every decoded instruction of a frame (it was written). */
  invalidateCode(frame: number): void {
    if (this.hasCode[frame] === 1) {
      this.hasCode[frame] = 0;
      this.codeGen[frame] = (this.codeGen[frame]! + 1) | 0;
      for (const w of this.watchers) w.codeInvalidated(frame);
    }
  }

  private frameOf(pa: number): number {
    if (!Number.isInteger(pa) || pa < 0 || pa % PAGE_SIZE !== 0 || pa >= this.frameCount * PAGE_SIZE) {
      throw new Error(`bad physical frame address ${pa}`);
    }
    return pa / PAGE_SIZE;
  }
}

export type SpaceChangeListener = (space: AddressSpace) => void;

/** One set of page tables; a CR3 value names it. Entries are `frame pa | flags`, keyed by virtual page number. */
export class AddressSpace {
  readonly phys: PhysicalMemory;
  readonly cr3: number;
  /** Virtual page number (Math.floor(vaddr / 4096), negative for the upper half) → PTE. */
  readonly ptes = new Map<number, number>();
  /** Notified after map/unmap/protect (CPUs flush their TLBs). */
  readonly onChange = new Set<SpaceChangeListener>();
  /**
   * The shared kernel half (init_mm): its PTEs answer for the upper half (negative page numbers) this space does
   * not map itself, as every PGD points at the same kernel page tables. A kernel page mapped there once is seen
   * by every space, however many there are.
   */
  readonly kernelHalf: AddressSpace | null;

  constructor(phys: PhysicalMemory, cr3: number, kernelHalf: AddressSpace | null = null) {
    if (!Number.isSafeInteger(cr3) || cr3 < 0) throw new Error(`bad cr3 value ${cr3}`);
    if (kernelHalf !== null && kernelHalf.phys !== phys)
      throw new Error("AddressSpace: the kernel half uses a different PhysicalMemory");
    this.phys = phys;
    this.cr3 = cr3;
    this.kernelHalf = kernelHalf;
  }

  /** PTE of virtual page `vpn` (own, else the shared kernel half's for the upper half), or undefined. */
  pte(vpn: number): number | undefined {
    const own = this.ptes.get(vpn);
    if (own !== undefined || vpn >= 0 || this.kernelHalf === null) return own;
    return this.kernelHalf.ptes.get(vpn);
  }

  map(vaddr: number | bigint, length: number, flags: number): void {
    const [first, n] = this.range(vaddr, length);
    for (let i = 0; i < n; i++) {
      if (this.ptes.has(first + i)) throw new Error(`map: page ${pageHex(first + i)} is already mapped`);
    }
    for (let i = 0; i < n; i++)
      this.ptes.set(first + i, this.phys.allocFrame() + ((flags & PTE_FLAGS) | PTE_P));
    this.changed();
  }

  /** Maps the frames that `from` maps at the same virtual range (e.g. the kernel half) with `flags`. */
  mapShared(vaddr: number | bigint, length: number, flags: number, from: AddressSpace): void {
    if (from.phys !== this.phys) throw new Error("mapShared: address spaces use different physical memories");
    const [first, n] = this.range(vaddr, length);
    for (let i = 0; i < n; i++) {
      if (from.pte(first + i) === undefined)
        throw new Error(`mapShared: page ${pageHex(first + i)} is not mapped in source`);
      if (this.ptes.has(first + i))
        throw new Error(`mapShared: page ${pageHex(first + i)} is already mapped`);
    }
    for (let i = 0; i < n; i++) {
      const pa = frameOfPte(from.pte(first + i)!);
      this.phys.retainFrame(pa);
      this.ptes.set(first + i, pa + ((flags & PTE_FLAGS) | PTE_P));
    }
    this.changed();
  }

  unmap(vaddr: number | bigint, length: number): void {
    const [first, n] = this.range(vaddr, length);
    for (let i = 0; i < n; i++) {
      const pte = this.ptes.get(first + i);
      if (pte === undefined) continue;
      this.ptes.delete(first + i);
      this.phys.freeFrame(frameOfPte(pte));
    }
    this.changed();
  }

  /** Unmaps every page of the lower (user) half this space maps, with one change notice; returns the count. */
  unmapUserHalf(): number {
    let n = 0;
    for (const [vpn, pte] of this.ptes) {
      if (vpn < 0) continue;
      this.ptes.delete(vpn);
      this.phys.freeFrame(frameOfPte(pte));
      n++;
    }
    if (n > 0) this.changed();
    return n;
  }

  protect(vaddr: number | bigint, length: number, flags: number): void {
    const [first, n] = this.range(vaddr, length);
    for (let i = 0; i < n; i++) {
      if (!this.ptes.has(first + i)) throw new Error(`protect: page ${pageHex(first + i)} is not mapped`);
    }
    for (let i = 0; i < n; i++) {
      this.ptes.set(first + i, frameOfPte(this.ptes.get(first + i)!) + ((flags & PTE_FLAGS) | PTE_P));
    }
    this.changed();
  }

  /** PTE (frame pa | flags) of the page holding vaddr, or 0 when not mapped. */
  lookup(vaddr: number | bigint): number {
    return this.pte(Math.floor(toLinear(vaddr) / PAGE_SIZE)) ?? 0;
  }

  /** Physical address of a virtual address for host access (ignores U/W/NX); Error when unmapped. */
  physAddr(vaddr: number): number {
    const pte = this.pte(Math.floor(vaddr / PAGE_SIZE));
    if (pte === undefined) throw new Error(`host access to unmapped address ${addrHex(vaddr)}`);
    return frameOfPte(pte) + (vaddr & (PAGE_SIZE - 1));
  }

  read8(vaddr: number | bigint): number {
    return this.phys.bytes[this.physAddr(toLinear(vaddr))]!;
  }
  read16(vaddr: number | bigint): number {
    const b = this.readBytes(vaddr, 2);
    return b[0]! | (b[1]! << 8);
  }
  read32(vaddr: number | bigint): number {
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 4) return this.phys.view.getUint32(this.physAddr(a), true);
    const b = this.readBytes(a, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  read64(vaddr: number | bigint): bigint {
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) return this.phys.view.getBigUint64(this.physAddr(a), true);
    const lo = this.read32(a);
    const hi = this.read32(addAddr(a, 4));
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** read64 as the CPU's register file holds it: the low and high int32 halves into out[at], out[at + 1]. */
  read64Halves(vaddr: number, out: Int32Array, at: number): void {
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) {
      const pa = this.physAddr(a);
      out[at] = this.phys.view.getInt32(pa, true);
      out[at + 1] = this.phys.view.getInt32(pa + 4, true);
      return;
    }
    out[at] = this.read32(a) | 0;
    out[at + 1] = this.read32(addAddr(a, 4)) | 0;
  }
  write8(vaddr: number | bigint, v: number): void {
    this.writeBytes(vaddr, Uint8Array.of(v & 0xff));
  }
  write16(vaddr: number | bigint, v: number): void {
    this.writeBytes(vaddr, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }
  write32(vaddr: number | bigint, v: number): void {
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 4) {
      const pa = this.physAddr(a);
      this.phys.view.setUint32(pa, v >>> 0, true);
      this.phys.invalidateCode(pa >>> 12);
      return;
    }
    this.writeBytes(a, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }
  write64(vaddr: number | bigint, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) {
      const pa = this.physAddr(a);
      this.phys.view.setBigUint64(pa, u, true);
      this.phys.invalidateCode(pa >>> 12);
      return;
    }
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = Number((u >> BigInt(8 * i)) & 0xffn);
    this.writeBytes(a, b);
  }
  /** write64 of the value whose low and high int32 halves are lo and hi (the register file's form). */
  write64Halves(vaddr: number, lo: number, hi: number): void {
    const a = toLinear(vaddr);
    if ((a & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) {
      const pa = this.physAddr(a);
      this.phys.view.setInt32(pa, lo, true);
      this.phys.view.setInt32(pa + 4, hi, true);
      this.phys.invalidateCode(pa >>> 12);
      return;
    }
    this.write64(a, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }
  /** write64 of an integer number (negative: two's complement), as BigInt.asUintN(64, BigInt(n)) would write it. */
  write64Number(vaddr: number, n: number): void {
    if (!Number.isInteger(n)) throw new Error(`write64Number: ${n} is not an integer`);
    this.write64Halves(vaddr, n | 0, Math.floor(n / 0x100000000) | 0);
  }

  readBytes(vaddr: number | bigint, len: number): Uint8Array {
    const a = toLinear(vaddr);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const va = addAddr(a, done);
      const pa = this.physAddr(va);
      const n = Math.min(len - done, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
      out.set(this.phys.bytes.subarray(pa, pa + n), done);
      done += n;
    }
    return out;
  }

  /** Host write; drops decoded instructions of every frame written. */
  writeBytes(vaddr: number | bigint, data: Uint8Array): void {
    const a = toLinear(vaddr);
    // Check every page first so a failing write changes nothing.
    for (let done = 0; done < data.length; done += PAGE_SIZE - (addAddr(a, done) & (PAGE_SIZE - 1))) {
      this.physAddr(addAddr(a, done));
    }
    let done = 0;
    while (done < data.length) {
      const va = addAddr(a, done);
      const pa = this.physAddr(va);
      const n = Math.min(data.length - done, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
      this.phys.bytes.set(data.subarray(done, done + n), pa);
      this.phys.invalidateCode(pa >>> 12);
      done += n;
    }
  }

  readCString(vaddr: number | bigint, max: number): string {
    const a = toLinear(vaddr);
    const chars: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = this.read8(addAddr(a, i));
      if (c === 0) break;
      chars.push(c);
    }
    return latin1Decode(chars);
  }

  private range(vaddr: number | bigint, length: number): [number, number] {
    const a = toLinear(vaddr);
    if (a % PAGE_SIZE !== 0) throw new Error(`address ${addrHex(a)} is not page-aligned`);
    if (!Number.isInteger(length) || length < 0 || length % PAGE_SIZE !== 0) {
      throw new Error(`length ${length} is not a multiple of the page size`);
    }
    if (length > 0) toLinear(a + length - 1);
    return [a / PAGE_SIZE, length / PAGE_SIZE];
  }

  private changed(): void {
    for (const l of this.onChange) l(this);
  }
}

export function frameOfPte(pte: number): number {
  return pte - (pte & (PAGE_SIZE - 1));
}

function addAddr(a: number, d: number): number {
  return toLinear(a + d);
}

function addrHex(a: number): string {
  return `0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`;
}

function pageHex(vpn: number): string {
  return addrHex(vpn * PAGE_SIZE);
}
