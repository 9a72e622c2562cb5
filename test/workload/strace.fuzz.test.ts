import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStrace, type StraceLog } from "../../src/workload/strace.ts";

/** Fixed so the suite is deterministic; change it locally to explore. */
const SEED = 0x5743e;

const FIXTURES = ["ls.log", "pipe.log", "signal.log", "fork.log", "bracket.log", "edge.log"];
const REAL_LINES = FIXTURES.flatMap((f) =>
  readFileSync(new URL(`../fixtures/strace/${f}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l !== ""),
);

/** Every non-blank line must be accounted for exactly by some record. */
function uncovered(input: string, log: StraceLog): number[] {
  const seen = new Set<number>();
  for (const c of log.calls) {
    seen.add(c.line);
    if (c.resumedLine !== undefined) seen.add(c.resumedLine);
    if (c.continuedLine !== undefined) seen.add(c.continuedLine);
  }
  for (const e of log.events) seen.add(e.line);
  for (const u of log.unparsed) {
    seen.add(u.line);
    expect(u.reason.length).toBeGreaterThan(0);
  }
  for (const m of log.messages) seen.add(m.line);
  const missing: number[] = [];
  input.split("\n").forEach((l, i) => {
    if (l.replace(/\r$/, "").trim() !== "" && !seen.has(i + 1)) missing.push(i + 1);
  });
  return missing;
}

function check(input: string): void {
  const a = parseStrace(input);
  expect(uncovered(input, a)).toEqual([]);
  expect(parseStrace(input)).toEqual(a);
}

const TOKENS = [
  "read",
  "close",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  " ",
  " = ",
  "=",
  "=>",
  "<=",
  '"',
  "\\",
  "\\x4",
  "\\177",
  "...",
  "|",
  "~[",
  "<",
  ">",
  "<unfinished ...>",
  "<... read resumed>",
  "<... close resumed>",
  "[pid 12] ",
  "12 ",
  "10:00:00.000001 ",
  "1700000000.5 ",
  "--- ",
  " ---",
  "+++ ",
  " +++",
  "exited with 0",
  "killed by SIGKILL",
  "SIGCHLD",
  "O_RDONLY",
  "0x7f00",
  "-1",
  "ENOENT",
  "(No such file)",
  "/* 3 vars */",
  "NULL",
  "AT_FDCWD",
  "3</a>",
  "<0.000012>",
  "?",
  "strace: Process 5 attached",
  "\n",
  "\r",
  "\t",
  "\u0000",
  "é",
];
const tokenLine = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(""));

type Mutation = { op: 0 | 1 | 2 | 3; at: number; len: number; ch: string };
const mutation = fc.record({
  op: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  ch: fc.string({ minLength: 1, maxLength: 3 }),
});

function mutate(line: string, ms: Mutation[]): string {
  for (const m of ms) {
    const at = line.length === 0 ? 0 : m.at % (line.length + 1);
    if (m.op === 0) line = line.slice(0, at) + m.ch + line.slice(at);
    else if (m.op === 1) line = line.slice(0, at) + line.slice(at + m.len);
    else if (m.op === 2) line = line.slice(0, at) + line.slice(at, at + m.len) + line.slice(at);
    else line = line.slice(0, at);
  }
  return line;
}

describe("parseStrace properties", () => {
  it("random binary-ish text never throws and covers every line", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), check), {
      numRuns: 250,
      seed: SEED,
    });
  });

  it("random strace-token lines never throw and cover every line", () => {
    fc.assert(
      fc.property(fc.array(tokenLine, { minLength: 1, maxLength: 8 }), (ls) => check(ls.join("\n"))),
      { numRuns: 400, seed: SEED },
    );
  });

  it("mutated real lines never throw and cover every line", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL_LINES),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (l, ms) => check(mutate(l, ms)),
      ),
      { numRuns: 600, seed: SEED },
    );
  });

  it("mutated windows of real logs (unfinished/resumed pairing) never throw and cover every line", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: REAL_LINES.length - 1 }),
        fc.integer({ min: 2, max: 30 }),
        fc.array(fc.tuple(fc.nat(), mutation), { maxLength: 6 }),
        (start, n, edits) => {
          const window = REAL_LINES.slice(start, start + n);
          for (const [k, m] of edits) window[k % window.length] = mutate(window[k % window.length]!, [m]);
          check(window.join("\n"));
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });

  it("unmutated real lines parse (given their unfinished halves)", () => {
    const joined = REAL_LINES.join("\n");
    const log = parseStrace(joined);
    // edge.log's junk line and the orphan resumed lines across fixture boundaries are the only misses.
    expect(log.unparsed.length).toBeLessThan(5);
  });
});
