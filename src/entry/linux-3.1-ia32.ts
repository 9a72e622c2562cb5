// The Linux 3.1 ia32 emulation's `int $0x80` entry (arch/x86/ia32/ia32entry.S ia32_syscall, ia32_tracesys,
// ia32_badsys; docs/sources.md#ia32-entry) as AT&T source, appended to the kernel text after the
// SYSCALL entry (it returns through that file's int_ret_from_sys_call: always IRET, and no auditsys shortcut).
// Only the int $0x80 gate is modelled: ia32_sysenter_target and ia32_cstar_target would run in compatibility
// mode, which the CPU does not execute, so MSR_CSTAR stays ignore_sysret. User code here is 64-bit code executing
// `int $0x80` with the i386 register convention (eax = nr; ebx, ecx, edx, esi, edi, ebp = arguments 1-6).
import type { EntryOptions } from "./linux-3.1.ts";
import {
  ENABLE_INTERRUPTS,
  GET_THREAD_INFO,
  RESTORE_REST,
  SAVE_ARGS,
  SAVE_REST,
  SWAPGS,
} from "./linux-3.1-macros.ts";

/** The ia32 vector of `int $0x80` (IA32_SYSCALL_VECTOR), an interrupt gate with DPL 3. */
export const IA32_SYSCALL_VECTOR = 0x80;

/** Symbols the ia32 entry needs besides the SYSCALL entry's (the kernel defines them). */
export const LINUX31_IA32_EXTERNS = ["ia32_sys_call_table", "IA32_NR_syscalls"] as const;

/**
 * IA32_ARG_FIXUP: the i386 argument registers to the C ABI. edi→r8d (arg 5), ebp→r9d (arg 6), xchg ecx,esi
 * (args 2 and 4), ebx→edi (arg 1), edx zero-extended (arg 3).
 */
export function IA32_ARG_FIXUP(noebp = 0): string[] {
  const l = ["movl %edi, %r8d"];
  if (!noebp) l.push("movl %ebp, %r9d");
  l.push("xchgl %ecx, %esi", "movl %ebx, %edi", "movl %edx, %edx");
  return l;
}

/** CLEAR_RREGS offset=0, _r9=rax: zero the frame's r8-r11 slots (the ia32 frame never saved them). */
export function CLEAR_RREGS(offset = "0", r9 = "%rax"): string[] {
  const o = offset === "0" ? "" : `${offset}+`;
  return [
    "xorl %eax, %eax",
    `movq %rax, ${o}R11(%rsp)`,
    `movq %rax, ${o}R10(%rsp)`,
    `movq ${r9}, ${o}R9(%rsp)`,
    `movq %rax, ${o}R8(%rsp)`,
  ];
}

/** LOAD_ARGS32 offset: reload ecx, edx, esi, edi from the frame after ptrace; truncate rax as on entry. */
export function LOAD_ARGS32(offset: string): string[] {
  return [
    `movl ${offset}+40(%rsp), %ecx`,
    `movl ${offset}+48(%rsp), %edx`,
    `movl ${offset}+56(%rsp), %esi`,
    `movl ${offset}+64(%rsp), %edi`,
    "# zero extension",
    "movl %eax, %eax",
  ];
}

function hook(opts: EntryOptions, point: "ia32_after_range_check"): string[] {
  const text = opts.hooks?.[point];
  if (text === undefined || text.trim() === "") return [];
  return [`# hook ${point}`, ...text.split("\n")];
}

/** The AT&T source of ia32_syscall and its slow and error paths. */
export function linux31Ia32EntryText(opts: EntryOptions = {}): string {
  const L: string[] = [];
  const emit = (...lines: (string | string[])[]) => {
    for (const x of lines) {
      if (Array.isArray(x)) L.push(...x.map((s) => `\t${s}`));
      else if (x.endsWith(":") || x.startsWith("#")) L.push(x);
      else L.push(`\t${x}`);
    }
  };
  emit(
    "# Linux 3.1 arch/x86/ia32/ia32entry.S: ia32_syscall (int $0x80 through an interrupt gate, DPL 3).",
    "# The CPU pushed SS, RSP, RFLAGS, CS, RIP at TSS.sp0 (the stack top) with IF clear: RSP = kernel_stack.",
    "# eax = nr, ebx ecx edx esi edi ebp = args 1-6.",
    "ia32_syscall:",
    SWAPGS(),
    "# the gate disabled interrupts; enable them straight after entry",
    ENABLE_INTERRUPTS(),
    "movl %eax, %eax",
    "pushq %rax",
    "cld",
    "# the argument registers are saved without zero extension; r8-r11 are not saved",
    SAVE_ARGS(0, 1, 0),
    GET_THREAD_INFO("%r10"),
    "orl $TS_COMPAT, TI_status(%r10)",
    "testl $_TIF_WORK_SYSCALL_ENTRY, TI_flags(%r10)",
    "jnz ia32_tracesys",
    "cmpq $(IA32_NR_syscalls-1), %rax",
    "ja ia32_badsys",
    "ia32_do_call:",
    hook(opts, "ia32_after_range_check"),
    IA32_ARG_FIXUP(),
    "call *ia32_sys_call_table(,%rax,8)",
    "ia32_sysret:",
    "movq %rax, RAX-ARGOFFSET(%rsp)",
    "ia32_ret_from_sys_call:",
    CLEAR_RREGS("-ARGOFFSET"),
    "jmp int_ret_from_sys_call",
    "ia32_tracesys:",
    SAVE_REST(),
    CLEAR_RREGS(),
    "# ptrace can change this for a bad syscall",
    "movq $-ENOSYS, RAX(%rsp)",
    "movq %rsp, %rdi",
    "call syscall_trace_enter",
    "# reload the args from the stack in case ptrace changed them",
    LOAD_ARGS32("ARGOFFSET"),
    RESTORE_REST(),
    "cmpq $(IA32_NR_syscalls-1), %rax",
    "# RAX(%rsp) holds -ENOSYS",
    "ja int_ret_from_sys_call",
    "jmp ia32_do_call",
    "ia32_badsys:",
    "movq $0, ORIG_RAX-ARGOFFSET(%rsp)",
    "movq $-ENOSYS, %rax",
    "jmp ia32_sysret",
  );
  return `${L.join("\n")}\n`;
}

/** Labels of the ia32 entry in source order. */
export const LINUX31_IA32_LABELS = [
  "ia32_syscall",
  "ia32_do_call",
  "ia32_sysret",
  "ia32_ret_from_sys_call",
  "ia32_tracesys",
  "ia32_badsys",
] as const;
