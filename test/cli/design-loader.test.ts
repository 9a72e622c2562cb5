import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import {
  inspectDesignFile,
  isDesignPath,
  MAX_DESIGN_FILE_BYTES,
  resolveDesign,
  resolveDesignList,
  setAnnounce,
} from "../../src/cli/design-loader.ts";
import { UsageError } from "../../src/cli/output.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/designs/cgroup-bytemap.ts", import.meta.url));
const said: string[] = [];
setAnnounce((m) => said.push(m));

/** A design file whose top-level code leaves a marker file behind when it runs. */
function markerDesign(dir: string, name: string, body = ""): { path: string; marker: string } {
  const marker = join(dir, `${name}.ran`);
  const path = join(dir, name);
  writeFileSync(
    path,
    `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\n${body}`,
  );
  return { path, marker };
}

/** A design with empty hooks: it compiles nothing in, so it denies nothing. */
const EMPTY_DESIGN = `export default function emptyDesign() {
  return {
    id: "empty-hooks", title: "enforces nothing", seed: "-", expectation: "-",
    kernel: () => ({ hooks: {} }), attach() {}, cgroupCreated() {}, cgroupRemoved() {}, policyChanged() {},
    taskAttached() {}, memoryBytes: () => 0,
  };
}
`;

describe("the design loader (src/cli/design-loader.ts)", () => {
  it("ids and paths: a path has a directory part or a module extension", () => {
    expect(isDesignPath("cgroup-walk")).toBe(false);
    expect(isDesignPath("./x.ts")).toBe(true);
    expect(isDesignPath("x.mjs")).toBe(true);
    expect(isDesignPath("../my/design.ts")).toBe(true);
  });

  it("prototype names are unknown ids, not JS internals", async () => {
    for (const id of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      await expect(resolveDesign(id)).rejects.toThrow(new RegExp(`^unknown design "${id}"`));
      await expect(resolveDesign(id)).rejects.toBeInstanceOf(UsageError);
      expect(() => getDesign(id)).toThrow(/unknown design/);
    }
  });

  it("a design file is validated before it is imported: a rejected file's top-level code never runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "design-loader-"));
    const txt = markerDesign(dir, "design.txt");
    await expect(resolveDesign(txt.path)).rejects.toThrow(
      /expected a \.ts, \.mts, \.js, \.mjs module, got '\.txt'/,
    );
    const big = markerDesign(dir, "big.mjs", `// ${"x".repeat(MAX_DESIGN_FILE_BYTES)}\n`);
    await expect(resolveDesign(big.path)).rejects.toThrow(/larger than the 1 MiB limit/);
    const none = markerDesign(dir, "none.mjs", "export const x = 1;\n");
    mkdirSync(join(dir, "dir.mjs"));
    await expect(resolveDesign(join(dir, "dir.mjs"))).rejects.toThrow(/not a regular file/);
    await expect(resolveDesign(join(dir, "missing.mjs"))).rejects.toThrow(/no such file/);
    writeFileSync(join(dir, "empty.mjs"), "");
    await expect(resolveDesign(join(dir, "empty.mjs"))).rejects.toThrow(/empty file/);
    expect(existsSync(txt.marker)).toBe(false);
    expect(existsSync(big.marker)).toBe(false);
    // accepted by the checks, imported, and refused for what it exports: the CLI had said it would run it
    said.length = 0;
    await expect(resolveDesign(none.path)).rejects.toThrow(/exports no design factory/);
    expect(existsSync(none.marker)).toBe(true);
    expect(said).toEqual([
      `executing design file ${none.path} (a design file is code that runs with your privileges)`,
    ]);
  });

  it("loads a design file once, says so, and returns its id and sha256", async () => {
    said.length = 0;
    const r = await resolveDesign(EXAMPLE);
    const sha = createHash("sha256").update(readFileSync(EXAMPLE)).digest("hex");
    expect(r).toEqual({ id: "cgroup-bytemap", file: EXAMPLE, sha256: sha });
    expect(inspectDesignFile(EXAMPLE).sha256).toBe(sha);
    expect(await resolveDesign(EXAMPLE)).toBe(r);
    expect(await resolveDesign("cgroup-bytemap")).toBe(r);
    expect(said).toHaveLength(1);
    const list = await resolveDesignList(`all, ${EXAMPLE}`);
    expect(list.map((d) => d.id)).toEqual(["all", "cgroup-bytemap"]);
    await expect(resolveDesignList("none,,cgroup-walk")).rejects.toThrow(/empty design in the list/);
  });

  it("compare flags a design whose hooks are empty: the probe's denied call got through", async () => {
    const dir = mkdtempSync(join(tmpdir(), "design-loader-"));
    writeFileSync(join(dir, "empty.mjs"), EMPTY_DESIGN);
    const { id } = await resolveDesign(join(dir, "empty.mjs"));
    const r = compareDesigns({
      designs: ["none", id, "cgroup-composed", "ptrace-log"],
      depths: [0, 1],
      workload: "null",
      count: 10,
      modes: ["filtered", "unfiltered"],
      profile: getProfile("sandybridge-2011"),
    });
    // ptrace-log only logs: it denies nothing either, and is flagged as such
    expect(r.enforcesNothing).toEqual(["empty-hooks", "ptrace-log"]);
    const p = r.points.find((x) => x.design === id && x.mode === "filtered")!;
    expect(p.extraCyclesPerCall).toBe(0);
  });
});
