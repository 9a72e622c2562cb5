// Shared file mappings (src/kernel/mm.ts, src/kernel/fs/page-cache.ts): the fixture test/fixtures/src/shmap.c on
// linux-3.1 against its native run (linux-generic: exec-generic.test.ts), and the page cache's life.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { PhysicalMemory } from "../../src/cpu/memory.ts";
import { cacheGet, cachePage, cachePut, cacheToData, dataToCache } from "../../src/kernel/fs/page-cache.ts";
import type { RegFile } from "../../src/kernel/vfs.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;

describe("shmap: MAP_SHARED file mappings (native run in test/fixtures/expected)", () => {
  for (const bin of ["shmap", "shmap.musl"]) {
    it(`${bin} on linux-3.1`, () => {
      const r = runExec({ program: `${FIX}bin/${bin}`, args: [], profile: getProfile("sandybridge-2011") });
      expect(r.stdout).toBe(readFileSync(`${FIX}expected/shmap.stdout`, "utf8"));
      expect(r.exitCode).toBe(0);
    });
  }
});

describe("the page cache of a mapped file", () => {
  it("frames hold the file's pages, go back to the bytes, and are freed with the last mapping", () => {
    const phys = new PhysicalMemory({ maxBytes: 1 << 20 });
    const r: RegFile = { data: new Uint8Array(5000).fill(65), writable: true };
    const before = phys.framesInUse;
    cacheGet(phys, r);
    cacheGet(phys, r);
    const pa = cachePage(r, 1);
    expect(phys.bytes[pa + 5000 - 4096 - 1]).toBe(65);
    expect(phys.bytes[pa + 5000 - 4096]).toBe(0); // past the end of the file
    phys.bytes[pa] = 66; // a store through a mapping
    cacheToData(r);
    expect(r.data[4096]).toBe(66);
    r.data = r.data.slice(0, 10); // a truncate: page 1 is past the end now
    dataToCache(r);
    expect(phys.framesInUse).toBe(before);
    cachePage(r, 0);
    cachePut(r);
    expect(phys.framesInUse).toBe(before + 1);
    cachePut(r);
    expect(phys.framesInUse).toBe(before);
  });
});
