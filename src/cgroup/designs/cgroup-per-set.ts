// cgroup-per-set: Drewry's "evaluate each set rather than creating a composed view … only if there's a reason for
// the processes to have different filter rules". Each cgroup's struct holds only the numbers denied *at that
// level* (own deny set: denied here, allowed by the parent) and its parent pointer; a task whose cgroup or any
// ancestor denies something carries TIF_SYSCALL_CGROUP_SETS. The flag is in _TIF_WORK_SYSCALL_ENTRY (as
// cgroup-tif's), so an unflagged task's entry is 3.1's unchanged and flagged tasks take tracesys, where the hook
// walks from the task's cgroup to the root testing each level's own set. Bit 19 is unused in 3.1 and outside
// the low 16 bits, so it is in neither _TIF_ALLWORK_MASK nor _TIF_WORK_MASK (a low bit would loop int_with_check).
// The struct is src/cgroup/syscalls-cgroup-struct.ts's, with SCG_syscalls_bitmap holding the own *deny* set
// (bit set = denied at this level). The int $0x80 entry is not hooked (docs/designs.md).
import { _TIF_WORK_SYSCALL_ENTRY } from "../../kernel/tif.ts";
import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { SCG_CONSTANTS } from "../syscalls-cgroup-struct.ts";

export const TIF_SYSCALL_CGROUP_SETS = 19;
export const _TIF_SYSCALL_CGROUP_SETS = 1 << TIF_SYSCALL_CGROUP_SETS;

/** The numbers denied at this level: denied in cg, allowed in its parent (the root: everything it denies). */
export function ownDenyBits(cg: Cgroup): Uint8Array {
  const out = new Uint8Array(cg.bitmap.length);
  const p = cg.parent?.bitmap;
  for (let i = 0; i < out.length; i++) out[i] = ~cg.bitmap[i]! & (p === undefined ? 0xff : p[i]!) & 0xff;
  const tail = cg.nrSyscalls & 7; // bits past NR_syscalls stay clear
  if (tail !== 0) out[out.length - 1]! &= (1 << tail) - 1;
  return out;
}

/** tracesys after the range check: %rax = nr, %rcx and %r11 free. Unflagged (traced, audited) tasks skip. */
const WALK = [
  "movq %gs:kernel_stack, %rcx",
  "testl $_TIF_SYSCALL_CGROUP_SETS, TI_flags-(THREAD_SIZE-KERNEL_STACK_OFFSET)(%rcx)",
  "jz 2f",
  "movq %gs:current_task, %rcx",
  "movq TSK_cgroups(%rcx), %rcx",
  "1:",
  "btl %eax, SCG_syscalls_bitmap(%rcx)",
  "jc syscalls_cgroup_denied_iret",
  "movq SCG_parent(%rcx), %rcx",
  "testq %rcx, %rcx",
  "jnz 1b",
  "2:",
].join("\n");

export function cgroupPerSetDesign(): Design {
  return {
    id: "cgroup-per-set",
    title: "Each ancestor's own set, evaluated at run time for flagged tasks only",
    seed:
      '"You can avoid clearing up the group if you evaluate each set rather than creating a composed view. ' +
      "It'll yield more runtime overhead, but only if there's a reason for the processes to have different " +
      'filter rules." (Drewry, docs/sources.md#thread-2011)',
    expectation:
      "unfiltered tasks pay nothing; filtered tasks pay tracesys + IRET plus one own-set test per level, " +
      "growing with depth",
    kernel: () => ({
      constants: {
        ...SCG_CONSTANTS,
        _TIF_SYSCALL_CGROUP_SETS: BigInt(_TIF_SYSCALL_CGROUP_SETS),
        _TIF_WORK_SYSCALL_ENTRY: BigInt(_TIF_WORK_SYSCALL_ENTRY | _TIF_SYSCALL_CGROUP_SETS),
      },
      hooks: { tracesys_after_trace_enter: WALK },
      extraText: [
        "# cgroup-per-set: a denied call returns -SYSCALLS_DENIED_ERRNO through tracesys's IRET exit.",
        ...deniedStubs("iret"),
      ].join("\n"),
    }),
    ...scgControlPlane({
      id: "cgroup-per-set",
      bits: ownDenyBits,
      // A level's own set depends on its parent's composed set: rewrite the changed cgroups and their children.
      dependsOnParent: true,
      // flagged iff the composed set denies something (some level of the ancestry has a non-empty own set)
      taskFlag: TIF_SYSCALL_CGROUP_SETS,
    }),
  };
}
