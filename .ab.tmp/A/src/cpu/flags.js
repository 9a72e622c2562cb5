// Lazy arithmetic flags: the last flag-setting operation records its kind, size, operands and result; CF, PF, AF,
// ZF, SF and OF are derived only when something reads them (SDM Vol. 1 §3.4.3.1; Appendix A of Vol. 1 for which
// instruction sets which flag).
import { AF, CF, OF, PF, SF, ZF } from "./rflags.js";
// Indices into the lazy-flags record (an Int32Array owned by the Cpu).
export const LF_OP = 0;
export const LF_SIZE = 1;
export const LF_RES = 2; // result, truncated to the size (size < 8: masked, non-negative except size 4)
export const LF_RESHI = 3; // high half for size 8, else 0
export const LF_DST = 4;
export const LF_DSTHI = 5;
export const LF_SRC = 6;
export const LF_SRCHI = 7;
export const LF_CF = 8; // carry-in for ADC/SBB, preserved CF for INC/DEC, explicit CF for FL_EXPLICIT
export const LF_OF = 9; // explicit OF for FL_EXPLICIT
export const LF_LENGTH = 10;
// Lazy operation kinds. FL_NONE: the status flags live in the RFLAGS word itself.
export const FL_NONE = 0;
export const FL_ADD = 1;
export const FL_ADC = 2;
export const FL_SUB = 3;
export const FL_SBB = 4;
export const FL_LOGIC = 5; // AND/OR/XOR/TEST: CF = OF = 0
export const FL_INC = 6; // src = 1, CF preserved
export const FL_DEC = 7;
export const FL_EXPLICIT = 8; // shifts, multiplies: CF and OF given, AF = 0, ZF/SF/PF from the result
/** PARITY[b] is PF for the byte b: set when the number of one bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
    let x = i;
    x ^= x >> 4;
    x ^= x >> 2;
    x ^= x >> 1;
    PARITY[i] = (x & 1) === 0 ? PF : 0;
}
/** Mask of an operand of `size` bytes applied to an int32 (size 4 and 8 keep all 32 bits). */
export function sizeMask(size) {
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}
function signBit(size, lo, hi) {
    return size === 8 ? hi >>> 31 : (lo >>> (size * 8 - 1)) & 1;
}
function below(size, aLo, aHi, bLo, bHi) {
    if (size === 8 && aHi !== bHi)
        return aHi >>> 0 < bHi >>> 0;
    return aLo >>> 0 < bLo >>> 0;
}
export function lazyCF(lf) {
    const size = lf[LF_SIZE];
    switch (lf[LF_OP]) {
        case FL_ADD:
            return below(size, lf[LF_RES], lf[LF_RESHI], lf[LF_DST], lf[LF_DSTHI]) ? 1 : 0;
        case FL_ADC: {
            const r = lf[LF_RES];
            const rh = lf[LF_RESHI];
            const d = lf[LF_DST];
            const dh = lf[LF_DSTHI];
            return below(size, r, rh, d, dh) || (lf[LF_CF] === 1 && r === d && rh === dh) ? 1 : 0;
        }
        case FL_SUB:
            return below(size, lf[LF_DST], lf[LF_DSTHI], lf[LF_SRC], lf[LF_SRCHI]) ? 1 : 0;
        case FL_SBB: {
            const d = lf[LF_DST];
            const dh = lf[LF_DSTHI];
            const s = lf[LF_SRC];
            const sh = lf[LF_SRCHI];
            return below(size, d, dh, s, sh) || (lf[LF_CF] === 1 && d === s && dh === sh) ? 1 : 0;
        }
        case FL_LOGIC:
            return 0;
        default:
            return lf[LF_CF];
    }
}
export function lazyZF(lf) {
    return (lf[LF_RES] | lf[LF_RESHI]) === 0;
}
export function lazySF(lf) {
    return signBit(lf[LF_SIZE], lf[LF_RES], lf[LF_RESHI]);
}
export function lazyOF(lf) {
    const size = lf[LF_SIZE];
    const op = lf[LF_OP];
    const r = lf[LF_RES];
    const rh = lf[LF_RESHI];
    const d = lf[LF_DST];
    const dh = lf[LF_DSTHI];
    const s = lf[LF_SRC];
    const sh = lf[LF_SRCHI];
    switch (op) {
        case FL_ADD:
        case FL_ADC:
        case FL_INC:
            return signBit(size, (d ^ r) & (s ^ r), (dh ^ rh) & (sh ^ rh));
        case FL_SUB:
        case FL_SBB:
        case FL_DEC:
            return signBit(size, (d ^ s) & (d ^ r), (dh ^ sh) & (dh ^ rh));
        case FL_LOGIC:
            return 0;
        default:
            return lf[LF_OF];
    }
}
/** The six status flags (as RFLAGS bits) described by a lazy record whose op is not FL_NONE. */
export function lazyStatus(lf) {
    const op = lf[LF_OP];
    const r = lf[LF_RES];
    let f = PARITY[r & 0xff];
    if ((r | lf[LF_RESHI]) === 0)
        f |= ZF;
    if (lazySF(lf))
        f |= SF;
    if (lazyCF(lf))
        f |= CF;
    if (lazyOF(lf))
        f |= OF;
    if (op !== FL_LOGIC && op !== FL_EXPLICIT && ((lf[LF_DST] ^ lf[LF_SRC] ^ r) & 0x10) !== 0)
        f |= AF;
    return f;
}
/**
 * Evaluates condition code cc (SDM Vol. 1, Table B-1: O NO B AE E NE BE A S NS P NP L GE LE G) against either the
 * lazy record or the status bits of `flags`.
 */
export function testCondition(cc, lf, flags) {
    let r;
    if (lf[LF_OP] !== FL_NONE) {
        switch (cc >> 1) {
            case 0:
                r = lazyOF(lf) === 1;
                break;
            case 1:
                r = lazyCF(lf) === 1;
                break;
            case 2:
                r = lazyZF(lf);
                break;
            case 3:
                r = lazyCF(lf) === 1 || lazyZF(lf);
                break;
            case 4:
                r = lazySF(lf) === 1;
                break;
            case 5:
                r = PARITY[lf[LF_RES] & 0xff] !== 0;
                break;
            case 6:
                r = lazySF(lf) !== lazyOF(lf);
                break;
            default:
                r = lazyZF(lf) || lazySF(lf) !== lazyOF(lf);
                break;
        }
    }
    else {
        switch (cc >> 1) {
            case 0:
                r = (flags & OF) !== 0;
                break;
            case 1:
                r = (flags & CF) !== 0;
                break;
            case 2:
                r = (flags & ZF) !== 0;
                break;
            case 3:
                r = (flags & (CF | ZF)) !== 0;
                break;
            case 4:
                r = (flags & SF) !== 0;
                break;
            case 5:
                r = (flags & PF) !== 0;
                break;
            case 6:
                r = ((flags & SF) !== 0) !== ((flags & OF) !== 0);
                break;
            default:
                r = (flags & ZF) !== 0 || ((flags & SF) !== 0) !== ((flags & OF) !== 0);
                break;
        }
    }
    return (cc & 1) === 0 ? r : !r;
}
/** Records a result whose CF and OF are given explicitly (shifts, multiplies). */
export function setExplicit(lf, size, lo, hi, cf, of) {
    lf[LF_OP] = FL_EXPLICIT;
    lf[LF_SIZE] = size;
    lf[LF_RES] = lo;
    lf[LF_RESHI] = hi;
    lf[LF_DST] = 0;
    lf[LF_SRC] = 0;
    lf[LF_CF] = cf;
    lf[LF_OF] = of;
}
//# sourceMappingURL=flags.js.map