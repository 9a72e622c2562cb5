// cgroup-walk: the RFC's first version. Each cgroup's struct holds only its own rules (a bit is clear where the
// cgroup denies a call its parent allows); the entry code tests the task's cgroup and then every ancestor up to
// the root, on every path, for every task, so the cost grows by one loop iteration per level of depth.

import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { SCG_CONSTANTS } from "../syscalls-cgroup-struct.ts";

/** own = composed | ~composed(parent): the rules written at this level (AND over the ancestry = composed). */
function ownBits(cg: Cgroup): Uint8Array {
  const out = cg.bitmap.slice();
  if (cg.parent !== null) {
    const p = cg.parent.bitmap;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! | (~p[i]! & 0xff);
    const tail = cg.nrSyscalls & 7; // bits past NR_syscalls stay clear
    if (tail !== 0) out[out.length - 1]! &= (1 << tail) - 1;
  }
  return out;
}

/** The walk: %rax = nr (range-checked), %rcx and %r11 free. `loop` must be a label unique in the kernel text. */
function walk(loop: string, deny: string): string {
  return [
    "movq %gs:current_task, %rcx",
    "movq TSK_cgroups(%rcx), %rcx",
    `${loop}:`,
    "btl %eax, SCG_syscalls_bitmap(%rcx)",
    `jnc ${deny}`,
    "movq SCG_parent(%rcx), %rcx",
    "testq %rcx, %rcx",
    `jnz ${loop}`,
  ].join("\n");
}

export function cgroupWalkDesign(): Design {
  return {
    id: "cgroup-walk",
    title: "Per-cgroup bitmap, checked at every ancestor",
    seed:
      '"I measured 5% more sys time for process on root level, and 8% more sys time for processes on first ' +
      'level." … "The overhead is for all processes, not only the \'denying one\'." (Sowa, RFC and reply, ' +
      "docs/sources.md#thread-2011)",
    expectation:
      "cost grows linearly with the depth of the task's cgroup and is paid by unfiltered tasks too",
    kernel: () => ({
      constants: SCG_CONSTANTS,
      hooks: {
        // Also reached from auditsys (jmp system_call_fastpath): the walk uses %gs, never %rcx from the frame.
        fastpath_after_range_check: walk("syscalls_cgroup_walk_fast", "syscalls_cgroup_denied_sysret"),
        tracesys_after_trace_enter: walk("syscalls_cgroup_walk_trace", "syscalls_cgroup_denied_iret"),
      },
      extraText: [
        "# cgroup-walk: a denied call returns -SYSCALLS_DENIED_ERRNO through the path's own exit.",
        ...deniedStubs("sysret", "iret"),
      ].join("\n"),
    }),
    // A cgroup's own bits depend on its parent's set: a policy change rewrites the changed cgroups and their children.
    ...scgControlPlane({ id: "cgroup-walk", bits: ownBits, dependsOnParent: true }),
  };
}
