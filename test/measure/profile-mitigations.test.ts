// The profile's speculation mitigations: validated like every other field, compiled into the cost table the
// kernel reads, and set by calibrate from the host's /sys/devices/system/cpu/vulnerabilities wording.
import { describe, expect, it } from "vitest";
import { hostMitigations } from "../../src/measure/calibrate.ts";
import {
  type CostProfileSpec,
  compileProfile,
  describeProfile,
  getProfile,
} from "../../src/measure/profile.ts";
import type { RealCapture } from "../../src/measure/validation.ts";

const base = getProfile("cascadelake-2022").spec;
const withM = (mitigations: unknown): CostProfileSpec =>
  ({ ...base, name: "t", mitigations }) as unknown as CostProfileSpec;
const on = (retpoline: string, returnThunk: string) => ({
  retpoline: { value: retpoline, source: "test" },
  returnThunk: { value: returnThunk, source: "test" },
});

describe("profile mitigations", () => {
  it("the built-in profiles say none, with a source", () => {
    for (const name of ["cascadelake-2022", "cascadelake-2022-pti", "sandybridge-2011"]) {
      const p = getProfile(name);
      expect(p.costs.mitigations).toBeUndefined();
      expect(p.spec.mitigations?.retpoline.value).toBe("off");
      expect(p.spec.mitigations?.returnThunk.value).toBe("none");
      expect(p.spec.mitigations?.retpoline.source.length).toBeGreaterThan(20);
    }
  });

  it("compiles into the cost table and is listed by profile show", () => {
    const p = compileProfile(withM(on("on", "srso")));
    expect(p.costs.mitigations).toEqual({ retpoline: true, returnThunk: "srso" });
    const keys = describeProfile(p).map((r) => r.key);
    expect(keys).toContain("mitigations.retpoline on");
    expect(keys).toContain("mitigations.returnThunk srso");
    expect(compileProfile(withM(on("on", "none"))).costs.mitigations).toEqual({
      retpoline: true,
      returnThunk: "none",
    });
  });

  it("rejects a bad field with a message naming it", () => {
    expect(() => compileProfile(withM(on("yes", "none")))).toThrow(
      /mitigations\.retpoline\.value must be one of "on", "off" \(got "yes"\)/,
    );
    expect(() => compileProfile(withM(on("on", "unret")))).toThrow(
      /mitigations\.returnThunk\.value must be one of/,
    );
    expect(() => compileProfile(withM({ ...on("on", "none"), ibrs: {} }))).toThrow(
      /mitigations\.ibrs is not a known field/,
    );
    expect(() =>
      compileProfile(
        withM({ retpoline: { value: "on", source: " " }, returnThunk: on("on", "none").returnThunk }),
      ),
    ).toThrow(/mitigations\.retpoline\.source must be a non-empty string/);
    expect(() => compileProfile(withM({ retpoline: on("on", "none").retpoline }))).toThrow(
      /mitigations\.returnThunk must be an object/,
    );
  });

  it("calibrate reads the host's wording: Retpolines and Safe RET on, anything else off", () => {
    const cap = (m: Record<string, string> | null) => ({ mitigations: m }) as unknown as RealCapture;
    const host = hostMitigations(
      cap({
        spectre_v2: "Mitigation: Retpolines; IBPB: conditional; IBRS_FW; STIBP: disabled; RSB filling",
        spec_rstack_overflow: "Mitigation: Safe RET",
      }),
      "calibrated on h",
    );
    expect(host.retpoline.value).toBe("on");
    expect(host.returnThunk.value).toBe("srso");
    expect(host.retpoline.source).toMatch(/spectre_v2 reads "Mitigation: Retpolines/);
    const intel = hostMitigations(
      cap({
        spectre_v2: "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional",
        spec_rstack_overflow: "Not affected",
      }),
      "calibrated on h",
    );
    expect(intel.retpoline.value).toBe("off");
    expect(intel.returnThunk.value).toBe("none");
    const unknown = hostMitigations(cap(null), "calibrated on h");
    expect(unknown.retpoline.value).toBe("off");
    expect(unknown.retpoline.source).toMatch(/spectre_v2 was not captured/);
    // the committed capture of this project's host
    const real = getProfile("cascadelake-2022"); // unchanged by calibration
    expect(real.costs.mitigations).toBeUndefined();
  });
});
