// GDT selectors of Linux 3.1 x86_64 (arch/x86/include/asm/segment.h): entry index * 8 | RPL.
export const GDT_ENTRY_KERNEL32_CS = 1;
export const GDT_ENTRY_KERNEL_CS = 2;
export const GDT_ENTRY_KERNEL_DS = 3;
export const GDT_ENTRY_DEFAULT_USER32_CS = 4;
export const GDT_ENTRY_DEFAULT_USER_DS = 5;
export const GDT_ENTRY_DEFAULT_USER_CS = 6;
export const __KERNEL32_CS = GDT_ENTRY_KERNEL32_CS * 8; // 0x08
export const __KERNEL_CS = GDT_ENTRY_KERNEL_CS * 8; // 0x10
export const __KERNEL_DS = GDT_ENTRY_KERNEL_DS * 8; // 0x18
export const __USER32_CS = GDT_ENTRY_DEFAULT_USER32_CS * 8 + 3; // 0x23
export const __USER_DS = GDT_ENTRY_DEFAULT_USER_DS * 8 + 3; // 0x2B
export const __USER32_DS = __USER_DS;
export const __USER_CS = GDT_ENTRY_DEFAULT_USER_CS * 8 + 3; // 0x33
/** MSR_STAR as syscall_init() writes it: SYSRET base in 63:48, SYSCALL CS in 47:32 (SDM Vol. 3A Fig. 5-14). */
export const STAR_VALUE = (BigInt(__USER32_CS) << 48n) | (BigInt(__KERNEL_CS) << 32n); // 0x0023001000000000
/** MSR_SYSCALL_MASK: TF | DF | IF | IOPL, so the entry code starts with interrupts off. */
export const SYSCALL_MASK_VALUE = 0x3700;
//# sourceMappingURL=segment.js.map