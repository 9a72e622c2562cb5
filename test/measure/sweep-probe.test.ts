import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildReport, renderReport } from "../../src/cli/report.ts";
import { renderSweep } from "../../src/cli/sweep.ts";
import { validateExperiment } from "../../src/measure/experiment.ts";
import { runSweep, type SweepResult } from "../../src/measure/sweep.ts";
import { denyProbeFindings, enforcesNothingWarnings } from "../../src/measure/sweep-probe.ts";

/** A design whose hooks are empty: it compiles nothing in, so it denies nothing. */
const EMPTY_DESIGN = `export default function emptyDesign() {
  return {
    id: "empty-hooks", title: "enforces nothing", seed: "-", expectation: "-",
    kernel: () => ({ hooks: {} }), attach() {}, cgroupCreated() {}, cgroupRemoved() {}, policyChanged() {},
    taskAttached() {}, memoryBytes: () => 0,
  };
}
`;

const tmp = () => mkdtempSync(join(tmpdir(), "sweep-probe-"));
const parsed = (dir: string) =>
  readFileSync(join(dir, "results.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as SweepResult);

describe("the deny probe of every sweep point", () => {
  it("a design with empty hooks is warned at each of its points, by sweep and report; real designs are not", async () => {
    const dir = tmp();
    const empty = join(dir, "empty.mjs");
    writeFileSync(empty, EMPTY_DESIGN);
    const exp = validateExperiment(
      {
        name: "probe",
        axes: {
          // a cgroup check on the fast path, a TIF-flag design, seccomp, and the design that denies nothing
          designs: ["cgroup-walk", "cgroup-tif", "seccomp-bpf", empty],
          depths: [0, 1],
          modes: ["filtered", "unfiltered"],
          workloads: ["null"],
          counts: [3],
        },
      },
      "probe.json",
    );
    const out = join(dir, "out");
    const s = await runSweep({ experiment: exp, outDir: out, jobs: 1 });
    expect(s).toMatchObject({ points: 20, ran: 20, failed: [], unprobed: 0 });
    const rows = parsed(out);
    for (const r of rows) {
      const expected = r.config.design === "none" ? null : r.config.design !== empty;
      expect([r.config.design, r.config.depth, r.config.mode, r.probeDenied]).toEqual([
        r.config.design,
        r.config.depth,
        r.config.mode,
        expected,
      ]);
    }
    expect(s.enforcesNothing).toHaveLength(1);
    expect(s.enforcesNothing[0]).toMatchObject({ design: empty, designId: "empty-hooks" });
    expect(s.enforcesNothing[0]!.points.map((p) => `${p.depth} ${p.mode}`).sort()).toEqual([
      "0 filtered",
      "0 unfiltered",
      "1 filtered",
      "1 unfiltered",
    ]);
    const warning = `warning: empty-hooks (${empty}) did not deny a call its task's cgroup denies at 4 points (depths 0, 1; filtered, unfiltered; null; linux-3.1; sandybridge-2011): it enforces nothing, so its figures are not the cost of filtering`;
    const text = renderSweep(s);
    expect(text).toContain(warning);
    expect(text.match(/^warning:/gm)).toHaveLength(1);
    // report reads the recorded answers (it runs nothing) and says the same, in the terminal and report.md
    const rep = await buildReport({ dirs: [out], outDir: join(dir, "rep"), figures: false, json: false });
    expect(rep.enforcesNothing.map((e) => e.designId)).toEqual(["empty-hooks"]);
    expect(renderReport(rep, true)).toContain(warning);
    expect(readFileSync(join(dir, "rep", "report.md"), "utf8")).toContain(`> ${warning.slice(9)}`);
  }, 120_000);

  it("lines written before the probe was recorded are read, reported as unprobed, and measured again", async () => {
    const dir = tmp();
    const exp = validateExperiment(
      {
        name: "old",
        axes: {
          designs: ["cgroup-walk"],
          depths: [0],
          modes: ["filtered"],
          workloads: ["null"],
          counts: [3],
        },
      },
      "old.json",
    );
    const out = join(dir, "out");
    await runSweep({ experiment: exp, outDir: out, jobs: 1 });
    // an older syscall-lab's lines: the same, without probeDenied
    const old = parsed(out).map(({ probeDenied: _, ...r }) => r);
    writeFileSync(join(out, "results.jsonl"), old.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const rep = await buildReport({ dirs: [out], outDir: join(dir, "rep"), figures: false, json: false });
    expect(rep.warnings).toContain(
      "1 point was measured before sweeps recorded the deny probe: whether their designs deny anything is unknown (sweep into the directory again to probe them)",
    );
    const notices: string[] = [];
    const again = await runSweep({ experiment: exp, outDir: out, jobs: 1, onNotice: (m) => notices.push(m) });
    expect(again).toMatchObject({ ran: 2, remeasured: 2, unprobed: 0 });
    expect(notices).toContain("re-measuring 2 points: measured before the deny probe was recorded");
    expect(parsed(out).find((r) => r.config.design === "cgroup-walk")!.probeDenied).toBe(true);
  }, 60_000);

  it("a replayed strace log is probed on a machine of its own: ptrace-log (which only logs) is caught", async () => {
    const log = fileURLToPath(new URL("../fixtures/strace/bracket.log", import.meta.url));
    const exp = validateExperiment(
      {
        name: "replay-probe",
        axes: {
          designs: ["cgroup-composed", "ptrace-log"],
          depths: [0],
          modes: ["filtered"],
          workloads: [`trace:${log}`],
        },
      },
      "replay-probe.json",
    );
    const out = join(tmp(), "out");
    const s = await runSweep({ experiment: exp, outDir: out, jobs: 1 });
    expect(parsed(out).map((r) => [r.config.design, r.probeDenied])).toEqual([
      ["none", null],
      ["cgroup-composed", true],
      ["ptrace-log", false],
    ]);
    expect(enforcesNothingWarnings(s.enforcesNothing)).toEqual([
      "ptrace-log did not deny a call its task's cgroup denies at 1 point (depth 1; filtered; trace:bracket.log; linux-3.1; sandybridge-2011): it enforces nothing, so its figures are not the cost of filtering",
    ]);
  }, 60_000);

  it("the warning names every depth and axis value where the design denied nothing", () => {
    const row = (depth: number, mode: string, probeDenied: boolean | null | undefined) =>
      ({
        id: `${depth}${mode}`,
        designId: "x",
        config: {
          design: "./x.ts",
          depth,
          mode,
          workload: "trace:/a/b/ls.strace",
          flavour: "linux-generic",
          profile: "cascadelake-2022",
        },
        ...(probeDenied === undefined ? {} : { probeDenied }),
      }) as unknown as SweepResult;
    const f = denyProbeFindings([row(3, "filtered", false), row(1, "filtered", false), row(0, "x", null)]);
    expect(f.unprobed).toBe(0);
    expect(enforcesNothingWarnings(f.enforcesNothing)).toEqual([
      "x (./x.ts) did not deny a call its task's cgroup denies at 2 points (depths 1, 3; filtered; trace:ls.strace; linux-generic; cascadelake-2022): it enforces nothing, so its figures are not the cost of filtering",
    ]);
    expect(denyProbeFindings([row(0, "filtered", undefined), row(0, "filtered", true)])).toEqual({
      enforcesNothing: [],
      unprobed: 1,
    });
  });
});
