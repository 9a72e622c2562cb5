// A seccomp design swaps its own filter under a task's own filters (those the task installed with seccomp(2) or
// prctl) whenever the task's cgroup changes: the task's filters are attached again, oldest first, on top of the
// design's new node, and the task's seccomp mode and TIF_SECCOMP follow whether any filter is left.
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
