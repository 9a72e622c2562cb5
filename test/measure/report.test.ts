import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { UsageError } from "../../src/cli/output.ts";
import { buildReport, renderReport } from "../../src/cli/report.ts";
import { cgroupPathAt, DENIED_NR } from "../../src/measure/compare.ts";
import { cycleBreakdown, SEGMENTS } from "../../src/measure/cycle-breakdown.ts";
import { type PointConfig, pointId } from "../../src/measure/experiment.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { toolVersion } from "../../src/measure/provenance.ts";
import { buildTables, DEFAULT_FIGURE, figureTitle, overheadVsDepthSpec } from "../../src/measure/report.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";
import type { SweepResult } from "../../src/measure/sweep.ts";
import { measureBreakdown } from "../../src/measure/sweep-breakdown.ts";

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
    provenance: {
      version: toolVersion(),
      commit: null,
      profileSha256: "a".repeat(64),
      designSha256: /\.(ts|js|mjs)$/.test(design) ? "b".repeat(64) : null,
    },
    probeDenied: design === "none" ? null : true,
  };
}

const FIG = { ...DEFAULT_FIGURE, title: ["t"] };

function fakeSweep(): string {
  const dir = mkdtempSync(join(tmpdir(), "report-"));
  const rows: SweepResult[] = [];
  for (const mode of ["filtered", "unfiltered"] as const)
    for (const depth of [0, 1, 2]) {
      rows.push(fake("none", depth, mode, 0));
      rows.push(fake("cgroup-walk", depth, mode, 11 + 7 * depth));
      rows.push(fake("cgroup-tif", depth, mode, mode === "filtered" ? 413 : 0));
    }
  // and an interrupted append, which the report skips with a warning
  writeFileSync(join(dir, "results.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n{"id":"x`);
  writeFileSync(join(dir, "breakdown.json"), JSON.stringify(breakdownFile));
  return dir;
}

const breakdownSpec = {
  designs: ["none", "cgroup-walk", "cgroup-tif"],
  modes: ["filtered", "unfiltered"] as ("filtered" | "unfiltered")[],
  depth: 2,
  profile: "sandybridge-2011",
  seccompCache: true,
};
const breakdownFile = {
  spec: breakdownSpec,
  key: `${toolVersion()}|${"a".repeat(64)}|none=-|cgroup-walk=-|cgroup-tif=-`,
  rows: await measureBreakdown(breakdownSpec),
};

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
    const r = await buildReport({ dirs: [dir], outDir: join(dir, "out"), figures: true, json: false });
    expect(r.figures).toEqual(["overhead-vs-depth", "cycle-breakdown"]);
    expect(r.warnings).toEqual([
      `${join(dir, "results.jsonl")}:19: incomplete last line skipped (an interrupted write; the next sweep runs that point again)`,
    ]);
    const pdf = readFileSync(join(dir, "out", "overhead-vs-depth.pdf"));
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
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
    // 20x is the line: cgroup-walk at 1 extra cycle against ptrace at 19 stays linear, at 21 it does not
    const narrow = overheadVsDepthSpec(
      [fake("cgroup-walk", 0, "filtered", 1), fake("ptrace", 0, "filtered", 19)],
      FIG,
    );
    const wide = overheadVsDepthSpec(
      [fake("cgroup-walk", 0, "filtered", 1), fake("ptrace", 0, "filtered", 21)],
      FIG,
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
      const r = await buildReport({ dirs: [dir], outDir: join(dir, "out"), figures: false, json: false });
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

  it("a design keeps its colour, marker and dash in every figure, whatever the list order; the legend shows its id", () => {
    const a = overheadVsDepthSpec(
      [fake("ptrace", 0, "filtered", 9), fake("cgroup-walk", 0, "filtered", 1)],
      FIG,
    );
    const b = overheadVsDepthSpec(
      [
        fake("cgroup-walk", 0, "filtered", 1),
        fake("seccomp-bpf", 0, "filtered", 3),
        fake("ptrace", 0, "filtered", 9),
      ],
      FIG,
    );
    const styleOf = (spec: unknown, id: string) => {
      const enc = (
        spec as { spec: { encoding: Record<string, { scale: { domain: string[]; range: unknown[] } }> } }
      ).spec.encoding;
      return ["color", "shape", "strokeDash"].map(
        (k) => enc[k]!.scale.range[enc[k]!.scale.domain.indexOf(id)],
      );
    };
    expect(styleOf(a, "ptrace")).toEqual(styleOf(b, "ptrace"));
    expect(styleOf(a, "cgroup-walk")).toEqual(styleOf(b, "cgroup-walk"));
    expect(styleOf(a, "ptrace")).not.toEqual(styleOf(a, "cgroup-walk"));
    // a design file: shown by the id the sweep recorded, not the file name
    const file = { ...fake("/home/me/x.ts", 0, "filtered", 4), designId: "my-bitmap" };
    const spec = JSON.stringify(overheadVsDepthSpec([file], FIG));
    expect(spec).toContain("my-bitmap");
    expect(spec).not.toContain("x.ts");
  });

  it("titles come from the experiment's description: its first sentence, wrapped", () => {
    expect(figureTitle("e", "")).toEqual(["e"]);
    expect(figureTitle("e", "Short one. And more.")).toEqual(["Short one."]);
    const long = figureTitle("e", `${"word ".repeat(60)}end.`);
    expect(long).toHaveLength(3);
    expect(long.every((l) => l.length <= 81)).toBe(true);
  });

  it("never imports a design file named in results.jsonl: it reads the recorded id and hash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-evil-"));
    const marker = join(dir, "ran");
    const evil = join(dir, "evil.ts");
    writeFileSync(
      evil,
      `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "x"); export default () => ({});`,
    );
    const rows = [0, 1].flatMap((depth) => [
      fake("none", depth, "filtered", 0),
      { ...fake(evil, depth, "filtered", 5), designId: "evil" },
    ]);
    writeFileSync(join(dir, "results.jsonl"), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const r = await buildReport({ dirs: [dir], outDir: dir, figures: true, json: false, formats: ["svg"] });
    expect(r.tables[0]!.rows.map((x) => x.design)).toEqual(["none", "evil"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses invalid results lines with the file, line, field and what was expected", async () => {
    const at = (content: string) => {
      const dir = mkdtempSync(join(tmpdir(), "report-bad-"));
      writeFileSync(join(dir, "results.jsonl"), content);
      return { dir, file: join(dir, "results.jsonl") };
    };
    const run = (dir: string) => buildReport({ dirs: [dir], outDir: dir, figures: false, json: false });
    const good = fake("cgroup-walk", 1, "filtered", 7);
    const cases: [string, string][] = [
      ["{}\n", "1: id: is missing (written by an older syscall-lab? sweep into a new directory)"],
      ["[1]\n", "1: (line): must be a JSON object, got an array"],
      [`${JSON.stringify(good)}\n{"id":\n`, "2: not valid JSON"],
      [
        `${JSON.stringify({ ...good, cyclesPerCall: "x" })}\n`,
        '1: cyclesPerCall: must be a finite number, got "x"',
      ],
      [
        `${JSON.stringify({ ...good, config: { ...good.config, depth: 1000000 } })}\n`,
        "1: config.depth: must be an integer 0..32, got 1000000",
      ],
      [
        `${JSON.stringify({ ...good, id: "0000000000000000" })}\n`,
        `1: id: does not match the configuration (its id is ${good.id}, got "0000000000000000")`,
      ],
      [
        `${JSON.stringify(good)}\n${JSON.stringify({ ...good, callCycles: 1 })}\n`,
        `2: id ${good.id} repeats line 1 with different numbers`,
      ],
    ];
    for (const [content, msg] of cases) {
      const { dir, file } = at(content);
      await expect(run(dir)).rejects.toThrow(new UsageError(`${file}:${msg}`).message);
    }
  });

  it("merging refuses points from another tool version or other profile contents, naming the field", async () => {
    const d1 = mkdtempSync(join(tmpdir(), "report-m1-"));
    const d2 = mkdtempSync(join(tmpdir(), "report-m2-"));
    const a = fake("cgroup-walk", 1, "filtered", 7);
    const b = fake("cgroup-walk", 2, "filtered", 14);
    writeFileSync(join(d1, "results.jsonl"), `${JSON.stringify(a)}\n`);
    writeFileSync(
      join(d2, "results.jsonl"),
      `${JSON.stringify({ ...b, provenance: { ...b.provenance, version: "9.9.9" } })}\n`,
    );
    const out = join(d1, "merged");
    await expect(buildReport({ dirs: [d1, d2], outDir: out, figures: false, json: false })).rejects.toThrow(
      `cannot merge: provenance.version differs: ${toolVersion()} (${d1}) vs 9.9.9 (${d2})`,
    );
    writeFileSync(
      join(d2, "results.jsonl"),
      `${JSON.stringify({ ...b, provenance: { ...b.provenance, profileSha256: "c".repeat(64) } })}\n`,
    );
    await expect(buildReport({ dirs: [d1, d2], outDir: out, figures: false, json: false })).rejects.toThrow(
      `cannot merge: provenance.profileSha256 differs for profile sandybridge-2011: ${"a".repeat(64)} (${d1}) vs ${"c".repeat(64)} (${d2})`,
    );
    writeFileSync(join(d2, "results.jsonl"), `${JSON.stringify(b)}\n`);
    const r = await buildReport({ dirs: [d1, d2], outDir: out, figures: false, json: false });
    expect(r.points).toBe(2);
    expect(readdirSync(out).sort()).toEqual(["report.md", "results.csv", "results.jsonl"]);
  });
});
