// The symbols entry_64.S takes from asm-offsets.h and headers, as assembler constants for src/entry/linux-3.1.ts.
import { ENOSYS } from "./errno.ts";
import { PERCPU_SYMBOLS } from "./percpu.ts";
import * as P from "./pt-regs.ts";
import { __KERNEL_CS, __KERNEL_DS, __USER_CS, __USER_DS, __USER32_CS } from "./segment.ts";
import { NR_SYSCALL_MAX } from "./syscall-names-x86_64-3.1.ts";
import { TSK_cgroups } from "./task-struct.ts";
import { KERNEL_STACK_OFFSET, THREAD_SIZE, TI_flags, TI_status, TS_COMPAT } from "./thread-info.ts";
import * as T from "./tif.ts";

/** AUDIT_ARCH_X86_64 = EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE (include/linux/audit.h). */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** AUDIT_ARCH_I386 = EM_386 (3) | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_I386 = 0x40000003;

export function linux31AsmOffsets(): Map<string, bigint> {
  const m = new Map<string, bigint>();
  const set = (k: string, v: number) => m.set(k, BigInt(v));
  for (const [name, off] of P.PT_REGS_FIELDS) set(name === "orig_rax" ? "ORIG_RAX" : name.toUpperCase(), off);
  set("ARGOFFSET", P.ARGOFFSET);
  set("ARG_SKIP", P.ARG_SKIP);
  set("REST_SKIP", P.REST_SKIP);
  set("TI_flags", TI_flags);
  set("TI_status", TI_status);
  set("THREAD_SIZE", THREAD_SIZE);
  set("KERNEL_STACK_OFFSET", KERNEL_STACK_OFFSET);
  set("TS_COMPAT", TS_COMPAT);
  set("TSK_cgroups", TSK_cgroups);
  set("TIF_NEED_RESCHED", T.TIF_NEED_RESCHED);
  set("TIF_SYSCALL_AUDIT", T.TIF_SYSCALL_AUDIT);
  set("TIF_FORK", T.TIF_FORK);
  set("_TIF_IA32", T._TIF_IA32);
  set("_TIF_SYSCALL_AUDIT", T._TIF_SYSCALL_AUDIT);
  set("_TIF_SYSCALL_EMU", T._TIF_SYSCALL_EMU);
  set("_TIF_WORK_SYSCALL_ENTRY", T._TIF_WORK_SYSCALL_ENTRY);
  set("_TIF_WORK_SYSCALL_EXIT", T._TIF_WORK_SYSCALL_EXIT);
  set("_TIF_ALLWORK_MASK", T._TIF_ALLWORK_MASK);
  set("_TIF_WORK_MASK", T._TIF_WORK_MASK);
  set("_TIF_DO_NOTIFY_MASK", T._TIF_DO_NOTIFY_MASK);
  set("__KERNEL_CS", __KERNEL_CS);
  set("__KERNEL_DS", __KERNEL_DS);
  set("__USER32_CS", __USER32_CS);
  set("__USER_CS", __USER_CS);
  set("__USER_DS", __USER_DS);
  set("__NR_syscall_max", NR_SYSCALL_MAX);
  set("ENOSYS", ENOSYS);
  set("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64);
  for (const [k, v] of Object.entries(PERCPU_SYMBOLS)) set(k, v);
  return m;
}
