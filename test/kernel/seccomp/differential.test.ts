// The emulator (checker + interpreter + action resolution + path length + stacking) against what real
// seccomp did on the capture host, for every install and every probe in the committed fixture.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeCase, type FixtureFile } from "../../fixtures/seccomp/fixture-format.ts";
import { STUB_IP_32, STUB_IP_64 } from "../../fixtures/seccomp/generate.ts";
import { predictCase } from "../../fixtures/seccomp/predict.ts";

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/seccomp/kernel-fixtures.json", import.meta.url), "utf8"),
) as FixtureFile;

describe(`seccomp differential fixtures (Linux ${fixture.kernel})`, () => {
  const decoded = fixture.cases.map(decodeCase);

  it("has enough cases of every kind", () => {
    const probes = decoded.reduce((s, d) => s + d.c.probes.length, 0);
    const filters = decoded.reduce((s, d) => s + d.c.filters.length, 0);
    expect(decoded.length).toBeGreaterThanOrEqual(500);
    expect(filters).toBeGreaterThanOrEqual(500);
    expect(probes).toBeGreaterThanOrEqual(500);
    const inst = decoded.flatMap((d) => d.kernel[0]!.inst);
    for (const errno of [0, 22, 12]) expect(inst).toContain(errno);
    const outcomes = new Set(decoded.flatMap((d) => d.kernel.map((k) => k.outcome.split(/[ =]/)[0])));
    expect([...outcomes].sort()).toEqual(["ran", "ret", "signal", "trap"]);
  });

  it("the runner's stubs sit where the generator assumed", () => {
    for (const d of decoded)
      d.c.probes.forEach((p, i) => {
        expect(BigInt(`0x${d.kernel[i]!.ip}`)).toBe(p.bits === 64 ? STUB_IP_64 : STUB_IP_32);
      });
  });

  it("agrees with the kernel on every install and every verdict", () => {
    const mismatches: string[] = [];
    for (const { c, kernel } of decoded) {
      const predictions = predictCase(c);
      c.probes.forEach((_p, i) => {
        const e = predictions[i]!;
        const k = kernel[i]!;
        if (e.inst.join() !== k.inst.join() || e.outcome !== k.outcome)
          mismatches.push(
            `case ${c.id} ${c.name} probe ${i}: kernel ${k.inst} ${k.outcome}, emulator ${e.inst} ${e.outcome}`,
          );
      });
    }
    expect(mismatches).toEqual([]);
  });
});
