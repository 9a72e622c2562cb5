// cgroup-walk: the RFC's first version. Each cgroup's struct holds only its own rules (a bit is clear where the
// cgroup denies a call its parent allows); the entry code tests the task's cgroup and then every ancestor up to
// the root, on every path, for every task, so the cost grows by one loop iteration per level of depth.

import type { Design, DesignHost } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";
import { SCG_CONSTANTS, ScgStructs } from "../syscalls-cgroup-struct.ts";

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
  let structs: ScgStructs | null = null;
  const s = () => {
    if (structs === null) throw new Error("cgroup-walk: not attached");
    return structs;
  };
  return {
    id: "cgroup-walk",
    title: "Per-cgroup bitmap, checked at every ancestor",
    seed:
      '"I measured 5% more sys time for process on root level, and 8% more sys time for processes on first ' +
      'level." … "The overhead is for all processes, not only the \'denying one\'." (Sowa, RFC and reply, ' +
      "seed/000_15748585c4fe192e.txt)",
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
        "syscalls_cgroup_denied_sysret:",
        "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
        "\tjmp ret_from_sys_call",
        "syscalls_cgroup_denied_iret:",
        "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
        "\tjmp int_ret_from_sys_call",
      ].join("\n"),
    }),
    attach(k: DesignHost) {
      structs = new ScgStructs(k.machine, k.hierarchy.nrSyscalls);
      for (const cg of k.hierarchy.all()) structs.create(cg, ownBits(cg));
      for (const cg of k.hierarchy.all()) for (const t of cg.tasks) structs.pointTask(t, cg);
    },
    cgroupCreated: (cg) => void s().create(cg, ownBits(cg)),
    cgroupRemoved: (cg) => s().remove(cg),
    policyChanged(cgs) {
      // A cgroup's own bits depend on its parent's set: rewrite the changed cgroups and their children.
      const dirty = new Set<Cgroup>();
      for (const cg of cgs) {
        dirty.add(cg);
        for (const c of cg.children) dirty.add(c);
      }
      for (const cg of dirty) s().writeBitmap(cg, ownBits(cg));
    },
    taskAttached: (task, cg) => s().pointTask(task, cg),
    memoryBytes: () => structs?.memoryBytes() ?? 0,
  };
}
