import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/output.ts";
import { buildReport } from "../../src/cli/report.ts";
import { validateExperiment } from "../../src/measure/experiment.ts";
import { runSweep, type SweepResult } from "../../src/measure/sweep.ts";
import {
  type FlameFile,
  FlameFileError,
  flameOutputsByDesign,
  readFlame,
} from "../../src/measure/sweep-flame.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "sweep-flame-"));

// none, seccomp (on either entry) and a design that hooks the 3.1 entry; filtered and unfiltered; 3.1 and generic
const exp = validateExperiment(
  {
    name: "flame",
    axes: {
      designs: ["seccomp-bpf", "cgroup-tif"],
      depths: [0, 2],
      modes: ["filtered", "unfiltered"],
      workloads: ["null"],
      flavours: ["linux-3.1", "linux-generic"],
      counts: [3],
    },
  },
  "flame.json",
);
const dir = tmp();
const sweep = await runSweep({ experiment: exp, outDir: dir, jobs: 2 });
const flame = JSON.parse(readFileSync(join(dir, "flame.json"), "utf8")) as FlameFile;
const results = readFileSync(join(dir, "results.jsonl"), "utf8")
  .trimEnd()
  .split("\n")
  .map((l) => JSON.parse(l) as SweepResult);

describe("the flame stacks a sweep records (flame.json) and the graphs report draws from them", () => {
  it("one row per design and set-up (flavour × profile × mode) at the deepest depth; designs a flavour cannot build are left out", () => {
    expect(sweep.files.flame).toBe(join(dir, "flame.json"));
    const setups = flame.rows.map((r) => `${r.designId} ${r.flavour} ${r.mode} ${r.depth}`);
    // cgroup-tif hooks the 3.1 entry code: the generic kernel cannot build it (as compare skips it)
    expect(setups.sort()).toEqual([
      "cgroup-tif linux-3.1 filtered 2",
      "cgroup-tif linux-3.1 unfiltered 2",
      "none linux-3.1 filtered 2",
      "none linux-3.1 unfiltered 2",
      "none linux-generic filtered 2",
      "none linux-generic unfiltered 2",
      "seccomp-bpf linux-3.1 filtered 2",
      "seccomp-bpf linux-3.1 unfiltered 2",
      "seccomp-bpf linux-generic filtered 2",
      "seccomp-bpf linux-generic unfiltered 2",
    ]);
    expect(flame.setups).toHaveLength(4);
  });

  it("each row's frames add up to the round trip the sweep measured for the same point", () => {
    for (const r of flame.rows) {
      const point = results.find(
        (p) =>
          p.designId === r.designId &&
          p.config.flavour === r.flavour &&
          p.config.mode === r.mode &&
          p.config.depth === r.depth,
      );
      expect(point, `${r.designId} ${r.flavour} ${r.mode}`).toBeDefined();
      const total = r.frames.reduce((n, f) => n + f.cycles, 0);
      expect([r.designId, r.flavour, r.mode, total]).toEqual([
        r.designId,
        r.flavour,
        r.mode,
        point!.cyclesPerCall,
      ]);
    }
    // and the segments say where they differ: cgroup-tif's filtered call has a design segment, none's has none
    const seg = (id: string, mode: string, name: string) =>
      flame.rows
        .find((r) => r.designId === id && r.mode === mode && r.flavour === "linux-3.1")!
        .frames.filter((f) => f.stack[0] === name)
        .reduce((n, f) => n + f.cycles, 0);
    expect(seg("none", "filtered", "design")).toBe(0);
    expect(seg("cgroup-tif", "filtered", "design")).toBeGreaterThan(0);
    expect(seg("cgroup-tif", "unfiltered", "design")).toBe(0);
  });

  it("report writes flame-<design>.svg, .folded and .png per design, drawn from flame.json alone", async () => {
    const out = join(tmp(), "rep");
    const r = await buildReport({
      dirs: [dir],
      outDir: out,
      figures: true,
      json: false,
      formats: ["svg", "png"],
    });
    expect(r.flames).toEqual(["none", "seccomp-bpf", "cgroup-tif"]);
    const files = readdirSync(out);
    for (const id of r.flames)
      for (const ext of ["svg", "folded", "png"]) expect(files).toContain(`flame-${id}.${ext}`);
    const folded = readFileSync(join(out, "flame-cgroup-tif.folded"), "utf8").trimEnd().split("\n");
    // the collapsed-stack format: frames joined by ';', no spaces in a frame, then the cycles
    for (const l of folded) expect(l).toMatch(/^[^\s;]+(;[^\s;]+){2} \d+$/);
    expect(new Set(folded.map((l) => l.split(";")[0]))).toEqual(
      new Set([
        "cgroup-tif[filtered,linux-3.1,sandybridge-2011]",
        "cgroup-tif[unfiltered,linux-3.1,sandybridge-2011]",
      ]),
    );
    const filtered = flame.rows.find((x) => x.designId === "cgroup-tif" && x.mode === "filtered")!;
    const sum = folded
      .filter((l) => l.startsWith("cgroup-tif[filtered"))
      .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
    expect(sum).toBe(filtered.frames.reduce((n, f) => n + f.cycles, 0));
    const svg = readFileSync(join(out, "flame-seccomp-bpf.svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1200"/);
    // one panel per set-up, named by the axes that vary (mode, flavour)
    for (const p of [
      "filtered, linux-3.1",
      "unfiltered, linux-3.1",
      "filtered, linux-generic",
      "unfiltered, linux-generic",
    ])
      expect(svg).toContain(`<title>${p}: `);
    expect(statSync(join(out, "flame-seccomp-bpf.png")).size).toBeGreaterThan(10_000);
    expect(r.files).toContain(join(out, "flame-none.folded"));
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain(
      "[flame-cgroup-tif.svg](flame-cgroup-tif.svg)",
    );
    // --no-figures: tables only
    const bare = await buildReport({ dirs: [dir], outDir: join(tmp(), "bare"), figures: false, json: false });
    expect(bare.flames).toEqual([]);
  }, 60_000);

  it("the graphs share one scale across panels: a costlier set-up is wider", () => {
    const svg = flameOutputsByDesign(
      flame.rows.filter((r) => r.designId === "cgroup-tif"),
      "x",
    ).get("cgroup-tif")!.svg;
    const rootWidth = (label: string) =>
      Number(
        new RegExp(`<title>${label}: \\d+ cycles</title><rect x="[\\d.]+" y="\\d+" width="([\\d.]+)"`).exec(
          svg,
        )![1],
      );
    const cycles = (mode: string) =>
      flame.rows
        .find((r) => r.designId === "cgroup-tif" && r.mode === mode)!
        .frames.reduce((n, f) => n + f.cycles, 0);
    expect(rootWidth("unfiltered") / rootWidth("filtered")).toBeCloseTo(
      cycles("unfiltered") / cycles("filtered"),
      2,
    );
  });

  it("a resumed sweep keeps flame.json; a tampered one is refused by report with the field and what was expected", async () => {
    const before = readFileSync(join(dir, "flame.json"), "utf8");
    const again = await runSweep({ experiment: exp, outDir: dir, jobs: 1 });
    expect(again.ran).toBe(0);
    expect(readFileSync(join(dir, "flame.json"), "utf8")).toBe(before);
    const bad = tmp();
    for (const f of ["results.jsonl", "summary.json"])
      writeFileSync(join(bad, f), readFileSync(join(dir, f)));
    const tamper = (edit: (f: FlameFile) => void) => {
      const f = JSON.parse(before) as FlameFile;
      edit(f);
      writeFileSync(join(bad, "flame.json"), JSON.stringify(f));
    };
    const err = (edit: (f: FlameFile) => void) => {
      tamper(edit);
      try {
        readFlame(join(bad, "flame.json"));
        return "ok";
      } catch (e) {
        return (e as Error).message.replace(`${bad}/`, "");
      }
    };
    expect(err(() => {})).toBe("ok");
    expect(err((f) => (f.rows[1]!.frames[0]!.cycles = -1))).toBe(
      "flame.json: rows[1].frames[0].cycles: must be a non-negative number, got -1",
    );
    expect(err((f) => (f.rows[0]!.frames[0]!.stack = ["a\u0007b"]))).toBe(
      'flame.json: rows[0].frames[0].stack[0]: must be a printable name of 1..200 characters, got "a\\u0007b"',
    );
    expect(err((f) => ((f.rows[0] as unknown as { designId: string }).designId = "../x"))).toBe(
      'flame.json: rows[0].designId: must be a design id, got "../x"',
    );
    expect(err((f) => ((f as unknown as { extra: number }).extra = 1))).toBe(
      "flame.json: extra: is not a field of a flame file",
    );
    tamper((f) => (f.rows[0]!.mode = "sideways" as never));
    await expect(
      buildReport({ dirs: [bad], outDir: join(bad, "r"), figures: true, json: false }),
    ).rejects.toThrow(
      new UsageError(
        `${join(bad, "flame.json")}: rows[0].mode: must be one of filtered, unfiltered, got "sideways"`,
      ),
    );
  }, 60_000);

  it("any field replaced by a hostile value: refused with FlameFileError, or read and drawn without a host exception", () => {
    const text = readFileSync(join(dir, "flame.json"), "utf8");
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v !== null && typeof v === "object" && paths.length < 300)
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...p, k]);
    };
    walk(JSON.parse(text), []);
    const hostile = fc.constantFrom<unknown>(
      null,
      -1,
      0,
      1.5,
      1e308,
      "",
      "x".repeat(5000),
      "\u0000",
      [],
      {},
      true,
      [[]],
      {
        stack: [],
      },
    );
    const scratch = tmp();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), hostile), { minLength: 1, maxLength: 3 }),
        (edits) => {
          let root: unknown = JSON.parse(text);
          for (const [path, v] of edits) {
            if (path.length === 0) {
              root = v;
              continue;
            }
            let o = root as Record<string, unknown> | null;
            for (const k of path.slice(0, -1))
              o = o !== null && typeof o === "object" ? (o[k] as never) : null;
            if (o !== null && typeof o === "object") o[path.at(-1)!] = v;
          }
          writeFileSync(join(scratch, "flame.json"), JSON.stringify(root));
          let f: FlameFile | null;
          try {
            f = readFlame(join(scratch, "flame.json"));
          } catch (e) {
            expect(e).toBeInstanceOf(FlameFileError);
            return;
          }
          flameOutputsByDesign(f!.rows, "fuzz");
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});
