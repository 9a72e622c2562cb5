import { describe, expect, it } from "vitest";
import { parseDepths, parseDesigns } from "../../src/cli/compare.ts";
import { type CompareResult, cgroupPathAt, compareDesigns, readDesign } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";

const profile = getProfile("sandybridge-2011");

function fake(design: string, extras: Record<"filtered" | "unfiltered", number[]>): CompareResult {
  const points = (["filtered", "unfiltered"] as const).flatMap((mode) =>
    extras[mode].map((x, depth) => ({
      design,
      depth,
      mode,
      calls: 100,
      sysCycles: 100 * (200 + x),
      totalCycles: 0,
      cyclesPerCall: 200 + x,
      sysOverheadPct: (x / 200) * 100,
      totalOverheadPct: 0,
      extraCyclesPerCall: x,
      designMemoryBytes: 0,
      paths: { fast: 0, audit: 0, trace: 0, badsys: 0, sysret: 0, iret: 0 },
    })),
  );
  return {
    workload: "null",
    profile: "p",
    count: 100,
    gap: 0,
    deniedNr: 169,
    flavour: "linux-3.1",
    pti: false,
    ran: [design],
    skipped: [],
    points,
    enforcesNothing: [],
  };
}

describe("compare", () => {
  it("places the task at the asked depth", () => {
    expect([0, 1, 3].map(cgroupPathAt)).toEqual(["/", "/l1", "/l1/l2/l3"]);
  });

  it("is exact and deterministic, and none is the zero of every column", () => {
    const opts = {
      designs: ["none", "cgroup-composed"],
      depths: [0, 1],
      workload: "null",
      count: 30,
      modes: ["filtered", "unfiltered"] as const,
      profile,
    };
    const a = compareDesigns({ ...opts, modes: [...opts.modes] });
    const b = compareDesigns({ ...opts, modes: [...opts.modes] });
    expect(b).toEqual(a);
    for (const p of a.points.filter((x) => x.design === "none")) {
      expect([p.sysOverheadPct, p.totalOverheadPct, p.extraCyclesPerCall]).toEqual([0, 0, 0]);
    }
    for (const p of a.points) expect(p.calls).toBe(30);
  });

  it("reads a design's numbers in one line", () => {
    expect(readDesign(fake("w", { filtered: [11, 18, 25], unfiltered: [11, 18, 25] }), "w")).toBe(
      "filtered and unfiltered tasks alike: +11.0 cycles/call (+5.5 % sys) at depth 0, +7.0 cycles per level",
    );
    expect(readDesign(fake("t", { filtered: [480, 480], unfiltered: [0, 0] }), "t")).toBe(
      "filtered tasks: +480.0 cycles/call (+240.0 % sys) at depth 0, constant with depth; unfiltered tasks: no cost at all (identical cycles to none)",
    );
    expect(readDesign(fake("n", { filtered: [1, 5, 6], unfiltered: [1, 5, 6] }), "n")).toContain(
      "+6.0 at depth 2",
    );
    expect(readDesign(fake("none", { filtered: [0], unfiltered: [0] }), "none")).toContain("baseline");
  });

  it("parses --designs and --depth, with clear errors", () => {
    expect(parseDepths("0..3")).toEqual([0, 1, 2, 3]);
    expect(parseDepths("2")).toEqual([2]);
    expect(parseDepths("0,2,5")).toEqual([0, 2, 5]);
    expect(() => parseDepths("x")).toThrow(/--depth must be N, A..B or a comma-separated list/);
    expect(() => parseDepths("0..99")).toThrow(/at most 32 levels/);
    expect(parseDesigns("cgroup-walk")).toEqual(["none", "cgroup-walk"]);
    expect(parseDesigns("all")[0]).toBe("none");
    expect(() => parseDesigns("nope")).toThrow(/unknown design 'nope'/);
  });
});
