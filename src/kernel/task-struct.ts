// The subset of struct task_struct kept in guest memory (this emulator's layout, not 3.1's offsets): enough for
// per-cpu current_task to point at something real and for a switch to save thread.sp / thread.usersp there.
export const TSK_state = 0; // 0 TASK_RUNNING, 16 EXIT_ZOMBIE
export const TSK_stack = 8; // void *stack: the thread_info / stack page
export const TSK_pid = 16; // u32
export const TSK_tgid = 20; // u32
export const TSK_thread_sp = 24; // thread.sp: kernel RSP of a switched-out task
export const TSK_thread_usersp = 32; // thread.usersp: its user RSP (per-cpu old_rsp)
export const TSK_thread_fs = 40; // thread.fs: FS base
/** task->cgroups: 3.1's css_set pointer, here a pointer the active filter design owns (0 when it keeps none) */
export const TSK_cgroups = 48;
export const TASK_STRUCT_SIZE = 64;

export const TASK_RUNNING = 0;
export const EXIT_ZOMBIE = 16;
