import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { designIds } from "../cgroup/designs/index.ts";
import { claims2011 } from "../measure/claims.ts";
import { compareDesigns } from "../measure/compare.ts";
import { getProfile } from "../measure/profile.ts";
import { renderCompare } from "./compare.ts";
import { fmtFixed, table } from "./output.ts";

/** Loop iterations of `npm start`'s comparison (sowa-micro: 4 syscalls each). */
export const START_COUNT = 500;
export const START_OUT_DIR = "syscall-lab-results";

/**
 * `npm start`: the 2011 reproduction. Every design at depths 0-3 on sowa-micro for a filtered and an unfiltered
 * task, the thread's claims next to the model's numbers, and the results written to `outDir`.
 */
export function runStart2011(opts: { json: boolean; outDir?: string }): string {
  const profile = getProfile("sandybridge-2011");
  const designs = designIds();
  const result = compareDesigns({
    designs,
    depths: [0, 1, 2, 3],
    workload: "sowa-micro",
    count: START_COUNT,
    modes: ["filtered", "unfiltered"],
    profile,
  });
  const claims = claims2011(result);
  const outDir = opts.outDir ?? START_OUT_DIR;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, "2011-reproduction.json");
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ result, claims }, null, 2)}\n`);
  renameSync(tmp, file);
  if (opts.json) return JSON.stringify({ result, claims, written: [file] }, null, 2);
  const num = (x: number | null, d = 1) => (x === null ? "—" : fmtFixed(x, d));
  return [
    renderCompare(result, designs, ["filtered", "unfiltered"]),
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
