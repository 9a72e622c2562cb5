import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { calibratedProfileText } from "../../src/cli/calibrate.ts";
import { calibratedProfile, jsetSlope } from "../../src/measure/calibrate.ts";
import {
  CALIBRATION_INPUTS,
  CROSS_CHECKS,
  FILTERS,
  VALIDATION_SETUPS,
} from "../../src/measure/calibrate-setups.ts";
import { compileProfile, getProfile } from "../../src/measure/profile.ts";
import { type RealCapture, realRatio } from "../../src/measure/validation.ts";

const FIX = new URL("../fixtures/real-kernel/", import.meta.url).pathname;
const capture = JSON.parse(readFileSync(`${FIX}real.json`, "utf8")) as RealCapture;

describe("calibration inputs and validation set-ups", () => {
  it("never overlap, by id or by probe invocation", () => {
    const cal = [...CALIBRATION_INPUTS, ...CROSS_CHECKS];
    const ids = new Set<string>(cal.map((c) => c.id));
    const probes = new Set(cal.map((c) => c.probe.join(" ")));
    for (const s of VALIDATION_SETUPS) {
      expect(ids.has(s.id)).toBe(false);
      if (s.under === undefined) expect(probes.has(s.probe.join(" "))).toBe(false);
    }
  });
  it("the model's filters have the instruction counts probe.c's filters have", () => {
    expect(FILTERS.cached(4).map((f) => f.length)).toEqual([1, 1, 1, 1]);
    expect(FILTERS.allowall()[0]!.length).toBe(2);
    expect(FILTERS.nr(100)[0]!.length).toBe(102);
    expect(FILTERS.args(50)[0]!.length).toBe(101);
    expect(FILTERS.jset(1000)[0]!.length).toBe(1002);
    expect(FILTERS.strace()[0]!.length).toBe(9);
  });
});

describe("the committed capture of this project's host", () => {
  it("records where and when, and measures every validation set-up in several trials", () => {
    expect(capture.capturedOn.kernel).not.toBe("");
    expect(Number.isNaN(Date.parse(capture.capturedOn.date))).toBe(false);
    expect(capture.validation.map((v) => v.id).sort()).toEqual(VALIDATION_SETUPS.map((s) => s.id).sort());
    for (const v of capture.validation) expect(v.trials.length).toBeGreaterThanOrEqual(3);
  });
  it("a real ratio is the median trial", () => {
    const r = realRatio({
      id: "x",
      label: "",
      command: "",
      trials: [
        { ns: 30, baseNs: 10 },
        { ns: 11, baseNs: 10 },
        { ns: 12, baseNs: 10 },
      ],
    });
    expect(r).toBeCloseTo(1.2, 12);
  });
});

describe("calibratedProfile", () => {
  const spec = calibratedProfile(capture);
  const CL = getProfile("cascadelake-2022").spec;
  it("is a valid --profile file marked with the host and date", () => {
    const p = compileProfile(JSON.parse(JSON.stringify(spec)), "test");
    expect(p.description).toContain(
      `calibrated on ${capture.capturedOn.host}, ${capture.capturedOn.date.slice(0, 10)}`,
    );
  });
  it("changes exactly the documented values and labels the calibrated ones", () => {
    const changed = [
      ...Object.keys(spec.classes).filter(
        (k) =>
          spec.classes[k as keyof typeof spec.classes].value !==
          CL.classes[k as keyof typeof CL.classes].value,
      ),
      ...Object.keys(spec.natives).filter((k) => spec.natives[k]!.value !== CL.natives[k]!.value),
    ].sort();
    expect(changed).toEqual(["ptrace_log_per_stop", "ptrace_tracer_per_stop", "switch_refill", "sysret"]);
    for (const k of ["switch_refill"]) {
      expect(spec.natives[k]!.fitted).toBe(true);
      expect(spec.natives[k]!.source).toMatch(/^calibrated on /);
    }
    expect(spec.classes.sysret.fitted).toBe(true);
  });
  it("takes the JSET slope as a check of the JIT's price, not as a cost: the interpreter's price is kept", () => {
    const a = capture.calibration["jset-100"]!;
    const b = capture.calibration["jset-1000"]!;
    const ns = (b.ns - b.baseNs! - (a.ns - a.baseNs!)) / 900;
    expect(jsetSlope(capture).ns).toBeCloseTo(ns, 12);
    expect(jsetSlope(capture).cycles).toBeCloseTo((ns * spec.clockHz.value) / 1e9, 9);
    expect(spec.natives.seccomp_bpf_insn!.value).toBe(CL.natives.seccomp_bpf_insn!.value);
    const { "jset-1000": _gone, ...rest } = capture.calibration;
    expect(() => jsetSlope({ ...capture, calibration: rest })).toThrow(/"jset-1000" was not measured/);
  });
  it("takes a pipe ping-pong timed against its own plain loop at the null input's speed", () => {
    const pipe = capture.calibration["pipe-pingpong"]!;
    const nullNs = capture.calibration.null!.ns;
    // the same round trip measured while a plain getppid took twice the null input's time: half the ns count
    const slow = calibratedProfile({
      ...capture,
      calibration: { ...capture.calibration, "pipe-pingpong": { ns: pipe.ns * 2, baseNs: nullNs * 2 } },
    });
    expect(slow.natives.switch_refill!.value).toBe(spec.natives.switch_refill!.value);
    expect(slow.natives.switch_refill!.source).toMatch(/against a plain loop of/);
  });
  it("prices strace's extra work per stop with the host's syscall cost", () => {
    const extra = spec.natives.ptrace_log_per_stop!.value - CL.natives.ptrace_log_per_stop!.value;
    const perRoundTrip =
      (spec.natives.ptrace_tracer_per_stop!.value - CL.natives.ptrace_tracer_per_stop!.value) / 3;
    expect(extra).toBeCloseTo(2 * perRoundTrip, 0);
  });
});

describe("the committed calibrated profile", () => {
  it("is exactly what the committed capture regenerates (calibrate --from), so it cannot go stale silently", () => {
    const committed = readFileSync(`${FIX}calibrated.profile.json`, "utf8");
    // on failure: npx tsx src/cli/main.ts calibrate --from test/fixtures/real-kernel/real.json --out test/fixtures/real-kernel
    expect(committed).toBe(calibratedProfileText(capture));
  });
});
