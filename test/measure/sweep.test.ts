import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { designIds } from "../../src/cgroup/designs/index.ts";
import { UsageError } from "../../src/cli/output.ts";
import { buildReport } from "../../src/cli/report.ts";
import { runSweepCommand, sweepExitCode } from "../../src/cli/sweep.ts";
import { defaultGuestLimits, setDefaultGuestLimits } from "../../src/kernel/guest-limits.ts";
import { expandPoints, validateExperiment } from "../../src/measure/experiment.ts";
import { LineAppender, LOCK_FILE, lockDir } from "../../src/measure/result-dir.ts";
import {
  CSV_COLUMNS,
  runSweep,
  type SweepResult,
  workerCount,
  writeAtomic,
} from "../../src/measure/sweep.ts";
import { readResultsFile } from "../../src/measure/sweep-result.ts";
import { parseShard, shardPoints } from "../../src/measure/sweep-shard.ts";
import { cli as run } from "../helpers/cli.ts";

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
    expect(readdirSync(dir).sort()).toEqual([
      "breakdown.json",
      "flame.json",
      "results.csv",
      "results.jsonl",
      "summary.json",
    ]);
    // every line says what produced it; summary.json records the run's whole environment
    expect(rs[0]!.provenance).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      designSha256: null,
    });
    expect(rs[0]!.provenance.profileSha256).toMatch(/^[0-9a-f]{64}$/);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(Object.keys(summary.environment)).toEqual(
      expect.arrayContaining(["version", "commit", "node", "host", "platform", "cpus", "argv", "date"]),
    );
    expect(summary.profiles["sandybridge-2011"]).toBe(rs[0]!.provenance.profileSha256);
    expect(summary.experimentSpec.name).toBe("small");
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

  it("refuses a results file with a bad complete line, naming the line; reports a torn last line", () => {
    const dir = tmp();
    const f = join(dir, "results.jsonl");
    writeFileSync(f, `{"id": "b", "con\n`);
    expect(() => readResultsFile(f)).toThrow(`${f}:1: not valid JSON`);
    writeFileSync(f, `{"id"`);
    expect(readResultsFile(f)).toMatchObject({ results: [], tornLine: 1, completeBytes: 0 });
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
    // the rename fails (a directory is in the way): the error names the path, the temporary file is gone
    mkdirSync(join(dir, "summary.json"));
    writeFileSync(join(dir, "summary.json", "keep"), "");
    expect(() => writeAtomic(join(dir, "summary.json"), "{}")).toThrow(
      `cannot write ${join(dir, "summary.json")}: `,
    );
    expect(readdirSync(dir).sort()).toEqual(["results.csv", "summary.json", "x.png"]);
  });

  it("a full disk: the append fails with the path and the reason, and no torn line is left", () => {
    const out = new LineAppender("/dev/full");
    expect(() => out.append("x".repeat(100))).toThrow("cannot append to /dev/full: no space left on device");
    out.close();
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
    const r = run(["sweep", exp, "-o", join(dir, "out"), "--json", "--jobs", "1"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ experiment: "cli", points: 2, ran: 2 });
    writeFileSync(
      exp,
      JSON.stringify({ name: "cli", axes: { designs: ["x"], depths: [1], workloads: ["null"] } }),
    );
    // usage errors of the command line: exit 2 with the message
    const cli = (...args: string[]) => run(args);
    const shard = cli("sweep", exp, "-o", join(dir, "o2"), "--shard", "5/4");
    expect([shard.status, shard.stderr]).toEqual([2, "syscall-lab: --shard: K must be from 1 to 4, got 5\n"]);
    const merge = cli("report", join(dir, "out"), join(dir, "out"));
    expect([merge.status, merge.stderr]).toEqual([
      2,
      "syscall-lab: report: merging several directories needs -o OUT (a new directory)\n",
    ]);
    await expect(runSweepCommand({ file: exp, outDir: join(dir, "out"), json: false })).rejects.toThrow(
      new UsageError(
        `${exp}: axes.designs[0]: unknown design "x" (known: ${designIds().join(", ")}, all, or a .ts/.js file)`,
      ),
    );
  });

  it("a changed design file is measured again, and says how many points and why; the old lines are kept aside", async () => {
    const dir = tmp();
    const src = readFileSync(
      fileURLToPath(new URL("../../examples/designs/cgroup-bytemap.ts", import.meta.url)),
      "utf8",
    );
    const design = join(dir, "bytemap.ts");
    writeFileSync(
      design,
      src.replaceAll("../../src/", fileURLToPath(new URL("../../src/", import.meta.url))),
    );
    const e = validateExperiment(
      {
        name: "file",
        axes: { designs: [design], depths: [0, 1], modes: ["filtered"], workloads: ["null"], counts: [3] },
      },
      "file.json",
    );
    const notices: string[] = [];
    const out = join(dir, "out");
    const first = await runSweep({ experiment: e, outDir: out, jobs: 1, onNotice: (m) => notices.push(m) });
    expect(first).toMatchObject({ points: 4, ran: 4, remeasured: 0 });
    expect(notices[0]).toMatch(
      new RegExp(`^executing design file ${design} \\(sha256 [0-9a-f]{12}…\\) in each worker$`),
    );
    const line = parsed(out).find((r) => r.config.design === design)!;
    expect(line.designId).toBe("cgroup-bytemap");
    expect(line.provenance.designSha256).toMatch(/^[0-9a-f]{64}$/);
    // unchanged: nothing runs
    expect(await runSweep({ experiment: e, outDir: out, jobs: 1 })).toMatchObject({ ran: 0, skipped: 4 });
    // issue 12's reproducer: eight nops in the check, one cycle each on sandybridge-2011
    const before = parsed(out).find((r) => r.config.design === design && r.config.depth === 0)!.cyclesPerCall;
    const text = readFileSync(design, "utf8");
    writeFileSync(
      design,
      text.replace('"movq %gs:current_task, %rcx",', `${'"nop", '.repeat(8)}"movq %gs:current_task, %rcx",`),
    );
    notices.length = 0;
    const again = await runSweep({ experiment: e, outDir: out, jobs: 1, onNotice: (m) => notices.push(m) });
    expect(again).toMatchObject({
      ran: 2,
      skipped: 2,
      remeasured: 2,
      remeasureReasons: [`design ${design} changed`],
    });
    expect(notices).toContain(`re-measuring 2 points: design ${design} changed`);
    expect(lines(join(dir, "out"))).toHaveLength(4);
    expect(parsed(out).find((r) => r.config.design === design && r.config.depth === 0)!.cyclesPerCall).toBe(
      before + 8,
    );
    expect(readFileSync(join(out, "superseded.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(2);
  });

  it("the CSV carries every axis: a seccompCache sweep gives rows that differ in that column", async () => {
    const dir = tmp();
    const e = validateExperiment(
      {
        name: "cache",
        axes: {
          designs: ["seccomp-bpf"],
          depths: [0],
          modes: ["filtered"],
          workloads: ["null"],
          counts: [3],
          seccompCache: [true, false],
        },
      },
      "cache.json",
    );
    await runSweep({ experiment: e, outDir: dir, jobs: 1 });
    const csv = readFileSync(join(dir, "results.csv"), "utf8").trimEnd().split("\n");
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const rows = csv.slice(1).map((l) => l.split(","));
    const seccomp = rows.filter((r) => r[col("design")] === "seccomp-bpf");
    expect(seccomp.map((r) => r[col("seccompCache")])).toEqual(["true", "false"]);
    // the breakdown takes the first setting (cache on): seccomp-bpf's cheaper call
    const b = JSON.parse(readFileSync(join(dir, "breakdown.json"), "utf8"));
    expect(b.spec.seccompCache).toBe(true);
    const cached = seccomp.find((r) => r[col("seccompCache")] === "true")!;
    expect(b.rows.find((x: { designId: string }) => x.designId === "seccomp-bpf").total).toBe(
      Number(cached[col("cyclesPerCall")]),
    );
  });

  it("--shard K/N: 4 shards cover every point once, and merged by report they equal the unsharded sweep", async () => {
    const e = validateExperiment(
      {
        name: "shards",
        description: "Four shards.",
        axes: {
          designs: ["cgroup-walk", "cgroup-composed"],
          depths: [0, 1, 2, 3],
          workloads: ["null"],
          counts: [3],
        },
      },
      "shards.json",
    );
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard("5/4")).toBe("--shard: K must be from 1 to 4, got 5");
    expect(parseShard("x")).toBe("--shard must be K/N (for example 2/4), got 'x'");
    const all = expandPoints(e).points;
    const slices = [1, 2, 3, 4].map((k) => shardPoints(all, { index: k, count: 4 }));
    expect(
      slices
        .flat()
        .map((p) => p.id)
        .sort(),
    ).toEqual(all.map((p) => p.id).sort());
    expect(slices.map((x) => x.length)).toEqual([6, 6, 6, 6]);
    const whole = tmp();
    await runSweep({ experiment: e, outDir: whole, jobs: 1 });
    const dirs = [1, 2, 3, 4].map(() => tmp());
    for (const [i, d] of dirs.entries()) {
      const s = await runSweep({ experiment: e, outDir: d, jobs: 1, shard: { index: i + 1, count: 4 } });
      expect(s).toMatchObject({ points: 6, ran: 6, failed: [], shard: { index: i + 1, count: 4 } });
    }
    const merged = join(tmp(), "merged");
    const m = await buildReport({ dirs, outDir: merged, figures: false, json: false });
    const one = await buildReport({ dirs: [whole], outDir: join(tmp(), "one"), figures: false, json: false });
    expect(lines(merged).sort()).toEqual(lines(whole).sort());
    expect(m.tables).toEqual(one.tables);
    expect(m.breakdown).toEqual(one.breakdown);
    expect(m.points).toBe(24);
    // the flame stacks are traced by shard 1 only, and the merged directory carries them
    expect(dirs.map((d) => existsSync(join(d, "flame.json")))).toEqual([true, false, false, false]);
    expect(readFileSync(join(merged, "flame.json"), "utf8")).toBe(
      readFileSync(join(whole, "flame.json"), "utf8"),
    );
  });

  it("one sweep at a time per directory: a second is refused naming the holder; a stale lock is taken over", async () => {
    const dir = tmp();
    const [a, b] = await Promise.allSettled([
      runSweep({ experiment: small, outDir: dir, jobs: 1 }),
      runSweep({ experiment: small, outDir: dir, jobs: 1 }),
    ]);
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    expect(String((b as PromiseRejectedResult).reason.message)).toMatch(
      new RegExp(
        `^${dir} is in use by another sweep \\(pid ${process.pid}, since .*\\); wait for it to finish, or sweep into another directory$`,
      ),
    );
    expect(new Set(parsed(dir).map((r) => r.id)).size).toBe(lines(dir).length);
    expect(readdirSync(dir)).not.toContain(LOCK_FILE);
    // a lock left by a process that no longer runs
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    const pid = Number(gone.stdout.trim());
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: (await import("node:os")).hostname(), started: "then", command: "sweep" }),
    );
    const notices: string[] = [];
    const release = lockDir(dir, "test", (m) => notices.push(m));
    expect(notices).toEqual([
      `removing the stale lock of pid ${pid} (no longer running) in ${join(dir, LOCK_FILE)}`,
    ]);
    release();
    expect(readdirSync(dir)).not.toContain(LOCK_FILE);
  });

  it("workers: never more than the CPUs, and the sweep says when it capped them", () => {
    const cpus = (globalThis as { navigator?: { hardwareConcurrency: number } }).navigator
      ?.hardwareConcurrency;
    const w = workerCount(256, 1000);
    expect(w.capped).toBe(true);
    expect(w.jobs).toBeLessThanOrEqual(cpus ?? 256);
    expect(w.jobs).toBeLessThan(256);
    expect(workerCount(1, 1000)).toEqual({ jobs: 1, capped: false });
    expect(workerCount(undefined, 1).jobs).toBe(1);
  });
});

describe("sweep under guest limits (--max-insns, --timeout, --memory)", () => {
  const one = (count: number, designs: string[] = ["cgroup-walk"]) =>
    validateExperiment(
      {
        name: "lim",
        axes: { designs, depths: [0], modes: ["filtered"], workloads: ["null"], counts: [count] },
      },
      "lim.json",
    );
  const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));

  it("a point the instruction budget stops is failed with its reason, not written; exit 125; this thread's limits are restored", async () => {
    const dir = tmp();
    const before = { maxInstructions: 7e9, timeoutMs: 1e6 };
    setDefaultGuestLimits(before);
    const notices: string[] = [];
    const s = await runSweep({
      experiment: one(3),
      outDir: dir,
      jobs: 1,
      limits: { maxInstructions: 50 },
      onNotice: (m) => notices.push(m),
    });
    expect(defaultGuestLimits()).toEqual(before);
    // the traces of the breakdown and the flame stacks run under the same budget: said, and no file is claimed
    expect(notices).toEqual([
      "the cycle breakdown failed: stopped by the instruction budget: 50 instructions retired (raise it with --max-insns)",
      "the flame stacks failed: stopped by the instruction budget: 50 instructions retired (raise it with --max-insns)",
    ]);
    expect([s.files.breakdown, s.files.flame]).toEqual([null, null]);
    setDefaultGuestLimits({});
    expect(s).toMatchObject({ points: 2, ran: 0, remaining: 2 });
    expect(s.failed.map((f) => [f.config.design, f.stoppedBy, f.error])).toEqual([
      [
        "none",
        "budget",
        "stopped by the instruction budget: 50 instructions retired (raise it with --max-insns)",
      ],
      [
        "cgroup-walk",
        "budget",
        "stopped by the instruction budget: 50 instructions retired (raise it with --max-insns)",
      ],
    ]);
    expect(readFileSync(join(dir, "results.jsonl"), "utf8")).toBe("");
    expect(summaryOf(dir).limits).toEqual({ maxInstructions: 50 });
    expect(summaryOf(dir).failed.map((f: { stoppedBy: string }) => f.stoppedBy)).toEqual([
      "budget",
      "budget",
    ]);
    expect(sweepExitCode(s)).toBe(125);
    // the same points with room to run are measured (the budget, not the points, stopped them)
    const ok = await runSweep({ experiment: one(3), outDir: dir, jobs: 1, limits: { maxInstructions: 1e6 } });
    expect(ok).toMatchObject({ ran: 2, failed: [] });
    expect([ok.files.breakdown, ok.files.flame]).toEqual([
      join(dir, "breakdown.json"),
      join(dir, "flame.json"),
    ]);
    expect(sweepExitCode(ok)).toBe(0);
  });

  it("worker threads get the limits: a design file's points, measured by a worker only, are stopped too", async () => {
    const dir = tmp();
    const design = join(dir, "walk.mjs");
    // a design file that is cgroup-walk under another id: only worker threads load design files
    writeFileSync(
      design,
      `import { getDesign } from ${JSON.stringify(fileURLToPath(new URL("../../src/cgroup/designs/index.ts", import.meta.url)))};
export default () => ({ ...getDesign("cgroup-walk"), id: "walk-copy" });
`,
    );
    const s = await runSweep({
      experiment: one(3, [design]),
      outDir: dir,
      jobs: 1,
      limits: { maxInstructions: 50 },
    });
    expect(s.failed.map((f) => f.stoppedBy)).toEqual(["budget", "budget"]);
    expect(s.failed.find((f) => f.config.design === design)!.error).toMatch(
      /^stopped by the instruction budget/,
    );
  });

  it("the time limit is per point: a long point is stopped (exit 124), a sweep is not cut at a whole-command deadline", async () => {
    const dir = tmp();
    const s = await runSweep({ experiment: one(200_000), outDir: dir, jobs: 1, limits: { timeoutMs: 5 } });
    expect(s.failed.map((f) => f.stoppedBy)).toEqual(["timeout", "timeout"]);
    expect(s.failed[0]!.error).toMatch(/^stopped by the time limit: 0.005 s of wall-clock time/);
    expect(sweepExitCode(s)).toBe(124);
    // a deadline the CLI set for the whole command in the past does not reach the sweep's machines
    setDefaultGuestLimits({ deadline: performance.now() - 1 });
    try {
      expect(await runSweep({ experiment: one(3), outDir: tmp(), jobs: 1 })).toMatchObject({
        ran: 2,
        failed: [],
      });
    } finally {
      setDefaultGuestLimits({});
    }
  });

  it("the exit code: a point that failed outright (1) before the time limit (124) before the budget (125)", () => {
    const f = (stoppedBy: "budget" | "timeout" | null) => ({
      id: "x",
      config: {} as never,
      error: "e",
      stoppedBy,
    });
    const s = (...failed: ReturnType<typeof f>[]) => sweepExitCode({ failed } as never);
    expect(s()).toBe(0);
    expect(s(f("budget"))).toBe(125);
    expect(s(f("budget"), f("timeout"))).toBe(124);
    expect(s(f("timeout"), f(null), f("budget"))).toBe(1);
  });

  it("CLI: --max-insns reaches every point and the exit code is 125; a bad value is a usage error (2)", () => {
    const dir = tmp();
    const exp = join(dir, "e.json");
    writeFileSync(
      exp,
      JSON.stringify({
        name: "cli-lim",
        axes: {
          designs: ["cgroup-walk"],
          depths: [0],
          modes: ["filtered"],
          workloads: ["null"],
          counts: [3],
        },
      }),
    );
    const cli = (...args: string[]) => run(args);
    const r = cli("sweep", exp, "-o", join(dir, "out"), "--jobs", "2", "--max-insns", "50");
    expect(r.status).toBe(125);
    expect(
      r.stdout.match(/^stopped: .*: stopped by the instruction budget: 50 instructions retired/gm),
    ).toHaveLength(2);
    const bad = cli("sweep", exp, "-o", join(dir, "out2"), "--max-insns", "lots");
    expect([bad.status, bad.stderr]).toEqual([
      2,
      "syscall-lab: --max-insns must be a positive integer (e.g. 1000000 or 2e9), got 'lots'\n",
    ]);
    const mem = cli("sweep", exp, "-o", join(dir, "out3"), "--memory", "1K");
    expect([mem.status, mem.stderr]).toEqual([2, "syscall-lab: --memory must be from 16M to 1G, got 1K\n"]);
  });
});
