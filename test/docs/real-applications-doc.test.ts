// docs/researchers.md's real-applications tables are what `report` makes of the committed full run
// (docs/data/real-applications), and that run holds every point of experiments/real-applications.json.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expandPoints, loadExperiment } from "../../src/measure/experiment.ts";
import { applicationMarkdown, applicationTable, loadSweep } from "../../src/measure/report.ts";

const path = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

describe("docs/researchers.md: the real-applications run", () => {
  const sweep = loadSweep(path("docs/data/real-applications"));

  it("holds every point of the experiment, measured by one tool version", () => {
    const exp = loadExperiment(path("experiments/real-applications.json"));
    // the applications' SHA-256 are the host's: compare the configurations without them
    const strip = (c: object) => JSON.stringify({ ...c, application: undefined });
    const { points, excluded } = expandPoints(exp);
    const have = new Set(sweep.results.map((r) => strip(r.config)));
    expect(sweep.results).toHaveLength(85);
    expect(points.length + excluded.length).toBe(85);
    // where this machine lacks a program its points are excluded; every point it has is in the run
    for (const p of points) expect(have.has(strip(p.config))).toBe(true);
    if (excluded.length === 0) expect(have.size).toBe(points.length);
    expect(new Set(sweep.results.map((r) => r.provenance.commit)).size).toBe(1);
  });

  it("shows the table report prints for it", () => {
    const doc = readFileSync(path("docs/researchers.md"), "utf8");
    expect(doc).toContain(applicationMarkdown(applicationTable(sweep.results)!));
  });
});
