import { describe, expect, it } from "vitest";
import { baselineOf, expandPoints, pointId, validateExperiment } from "../../src/measure/experiment.ts";
import { parseShard, shardPoints } from "../../src/measure/sweep-shard.ts";

const exp = validateExperiment(
  {
    name: "s",
    axes: { designs: ["cgroup-walk", "seccomp-bpf"], depths: [0, 1, 2], workloads: ["null", "sowa-micro"] },
  },
  "s.json",
);
const points = expandPoints(exp).points;

describe("--shard K/N", () => {
  it("parses K/N and says what is wrong otherwise", () => {
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    expect(parseShard(" 3/8 ")).toEqual({ index: 3, count: 8 });
    expect(parseShard("0/4")).toBe("--shard: K must be from 1 to 4, got 0");
    expect(parseShard("1/0")).toBe("--shard: N must be from 1 to 10000, got 0");
    expect(parseShard("1/4/2")).toBe("--shard must be K/N (for example 2/4), got '1/4/2'");
  });

  it("every point in exactly one shard, in the experiment's order, baselines with their design points", () => {
    for (const n of [1, 2, 3, 5, 24, 30]) {
      const slices = Array.from({ length: n }, (_, k) => shardPoints(points, { index: k + 1, count: n }));
      expect(
        slices
          .flat()
          .map((p) => p.id)
          .sort(),
      ).toEqual(points.map((p) => p.id).sort());
      for (const s of slices) {
        // each slice keeps the experiment's order and holds the none point of each of its design points
        expect(s.map((p) => points.indexOf(p))).toEqual(
          [...s.map((p) => points.indexOf(p))].sort((a, b) => a - b),
        );
        const ids = new Set(s.map((p) => p.id));
        for (const p of s) expect(ids.has(pointId(baselineOf(p.config)))).toBe(true);
      }
      // sizes differ by at most one group (3 points: none and two designs)
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(3);
    }
  });

  it("is deterministic: the same slice on every run", () => {
    expect(shardPoints(points, { index: 2, count: 3 })).toEqual(shardPoints(points, { index: 2, count: 3 }));
  });
});
