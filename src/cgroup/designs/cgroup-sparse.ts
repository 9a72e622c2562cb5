// cgroup-sparse: the policy as a sparse structure keyed by (ABI, number) instead of a flat NR_syscalls bitmap
// (src/cgroup/sparse-syscall-set.ts: per ABI a base, a directory of leaf pointers and 256-bit leaves), looked up
// by the entry code of the SYSCALL path (x86_64 numbers; x32 numbers with the option below) and of the int $0x80
// path (ia32 numbers). Each restricted cgroup has one structure; task_struct.cgroups points at it, or is NULL
// when nothing in the task's ancestry denies anything (the NULL test is the only cost such a task pays).
// The hierarchy's bitmaps are x86_64 numbers: an ia32 number maps through IA32_SYSCALLS_CGROUP_COMPAT, and one
// with no x86_64 equivalent is denied to every restricted task, as Sowa's later patch did.
// x32 (an extension beyond 3.1, which had no x32 ABI; it came in 3.4): with `x32` on (the default) the kernel is
// built with 3.6's `andl $__SYSCALL_MASK,%eax` before both range checks, so a number with __X32_SYSCALL_BIT set
// dispatches through sys_call_table like its x86_64 number; the lookup picks the x32 tree when ORIG_RAX has the
// bit. x32 keys are the x86_64 numbers (the bit cleared), so the x32 descriptor shares the x86_64 directory.
import type { EntryHooks } from "../../entry/linux-3.1.ts";
import type { Task } from "../../kernel/task.ts";
import { TSK_cgroups } from "../../kernel/task-struct.ts";
import { deniedStubs } from "../denial-stubs.ts";
import type { Design, DesignHost } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";
import {
  type AbiDenySet,
  IA32_SYSCALLS_CGROUP_COMPAT,
  SPS_CONSTANTS,
  type SparseAbi,
  SparseSyscallSets,
} from "../sparse-syscall-set.ts";

/** __X32_SYSCALL_BIT (3.4+ arch/x86/include/asm/unistd.h) */
export const X32_SYSCALL_BIT = 0x40000000;

export interface CgroupSparseOptions {
  /** build with the 3.6-style x32 number mask (default true) */
  x32?: boolean;
}

/**
 * The lookup. `d`: a free register (loaded with the structure), `t`: a free 32-bit temporary; %rax = the number
 * (range-checked, masked); `abi`: the descriptor offset expression, or "x32-select" to choose x86_64 or x32 by
 * ORIG_RAX. Allowed falls through at the local label 2.
 */
function lookup(d: string, t: string, abi: string, deny: string): string {
  const l = [
    "movq %gs:current_task, %D",
    "movq TSK_cgroups(%D), %D",
    "# NULL: nothing in the task's ancestry denies anything",
    "testq %D, %D",
    "jz 2f",
  ];
  let off = abi;
  if (abi === "x32-select") {
    l.push("testl $__X32_SYSCALL_BIT, ORIG_RAX-ARGOFFSET(%rsp)", "jz 1f", "addq $SPS_ABI_X32, %D", "1:");
    off = "SPS_ABI_X86_64";
  }
  l.push(
    "movl %eax, %T",
    `subl ${off}+SPS_base(%D), %T`,
    "# past the directory: nothing denied there",
    `cmpl ${off}+SPS_limit(%D), %T`,
    "jae 2f",
    "shrl $SPS_LEAF_SHIFT, %T",
    `movq ${off}+SPS_dir(%D), %D`,
    "movq (%D,%TQ,8), %D",
    "testq %D, %D",
    "jz 2f",
    "movl %eax, %T",
    "subl SPL_first(%D), %T",
    "btl %T, SPL_bits(%D)",
    `jc ${deny}`,
    "2:",
  );
  return l
    .join("\n")
    .replaceAll("%TQ", `%${t.replace(/d$/, "")}`)
    .replaceAll("%D", d)
    .replaceAll("%T", `%${t}`);
}

export function cgroupSparseDesign(opts: CgroupSparseOptions = {}): Design {
  const x32 = opts.x32 ?? true;
  let host: DesignHost | null = null;
  let sets: SparseSyscallSets | null = null;
  const blockOf = new Map<Cgroup, number>();
  const h = () => {
    if (host === null || sets === null) throw new Error("cgroup-sparse: not attached");
    return { host, sets };
  };

  /** The ABIs' deny sets of cg (x86_64 numbers from the hierarchy, ia32 through the compat table). */
  function denySets(cg: Cgroup): Partial<Record<SparseAbi, AbiDenySet>> {
    const x = cg.deniedList();
    const ia32: number[] = [];
    IA32_SYSCALLS_CGROUP_COMPAT.forEach((nr64, nr) => {
      if (nr64 < 0 || !cg.allowed(nr64)) ia32.push(nr);
    });
    const out: Partial<Record<SparseAbi, AbiDenySet>> = {
      x86_64: { base: 0, denied: x },
      ia32: { base: 0, denied: ia32 },
    };
    if (x32) out.x32 = { base: 0, denied: x, sameAs: "x86_64" };
    return out;
  }

  /** Build cg's structure (NULL when it denies nothing); the old block is returned, not yet freed. */
  function rebuild(cg: Cgroup): number | undefined {
    const { sets: s } = h();
    const old = blockOf.get(cg);
    blockOf.delete(cg);
    if (cg.deniedCount > 0) blockOf.set(cg, s.build(denySets(cg)));
    return old;
  }

  function point(task: Task, cg: Cgroup): void {
    const { host: k } = h();
    const a = blockOf.get(cg) ?? 0;
    k.machine.kspace.write64(task.taskStruct + TSK_cgroups, BigInt.asUintN(64, BigInt(a)));
  }

  return {
    id: "cgroup-sparse",
    title: "Sparse (ABI, number) radix tree instead of a flat bitmap",
    seed:
      "\"That said, your approach won't work on platforms which offset system call start points, have gaps, and " +
      "different ABI modes which change those. You might want to consider a btree or something that doesn't " +
      'need a pre-allocated array, etc." (Drewry, docs/sources.md#thread-2011)',
    expectation:
      "the cost of generality: a two-level lookup per call of a restricted task, constant with depth and above " +
      "cgroup-composed's one bit test; x86_64, ia32 (int $0x80) and x32 numbers all filtered",
    kernel: () => {
      const constants: Record<string, bigint> = { ...SPS_CONSTANTS };
      const hooks: EntryHooks = {
        fastpath_after_range_check: lookup(
          "%rcx",
          "r11d",
          x32 ? "x32-select" : "SPS_ABI_X86_64",
          "syscalls_cgroup_denied_sysret",
        ),
        tracesys_after_trace_enter: lookup(
          "%rcx",
          "r11d",
          x32 ? "x32-select" : "SPS_ABI_X86_64",
          "syscalls_cgroup_denied_iret",
        ),
        ia32_after_range_check: lookup("%r11", "r10d", "SPS_ABI_IA32", "syscalls_cgroup_denied_ia32"),
      };
      if (x32) {
        constants.__X32_SYSCALL_BIT = BigInt(X32_SYSCALL_BIT);
        constants.__SYSCALL_MASK = BigInt(~X32_SYSCALL_BIT >>> 0);
        hooks.before_range_check = "andl $__SYSCALL_MASK, %eax";
      }
      return {
        constants,
        hooks,
        extraText: [
          "# cgroup-sparse: a denied call returns -SYSCALLS_DENIED_ERRNO through the path's own exit.",
          ...deniedStubs("sysret", "iret", "ia32"),
        ].join("\n"),
      };
    },
    attach(k: DesignHost) {
      host = k;
      sets = new SparseSyscallSets(k.machine);
      for (const cg of k.hierarchy.all()) {
        rebuild(cg);
        for (const t of cg.tasks) point(t, cg);
      }
    },
    cgroupCreated: (cg) => void rebuild(cg),
    cgroupRemoved(cg) {
      const old = blockOf.get(cg);
      blockOf.delete(cg);
      if (old !== undefined) h().sets.release(old);
    },
    policyChanged(cgs) {
      // build the new structures, re-point the tasks, then free the old ones (no task sees a freed block)
      const old = cgs.map(rebuild);
      for (const cg of cgs) for (const t of cg.tasks) point(t, cg);
      for (const a of old) if (a !== undefined) h().sets.release(a);
    },
    taskAttached: (task, cg) => point(task, cg),
    memoryBytes: () => sets?.memoryBytes() ?? 0,
  };
}
