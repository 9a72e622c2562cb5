// Where the cycles of one system call go, as a flame graph: stacks design → entry-path segment → kernel function,
// weighted by the CPU's cycle charges. Output in the collapsed-stack text format (`a;b;c 123`, one stack a line,
// read by Brendan Gregg's flamegraph.pl and by speedscope) and as a self-contained SVG. `trace --flame` and
// `--collapsed` write them, the web page draws the same SVG, and `report` can call `flameForDesigns`.
import { attribute, matched, type Segment } from "./cycle-breakdown.ts";
import { type EntryTrace, type TraceSetup, type TraceStep, traceSetup } from "./entry-trace.ts";

export interface FlameFrame {
  /** design;segment;function */
  stack: string[];
  cycles: number;
}

const GENERIC_EXIT =
  /^(syscall_exit_to_user_mode|exit_to_user_mode_loop|syscall_exit_work|syscall_return_via_sysret|swapgs_restore_regs_and_return_to_usermode|native_irq_return_iret)/;

/**
 * The segment of each step of one call (the SYSCALL instruction first). linux-3.1: cycle-breakdown's rules
 * (docs/researchers.md). linux-generic: entry until do_syscall_64, `tif-test` for the syscall_work test in
 * syscall_enter_from_user_mode, exit from syscall_exit_to_user_mode on, and otherwise the same design / body /
 * dispatch split against none's trace.
 */
export function segmentsOf(
  call: readonly TraceStep[],
  reference: readonly TraceStep[],
  flavour: string,
): Segment[] {
  if (flavour === "linux-3.1") return attribute(call, reference);
  const onNone = matched(call, reference);
  let inEntry = true;
  let inExit = false;
  return call.map((s, i) => {
    if (s.cpl === 3) return "entry";
    // do_syscall_64 shares its address with __entry_text_end, whose name the disassembler reports
    if (s.label === "do_syscall_64" || s.label === "__entry_text_end") inEntry = false;
    if (GENERIC_EXIT.test(s.label)) inExit = true;
    if (inEntry) return "entry";
    if (inExit) return "exit";
    if (s.label === "syscall_enter_from_user_mode") return "tif-test";
    if (!onNone[i]) return "design";
    if (s.label.startsWith("sys_")) return "body";
    return "dispatch";
  });
}

/** The task's own steps of its first call. */
function firstCall(t: EntryTrace): TraceStep[] {
  return t.steps.filter((s) => s.call === 1 && !s.other);
}

/** Frames of one design's call against none's, for the same set-up otherwise. */
export function flameFrames(design: string, trace: EntryTrace, reference: EntryTrace): FlameFrame[] {
  const call = firstCall(trace);
  const segs = segmentsOf(call, firstCall(reference), trace.flavour);
  const sums = new Map<string, number>();
  call.forEach((s, i) => {
    const fn = s.cpl === 3 ? "syscall (user)" : s.label || s.addr;
    const key = `${design};${segs[i]};${fn}`;
    sums.set(key, (sums.get(key) ?? 0) + s.cycles);
  });
  return [...sums].map(([k, cycles]) => ({ stack: k.split(";"), cycles }));
}

/** One null-syscall (getppid) call per design, each against none on the same set-up. */
export function flameForDesigns(designs: readonly string[], setup: Omit<TraceSetup, "design">): FlameFrame[] {
  const base: TraceSetup = { ...setup, syscall: setup.syscall ?? { nr: 110 } };
  const reference = traceSetup({ ...base, design: "none" }, { calls: 1 });
  return designs.flatMap((d) =>
    flameFrames(d, d === "none" ? reference : traceSetup({ ...base, design: d }, { calls: 1 }), reference),
  );
}

/** The collapsed-stack text: `design;segment;function cycles`, one line each, frame names with `;` and spaces replaced. */
export function collapsedStacks(frames: readonly FlameFrame[]): string {
  const clean = (s: string) => s.replace(/[;\s]+/g, "_");
  return `${frames.map((f) => `${f.stack.map(clean).join(";")} ${f.cycles}`).join("\n")}\n`;
}

interface Node {
  name: string;
  cycles: number;
  children: Map<string, Node>;
}

const SEGMENT_HUE: Record<string, number> = {
  entry: 210,
  "tif-test": 45,
  design: 0,
  dispatch: 120,
  body: 280,
  exit: 180,
};

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * An SVG flame graph per design (the first frame of each stack), stacked: each panel is the design's call at full
 * width, one row per level below it (segment, then function), widths proportional to cycles within the design;
 * every box titled with its cycles and share. Self-contained (no script), so it opens anywhere.
 */
export function flameSvg(
  frames: readonly FlameFrame[],
  title: string,
  width = 1200,
  opts: {
    /** the line under the graphs (default: what a panel per design shows) */
    footer?: string;
    /** one cycles-to-width scale for every panel (the largest at full width), so panels compare by length */
    commonScale?: boolean;
  } = {},
): string {
  const roots = new Map<string, Node>();
  let levels = 1;
  for (const f of frames) {
    const [design, ...rest] = f.stack;
    let root = roots.get(design!);
    if (root === undefined) {
      root = { name: design!, cycles: 0, children: new Map() };
      roots.set(design!, root);
    }
    root.cycles += f.cycles;
    levels = Math.max(levels, rest.length + 1);
    let n = root;
    for (const part of rest) {
      let c = n.children.get(part);
      if (c === undefined) {
        c = { name: part, cycles: 0, children: new Map() };
        n.children.set(part, c);
      }
      c.cycles += f.cycles;
      n = c;
    }
  }
  const rowH = 22;
  const panelH = levels * rowH + 8;
  const top = 34;
  const height = top + roots.size * panelH + 24;
  const boxes: string[] = [];
  let panel = 0;
  const widest = Math.max(1, ...[...roots.values()].map((r) => r.cycles));
  for (const root of roots.values()) {
    const total = root.cycles || 1;
    const scale = (width - 20) / (opts.commonScale === true ? widest : total);
    const y0 = top + panel * panelH;
    const draw = (n: Node, x: number, level: number, segment: string) => {
      const w = n.cycles * scale;
      const y = y0 + level * rowH;
      const seg = level === 1 ? n.name : segment;
      const hue = SEGMENT_HUE[seg] ?? 30;
      const light = level === 0 ? 88 : level === 1 ? 78 : 68 + ((n.name.length * 7) % 14);
      const pct = ((n.cycles / total) * 100).toFixed(1);
      const label =
        level === 0 ? `${n.name}: ${n.cycles} cycles` : `${n.name} (${n.cycles} cycles, ${pct} %)`;
      const chars = Math.floor((w - 6) / 7);
      // a panel's own bar too narrow for its name (one scale for every panel): the name goes right of it
      const outside = level === 0 && label.length > chars;
      const text = outside
        ? label
        : chars >= 3
          ? label.length <= chars
            ? label
            : `${label.slice(0, chars - 1)}…`
          : "";
      const tx = outside ? x + w + 6 : x + 4;
      boxes.push(
        `<g><title>${esc(label)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(w - 1, 0.5).toFixed(2)}" height="${rowH - 2}" rx="2" fill="hsl(${hue},60%,${light}%)" stroke="#555" stroke-width="0.3"/>` +
          (text
            ? `<text x="${tx.toFixed(2)}" y="${y + 15}"${level === 0 ? ' font-weight="bold"' : ""}>${esc(text)}</text>`
            : "") +
          "</g>",
      );
      let cx = x;
      for (const c of n.children.values()) {
        draw(c, cx, level + 1, seg);
        cx += c.cycles * scale;
      }
    };
    draw(root, 10, 0, "");
    panel++;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...boxes,
    `<text x="10" y="${height - 8}" font-size="11" fill="#333">${esc(opts.footer ?? "one panel per design; rows: entry-path segment, kernel function; width: share of that design's simulated cycles (hover for figures)")}</text>`,
    "</svg>",
  ].join("\n");
}
