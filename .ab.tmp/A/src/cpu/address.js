// Guest linear addresses are JS numbers holding the sign-extended canonical value: every canonical address lies in
// [-2^47, 2^47) and is exact in a double (0xffffffff81000000 is the number -0x7f000000).
export const CANONICAL_LIMIT = 0x800000000000; // 2^47
export const TWO32 = 0x100000000;
export function isCanonical(a) {
    return a >= -CANONICAL_LIMIT && a < CANONICAL_LIMIT;
}
/** Host-facing conversion: any 64-bit pattern (signed or unsigned) or a canonical number; non-canonical is an Error. */
export function toLinear(v) {
    if (typeof v === "bigint") {
        const s = BigInt.asIntN(64, v);
        if (s < -0x800000000000n || s >= 0x800000000000n) {
            throw new Error(`non-canonical address 0x${BigInt.asUintN(64, v).toString(16)}`);
        }
        return Number(s);
    }
    if (!Number.isInteger(v) || !isCanonical(v))
        throw new Error(`non-canonical address ${v}`);
    return v;
}
/** The unsigned 64-bit bigint of a canonical number address. */
export function linearToBigInt(a) {
    return BigInt.asUintN(64, BigInt(a));
}
export function hex(a) {
    return `0x${linearToBigInt(a).toString(16)}`;
}
/** Host value (bigint pattern, or safe integer with negative = two's complement) to lo/hi int32 halves. */
export function splitU64(v, out, at) {
    if (typeof v === "number") {
        if (!Number.isSafeInteger(v))
            throw new Error(`register value ${v} is not a safe integer; pass a bigint`);
        out[at] = v | 0;
        out[at + 1] = Math.floor(v / TWO32) | 0;
        return;
    }
    const u = BigInt.asUintN(64, v);
    out[at] = Number(u & 0xffffffffn) | 0;
    out[at + 1] = Number(u >> 32n) | 0;
}
export function joinU64(lo, hi) {
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
/** lo/hi halves to a number: exact sign-extended value when it is canonical (or any value below 2^53 in magnitude). */
export function pairToNumber(lo, hi) {
    return hi * TWO32 + (lo >>> 0);
}
//# sourceMappingURL=address.js.map