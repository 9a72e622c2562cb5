import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PIE_LOAD_BIAS,
  ElfError,
  type ElfImage,
  loadPlan,
  parseElf,
} from "../../src/workload/elf.ts";

const BIN = new URL("../fixtures/bin/", import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, BIN)));

type Load = [offset: number, vaddr: bigint, filesz: bigint, memsz: bigint, flags: string];
interface Expected {
  size: number;
  type: "exec" | "pie";
  entry: bigint;
  phnum: number;
  stack: string;
  tls: [bigint, bigint, bigint, bigint] | undefined;
  loads: Load[];
}

// Recorded once with `readelf -lhW` from the committed binaries (binutils 2.40); e_phoff is 64 in every one,
// and no PT_PHDR, so AT_PHDR is the first segment's vaddr + 64.
const READELF: Record<string, Expected> = {
  auxv: {
    size: 686792,
    type: "exec",
    entry: 0x4018c0n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x78131n, 0x78131n, "RE"],
      [0x7a000, 0x47a000n, 0x272f4n, 0x272f4n, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "auxv.musl": {
    size: 30096,
    type: "exec",
    entry: 0x4013ban,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4147n, 0x4147n, "RE"],
      [0x6000, 0x406000n, 0xf88n, 0xf88n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  cat: {
    size: 686792,
    type: "exec",
    entry: 0x4015f0n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x78471n, 0x78471n, "RE"],
      [0x7a000, 0x47a000n, 0x27176n, 0x27176n, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "cat.musl": {
    size: 30096,
    type: "exec",
    entry: 0x401127n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4107n, 0x4107n, "RE"],
      [0x6000, 0x406000n, 0xce0n, 0xce0n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x3d8n, "RW"],
    ],
  },
  cgroupcfg: {
    size: 686792,
    type: "exec",
    entry: 0x401690n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x783b1n, 0x783b1n, "RE"],
      [0x7a000, 0x47a000n, 0x2732cn, 0x2732cn, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "cgroupcfg.musl": {
    size: 30096,
    type: "exec",
    entry: 0x401181n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4467n, 0x4467n, "RE"],
      [0x6000, 0x406000n, 0xee4n, 0xee4n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  forkpipe: {
    size: 690920,
    type: "exec",
    entry: 0x401640n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a3698n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x79161n, 0x79161n, "RE"],
      [0x7b000, 0x47b000n, 0x2744en, 0x2744en, "R"],
      [0xa2698, 0x4a3698n, 0x5bf8n, 0xbbc8n, "RW"],
    ],
  },
  "forkpipe.musl": {
    size: 30360,
    type: "exec",
    entry: 0x401179n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4e01n, 0x4e01n, "RE"],
      [0x6000, 0x406000n, 0xd60n, 0xd60n, "R"],
      [0x6f50, 0x407f50n, 0x2c8n, 0x9b0n, "RW"],
    ],
  },
  hello: {
    size: 682696,
    type: "exec",
    entry: 0x401520n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a06d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x77b41n, 0x77b41n, "RE"],
      [0x79000, 0x479000n, 0x26f3en, 0x26f3en, "R"],
      [0xa06d8, 0x4a06d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "hello.musl": {
    size: 13376,
    type: "exec",
    entry: 0x401059n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x8f1n, 0x8f1n, "RE"],
      [0x2000, 0x402000n, 0x4cn, 0x4cn, "R"],
      [0x2fd0, 0x403fd0n, 0x40n, 0x2a8n, "RW"],
    ],
  },
  "hello.pie": {
    size: 728264,
    type: "pie",
    entry: 0x95e0n,
    phnum: 12,
    stack: "RW",
    tls: [0xac518n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x0n, 0x8020n, 0x8020n, "R"],
      [0x9000, 0x9000n, 0x78b81n, 0x78b81n, "RE"],
      [0x82000, 0x82000n, 0x291c6n, 0x291c6n, "R"],
      [0xab518, 0xac518n, 0x5d58n, 0xb528n, "RW"],
    ],
  },
  seccomp: {
    size: 686792,
    type: "exec",
    entry: 0x401680n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x780f1n, 0x780f1n, "RE"],
      [0x7a000, 0x47a000n, 0x270cen, 0x270cen, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "seccomp.musl": {
    size: 26000,
    type: "exec",
    entry: 0x4011b3n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x3e27n, 0x3e27n, "RE"],
      [0x5000, 0x405000n, 0xd18n, 0xd18n, "R"],
      [0x5fc0, 0x406fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  signals: {
    size: 686792,
    type: "exec",
    entry: 0x4015e0n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x782f1n, 0x782f1n, "RE"],
      [0x7a000, 0x47a000n, 0x2717en, 0x2717en, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "signals.musl": {
    size: 30352,
    type: "exec",
    entry: 0x401119n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4639n, 0x4639n, "RE"],
      [0x6000, 0x406000n, 0xd34n, 0xd34n, "R"],
      [0x6fb8, 0x407fb8n, 0x258n, 0x918n, "RW"],
    ],
  },
  "sowa-chdir": {
    size: 682696,
    type: "exec",
    entry: 0x401580n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a06d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x77cb1n, 0x77cb1n, "RE"],
      [0x79000, 0x479000n, 0x26fden, 0x26fden, "R"],
      [0xa06d8, 0x4a06d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "sowa-chdir.musl": {
    size: 30096,
    type: "exec",
    entry: 0x4010b7n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4757n, 0x4757n, "RE"],
      [0x6000, 0x406000n, 0xde0n, 0xde0n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  "sowa-getuid": {
    size: 682696,
    type: "exec",
    entry: 0x401550n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a06d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x77c71n, 0x77c71n, "RE"],
      [0x79000, 0x479000n, 0x26faen, 0x26faen, "R"],
      [0xa06d8, 0x4a06d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "sowa-getuid.musl": {
    size: 30096,
    type: "exec",
    entry: 0x40108en,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4737n, 0x4737n, "RE"],
      [0x6000, 0x406000n, 0xdd0n, 0xdd0n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  "sowa-read": {
    size: 686792,
    type: "exec",
    entry: 0x4015e0n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x78271n, 0x78271n, "RE"],
      [0x7a000, 0x47a000n, 0x2711en, 0x2711en, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "sowa-read.musl": {
    size: 30352,
    type: "exec",
    entry: 0x40111an,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4c77n, 0x4c77n, "RE"],
      [0x6000, 0x406000n, 0xe08n, 0xe08n, "R"],
      [0x6fb8, 0x407fb8n, 0x258n, 0x900n, "RW"],
    ],
  },
  "sowa-setuid": {
    size: 682696,
    type: "exec",
    entry: 0x401560n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a06d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x77cb1n, 0x77cb1n, "RE"],
      [0x79000, 0x479000n, 0x26fcen, 0x26fcen, "R"],
      [0xa06d8, 0x4a06d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "sowa-setuid.musl": {
    size: 30096,
    type: "exec",
    entry: 0x4010a0n,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4747n, 0x4747n, "RE"],
      [0x6000, 0x406000n, 0xdd4n, 0xdd4n, "R"],
      [0x6fc0, 0x407fc0n, 0x150n, 0x7f8n, "RW"],
    ],
  },
  wc: {
    size: 686792,
    type: "exec",
    entry: 0x4015c0n,
    phnum: 10,
    stack: "RW",
    tls: [0x4a26d8n, 0x18n, 0x60n, 0x8n],
    loads: [
      [0x0, 0x400000n, 0x518n, 0x518n, "R"],
      [0x1000, 0x401000n, 0x78231n, 0x78231n, "RE"],
      [0x7a000, 0x47a000n, 0x270e6n, 0x270e6n, "R"],
      [0xa16d8, 0x4a26d8n, 0x5b98n, 0xb3c8n, "RW"],
    ],
  },
  "wc.musl": {
    size: 30352,
    type: "exec",
    entry: 0x4010fen,
    phnum: 6,
    stack: "RW",
    tls: undefined,
    loads: [
      [0x0, 0x400000n, 0x190n, 0x190n, "R"],
      [0x1000, 0x401000n, 0x4087n, 0x4087n, "RE"],
      [0x6000, 0x406000n, 0xcc0n, 0xcc0n, "R"],
      [0x6fb8, 0x407fb8n, 0x258n, 0x900n, "RW"],
    ],
  },
};

function flagsOf(s: { r: boolean; w: boolean; x: boolean }): string {
  return `${s.r ? "R" : ""}${s.w ? "W" : ""}${s.x ? "E" : ""}`;
}

function expectMatches(img: ElfImage, e: Expected, bias: bigint): void {
  expect(img.type).toBe(e.type);
  expect(img.entry).toBe(e.entry + bias);
  expect(img.phoff).toBe(64n);
  expect(img.phentsize).toBe(56);
  expect(img.phnum).toBe(e.phnum);
  expect(img.phdrVaddr).toBe(e.loads[0]![1] + 64n + bias);
  expect(img.stackExec).toBe(e.stack.includes("E"));
  expect(img.loadBias).toBe(bias);
  expect(img.segments.map((s) => [s.offset, s.vaddr - bias, s.filesz, s.memsz, flagsOf(s.flags)])).toEqual(
    e.loads,
  );
  for (const s of img.segments) expect(s.align).toBe(0x1000n);
  if (e.tls) {
    const [vaddr, filesz, memsz, align] = e.tls;
    expect(img.tls).toEqual({ vaddr: vaddr + bias, filesz, memsz, align });
  } else {
    expect(img.tls).toBeUndefined();
  }
}

describe("parseElf on the fixture binaries", () => {
  for (const [name, e] of Object.entries(READELF)) {
    it(`${name} matches readelf`, () => {
      const bytes = fixture(name);
      expect(bytes.length, `${name} was rebuilt: record its readelf -lhW values again`).toBe(e.size);
      const bias = e.type === "pie" ? DEFAULT_PIE_LOAD_BIAS : 0n;
      expectMatches(parseElf(bytes), e, bias);
    });
  }

  it("places a static PIE at the load bias asked for, and ignores it for ET_EXEC", () => {
    const bias = 0x7f0000000000n;
    expectMatches(parseElf(fixture("hello.pie"), { loadBias: bias }), READELF["hello.pie"]!, bias);
    expectMatches(parseElf(fixture("hello"), { loadBias: bias }), READELF.hello!, 0n);
  });

  it("refuses a load bias that is not page-aligned", () => {
    expect(() => parseElf(fixture("hello.pie"), { loadBias: 0x1234n })).toThrow(
      "ELF: load bias 0x1234 is not a page-aligned address",
    );
  });
});

describe("loadPlan", () => {
  it("maps hello's segments page by page, with file bytes, zeroed bss and the brk after the last page", () => {
    const bytes = fixture("hello");
    const img = parseElf(bytes);
    const { pages, brkStart } = loadPlan(bytes, img);
    // 0x400000 (1 page), 0x401000..0x479000 (0x78), 0x479000..0x4a0000 (0x27), 0x4a0000..0x4ac000 (0xc)
    expect(pages.length).toBe(1 + 0x78 + 0x27 + 0xc);
    expect(brkStart).toBe(0x4ac000n);
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.vaddr > pages[i - 1]!.vaddr).toBe(true);
    const byVa = new Map(pages.map((p) => [p.vaddr, p]));
    const at = (va: bigint): number => {
      const p = byVa.get(va & ~0xfffn)!;
      return p.bytes[Number(va & 0xfffn)]!;
    };
    for (const s of img.segments) {
      for (const k of [0n, 1n, s.filesz / 2n, s.filesz - 1n]) {
        expect(at(s.vaddr + k)).toBe(bytes[s.offset + Number(k)]);
      }
      for (let va = s.vaddr & ~0xfffn; va < s.vaddr + s.memsz; va += 0x1000n) {
        expect(byVa.get(va)!.flags).toEqual({ w: s.flags.w, x: s.flags.x });
      }
    }
    const data = img.segments[3]!;
    for (let va = data.vaddr + data.filesz; va < 0x4ac000n; va++) {
      if (at(va) !== 0) expect.fail(`bss byte at 0x${va.toString(16)} is ${at(va)}`);
    }
    // the header page holds the ELF header and the program headers (AT_PHDR points there)
    expect([...byVa.get(0x400000n)!.bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  });

  it("relocates a static PIE's pages by the load bias", () => {
    const bytes = fixture("hello.pie");
    const { pages, brkStart } = loadPlan(bytes, parseElf(bytes));
    expect(pages[0]!.vaddr).toBe(DEFAULT_PIE_LOAD_BIAS);
    expect(brkStart).toBe(DEFAULT_PIE_LOAD_BIAS + 0xb8000n); // 0xac518 + 0xb528 = 0xb7a40
  });

  it("merges a page shared by two segments: both segments' bytes, union of permissions", () => {
    // text [0x401000, 0x401800) RX from offset 0x1000, data [0x401800, 0x402100) RW from offset 0x1800
    // (0x100 bytes of file, the rest bss)
    const bytes = buildElf({
      entry: 0x401000n,
      phdrs: [
        { type: 1, flags: 5, offset: 0x1000n, vaddr: 0x401000n, filesz: 0x800n, memsz: 0x800n },
        { type: 1, flags: 6, offset: 0x1800n, vaddr: 0x401800n, filesz: 0x100n, memsz: 0x900n },
      ],
      size: 0x2000,
    });
    for (let i = 0x1000; i < 0x2000; i++) bytes[i] = (i * 7 + 1) & 0xff || 1;
    const { pages, brkStart } = loadPlan(bytes, parseElf(bytes));
    expect(pages.map((p) => [p.vaddr, p.flags])).toEqual([
      [0x401000n, { w: true, x: true }],
      [0x402000n, { w: true, x: false }],
    ]);
    expect(brkStart).toBe(0x403000n);
    const p0 = pages[0]!.bytes;
    expect(p0.subarray(0, 0x900)).toEqual(bytes.subarray(0x1000, 0x1900));
    expect(p0.subarray(0x900).every((b) => b === 0)).toBe(true);
    expect(pages[1]!.bytes.every((b) => b === 0)).toBe(true);
  });
});

interface Phdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align?: bigint;
}

/** A minimal ELF64 x86-64 file: header at 0, program headers at 64, `size` bytes in all (zero-filled). */
function buildElf(o: {
  type?: number;
  entry: bigint;
  phdrs: Phdr[];
  size?: number;
  interp?: string;
}): Uint8Array {
  const bytes = new Uint8Array(o.size ?? 0x1000);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, o.type ?? 2, true);
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, o.entry, true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, o.phdrs.length, true);
  o.phdrs.forEach((p, i) => {
    const at = 64 + i * 56;
    v.setUint32(at, p.type, true);
    v.setUint32(at + 4, p.flags, true);
    v.setBigUint64(at + 8, p.offset, true);
    v.setBigUint64(at + 16, p.vaddr, true);
    v.setBigUint64(at + 24, p.vaddr, true);
    v.setBigUint64(at + 32, p.filesz, true);
    v.setBigUint64(at + 40, p.memsz, true);
    v.setBigUint64(at + 48, p.align ?? 0x1000n, true);
  });
  if (o.interp !== undefined) bytes.set(new TextEncoder().encode(`${o.interp}\0`), 0x400);
  return bytes;
}

const TEXT: Phdr = { type: 1, flags: 5, offset: 0n, vaddr: 0x400000n, filesz: 0x1000n, memsz: 0x1000n };
const good = (over: Partial<Phdr>[] = [], extra: Phdr[] = []) =>
  buildElf({ entry: 0x400100n, phdrs: [...over.map((o) => ({ ...TEXT, ...o })), ...extra] });

function message(bytes: Uint8Array): string {
  try {
    parseElf(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as Error).message;
  }
  return "parsed";
}

function patched(bytes: Uint8Array, f: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  f(new DataView(copy.buffer), copy);
  return copy;
}

describe("parseElf refuses bad files with one line naming the problem", () => {
  const base = good([{}]);
  const cases: Array<[string, Uint8Array, string]> = [
    ["a valid file", base, "parsed"],
    ["empty", new Uint8Array(0), "ELF: file too short for an ELF header (0 bytes, need 64)"],
    ["truncated header", base.subarray(0, 63), "ELF: file too short for an ELF header (63 bytes, need 64)"],
    ["bad magic", patched(base, (_, b) => (b[3] = 0x47)), "ELF: bad magic (7f 45 4c 47, need 7f 45 4c 46)"],
    ["ELFCLASS32", patched(base, (_, b) => (b[4] = 1)), "ELF: wrong class 1 (need ELFCLASS64 = 2)"],
    ["big-endian", patched(base, (_, b) => (b[5] = 2)), "ELF: wrong data encoding 2 (need ELFDATA2LSB = 1)"],
    [
      "EI_VERSION 0",
      patched(base, (_, b) => (b[6] = 0)),
      "ELF: bad ELF version 0 in e_ident (need EV_CURRENT = 1)",
    ],
    ["EM_386", patched(base, (v) => v.setUint16(18, 3, true)), "ELF: wrong machine 3 (need EM_X86_64 = 62)"],
    [
      "ET_REL",
      patched(base, (v) => v.setUint16(16, 1, true)),
      "ELF: wrong type ET_REL (relocatable object) (need ET_EXEC or static-PIE ET_DYN)",
    ],
    [
      "ET_CORE",
      patched(base, (v) => v.setUint16(16, 4, true)),
      "ELF: wrong type ET_CORE (core dump) (need ET_EXEC or static-PIE ET_DYN)",
    ],
    [
      "ET_NONE",
      patched(base, (v) => v.setUint16(16, 0, true)),
      "ELF: wrong type 0 (need ET_EXEC or static-PIE ET_DYN)",
    ],
    [
      "dynamically linked PIE",
      buildElf({
        type: 3,
        entry: 0x100n,
        interp: "/lib64/ld-linux-x86-64.so.2",
        phdrs: [
          { type: 3, flags: 4, offset: 0x400n, vaddr: 0x400n, filesz: 28n, memsz: 28n, align: 1n },
          { ...TEXT, vaddr: 0n },
        ],
      }),
      "ELF: dynamically linked executables are not supported (PT_INTERP /lib64/ld-linux-x86-64.so.2)",
    ],
    [
      "dynamically linked ET_EXEC",
      buildElf({
        entry: 0x400100n,
        interp: "/lib/ld-musl-x86_64.so.1",
        phdrs: [
          { type: 3, flags: 4, offset: 0x400n, vaddr: 0x400400n, filesz: 25n, memsz: 25n, align: 1n },
          TEXT,
        ],
      }),
      "ELF: dynamically linked executables are not supported (PT_INTERP /lib/ld-musl-x86_64.so.1)",
    ],
    ["bad phentsize", patched(base, (v) => v.setUint16(54, 32, true)), "ELF: bad e_phentsize 32 (need 56)"],
    [
      "no program headers",
      patched(base, (v) => v.setUint16(56, 0, true)),
      "ELF: no program headers (e_phnum 0)",
    ],
    [
      "program headers past the end",
      patched(base, (v) => v.setBigUint64(32, 0xfe0n, true)),
      "ELF: program headers outside the file (e_phoff 0xfe0 + 1 × 56 > 4096 bytes)",
    ],
    [
      "program headers at a huge offset",
      patched(base, (v) => v.setBigUint64(32, 0xffffffffffffffc0n, true)),
      "ELF: program headers outside the file (e_phoff 0xffffffffffffffc0 + 1 × 56 > 4096 bytes)",
    ],
    [
      "file range outside the file",
      good([{ filesz: 0x1001n, memsz: 0x2000n }]),
      "ELF: program header 0: segment file range 0x0..0x1001 is outside the file (4096 bytes)",
    ],
    [
      "filesz > memsz",
      good([{ filesz: 0x800n, memsz: 0x7ffn }]),
      "ELF: program header 0: segment p_filesz 0x800 > p_memsz 0x7ff",
    ],
    [
      "overlapping segments",
      good([{}, { flags: 6, vaddr: 0x400800n, offset: 0x800n, filesz: 0x100n, memsz: 0x1000n }]),
      "ELF: program header 1: segment overlaps segment 0 (0x400000..0x401000)",
    ],
    [
      "a segment in the kernel half",
      good([{}, { flags: 6, vaddr: 0xffffffff81000000n, offset: 0n, memsz: 0x1000n }]),
      "ELF: program header 1: segment 0xffffffff81000000..0xffffffff81001000 is in the kernel half or non-canonical",
    ],
    [
      "a non-canonical segment",
      good([{}, { flags: 6, vaddr: 0x900000000000n, offset: 0n }]),
      "ELF: program header 1: segment 0x900000000000..0x900000001000 is in the kernel half or non-canonical",
    ],
    [
      "a segment ending above user space",
      good([{}, { flags: 6, vaddr: 0x7fffffffe000n, offset: 0n, memsz: 0x2000n }]),
      "ELF: program header 1: segment 0x7fffffffe000..0x800000000000 ends above user space (0x7ffffffff000)",
    ],
    [
      "a segment at page 0",
      good([{}, { flags: 6, vaddr: 0x1000n, offset: 0n }]),
      "ELF: program header 1: segment 0x1000..0x2000 starts below mmap_min_addr 0x10000",
    ],
    [
      "an oversized segment",
      good([{}, { flags: 6, vaddr: 0x10000000n, offset: 0n, memsz: 0x40000000n }]),
      "ELF: program header 1: segments add up to 0x40001000 bytes, more than the limit of 1 GiB",
    ],
    [
      "a 2^64-byte segment",
      good([{ memsz: 0xffffffffffffffffn }]),
      "ELF: program header 0: segments add up to 0xffffffffffffffff bytes, more than the limit of 1 GiB",
    ],
    [
      "entry point in a data segment",
      good([{ flags: 6 }]),
      "ELF: entry point 0x400100 is outside every executable segment",
    ],
    [
      "entry point past the segment",
      patched(good([{}]), (v) => v.setBigUint64(24, 0x401000n, true)),
      "ELF: entry point 0x401000 is outside every executable segment",
    ],
    [
      "vaddr and offset differ modulo the page size",
      good([{}, { flags: 6, vaddr: 0x500100n, offset: 0x200n, filesz: 0x100n, memsz: 0x100n }]),
      "ELF: program header 1: p_vaddr 0x500100 and p_offset 0x200 differ modulo the page size",
    ],
    ["no PT_LOAD", good([{ type: 4 }]), "ELF: no loadable segment (PT_LOAD with p_memsz > 0)"],
    [
      "PT_TLS filesz > memsz",
      good([{}], [{ type: 7, flags: 4, vaddr: 0x400800n, offset: 0x800n, filesz: 0x10n, memsz: 0x8n }]),
      "ELF: program header 1: PT_TLS p_filesz 0x10 > p_memsz 0x8",
    ],
    [
      "a real binary cut short",
      fixture("hello.musl").subarray(0, 0x2000),
      "ELF: program header 2: segment file range 0x2000..0x204c is outside the file (8192 bytes)",
    ],
  ];
  for (const [what, bytes, msg] of cases) {
    it(what, () => {
      const got = message(bytes);
      expect(got).toBe(msg);
      expect(got.includes("\n")).toBe(false);
    });
  }
});
