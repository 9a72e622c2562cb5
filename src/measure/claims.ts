import type { CompareResult } from "./compare.ts";
import type { SowaRow } from "./sowa-2011.ts";

/** A claim of the 2011 thread (docs/sources.md#thread-2011) next to what the model gives. */
export interface Claim {
  who: string;
  claim: string;
  /** the thread's figure, in the unit of `model` */
  claimed: number | null;
  model: number | null;
  unit: string;
  /** model / claimed where both are numbers */
  ratio: number | null;
  note: string;
}

function point(r: CompareResult, design: string, depth: number, mode: "filtered" | "unfiltered") {
  return r.points.find((p) => p.design === design && p.depth === depth && p.mode === mode);
}

const ratio = (m: number | null, c: number | null) => (m === null || c === null || c === 0 ? null : m / c);

/**
 * The thread's quantitative claims, each read off a comparison that covers depths 0 and 1 and both modes and
 * includes none, cgroup-walk, cgroup-composed, cgroup-tif and ptrace.
 */
export function claims2011(r: CompareResult, sowa?: readonly SowaRow[]): Claim[] {
  const out: Claim[] = [];
  /** the mean sys-time overhead of cgroup-walk over the four 2011 programs at `depth`, and each one's */
  const programs = (depth: number) => {
    const rows = (sowa ?? []).filter((x) => x.design === "cgroup-walk" && x.depth === depth);
    if (rows.length === 0) return null;
    const mean = rows.reduce((a, x) => a + x.sysOverheadPct, 0) / rows.length;
    const each = rows.map((x) => `${x.benchmark} ${x.sysOverheadPct.toFixed(1)}`).join(", ");
    return { mean, note: `mean of the four 2011 programs under cgroup-walk (${each} %)` };
  };
  const p0 = programs(0);
  const p1 = programs(1);
  const walk0 = p0?.mean ?? point(r, "cgroup-walk", 0, "filtered")?.sysOverheadPct ?? null;
  const walk1 = p1?.mean ?? point(r, "cgroup-walk", 1, "filtered")?.sysOverheadPct ?? null;
  out.push({
    who: "Sowa (RFC)",
    claim: '"5% more sys time for process on root level"',
    claimed: 5,
    model: walk0,
    unit: "% sys",
    ratio: ratio(walk0, 5),
    note:
      p0?.note ?? `cgroup-walk at depth 0 on ${r.workload}; the thread does not say which benchmark gave 5 %`,
  });
  out.push({
    who: "Sowa (RFC)",
    claim: '"8% more sys time for processes on first level"',
    claimed: 8,
    model: walk1,
    unit: "% sys",
    ratio: ratio(walk1, 8),
    note: p1?.note ?? "cgroup-walk at depth 1",
  });
  const comp = [0, 1, 2, 3].map((d) => point(r, "cgroup-composed", d, "filtered")?.extraCyclesPerCall);
  const present = comp.filter((x): x is number => x !== undefined);
  const spread = present.length > 1 ? Math.max(...present) - Math.min(...present) : null;
  out.push({
    who: "Sowa (reply)",
    claim: '"constant overhead (same on all levels)" when deny is pushed to descendants',
    claimed: 0,
    model: spread,
    unit: "cycles/call spread over depths",
    ratio: null,
    note: "cgroup-composed: max − min extra cycles per call across the depths measured",
  });
  const tif = r.points.filter((p) => p.design === "cgroup-tif" && p.mode === "unfiltered");
  const tifMax = tif.length ? Math.max(...tif.map((p) => p.extraCyclesPerCall)) : null;
  out.push({
    who: "Drewry",
    claim: '"zero overhead for threads in allow-all cgroups" with a TIF flag',
    claimed: 0,
    model: tifMax,
    unit: "extra cycles/call",
    ratio: null,
    note: "cgroup-tif, unfiltered task, largest over the depths measured",
  });
  const none = point(r, "none", 0, "filtered")?.cyclesPerCall ?? null;
  const pt = point(r, "ptrace", 0, "filtered")?.cyclesPerCall ?? null;
  const times = none !== null && pt !== null ? pt / none : null;
  out.push({
    who: "Sowa (reply)",
    claim: '"It was 100 times (sic!) slower" (ptrace-based tracing)',
    claimed: 100,
    model: times,
    unit: "× none",
    ratio: ratio(times, 100),
    note: "ptrace supervisor vs none, cycles per syscall; the tracer's own work is a sourced estimate, not fitted",
  });
  return out;
}
