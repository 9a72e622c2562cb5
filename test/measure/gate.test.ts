import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../src/cli/check.ts";
import { type Baseline, checkAgainst, measureSuite, pointKey, readBaseline } from "../../src/measure/gate.ts";
import { getProfile } from "../../src/measure/profile.ts";

const profile = getProfile("sandybridge-2011");
const SMALL = {
  workloads: ["null"],
  designs: ["none", "cgroup-walk"],
  depths: [0, 1],
  modes: ["filtered" as const],
  count: 5,
};

describe("the overhead regression gate", () => {
  const base = measureSuite(SMALL, profile);

  it("passes on its own baseline: every point the same", () => {
    const r = checkAgainst(base, measureSuite(SMALL, profile), 0);
    expect(r.ok).toBe(true);
    expect(r.rows.every((x) => x.verdict === "same")).toBe(true);
    expect(r.rows).toHaveLength(4);
  });

  it("fails on an injected regression beyond the tolerance, and names the point", () => {
    const key = pointKey("cgroup-walk", "null", 1, "filtered");
    const lowered: Baseline = { ...base, points: { ...base.points, [key]: base.points[key]! - 1 } };
    const r = checkAgainst(lowered, base, 0);
    expect(r.ok).toBe(false);
    const row = r.rows.find((x) => x.key === key)!;
    expect(row.verdict).toBe("regression");
    expect(row.changePct).toBeCloseTo((base.points[key]! / (base.points[key]! - 1) - 1) * 100, 10);
    // within a generous tolerance the same rise is only "worse"
    expect(checkAgainst(lowered, base, 5).ok).toBe(true);
  });

  it("reports improvements, new and missing points; a missing point fails", () => {
    const key = pointKey("none", "null", 0, "filtered");
    const raised: Baseline = {
      ...base,
      points: { ...base.points, [key]: base.points[key]! + 10, "gone x": 1 },
    };
    const r = checkAgainst(raised, base, 0);
    expect(r.rows.find((x) => x.key === key)!.verdict).toBe("better");
    expect(r.rows.find((x) => x.key === "gone x")!.verdict).toBe("missing");
    expect(r.ok).toBe(false);
  });

  it("the committed baseline is readable and covers every design of the standard suite", () => {
    const b = readBaseline("bench/baseline.json");
    expect(b.profile).toBe("sandybridge-2011");
    for (const d of b.suite.designs)
      expect(Object.keys(b.points).some((k) => k.startsWith(`${d} `))).toBe(true);
  });

  it("bad baselines are clear errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "gate-"));
    const f = join(dir, "b.json");
    writeFileSync(f, "{ nope");
    expect(() => readBaseline(f)).toThrow(/cannot read baseline/);
    writeFileSync(f, JSON.stringify({ schema: 2 }));
    expect(() => readBaseline(f)).toThrow(/not a syscall-lab baseline/);
    expect(() =>
      runCheck({ baseline: join(dir, "none.json"), tolerancePct: 0, update: false, profile, json: false }),
    ).toThrow(/no baseline at/);
    expect(readFileSync(f, "utf8")).toContain("schema");
  });
});
