import { describe, expect, it } from "vitest";
import { claims2011 } from "../../src/measure/claims.ts";
import { compareDesigns } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { SOWA_BENCHMARKS, sowa2011 } from "../../src/measure/sowa-2011.ts";

const SB = getProfile("sandybridge-2011");

describe("the 2011 benchmarks as published", () => {
  const rows = sowa2011(SB, { iterations: 200, designs: ["cgroup-walk", "cgroup-sowa"], depths: [0, 1] });
  it("gives every program at both depths under both designs", () => {
    expect(rows).toHaveLength(SOWA_BENCHMARKS.length * 2 * 2);
    for (const r of rows) expect(r.sysOverheadPct).toBeGreaterThan(0);
  });
  it("cgroup-walk costs more at the first level than at the root; the published patch the same", () => {
    for (const b of SOWA_BENCHMARKS) {
      const at = (d: string, depth: number) =>
        rows.find((r) => r.benchmark === b.id && r.design === d && r.depth === depth)!.sysCycles;
      expect(at("cgroup-walk", 1)).toBeGreaterThan(at("cgroup-walk", 0));
      expect(at("cgroup-sowa", 1)).toBe(at("cgroup-sowa", 0));
    }
  });
  it("the claims' 5 % and 8 % rows are the mean over the four programs", () => {
    const r = compareDesigns({
      designs: ["cgroup-walk"],
      depths: [0, 1],
      workload: "null",
      count: 10,
      modes: ["filtered"],
      profile: SB,
    });
    const c = claims2011(r, rows);
    const mean = (depth: number) => {
      const w = rows.filter((x) => x.design === "cgroup-walk" && x.depth === depth);
      return w.reduce((a, x) => a + x.sysOverheadPct, 0) / w.length;
    };
    expect(c[0]!.model).toBeCloseTo(mean(0), 12);
    expect(c[1]!.model).toBeCloseTo(mean(1), 12);
    expect(c[0]!.note).toContain("four 2011 programs");
  });
});
