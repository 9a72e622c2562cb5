import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_NO_COMPILER, runCalibrate } from "../../src/cli/calibrate.ts";
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
