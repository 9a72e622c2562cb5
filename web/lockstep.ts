// Two traces stepped in lockstep: the instructions both execute (a longest common subsequence over their texts,
// the same matching as `trace --diff` and the cycle breakdown) advance together; the ones only one side executes
// advance that side alone and are marked.
import { matched } from "../src/measure/cycle-breakdown.ts";
import type { TraceStep } from "../src/measure/entry-trace.ts";

export interface Tick {
  /** index into side A's steps, or null when A has nothing here */
  a: number | null;
  b: number | null;
}

export function alignTraces(a: readonly TraceStep[], b: readonly TraceStep[] | null): Tick[] {
  if (b === null) return a.map((_, i) => ({ a: i, b: null }));
  const inB = matched(a, b);
  const inA = matched(b, a);
  const out: Tick[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && !inB[i]) out.push({ a: i++, b: null });
    else if (j < b.length && !inA[j]) out.push({ a: null, b: j++ });
    else out.push({ a: i++, b: j++ });
  }
  return out;
}

/** For each side, the index of the last step executed at tick `t` (-1 before its first). */
export function positions(ticks: readonly Tick[], t: number): { a: number; b: number } {
  let a = -1;
  let b = -1;
  for (let k = 0; k <= t && k < ticks.length; k++) {
    const x = ticks[k]!;
    if (x.a !== null) a = x.a;
    if (x.b !== null) b = x.b;
  }
  return { a, b };
}
