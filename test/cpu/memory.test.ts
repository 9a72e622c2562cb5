import { describe, expect, it } from "vitest";
import { AddressSpace, PhysicalMemory, PTE_P, PTE_U, PTE_W } from "../../src/cpu/memory.ts";

describe("PhysicalMemory", () => {
  it("hands out zeroed frames and recycles freed ones", () => {
    const phys = new PhysicalMemory({ maxBytes: 3 * 4096 });
    const a = phys.allocFrame();
    phys.bytes[a] = 7;
    phys.freeFrame(a);
    const b = phys.allocFrame();
    expect(b).toBe(a);
    expect(phys.bytes[b]).toBe(0);
    phys.allocFrame();
    phys.allocFrame();
    expect(() => phys.allocFrame()).toThrow("out of guest physical memory");
  });
});

describe("AddressSpace", () => {
  const space = () => new AddressSpace(new PhysicalMemory({ maxBytes: 1 << 20 }), 0x1000);

  it("maps pages with flags and reads/writes through them (host access)", () => {
    const s = space();
    s.map(0xffffffff81000000n, 8192, PTE_W);
    expect(s.lookup(0xffffffff81000000n) & 0xfff).toBe(PTE_P | PTE_W);
    s.write64(0xffffffff81000ffcn, 0x1122334455667788n); // crosses the page boundary
    expect(s.read64(-0x7f000000 + 0xffc)).toBe(0x1122334455667788n);
    expect(s.read32(0xffffffff81001000n)).toBe(0x11223344);
    s.writeBytes(0xffffffff81000010n, new TextEncoder().encode("hi\0"));
    expect(s.readCString(0xffffffff81000010n, 10)).toBe("hi");
  });

  it("rejects unaligned, overlapping, unmapped and non-canonical requests", () => {
    const s = space();
    expect(() => s.map(0x1001, 4096, 0)).toThrow(/page-aligned/);
    s.map(0x1000, 4096, 0);
    expect(() => s.map(0x1000, 4096, 0)).toThrow(/already mapped/);
    expect(() => s.read8(0x5000)).toThrow(/unmapped address 0x5000/);
    expect(() => s.read8(0x0000800000000000n)).toThrow(/non-canonical/);
    expect(() => s.writeBytes(0x1ff0, new Uint8Array(32))).toThrow(/unmapped/);
    expect(s.read8(0x1ff0)).toBe(0); // the failed write changed nothing
  });

  it("shares frames and notifies listeners on changes", () => {
    const phys = new PhysicalMemory({ maxBytes: 1 << 20 });
    const a = new AddressSpace(phys, 0x1000);
    const b = new AddressSpace(phys, 0x2000);
    a.map(0x10000, 4096, PTE_W);
    const seen: number[] = [];
    b.onChange.add((sp) => seen.push(sp.cr3));
    b.mapShared(0x10000, 4096, PTE_W | PTE_U, a);
    a.write8(0x10000, 42);
    expect(b.read8(0x10000)).toBe(42);
    b.protect(0x10000, 4096, 0);
    expect(b.lookup(0x10000) & PTE_W).toBe(0);
    a.unmap(0x10000, 4096);
    expect(b.read8(0x10000)).toBe(42); // still referenced by b
    expect(seen).toEqual([0x2000, 0x2000]);
  });
});
