// docs/designs.md's catalogue lists every built-in design, each marked built.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DESIGNS } from "../../src/cgroup/designs/index.ts";

describe("docs/designs.md catalogue", () => {
  it("has a row per built-in design, marked built, and no 'to do'", () => {
    const doc = readFileSync("docs/designs.md", "utf8");
    const table = doc.slice(doc.indexOf("## Catalogue"), doc.indexOf("Measured (sandybridge-2011"));
    const rows = new Map(
      [...table.matchAll(/^\| `([\w-]+)`\s*\|.*\|\s*([\w ]+?)\s*\|$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(table).not.toMatch(/to do/);
    for (const id of Object.keys(DESIGNS)) {
      if (id === "seccomp-bpf-args") continue; // shares seccomp-bpf's row ("+ `seccomp-bpf-args`")
      expect(rows.get(id), id).toBe("built");
    }
  });
});
