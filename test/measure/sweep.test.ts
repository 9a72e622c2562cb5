import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { designIds } from "../../src/cgroup/designs/index.ts";
import { UsageError } from "../../src/cli/output.ts";
import { runSweepCommand } from "../../src/cli/sweep.ts";
import { validateExperiment } from "../../src/measure/experiment.ts";
import {
  CSV_COLUMNS,
  readResults,
  runSweep,
  type SweepResult,
  writeAtomic,
} from "../../src/measure/sweep.ts";

const BIN = fileURLToPath(new URL("../../scripts/dev-cli.js", import.meta.url));

// 2 designs (+ none) × 2 depths, filtered: 6 points of 5 getppid calls each
const small = validateExperiment(
  {
    name: "small",
    axes: {
      designs: ["cgroup-walk", "cgroup-composed"],
      depths: [0, 2],
      modes: ["filtered"],
      workloads: ["null"],
      counts: [5],
    },
  },
  "small.json",
);

const tmp = () => mkdtempSync(join(tmpdir(), "sweep-"));
const lines = (dir: string) =>
  readFileSync(join(dir, "results.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "");
const parsed = (dir: string) => lines(dir).map((l) => JSON.parse(l) as SweepResult);

describe("sweep", () => {
  it("runs every point in worker threads and writes JSONL and CSV with the overhead against none", async () => {
    const dir = tmp();
    const seen: number[] = [];
    const s = await runSweep({ experiment: small, outDir: dir, jobs: 2, onProgress: (d) => seen.push(d) });
    expect(s).toMatchObject({ points: 6, ran: 6, skipped: 0, remaining: 0, failed: [], jobs: 2 });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const rs = parsed(dir);
    expect(rs).toHaveLength(6);
    const at = (design: string, depth: number) =>
      rs.find((r) => r.config.design === design && r.config.depth === depth)!;
    // docs/designs.md: none 194, cgroup-walk 205/219 at depth 0/2, cgroup-composed 201 at every depth
    expect(at("none", 2)).toMatchObject({
      cyclesPerCall: 194,
      calls: 5,
      sysOverheadPct: 0,
      extraCyclesPerCall: 0,
    });
    expect(at("cgroup-walk", 0).cyclesPerCall).toBe(205);
    expect(at("cgroup-walk", 2)).toMatchObject({
      cyclesPerCall: 219,
      extraCyclesPerCall: 25,
      baseline: at("none", 2).id,
    });
    expect(at("cgroup-walk", 2).sysOverheadPct).toBeCloseTo(
      (at("cgroup-walk", 2).sysCycles / at("none", 2).sysCycles - 1) * 100,
      12,
    );
    expect(at("cgroup-composed", 0).cyclesPerCall).toBe(201);
    const csv = readFileSync(join(dir, "results.csv"), "utf8").trimEnd().split("\n");
    expect(csv[0]).toBe(CSV_COLUMNS.join(","));
    expect(csv).toHaveLength(7);
    expect(csv.find((l) => l.startsWith(at("cgroup-walk", 2).id))).toContain(
      ",cgroup-walk,cgroup-walk,2,filtered,null,",
    );
    expect(readdirSync(dir).sort()).toEqual(["results.csv", "results.jsonl", "summary.json"]);
  });

  it("resumes an interrupted sweep: finished points are skipped, a truncated last line is redone", async () => {
    const dir = tmp();
    // jobs 1: on this thread (the worker path is the test above)
    const first = await runSweep({ experiment: small, outDir: dir, jobs: 1, maxPoints: 3 });
    expect(first).toMatchObject({ ran: 3, skipped: 0, remaining: 3 });
    const before = lines(dir);
    expect(before).toHaveLength(3);
    // an append cut short by a kill: half of a fourth line, no newline
    const partial = JSON.stringify({ ...parsed(dir)[0], id: "cut" }).slice(0, 40);
    writeFileSync(join(dir, "results.jsonl"), `${before.join("\n")}\n${partial}`);
    const second = await runSweep({ experiment: small, outDir: dir, jobs: 1 });
    expect(second).toMatchObject({ ran: 3, skipped: 3, remaining: 0, failed: [] });
    const after = lines(dir);
    expect(after).toHaveLength(6);
    expect(after.slice(0, 3)).toEqual(before);
    expect(new Set(parsed(dir).map((r) => r.id)).size).toBe(6);
    const third = await runSweep({ experiment: small, outDir: dir, jobs: 1 });
    expect(third).toMatchObject({ ran: 0, skipped: 6, jobs: 0 });
    expect(lines(dir)).toEqual(after);
  });

  it("replays an strace log as a workload: once per other axes, in the replay's cgroup when filtered", async () => {
    const dir = tmp();
    const log = fileURLToPath(new URL("../fixtures/strace/bracket.log", import.meta.url));
    const e = validateExperiment(
      {
        name: "trace",
        axes: {
          designs: ["cgroup-composed"],
          depths: [0, 2],
          modes: ["filtered"],
          workloads: [`trace:${log}`],
        },
      },
      "trace.json",
    );
    const s = await runSweep({ experiment: e, outDir: dir, jobs: 1 });
    expect(s).toMatchObject({ points: 2, ran: 2, failed: [] });
    const [none, composed] = parsed(dir);
    expect(none!.config).toMatchObject({ design: "none", depth: 1, count: 1 });
    expect(composed!.calls).toBe(none!.calls);
    expect(composed!.calls).toBeGreaterThan(100);
    // cgroup-composed: one bitmap test per call, 7 cycles on sandybridge-2011
    expect(composed!.extraCyclesPerCall).toBe(7);
  });

  it("drops a line that does not parse and rewrites the file without it", () => {
    const dir = tmp();
    const f = join(dir, "results.jsonl");
    const good = JSON.stringify({ id: "a", config: {} });
    writeFileSync(f, `${good}\n{"id": "b", "con\n${good.replace('"a"', '"c"')}\n{"id"`);
    expect(readResults(f).map((r) => r.id)).toEqual(["a", "c"]);
    expect(readFileSync(f, "utf8")).toBe(`${good}\n${good.replace('"a"', '"c"')}\n`);
  });

  it("writes files atomically: a temporary file renamed into place, none left behind", () => {
    const dir = tmp();
    const f = join(dir, "results.csv");
    writeFileSync(f, "old");
    writeAtomic(f, "new,content\n");
    expect(readFileSync(f, "utf8")).toBe("new,content\n");
    writeAtomic(join(dir, "x.png"), new Uint8Array([0x89, 0x50]));
    expect([...readFileSync(join(dir, "x.png"))]).toEqual([0x89, 0x50]);
    expect(readdirSync(dir).sort()).toEqual(["results.csv", "x.png"]);
  });

  it("CLI: --json prints one JSON document, no progress bar off a terminal; a bad file is a usage error", async () => {
    const dir = tmp();
    const exp = join(dir, "e.json");
    writeFileSync(
      exp,
      JSON.stringify({
        name: "cli",
        axes: {
          designs: ["cgroup-composed"],
          depths: [1],
          modes: ["unfiltered"],
          workloads: ["null"],
          counts: [3],
        },
      }),
    );
    const r = spawnSync(
      process.execPath,
      [BIN, "sweep", exp, "-o", join(dir, "out"), "--json", "--jobs", "1"],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ experiment: "cli", points: 2, ran: 2 });
    writeFileSync(
      exp,
      JSON.stringify({ name: "cli", axes: { designs: ["x"], depths: [1], workloads: ["null"] } }),
    );
    await expect(runSweepCommand({ file: exp, outDir: join(dir, "out"), json: false })).rejects.toThrow(
      new UsageError(
        `${exp}: axes.designs[0]: unknown design "x" (known: ${designIds().join(", ")}, all, or a .ts/.js file)`,
      ),
    );
  });
});
