// The layers the web page bundles (src/cpu … src/cgroup, the workloads, and the src/measure files the page
// imports) use no Node-only module or global, so the same code runs in the browser and in `syscall-lab`.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every repository file the page's entry module reaches through relative imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const src = readFileSync(f, "utf8");
    for (const m of src.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"/g))
      todo.push(join(dirname(f), m[1]!));
  }
  return [...seen];
}

describe("the code the web page bundles", () => {
  const files = reachable(join(ROOT, "web/main.ts"));

  it("covers the emulator's layers", () => {
    const rel = files.map((f) => f.slice(ROOT.length + 1));
    for (const dir of ["src/cpu/", "src/entry/", "src/kernel/", "src/cgroup/", "src/measure/"])
      expect(
        rel.some((f) => f.startsWith(dir)),
        dir,
      ).toBe(true);
    expect(rel).not.toContain("src/cli/main.ts");
  });

  it("imports no Node-only module and uses no Node-only global", () => {
    const bad: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, "utf8").replace(/^\s*(\/\/|\*|\/\*).*$/gm, "");
      if (/from\s+"node:|import\("node:|\brequire\(|\bBuffer\.|(?<![\w./])process\.\w|__dirname/.test(src))
        bad.push(f.slice(ROOT.length + 1));
    }
    expect(bad).toEqual([]);
  });
});
