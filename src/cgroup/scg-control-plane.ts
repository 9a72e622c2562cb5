// The control plane of the designs that keep one struct syscalls_cgroup per cgroup (syscalls-cgroup-struct.ts):
// a struct per cgroup from its creation to its removal, its bitmap rewritten on every policy change, task->cgroups
// pointed at it on every attach and, for the flag designs, the task's TIF flag kept in step (tif-flag.ts).
// What the bitmap holds, and which flag, is the design's.
import type { Task } from "../kernel/task.ts";
import type { Design, DesignHost } from "./design.ts";
import type { Cgroup } from "./hierarchy.ts";
import { ScgStructs } from "./syscalls-cgroup-struct.ts";
import { syncTaskFlag } from "./tif-flag.ts";

export interface ScgPlaneSpec {
  /** the design's id (for the "not attached" error) */
  id: string;
  /** the bitmap cg's struct holds */
  bits(cg: Cgroup): Uint8Array;
  /** the bitmap depends on the parent's policy: a policy change rewrites the changed cgroups' children too */
  dependsOnParent?: boolean;
  /** a TIF bit set on each task of a cgroup while the cgroup denies anything (syncTaskFlag) */
  taskFlag?: number;
}

export type ControlPlane = Pick<
  Design,
  "attach" | "cgroupCreated" | "cgroupRemoved" | "policyChanged" | "taskAttached" | "memoryBytes"
>;

export function scgControlPlane(spec: ScgPlaneSpec): ControlPlane {
  let structs: ScgStructs | null = null;
  const s = () => {
    if (structs === null) throw new Error(`${spec.id}: not attached`);
    return structs;
  };
  const flag = (task: Task, cg: Cgroup) => {
    if (spec.taskFlag !== undefined) syncTaskFlag(task, cg, spec.taskFlag);
  };
  const attachTask = (task: Task, cg: Cgroup) => {
    s().pointTask(task, cg);
    flag(task, cg);
  };
  return {
    attach(k: DesignHost) {
      structs = new ScgStructs(k.machine, k.hierarchy.nrSyscalls);
      for (const cg of k.hierarchy.all()) structs.create(cg, spec.bits(cg));
      for (const cg of k.hierarchy.all()) for (const t of cg.tasks) attachTask(t, cg);
    },
    cgroupCreated: (cg) => void s().create(cg, spec.bits(cg)),
    cgroupRemoved: (cg) => s().remove(cg),
    policyChanged(cgs) {
      const dirty = new Set<Cgroup>();
      for (const cg of cgs) {
        dirty.add(cg);
        if (spec.dependsOnParent) for (const c of cg.children) dirty.add(c);
      }
      for (const cg of dirty) s().writeBitmap(cg, spec.bits(cg));
      for (const cg of cgs) for (const t of cg.tasks) flag(t, cg);
    },
    taskAttached: attachTask,
    memoryBytes: () => structs?.memoryBytes() ?? 0,
  };
}
