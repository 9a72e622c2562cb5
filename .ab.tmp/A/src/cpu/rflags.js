// RFLAGS bits (SDM Vol. 1, §3.4.3).
export const CF = 1 << 0;
export const FIXED1 = 1 << 1; // always reads as 1
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const IOPL = 3 << 12;
export const NT = 1 << 14;
export const RF = 1 << 16;
export const VM = 1 << 17;
export const AC = 1 << 18;
export const VIF = 1 << 19;
export const VIP = 1 << 20;
export const ID = 1 << 21;
/** The arithmetic status flags. */
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;
/** SYSRET loads RFLAGS from (R11 & SYSRET_RFLAGS_MASK) | 2 (SDM Vol. 2B, SYSRET). */
export const SYSRET_RFLAGS_MASK = 0x3c7fd7;
//# sourceMappingURL=rflags.js.map