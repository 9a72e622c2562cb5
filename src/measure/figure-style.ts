// One colour, marker and dash per design, the same in every figure: fixed for the built-in designs, and derived
// from a SHA-256 of the id for a design of one's own, so neither the order of an experiment's list nor which
// designs a figure shows can change them. Colours: Okabe & Ito's colour-blind-safe set first, then Tableau's.
import { createHash } from "node:crypto";

export interface DesignStyle {
  color: string;
  /** a vega point shape */
  shape: string;
  /** a vega strokeDash: [] for solid */
  dash: number[];
}

const SOLID: number[] = [];
const DASH: number[] = [6, 3];
const DOT: number[] = [2, 2];
const DASHDOT: number[] = [8, 3, 2, 3];

/** The built-in designs (src/cgroup/designs/index.ts). A new built-in design gets a row here. */
const BUILT_IN: Readonly<Record<string, DesignStyle>> = {
  none: { color: "#4d4d4d", shape: "circle", dash: DOT },
  "cgroup-walk": { color: "#0072B2", shape: "circle", dash: SOLID },
  "cgroup-composed": { color: "#E69F00", shape: "square", dash: SOLID },
  "cgroup-table-ptr": { color: "#009E73", shape: "triangle-up", dash: SOLID },
  "cgroup-per-set": { color: "#CC79A7", shape: "diamond", dash: DASH },
  "cgroup-sparse": { color: "#56B4E9", shape: "cross", dash: SOLID },
  "cgroup-tif": { color: "#D55E00", shape: "triangle-down", dash: DASH },
  "cgroup-tif-semislow": { color: "#8C564B", shape: "triangle-right", dash: SOLID },
  "cgroup-sowa": { color: "#BCBD22", shape: "triangle-left", dash: SOLID },
  "seccomp-bpf": { color: "#9467BD", shape: "square", dash: DASHDOT },
  "seccomp-bpf-args": { color: "#17BECF", shape: "diamond", dash: DASHDOT },
  ptrace: { color: "#E41A1C", shape: "cross", dash: DASH },
  "ptrace-log": { color: "#A6761D", shape: "circle", dash: DASH },
};

/** For designs not built in: colours none of the built-ins use. */
const EXTRA_COLORS = ["#1B9E77", "#7570B3", "#E7298A", "#66A61E", "#1F78B4", "#B15928", "#6A3D9A", "#FF7F00"];
const EXTRA_SHAPES = ["circle", "square", "diamond", "triangle-up", "triangle-down", "cross"];
const EXTRA_DASHES = [SOLID, DASH, DOT, DASHDOT];

export function designStyle(id: string): DesignStyle {
  const fixed = Object.hasOwn(BUILT_IN, id) ? BUILT_IN[id] : undefined;
  if (fixed !== undefined) return fixed;
  const h = createHash("sha256").update(id).digest();
  return {
    color: EXTRA_COLORS[h[0]! % EXTRA_COLORS.length]!,
    shape: EXTRA_SHAPES[h[1]! % EXTRA_SHAPES.length]!,
    dash: EXTRA_DASHES[h[2]! % EXTRA_DASHES.length]!,
  };
}

/** vega-lite scales mapping each design id to its style: domain = the ids, range = their colours/shapes/dashes. */
export function designScales(ids: readonly string[]): {
  color: { domain: string[]; range: string[] };
  shape: { domain: string[]; range: string[] };
  strokeDash: { domain: string[]; range: number[][] };
} {
  const domain = [...ids];
  const styles = domain.map(designStyle);
  return {
    color: { domain, range: styles.map((s) => s.color) },
    shape: { domain, range: styles.map((s) => s.shape) },
    strokeDash: { domain, range: styles.map((s) => s.dash) },
  };
}
