// SSE4.2 (SDM Vol. 2: PCMPGTQ, CRC32, PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM; the string compares as in SDM Vol. 2B
// §4.1 "Imm8 control byte operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM"). sse.ts's execSse4 reads
// the operands and writes ECX, XMM0 and RFLAGS from what these compute.

/** PCMPGTQ: each signed quadword of X[x..x+4) ← all ones if it is greater than src's, else 0. */
export function pcmpgtq(X: Int32Array, x: number, src: Int32Array): void {
  for (let i = 0; i < 4; i += 2) {
    const ah = X[x + i + 1]!;
    const bh = src[i + 1]!;
    const gt = ah > bh || (ah === bh && X[x + i]! >>> 0 > src[i]! >>> 0) ? -1 : 0;
    X[x + i] = gt;
    X[x + i + 1] = gt;
  }
}

/** CRC32C (polynomial 11EDC6F41H, bit-reflected 82F63B78H; SDM CRC32), one entry per byte value. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC32: the CRC-32C of `bytes` bytes of the little-endian value hi:lo accumulated into crc (no inversions). */
export function crc32c(crc: number, lo: number, hi: number, bytes: number): number {
  let c = crc;
  for (let i = 0; i < bytes; i++) {
    const b = (i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4))) & 0xff;
    c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  }
  return c | 0;
}

/** Flags of the last pcmpStr: CF (IntRes2 ≠ 0), ZF (src2 shorter than its register), SF (src1 shorter), OF (IntRes2[0]). */
export let strFlags = 0;

// The elements of both operands (sign- or zero-extended per imm[1:0]).
const E1 = new Int32Array(16);
const E2 = new Int32Array(16);

/** Elements of the 16 bytes at U[o..o+16) into E: bytes or words, signed or not. */
function elements(E: Int32Array, U: Uint8Array, o: number, words: boolean, signed: boolean): void {
  const n = words ? 8 : 16;
  for (let i = 0; i < n; i++) {
    const v = words ? U[o + 2 * i]! | (U[o + 2 * i + 1]! << 8) : U[o + i]!;
    E[i] = signed ? (words ? (v << 16) >> 16 : (v << 24) >> 24) : v;
  }
}

/** The implicit length: the index of the first zero element, or the element count. */
function implicitLength(E: Int32Array, n: number): number {
  for (let i = 0; i < n; i++) if (E[i] === 0) return i;
  return n;
}

/**
 * IntRes2 of a packed string compare of src1 = U1[o1..o1+16) and src2 = U2[o2..o2+16) under imm8: explicit lengths
 * len1 and len2 (RAX and RDX, or EAX and EDX; their absolute value saturated to the element count), or implicit ones
 * when len1 < 0 (up to the first null element). Sets strFlags.
 */
export function pcmpStr(
  U1: Uint8Array,
  o1: number,
  U2: Uint8Array,
  o2: number,
  explicit: boolean,
  len1: number,
  len2: number,
  imm: number,
): number {
  const words = (imm & 1) !== 0;
  const n = words ? 8 : 16;
  const signed = (imm & 2) !== 0;
  elements(E1, U1, o1, words, signed);
  elements(E2, U2, o2, words, signed);
  const l1 = explicit ? Math.min(Math.abs(len1), n) : implicitLength(E1, n);
  const l2 = explicit ? Math.min(Math.abs(len2), n) : implicitLength(E2, n);
  let res = 0;
  switch ((imm >> 2) & 3) {
    case 0: // equal any: src2[j] is one of src1's valid elements
      for (let j = 0; j < l2; j++)
        for (let i = 0; i < l1; i++)
          if (E1[i] === E2[j]) {
            res |= 1 << j;
            break;
          }
      break;
    case 1: // ranges: src1[2k] <= src2[j] <= src1[2k+1] for a pair of valid elements
      for (let j = 0; j < l2; j++)
        for (let i = 0; i + 1 < l1; i += 2)
          if (E1[i]! <= E2[j]! && E2[j]! <= E1[i + 1]!) {
            res |= 1 << j;
            break;
          }
      break;
    case 2: // equal each: both invalid compare true, one invalid false
      for (let j = 0; j < n; j++) if (j < l1 && j < l2 ? E1[j] === E2[j] : j >= l1 && j >= l2) res |= 1 << j;
      break;
    default: // equal ordered: src1 (invalid elements match anything) found at src2[j], cut off at the register's end
      for (let j = 0; j < n; j++) {
        let match = true;
        for (let i = 0; i < n - j && i < l1; i++) {
          if (j + i >= l2 || E1[i] !== E2[j + i]) {
            match = false;
            break;
          }
        }
        if (match) res |= 1 << j;
      }
  }
  const all = (1 << n) - 1;
  const pol = (imm >> 4) & 3;
  if (pol === 1) res ^= all;
  else if (pol === 3) res ^= (1 << l2) - 1; // masked negation: only src2's valid elements
  strFlags = (res !== 0 ? 1 : 0) | (l2 < n ? 0x40 : 0) | (l1 < n ? 0x80 : 0) | (res & 1 ? 0x800 : 0);
  return res;
}
