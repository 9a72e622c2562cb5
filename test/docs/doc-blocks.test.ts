// Every `<!-- output: syscall-lab ARGS -->` block of the docs is what the command prints now. One test per block,
// run concurrently (each is a child process), so the longest block, not the sum of them, bounds this file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { blockOutput, DOC_FILES, outputBlocks } from "../../scripts/doc-blocks.ts";
import { ROOT } from "../helpers/cli.ts";

describe.concurrent("documentation examples are real output of the current code", () => {
  for (const f of DOC_FILES) {
    const text = readFileSync(`${ROOT}${f}`, "utf8");
    const blocks = outputBlocks(text);
    it(`${f} has output blocks, every one well formed`, () => {
      expect(text).toContain("<!-- output: syscall-lab");
      // a marker the block pattern does not take would never be checked
      expect(blocks).toHaveLength(text.split("<!-- output: syscall-lab").length - 1);
    });
    blocks.forEach((b, i) => {
      it(`${f} block ${i + 1}: syscall-lab${b.spec === "" ? "" : ` ${b.spec}`} (regenerate with: npx tsx scripts/doc-blocks.ts)`, async () => {
        expect(await blockOutput(b.spec, true)).toBe(b.output);
      }, 300_000);
    });
  }
});
