// The figures in docs/entry-path.md's prose are computed here from the trace block above them (itself real output,
// checked by doc-blocks.test.ts) and from `paths` and `run`, so the prose cannot drift from the output.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runPaths } from "../../src/cli/paths.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";

const doc = readFileSync("docs/entry-path.md", "utf8");
const block = /<!-- output: syscall-lab trace --workload null --calls 1 -->\n```text\n([\s\S]*?)```/.exec(
  doc,
)![1]!;
const lines = block.split("\n").filter((l) => /^\s+\d+\s+[uk] /.test(l));
const cost = (l: string) => Number(/^\s+(\d+)/.exec(l)![1]);
const text = (l: string) => l.replace(/^\s+\d+\s+[uk]\s+\S+\s+/, "");

describe("docs/entry-path.md: the numbers of the fast-path paragraph", () => {
  it("are the trace's", () => {
    const native = lines.filter((l) => text(l).startsWith("<native"));
    const kernel = lines.filter((l) => / k /.test(l.slice(0, 12)) && !text(l).startsWith("<native"));
    const transitions = lines.filter((l) => /^(syscall|sysretq|swapgs)\b/.test(text(l)));
    const total = Number(/── (\d+) cycles in this syscall/.exec(block)![1]);
    const part = transitions.reduce((n, l) => n + cost(l), 0);
    expect(transitions).toHaveLength(4);
    expect(native).toHaveLength(1);
    expect(
      `Count them: ${lines.length} lines — the user \`syscall\`, ${kernel.length} kernel instructions and the native \`sys_getppid\``,
    ).toBe(
      doc.match(
        /Count them: \d+ lines — the user `syscall`, \d+ kernel instructions and the native `sys_getppid`/,
      )![0],
    );
    const share = `are ${part} of the ${total} cycles (${Math.round((100 * part) / total)} %); \`sys_getppid\` itself is ${cost(native[0]!)}.`;
    expect(doc.replace(/\n/g, " ")).toContain(share);
  });

  it("paths and run count the user instructions up to the next call", () => {
    // paths: 10,000 calls, every one followed by the loop's 3 user instructions but the last (4): it prints 48.0
    const paths = JSON.parse(runPaths(true)) as {
      runs: { tif: string[]; calls: { instret: number; calls: number }[] }[];
    };
    const row = paths.runs.find((r) => r.tif.length === 0)!.calls[0]!;
    expect(row.instret).toBe(row.calls * (lines.length + 3) + 1);
    const perCall = Math.round((10 * row.instret) / row.calls) / 10;
    const one = runWorkload({ workload: "null", count: 1, profile: getProfile("sandybridge-2011") });
    expect(one.calls[0]!.instret).toBe(lines.length + 4);
    const flat = doc.replace(/\n/g, " ");
    expect(flat).toContain(`\`syscall-lab paths\` reports ${perCall} instructions per call`);
    expect(flat).toContain(`\`run --workload null --count 1\` reports ${one.calls[0]!.instret}, because`);
  });
});
