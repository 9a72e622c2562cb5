// docs/api.md: the example is the file examples/api/compare.mjs, and its output is what the file prints.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";

describe("docs/api.md", () => {
  const doc = readFileSync("docs/api.md", "utf8");
  it("shows examples/api/compare.mjs as it is", () => {
    const shown = /```js\n([\s\S]*?)```/.exec(doc)![1];
    expect(shown).toBe(readFileSync("examples/api/compare.mjs", "utf8"));
  });
  it("shows what it prints", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
      lines.push(a.join(" "));
    });
    try {
      await import(new URL("../../examples/api/compare.mjs", import.meta.url).href);
    } finally {
      spy.mockRestore();
    }
    const printed = /It prints:\n\n```text\n([\s\S]*?)```/.exec(doc)![1];
    expect(`${lines.join("\n")}\n`).toBe(printed);
  });
});
