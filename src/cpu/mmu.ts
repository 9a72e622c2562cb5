// Linear-address translation with a software TLB, and the sized memory accesses of the interpreter.
// Paging model: 4 KiB pages; supervisor accesses ignore U (no SMAP/SMEP) but honour W (CR0.WP = 1); NX is enforced
// on fetches when EFER.NXE is set (SDM Vol. 3A §4.6). A failed translation raises #PF with CR2 = the address.

import { PF_VEC, PFEC_I, PFEC_P, PFEC_U, PFEC_W } from "./exceptions.ts";
import { type FaultState, raise } from "./fault.ts";
import {
  type AddressSpace,
  type CodeWatcher,
  frameOfPte,
  type PhysicalMemory,
  PTE_NX,
  PTE_U,
  PTE_W,
} from "./memory.ts";

export const TLB_ENTRIES = 256; // per (privilege, access kind)
// TLB_MASK = TLB_ENTRIES - 1 (written as a literal in the access paths). The index is (vpn ^ (vpn >> 8)) & TLB_MASK:
// kernel regions start on 2 MiB boundaries, and plain vpn & TLB_MASK put all their first pages in one entry.
export const ACC_READ = 0;
export const ACC_WRITE = 1;
export const ACC_FETCH = 2;
const USER_BASE = 3 * TLB_ENTRIES;
const NO_TAG = 2 ** 60; // never a page number (those are below 2^36 in magnitude)

export class Mmu implements CodeWatcher {
  phys: PhysicalMemory;
  bytes: Uint8Array;
  view: DataView;
  space: AddressSpace;
  /** tag[base + kind*N + i] = virtual page number, pa[...] = frame physical address. */
  readonly tag = new Float64Array(6 * 256 /* TLB_ENTRIES */).fill(NO_TAG);
  readonly pa = new Int32Array(6 * 256 /* TLB_ENTRIES */);
  /** 0 at CPL 0, USER_BASE at CPL 3. */
  base = 0;
  user = false;
  nxe = true;
  /** High half of the last 64-bit read. */
  hi = 0;
  /** The page the interpreter is fetching from (invalidated with the TLB). */
  fetchVpn = NO_TAG;
  fetchPa = 0;
  /** The fetch page of the other privilege level, restored when the CPL changes back (both reset by flush). */
  private otherFetchVpn = NO_TAG;
  private otherFetchPa = 0;
  readonly fault: FaultState;
  /**
   * Validity stamp of decoded-slot successor links: linkGen | CPL bit. linkGen (even) moves on whenever a link may
   * have become stale (TLB flush, address-space change, decoded code invalidated, a live slot evicted); the low bit
   * is 1 at CPL 3, so a link recorded at one privilege level is never followed at the other, and a CPL change
   * keeps the links of both levels.
   */
  epoch = 0;
  private linkGen = 0;

  constructor(space: AddressSpace, fault: FaultState) {
    this.phys = space.phys;
    this.bytes = space.phys.bytes;
    this.view = space.phys.view;
    this.space = space;
    this.fault = fault;
    this.phys.addCodeWatcher(this);
  }

  setSpace(space: AddressSpace): void {
    if (space.phys !== this.phys) throw new Error("address space belongs to a different PhysicalMemory");
    this.space = space;
    this.flush();
  }

  setUser(user: boolean): void {
    if (user !== this.user) {
      const vpn = this.fetchVpn;
      const pa = this.fetchPa;
      this.fetchVpn = this.otherFetchVpn;
      this.fetchPa = this.otherFetchPa;
      this.otherFetchVpn = vpn;
      this.otherFetchPa = pa;
    }
    this.user = user;
    this.base = user ? USER_BASE : 0;
    this.epoch = this.linkGen | (user ? 1 : 0);
  }

  /** Makes every decoded-slot successor link stale. */
  voidLinks(): void {
    this.linkGen = (this.linkGen + 2) | 0;
    this.epoch = this.linkGen | (this.user ? 1 : 0);
  }

  flush(): void {
    this.tag.fill(NO_TAG);
    this.fetchVpn = NO_TAG;
    this.otherFetchVpn = NO_TAG;
    this.voidLinks();
  }

  codeInvalidated(_frame: number): void {
    this.voidLinks();
  }

  frameBecameCode(frame: number): void {
    const pa = frame * 4096;
    for (const b of [256 /* TLB_ENTRIES */, USER_BASE + 256 /* TLB_ENTRIES */]) {
      for (let i = b; i < b + 256 /* TLB_ENTRIES */; i++) if (this.pa[i] === pa) this.tag[i] = NO_TAG;
    }
  }

  /** Translates a linear address for an access; raises #PF on failure. Fills the TLB. */
  translate(a: number, kind: number): number {
    const off = a & 4095;
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + kind * 256 /* TLB_ENTRIES */ + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    if (this.tag[i] === vpn) return this.pa[i]! + off;
    return this.walk(a, vpn, kind, i) + off;
  }

  /** Translation without side effects: physical address or -1 (no fault, no TLB fill). */
  probe(a: number, kind: number): number {
    const off = a & 4095;
    const vpn = (a - off) * (1 / 4096);
    const pte = this.space.pte(vpn) ?? 0;
    if (pte === 0 || this.denied(pte, kind)) return -1;
    return frameOfPte(pte) + off;
  }

  private denied(pte: number, kind: number): boolean {
    if (this.user && (pte & PTE_U) === 0) return true;
    if (kind === 1 /* ACC_WRITE */ && (pte & PTE_W) === 0) return true;
    return kind === ACC_FETCH && this.nxe && (pte & PTE_NX) !== 0;
  }

  private walk(a: number, vpn: number, kind: number, i: number): number {
    const pte = this.space.pte(vpn) ?? 0;
    if (pte === 0 || this.denied(pte, kind)) {
      let ec = pte === 0 ? 0 : PFEC_P;
      if (kind === 1 /* ACC_WRITE */) ec |= PFEC_W;
      if (this.user) ec |= PFEC_U;
      if (kind === ACC_FETCH && this.nxe) ec |= PFEC_I; // I/D is reported only with NXE (or SMEP), SDM §4.7
      this.fault.cr2 = a;
      raise(this.fault, PF_VEC, ec, "");
    }
    const frame = frameOfPte(pte);
    if (kind === 1 /* ACC_WRITE */ && this.phys.hasCode[frame >>> 12] === 1) {
      // Writing a frame with decoded instructions: drop them; the write TLB may cache it from now on.
      this.phys.invalidateCode(frame >>> 12);
    }
    this.tag[i] = vpn;
    this.pa[i] = frame;
    return frame;
  }

  read8(a: number): number {
    const off = a & 4095;
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 0 /* ACC_READ */, i) + off;
    return this.bytes[pa]!;
  }

  read16(a: number): number {
    const off = a & 4095;
    if (off > 4094) return this.read8(a) | (this.read8(a + 1) << 8);
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 0 /* ACC_READ */, i) + off;
    return this.view.getUint16(pa, true);
  }

  read32(a: number): number {
    const off = a & 4095;
    if (off > 4092) return this.readSplit(a, 4);
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 0 /* ACC_READ */, i) + off;
    return this.view.getInt32(pa, true);
  }

  /** Returns the low half; the high half is left in this.hi. */
  read64(a: number): number {
    const off = a & 4095;
    if (off > 4088) {
      const lo = this.readSplit(a, 4);
      this.hi = this.readSplit(a + 4, 4);
      return lo;
    }
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 0 /* ACC_READ */, i) + off;
    this.hi = this.view.getInt32(pa + 4, true);
    return this.view.getInt32(pa, true);
  }

  /** Sized read: size 1/2 zero-extended, 4 as int32, 8 low half (high in this.hi). */
  read(a: number, size: number): number {
    switch (size) {
      case 1:
        return this.read8(a);
      case 2:
        return this.read16(a);
      case 4:
        return this.read32(a);
      default:
        return this.read64(a);
    }
  }

  private readSplit(a: number, size: number): number {
    // Page-crossing access: check both pages before reading.
    this.translate(a, 0 /* ACC_READ */);
    this.translate(a + size - 1, 0 /* ACC_READ */);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = (v << 8) | this.bytes[this.translate(a + k, 0 /* ACC_READ */)]!;
    return v;
  }

  write8(a: number, v: number): void {
    const off = a & 4095;
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + 256 /* TLB_ENTRIES */ + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 1 /* ACC_WRITE */, i) + off;
    this.bytes[pa] = v;
  }

  write16(a: number, v: number): void {
    const off = a & 4095;
    if (off > 4094) {
      this.writeSplit(a, 2, v, 0);
      return;
    }
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + 256 /* TLB_ENTRIES */ + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 1 /* ACC_WRITE */, i) + off;
    this.view.setUint16(pa, v, true);
  }

  write32(a: number, v: number): void {
    const off = a & 4095;
    if (off > 4092) {
      this.writeSplit(a, 4, v, 0);
      return;
    }
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + 256 /* TLB_ENTRIES */ + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 1 /* ACC_WRITE */, i) + off;
    this.view.setInt32(pa, v, true);
  }

  write64(a: number, lo: number, hi: number): void {
    const off = a & 4095;
    if (off > 4088) {
      this.writeSplit(a, 8, lo, hi);
      return;
    }
    const vpn = (a - off) * (1 / 4096);
    const i = this.base + 256 /* TLB_ENTRIES */ + ((vpn ^ (vpn >> 8)) & 255) /* TLB_MASK */;
    const pa = this.tag[i] === vpn ? this.pa[i]! + off : this.walk(a, vpn, 1 /* ACC_WRITE */, i) + off;
    this.view.setInt32(pa, lo, true);
    this.view.setInt32(pa + 4, hi, true);
  }

  write(a: number, size: number, lo: number, hi: number): void {
    switch (size) {
      case 1:
        this.write8(a, lo);
        return;
      case 2:
        this.write16(a, lo);
        return;
      case 4:
        this.write32(a, lo);
        return;
      default:
        this.write64(a, lo, hi);
    }
  }

  /** Checks that a write of `size` bytes at `a` would succeed (raises #PF otherwise), without writing. */
  checkWrite(a: number, size: number): void {
    this.translate(a, 1 /* ACC_WRITE */);
    if ((a & 4095) > 4096 - size) this.translate(a + size - 1, 1 /* ACC_WRITE */);
  }

  private writeSplit(a: number, size: number, lo: number, hi: number): void {
    this.checkWrite(a, size);
    for (let k = 0; k < size; k++) {
      const byte = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
      this.bytes[this.translate(a + k, 1 /* ACC_WRITE */)] = byte;
    }
  }
}

/**
 * The TLB hit path of Mmu.read32/read64/write32/write64 as JavaScript, for the block JIT's inline accesses
 * (compile-block.ts): `mmu` is the Mmu, `a` the address expression, `t` four temporaries, `v` the values to write.
 * It is those methods' own lookup (index, tag compare, frame + offset); a miss or a page-crossing access calls the
 * method, which looks up again and walks (and faults), so both paths behave as the method does.
 */
export function inlineAccess(
  method: "read32" | "read64" | "write32" | "write64",
  a: string,
  t: readonly [string, string, string, string],
  v: readonly string[] = [],
): string {
  const [ad, off, vpn, i] = t;
  const write = method.startsWith("write");
  const last = method.endsWith("64") ? 4088 : 4092;
  const head = `${ad} = (${a}), ${off} = ${ad} & 4095, ${vpn} = (${ad} - ${off}) * (1 / 4096), ${i} = mmu.base + ${write ? "256 /* TLB_ENTRIES */ + " : ""}((${vpn} ^ (${vpn} >> 8)) & 255) /* TLB_MASK */`;
  const hit = `${off} <= ${last} && mmu.tag[${i}] === ${vpn}`;
  const pa = `mmu.pa[${i}] + ${off}`;
  switch (method) {
    case "read32":
      return `(${head}, ${hit} ? mmu.view.getInt32(${pa}, true) : mmu.read32(${ad}))`;
    case "read64":
      return `(${head}, ${hit} ? (mmu.hi = mmu.view.getInt32(${pa} + 4, true), mmu.view.getInt32(${pa}, true)) : mmu.read64(${ad}))`;
    case "write32":
      return `(${head}, ${hit} ? mmu.view.setInt32(${pa}, (${v[0]}), true) : mmu.write32(${ad}, (${v[0]})))`;
    default:
      return `(${head}, ${hit} ? (mmu.view.setInt32(${pa}, (${v[0]}), true), mmu.view.setInt32(${pa} + 4, (${v[1]}), true)) : mmu.write64(${ad}, (${v[0]}), (${v[1]})))`;
  }
}
