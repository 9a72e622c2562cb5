// Reading SysV argument registers inside natives without BigInt: lo/hi int32 halves from cpu.regs.
import { pairToNumber } from "../cpu/address.js";
import { R8, R9, RCX, RDI, RDX, RSI } from "../cpu/registers.js";
/** The i-th C argument register (rdi, rsi, rdx, rcx, r8, r9). */
export const ARG_REGS = [RDI, RSI, RDX, RCX, R8, R9];
/** Argument i as a number: exact for canonical addresses and values below 2^53 in magnitude (sign-extended). */
export function argNum(cpu, i) {
    const r = ARG_REGS[i];
    return pairToNumber(cpu.regs[2 * r], cpu.regs[2 * r + 1]);
}
/** Argument i as a C int (low 32 bits, signed). */
export function argInt(cpu, i) {
    return cpu.regs[2 * ARG_REGS[i]] | 0;
}
/** Argument i as a C unsigned int (low 32 bits). */
export function argU32(cpu, i) {
    return cpu.regs[2 * ARG_REGS[i]] >>> 0;
}
/** Argument i as the full 64-bit pattern. */
export function argBig(cpu, i) {
    return cpu.getReg(ARG_REGS[i]);
}
//# sourceMappingURL=native-args.js.map