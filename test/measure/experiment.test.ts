import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  baselineOf,
  expandPoints,
  loadExperiment,
  MAX_EXPERIMENT_BYTES,
  type PointConfig,
  pointId,
  validateExperiment,
} from "../../src/measure/experiment.ts";

const ok = { name: "t", axes: { designs: ["cgroup-walk"], depths: [0, 1], workloads: ["null"] } };

function err(raw: unknown): string {
  try {
    validateExperiment(raw, "experiment.json");
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

const withAxes = (axes: Record<string, unknown>) => ({ name: "t", axes: { ...ok.axes, ...axes } });

describe("experiment files", () => {
  it("fills the defaults and puts none first", () => {
    const e = validateExperiment(ok, "x.json");
    expect(e.axes).toEqual({
      designs: ["none", "cgroup-walk"],
      depths: [0, 1],
      modes: ["filtered", "unfiltered"],
      workloads: ["null"],
      profiles: ["sandybridge-2011"],
      flavours: ["linux-3.1"],
      counts: [200],
      gaps: [0],
      denied: [1],
      seccompCache: [true],
    });
    expect(e.errno).toBe("ENOSYS");
  });

  it("names the field path and what is wrong", () => {
    expect(err(withAxes({ depths: [0, 1, "x"] }))).toBe(
      'experiment.json: axes.depths[2]: must be an integer 0..32, got "x"',
    );
    expect(err(withAxes({ depths: [33] }))).toBe(
      "experiment.json: axes.depths[0]: must be an integer 0..32, got 33",
    );
    expect(err(withAxes({ modes: ["filtered", "both"] }))).toBe(
      'experiment.json: axes.modes[1]: must be "filtered" or "unfiltered", got "both"',
    );
    expect(err(withAxes({ designs: ["cgroup-nope"] }))).toMatch(
      /^experiment\.json: axes\.designs\[0\]: unknown design "cgroup-nope" \(known: none, cgroup-walk, /,
    );
    expect(err(withAxes({ counts: [] }))).toBe("experiment.json: axes.counts: must not be empty");
    expect(err(withAxes({ gaps: 3 }))).toBe("experiment.json: axes.gaps: must be an array, got 3");
    expect(err(withAxes({ depth: [1] }))).toMatch(
      /^experiment\.json: axes\.depth: is not a known axis \(known: /,
    );
    expect(err(withAxes({ flavours: ["linux-4.0"] }))).toBe(
      'experiment.json: axes.flavours[0]: must be one of linux-3.1, linux-generic, linux-generic+pti, got "linux-4.0"',
    );
    expect(err(withAxes({ depths: [1, 1] }))).toBe("experiment.json: axes.depths[1]: repeats 1");
    expect(err(withAxes({ workloads: ["trace:/no/such/file"] }))).toBe(
      'experiment.json: axes.workloads[0]: strace log "/no/such/file" does not exist',
    );
    expect(err({ axes: ok.axes })).toBe("experiment.json: name: must be a non-empty string, got nothing");
    expect(err({ name: "t", axes: { depths: [0] } })).toBe("experiment.json: axes.designs: is required");
    expect(err({ ...ok, errno: "EACCES" })).toBe(
      'experiment.json: errno: must be "ENOSYS" or "EPERM", got "EACCES"',
    );
    expect(err([])).toBe("experiment.json: (top level): must be an object, got an array");
  });

  it("reports a file that is not JSON with its name", () => {
    const dir = mkdtempSync(join(tmpdir(), "exp-"));
    const f = join(dir, "bad.json");
    writeFileSync(f, "{ name: ");
    expect(() => loadExperiment(f)).toThrow(new RegExp(`^${f}: not valid JSON: `));
    writeFileSync(f, JSON.stringify(withAxes({ depths: [0, -1] })));
    expect(() => loadExperiment(f)).toThrow(`${f}: axes.depths[1]: must be an integer 0..32, got -1`);
    // bounded: a device never finishes, a huge file is not an experiment
    expect(() => loadExperiment("/dev/zero")).toThrow(
      "experiment file /dev/zero: a character device, not a regular file",
    );
    writeFileSync(f, " ".repeat(MAX_EXPERIMENT_BYTES + 1));
    expect(() => loadExperiment(f)).toThrow(
      `experiment file ${f}: larger than the ${MAX_EXPERIMENT_BYTES / (1024 * 1024)} MiB limit for this input`,
    );
    expect(() => loadExperiment(join(dir, "none.json"))).toThrow(
      `experiment file ${join(dir, "none.json")}: no such file or directory`,
    );
  });

  it("gives each point a stable id: the hash of its exact configuration", () => {
    const c: PointConfig = {
      design: "cgroup-walk",
      depth: 2,
      mode: "filtered",
      workload: "null",
      profile: "sandybridge-2011",
      flavour: "linux-3.1",
      count: 5,
      gap: 0,
      denied: 1,
      errno: "ENOSYS",
      seccompCache: true,
    };
    const reordered = Object.fromEntries(Object.entries(c).reverse()) as unknown as PointConfig;
    expect(pointId(c)).toMatch(/^[0-9a-f]{16}$/);
    expect(pointId(reordered)).toBe(pointId(c));
    expect(pointId({ ...c, depth: 3 })).not.toBe(pointId(c));
    // the definition: SHA-256 of the configuration as JSON with its keys sorted, first 16 hex digits
    const canonical =
      '{"count":5,"denied":1,"depth":2,"design":"cgroup-walk","errno":"ENOSYS","flavour":"linux-3.1","gap":0,' +
      '"mode":"filtered","profile":"sandybridge-2011","seccompCache":true,"workload":"null"}';
    expect(pointId(c)).toBe(createHash("sha256").update(canonical).digest("hex").slice(0, 16));
    expect(pointId(c)).toBe("3ab79f9516e62169");
    expect(baselineOf(c).design).toBe("none");
  });

  it("expands the cross product; unfiltered points deny nothing; linux-3.1-only designs stay off linux-generic", () => {
    const e = validateExperiment(
      withAxes({
        denied: [1, 4],
        flavours: ["linux-3.1", "linux-generic"],
        designs: ["cgroup-walk", "seccomp-bpf"],
      }),
      "x.json",
    );
    const { points, excluded } = expandPoints(e);
    // per flavour: 3 designs × 2 depths × (2 filtered denied counts + 1 unfiltered)
    expect(points.length + excluded.length).toBe(2 * 3 * 2 * 3);
    expect(excluded).toHaveLength(6);
    expect(
      excluded.every((x) => x.config.design === "cgroup-walk" && x.config.flavour === "linux-generic"),
    ).toBe(true);
    expect(points.filter((p) => p.config.mode === "unfiltered").every((p) => p.config.denied === 0)).toBe(
      true,
    );
    expect(new Set(points.map((p) => p.id)).size).toBe(points.length);
    const firstDesign = points.findIndex((p) => p.config.design !== "none");
    expect(points.slice(0, firstDesign).every((p) => p.config.design === "none")).toBe(true);
    expect(points.slice(firstDesign).some((p) => p.config.design === "none")).toBe(false);
  });

  it("accepts the built-in experiments", () => {
    for (const f of ["2011-question", "seccomp-filters", "ptrace-vs-kernel"]) {
      const e = loadExperiment(`experiments/${f}.json`);
      expect(e.name).toBe(f);
      expect(expandPoints(e).points.length).toBeGreaterThan(10);
    }
  });
});
