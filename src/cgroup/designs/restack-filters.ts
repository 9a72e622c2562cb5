// A seccomp design swaps its own filter under a task's own filters (those the task installed with seccomp(2) or
// prctl) whenever the task's cgroup changes: the task's filters are attached again, oldest first, on top of the
// design's new node, and the task's seccomp mode and TIF_SECCOMP follow whether any filter is left. Also what the
// design's live filter nodes take in kernel memory.
import { attachPrepared, type SeccompFilterNode } from "../../kernel/seccomp/filter-chain.ts";
import { CACHE_GEOMETRY_3_1, SECCOMP_MODE_FILTER } from "../../kernel/seccomp-filter-mode.ts";
import type { Task } from "../../kernel/task.ts";
import { TIF_SECCOMP } from "../../kernel/tif.ts";

/** Puts `base` (the design's filter, or null) under `task`'s own filters; `designId` names the design in errors. */
export function restackFilters(
  task: Task,
  base: SeccompFilterNode | null,
  designNodes: WeakSet<SeccompFilterNode>,
  designId: string,
): void {
  const own: SeccompFilterNode[] = [];
  for (let f = task.seccompFilter; f && !designNodes.has(f); f = f.prev) own.push(f);
  let head = base;
  for (const f of own.reverse()) {
    const r = attachPrepared(head, f.prog, CACHE_GEOMETRY_3_1);
    if (!r.ok) throw new Error(`${designId}: re-stacking task ${task.pid}'s filter: ${r.reason}`);
    head = r.head;
  }
  task.seccompFilter = head;
  if (head !== null) {
    task.seccompMode = SECCOMP_MODE_FILTER;
    task.tif.set(TIF_SECCOMP);
  } else if (task.seccompMode === SECCOMP_MODE_FILTER) {
    task.seccompMode = 0;
    task.tif.clear(TIF_SECCOMP);
  }
}

/**
 * The kernel memory of the design's filter nodes that live tasks hold: per struct seccomp_filter the classic copy
 * (orig_prog) and the converted program, 8 bytes an instruction each, and the cache's two bitmaps (310 + 347 bits,
 * in longs: 40 + 48 bytes).
 */
export function designFilterBytes(tasks: Iterable<Task>, designNodes: WeakSet<SeccompFilterNode>): number {
  const live = new Set<SeccompFilterNode>();
  for (const t of tasks) {
    for (let f = t.exited ? null : t.seccompFilter; f; f = f.prev) if (designNodes.has(f)) live.add(f);
  }
  let n = 0;
  for (const f of live) n += 8 * f.prog.len + 8 * f.prog.ebpfLen + 88;
  return n;
}
