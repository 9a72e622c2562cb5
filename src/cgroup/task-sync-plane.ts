// The control plane of the designs that keep no per-cgroup kernel data, only per-task state (a seccomp filter, a
// ptrace supervisor): every task of a cgroup whose policy changes, and every task attached to a cgroup, is synced
// from its cgroup's policy by the design's `sync`.
import type { Task } from "../kernel/task.ts";
import type { Design, DesignHost } from "./design.ts";

export type TaskSyncPlane = Pick<
  Design,
  "attach" | "cgroupCreated" | "cgroupRemoved" | "policyChanged" | "taskAttached"
>;

/** `onAttach` keeps the host; then every existing task is synced. */
export function taskSyncPlane(onAttach: (k: DesignHost) => void, sync: (task: Task) => void): TaskSyncPlane {
  return {
    attach(k) {
      onAttach(k);
      for (const cg of k.hierarchy.all()) for (const t of cg.tasks) sync(t);
    },
    cgroupCreated: () => {},
    cgroupRemoved: () => {},
    policyChanged(cgs) {
      for (const cg of cgs) for (const t of cg.tasks) sync(t);
    },
    taskAttached: (task) => sync(task),
  };
}
