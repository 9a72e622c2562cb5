// The Linux 3.1 x86_64 SYSCALL entry path (arch/x86/kernel/entry_64.S, CONFIG_AUDITSYSCALL=y, no paravirt) as
// AT&T source for src/entry/assembler.ts. Constants (pt_regs offsets, TI_*, _TIF_*, selectors, per-cpu offsets,
// __NR_syscall_max) are symbols the kernel supplies, as asm-offsets.h does for the real file
// (src/kernel/asm-offsets.ts); C functions (syscall_trace_enter, schedule, …) are kernel natives.
import {
  DISABLE_INTERRUPTS,
  ENABLE_INTERRUPTS,
  FIXUP_TOP_OF_STACK,
  GET_THREAD_INFO,
  INTERRUPT_RETURN,
  LOAD_ARGS,
  PER_CPU_VAR,
  RESTORE_ARGS,
  RESTORE_REST,
  RESTORE_TOP_OF_STACK,
  SAVE_ARGS,
  SAVE_REST,
  SWAPGS,
  USERGS_SYSRET64,
} from "./linux-3.1-macros.ts";
import { PT_REGS_SYMBOLS } from "./pt-regs-symbols.ts";

/**
 * Where a filter design splices instructions (docs/kernel.md). At every point the syscall number is in %rax and
 * the six arguments in %rdi, %rsi, %rdx, %r10, %r8, %r9; RSP is at ARGOFFSET (the frame's R11 slot).
 */
export type HookPoint =
  /** system_call_fastpath after `cmpq $__NR_syscall_max,%rax; ja badsys` (where Sowa's patch tests its bit);
   *  reached by the fast path and, via `jmp system_call_fastpath`, by auditsys. %rcx = thread_info on the fast
   *  path only (auditsys reloads it from the frame). Free registers: %rcx, %r11 (saved in the frame). */
  | "fastpath_after_range_check"
  /** tracesys after syscall_trace_enter, LOAD_ARGS, RESTORE_REST and `cmpq $__NR_syscall_max,%rax; ja
   *  int_ret_from_sys_call`; RAX(%rsp) already holds -ENOSYS. Free registers: %rcx, %r11. */
  | "tracesys_after_trace_enter"
  /** auditsys after audit_syscall_entry and LOAD_ARGS 0, before `jmp system_call_fastpath` (the number is not
   *  yet range-checked here). Free registers: %rcx, %r11. */
  | "auditsys_before_fastpath"
  /** the start of tracesys, before `testl $(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT), TI_flags(%rcx); jz
   *  auditsys`: reached when any entry-work bit is set (e.g. a design's own TIF bit added to the mask). %rcx =
   *  thread_info and must hold it again when the hook falls through; %rax = nr (not range-checked). Free: %r11.
   *  A semi-slow design branches from here to its own code and rejoins at system_call_fastpath or ret_from_sys_call. */
  | "tracesys_entry"
  /** replaces `call *sys_call_table(,%rax,8)` on the fast and the tracesys path (e.g. a per-thread table
   *  pointer); must leave the syscall's return value in %rax. %rcx holds the 4th argument (copied from %r10). */
  | "dispatch"
  /** right before `cmpq $__NR_syscall_max,%rax` at system_call_fastpath (also reached by auditsys) and in
   *  tracesys: where 3.6's x32 support masks the number (`andl $__SYSCALL_MASK,%eax`). %rax = nr (unchecked);
   *  ORIG_RAX-ARGOFFSET(%rsp) holds it unmasked. Free registers: %rcx, %r11 (fast path: %rcx is thread_info and
   *  is not used again before the dispatch). */
  | "before_range_check"
  /** ia32_do_call in the int $0x80 entry (src/entry/linux-3.1-ia32.ts), after the range check against
   *  IA32_NR_syscalls-1 and reached by ia32_tracesys too, before IA32_ARG_FIXUP: %rax = ia32 nr (checked); args
   *  in ebx ecx edx esi edi ebp; RSP at ARGOFFSET. Free: %r8-%r11. Deny: set %rax, `jmp ia32_sysret` (IRET). */
  | "ia32_after_range_check";

export type EntryHooks = Partial<Record<HookPoint, string>>;

export interface EntryOptions {
  /** AT&T text spliced at each hook point. */
  hooks?: EntryHooks;
  /** The design's own kernel code, appended to the kernel text (read-only, executable). */
  extraText?: string;
  /** The design's own kernel data, assembled at DESIGN_DATA_BASE (writable, NX); its labels are visible to the text. */
  extraData?: string;
}

export const HOOK_POINTS: readonly HookPoint[] = [
  "fastpath_after_range_check",
  "tracesys_after_trace_enter",
  "auditsys_before_fastpath",
  "tracesys_entry",
  "dispatch",
  "before_range_check",
  "ia32_after_range_check",
];

/** The C functions and data the entry code references; the kernel must define every one. */
export const LINUX31_EXTERNS = [
  "sys_call_table",
  "syscall_trace_enter",
  "syscall_trace_leave",
  "audit_syscall_entry",
  "audit_syscall_exit",
  "schedule",
  "schedule_tail",
  "do_notify_resume",
] as const;

/** asm-offsets-style constants the entry code uses as symbols (src/kernel/asm-offsets.ts provides them). */
export const LINUX31_CONSTANTS = [
  ...PT_REGS_SYMBOLS,
  "ARGOFFSET",
  "ARG_SKIP",
  "REST_SKIP",
  "TI_flags",
  "TI_status",
  "THREAD_SIZE",
  "KERNEL_STACK_OFFSET",
  "TS_COMPAT",
  "TIF_NEED_RESCHED",
  "TIF_SYSCALL_AUDIT",
  "TIF_FORK",
  "_TIF_IA32",
  "_TIF_SYSCALL_AUDIT",
  "_TIF_SYSCALL_EMU",
  "_TIF_WORK_SYSCALL_ENTRY",
  "_TIF_WORK_SYSCALL_EXIT",
  "_TIF_ALLWORK_MASK",
  "_TIF_WORK_MASK",
  "_TIF_DO_NOTIFY_MASK",
  "__USER_CS",
  "__USER_DS",
  "__NR_syscall_max",
  "ENOSYS",
  "AUDIT_ARCH_X86_64",
  "old_rsp",
  "kernel_stack",
] as const;

const DEFAULT_DISPATCH = "call *sys_call_table(,%rax,8)";

function hook(opts: EntryOptions, point: HookPoint): string[] {
  const text = opts.hooks?.[point];
  if (text === undefined || text.trim() === "") return [];
  return [`# hook ${point}`, ...text.split("\n")];
}

function dispatch(opts: EntryOptions): string[] {
  const text = opts.hooks?.dispatch;
  if (text === undefined || text.trim() === "") return [DEFAULT_DISPATCH];
  return ["# hook dispatch", ...text.split("\n")];
}

/** The full AT&T source of the linux-3.1 entry code: system_call and its return paths, ret_from_fork, ignore_sysret. */
export function linux31EntryText(opts: EntryOptions = {}): string {
  for (const k of Object.keys(opts.hooks ?? {})) {
    if (!(HOOK_POINTS as readonly string[]).includes(k))
      throw new Error(`linux-3.1: unknown hook point '${k}'`);
  }
  const L: string[] = [];
  const emit = (...lines: (string | string[])[]) => {
    for (const x of lines) {
      if (Array.isArray(x)) L.push(...x.map((s) => `\t${s}`));
      else if (x.endsWith(":") || x.startsWith("#")) L.push(x);
      else L.push(`\t${x}`);
    }
  };

  emit(
    "# Linux 3.1 arch/x86/kernel/entry_64.S: system_call (SYSCALL from 64-bit user mode).",
    "# rax = nr, rdi rsi rdx r10 r8 r9 = args, rcx = user RIP, r11 = user RFLAGS; interrupts off (FMASK).",
    "system_call:",
    SWAPGS(),
    "system_call_after_swapgs:",
    `movq %rsp, ${PER_CPU_VAR("old_rsp")}`,
    `movq ${PER_CPU_VAR("kernel_stack")}, %rsp`,
    "# interrupts on before the frame is built: the irqs-off section is straight and short",
    ENABLE_INTERRUPTS(),
    SAVE_ARGS(8, 0),
    "movq %rax, ORIG_RAX-ARGOFFSET(%rsp)",
    "movq %rcx, RIP-ARGOFFSET(%rsp)",
    GET_THREAD_INFO("%rcx"),
    "testl $_TIF_WORK_SYSCALL_ENTRY, TI_flags(%rcx)",
    "jnz tracesys",
    "system_call_fastpath:",
    hook(opts, "before_range_check"),
    "cmpq $__NR_syscall_max, %rax",
    "ja badsys",
    hook(opts, "fastpath_after_range_check"),
    "movq %r10, %rcx",
    dispatch(opts),
    "movq %rax, RAX-ARGOFFSET(%rsp)",
    "# Syscall return path ending with SYSRET (fast path); either completely or partially restored.",
    "ret_from_sys_call:",
    "movl $_TIF_ALLWORK_MASK, %edi",
    "# edi: flag mask",
    "sysret_check:",
    GET_THREAD_INFO("%rcx"),
    DISABLE_INTERRUPTS(),
    "movl TI_flags(%rcx), %edx",
    "andl %edi, %edx",
    "jnz sysret_careful",
    "movq RIP-ARGOFFSET(%rsp), %rcx",
    RESTORE_ARGS(1, -(9 * 8), 0),
    `movq ${PER_CPU_VAR("old_rsp")}, %rsp`,
    USERGS_SYSRET64(),
    "# Handle reschedules; edx: work, edi: work mask.",
    "sysret_careful:",
    "bt $TIF_NEED_RESCHED, %edx",
    "jnc sysret_signal",
    ENABLE_INTERRUPTS(),
    "pushq %rdi",
    "call schedule",
    "popq %rdi",
    "jmp sysret_check",
    "# Handle a signal (or other exit work): leave through the IRET path.",
    "sysret_signal:",
    ENABLE_INTERRUPTS(),
    "bt $TIF_SYSCALL_AUDIT, %edx",
    "jc sysret_audit",
    FIXUP_TOP_OF_STACK("%r11", "-ARGOFFSET"),
    "jmp int_check_syscall_exit_work",
    "badsys:",
    "movq $-ENOSYS, RAX-ARGOFFSET(%rsp)",
    "jmp ret_from_sys_call",
    "# Fast-path syscall auditing: the semi-slow path taken when TIF_SYSCALL_AUDIT is the only entry work.",
    "auditsys:",
    "movq %r10, %r9",
    "movq %rdx, %r8",
    "movq %rsi, %rcx",
    "movq %rdi, %rdx",
    "movq %rax, %rsi",
    "movl $AUDIT_ARCH_X86_64, %edi",
    "call audit_syscall_entry",
    "# reload call-clobbered registers (rax from ORIG_RAX)",
    LOAD_ARGS(0),
    hook(opts, "auditsys_before_fastpath"),
    "jmp system_call_fastpath",
    "# Return fast path for syscall audit: audit_syscall_exit(success, ret), then SYSRET if nothing else is pending.",
    "sysret_audit:",
    "movq RAX-ARGOFFSET(%rsp), %rsi",
    "cmpq $0, %rsi",
    "setl %al",
    "movzbl %al, %edi",
    "# 0 -> 1 (AUDITSC_SUCCESS), 1 -> 2 (AUDITSC_FAILURE)",
    "incl %edi",
    "call audit_syscall_exit",
    "movl $(_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_AUDIT), %edi",
    "jmp sysret_check",
    "# Do syscall tracing (the full slow path).",
    "tracesys:",
    hook(opts, "tracesys_entry"),
    "testl $(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT), TI_flags(%rcx)",
    "jz auditsys",
    SAVE_REST(),
    "# ptrace can change this for a bad syscall",
    "movq $-ENOSYS, RAX(%rsp)",
    FIXUP_TOP_OF_STACK("%rdi"),
    "movq %rsp, %rdi",
    "call syscall_trace_enter",
    "# Reload arg registers from the stack in case ptrace changed them; rax is the (possibly new) number.",
    LOAD_ARGS("ARGOFFSET", 1),
    RESTORE_REST(),
    hook(opts, "before_range_check"),
    "cmpq $__NR_syscall_max, %rax",
    "# RAX(%rsp) set to -ENOSYS above",
    "ja int_ret_from_sys_call",
    hook(opts, "tracesys_after_trace_enter"),
    "movq %r10, %rcx",
    dispatch(opts),
    "movq %rax, RAX-ARGOFFSET(%rsp)",
    "# Use IRET because user could have changed the frame.",
    "# Syscall return path ending with IRET; has a correct top of stack and partial stack frame.",
    "int_ret_from_sys_call:",
    DISABLE_INTERRUPTS(),
    "testl $3, CS-ARGOFFSET(%rsp)",
    "je retint_restore_args",
    "movl $_TIF_ALLWORK_MASK, %edi",
    "# edi: mask to check",
    "int_with_check:",
    GET_THREAD_INFO("%rcx"),
    "movl TI_flags(%rcx), %edx",
    "andl %edi, %edx",
    "jnz int_careful",
    "andl $~TS_COMPAT, TI_status(%rcx)",
    "jmp retint_swapgs",
    "# Either reschedule or signal or syscall exit tracking needed; edx: work, edi: mask.",
    "int_careful:",
    "bt $TIF_NEED_RESCHED, %edx",
    "jnc int_very_careful",
    ENABLE_INTERRUPTS(),
    "pushq %rdi",
    "call schedule",
    "popq %rdi",
    DISABLE_INTERRUPTS(),
    "jmp int_with_check",
    "# handle signals and tracing -- both require a full stack frame",
    "int_very_careful:",
    ENABLE_INTERRUPTS(),
    "int_check_syscall_exit_work:",
    SAVE_REST(),
    "# Check for syscall exit trace",
    "testl $_TIF_WORK_SYSCALL_EXIT, %edx",
    "jz int_signal",
    "pushq %rdi",
    "# &ptregs -> arg1",
    "leaq 8(%rsp), %rdi",
    "call syscall_trace_leave",
    "popq %rdi",
    "andl $~(_TIF_WORK_SYSCALL_EXIT|_TIF_SYSCALL_EMU), %edi",
    "jmp int_restore_rest",
    "int_signal:",
    "testl $_TIF_DO_NOTIFY_MASK, %edx",
    "jz 1f",
    "# &ptregs -> arg1, oldset -> arg2",
    "movq %rsp, %rdi",
    "xorl %esi, %esi",
    "call do_notify_resume",
    "1:",
    "movl $_TIF_WORK_MASK, %edi",
    "int_restore_rest:",
    RESTORE_REST(),
    DISABLE_INTERRUPTS(),
    "jmp int_with_check",
    "# Return to user space (from the interrupt return code of 3.1).",
    "retint_swapgs:",
    DISABLE_INTERRUPTS(),
    SWAPGS(),
    "jmp restore_args",
    "# Return to kernel space.",
    "retint_restore_args:",
    DISABLE_INTERRUPTS(),
    "restore_args:",
    RESTORE_ARGS(1, 8, 1),
    "irq_return:",
    INTERRUPT_RETURN(),
    "# A new task's first return to user space: schedule() switched to it with %r8 = its thread_info.",
    "ret_from_fork:",
    "lock btrl $TIF_FORK, TI_flags(%r8)",
    "# reset kernel eflags",
    "pushq $0x0002",
    "popfq",
    "call schedule_tail",
    GET_THREAD_INFO("%rcx"),
    RESTORE_REST(),
    "# from kernel_thread?",
    "testl $3, CS-ARGOFFSET(%rsp)",
    "je int_ret_from_sys_call",
    "testl $_TIF_IA32, TI_flags(%rcx)",
    "jnz int_ret_from_sys_call",
    RESTORE_TOP_OF_STACK("%rdi", "-ARGOFFSET"),
    "# go to the SYSRET fastpath",
    "jmp ret_from_sys_call",
    "# MSR_CSTAR target when ia32 emulation is off: SYSCALL from compat mode fails with -ENOSYS.",
    "ignore_sysret:",
    "movl $-ENOSYS, %eax",
    "sysretl",
  );
  if (opts.extraText !== undefined && opts.extraText.trim() !== "") {
    L.push("# design text", ...opts.extraText.split("\n"));
  }
  return `${L.join("\n")}\n`;
}

/** Labels of the entry code in source order (for traces, probes and tests). */
export const LINUX31_LABELS = [
  "system_call",
  "system_call_after_swapgs",
  "system_call_fastpath",
  "ret_from_sys_call",
  "sysret_check",
  "sysret_careful",
  "sysret_signal",
  "badsys",
  "auditsys",
  "sysret_audit",
  "tracesys",
  "int_ret_from_sys_call",
  "int_with_check",
  "int_careful",
  "int_very_careful",
  "int_check_syscall_exit_work",
  "int_signal",
  "int_restore_rest",
  "retint_swapgs",
  "retint_restore_args",
  "restore_args",
  "irq_return",
  "ret_from_fork",
  "ignore_sysret",
] as const;
