import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { designIds, getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import type { Task } from "../../src/kernel/task.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { loadDesignFile } from "../../src/measure/design-file.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/designs/cgroup-bytemap.ts", import.meta.url));

describe("a design in its own file (examples/designs/cgroup-bytemap.ts)", () => {
  it("loads without touching the catalogue and takes part in the comparison", async () => {
    const { id } = await loadDesignFile(EXAMPLE);
    expect(id).toBe("cgroup-bytemap");
    expect(designIds()).toContain("cgroup-bytemap");
    const r = compareDesigns({
      designs: ["none", "cgroup-composed", "cgroup-bytemap"],
      depths: [0, 2],
      workload: "null",
      count: 20,
      modes: ["filtered"],
      profile: getProfile("sandybridge-2011"),
    });
    const at = (d: string, depth: number) => r.points.find((p) => p.design === d && p.depth === depth)!;
    expect(at("cgroup-bytemap", 0).extraCyclesPerCall).toBe(at("cgroup-bytemap", 2).extraCyclesPerCall);
    expect(at("cgroup-bytemap", 0).extraCyclesPerCall).toBeGreaterThan(0);
    // one byte per syscall: 8 times the bitmap's 40 bytes of payload per cgroup
    expect(at("cgroup-bytemap", 2).designMemoryBytes).toBe(3 * 310);
  });

  it("denies what the cgroup denies", async () => {
    await loadDesignFile(EXAMPLE);
    expect(getDesign("cgroup-bytemap").id).toBe("cgroup-bytemap");
    let task: Task | null = null;
    const r = runWorkload({
      workload: "null",
      count: 3,
      profile: getProfile("sandybridge-2011"),
      design: "cgroup-bytemap",
      tif: ["audit"],
      setup: (m, t) => {
        task = t;
        expect(new CgroupHostApi(m).write("/syscalls.deny", 110)).toBe(0);
      },
    });
    expect(r.exitCode).toBe(0);
    expect(r.paths.audit).toBe(4);
    const results = task!.audit.filter((a) => a.nr === 110).map((a) => a.result);
    expect(results).toEqual([-38n, -38n, -38n]); // -ENOSYS, on the audit semi-slow path
  });

  it("a file that exports no design is a clear error", async () => {
    const notADesign = fileURLToPath(new URL("../../src/workload/null.ts", import.meta.url));
    await expect(loadDesignFile(notADesign)).rejects.toThrow(/exports no design factory/);
    await expect(loadDesignFile("/nonexistent/x.ts")).rejects.toThrow(
      "design file /nonexistent/x.ts: no such file or directory",
    );
  });
});
