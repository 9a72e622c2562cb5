import { describe, expect, it } from "vitest";
import { type PointConfig, pointId } from "../../src/measure/experiment.ts";
import { validateResult } from "../../src/measure/sweep-result.ts";

const config: PointConfig = {
  design: "cgroup-walk",
  depth: 1,
  mode: "filtered",
  workload: "null",
  profile: "sandybridge-2011",
  flavour: "linux-3.1",
  count: 10,
  gap: 0,
  denied: 1,
  errno: "ENOSYS",
  seccompCache: true,
};
const line = {
  id: pointId(config),
  experiment: "e",
  config,
  designId: "cgroup-walk",
  calls: 10,
  sysCycles: 1800,
  userCycles: 400,
  totalCycles: 2200,
  callCycles: 2120,
  cyclesPerCall: 212,
  designMemoryBytes: 0,
  baseline: pointId({ ...config, design: "none" }),
  sysOverheadPct: 6.2,
  totalOverheadPct: 5.1,
  extraCyclesPerCall: 18,
  provenance: { version: "0.1.0", commit: null, profileSha256: "a".repeat(64), designSha256: null },
  probeDenied: true,
};
const err = (x: unknown) => {
  try {
    validateResult(JSON.parse(JSON.stringify(x).replace('"INF"', "1e999")), "r.jsonl:7");
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("results line schema", () => {
  it("accepts a line the sweep writes", () => {
    expect(err(line)).toBe("ok");
  });

  it("names the line, the field and what was expected", () => {
    expect(err({ ...line, extra: 1 })).toBe("r.jsonl:7: extra: is not a field of a results line");
    expect(err({ ...line, sysCycles: "INF" })).toBe(
      "r.jsonl:7: sysCycles: must be a finite number, got Infinity",
    );
    expect(err({ ...line, calls: 0 })).toBe(
      "r.jsonl:7: calls: must be an integer 1..9007199254740991, got 0",
    );
    expect(err({ ...line, config: { ...config, mode: "x" } })).toBe(
      'r.jsonl:7: config.mode: must be "filtered" or "unfiltered", got "x"',
    );
    expect(err({ ...line, config: { ...config, flavour: null } })).toBe(
      "r.jsonl:7: config.flavour: must be one of linux-3.1, linux-generic, linux-generic+pti, got null",
    );
    expect(err({ ...line, designId: "../x" })).toBe('r.jsonl:7: designId: must be a design id, got "../x"');
    expect(err({ ...line, provenance: { ...line.provenance, designSha256: "b".repeat(64) } })).toBe(
      "r.jsonl:7: provenance.designSha256: is set for a built-in design",
    );
    expect(err({ ...line, provenance: { ...line.provenance, commit: "xyz" } })).toBe(
      'r.jsonl:7: provenance.commit: must be a 40-digit git commit or null, got "xyz"',
    );
  });

  it("the deny probe's answer: true or false for a design, null for none; a line without it (older) is read", () => {
    expect(err({ ...line, probeDenied: false })).toBe("ok");
    const { probeDenied: _, ...older } = line;
    expect(err(older)).toBe("ok");
    expect(err({ ...line, probeDenied: null })).toBe(
      "r.jsonl:7: probeDenied: must be true or false (the deny probe's answer), got null",
    );
    expect(err({ ...line, probeDenied: "yes" })).toBe(
      'r.jsonl:7: probeDenied: must be true or false (the deny probe\'s answer), got "yes"',
    );
    const noneConfig = { ...config, design: "none" };
    const none = { ...line, config: noneConfig, designId: "none", id: pointId(noneConfig) };
    expect(err({ ...none, probeDenied: null })).toBe("ok");
    expect(err({ ...none, probeDenied: true })).toBe(
      "r.jsonl:7: probeDenied: must be null for none (it is not probed), got true",
    );
  });
});
