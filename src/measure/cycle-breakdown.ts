// Where the cycles of one syscall go, by entry-path segment: one traced getppid round trip per design, each
// instruction attributed to a segment. linux-3.1 only (the labels below are its entry code's).
//
// Attribution rules, first match wins (docs/researchers.md repeats them):
//  1. the user-mode SYSCALL instruction and the kernel instructions at `system_call` and `system_call_after_swapgs`
//     before the TIF test                                                          → entry
//  2. `testl $_TIF_WORK_SYSCALL_ENTRY, TI_flags(%rcx)` and the `jnz tracesys` after it → tif-test
//  3. `ret_from_sys_call`, `sysret_*`, `int_*`, `retint_*`, `restore_args`, `irq_return` (the SYSRET or the IRET
//     return, whichever the call takes)                                               → exit
//  4. an instruction that is not on `none`'s path for the same call: hook text, the design's own text and natives,
//     and the slow-path entry (tracesys, auditsys, syscall_trace_enter/leave) the design sends the call down.
//     Matching is a longest common subsequence over the instruction texts of the two traces (not their labels:
//     a hook's own label covers the dispatch instructions after it)                   → design
//  5. the syscall's own native (`sys_*`)                                              → body
//  6. everything else on none's path (range check, argument move, the table call, the result store) → dispatch

import { getDesign } from "../cgroup/designs/index.ts";
import { disassemble } from "../entry/disassembler.ts";
import { Machine } from "../kernel/machine.ts";
import { getWorkload } from "../workload/index.ts";
import { type FilterMode, placeTask } from "./compare.ts";
import type { CostProfile } from "./profile.ts";

export const SEGMENTS = ["entry", "tif-test", "design", "dispatch", "body", "exit"] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface TracedInstruction {
  /** label+offset, or the native's name */
  symbol: string;
  text: string;
  cycles: number;
  cpl: number;
}

export interface CycleBreakdown {
  design: string;
  mode: FilterMode;
  depth: number;
  /** cycles per segment of the one traced call */
  segments: Record<Segment, number>;
  total: number;
  instructions: number;
}

export interface BreakdownOptions {
  design: string;
  mode: FilterMode;
  depth: number;
  profile: CostProfile;
  /** which getppid call of the null loop to trace (1-based), default 2 */
  call?: number;
  /** seccomp's constant-allow cache (default on) */
  seccompCache?: boolean;
}

const EXIT_LABELS = /^(ret_from_sys_call|sysret_|int_|retint_|restore_args|irq_return)/;

const base = (symbol: string) => symbol.replace(/\+0x[0-9a-f]+$/, "");

/** Single-steps the null workload (getppid) on a fresh machine and returns the instructions of one call. */
export function traceOneCall(o: BreakdownOptions): TracedInstruction[] {
  const workload = getWorkload("null");
  const which = o.call ?? 2;
  const image = workload.build({ count: which + 1, gap: 0 });
  const machine = Machine.boot({
    costs: o.profile.costs,
    natives: o.profile.natives,
    design: getDesign(o.design),
  });
  const task = machine.createTask({ name: workload.name, image });
  placeTask(machine, task, o.depth, o.mode);
  task.seccompCache = o.seccompCache ?? true;
  const cpu = machine.cpu;
  machine.run({ maxInstructions: 0 });
  const labels = new Map<string, bigint>([...machine.kernelText.labels, ...image.assembled.labels]);
  const table = machine.symbols.get("sys_call_table");
  if (table !== undefined) labels.set("sys_call_table", table);
  const out: TracedInstruction[] = [];
  let call = 0;
  let tracing = false;
  for (let steps = 0; steps < 2_000_000; steps++) {
    const cpl = cpu.cpl;
    const rip = cpu.rip;
    const c0 = cpu.cycles;
    let line: { symbol: string; text: string } | null = null;
    if (tracing && cpl === 0) {
      const ripBig = BigInt.asUintN(64, BigInt(rip));
      line = disassemble(cpu.space.readBytes(rip, 15), ripBig, { symbols: labels, count: 1 })[0]!;
    }
    const r = machine.run({ maxInstructions: 1 });
    const cycles = cpu.cycles - c0;
    if (cpl === 3 && cpu.cpl === 0) {
      call++;
      if (call === which) {
        tracing = true;
        out.push({ symbol: "syscall", text: "syscall", cycles, cpl: 3 });
      }
    } else if (tracing && cpl === 0) {
      out.push({ symbol: line!.symbol, text: line!.text, cycles, cpl });
      if (cpu.cpl === 3) return out;
    }
    if (r.reason !== "budget") break;
  }
  throw new Error(`cycle breakdown: ${o.design} never completed call ${which}`);
}

/** For each instruction of `trace`, whether it is matched in `reference` (longest common subsequence). */
export function matched(
  trace: readonly Pick<TracedInstruction, "text">[],
  reference: readonly Pick<TracedInstruction, "text">[],
): boolean[] {
  const a = trace.map((t) => t.text);
  const b = reference.map((t) => t.text);
  const n = a.length;
  const m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out = new Array<boolean>(n).fill(false);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out[i] = true;
      i++;
      j++;
    } else if (L[i + 1]![j]! >= L[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** Attributes each instruction of a design's trace to a segment (the rules at the top of this file). */
export function attribute(
  trace: readonly TracedInstruction[],
  reference: readonly TracedInstruction[],
): Segment[] {
  const onNonePath = matched(trace, reference);
  const out: Segment[] = [];
  let tifAt = -1;
  trace.forEach((t, i) => {
    const b = base(t.symbol);
    if (t.cpl === 3) out.push("entry");
    else if (tifAt < 0 && b === "system_call_after_swapgs" && t.text.startsWith("testl")) {
      tifAt = i;
      out.push("tif-test");
    } else if (tifAt >= 0 && i === tifAt + 1) out.push("tif-test");
    else if (tifAt < 0 && (b === "system_call" || b === "system_call_after_swapgs")) out.push("entry");
    else if (EXIT_LABELS.test(b)) out.push("exit");
    else if (!onNonePath[i]) out.push("design");
    else if (b.startsWith("sys_")) out.push("body");
    else out.push("dispatch");
  });
  return out;
}

/** The segment breakdown of one getppid call for each design, at `depth`, for a filtered or unfiltered task. */
export function cycleBreakdown(
  designs: readonly string[],
  modes: readonly FilterMode[],
  depth: number,
  profile: CostProfile,
  seccompCache = true,
): CycleBreakdown[] {
  const out: CycleBreakdown[] = [];
  for (const mode of modes) {
    const reference = traceOneCall({ design: "none", mode, depth, profile, seccompCache });
    for (const design of designs) {
      const trace =
        design === "none" ? reference : traceOneCall({ design, mode, depth, profile, seccompCache });
      const segs = attribute(trace, reference);
      const segments = Object.fromEntries(SEGMENTS.map((s) => [s, 0])) as Record<Segment, number>;
      trace.forEach((t, i) => {
        segments[segs[i]!] += t.cycles;
      });
      out.push({
        design,
        mode,
        depth,
        segments,
        total: trace.reduce((n, t) => n + t.cycles, 0),
        instructions: trace.length,
      });
    }
  }
  return out;
}
