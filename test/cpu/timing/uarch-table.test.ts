import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileUarch, INSN_FORMS } from "../../../src/cpu/timing/uarch.ts";
import {
  compileProfile,
  getProfile,
  UARCH_TABLES,
  uarchMarkdownTable,
} from "../../../src/measure/profile.ts";
import { skylakeServerUarch } from "../../../src/measure/profiles/skylake-server-uarch.ts";

describe("µarch tables", () => {
  it("source every row and compile", () => {
    for (const u of UARCH_TABLES.values()) {
      for (const f of INSN_FORMS) expect(u.forms[f].source.trim()).not.toBe("");
      for (const v of [u.issueWidth, u.loadLatency, u.mispredictPenalty, u.returnStackEntries, u.macroFusion])
        expect(v.source.trim()).not.toBe("");
    }
    const t = getProfile("cascadelake-2022").costs.timing;
    expect(t?.model).toBe("ooo");
    if (t?.model === "ooo") expect(() => compileUarch(t.uarch)).not.toThrow();
    expect(getProfile("sandybridge-2011").costs.timing).toBeUndefined();
  });

  it("rejects a profile naming an unknown table or a bad timing, naming the field", () => {
    const spec = { ...getProfile("cascadelake-2022").spec };
    expect(() => compileProfile({ ...spec, uarch: "pentium" })).toThrow(
      /uarch "pentium" is not a known µarch table/,
    );
    expect(() => compileProfile({ ...spec, timing: "fast" as "flat" })).toThrow(
      /timing must be "flat" or "ooo"/,
    );
    expect(() => compileProfile({ ...spec, timing: "flat" })).toThrow(
      /uarch is only read when timing is "ooo"/,
    );
  });

  it("is shown in docs/cost-profiles.md as in the data", () => {
    const doc = readFileSync(new URL("../../../docs/cost-profiles.md", import.meta.url), "utf8");
    const begin = "<!-- uarch-table:skylake-server:begin -->";
    const a = doc.indexOf(begin);
    const b = doc.indexOf("<!-- uarch-table:skylake-server:end -->");
    expect(a).toBeGreaterThan(0);
    expect(doc.slice(a + begin.length, b).trim()).toBe(uarchMarkdownTable(skylakeServerUarch).trim());
  });
});
