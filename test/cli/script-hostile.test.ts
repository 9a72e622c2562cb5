// issue 15: the scenario tokenizer on whitespace it did not skip, random bytes and prototype names.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/cli/script.ts";

const EXAMPLE = readFileSync(
  fileURLToPath(new URL("../../examples/scripts/fork-and-move.scen", import.meta.url)),
  "utf8",
);

describe("script: hostile scenario text ends with an answer", () => {
  // each of these made the tokenizer produce empty tokens forever (V8 heap exhaustion, exit 134)
  const spaces: [string, string][] = [
    ["a UTF-8 byte-order mark", "\uFEFF"],
    ["a vertical tab", "\v"],
    ["a form feed", "\f"],
    ["a no-break space", "\u00A0"],
    ["U+2028", "\u2028"],
  ];
  for (const [what, ch] of spaces) {
    it(`${what} is whitespace, at the start of the file and between tokens`, () => {
      const text = ch + EXAMPLE.replace(/ /g, (m, i: number) => (i % 3 === 0 ? ch : m));
      const r = runScript(text, { file: "x.scen" });
      expect(r.output).not.toMatch(/^FAIL/m);
      expect(r.exitCode).toBe(0);
    });
  }

  it("random text gets a result or a line-numbered error, never a hang", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const r = runScript(text, { file: "r.scen" });
        expect([0, 1, 2]).toContain(r.exitCode);
        if (r.exitCode === 2) expect(r.output).toMatch(/r\.scen:\d+: /);
      }),
      { seed: 15, numRuns: 100 },
    );
  });

  it("prototype names are unknown commands", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const r = runScript(`${name} a b\n`, { file: "p.scen" });
      expect(r.exitCode).toBe(2);
      expect(r.output).toContain(`p.scen:1: unknown command '${name}'`);
    }
  });
});
