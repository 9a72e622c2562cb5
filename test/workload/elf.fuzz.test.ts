import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ElfError,
  type ElfImage,
  loadPlan,
  MAX_IMAGE_BYTES,
  parseElf,
  USER_SPACE_END,
} from "../../src/workload/elf.ts";

const BIN = new URL("../fixtures/bin/", import.meta.url);
const MUSL = new Uint8Array(readFileSync(new URL("hello.musl", BIN)));
const GLIBC = new Uint8Array(readFileSync(new URL("hello", BIN)));
const PIE = new Uint8Array(readFileSync(new URL("hello.pie", BIN)));
/** Time bounds: any one parse (generous, for GC pauses on a loaded machine) and the mean over a property's
 * runs (a valid glibc binary parses in well under 1 ms). */
const PARSE_MAX_MS = 500;
const PARSE_MEAN_MS = 2;
const timing = { ms: 0, n: 0 };
function expectFastOnAverage(): void {
  expect(timing.ms / timing.n).toBeLessThan(PARSE_MEAN_MS);
  timing.ms = 0;
  timing.n = 0;
}

/** The invariants a returned image must satisfy. */
function checkImage(img: ElfImage, length: number): void {
  let total = 0n;
  for (let i = 0; i < img.segments.length; i++) {
    const s = img.segments[i]!;
    expect(s.filesz <= s.memsz).toBe(true);
    expect(s.offset + Number(s.filesz) <= length).toBe(true);
    expect(s.vaddr + s.memsz <= USER_SPACE_END).toBe(true);
    if (i > 0) {
      const p = img.segments[i - 1]!;
      expect(p.vaddr + p.memsz <= s.vaddr).toBe(true);
    }
    total += s.memsz;
  }
  expect(total <= MAX_IMAGE_BYTES).toBe(true);
  expect(img.segments.some((s) => s.flags.x && img.entry >= s.vaddr && img.entry < s.vaddr + s.memsz)).toBe(
    true,
  );
}

function parseOrElfError(bytes: Uint8Array): ElfImage | undefined {
  const t0 = performance.now();
  let img: ElfImage | undefined;
  try {
    img = parseElf(bytes);
  } catch (e) {
    if (!(e instanceof ElfError)) throw new Error(`parseElf threw a non-ElfError: ${String(e)}`);
    expect(e.message).toMatch(/^ELF: [^\n]+$/);
  }
  const ms = performance.now() - t0;
  expect(ms).toBeLessThan(PARSE_MAX_MS);
  timing.ms += ms;
  timing.n++;
  if (img) checkImage(img, bytes.length);
  return img;
}

/** Header fields worth overwriting: [offset, size in bytes] of e_ident bytes, ELF header and program header 0..3 fields. */
const FIELDS: Array<[number, number]> = [
  [4, 1],
  [5, 1],
  [6, 1],
  [16, 2],
  [18, 2],
  [24, 8],
  [32, 8],
  [54, 2],
  [56, 2],
];
for (let i = 0; i < 4; i++) {
  const at = 64 + i * 56;
  FIELDS.push([at, 4], [at + 4, 4], [at + 8, 8], [at + 16, 8], [at + 32, 8], [at + 40, 8], [at + 48, 8]);
}

type Mutation =
  | { kind: "flip"; pos: number; bit: number }
  | { kind: "byte"; pos: number; value: number }
  | { kind: "field"; field: number; value: bigint }
  | { kind: "truncate"; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), pos: fc.nat({ max: 511 }), bit: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant("byte" as const),
    pos: fc.nat({ max: 1 << 20 }),
    value: fc.nat({ max: 255 }),
  }),
  fc.record({
    kind: fc.constant("field" as const),
    field: fc.nat({ max: FIELDS.length - 1 }),
    value: fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: 0x10000n }),
      fc.constantFrom(0n, 1n, 0x1000n, 0x400000n, 0x7ffffffff000n, 0x800000000000n, (1n << 64n) - 1n),
    ),
  }),
  fc.record({ kind: fc.constant("truncate" as const), length: fc.nat({ max: 1 << 20 }) }),
);

function apply(base: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = base.slice();
  for (const m of muts) {
    switch (m.kind) {
      case "flip":
        b[m.pos % b.length]! ^= 1 << m.bit;
        break;
      case "byte":
        if (b.length > 0) b[m.pos % b.length] = m.value;
        break;
      case "field": {
        const [at, size] = FIELDS[m.field]!;
        for (let i = 0; i < size && at + i < b.length; i++)
          b[at + i] = Number((m.value >> BigInt(8 * i)) & 0xffn);
        break;
      }
      case "truncate":
        b = b.subarray(0, m.length % (b.length + 1));
        break;
    }
  }
  return b;
}

describe("parseElf under fuzzing: an image satisfying the invariants, or one ElfError line", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        parseOrElfError(bytes);
      }),
      { numRuns: 2000, seed: 1 },
    );
    expectFastOnAverage();
  });

  it("random bytes behind a valid ELF64 x86-64 identification", () => {
    const ident = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 800 }), fc.constantFrom(2, 3), (bytes, type) => {
        bytes.set(ident);
        bytes[16] = type;
        bytes[17] = 0;
        bytes[18] = 62;
        bytes[19] = 0;
        bytes[54] = 56;
        bytes[55] = 0;
        bytes[32] = 64;
        for (let i = 33; i < 40; i++) bytes[i] = 0;
        parseOrElfError(bytes);
      }),
      { numRuns: 2000, seed: 2 },
    );
    expectFastOnAverage();
  });

  for (const [name, base, runs] of [
    ["hello.musl", MUSL, 1500],
    ["hello.pie", PIE, 150],
    ["hello (glibc)", GLIBC, 150],
  ] as const) {
    it(`mutated ${name}`, () => {
      let parsed = 0;
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
          const bytes = apply(base, muts);
          const img = parseOrElfError(bytes);
          if (img) {
            parsed++;
            const total = img.segments.reduce((a, s) => a + s.memsz, 0n);
            if (total <= 1n << 22n) {
              const plan = loadPlan(bytes, img);
              expect(plan.brkStart % 4096n).toBe(0n);
              for (const p of plan.pages) expect(p.bytes.length).toBe(4096);
            }
          }
        }),
        { numRuns: runs, seed: 3 },
      );
      expectFastOnAverage();
      // the mutations leave some files valid: the accepting path is exercised too
      expect(parsed).toBeGreaterThan(0);
    });
  }
});
