import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_NO_COMPILER, runCalibrate, runCalibrateFrom } from "../../src/cli/calibrate.ts";
import { UsageError } from "../../src/cli/output.ts";
import { defaultCapturePath, loadCapture, runValidateReal } from "../../src/cli/validate.ts";
import { VALIDATION_SETUPS } from "../../src/measure/calibrate-setups.ts";
import { getProfile } from "../../src/measure/profile.ts";

describe("validate --real", () => {
  const capture = loadCapture(defaultCapturePath());
  it("prints every validation set-up with real ratio, model ratio and model/real", () => {
    const out = runValidateReal(capture, getProfile("cascadelake-2022"), false);
    for (const s of VALIDATION_SETUPS) expect(out).toContain(s.label);
    expect(out).toMatch(/\d+ of 10 validation set-ups within ±25 %/);
    expect(out).toContain("Calibration inputs");
    const j = JSON.parse(runValidateReal(capture, getProfile("cascadelake-2022"), true)) as {
      rows: { id: string; real: number; model: number; ratio: number }[];
    };
    for (const r of j.rows) expect(r.ratio).toBeCloseTo(r.model / r.real, 12);
    // the cached filter costs the same with 1, 4 or 16 filters in the model (the 5.11 cache)
    const m = (id: string) => j.rows.find((r) => r.id === id)!.model;
    expect(m("stacked-16")).toBe(m("cached"));
  });
  it("rejects a bad capture file with a message naming the file and the problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "vr-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(() => loadCapture(bad)).toThrow(UsageError);
    expect(() => loadCapture(bad)).toThrow(/not valid JSON/);
    writeFileSync(
      bad,
      JSON.stringify({ capturedOn: {}, validation: [{ id: "cached", trials: [{ ns: -1, baseNs: 1 }] }] }),
    );
    expect(() => loadCapture(bad)).toThrow(/validation\[0\]/);
    expect(() => loadCapture(join(dir, "missing.json"))).toThrow(/cannot read/);
  });
});

describe("calibrate without a C compiler", () => {
  it(`says so, writes nothing and exits ${EXIT_NO_COMPILER}`, () => {
    const path = process.env.PATH;
    const cc = process.env.CC;
    const dir = mkdtempSync(join(tmpdir(), "cal-"));
    try {
      process.env.PATH = "/nonexistent";
      delete process.env.CC;
      const r = runCalibrate(join(dir, "out"), () => {});
      expect(r.exitCode).toBe(EXIT_NO_COMPILER);
      expect(r.message).toMatch(/no C compiler/);
    } finally {
      process.env.PATH = path;
      if (cc !== undefined) process.env.CC = cc;
    }
  });
});

describe("calibrate --from", () => {
  it("rebuilds the profile from a capture's calibration inputs without measuring", () => {
    const dir = mkdtempSync(join(tmpdir(), "calf-"));
    const path = defaultCapturePath();
    const r = runCalibrateFrom(loadCapture(path), path, dir);
    expect(r.exitCode).toBe(0);
    expect(r.message).toMatch(/nothing measured/);
    const spec = JSON.parse(readFileSync(join(dir, "calibrated.profile.json"), "utf8")) as {
      description: string;
    };
    expect(spec.description).toMatch(/^calibrated on /);
  });
  it("names the missing calibration input of a capture that lacks it", () => {
    const dir = mkdtempSync(join(tmpdir(), "calf-"));
    const c = loadCapture(defaultCapturePath());
    const { "pipe-pingpong": _gone, ...rest } = c.calibration;
    expect(() => runCalibrateFrom({ ...c, calibration: rest }, "x.json", dir)).toThrow(UsageError);
    expect(() => runCalibrateFrom({ ...c, calibration: rest }, "x.json", dir)).toThrow(
      /x\.json: calibration: input "pipe-pingpong" was not measured/,
    );
  });
  it("rejects a capture whose calibration input is not a positive time", () => {
    const dir = mkdtempSync(join(tmpdir(), "calf-"));
    const bad = join(dir, "bad.json");
    const c = loadCapture(defaultCapturePath());
    writeFileSync(bad, JSON.stringify({ ...c, calibration: { ...c.calibration, null: { ns: "fast" } } }));
    expect(() => loadCapture(bad)).toThrow(/calibration\.null needs ns > 0/);
  });
});
