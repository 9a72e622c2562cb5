// The streamed replay parses each line once: its first pass spills the calls the replay takes (CallSpill), and the
// replay reads them back. The report must be exactly the one of the replay that parses the log a second time.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStraceLog } from "../../bench/strace-log.ts";
import { linesOfText, openInputLines } from "../../src/measure/input-file.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { CallSpill, type SpilledCall } from "../../src/measure/replay-spill.ts";
import { replayStream, summarizeStrace } from "../../src/measure/replay-stream.ts";

const FIXTURES = ["ls", "pipe", "fork", "signal", "bracket", "edge"] as const;
const textOf = (f: string) =>
  readFileSync(join(import.meta.dirname, "..", "fixtures", "strace", `${f}.log`), "utf8");

describe("CallSpill", () => {
  it("gives back every call as written, across its 1 MiB buffers", () => {
    const spill = new CallSpill();
    const n = 25_000; // about 1.5 MB of records: a flush and a refill in the middle
    const callOf = (i: number) => ({
      pid: 1000 + (i % 7),
      line: i + 1,
      nr: i % 470,
      name: `call${i % 300}`,
      ret: i % 3 === 0 ? -(2n ** 63n) + BigInt(i) : BigInt(i) * 0x1_0000_0001n,
      copied: i % 5 === 0 ? 2 ** 60 : i,
      code: Uint8Array.from({ length: 1 + (i % 90) }, (_, k) => (i + k) & 0xff),
    });
    for (let i = 0; i < n; i++) spill.add(callOf(i), i * 2);
    spill.finish();
    expect(spill.count).toBe(n);
    // one text line per record (a deep comparison of 25,000 objects with typed arrays takes tens of seconds)
    const text = (s: SpilledCall) =>
      `${s.atLine} ${s.call.pid} ${s.call.line} ${s.call.nr} ${s.call.name} ${s.call.ret} ${s.call.copied} ${Buffer.from(s.call.code).toString("hex")}`;
    const want = Array.from({ length: n }, (_, i) => text({ call: callOf(i), atLine: i * 2 })).join("\n");
    for (const r of [spill.reader(), spill.reader()]) {
      const first = r.next();
      expect(first).toEqual({ call: callOf(0), atLine: 0 }); // the types too: bigint, Uint8Array
      const got = [first!];
      for (let s = r.next(); s !== null; s = r.next()) got.push(s);
      expect(got.map(text).join("\n")).toBe(want);
    }
    spill.close();
    expect(() => spill.reader()).toThrow(/after close/);
  });
});

describe("streamed replay from the spilled calls", () => {
  // (replay-stream.test.ts checks the twice-parsed replay against replayLog under more designs)
  const cases = [
    { profile: "sandybridge-2011", design: "cgroup-walk", cgroupDeny: [202, 0] },
    { profile: "cascadelake-2022-pti", design: "none", flavour: "linux-generic" as const, pti: true },
  ];
  for (const c of cases)
    it(`is exactly the twice-parsed replay on every fixture: ${JSON.stringify(c)}`, () => {
      const opts = { ...c, profile: getProfile(c.profile) };
      for (const f of FIXTURES) {
        const text = textOf(f);
        const sum = summarizeStrace(linesOfText(text), { spill: true });
        expect(sum.spill).not.toBeNull();
        const spilled = replayStream(sum, null, opts);
        const again = replayStream(sum, null, opts); // a spill is read any number of times
        sum.spill!.close();
        const parsed = replayStream(summarizeStrace(linesOfText(text)), linesOfText(text), opts);
        expect(spilled, f).toEqual(parsed);
        expect(again, f).toEqual(parsed);
      }
    }, 120_000);

  it("a generated build log (100 processes, split calls, a denied call): the same report", () => {
    const dir = mkdtempSync(join(tmpdir(), "spill-"));
    const path = join(dir, "g.log");
    writeStraceLog(path, { lines: 5_000, processes: 100 });
    const open = () => openInputLines(path, { what: "log", maxBytes: 1 << 30, maxLineLength: 1 << 20 });
    const opts = { profile: getProfile("sandybridge-2011"), design: "cgroup-walk", cgroupDeny: [0] };
    const sum = summarizeStrace(open(), { spill: true });
    expect(sum.split.size).toBeGreaterThan(0); // calls strace split, taken up at their first line
    const spilled = replayStream(sum, null, opts);
    sum.spill!.close();
    const parsed = replayStream(summarizeStrace(open()), open(), opts);
    expect(spilled).toEqual(parsed);
    expect(spilled.denied).toBeGreaterThan(0);
    expect(spilled.processes).toBe(100);
  }, 300_000);
});
