// Virtual memory layout of the guest (addresses as sign-extended numbers, see src/cpu/address.ts).
// Kernel half: shared by every task's address space (one AddressSpace per task; the kernel pages are the same
// frames, mapped supervisor-only). User half: per task.

/** 0xffffffff81000000: kernel text (entry code, native stubs), supervisor, read-only, executable */
export const KERNEL_TEXT_BASE = -0x7f000000;
/** 0xffffffff81800000: kernel data (sys_call_table), supervisor, writable, NX */
export const KERNEL_DATA_BASE = -0x7e800000;
/** 0xffffffff81a00000: per-cpu areas, one page per CPU, NX */
export const PERCPU_BASE = -0x7e600000;
/** 0xffffffff81c00000: a filter design's own data (EntryOptions.extraData), NX */
export const DESIGN_DATA_BASE = -0x7e400000;
/** 0xffffffff82000000: kernel heap (task_struct, kmalloc), NX */
export const KHEAP_BASE = -0x7e000000;
export const KHEAP_SIZE = 0x01000000;
/** 0xffffc90000000000: kernel stacks (vmalloc area); each task gets a 16 KiB slot, the upper 8 KiB mapped */
export const KSTACK_BASE = -0x370000000000;
export const KSTACK_SLOT = 0x4000;

/** Default load address of user programs. */
export const USER_IMAGE_BASE = 0x400000;
/** 0x7ffffffff000 = TASK_SIZE_MAX: top of the user stack */
export const USER_STACK_TOP = 0x7ffffffff000;
export const USER_STACK_SIZE = 0x20000;
/** brk may grow this far past the end of the image */
export const USER_BRK_MAX = 0x4000000;
/** 0xffffffffc0000000: the BPF JIT area (module space, where bpf_prog_pack_alloc puts images), supervisor RX */
export const BPF_JIT_BASE = -0x40000000;
export const BPF_JIT_SIZE = 0x01000000;
