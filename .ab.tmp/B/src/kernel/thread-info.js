// struct thread_info of Linux 3.1 x86_64 (arch/x86/include/asm/thread_info.h), at the bottom of the task's
// THREAD_SIZE kernel stack. Byte offsets derived from the field order (pointers 8, __u32 4):
//   0 task (struct task_struct *)      8 exec_domain            16 flags (TIF_*)        20 status (TS_*)
//  24 cpu                              28 preempt_count          32 addr_limit (mm_segment_t, 8 bytes)
//  40 restart_block (fn pointer + 4 words of arguments, 40 bytes here)
//  80 sysenter_return                 88 uaccess_err (int)     size 96 (rounded to 8)
export const TI_task = 0;
export const TI_exec_domain = 8;
export const TI_flags = 16;
export const TI_status = 20;
export const TI_cpu = 24;
export const TI_preempt_count = 28;
export const TI_addr_limit = 32;
export const TI_restart_block = 40;
export const TI_sysenter_return = 80;
export const TI_uaccess_err = 88;
export const THREAD_INFO_SIZE = 96;
// thread_info.status bits.
export const TS_USEDFPU = 0x1;
export const TS_COMPAT = 0x2; // a 32-bit syscall is active
export const TS_POLLING = 0x4;
export const TS_RESTORE_SIGMASK = 0x8;
/** THREAD_SIZE = PAGE_SIZE << 1 (arch/x86/include/asm/page_64_types.h). */
export const THREAD_SIZE = 8192;
/** Room for the 5-word hardware frame (RIP, CS, EFLAGS, RSP, SS) left above the per-cpu kernel_stack. */
export const KERNEL_STACK_OFFSET = 5 * 8;
/** USER_DS addr_limit on x86_64: TASK_SIZE_MAX = 2^47 - 4096. */
export const TASK_SIZE_MAX = 0x7ffffffff000;
//# sourceMappingURL=thread-info.js.map