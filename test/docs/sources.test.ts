// Everything the docs, the profiles and the code cite is in the repository: docs/sources.md restates the published
// figures and facts, and every `sources.md#anchor` cited names one of its anchors.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validationRows } from "../../src/measure/validation.ts";

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(n) ? [p] : [];
  });
}

const CITING = [
  ...files("src", /\.ts$/),
  ...files("docs", /\.md$/),
  ...files("examples", /\.(ts|mjs)$/),
  "README.md",
];
const sources = readFileSync("docs/sources.md", "utf8");
const anchors = new Set([...sources.matchAll(/<a id="([\w.-]+)"><\/a>/g)].map((m) => m[1]));

describe("docs/sources.md: citations stay inside the repository", () => {
  it("no file cites the reference notes or the seed outside the repository", () => {
    for (const f of CITING) {
      const text = readFileSync(f, "utf8");
      for (const name of [
        "overhead-figures.md",
        "linux-entry-facts.md",
        "simulator-anchors.md",
        "shared/reference",
        "shared/seed",
        "seed/000_",
        "DESIGN.md",
      ])
        expect(text.includes(name), `${f} cites ${name}`).toBe(false);
    }
  });

  it("every sources.md#anchor cited exists", () => {
    let cited = 0;
    for (const f of CITING) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/sources\.md((?:#[\w.-]+(?: item \d+)?(?:, )?)+)/g)) {
        for (const a of m[1]!.matchAll(/#([\w.-]+)/g)) {
          cited++;
          expect(anchors.has(a[1]), `${f}: sources.md#${a[1]}`).toBe(true);
        }
      }
    }
    expect(cited).toBeGreaterThan(300);
  });

  it("validate's rows cite sources.md", () => {
    for (const r of validationRows()) expect(r.source, r.source).toMatch(/sources\.md#|\w+ 20\d\d/);
  });
});
