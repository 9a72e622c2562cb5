import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { INSN_CLASSES } from "../../src/cpu/insn-class.ts";
import { NATIVE_NAMES, WORK_COST_NAMES } from "../../src/kernel/native-costs.ts";
import {
  type CostProfileSpec,
  compileProfile,
  describeProfile,
  getProfile,
  listProfiles,
  PRICED_NAMES,
  profileMarkdownTable,
} from "../../src/measure/profile.ts";
import { loadProfileFile } from "../../src/measure/profile-file.ts";

const SB = "sandybridge-2011";

function specCopy(): Record<string, unknown> & CostProfileSpec {
  return JSON.parse(JSON.stringify(getProfile(SB).spec));
}

const tmp = mkdtempSync(join(tmpdir(), "profile-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("registry", () => {
  it("lists the built-in profiles", () => {
    expect(listProfiles()).toEqual(["cascadelake-2022", "cascadelake-2022-pti", SB]);
  });

  it("returns the same compiled object each time", () => {
    expect(getProfile(SB)).toBe(getProfile(SB));
  });

  it("names the known profiles when the name is unknown", () => {
    expect(() => getProfile("pentium-1993")).toThrow(/unknown cost profile "pentium-1993".*sandybridge-2011/);
  });
});

describe("compileProfile", () => {
  it("builds the CostTable and native table from the spec values", () => {
    const p = getProfile(SB);
    for (const c of INSN_CLASSES) expect(p.costs.classes[c]).toBe(p.spec.classes[c].value);
    expect(p.costs.load).toBe(p.spec.load.value);
    expect(p.costs.store).toBe(p.spec.store.value);
    expect(Object.keys(p.natives).sort()).toEqual([...PRICED_NAMES].sort());
    for (const n of PRICED_NAMES) expect(p.natives[n]).toBe(p.spec.natives[n]!.value);
    expect(p.clockHz).toBe(3.4e9);
  });

  it("freezes the result", () => {
    const p = getProfile(SB);
    expect(Object.isFrozen(p.costs.classes)).toBe(true);
    expect(Object.isFrozen(p.natives)).toBe(true);
    expect(Object.isFrozen(p.spec.classes.syscall)).toBe(true);
  });

  it("accepts a modified valid spec and uses its values", () => {
    const s = specCopy();
    s.name = "custom";
    s.classes.div = { value: 20.5, source: "test" };
    const p = compileProfile(s);
    expect(p.name).toBe("custom");
    expect(p.costs.classes.div).toBe(20.5);
  });

  const bad: [string, (s: Record<string, unknown> & CostProfileSpec) => void, RegExp][] = [
    [
      "a missing class",
      (s) => delete (s.classes as Record<string, unknown>).sysret,
      /classes\.sysret is missing/,
    ],
    [
      "an unknown class",
      (s) => Object.assign(s.classes, { vmcall: { value: 1, source: "x" } }),
      /classes\.vmcall is not a known name/,
    ],
    [
      "a negative value",
      (s) => Object.assign(s.classes.div, { value: -1 }),
      /classes\.div\.value must be a finite number >= 0 \(got -1\)/,
    ],
    [
      "NaN",
      (s) => Object.assign(s.load, { value: Number.NaN }),
      /load\.value must be a finite number >= 0 \(got NaN\)/,
    ],
    [
      "Infinity",
      (s) => Object.assign(s.store, { value: Number.POSITIVE_INFINITY }),
      /store\.value must be a finite/,
    ],
    [
      "a string value",
      (s) => Object.assign(s.classes.jcc, { value: "1" }),
      /classes\.jcc\.value must be a finite number >= 0 \(got "1"\)/,
    ],
    [
      "an empty source",
      (s) => Object.assign(s.natives.sys_getpid!, { source: " " }),
      /natives\.sys_getpid\.source must be a non-empty string/,
    ],
    ["a missing native", (s) => delete s.natives.schedule, /natives\.schedule is missing/],
    ["a missing work cost", (s) => delete s.natives.context_switch, /natives\.context_switch is missing/],
    [
      "an unknown native",
      (s) => Object.assign(s.natives, { sys_frobnicate: { value: 1, source: "x" } }),
      /natives\.sys_frobnicate is not a known name/,
    ],
    [
      "a non-boolean fitted",
      (s) => Object.assign(s.classes.iretq, { fitted: "yes" }),
      /classes\.iretq\.fitted must be true or false/,
    ],
    [
      "an unknown Sourced field",
      (s) => Object.assign(s.classes.iretq, { cite: "x" }),
      /classes\.iretq\.cite is not a known field/,
    ],
    ["an unknown top-level field", (s) => Object.assign(s, { cache: {} }), /: cache is not a known field/],
    ["a zero clock", (s) => Object.assign(s.clockHz, { value: 0 }), /clockHz\.value must be at least/],
    // issue 15: 1e308 passed as finite and summed to Infinity - Infinity = NaN cycles
    [
      "an absurd class cost (1e308)",
      (s) => Object.assign(s.classes.iretq, { value: 1e308 }),
      /classes\.iretq\.value 1e\+308 is absurd/,
    ],
    [
      "an absurd native cost",
      (s) => Object.assign(s.natives.context_switch, { value: 1e12 }),
      /natives\.context_switch\.value 1000000000000 is absurd/,
    ],
    [
      "an absurd clock",
      (s) => Object.assign(s.clockHz, { value: 1e300 }),
      /clockHz\.value 1e\+300 is absurd/,
    ],
    ["a missing name", (s) => Object.assign(s, { name: "" }), /name must be a non-empty string/],
    [
      "classes not an object",
      (s) => Object.assign(s, { classes: [] }),
      /classes must be an object keyed by name \(got an array\)/,
    ],
  ];
  for (const [what, mutate, message] of bad) {
    it(`rejects ${what} with a one-line error naming the field`, () => {
      const s = specCopy();
      mutate(s);
      let err: unknown;
      try {
        compileProfile(s);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain("\n");
    });
  }

  it("rejects a spec that is not an object", () => {
    expect(() => compileProfile(null as unknown as CostProfileSpec)).toThrow(
      /must be an object \(got null\)/,
    );
  });
});

describe("loadProfileFile", () => {
  it("loads a JSON spec", () => {
    const s = specCopy();
    s.name = "from-file";
    s.classes.syscall = { value: 80, source: "my measurement", fitted: true };
    const path = join(tmp, "ok.json");
    writeFileSync(path, JSON.stringify(s));
    const p = loadProfileFile(path);
    expect(p.name).toBe("from-file");
    expect(p.costs.classes.syscall).toBe(80);
    expect(describeProfile(p).find((r) => r.key === "classes.syscall")).toEqual({
      key: "classes.syscall",
      cycles: 80,
      source: "my measurement",
      fitted: true,
    });
  });

  it("names the file and the field in validation errors", () => {
    const s = specCopy();
    delete (s.classes as Record<string, unknown>).swapgs;
    const path = join(tmp, "bad.json");
    writeFileSync(path, JSON.stringify(s));
    expect(() => loadProfileFile(path)).toThrow(`(${path}): classes.swapgs is missing`);
  });

  it("reports invalid JSON and unreadable files", () => {
    const path = join(tmp, "broken.json");
    writeFileSync(path, "{ not json");
    expect(() => loadProfileFile(path)).toThrow(`cost profile file ${path} is not valid JSON`);
    expect(() => loadProfileFile(join(tmp, "absent.json"))).toThrow(
      /cost profile file .*absent\.json: no such file/,
    );
  });
});

describe("priced names", () => {
  it("are exactly the kernel's natives and work costs", () => {
    expect(PRICED_NAMES).toEqual([...NATIVE_NAMES, ...WORK_COST_NAMES]);
    expect(new Set(PRICED_NAMES).size).toBe(PRICED_NAMES.length);
  });

  it("rejects the names of a stale list (a profile without the kernel's newer natives)", () => {
    const s = specCopy();
    delete s.natives.sys_getcwd;
    expect(() => compileProfile(s)).toThrow(/natives\.sys_getcwd is missing$/);
  });
});

describe("sandybridge-2011 data", () => {
  const p = getProfile(SB);
  const rows = describeProfile(p);

  it("describes every class, load, store and native exactly once", () => {
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([
      "mitigations.retpoline off",
      "mitigations.returnThunk none",
      ...INSN_CLASSES.map((c) => `classes.${c}`),
      "load",
      "store",
      ...PRICED_NAMES.map((n) => `natives.${n}`),
    ]);
  });

  it("gives every value a non-empty source", () => {
    for (const r of rows) expect(r.source.trim().length, r.key).toBeGreaterThan(10);
    expect(p.spec.clockHz.source.trim()).not.toBe("");
  });

  it("has no fitted values, so the published end-to-end figures stay usable for validation", () => {
    expect(rows.filter((r) => r.fitted)).toEqual([]);
  });

  it("keeps the key orderings the sources state", () => {
    const c = p.costs.classes;
    expect(c.mov).toBe(1);
    expect(c.imul).toBe(3);
    expect(c.div).toBeGreaterThan(c.imul);
    expect(c.iretq).toBeGreaterThan(c.sysret + 100); // Lutomirski 2014: iretq ~100 cycles slower than lretq
    expect(c.syscall + c.sysret).toBe(70); // Stecklina round trip
    expect(c.trap + c.iretq).toBe(610); // interrupt-gate round trip
    expect(c.wrmsr).toBeGreaterThan(c.rdmsr);
  });

  it("prices the native's implicit return as RET (the CPU charges no separate RET)", () => {
    expect(p.costs.classes.native).toBe(p.costs.classes.ret);
  });

  it("splits costs where the kernel charges them", () => {
    const n = p.natives;
    // do_exit is charged on top of sys_exit / sys_exit_group: the wrappers are tiny, the teardown is do_exit
    expect(n.sys_exit).toBeLessThan(20);
    expect(n.sys_exit_group).toBeLessThan(20);
    expect(n.do_exit).toBeGreaterThan(5000);
    // context_switch (with MOV CR3) is charged on top of schedule when it switches
    expect(n.context_switch).toBeGreaterThanOrEqual(p.costs.classes.mov_cr3);
    // sched_yield and do_exit pick the next task without the schedule native: they include its pick part
    expect(n.sys_sched_yield).toBeGreaterThan(n.schedule!);
    expect(n.do_exit).toBeGreaterThan(n.schedule!);
    // uname's 390 bytes are charged per byte, so its body is far below the old copy-inclusive 228
    expect(n.sys_newuname).toBeLessThan(390 * n.copy_user_per_byte! + 100);
    expect(n.copy_user_per_byte).toBeGreaterThan(0);
    expect(n.copy_user_per_byte).toBeLessThan(1);
  });
});

describe("docs/cost-profiles.md", () => {
  const doc = readFileSync(new URL("../../docs/cost-profiles.md", import.meta.url), "utf8");

  it("embeds exactly the table generated from the data", () => {
    const m =
      /<!-- profile-table:sandybridge-2011:begin -->\n([\s\S]*?)\n<!-- profile-table:sandybridge-2011:end -->/.exec(
        doc,
      );
    expect(m, "table markers").not.toBeNull();
    expect(m![1]).toBe(profileMarkdownTable(getProfile(SB)));
  });

  it("lists every key", () => {
    for (const r of describeProfile(getProfile(SB))) expect(doc).toContain(`| ${r.key} | ${r.cycles} |`);
    expect(doc).toContain("| clockHz |");
  });
});
