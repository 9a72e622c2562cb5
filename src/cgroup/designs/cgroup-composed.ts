// cgroup-composed: each cgroup's bitmap is the composed view (a deny is cleared in every descendant, an allow needs
// the parent's bit), so the entry code tests one bit of the task's own cgroup, on every path, for every task.
import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { SCG_CONSTANTS } from "../syscalls-cgroup-struct.ts";

/** The check: %rax = nr (range-checked), %rcx and %r11 free. Loads current->cgroups and tests one bit. */
export function composedCheck(deny: string): string {
  return [
    "movq %gs:current_task, %rcx",
    "movq TSK_cgroups(%rcx), %rcx",
    "btl %eax, SCG_syscalls_bitmap(%rcx)",
    `jnc ${deny}`,
  ].join("\n");
}

export function cgroupComposedDesign(): Design {
  return {
    id: "cgroup-composed",
    title: "Composed per-cgroup bitmap, one bit test",
    seed:
      '"Implementing it in a way that you suggested (setting bits in all descendants) is a very good idea. ' +
      "It enables us to have constant overhead (same on all levels) - currently 5%.\" (Sowa's reply, " +
      'docs/sources.md#thread-2011; Drewry: "Deny needs to clear the bit in all descendants as well.")',
    expectation: "constant cost at every depth, paid by every task, filtered or not",
    kernel: () => ({
      constants: SCG_CONSTANTS,
      hooks: {
        // Also reached from auditsys (jmp system_call_fastpath): the check uses %gs, never %rcx from the frame.
        fastpath_after_range_check: composedCheck("syscalls_cgroup_denied_sysret"),
        tracesys_after_trace_enter: composedCheck("syscalls_cgroup_denied_iret"),
      },
      extraText: [
        "# cgroup-composed: a denied call returns -SYSCALLS_DENIED_ERRNO through the path's own exit.",
        ...deniedStubs("sysret", "iret"),
      ].join("\n"),
    }),
    // each cgroup's struct holds its composed bitmap (the hierarchy's own)
    ...scgControlPlane({ id: "cgroup-composed", bits: (cg) => cg.bitmap }),
  };
}
