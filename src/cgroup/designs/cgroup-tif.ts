// cgroup-tif: a thread_info flag, TIF_SYSCALL_CGROUP, set only on tasks whose cgroup denies something and added to
// _TIF_WORK_SYSCALL_ENTRY, so a filtered task always takes tracesys (and returns through IRET); the check, one bit
// of the task's composed bitmap, runs there after syscall_trace_enter. Unfiltered tasks run the 3.1 entry code
// unchanged: the only difference is the immediate of `testl $_TIF_WORK_SYSCALL_ENTRY`.
//
// Bit 26: unused in 3.1 (thread_info.h leaves 9, 12-15, 19 and 26 free) and outside the low 16 bits, so it is in
// neither _TIF_ALLWORK_MASK (0x1000FEFF) nor _TIF_WORK_MASK: the exit path never goes slow for it.
import { _TIF_WORK_SYSCALL_ENTRY } from "../../kernel/tif.ts";
import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { SCG_CONSTANTS } from "../syscalls-cgroup-struct.ts";
import { composedCheck } from "./cgroup-composed.ts";

export const TIF_SYSCALL_CGROUP = 26;
export const _TIF_SYSCALL_CGROUP = 1 << TIF_SYSCALL_CGROUP;

/** The assembler symbols of the flag (cgroup-tif-semislow builds with the same). */
export const CGROUP_TIF_CONSTANTS: Readonly<Record<string, bigint>> = {
  ...SCG_CONSTANTS,
  TIF_SYSCALL_CGROUP: BigInt(TIF_SYSCALL_CGROUP),
  _TIF_SYSCALL_CGROUP: BigInt(_TIF_SYSCALL_CGROUP),
  // also widens tracesys's audit-only test (_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT): a flagged,
  // audited task takes the full slow path, never auditsys
  _TIF_WORK_SYSCALL_ENTRY: BigInt((_TIF_WORK_SYSCALL_ENTRY | _TIF_SYSCALL_CGROUP) >>> 0),
};

export function cgroupTifDesign(): Design {
  return {
    id: "cgroup-tif",
    title: "TIF flag in _TIF_WORK_SYSCALL_ENTRY, check in tracesys",
    seed:
      '"if you hook into the ptrace as I suggested above, you can probably get it to zero overhead for threads in ' +
      'allow-all cgroups" … "A TIF flag might be the fit." (Drewry, docs/sources.md#thread-2011)',
    expectation:
      "unfiltered tasks cost exactly what they cost without the design; filtered tasks pay tracesys and IRET",
    kernel: () => ({
      constants: CGROUP_TIF_CONSTANTS,
      hooks: {
        // every task on tracesys runs it (a traced unfiltered task's bitmap allows everything)
        tracesys_after_trace_enter: composedCheck("syscalls_cgroup_denied_iret"),
      },
      extraText: [
        "# cgroup-tif: a denied call returns -SYSCALLS_DENIED_ERRNO through IRET, as tracesys does.",
        ...deniedStubs("iret"),
      ].join("\n"),
    }),
    // the composed bitmap; deny_bit_count 0 -> 1 sets the flag on every task of the cgroup, 1 -> 0 clears it,
    // attach and fork set or clear it per the target cgroup
    ...scgControlPlane({ id: "cgroup-tif", bits: (cg) => cg.bitmap, taskFlag: TIF_SYSCALL_CGROUP }),
  };
}
