// cgroup-tif-semislow: cgroup-tif's flag (TIF_SYSCALL_CGROUP, bit 26, in _TIF_WORK_SYSCALL_ENTRY), but a flagged
// task whose only other entry work is audit does not take the full slow path: a semi-slow block modelled on
// auditsys does the check (and audit_syscall_entry when TIF_SYSCALL_AUDIT is also set), reloads the arguments and
// rejoins system_call_fastpath, so the call returns through SYSRET. Bit 26 is outside _TIF_ALLWORK_MASK, so
// sysret_check lets it through.
//
// The branch sits at the start of tracesys (hook tracesys_entry). It repeats 3.1's audit-only test first, so an
// audited unfiltered task runs the same instructions as without the design; only a task with work bits beyond
// AUDIT and CGROUP (ptrace, seccomp, …) pays one more test before the full slow path, where the check runs after
// syscall_trace_enter as in cgroup-tif.
import { LOAD_ARGS } from "../../entry/linux-3.1-macros.ts";
import { deniedStubs } from "../denial-stubs.ts";
import type { Design } from "../design.ts";
import { scgControlPlane } from "../scg-control-plane.ts";
import { composedCheck } from "./cgroup-composed.ts";
import { CGROUP_TIF_CONSTANTS, TIF_SYSCALL_CGROUP } from "./cgroup-tif.ts";

const TRACESYS_ENTRY = [
  "testl $(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT), TI_flags(%rcx)",
  "jz auditsys",
  "testl $(_TIF_WORK_SYSCALL_ENTRY & ~(_TIF_SYSCALL_AUDIT|_TIF_SYSCALL_CGROUP)), TI_flags(%rcx)",
  "jz syscalls_cgroup_semislow",
].join("\n");

/** %rcx = thread_info, %rax = nr (unchecked), arguments in registers, RSP at ARGOFFSET. */
const SEMISLOW = [
  "# cgroup-tif-semislow: TIF_SYSCALL_CGROUP (and maybe TIF_SYSCALL_AUDIT) is the only entry work.",
  "syscalls_cgroup_semislow:",
  "\ttestl $_TIF_SYSCALL_AUDIT, TI_flags(%rcx)",
  "\tjz 1f",
  "\t# audit_syscall_entry(AUDIT_ARCH_X86_64, nr, a0, a1, a2, a3), as auditsys",
  "\tmovq %r10, %r9",
  "\tmovq %rdx, %r8",
  "\tmovq %rsi, %rcx",
  "\tmovq %rdi, %rdx",
  "\tmovq %rax, %rsi",
  "\tmovl $AUDIT_ARCH_X86_64, %edi",
  "\tcall audit_syscall_entry",
  ...LOAD_ARGS(0).map((l) => `\t${l}`),
  "1:",
  "\tcmpq $__NR_syscall_max, %rax",
  "\tja badsys",
  ...composedCheck("syscalls_cgroup_denied_sysret")
    .split("\n")
    .map((l) => `\t${l}`),
  "\tjmp system_call_fastpath",
  ...deniedStubs("sysret", "iret"),
].join("\n");

export function cgroupTifSemislowDesign(): Design {
  return {
    id: "cgroup-tif-semislow",
    title: "TIF flag with an audit-style semi-slow path (SYSRET)",
    seed:
      '"Have you considered using the semi-slow path used by auditsc? … You may be able to get by with a new TIF ' +
      "flag that fits in with the same mask … you might avoid the total slow-path overhead (just something " +
      'similar to audit" (Drewry, docs/sources.md#thread-2011)',
    expectation:
      "unfiltered tasks cost exactly what they cost without the design; filtered tasks pay a short detour and return by SYSRET",
    kernel: () => ({
      constants: CGROUP_TIF_CONSTANTS,
      hooks: {
        tracesys_entry: TRACESYS_ENTRY,
        tracesys_after_trace_enter: composedCheck("syscalls_cgroup_denied_iret"),
      },
      extraText: SEMISLOW,
    }),
    // cgroup-tif's control plane: the composed bitmap and the flag
    ...scgControlPlane({ id: "cgroup-tif-semislow", bits: (cg) => cg.bitmap, taskFlag: TIF_SYSCALL_CGROUP }),
  };
}
