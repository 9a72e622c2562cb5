// thread_info.flags bit numbers and masks of Linux 3.1 (arch/x86/include/asm/thread_info.h). The work bits live in
// the low 16 bits; entry_64.S hard-codes that layout (the masks below are immediates in the entry code).
export const TIF_SYSCALL_TRACE = 0; // syscall trace active (ptrace PTRACE_SYSCALL)
export const TIF_NOTIFY_RESUME = 1; // callback before returning to user
export const TIF_SIGPENDING = 2; // signal pending
export const TIF_NEED_RESCHED = 3; // rescheduling necessary
export const TIF_SINGLESTEP = 4; // reenable singlestep on user return
export const TIF_IRET = 5; // force IRET
export const TIF_SYSCALL_EMU = 6; // syscall emulation active (PTRACE_SYSEMU)
export const TIF_SYSCALL_AUDIT = 7; // syscall auditing active
export const TIF_SECCOMP = 8; // secure computing
export const TIF_MCE_NOTIFY = 10; // notify userspace of an MCE
export const TIF_USER_RETURN_NOTIFY = 11; // notify kernel of userspace return
export const TIF_NOTSC = 16; // TSC is not accessible in userland
export const TIF_IA32 = 17; // 32-bit compat task
export const TIF_FORK = 18; // ret_from_fork
export const TIF_MEMDIE = 20; // is terminating due to OOM killer
export const TIF_DEBUG = 21; // uses debug registers
export const TIF_IO_BITMAP = 22; // uses I/O bitmap
export const TIF_FREEZE = 23; // is freezing for suspend
export const TIF_FORCED_TF = 24; // true if TF in eflags artificially
export const TIF_BLOCKSTEP = 25; // set when we want DEBUGCTLMSR_BTF
export const TIF_LAZY_MMU_UPDATES = 27; // task is updating the mmu lazily
export const TIF_SYSCALL_TRACEPOINT = 28; // syscall tracepoint instrumentation
export const _TIF_SYSCALL_TRACE = 1 << TIF_SYSCALL_TRACE;
export const _TIF_NOTIFY_RESUME = 1 << TIF_NOTIFY_RESUME;
export const _TIF_SIGPENDING = 1 << TIF_SIGPENDING;
export const _TIF_NEED_RESCHED = 1 << TIF_NEED_RESCHED;
export const _TIF_SINGLESTEP = 1 << TIF_SINGLESTEP;
export const _TIF_IRET = 1 << TIF_IRET;
export const _TIF_SYSCALL_EMU = 1 << TIF_SYSCALL_EMU;
export const _TIF_SYSCALL_AUDIT = 1 << TIF_SYSCALL_AUDIT;
export const _TIF_SECCOMP = 1 << TIF_SECCOMP;
export const _TIF_MCE_NOTIFY = 1 << TIF_MCE_NOTIFY;
export const _TIF_USER_RETURN_NOTIFY = 1 << TIF_USER_RETURN_NOTIFY;
export const _TIF_IA32 = 1 << TIF_IA32;
export const _TIF_FORK = 1 << TIF_FORK;
export const _TIF_SYSCALL_TRACEPOINT = 1 << TIF_SYSCALL_TRACEPOINT;
/** work to do in syscall_trace_enter(): TRACE | EMU | AUDIT | SECCOMP | SINGLESTEP | SYSCALL_TRACEPOINT */
export const _TIF_WORK_SYSCALL_ENTRY = _TIF_SYSCALL_TRACE |
    _TIF_SYSCALL_EMU |
    _TIF_SYSCALL_AUDIT |
    _TIF_SECCOMP |
    _TIF_SINGLESTEP |
    _TIF_SYSCALL_TRACEPOINT; // 0x100001D1
/** work to do in syscall_trace_leave(): TRACE | AUDIT | SINGLESTEP | SYSCALL_TRACEPOINT */
export const _TIF_WORK_SYSCALL_EXIT = _TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP | _TIF_SYSCALL_TRACEPOINT; // 0x10000091
/** work to do on interrupt/exception return: 0x0000FFFF & ~(TRACE | AUDIT | SINGLESTEP | SECCOMP | EMU) */
export const _TIF_WORK_MASK = 0x0000ffff & ~(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP | _TIF_SECCOMP | _TIF_SYSCALL_EMU); // 0xFE2E
/** work to do on any return to user space: (0x0000FFFF & ~SECCOMP) | SYSCALL_TRACEPOINT */
export const _TIF_ALLWORK_MASK = ((0x0000ffff & ~_TIF_SECCOMP) | _TIF_SYSCALL_TRACEPOINT) >>> 0; // 0x1000FEFF
/** x86_64 only: SIGPENDING | MCE_NOTIFY | NOTIFY_RESUME | USER_RETURN_NOTIFY */
export const _TIF_DO_NOTIFY_MASK = _TIF_SIGPENDING | _TIF_MCE_NOTIFY | _TIF_NOTIFY_RESUME | _TIF_USER_RETURN_NOTIFY; // 0xC06
export const TIF_NAMES = {
    [TIF_SYSCALL_TRACE]: "TIF_SYSCALL_TRACE",
    [TIF_NOTIFY_RESUME]: "TIF_NOTIFY_RESUME",
    [TIF_SIGPENDING]: "TIF_SIGPENDING",
    [TIF_NEED_RESCHED]: "TIF_NEED_RESCHED",
    [TIF_SINGLESTEP]: "TIF_SINGLESTEP",
    [TIF_IRET]: "TIF_IRET",
    [TIF_SYSCALL_EMU]: "TIF_SYSCALL_EMU",
    [TIF_SYSCALL_AUDIT]: "TIF_SYSCALL_AUDIT",
    [TIF_SECCOMP]: "TIF_SECCOMP",
    [TIF_MCE_NOTIFY]: "TIF_MCE_NOTIFY",
    [TIF_USER_RETURN_NOTIFY]: "TIF_USER_RETURN_NOTIFY",
    [TIF_NOTSC]: "TIF_NOTSC",
    [TIF_IA32]: "TIF_IA32",
    [TIF_FORK]: "TIF_FORK",
    [TIF_MEMDIE]: "TIF_MEMDIE",
    [TIF_DEBUG]: "TIF_DEBUG",
    [TIF_IO_BITMAP]: "TIF_IO_BITMAP",
    [TIF_FREEZE]: "TIF_FREEZE",
    [TIF_FORCED_TF]: "TIF_FORCED_TF",
    [TIF_BLOCKSTEP]: "TIF_BLOCKSTEP",
    [TIF_LAZY_MMU_UPDATES]: "TIF_LAZY_MMU_UPDATES",
    [TIF_SYSCALL_TRACEPOINT]: "TIF_SYSCALL_TRACEPOINT",
};
//# sourceMappingURL=tif.js.map