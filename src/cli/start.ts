import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { designIds } from "../cgroup/designs/index.ts";
import { claims2011 } from "../measure/claims.ts";
import { compareDesigns } from "../measure/compare.ts";
import { getProfile } from "../measure/profile.ts";
import { SOWA_BENCHMARKS, type SowaRow, sowa2011 } from "../measure/sowa-2011.ts";
import { renderCompare } from "./compare.ts";
import { fmtFixed, table } from "./output.ts";

/** Loop iterations of `npm start`'s comparison (sowa-micro: 4 syscalls each). */
export const START_COUNT = 500;
export const START_OUT_DIR = "syscall-lab-results";
/** The thread's two levels (root and first); `syscall-lab compare` goes deeper. Keeps npm start near ten seconds. */
export const START_DEPTHS = [0, 1];
/** Iterations of each 2011 benchmark program (Sowa's ran under time(1); the ratio does not depend on N beyond start-up). */
export const START_SOWA_ITERATIONS = 1000;
/** The designs the 2011 programs run under: the RFC's first version (walks the ancestors) and the published patch. */
export const START_SOWA_DESIGNS = ["cgroup-walk", "cgroup-sowa"] as const;

/** The per-program table: sys-time overhead at the root and at the first level, next to the thread's 5 % and 8 %. */
function renderSowa(rows: readonly SowaRow[]): string {
  const at = (b: string, d: string, depth: number) =>
    rows.find((r) => r.benchmark === b && r.design === d && r.depth === depth)?.sysOverheadPct;
  const pct = (x: number | undefined) => (x === undefined ? "—" : `+${fmtFixed(x, 1)} %`);
  return table(
    [
      "program (under time)",
      ...START_SOWA_DESIGNS.map((d) => `root: ${d}`),
      "thread",
      ...START_SOWA_DESIGNS.map((d) => `level 1: ${d}`),
      "thread",
    ],
    SOWA_BENCHMARKS.map((b) => [
      `${b.id}: ${b.call}`,
      ...START_SOWA_DESIGNS.map((d) => pct(at(b.id, d, 0))),
      "+5 %",
      ...START_SOWA_DESIGNS.map((d) => pct(at(b.id, d, 1))),
      "+8 %",
    ]),
  );
}

/**
 * `npm start`: the 2011 reproduction. Every design at depths 0-1 on sowa-micro for a filtered and an unfiltered
 * task, the thread's claims next to the model's numbers, and the results written to `outDir`.
 */
export function runStart2011(opts: { json: boolean; outDir?: string }): string {
  const profile = getProfile("sandybridge-2011");
  const designs = designIds();
  const result = compareDesigns({
    designs,
    depths: START_DEPTHS,
    workload: "sowa-micro",
    count: START_COUNT,
    modes: ["filtered", "unfiltered"],
    profile,
  });
  const sowa = sowa2011(profile, {
    iterations: START_SOWA_ITERATIONS,
    designs: START_SOWA_DESIGNS,
    depths: [0, 1],
  });
  const claims = claims2011(result, sowa);
  const outDir = opts.outDir ?? START_OUT_DIR;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, "2011-reproduction.json");
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ result, sowa2011: sowa, claims }, null, 2)}\n`);
  renameSync(tmp, file);
  if (opts.json) return JSON.stringify({ result, sowa2011: sowa, claims, written: [file] }, null, 2);
  const num = (x: number | null, d = 1) => (x === null ? "—" : fmtFixed(x, d));
  return [
    renderCompare(result, designs, ["filtered", "unfiltered"]),
    "",
    `The 2011 benchmarks as published: four static programs (test/fixtures/bin/sowa-*.musl, ${START_SOWA_ITERATIONS} calls each) ` +
      "run as guest programs; sys time of the whole program with the design over none:",
    renderSowa(sowa),
    "",
    "The 2011 thread's claims next to the model (sandybridge-2011; nothing fitted to these figures):",
    table(
      ["who", "claim", "thread", "model", "unit", "model/thread", "how the model number is read"],
      claims.map((c) => [c.who, c.claim, num(c.claimed), num(c.model), c.unit, num(c.ratio, 2), c.note]),
      ["left", "left", "right", "right", "left", "right", "left"],
      [14, 34, 8, 9, 14, 8, 40],
    ),
    `Results written to ${file}. Next: syscall-lab trace --workload null --tif audit (one call, instruction by instruction).`,
  ].join("\n");
}
