import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DOC_FILES, regenerate } from "../../scripts/doc-blocks.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("documentation examples are real output of the current code", () => {
  for (const f of DOC_FILES) {
    it(`${f} (regenerate with: npx tsx scripts/doc-blocks.ts)`, () => {
      const text = readFileSync(`${ROOT}/${f}`, "utf8");
      expect(text).toContain("<!-- output: syscall-lab");
      expect(regenerate(text)).toBe(text);
    });
  }
});
