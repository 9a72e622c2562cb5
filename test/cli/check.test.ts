import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck, suiteFor, updateHint } from "../../src/cli/check.ts";
import { githubAnnotations, githubSummary, junitXml } from "../../src/cli/check-formats.ts";
import { UsageError } from "../../src/cli/output.ts";
import { type Baseline, type GateResult, validateBaseline } from "../../src/measure/gate.ts";
import type { CostProfile } from "../../src/measure/profile.ts";

const committed = JSON.parse(readFileSync("bench/baseline.json", "utf8")) as Baseline;

/** A profile that refuses to be simulated with: runCheck must fail before it measures anything. */
const untouchable = new Proxy({} as CostProfile, {
  get(_t, prop) {
    if (prop === "name") return "sandybridge-2011";
    throw new Error(`simulation started (profile.${String(prop)} read)`);
  },
});

function baselineFile(edit: (b: Record<string, unknown>) => void): string {
  const b = structuredClone(committed) as unknown as Record<string, unknown>;
  edit(b);
  const f = join(mkdtempSync(join(tmpdir(), "check-")), "baseline.json");
  writeFileSync(f, JSON.stringify(b));
  return f;
}

function failure(f: string): string {
  try {
    runCheck({ baseline: f, tolerancePct: 0, update: false, profile: untouchable, json: false });
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError); // exit 2
    return (e as Error).message;
  }
  throw new Error("the check passed");
}

describe("check: the baseline is validated before any simulation, with exact messages", () => {
  it("no points, a negative point, null points, a non-number", () => {
    let f = baselineFile((b) => {
      b.points = {};
    });
    expect(failure(f)).toBe(
      `baseline ${f}: points: expected at least one point, got {} (regenerate it with: syscall-lab check --baseline ${f} --update-baseline)`,
    );
    f = baselineFile((b) => {
      (b.points as Record<string, number>)["none null depth=0 filtered"] = -5;
    });
    expect(failure(f)).toMatch(
      /^baseline \S+: points\["none null depth=0 filtered"\]: expected a positive number of cycles, got -5 /,
    );
    f = baselineFile((b) => {
      b.points = null;
    });
    expect(failure(f)).toMatch(
      /^baseline \S+: points: expected an object of point → cycles per syscall, got null /,
    );
    f = baselineFile((b) => {
      (b.points as Record<string, unknown>)["none null depth=0 filtered"] = "194";
    });
    expect(failure(f)).toMatch(
      /points\["none null depth=0 filtered"\]: expected cycles per syscall \(a number\)/,
    );
    f = baselineFile((b) => {
      (b.suite as { count: unknown }).count = "20";
    });
    expect(failure(f)).toMatch(/^baseline \S+: suite\.count: expected a loop count, got "20" /);
  });

  it("points or a suite for a different suite", () => {
    let f = baselineFile((b) => {
      (b.points as Record<string, number>)["mine null depth=0 filtered"] = 200;
    });
    expect(failure(f)).toMatch(/points\["mine null depth=0 filtered"\]: not a point of the baseline's suite/);
    f = baselineFile((b) => {
      (b.suite as { designs: string[] }).designs.push("my-design");
    });
    expect(failure(f)).toMatch(
      /was made for a different suite: designs has my-design that this run does not measure \(make one for this suite with: syscall-lab check --baseline \S+ --update-baseline\)$/,
    );
    f = baselineFile((b) => {
      (b.suite as { depths: number[] }).depths = [0];
      b.points = Object.fromEntries(
        Object.entries(b.points as Record<string, number>).filter(([k]) => k.includes("depth=0")),
      );
    });
    expect(failure(f)).toMatch(/different suite: depths lacks 2/);
  });

  it("missing, corrupt and empty files", () => {
    const dir = mkdtempSync(join(tmpdir(), "check-"));
    expect(failure(join(dir, "nope.json"))).toMatch(/^no baseline at \S+nope\.json \(create it with/);
    writeFileSync(join(dir, "corrupt.json"), "{");
    expect(failure(join(dir, "corrupt.json"))).toMatch(/^cannot read baseline \S+corrupt\.json: /);
    writeFileSync(join(dir, "empty.json"), "");
    expect(failure(join(dir, "empty.json"))).toMatch(
      /^cannot read baseline \S+empty\.json: Unexpected end of JSON/,
    );
  });

  it("the committed baseline validates", () => {
    expect(validateBaseline(committed).suite.designs).toEqual(suiteFor(undefined).designs);
  });

  it("the failure hint names the baseline, the designs and the profile the run used", () => {
    expect(
      updateHint({
        baseline: "ci/my-baseline.json",
        tolerancePct: 0,
        update: false,
        profile: { name: "cascadelake-2022" } as CostProfile,
        json: false,
        designs: [{ id: "all" }, { id: "mine", file: "./mine.ts", sha256: "0".repeat(64) }],
      }),
    ).toBe(
      "syscall-lab check --baseline ci/my-baseline.json --designs all,./mine.ts --profile cascadelake-2022 --update-baseline",
    );
    expect(suiteFor([{ id: "mine" }]).designs).toEqual(["none", "mine"]);
  });
});

describe("check for CI systems", () => {
  const r: GateResult = {
    ok: false,
    tolerancePct: 0.5,
    rows: [
      { key: "none null depth=0 filtered", baseline: 194, current: 194, changePct: 0, verdict: "same" },
      { key: "mine null depth=0 filtered", baseline: 200, current: 210, changePct: 5, verdict: "regression" },
      { key: "mine null depth=2 filtered", baseline: 200, current: 200.5, changePct: 0.25, verdict: "worse" },
      {
        key: "mine null depth=4 filtered",
        baseline: 200,
        current: null,
        changePct: null,
        verdict: "missing",
      },
    ],
  };
  it("GitHub workflow commands: an error per failing point on the baseline file, escaped", () => {
    expect(githubAnnotations(r, "ci/base,line.json", "HINT").split("\n")).toEqual([
      "::error file=ci/base%2Cline.json,title=syscall-lab check%3A regression::mine null depth=0 filtered: 200.00 → 210.00 cycles per syscall (+5.00 %25), tolerance 0.50 %25",
      "::warning file=ci/base%2Cline.json,title=syscall-lab check%3A slower within tolerance::mine null depth=2 filtered: 200.00 → 200.50 cycles per syscall (+0.25 %25), tolerance 0.50 %25",
      "::error file=ci/base%2Cline.json,title=syscall-lab check%3A missing::mine null depth=4 filtered: in the baseline (200.00 cycles per syscall) but not measured",
      "::notice title=syscall-lab check::4 points against ci/base,line.json: 1 same, 0 better, 1 worse within tolerance, 1 regressions, 0 new, 1 missing — FAILED; if the change is intended, run: HINT",
    ]);
  });
  it("the job summary: a Markdown table of what changed", () => {
    const md = githubSummary(r, "b.json", "HINT");
    expect(md).toContain("### syscall-lab check FAILED");
    expect(md).toContain("| mine null depth=0 filtered | 200.00 | 210.00 | +5.00 % | **regression** |");
    expect(md).not.toContain("| none null depth=0 filtered |");
    expect(md).toContain("If the change is intended: `HINT`");
  });
  it("JUnit XML: a test case per point, a failure per regression or vanished point", () => {
    const x = junitXml(r, "b.json");
    expect(x).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="syscall-lab check" tests="4" failures="2">/,
    );
    expect(x.match(/<testcase /g)).toHaveLength(4);
    expect(x.match(/<failure /g)).toHaveLength(2);
    expect(x).toContain('<testcase classname="syscall-lab.mine" name="mine null depth=0 filtered">');
  });
});
