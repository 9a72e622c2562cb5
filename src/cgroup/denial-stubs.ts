// The exits a denied call takes, one label per entry path, each returning -SYSCALLS_DENIED_ERRNO through that
// path's own return: SYSRET (ret_from_sys_call) from the fast path, IRET (int_ret_from_sys_call) from tracesys,
// both with RAX in the frame; ia32_sysret from the int $0x80 entry, whose RAX is still live.
// A design's hooks jump to `syscalls_cgroup_denied_<path>`; its extraText includes the stubs it jumps to.

const STUBS = {
  sysret: [
    "syscalls_cgroup_denied_sysret:",
    "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
    "\tjmp ret_from_sys_call",
  ],
  iret: [
    "syscalls_cgroup_denied_iret:",
    "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
    "\tjmp int_ret_from_sys_call",
  ],
  ia32: ["syscalls_cgroup_denied_ia32:", "\tmovq $-SYSCALLS_DENIED_ERRNO, %rax", "\tjmp ia32_sysret"],
} as const;

export type DeniedExit = keyof typeof STUBS;

/** The lines of the stubs for `exits`, in that order (kernel text to append to a design's extraText). */
export function deniedStubs(...exits: DeniedExit[]): string[] {
  return exits.flatMap((e) => STUBS[e]);
}
