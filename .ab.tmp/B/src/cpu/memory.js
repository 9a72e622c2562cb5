import { toLinear } from "./address.js";
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
// Page permission bits of this emulator's page-table entries (our own format, not the x86 PTE layout).
export const PTE_P = 1;
export const PTE_W = 2;
export const PTE_U = 4;
export const PTE_NX = 8;
const PTE_FLAGS = PTE_P | PTE_W | PTE_U | PTE_NX;
export class PhysicalMemory {
    bytes;
    view;
    frameCount;
    /** Per frame: bumped whenever decoded instructions of the frame become stale. */
    codeGen;
    /** Per frame: 1 while some CPU holds decoded instructions of it. */
    hasCode;
    refs;
    nextFrame = 0;
    freeList = [];
    watchers = new Set();
    constructor(opts) {
        const max = opts?.maxBytes ?? 256 * 1024 * 1024;
        if (!Number.isInteger(max) || max <= 0 || max % PAGE_SIZE !== 0 || max > 0x40000000) {
            throw new Error(`PhysicalMemory maxBytes must be a positive multiple of 4096 up to 1 GiB, got ${max}`);
        }
        // Allocated up front: the OS hands out zero pages lazily, so untouched memory costs nothing.
        this.bytes = new Uint8Array(max);
        this.view = new DataView(this.bytes.buffer);
        this.frameCount = max / PAGE_SIZE;
        this.codeGen = new Int32Array(this.frameCount);
        this.hasCode = new Uint8Array(this.frameCount);
        this.refs = new Uint16Array(this.frameCount);
    }
    /** Physical address of a zeroed 4 KiB frame. */
    allocFrame() {
        let f = this.freeList.pop();
        if (f === undefined) {
            if (this.nextFrame >= this.frameCount)
                throw new Error("out of guest physical memory");
            f = this.nextFrame++;
        }
        else {
            this.bytes.fill(0, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
        }
        this.refs[f] = 1;
        this.invalidateCode(f);
        return f * PAGE_SIZE;
    }
    freeFrame(pa) {
        const f = this.frameOf(pa);
        if (this.refs[f] === 0)
            throw new Error(`freeFrame: frame 0x${pa.toString(16)} is not allocated`);
        if (--this.refs[f] === 0) {
            this.invalidateCode(f);
            this.freeList.push(f);
        }
    }
    /** Another mapping now refers to the frame (mapShared); it is freed when the last one goes. */
    retainFrame(pa) {
        const f = this.frameOf(pa);
        if (this.refs[f] === 0)
            throw new Error(`retainFrame: frame 0x${pa.toString(16)} is not allocated`);
        this.refs[f]++;
    }
    get framesInUse() {
        return this.nextFrame - this.freeList.length;
    }
    addCodeWatcher(w) {
        this.watchers.add(w);
    }
    removeCodeWatcher(w) {
        this.watchers.delete(w);
    }
    /** Marks a frame as holding decoded code (called by a decoder). */
    markCode(frame) {
        if (this.hasCode[frame] === 1)
            return;
        this.hasCode[frame] = 1;
        for (const w of this.watchers)
            w.frameBecameCode(frame);
    }
    /** Drops every decoded instruction of a frame (it was written). */
    invalidateCode(frame) {
        if (this.hasCode[frame] === 1) {
            this.hasCode[frame] = 0;
            this.codeGen[frame] = (this.codeGen[frame] + 1) | 0;
            for (const w of this.watchers)
                w.codeInvalidated(frame);
        }
    }
    frameOf(pa) {
        if (!Number.isInteger(pa) || pa < 0 || pa % PAGE_SIZE !== 0 || pa >= this.frameCount * PAGE_SIZE) {
            throw new Error(`bad physical frame address ${pa}`);
        }
        return pa / PAGE_SIZE;
    }
}
/** One set of page tables; a CR3 value names it. Entries are `frame pa | flags`, keyed by virtual page number. */
export class AddressSpace {
    phys;
    cr3;
    /** Virtual page number (Math.floor(vaddr / 4096), negative for the upper half) → PTE. */
    ptes = new Map();
    /** Notified after map/unmap/protect (CPUs flush their TLBs). */
    onChange = new Set();
    constructor(phys, cr3) {
        if (!Number.isSafeInteger(cr3) || cr3 < 0)
            throw new Error(`bad cr3 value ${cr3}`);
        this.phys = phys;
        this.cr3 = cr3;
    }
    map(vaddr, length, flags) {
        const [first, n] = this.range(vaddr, length);
        for (let i = 0; i < n; i++) {
            if (this.ptes.has(first + i))
                throw new Error(`map: page ${pageHex(first + i)} is already mapped`);
        }
        for (let i = 0; i < n; i++)
            this.ptes.set(first + i, this.phys.allocFrame() + ((flags & PTE_FLAGS) | PTE_P));
        this.changed();
    }
    /** Maps the frames that `from` maps at the same virtual range (e.g. the kernel half) with `flags`. */
    mapShared(vaddr, length, flags, from) {
        if (from.phys !== this.phys)
            throw new Error("mapShared: address spaces use different physical memories");
        const [first, n] = this.range(vaddr, length);
        for (let i = 0; i < n; i++) {
            if (!from.ptes.has(first + i))
                throw new Error(`mapShared: page ${pageHex(first + i)} is not mapped in source`);
            if (this.ptes.has(first + i))
                throw new Error(`mapShared: page ${pageHex(first + i)} is already mapped`);
        }
        for (let i = 0; i < n; i++) {
            const pa = frameOfPte(from.ptes.get(first + i));
            this.phys.retainFrame(pa);
            this.ptes.set(first + i, pa + ((flags & PTE_FLAGS) | PTE_P));
        }
        this.changed();
    }
    unmap(vaddr, length) {
        const [first, n] = this.range(vaddr, length);
        for (let i = 0; i < n; i++) {
            const pte = this.ptes.get(first + i);
            if (pte === undefined)
                continue;
            this.ptes.delete(first + i);
            this.phys.freeFrame(frameOfPte(pte));
        }
        this.changed();
    }
    protect(vaddr, length, flags) {
        const [first, n] = this.range(vaddr, length);
        for (let i = 0; i < n; i++) {
            if (!this.ptes.has(first + i))
                throw new Error(`protect: page ${pageHex(first + i)} is not mapped`);
        }
        for (let i = 0; i < n; i++) {
            this.ptes.set(first + i, frameOfPte(this.ptes.get(first + i)) + ((flags & PTE_FLAGS) | PTE_P));
        }
        this.changed();
    }
    /** PTE (frame pa | flags) of the page holding vaddr, or 0 when not mapped. */
    lookup(vaddr) {
        return this.ptes.get(Math.floor(toLinear(vaddr) / PAGE_SIZE)) ?? 0;
    }
    /** Physical address of a virtual address for host access (ignores U/W/NX); Error when unmapped. */
    physAddr(vaddr) {
        const pte = this.ptes.get(Math.floor(vaddr / PAGE_SIZE));
        if (pte === undefined)
            throw new Error(`host access to unmapped address ${addrHex(vaddr)}`);
        return frameOfPte(pte) + (vaddr & (PAGE_SIZE - 1));
    }
    read8(vaddr) {
        return this.phys.bytes[this.physAddr(toLinear(vaddr))];
    }
    read16(vaddr) {
        const b = this.readBytes(vaddr, 2);
        return b[0] | (b[1] << 8);
    }
    read32(vaddr) {
        const b = this.readBytes(vaddr, 4);
        return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    }
    read64(vaddr) {
        const a = toLinear(vaddr);
        const lo = this.read32(a);
        const hi = this.read32(addAddr(a, 4));
        return (BigInt(hi) << 32n) | BigInt(lo);
    }
    write8(vaddr, v) {
        this.writeBytes(vaddr, Uint8Array.of(v & 0xff));
    }
    write16(vaddr, v) {
        this.writeBytes(vaddr, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
    }
    write32(vaddr, v) {
        this.writeBytes(vaddr, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
    }
    write64(vaddr, v) {
        const u = BigInt.asUintN(64, v);
        const b = new Uint8Array(8);
        for (let i = 0; i < 8; i++)
            b[i] = Number((u >> BigInt(8 * i)) & 0xffn);
        this.writeBytes(vaddr, b);
    }
    readBytes(vaddr, len) {
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
    writeBytes(vaddr, data) {
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
    readCString(vaddr, max) {
        const a = toLinear(vaddr);
        const chars = [];
        for (let i = 0; i < max; i++) {
            const c = this.read8(addAddr(a, i));
            if (c === 0)
                break;
            chars.push(c);
        }
        return Buffer.from(chars).toString("latin1");
    }
    range(vaddr, length) {
        const a = toLinear(vaddr);
        if (a % PAGE_SIZE !== 0)
            throw new Error(`address ${addrHex(a)} is not page-aligned`);
        if (!Number.isInteger(length) || length < 0 || length % PAGE_SIZE !== 0) {
            throw new Error(`length ${length} is not a multiple of the page size`);
        }
        if (length > 0)
            toLinear(a + length - 1);
        return [a / PAGE_SIZE, length / PAGE_SIZE];
    }
    changed() {
        for (const l of this.onChange)
            l(this);
    }
}
export function frameOfPte(pte) {
    return pte - (pte & (PAGE_SIZE - 1));
}
function addAddr(a, d) {
    return toLinear(a + d);
}
function addrHex(a) {
    return `0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`;
}
function pageHex(vpn) {
    return addrHex(vpn * PAGE_SIZE);
}
//# sourceMappingURL=memory.js.map