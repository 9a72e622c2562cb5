// cgroup-composed: each cgroup's bitmap is the composed view (a deny is cleared in every descendant, an allow needs
// the parent's bit), so the entry code tests one bit of the task's own cgroup, on every path, for every task.
import type { Design, DesignHost } from "../design.ts";
import { SCG_CONSTANTS, ScgStructs } from "../syscalls-cgroup-struct.ts";

/** The check: %rax = nr (range-checked), %rcx and %r11 free. Loads current->cgroups and tests one bit. */
function check(deny: string): string {
  return [
    "movq %gs:current_task, %rcx",
    "movq TSK_cgroups(%rcx), %rcx",
    "btl %eax, SCG_syscalls_bitmap(%rcx)",
    `jnc ${deny}`,
  ].join("\n");
}

export function cgroupComposedDesign(): Design {
  let structs: ScgStructs | null = null;
  const s = () => {
    if (structs === null) throw new Error("cgroup-composed: not attached");
    return structs;
  };
  return {
    id: "cgroup-composed",
    title: "Composed per-cgroup bitmap, one bit test",
    seed:
      '"Implementing it in a way that you suggested (setting bits in all descendants) is a very good idea. ' +
      "It enables us to have constant overhead (same on all levels) - currently 5%.\" (Sowa's reply, " +
      'seed/000_15748585c4fe192e.txt; Drewry: "Deny needs to clear the bit in all descendants as well.")',
    expectation: "constant cost at every depth, paid by every task, filtered or not",
    kernel: () => ({
      constants: SCG_CONSTANTS,
      hooks: {
        // Also reached from auditsys (jmp system_call_fastpath): the check uses %gs, never %rcx from the frame.
        fastpath_after_range_check: check("syscalls_cgroup_denied_sysret"),
        tracesys_after_trace_enter: check("syscalls_cgroup_denied_iret"),
      },
      extraText: [
        "# cgroup-composed: a denied call returns -SYSCALLS_DENIED_ERRNO through the path's own exit.",
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
      for (const cg of k.hierarchy.all()) structs.create(cg, cg.bitmap);
      for (const cg of k.hierarchy.all()) for (const t of cg.tasks) structs.pointTask(t, cg);
    },
    cgroupCreated: (cg) => void s().create(cg, cg.bitmap),
    cgroupRemoved: (cg) => s().remove(cg),
    policyChanged(cgs) {
      for (const cg of cgs) s().writeBitmap(cg, cg.bitmap);
    },
    taskAttached: (task, cg) => s().pointTask(task, cg),
    memoryBytes: () => structs?.memoryBytes() ?? 0,
  };
}
