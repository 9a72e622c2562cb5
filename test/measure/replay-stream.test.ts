// issue 11 item 3: the streamed replay (two passes over the lines, tasks created as the log shows them and released
// at their exit, code assembled once per instruction form) gives exactly the report of the whole-log replay.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStraceLog } from "../../bench/strace-log.ts";
import { PhysicalMemory } from "../../src/cpu/memory.ts";
import { linesOfText, openInputLines } from "../../src/measure/input-file.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { replayStream, summarizeStrace } from "../../src/measure/replay-stream.ts";
import { planReplay, replayLog } from "../../src/measure/run-replay.ts";
import { replayCallCode, replayProgramEnds } from "../../src/workload/replay.ts";
import { parseStrace } from "../../src/workload/strace.ts";

const FIXTURES = ["ls", "pipe", "fork", "signal", "bracket", "edge"] as const;
const fixturePath = (f: string) => join(import.meta.dirname, "..", "fixtures", "strace", `${f}.log`);
const textOf = (f: string) => readFileSync(fixturePath(f), "utf8");

describe("streamed replay", () => {
  it("writes each call's code byte for byte as buildReplay assembles it", () => {
    const profile = getProfile("sandybridge-2011");
    const { prologue, epilogue } = replayProgramEnds();
    for (const f of FIXTURES) {
      const log = parseStrace(textOf(f));
      const plan = planReplay(log, profile, false);
      plan.programs.forEach((p, i) => {
        const lines = new Set(plan.script.processes[i]!.calls.map((c) => c.line));
        const calls = log.calls.filter((c) => lines.has(c.line));
        const parts = [prologue, ...calls.map((c) => replayCallCode(c)), epilogue];
        const bytes = Buffer.concat(parts.map((b) => Buffer.from(b)));
        expect(bytes.equals(Buffer.from(p.image.bytes)), `${f} pid ${p.pid}`).toBe(true);
      });
    }
  });

  const cases = [
    { profile: "sandybridge-2011", design: "none" },
    { profile: "sandybridge-2011", design: "cgroup-walk", cgroupDeny: [202, 0] },
    { profile: "sandybridge-2011", design: "seccomp-bpf", cgroupDeny: [13, 3], tif: ["audit"] },
    {
      profile: "cascadelake-2022",
      design: "seccomp-bpf",
      flavour: "linux-generic" as const,
      cgroupDeny: [9],
    },
    { profile: "cascadelake-2022-pti", design: "none", flavour: "linux-generic" as const, pti: true },
  ];
  for (const c of cases)
    it(`gives exactly replayLog's report on every fixture: ${JSON.stringify(c)}`, () => {
      const opts = { ...c, profile: getProfile(c.profile) };
      for (const f of FIXTURES) {
        const text = textOf(f);
        const whole = replayLog(parseStrace(text), opts);
        const streamed = replayStream(summarizeStrace(linesOfText(text)), linesOfText(text), opts);
        expect(streamed, f).toEqual(whole);
      }
    }, 120_000);

  it("reads a file in 64 KiB pieces: lines as text.split gives them, an over-long line cut", () => {
    const dir = mkdtempSync(join(tmpdir(), "lines-"));
    const long = "x".repeat(200_000);
    const text = `a\r\nb\n\n${long}\nü${"é".repeat(40_000)}\nlast`;
    writeFileSync(join(dir, "t"), text);
    const r = openInputLines(join(dir, "t"), { what: "t", maxBytes: 1 << 30, maxLineLength: 100_000 });
    const got: string[] = [];
    for (let l = r.next(); l !== null; l = r.next()) got.push(l);
    const want = text.split("\n").map((l) => (l.length > 100_001 ? l.slice(0, 100_001) : l));
    expect(got).toEqual(want);
    writeFileSync(join(dir, "n"), "a\n");
    const r2 = openInputLines(join(dir, "n"), { what: "t", maxBytes: 1 << 30, maxLineLength: 10 });
    expect([r2.next(), r2.next(), r2.next()]).toEqual(["a", "", null]);
  });
});

describe("streamed replay of a long generated log", () => {
  const dir = mkdtempSync(join(tmpdir(), "gen-"));
  const run = (lines: number, processes: number) => {
    const path = join(dir, `g-${lines}.log`);
    const written = writeStraceLog(path, { lines, processes });
    const open = () => openInputLines(path, { what: "log", maxBytes: 1 << 30, maxLineLength: 1 << 20 });
    const sum = summarizeStrace(open());
    let frames = 0;
    let kernelPages = 0;
    let tasks = -1;
    const r = replayStream(sum, open(), {
      profile: getProfile("sandybridge-2011"),
      after: (m) => {
        frames = m.phys.framesInUse;
        kernelPages = m.kspace.ptes.size;
        tasks = m.tasks.length;
      },
    });
    return { written, sum, r, frames, kernelPages, tasks, text: readFileSync(path, "utf8") };
  };

  it("the generator is deterministic and every line parses; tasks are released as they exit: memory flat", () => {
    const small = run(2_000, 8);
    const big = run(20_000, 80);
    // the generator is deterministic: the same log again (written, not replayed a second time)
    const again = join(dir, "again.log");
    writeStraceLog(again, { lines: 2_000, processes: 8 });
    expect(readFileSync(again, "utf8")).toBe(small.text);
    for (const x of [small, big]) {
      expect(x.sum.unparsedCount).toBe(0);
      expect(x.r.processes).toBe(x === small ? 8 : 80);
      expect(x.r.mismatches).toBe(0);
      expect(x.tasks).toBe(0); // every task released at its exit
      expect(x.sum.split.size).toBeGreaterThan(0); // the log has split calls
    }
    // ten times the log and the processes: the same guest memory and kernel mappings at the end
    expect(big.frames).toBe(small.frames);
    expect(big.kernelPages).toBe(small.kernelPages);
  }, 300_000);
});

describe("streamed replay of one long process", () => {
  it("unmaps the code its task has run through: 50,000 calls hold a few pages, not 300", () => {
    const text = `${Array.from({ length: 50_000 }, (_, i) => `read(3, "x", ${4096 + (i % 7)}) = 1`).join("\n")}\n`;
    const alloc = PhysicalMemory.prototype.allocFrame;
    let peak = 0;
    PhysicalMemory.prototype.allocFrame = function (this: PhysicalMemory) {
      const pa = alloc.call(this);
      peak = Math.max(peak, this.framesInUse);
      return pa;
    };
    let atBoot = 0;
    try {
      const r = replayStream(summarizeStrace(linesOfText(text)), linesOfText(text), {
        profile: getProfile("sandybridge-2011"),
        after: (m) => {
          atBoot = m.phys.framesInUse; // everything of the task given back
        },
      });
      expect(r.replayedCalls).toBe(50_000);
    } finally {
      PhysicalMemory.prototype.allocFrame = alloc;
    }
    // its code is 50,000 × 24 bytes (about 300 pages); the stack is 32
    expect(peak - atBoot).toBeLessThan(32 + 16);
  }, 120_000);
});
