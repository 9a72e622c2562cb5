// `syscall-lab trace`: the recorded entry-path trace (src/measure/entry-trace.ts) for a terminal: one line per
// instruction that fits 120 columns (decisions wrapped, never cut; --wide for the old one-line form), colour on a
// TTY, `--diff A B` for the instructions one set-up runs and the other does not, and `--flame`/`--collapsed`.
import { Chalk, type ChalkInstance } from "chalk";
import { matched } from "../measure/cycle-breakdown.ts";
import { type EntryTrace, type TraceSetup, type TraceStep, traceSetup } from "../measure/entry-trace.ts";
import { collapsedStacks, flameForDesigns, flameSvg } from "../measure/flame.ts";
import { fmtCycles, fmtInt } from "./output.ts";

export interface TraceOptions extends Omit<TraceSetup, "design"> {
  design: string;
  user: boolean;
  json: boolean;
  /** stop after this many syscalls (default: all of the run) */
  calls?: number;
  /** one line per instruction, nothing shortened */
  wide?: boolean;
  /** terminal width to fit (default 120) */
  columns?: number;
}

const PLAIN = new Chalk({ level: 0 });

/** Cut `s` to `n` characters (an ellipsis marks the cut). */
function clip(s: string, n: number): string {
  return s.length <= n ? s.padEnd(n) : `${s.slice(0, Math.max(0, n - 1))}…`;
}

/** Words of `s` wrapped at `width`, each line after the first indented by `indent`. */
function wrap(s: string, width: number, indent: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const w of s.split(" ")) {
    if (line !== "" && indent + line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") out.push(line);
  return out;
}

function noteColour(c: ChalkInstance, s: TraceStep, text: string): string {
  if (s.taken === true) return c.green.bold(text);
  if (s.taken === false) return c.dim(text);
  return c.magenta(text);
}

/** The text lines of a recorded trace. */
export function formatTrace(
  t: EntryTrace,
  opts: { wide?: boolean; columns?: number; chalk?: ChalkInstance },
): string {
  const c = opts.chalk ?? PLAIN;
  const width = opts.columns ?? 120;
  const out: string[] = [];
  let lastCall = -1;
  let sum = 0;
  const flush = () => {
    if (lastCall > 0) out.push(`  ── ${c.yellow.bold(fmtCycles(sum))} cycles in this syscall\n`);
  };
  for (const r of t.steps) {
    if (r.call !== lastCall) {
      flush();
      lastCall = r.call;
      sum = 0;
      out.push(c.bold(`syscall #${r.call}`));
    }
    if (!r.other) sum += r.cycles;
    const cyc = c.yellow(fmtCycles(r.cycles).padStart(5));
    const mode = r.other ? "t " : r.cpl === 3 ? "u " : "k ";
    if (opts.wide) {
      const where = c.cyan((r.symbol || r.addr).padEnd(34));
      const note = r.note === "" ? "" : noteColour(c, r, r.note);
      const extra = [r.changes.join(" "), note].filter((s) => s !== "").join("   ");
      out.push(`${cyc}  ${mode}${where} ${r.text.padEnd(40)} ${extra}`.trimEnd());
      continue;
    }
    // 5 + 2 + 2 + 34 + 1 + 36 + 1 = 81 columns before the changes
    const head = `${cyc}  ${mode}${c.cyan(clip(r.symbol || r.addr, 34))} ${clip(r.text, 36)}`;
    const room = width - 81;
    const changes = r.changes.join(" ");
    out.push(`${head} ${changes.length <= room ? changes : `${changes.slice(0, room - 1)}…`}`.trimEnd());
    if (r.note !== "") {
      for (const l of wrap(r.note, width, 9)) out.push(`${" ".repeat(9)}${noteColour(c, r, l)}`);
    }
  }
  flush();
  if (t.fault !== null) out.push(c.red.bold(`the kernel stopped: ${t.fault}`));
  return out.join("\n");
}

export function runTrace(opts: TraceOptions, chalk?: ChalkInstance): string {
  const t = traceSetup(opts, {
    user: opts.user,
    ...(opts.calls !== undefined ? { calls: opts.calls } : {}),
  });
  if (opts.json) return JSON.stringify(t.steps, null, 2);
  return formatTrace(t, {
    wide: opts.wide ?? false,
    columns: opts.columns ?? 120,
    ...(chalk ? { chalk } : {}),
  });
}

export interface DiffResult {
  a: { design: string; instructions: number; cycles: number };
  b: { design: string; instructions: number; cycles: number };
  /** instructions only `a` executes (sign "-") and only `b` executes ("+"), in execution order */
  unique: { side: "a" | "b"; symbol: string; text: string; cycles: number }[];
}

/** The instructions of one call that one set-up executes and the other does not (an LCS over the instruction texts). */
export function diffTraces(setup: Omit<TraceSetup, "design">, a: string, b: string): DiffResult {
  const call = (design: string) =>
    traceSetup({ ...setup, design }, { calls: 1 }).steps.filter((s) => s.call === 1 && !s.other);
  const ta = call(a);
  const tb = call(b);
  const inB = matched(ta, tb);
  const inA = matched(tb, ta);
  const unique: DiffResult["unique"] = [];
  let i = 0;
  let j = 0;
  // walk both in step: shared instructions advance together, each side's own ones are listed where they occur
  while (i < ta.length || j < tb.length) {
    if (i < ta.length && !inB[i]) {
      unique.push({ side: "a", symbol: ta[i]!.symbol, text: ta[i]!.text, cycles: ta[i]!.cycles });
      i++;
    } else if (j < tb.length && !inA[j]) {
      unique.push({ side: "b", symbol: tb[j]!.symbol, text: tb[j]!.text, cycles: tb[j]!.cycles });
      j++;
    } else {
      i++;
      j++;
    }
  }
  const sum = (t: TraceStep[]) => t.reduce((n, s) => n + s.cycles, 0);
  return {
    a: { design: a, instructions: ta.length, cycles: sum(ta) },
    b: { design: b, instructions: tb.length, cycles: sum(tb) },
    unique,
  };
}

export function formatDiff(d: DiffResult, chalk?: ChalkInstance, columns = 120): string {
  const c = chalk ?? PLAIN;
  const sign = (n: number) => (n > 0 ? `+${fmtCycles(n)}` : fmtCycles(n));
  const onlyA = d.unique.filter((o) => o.side === "a");
  const onlyB = d.unique.filter((o) => o.side === "b");
  const cyc = (xs: typeof d.unique) => xs.reduce((n, o) => n + o.cycles, 0);
  const out = [
    `${c.bold(d.a.design)}: ${fmtInt(d.a.instructions)} instructions, ${fmtCycles(d.a.cycles)} cycles   ${c.bold(d.b.design)}: ${fmtInt(d.b.instructions)} instructions, ${fmtCycles(d.b.cycles)} cycles   delta ${c.yellow.bold(sign(d.b.cycles - d.a.cycles))} cycles`,
    `only in ${d.a.design}: ${onlyA.length} instructions, ${fmtCycles(cyc(onlyA))} cycles (-); only in ${d.b.design}: ${onlyB.length} instructions, ${fmtCycles(cyc(onlyB))} cycles (+)`,
    "",
    `${"".padEnd(2)}${"cycles".padStart(6)}  ${"where".padEnd(30)} instruction`,
  ];
  for (const o of d.unique) {
    const mark = o.side === "a" ? c.red("-") : c.green("+");
    const line = `${mark} ${c.yellow(fmtCycles(o.cycles).padStart(6))}  ${c.cyan(clip(o.symbol, 30))} ${o.text}`;
    out.push(line.length > columns + 40 ? line.slice(0, columns + 40) : line);
  }
  if (d.unique.length === 0) out.push("  (none: both execute the same instructions)");
  return out.join("\n");
}

/** `trace --flame FILE` / `--collapsed FILE`: the SVG and the collapsed stacks of one call per design. */
export function flameOutputs(
  designs: readonly string[],
  setup: Omit<TraceSetup, "design">,
): { svg: string; collapsed: string } {
  const frames = flameForDesigns(designs, setup);
  const what = setup.syscall ? `syscall ${setup.syscall.nr}` : "getppid (the null workload)";
  const title = `Where one ${what} spends its cycles: ${setup.flavour ?? "linux-3.1"}${setup.pti ? " + PTI" : ""}, profile ${setup.profile.name}, ${setup.filtered ? "filtered" : "unfiltered"} task, depth ${setup.depth ?? 0}`;
  return { svg: flameSvg(frames, title), collapsed: collapsedStacks(frames) };
}
