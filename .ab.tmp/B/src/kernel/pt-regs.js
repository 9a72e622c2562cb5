// struct pt_regs frame offsets as entry_64.S uses them (Linux 3.1 arch/x86/include/asm/calling.h).
// The frame is built downwards: SAVE_ARGS stores R11..RDI and leaves ORIG_RAX, SAVE_REST adds R15..RBX below.
export const R15 = 0;
export const R14 = 8;
export const R13 = 16;
export const R12 = 24;
export const RBP = 32;
export const RBX = 40;
/** arguments: interrupts, exceptions and syscalls save (at least) these */
export const R11 = 48;
export const R10 = 56;
export const R9 = 64;
export const R8 = 72;
export const RAX = 80;
export const RCX = 88;
export const RDX = 96;
export const RSI = 104;
export const RDI = 112;
/** the syscall number; -1 when the frame is not a syscall's */
export const ORIG_RAX = 120;
/** the 5-word hardware (IRET) frame */
export const RIP = 128;
export const CS = 136;
export const EFLAGS = 144;
export const RSP = 152;
export const SS = 160;
export const PT_REGS_SIZE = 168;
/** Where SAVE_ARGS leaves RSP: the R11 slot. Offsets inside the fast path are written `X-ARGOFFSET(%rsp)`. */
export const ARGOFFSET = R11;
/** 9*8: the argument words SAVE_ARGS stores below ORIG_RAX (RESTORE_ARGS skips them). */
export const ARG_SKIP = 9 * 8;
/** 6*8: the callee-saved words SAVE_REST stores. */
export const REST_SKIP = 6 * 8;
/** Field names in pt_regs order, for dumps. */
export const PT_REGS_FIELDS = [
    ["r15", R15],
    ["r14", R14],
    ["r13", R13],
    ["r12", R12],
    ["rbp", RBP],
    ["rbx", RBX],
    ["r11", R11],
    ["r10", R10],
    ["r9", R9],
    ["r8", R8],
    ["rax", RAX],
    ["rcx", RCX],
    ["rdx", RDX],
    ["rsi", RSI],
    ["rdi", RDI],
    ["orig_rax", ORIG_RAX],
    ["rip", RIP],
    ["cs", CS],
    ["eflags", EFLAGS],
    ["rsp", RSP],
    ["ss", SS],
];
//# sourceMappingURL=pt-regs.js.map