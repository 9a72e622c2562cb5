// What the deny probes of a sweep's points found (sweep-point.ts runs one per point): the designs that let through
// a call their task's cgroup denies, at which points, worded for `sweep`'s summary and for `report`.
import type { SweepResult } from "./sweep-result.ts";

/** A design that let through a call its task's cgroup denies, and the points where it did. */
export interface EnforcesNothing {
  /** the experiment's design entry (an id or a design file path) */
  design: string;
  designId: string;
  points: { id: string; depth: number; mode: string; workload: string; flavour: string; profile: string }[];
}

/**
 * What the deny probes of these points found: each design that let a denied call through, with the points where
 * it did (in the order given), and how many lines carry no probe (older lines; none's are not probed).
 */
export function denyProbeFindings(rows: readonly SweepResult[]): {
  enforcesNothing: EnforcesNothing[];
  unprobed: number;
} {
  const by = new Map<string, EnforcesNothing>();
  let unprobed = 0;
  for (const r of rows) {
    if (r.probeDenied === undefined && r.config.design !== "none") unprobed++;
    if (r.probeDenied !== false) continue;
    let e = by.get(r.config.design);
    if (e === undefined) {
      e = { design: r.config.design, designId: r.designId, points: [] };
      by.set(r.config.design, e);
    }
    const c = r.config;
    e.points.push({
      id: r.id,
      depth: c.depth,
      mode: c.mode,
      workload: c.workload,
      flavour: c.flavour,
      profile: c.profile,
    });
  }
  return { enforcesNothing: [...by.values()], unprobed };
}

/**
 * One line per design the deny probe caught, naming the points: "cgroup-null did not deny a call its task's
 * cgroup denies at depth 0 and 1 (filtered, unfiltered; null): it enforces nothing, …". `sweep` and `report` print them.
 */
export function enforcesNothingWarnings(list: readonly EnforcesNothing[]): string[] {
  return list.map((e) => {
    const uniq = <T>(xs: T[]) => [...new Set(xs)];
    const depths = uniq(e.points.map((p) => p.depth)).sort((a, b) => a - b);
    const axes = [
      uniq(e.points.map((p) => p.mode)).join(", "),
      uniq(e.points.map((p) => p.workload.replace(/^trace:.*\//, "trace:"))).join(", "),
      uniq(e.points.map((p) => p.flavour)).join(", "),
      uniq(e.points.map((p) => p.profile)).join(", "),
    ];
    const name = e.design === e.designId ? e.design : `${e.designId} (${e.design})`;
    const at = `depth${depths.length === 1 ? "" : "s"} ${depths.join(", ")}`;
    return `${name} did not deny a call its task's cgroup denies at ${e.points.length} point${e.points.length === 1 ? "" : "s"} (${at}; ${axes.join("; ")}): it enforces nothing, so its figures are not the cost of filtering`;
  });
}
