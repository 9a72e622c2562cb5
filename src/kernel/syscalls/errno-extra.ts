// errno values the exec-related syscalls need beyond src/kernel/errno.ts (include/asm-generic/errno-base.h).
export { EACCES } from "../errno.ts";
export const ECHILD = 10;
export const EAGAIN = 11;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTTY = 25;
export const ESPIPE = 29;
export const EPIPE = 32;
export const ELOOP = 40;
