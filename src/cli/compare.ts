import { designIds } from "../cgroup/designs/index.ts";
import {
  type CompareResult,
  compareDesigns,
  type FilterMode,
  type Flavour,
  readDesign,
} from "../measure/compare.ts";
import type { CostProfile } from "../measure/profile.ts";
import { fmtFixed, fmtInt, makeChalk, table, UsageError } from "./output.ts";

export interface CompareCliOptions {
  designs: string;
  depth: string;
  workload: string;
  count: number;
  modes: FilterMode[];
  profile: CostProfile;
  deniedErrno?: number;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: Flavour;
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
}

/** "all" or a comma-separated list of design ids. */
export function parseDesigns(spec: string): string[] {
  const known = designIds();
  if (spec === "all") return known;
  const ids = spec.split(",").map((s) => s.trim());
  for (const id of ids) {
    if (!known.includes(id))
      throw new UsageError(`unknown design '${id}' (known: ${known.join(", ")}, or all)`);
  }
  if (!ids.includes("none")) ids.unshift("none");
  return ids;
}

/** "0..3", "2" or "0,2,5": cgroup depths below the root. */
export function parseDepths(spec: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec);
  let depths: number[];
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (b < a) throw new UsageError(`--depth ${spec}: the range is empty`);
    depths = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (/^\d+(,\d+)*$/.test(spec)) {
    depths = spec.split(",").map(Number);
  } else {
    throw new UsageError(`--depth must be N, A..B or a comma-separated list, got '${spec}'`);
  }
  if (depths.some((d) => d > 32)) throw new UsageError(`--depth: at most 32 levels, got '${spec}'`);
  return depths;
}

const pct = (n: number) => (n === 0 ? "0" : `${n > 0 ? "+" : ""}${fmtFixed(n)}`);

export function renderCompare(r: CompareResult, asked: string[], modes: FilterMode[]): string {
  const ch = makeChalk(false);
  const designs = asked.filter((d) => r.ran.includes(d));
  // the default flavour's output is unchanged; another flavour says so, and which designs it could not build
  const kernel = r.flavour === "linux-3.1" ? "" : `, kernel ${r.flavour}${r.pti ? " with PTI" : ""}`;
  const skippedNote =
    r.skipped.length === 0
      ? []
      : [
          `${r.flavour}: ran ${r.ran.join(", ")}; skipped ${r.skipped.map((x) => x.design).join(", ")} (${[...new Set(r.skipped.map((x) => x.reason))].join("; ")})`,
          "",
        ];
  const depths = [...new Set(r.points.map((p) => p.depth))].sort((a, b) => a - b);
  const cell = (design: string, depth: number, f: (p: CompareResult["points"][number]) => string) =>
    modes
      .map((mode) => {
        const p = r.points.find((x) => x.design === design && x.depth === depth && x.mode === mode);
        return p === undefined ? "—" : f(p);
      })
      .join(" / ");
  const who = modes.join(" / ");
  const out = [
    `${ch.bold("syscall-lab compare")}: ${r.workload} × ${fmtInt(r.count)}, profile ${r.profile}${kernel}; a filtered task's cgroup denies reboot (${r.deniedNr}), an unfiltered task's denies nothing`,
    "",
    ...skippedNote,
    `sys-time overhead against none, % (${who}):`,
    table(
      ["design", ...depths.map((d) => `depth ${d}`)],
      designs.map((d) => [d, ...depths.map((depth) => cell(d, depth, (p) => pct(p.sysOverheadPct)))]),
    ),
    `extra cycles per syscall against none (${who}):`,
    table(
      ["design", ...depths.map((d) => `depth ${d}`)],
      designs.map((d) => [d, ...depths.map((depth) => cell(d, depth, (p) => pct(p.extraCyclesPerCall)))]),
    ),
    "Reading:",
    ...designs.map((d) => `  ${d}: ${readDesign(r, d)}`),
    ...r.enforcesNothing
      .filter((d) => designs.includes(d))
      .map(
        (d) =>
          `${ch.yellow("warning")}: ${d} did not deny a call its task's cgroup denies: it enforces nothing, so its figures are not the cost of filtering`,
      ),
  ];
  return out.join("\n");
}

export function runCompare(o: CompareCliOptions, json: boolean): string {
  const designs = parseDesigns(o.designs);
  const result = compareDesigns({
    designs,
    depths: parseDepths(o.depth),
    workload: o.workload,
    count: o.count,
    modes: o.modes,
    profile: o.profile,
    ...(o.deniedErrno !== undefined ? { deniedErrno: o.deniedErrno } : {}),
    ...(o.flavour !== undefined ? { flavour: o.flavour } : {}),
    ...(o.pti === true ? { pti: true } : {}),
  });
  return json ? JSON.stringify(result, null, 2) : renderCompare(result, designs, o.modes);
}
