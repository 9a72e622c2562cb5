// A task's stack of seccomp filters (struct seccomp_filter: prog, prev, cache) and seccomp_run_filters().
// Nodes are immutable and shared by pointer, as fork shares them in the kernel: attaching makes a new head.

import { isMoreRestrictive, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from "./actions.ts";
import {
  type ActionCache,
  type CacheGeometry,
  seccompCacheCheckAllow,
  seccompCachePrepare,
} from "./cache.ts";
import { type CheckError, checkPathLength, type PreparedFilter, seccompPrepareFilter } from "./checker.ts";
import { type RunStats, runFilter } from "./interpreter.ts";
import type { SockFilter } from "./sock-filter.ts";

export interface SeccompFilterNode {
  readonly prog: PreparedFilter;
  readonly prev: SeccompFilterNode | null;
  readonly cache: ActionCache;
  /** 0 for the first filter attached */
  readonly depth: number;
  /** SECCOMP_FILTER_FLAG_LOG at attach: its ERRNO, TRAP, TRACE and USER_NOTIF results are logged too */
  readonly log: boolean;
}

export type AttachResult = { ok: true; head: SeccompFilterNode } | CheckError;

/** eBPF lengths (prog->len) of the attached filters, newest first. */
export function chainLengths(head: SeccompFilterNode | null): number[] {
  const out: number[] = [];
  for (let f = head; f; f = f.prev) out.push(f.prog.ebpfLen);
  return out;
}

/**
 * seccomp_set_mode_filter's filter part: prepare (validate) then attach (path length, cache). On error the
 * chain is unchanged.
 */
export function seccompAttachFilter(
  head: SeccompFilterNode | null,
  prog: readonly SockFilter[],
  geometry?: CacheGeometry,
): AttachResult {
  const prepared = seccompPrepareFilter(prog);
  if (!prepared.ok) return prepared;
  return attachPrepared(head, prepared.filter, geometry);
}

export function attachPrepared(
  head: SeccompFilterNode | null,
  prog: PreparedFilter,
  geometry?: CacheGeometry,
  log = false,
): AttachResult {
  const tooLong = checkPathLength(chainLengths(head), prog.ebpfLen);
  if (tooLong) return tooLong;
  const cache = seccompCachePrepare(prog.orig, head?.cache ?? null, geometry);
  return { ok: true, head: { prog, prev: head, cache, depth: head ? head.depth + 1 : 0, log } };
}

export interface RunFiltersResult {
  /** the winning 32-bit value */
  ret: number;
  /** the filter that produced it (the `match` of the kernel), null on a cache hit or an empty chain */
  match: SeccompFilterNode | null;
  /** classic instructions executed over all filters (0 on a cache hit) */
  insns: number;
  /** filters run */
  filtersRun: number;
  cacheHit: boolean;
}

const stats: RunStats = { insns: 0 };

/**
 * seccomp_run_filters(): a cache hit in the newest filter's bitmap returns ALLOW at once; otherwise every
 * filter runs newest first and a result replaces the current one only if its signed ACTION_ONLY is smaller,
 * so on a tie the newest filter's value (and data) stays. No filters at all fails closed (KILL_PROCESS).
 */
export function seccompRunFilters(
  head: SeccompFilterNode | null,
  data: Uint32Array,
  useCache = true,
): RunFiltersResult {
  if (!head) return { ret: SECCOMP_RET_KILL_PROCESS, match: null, insns: 0, filtersRun: 0, cacheHit: false };
  if (useCache && seccompCacheCheckAllow(head.cache, data[0]! | 0, data[1]!))
    return { ret: SECCOMP_RET_ALLOW, match: null, insns: 0, filtersRun: 0, cacheHit: true };
  let ret = SECCOMP_RET_ALLOW;
  let match: SeccompFilterNode | null = null;
  let insns = 0;
  let filtersRun = 0;
  for (let f: SeccompFilterNode | null = head; f; f = f.prev) {
    const cur = runFilter(f.prog, data, stats);
    insns += stats.insns;
    filtersRun++;
    if (isMoreRestrictive(cur, ret)) {
      ret = cur;
      match = f;
    }
  }
  return { ret: ret >>> 0, match, insns, filtersRun, cacheHit: false };
}
