// The per-cpu area of one CPU, reached through GS in the kernel (GS_BASE = area after the entry's swapgs).
// Offsets are this emulator's layout; the entry code names them as 3.1 does (`PER_CPU_VAR(old_rsp)` is
// `%gs:old_rsp`). stack_canary sits at 40 as in 3.1's irq_stack_union (gcc's -fstack-protector reads %gs:40).

/** this_cpu_off: the area's own linear address (per_cpu_offset of this CPU) */
export const PERCPU_this_cpu_off = 0x00;
export const PERCPU_cpu_number = 0x08;
/** current_task: struct task_struct * of the running task */
export const PERCPU_current_task = 0x10;
/** old_rsp: the user RSP while a syscall runs on the fast path (saved in task->thread.usersp at switch) */
export const PERCPU_old_rsp = 0x18;
/** kernel_stack: task stack top - KERNEL_STACK_OFFSET; the SYSCALL entry loads RSP from it */
export const PERCPU_kernel_stack = 0x20;
export const PERCPU_stack_canary = 0x28;
export const PERCPU_irq_count = 0x30;
/** 0x100..0x1000: free for filter designs (per-cpu scratch), never touched by the kernel */
export const PERCPU_DESIGN_AREA = 0x100;
export const PERCPU_SIZE = 0x1000;

/** Symbols the entry code uses as `%gs:<name>` displacements. */
export const PERCPU_SYMBOLS: Readonly<Record<string, number>> = {
  this_cpu_off: PERCPU_this_cpu_off,
  cpu_number: PERCPU_cpu_number,
  current_task: PERCPU_current_task,
  old_rsp: PERCPU_old_rsp,
  kernel_stack: PERCPU_kernel_stack,
  stack_canary: PERCPU_stack_canary,
  irq_count: PERCPU_irq_count,
};

/** CPUs a machine may boot (their areas are consecutive pages from PERCPU_BASE) */
export const MAX_CPUS = 8;

/** Linear address of CPU n's per-cpu area. */
export function percpuArea(base: number, cpu: number): number {
  return base + cpu * PERCPU_SIZE;
}
