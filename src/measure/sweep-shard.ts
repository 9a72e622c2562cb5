// `sweep --shard K/N`: the K-th of N deterministic slices of an experiment's points (the convention of vitest's
// and Playwright's --shard: 1-based, every point in exactly one shard). A design point is measured against the
// `none` point of the same configuration, so a slice is cut between baseline groups (a none point and the
// design points compared with it), never through one: each shard computes its own overheads.
import { baselineOf, type Point, pointId } from "./experiment.ts";

export interface Shard {
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

/** "2/4" → { index: 2, count: 4 }; null with the reason when it is not K/N with 1 ≤ K ≤ N. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text.trim());
  if (m === null) return `--shard must be K/N (for example 2/4), got '${text}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `--shard: N must be from 1 to ${MAX_SHARDS}, got ${count}`;
  if (index < 1 || index > count) return `--shard: K must be from 1 to ${count}, got ${index}`;
  return { index, count };
}

/**
 * The shard's points, in the experiment's order: the baseline groups (in order of first appearance) are split
 * into N contiguous runs whose sizes differ by at most one group.
 */
export function shardPoints(points: readonly Point[], shard: Shard): Point[] {
  const groupOf = new Map<string, number>();
  const groups: string[] = [];
  for (const p of points) {
    const g = pointId(baselineOf(p.config));
    if (!groupOf.has(g)) {
      groupOf.set(g, groups.length);
      groups.push(g);
    }
  }
  const lo = Math.floor((groups.length * (shard.index - 1)) / shard.count);
  const hi = Math.floor((groups.length * shard.index) / shard.count);
  return points.filter((p) => {
    const g = groupOf.get(pointId(baselineOf(p.config)))!;
    return g >= lo && g < hi;
  });
}
