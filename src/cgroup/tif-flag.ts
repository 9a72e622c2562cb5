// A design's per-task thread_info flag (TIF_SYSCALL_CGROUP, TIF_SYSCALL_USE_CGROUP, …) that marks a filtered task.
import type { Task } from "../kernel/task.ts";
import type { Cgroup } from "./hierarchy.ts";

/** The per-task flag follows the cgroup's deny count (the patch's rule: set while deny_bit_count > 0). */
export function syncTaskFlag(task: Task, cg: Cgroup, bit: number): void {
  if (cg.deniedCount > 0) task.tif.set(bit);
  else task.tif.clear(bit);
}
