// The generic-entry (v5.11+) x86_64 SYSCALL path as AT&T source: entry_SYSCALL_64 with the opportunistic SYSRET
// checks and both return paths (arch/x86/entry/entry_64.S, calling.h, [L5.15]; docs/sources.md#linux-3.1-entry
// §4), plus do_syscall_64, syscall_enter_from_user_mode, syscall_exit_to_user_mode and exit_to_user_mode_loop
// written as the code a compiler would emit for their C (arch/x86/entry/common.c, kernel/entry/common.c) in a
// production configuration: context tracking, lockdep, irq tracing, kstack-offset randomisation, rseq and the
// Spectre/MDS mitigation macros (IBRS_ENTER, UNTRAIN_RET, VERW) are static-key or alternative no-ops and emit
// nothing. ALTERNATIVEs are applied here, when the text is built: with `pti` off the CR3 macros emit nothing (the
// kernel's patched-in `jmp .Lend` is not modelled). PCID is not modelled: the CR3 writes never set NOFLUSH.
// syscall_trace_enter, syscall_exit_work, schedule and do_notify_resume (arch_do_signal_or_restart +
// tracehook_notify_resume) are kernel natives.
import { PT_REGS_SYMBOLS } from "./pt-regs-symbols.ts";

export interface GenericEntryOptions {
  /** page-table isolation: SWITCH_TO_KERNEL_CR3 on entry, SWITCH_TO_USER_CR3_STACK on both return paths */
  pti?: boolean;
}

/** The C functions and data the entry code references; the kernel must define every one. */
export const LINUX_GENERIC_EXTERNS = [
  "sys_call_table",
  "sys_ni_syscall",
  "syscall_trace_enter",
  "syscall_exit_work",
  "schedule",
  "schedule_tail",
  "do_notify_resume",
] as const;

/** Constants the entry code uses as symbols (the kernel's generic asm-offsets provide them). */
export const LINUX_GENERIC_CONSTANTS = [
  ...PT_REGS_SYMBOLS,
  "TI_flags",
  "TI_syscall_work",
  "THREAD_SIZE",
  "cpu_tss_rw",
  "TSS_sp0",
  "TSS_sp2",
  "cpu_current_top_of_stack",
  "__USER_CS",
  "__USER_DS",
  "ENOSYS",
  "NR_syscalls",
  "__VIRTUAL_MASK_SHIFT",
  "X86_EFLAGS_TF",
  "X86_EFLAGS_RF",
  "SYSCALL_WORK_ENTER",
  "SYSCALL_WORK_EXIT",
  "EXIT_TO_USER_MODE_WORK",
  "_TIF_NEED_RESCHED",
  "_TIF_NOTIFY_WORK",
  "PTI_USER_PGTABLE_MASK",
  "PTI_USER_PCID_MASK",
  "PTI_USER_PGTABLE_AND_PCID_MASK",
] as const;

/** `PER_CPU_VAR(var)` */
function PER_CPU_VAR(v: string): string {
  return `%gs:${v}`;
}

/** PUSH_AND_CLEAR_REGS rax=$-ENOSYS (calling.h PUSH_REGS + CLEAR_REGS): pt_regs below orig_ax, then scratch zeroed. */
export function PUSH_AND_CLEAR_REGS(): string[] {
  return [
    "pushq %rdi",
    "pushq %rsi",
    "pushq %rdx",
    "pushq %rcx",
    "pushq $-ENOSYS",
    "pushq %r8",
    "pushq %r9",
    "pushq %r10",
    "pushq %r11",
    "pushq %rbx",
    "pushq %rbp",
    "pushq %r12",
    "pushq %r13",
    "pushq %r14",
    "pushq %r15",
    "xorl %esi, %esi",
    "xorl %edx, %edx",
    "xorl %ecx, %ecx",
    "xorl %r8d, %r8d",
    "xorl %r9d, %r9d",
    "xorl %r10d, %r10d",
    "xorl %r11d, %r11d",
    "xorl %ebx, %ebx",
    "xorl %ebp, %ebp",
    "xorl %r12d, %r12d",
    "xorl %r13d, %r13d",
    "xorl %r14d, %r14d",
    "xorl %r15d, %r15d",
  ];
}

/** POP_REGS pop_rdi skip_r11rcx: the skipped slots are popped into %rsi, which is reloaded after them. */
export function POP_REGS(pop_rdi: boolean, skip_r11rcx: boolean): string[] {
  return [
    "popq %r15",
    "popq %r14",
    "popq %r13",
    "popq %r12",
    "popq %rbp",
    "popq %rbx",
    skip_r11rcx ? "popq %rsi" : "popq %r11",
    "popq %r10",
    "popq %r9",
    "popq %r8",
    "popq %rax",
    skip_r11rcx ? "popq %rsi" : "popq %rcx",
    "popq %rdx",
    "popq %rsi",
    ...(pop_rdi ? ["popq %rdi"] : []),
  ];
}

/** SWITCH_TO_KERNEL_CR3 scratch_reg (no PCID): clear the user-PGD and user-PCID bits of CR3. */
export function SWITCH_TO_KERNEL_CR3(pti: boolean, scratch: string): string[] {
  if (!pti) return [];
  return [
    `movq %cr3, ${scratch}`,
    `andq $~PTI_USER_PGTABLE_AND_PCID_MASK, ${scratch}`,
    `movq ${scratch}, %cr3`,
  ];
}

/** SWITCH_TO_USER_CR3_STACK scratch_reg (no PCID): set the user PCID and user-PGD bits, %rax preserved on the stack. */
export function SWITCH_TO_USER_CR3_STACK(pti: boolean, scratch: string): string[] {
  if (!pti) return [];
  return [
    "pushq %rax",
    `movq %cr3, ${scratch}`,
    `orq $PTI_USER_PCID_MASK, ${scratch}`,
    `orq $PTI_USER_PGTABLE_MASK, ${scratch}`,
    `movq ${scratch}, %cr3`,
    "popq %rax",
  ];
}

/** The full AT&T source of the linux-generic entry text. */
export function linuxGenericEntryText(opts: GenericEntryOptions = {}): string {
  const pti = opts.pti === true;
  const L: string[] = [];
  const emit = (...lines: (string | string[])[]) => {
    for (const x of lines) {
      if (Array.isArray(x)) L.push(...x.map((s) => `\t${s}`));
      else if (x.endsWith(":") || x.startsWith("#")) L.push(x);
      else L.push(`\t${x}`);
    }
  };
  const iret = "swapgs_restore_regs_and_return_to_usermode";
  emit(
    `# entry_SYSCALL_64 (Linux 5.15 arch/x86/entry/entry_64.S)${pti ? ", PTI on" : ""}.`,
    "# rax = nr, rdi rsi rdx r10 r8 r9 = args, rcx = user RIP, r11 = user RFLAGS; interrupts off (FMASK).",
    "entry_SYSCALL_64:",
    "swapgs",
    "# tss.sp2 is scratch space for the user RSP",
    `movq %rsp, ${PER_CPU_VAR("cpu_tss_rw+TSS_sp2")}`,
    SWITCH_TO_KERNEL_CR3(pti, "%rsp"),
    `movq ${PER_CPU_VAR("cpu_current_top_of_stack")}, %rsp`,
    "# the hardware-style frame: ss, sp, flags, cs, ip",
    "pushq $__USER_DS",
    `pushq ${PER_CPU_VAR("cpu_tss_rw+TSS_sp2")}`,
    "pushq %r11",
    "pushq $__USER_CS",
    "pushq %rcx",
    "entry_SYSCALL_64_after_hwframe:",
    "# orig_ax",
    "pushq %rax",
    PUSH_AND_CLEAR_REGS(),
    "# interrupts stay off here: do_syscall_64 enables them",
    "movq %rsp, %rdi",
    "# the syscall number is a sign-extended int",
    "movslq %eax, %rsi",
    "call do_syscall_64",
    "# Opportunistic SYSRET: only when the frame is what SYSRET would restore anyway.",
    "movq RCX(%rsp), %rcx",
    "movq RIP(%rsp), %r11",
    "cmpq %rcx, %r11",
    `jne ${iret}`,
    "# RCX canonical: bits 63..__VIRTUAL_MASK_SHIFT all equal (the Intel SYSRET #GP-at-CPL0 problem)",
    "shlq $(64-(__VIRTUAL_MASK_SHIFT+1)), %rcx",
    "sarq $(64-(__VIRTUAL_MASK_SHIFT+1)), %rcx",
    "cmpq %rcx, %r11",
    `jne ${iret}`,
    "cmpq $__USER_CS, CS(%rsp)",
    `jne ${iret}`,
    "movq R11(%rsp), %r11",
    "cmpq %r11, EFLAGS(%rsp)",
    `jne ${iret}`,
    "# SYSRET cannot restore RF, and TF would trap right after it",
    "testq $(X86_EFLAGS_RF|X86_EFLAGS_TF), %r11",
    `jnz ${iret}`,
    "cmpq $__USER_DS, SS(%rsp)",
    `jne ${iret}`,
    "syscall_return_via_sysret:",
    "# rcx = RIP and r11 = RFLAGS from the checks",
    POP_REGS(false, true),
    "# to the trampoline stack, carrying the user rsp and rdi",
    "movq %rsp, %rdi",
    `movq ${PER_CPU_VAR("cpu_tss_rw+TSS_sp0")}, %rsp`,
    "pushq RSP-RDI(%rdi)",
    "pushq (%rdi)",
    SWITCH_TO_USER_CR3_STACK(pti, "%rdi"),
    "popq %rdi",
    "popq %rsp",
    "swapgs",
    "sysretq",
    "# The IRET return to user mode.",
    `${iret}:`,
    POP_REGS(false, false),
    "movq %rsp, %rdi",
    `movq ${PER_CPU_VAR("cpu_tss_rw+TSS_sp0")}, %rsp`,
    "# copy the IRET frame (ss, rsp, eflags, cs, rip) and rdi to the trampoline stack",
    "pushq 6*8(%rdi)",
    "pushq 5*8(%rdi)",
    "pushq 4*8(%rdi)",
    "pushq 3*8(%rdi)",
    "pushq 2*8(%rdi)",
    "pushq (%rdi)",
    SWITCH_TO_USER_CR3_STACK(pti, "%rdi"),
    "popq %rdi",
    "swapgs",
    "native_irq_return_iret:",
    "iretq",
    "# A new task's first return to user mode (schedule() switched to it; pt_regs is at the stack top).",
    "ret_from_fork:",
    "movq %rax, %rdi",
    "call schedule_tail",
    "movq %rsp, %rdi",
    "call syscall_exit_to_user_mode",
    `jmp ${iret}`,
    "# MSR_CSTAR target without IA32 emulation: SYSCALL from compat mode fails with -ENOSYS.",
    "ignore_sysret:",
    "movl $-ENOSYS, %eax",
    "sysretl",
    "# the entry text ends on a page boundary: PTI maps exactly these pages into the user page tables",
    ".align 4096",
    "__entry_text_end:",
    "# do_syscall_64(regs, nr) (arch/x86/entry/common.c)",
    "do_syscall_64:",
    "pushq %rbx",
    "movq %rdi, %rbx",
    "call syscall_enter_from_user_mode",
    "# do_syscall_x64: (unsigned int)nr < NR_syscalls, then array_index_nospec (cmp; sbb; and)",
    "movl %eax, %edx",
    "cmpq $NR_syscalls, %rdx",
    "jae do_syscall_64_not_x64",
    "sbbq %rcx, %rcx",
    "andq %rcx, %rdx",
    "movq %rdx, %rax",
    "# the __x64_sys_* wrapper's part: the arguments from pt_regs into the SysV registers of the body",
    "movq RDI(%rbx), %rdi",
    "movq RSI(%rbx), %rsi",
    "movq RDX(%rbx), %rdx",
    "movq R10(%rbx), %rcx",
    "movq R8(%rbx), %r8",
    "movq R9(%rbx), %r9",
    "call *sys_call_table(,%rax,8)",
    "movq %rax, RAX(%rbx)",
    "do_syscall_64_exit:",
    "movq %rbx, %rdi",
    "call syscall_exit_to_user_mode",
    "popq %rbx",
    "ret",
    "# no x32 ABI: a number out of range returns -ENOSYS unless it is -1 (a skipped call keeps regs->ax)",
    "do_syscall_64_not_x64:",
    "cmpq $-1, %rax",
    "je do_syscall_64_exit",
    "do_syscall_64_ni:",
    "movq %rbx, %rdi",
    "call sys_ni_syscall",
    "movq %rax, RAX(%rbx)",
    "jmp do_syscall_64_exit",
    "# syscall_enter_from_user_mode(regs, nr) (kernel/entry/common.c): returns the number to run or -1",
    "syscall_enter_from_user_mode:",
    "# local_irq_enable()",
    "sti",
    `movq ${PER_CPU_VAR("cpu_current_top_of_stack")}, %rax`,
    "movq TI_syscall_work-THREAD_SIZE(%rax), %rdx",
    "testl $SYSCALL_WORK_ENTER, %edx",
    "jnz syscall_enter_work",
    "movq %rsi, %rax",
    "ret",
    "# syscall_trace_enter(regs, nr, work), tail call",
    "syscall_enter_work:",
    "jmp syscall_trace_enter",
    "# syscall_exit_to_user_mode(regs): exit work with interrupts on, then the exit-to-user loop with them off",
    "syscall_exit_to_user_mode:",
    "pushq %rbx",
    "movq %rdi, %rbx",
    `movq ${PER_CPU_VAR("cpu_current_top_of_stack")}, %rax`,
    "movq TI_syscall_work-THREAD_SIZE(%rax), %rsi",
    "testl $SYSCALL_WORK_EXIT, %esi",
    "jz 1f",
    "# syscall_exit_work(regs, work)",
    "call syscall_exit_work",
    "1:",
    "# local_irq_disable()",
    "cli",
    `movq ${PER_CPU_VAR("cpu_current_top_of_stack")}, %rax`,
    "movq TI_flags-THREAD_SIZE(%rax), %rsi",
    "testl $EXIT_TO_USER_MODE_WORK, %esi",
    "jz 2f",
    "movq %rbx, %rdi",
    "call exit_to_user_mode_loop",
    "2:",
    "popq %rbx",
    "ret",
    "# exit_to_user_mode_loop(regs, ti_work): returns the final flags with interrupts off",
    "exit_to_user_mode_loop:",
    "pushq %rbx",
    "pushq %r12",
    "movq %rdi, %r12",
    "movq %rsi, %rbx",
    "1:",
    "sti",
    "testl $_TIF_NEED_RESCHED, %ebx",
    "jz 2f",
    "call schedule",
    "2:",
    "testl $_TIF_NOTIFY_WORK, %ebx",
    "jz 3f",
    "movq %r12, %rdi",
    "call do_notify_resume",
    "3:",
    "cli",
    `movq ${PER_CPU_VAR("cpu_current_top_of_stack")}, %rax`,
    "movq TI_flags-THREAD_SIZE(%rax), %rbx",
    "testl $EXIT_TO_USER_MODE_WORK, %ebx",
    "jnz 1b",
    "movq %rbx, %rax",
    "popq %r12",
    "popq %rbx",
    "ret",
  );
  return `${L.join("\n")}\n`;
}

/** Labels of the entry text in source order (for traces, probes and tests). */
export const LINUX_GENERIC_LABELS = [
  "entry_SYSCALL_64",
  "entry_SYSCALL_64_after_hwframe",
  "syscall_return_via_sysret",
  "swapgs_restore_regs_and_return_to_usermode",
  "native_irq_return_iret",
  "ret_from_fork",
  "ignore_sysret",
  "__entry_text_end",
  "do_syscall_64",
  "do_syscall_64_exit",
  "do_syscall_64_not_x64",
  "do_syscall_64_ni",
  "syscall_enter_from_user_mode",
  "syscall_enter_work",
  "syscall_exit_to_user_mode",
  "exit_to_user_mode_loop",
] as const;
