// cgroup-sowa: Łukasz Sowa's published patch as it was (luksow/syscalls-cgroup syscalls_cgroup.patch @ c3d8c061,
// docs/sources.md#sowa-cgroup). TIF_SYSCALL_USE_CGROUP (bit 29) is *not* in
// _TIF_WORK_SYSCALL_ENTRY: system_call_fastpath tests it after the range check and, when set, saves nine registers
// and calls the C function syscalls_cgroup_perm(nr); tracesys does the same after syscall_trace_enter. A denied
// call goes to badsys (-ENOSYS, SYSRET) on the fast path and to int_ret_from_sys_call (RAX already -ENOSYS) on
// tracesys. The flag is set on every task of a cgroup when its deny_bit_count goes 0 -> 1, cleared at 1 -> 0, and
// set or cleared on attach and fork.
//
// Finding (the patch's auditsys path): auditsys reaches system_call_fastpath after `LOAD_ARGS 0`, which reloads
// %rcx from the frame's RCX slot — a slot SAVE_ARGS 8,0 never writes. The fast-path test therefore reads
// TI_flags(<stale RCX slot>), for every audited task, filtered or not. Modelled as it was: on a fresh stack the
// slot is 0, so the first audited syscall reads address 0x10 at CPL 0 — a kernel page fault (oops); with a
// stale pointer to memory whose bit 29 is clear, a filtered task's denied call is not denied.
// test/cgroup/designs-tif-sowa.test.ts demonstrates both.
import type { Cpu } from "../../cpu/cpu.ts";
import { ENOSYS } from "../../kernel/errno.ts";
import type { KernelContext } from "../../kernel/kernel-context.ts";
import { argInt } from "../../kernel/native-args.ts";
import { TSK_cgroups } from "../../kernel/task-struct.ts";
import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { SCG_CONSTANTS, SCG_syscalls_bitmap } from "../syscalls-cgroup-struct.ts";

export const TIF_SYSCALL_USE_CGROUP = 29;
export const _TIF_SYSCALL_USE_CGROUP = 1 << TIF_SYSCALL_USE_CGROUP;

const SAVED = ["rax", "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11"];

/** The patch's call sequence: push nine registers, syscalls_cgroup_perm(nr), compare, pop, branch on 0 (denied). */
function permCall(deny: string): string[] {
  return [
    ...SAVED.map((r) => `pushq %${r}`),
    "movq %rax, %rdi",
    "call syscalls_cgroup_perm",
    "cmpl $0, %eax",
    ...[...SAVED].reverse().map((r) => `popq %${r}`),
    `je ${deny}`,
  ];
}

/**
 * int syscalls_cgroup_perm(int number): test_bit(number, task_to_scg(current)->syscalls_bitmap). The number is
 * range-checked by the entry code. task_to_scg's current -> cgroups -> subsys[id] chain is collapsed here into
 * task_struct.cgroups pointing at the struct (src/cgroup/syscalls-cgroup-struct.ts).
 */
function syscallsCgroupPerm(k: KernelContext, cpu: Cpu): number {
  const nr = argInt(cpu, 0);
  const scg = k.kspace.read64(k.current().taskStruct + TSK_cgroups);
  const byte = k.kspace.read8(scg + BigInt(SCG_syscalls_bitmap + (nr >> 3)));
  return (byte >> (nr & 7)) & 1;
}

/**
 * Cycles of syscalls_cgroup_perm's body (sandybridge-2011 terms; the RET is classes.native). gcc -O2 of 3.1 emits
 * ~6 instructions: mov %gs:current_task; mov task->cgroups; mov css_set->subsys[syscalls_subsys_id]; bt %edi,
 * bitmap(container_of) (variable_test_bit); sbb; movzx — 6 / IPC 1.47 (Arora 2022, docs/sources.md#entry-figures) = 4,
 * + 3 dependent pointer hops × 3 exposed load-to-use cycles (profile `load`) = 9, + BT m,r's microcode: 10 µops,
 * reciprocal throughput 5 instead of 1 (Agner Fog, instruction tables, Sandy Bridge) = 4. Total 17 (est.).
 * No frame pointer (CONFIG_FRAME_POINTER would add push/mov/pop, ~2 more).
 */
export const SYSCALLS_CGROUP_PERM_CYCLES = 17;

export function cgroupSowaDesign(): Design {
  return {
    id: "cgroup-sowa",
    title: "Sowa's published patch: own TIF bit tested on the fast path, call into C",
    seed:
      '"My current idea is to introduce a per-cgroup triggering bit … Then, the overhead for cgroups with tracing ' +
      'turned off would be minimal (additional bit checking and short jumping only)." (Sowa, ' +
      "docs/sources.md#thread-2011); the patch: luksow/syscalls-cgroup syscalls_cgroup.patch, entry_64.S " +
      '"testl $_TIF_SYSCALL_USE_CGROUP,TI_flags(%rcx) … call syscalls_cgroup_perm … je badsys"',
    expectation:
      "the patch as it was: unfiltered tasks pay the flag test, filtered tasks the nine pushes, a C call and nine pops, constant with depth",
    kernel: (cfg) => {
      // The patch jumps to badsys (fast path) and int_ret_from_sys_call (tracesys, RAX = -ENOSYS); another errno
      // needs a label that stores it.
      const enosys = cfg.deniedErrno === ENOSYS;
      const fastDeny = enosys ? "badsys" : "syscalls_cgroup_denied_sysret";
      const traceDeny = enosys ? "int_ret_from_sys_call" : "syscalls_cgroup_denied_iret";
      return {
        constants: {
          ...SCG_CONSTANTS,
          TIF_SYSCALL_USE_CGROUP: BigInt(TIF_SYSCALL_USE_CGROUP),
          _TIF_SYSCALL_USE_CGROUP: BigInt(_TIF_SYSCALL_USE_CGROUP),
        },
        hooks: {
          // %rcx is thread_info on the fast path; from auditsys it is the frame's (never written) RCX slot
          fastpath_after_range_check: [
            "testl $_TIF_SYSCALL_USE_CGROUP, TI_flags(%rcx)",
            "jz syscalls_cgroup_skip_fastpath",
            ...permCall(fastDeny),
            "syscalls_cgroup_skip_fastpath:",
          ].join("\n"),
          tracesys_after_trace_enter: [
            "pushq %rcx",
            "movq %gs:kernel_stack, %rcx",
            "subq $(THREAD_SIZE-KERNEL_STACK_OFFSET), %rcx",
            "testl $_TIF_SYSCALL_USE_CGROUP, TI_flags(%rcx)",
            "popq %rcx",
            "jz syscalls_cgroup_skip_tracesys",
            ...permCall(traceDeny),
            "syscalls_cgroup_skip_tracesys:",
          ].join("\n"),
        },
        ...(enosys
          ? {}
          : {
              extraText: [
                "# cgroup-sowa with deniedErrno != ENOSYS: badsys and tracesys's RAX hold -ENOSYS, so store it here.",
                ...deniedStubs("sysret", "iret"),
              ].join("\n"),
            }),
        natives: [
          { name: "syscalls_cgroup_perm", cost: SYSCALLS_CGROUP_PERM_CYCLES, fn: syscallsCgroupPerm },
        ],
      };
    },
    // the patch's syscalls_bitmap is the composed set. syscalls_cgroup_deny_syscall / allow_syscall: the flag
    // follows deny_bit_count (0 -> 1 set, 1 -> 0 clear); attach_task sets or clears; post_fork only sets (a child
    // here starts with no flags of its parent)
    ...scgControlPlane({ id: "cgroup-sowa", bits: (cg) => cg.bitmap, taskFlag: TIF_SYSCALL_USE_CGROUP }),
  };
}
