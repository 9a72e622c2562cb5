import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { buildReport, renderReport } from "../../src/cli/report.ts";
import { cgroupPathAt, DENIED_NR } from "../../src/measure/compare.ts";
import { cycleBreakdown, SEGMENTS } from "../../src/measure/cycle-breakdown.ts";
import { type PointConfig, pointId } from "../../src/measure/experiment.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { buildTables, overheadVsDepthSpec } from "../../src/measure/report.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";
import type { SweepResult } from "../../src/measure/sweep.ts";

const profile = getProfile("sandybridge-2011");

/** A result line with made-up numbers: none at 200 cycles per call, a design `extra` above it. */
function fake(design: string, depth: number, mode: "filtered" | "unfiltered", extra: number): SweepResult {
  const config: PointConfig = {
    design,
    depth,
    mode,
    workload: "null",
    profile: "sandybridge-2011",
    flavour: "linux-3.1",
    count: 10,
    gap: 0,
    denied: mode === "filtered" ? 1 : 0,
    errno: "ENOSYS",
    seccompCache: true,
  };
  const callCycles = 10 * (200 + extra);
  return {
    id: pointId(config),
    experiment: "fake",
    config,
    designId: design,
    calls: 10,
    sysCycles: callCycles - 350,
    userCycles: 400,
    totalCycles: callCycles + 50,
    callCycles,
    cyclesPerCall: callCycles / 10,
    designMemoryBytes: 0,
    baseline: pointId({ ...config, design: "none" }),
    sysOverheadPct: ((10 * extra) / (2000 - 350)) * 100,
    totalOverheadPct: ((10 * extra) / 2050) * 100,
    extraCyclesPerCall: extra,
  };
}

function fakeSweep(): string {
  const dir = mkdtempSync(join(tmpdir(), "report-"));
  const rows: SweepResult[] = [];
  for (const mode of ["filtered", "unfiltered"] as const)
    for (const depth of [0, 1, 2]) {
      rows.push(fake("none", depth, mode, 0));
      rows.push(fake("cgroup-walk", depth, mode, 11 + 7 * depth));
      rows.push(fake("cgroup-tif", depth, mode, mode === "filtered" ? 413 : 0));
    }
  // and an interrupted append, which the report ignores
  writeFileSync(join(dir, "results.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n{"id":"x`);
  return dir;
}

/** the CSI that starts every SGR colour sequence */
const CSI = "\u001b[";

describe("report", () => {
  it("a design × depth table per mode, in the sweep's design order", () => {
    const dir = fakeSweep();
    const rs = readFileSync(join(dir, "results.jsonl"), "utf8")
      .split("\n")
      .slice(0, -1)
      .map((l) => JSON.parse(l));
    const t = buildTables(rs);
    expect(t.map((x) => x.title)).toEqual(["null, filtered (1 denied)", "null, unfiltered"]);
    expect(t[0]).toMatchObject({ axis: "depth", columns: [0, 1, 2] });
    expect(t[0]!.rows.map((r) => r.design)).toEqual(["none", "cgroup-walk", "cgroup-tif"]);
    expect(t[0]!.rows[1]!.cells[2]!.cyclesPerCall).toBe(225);
  });

  it("the cycle breakdown: segments add up to the measured round trip; none has no design segment", () => {
    const b = cycleBreakdown(["none", "cgroup-walk", "cgroup-tif"], ["filtered"], 2, profile);
    const measured = (design: string) =>
      runWorkload({
        workload: "null",
        count: 3,
        profile,
        design,
        setup: (m, t) => {
          const api = new CgroupHostApi(m);
          api.mkdir(cgroupPathAt(1));
          api.mkdir(cgroupPathAt(2));
          api.move(t, cgroupPathAt(2));
          api.write(`${cgroupPathAt(2)}/syscalls.deny`, DENIED_NR);
        },
      }).cyclesPerCall;
    for (const x of b) {
      expect(SEGMENTS.reduce((n, s) => n + x.segments[s], 0)).toBe(x.total);
      expect(x.total).toBe(measured(x.design));
    }
    const [none, walk, tif] = b;
    expect(none!.segments).toMatchObject({ design: 0, "tif-test": 3 });
    // the walk: 7 cycles per level, two levels plus the root's test and the pointer loads; nothing else moves
    expect(walk!.segments.design).toBe(walk!.total - none!.total);
    expect({ ...walk!.segments, design: 0 }).toEqual(none!.segments);
    // a filtered task of cgroup-tif takes tracesys and returns by IRET: a bigger exit
    expect(tif!.segments.exit).toBeGreaterThan(none!.segments.exit);
    expect(tif!.segments.body).toBe(none!.segments.body);
  });

  it("renders SVG and PNG figures with the series names, axis titles and readable size", async () => {
    const dir = fakeSweep();
    const r = await buildReport({ dir, outDir: join(dir, "out"), figures: true, json: false });
    expect(r.figures).toEqual(["overhead-vs-depth", "cycle-breakdown"]);
    const svg = readFileSync(join(dir, "out", "overhead-vs-depth.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const s of [
      "cgroup-walk",
      "cgroup-tif",
      "cgroup depth (levels below the root)",
      "sys-time overhead (%)",
      "filtered",
      "unfiltered",
    ])
      expect(svg).toContain(s);
    expect(svg).toContain("DejaVu Sans");
    const bars = readFileSync(join(dir, "out", "cycle-breakdown.svg"), "utf8");
    for (const s of [...SEGMENTS, "cycles per syscall", "cgroup-walk"]) expect(bars).toContain(s);
    for (const f of ["overhead-vs-depth.png", "cycle-breakdown.png"]) {
      const png = readFileSync(join(dir, "out", f));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      expect(width).toBeGreaterThan(600);
      expect(width).toBeLessThan(4000);
      expect(height).toBeGreaterThan(400);
      expect(height).toBeLessThan(4000);
    }
    const md = readFileSync(join(dir, "out", "report.md"), "utf8");
    expect(md).toContain("| `cgroup-walk` | 211.0 (+6.7 %) | 218.0 (+10.9 %) | 225.0 (+15.2 %) |");
    expect(md).toContain("![overhead-vs-depth](overhead-vs-depth.png)");
    expect(r.breakdown.map((b) => `${b.design} ${b.mode} ${b.depth}`)).toContain("cgroup-tif filtered 2");
  });

  it("a symmetric log axis when the overheads span orders of magnitude", () => {
    const narrow = overheadVsDepthSpec([fake("cgroup-walk", 0, "filtered", 10)], "t");
    const wide = overheadVsDepthSpec(
      [fake("cgroup-walk", 0, "filtered", 1), fake("ptrace", 0, "filtered", 8000)],
      "t",
    );
    expect(JSON.stringify(narrow)).not.toContain("symlog");
    expect(JSON.stringify(wide)).toContain("symlog");
  });

  describe("colour", () => {
    const out = process.stdout as unknown as {
      isTTY: boolean | undefined;
      hasColors: (() => boolean) | undefined;
    };
    const saved = { isTTY: out.isTTY, hasColors: out.hasColors, NO_COLOR: process.env.NO_COLOR };
    afterEach(() => {
      out.isTTY = saved.isTTY;
      out.hasColors = saved.hasColors;
      if (saved.NO_COLOR === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved.NO_COLOR;
    });

    it("no ANSI codes off a terminal or under NO_COLOR; colour on a terminal that wants it", async () => {
      const dir = fakeSweep();
      const r = await buildReport({ dir, outDir: join(dir, "out"), figures: false, json: false });
      delete process.env.NO_COLOR;
      out.isTTY = false;
      expect(renderReport(r, false)).not.toContain(CSI);
      out.isTTY = true;
      out.hasColors = () => true;
      expect(renderReport(r, false)).toContain(CSI);
      process.env.NO_COLOR = "1";
      expect(renderReport(r, false)).not.toContain(CSI);
      expect(renderReport(r, false)).toContain("225.0 (+15.2 %)");
    });
  });
});
