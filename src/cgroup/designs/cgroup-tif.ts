// cgroup-tif: a thread_info flag, TIF_SYSCALL_CGROUP, set only on tasks whose cgroup denies something and added to
// _TIF_WORK_SYSCALL_ENTRY, so a filtered task always takes tracesys (and returns through IRET); the check, one bit
// of the task's composed bitmap, runs there after syscall_trace_enter. Unfiltered tasks run the 3.1 entry code
// unchanged: the only difference is the immediate of `testl $_TIF_WORK_SYSCALL_ENTRY`.
//
// Bit 26: unused in 3.1 (thread_info.h leaves 9, 12-15, 19 and 26 free) and outside the low 16 bits, so it is in
// neither _TIF_ALLWORK_MASK (0x1000FEFF) nor _TIF_WORK_MASK: the exit path never goes slow for it.
import type { Task } from "../../kernel/task.ts";
import { _TIF_WORK_SYSCALL_ENTRY } from "../../kernel/tif.ts";
import type { Design, DesignHost } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";
import { SCG_CONSTANTS, ScgStructs } from "../syscalls-cgroup-struct.ts";

export const TIF_SYSCALL_CGROUP = 26;
export const _TIF_SYSCALL_CGROUP = 1 << TIF_SYSCALL_CGROUP;

/** The per-task flag follows the cgroup's deny count (the patch's rule: set while deny_bit_count > 0). */
export function syncTaskFlag(task: Task, cg: Cgroup, bit: number): void {
  if (cg.deniedCount > 0) task.tif.set(bit);
  else task.tif.clear(bit);
}

/** The check: %rax = nr (range-checked), %rcx and %r11 free. current->cgroups, one bit. */
export function composedCheck(deny: string): string {
  return [
    "movq %gs:current_task, %rcx",
    "movq TSK_cgroups(%rcx), %rcx",
    "btl %eax, SCG_syscalls_bitmap(%rcx)",
    `jnc ${deny}`,
  ].join("\n");
}

export function cgroupTifDesign(): Design {
  let structs: ScgStructs | null = null;
  const s = () => {
    if (structs === null) throw new Error("cgroup-tif: not attached");
    return structs;
  };
  return {
    id: "cgroup-tif",
    title: "TIF flag in _TIF_WORK_SYSCALL_ENTRY, check in tracesys",
    seed:
      '"if you hook into the ptrace as I suggested above, you can probably get it to zero overhead for threads in ' +
      'allow-all cgroups" … "A TIF flag might be the fit." (Drewry, seed/000_15748585c4fe192e.txt)',
    expectation:
      "unfiltered tasks cost exactly what they cost without the design; filtered tasks pay tracesys and IRET",
    kernel: () => ({
      constants: {
        ...SCG_CONSTANTS,
        TIF_SYSCALL_CGROUP: BigInt(TIF_SYSCALL_CGROUP),
        _TIF_SYSCALL_CGROUP: BigInt(_TIF_SYSCALL_CGROUP),
        // also widens tracesys's audit-only test (_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT): a flagged,
        // audited task takes the full slow path, never auditsys
        _TIF_WORK_SYSCALL_ENTRY: BigInt((_TIF_WORK_SYSCALL_ENTRY | _TIF_SYSCALL_CGROUP) >>> 0),
      },
      hooks: {
        // every task on tracesys runs it (a traced unfiltered task's bitmap allows everything)
        tracesys_after_trace_enter: composedCheck("syscalls_cgroup_denied_iret"),
      },
      extraText: [
        "# cgroup-tif: a denied call returns -SYSCALLS_DENIED_ERRNO through IRET, as tracesys does.",
        "syscalls_cgroup_denied_iret:",
        "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
        "\tjmp int_ret_from_sys_call",
      ].join("\n"),
    }),
    attach(k: DesignHost) {
      structs = new ScgStructs(k.machine, k.hierarchy.nrSyscalls);
      for (const cg of k.hierarchy.all()) structs.create(cg, cg.bitmap);
      for (const cg of k.hierarchy.all()) {
        for (const t of cg.tasks) {
          structs.pointTask(t, cg);
          syncTaskFlag(t, cg, TIF_SYSCALL_CGROUP);
        }
      }
    },
    cgroupCreated: (cg) => void s().create(cg, cg.bitmap),
    cgroupRemoved: (cg) => s().remove(cg),
    policyChanged(cgs) {
      // deny_bit_count 0 -> 1 sets the flag on every task of the cgroup, 1 -> 0 clears it
      for (const cg of cgs) {
        s().writeBitmap(cg, cg.bitmap);
        for (const t of cg.tasks) syncTaskFlag(t, cg, TIF_SYSCALL_CGROUP);
      }
    },
    taskAttached(task, cg) {
      s().pointTask(task, cg);
      syncTaskFlag(task, cg, TIF_SYSCALL_CGROUP);
    },
    memoryBytes: () => structs?.memoryBytes() ?? 0,
  };
}
