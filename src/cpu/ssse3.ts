// SSSE3 (SDM Vol. 2: PSHUFB, PHADDW/D/SW, PHSUBW/D/SW, PMADDUBSW, PMULHRSW, PSIGNB/W/D, PABSB/W/D, PALIGNR) on n
// bytes (16: XMM, 8: MMX): one definition for both register files. The destination's bytes are D[d..d+n), the
// source's S[0..n); the result is written back to D.

// Scratch copies of the operands and the result, with views for the word and dword forms (nothing allocated per
// instruction).
const R = new Uint8Array(16);
const RV = new DataView(R.buffer);
const DB = new Uint8Array(16);
const dv = new DataView(DB.buffer);
const SB = new Uint8Array(16);
const sv = new DataView(SB.buffer);

function sat16(v: number): number {
  return Math.min(32767, Math.max(-32768, v));
}

/** Runs SSSE3 sub-op `sub` (202–217, sse-ops.ts) on n bytes; imm is PALIGNR's byte shift. */
export function ssse3Op(D: Uint8Array, d: number, S: Uint8Array, n: number, sub: number, imm: number): void {
  for (let i = 0; i < n; i++) {
    DB[i] = D[d + i]!;
    SB[i] = S[i]!;
  }
  const w = n >> 1; // words
  const q = n >> 2; // dwords
  switch (sub) {
    case 202: // PSHUFB: a set top bit of the index selects zero; otherwise the index modulo n
      for (let i = 0; i < n; i++) {
        const k = SB[i]!;
        R[i] = k & 0x80 ? 0 : DB[k & (n - 1)]!;
      }
      break;
    case 203: // PHADDW
    case 205: // PHADDSW
    case 207: // PHSUBW
    case 209: {
      // PHSUBSW
      const sub2 = sub === 207 || sub === 209;
      const sat = sub === 205 || sub === 209;
      for (let i = 0; i < w; i++) {
        const src = i < w / 2 ? dv : sv;
        const j = 2 * (i % (w / 2));
        const x = src.getInt16(2 * j, true);
        const y = src.getInt16(2 * j + 2, true);
        const v = sub2 ? x - y : x + y;
        RV.setInt16(2 * i, sat ? sat16(v) : v, true);
      }
      break;
    }
    case 204: // PHADDD
    case 208: {
      // PHSUBD
      for (let i = 0; i < q; i++) {
        const src = i < q / 2 ? dv : sv;
        const j = 2 * (i % (q / 2));
        const x = src.getInt32(4 * j, true);
        const y = src.getInt32(4 * j + 4, true);
        RV.setInt32(4 * i, sub === 204 ? (x + y) | 0 : (x - y) | 0, true);
      }
      break;
    }
    case 206: // PMADDUBSW: unsigned bytes of the destination × signed bytes of the source, pairs added, saturated
      for (let i = 0; i < w; i++) {
        const v = DB[2 * i]! * ((SB[2 * i]! << 24) >> 24) + DB[2 * i + 1]! * ((SB[2 * i + 1]! << 24) >> 24);
        RV.setInt16(2 * i, sat16(v), true);
      }
      break;
    case 210: // PSIGNB
      for (let i = 0; i < n; i++) {
        const s = (SB[i]! << 24) >> 24;
        R[i] = s < 0 ? -DB[i]! : s === 0 ? 0 : DB[i]!;
      }
      break;
    case 211: // PSIGNW
      for (let i = 0; i < w; i++) {
        const s = sv.getInt16(2 * i, true);
        const x = dv.getInt16(2 * i, true);
        RV.setInt16(2 * i, s < 0 ? -x : s === 0 ? 0 : x, true);
      }
      break;
    case 212: // PSIGND
      for (let i = 0; i < q; i++) {
        const s = sv.getInt32(4 * i, true);
        const x = dv.getInt32(4 * i, true);
        RV.setInt32(4 * i, s < 0 ? -x | 0 : s === 0 ? 0 : x, true);
      }
      break;
    case 213: // PMULHRSW: (a·b >> 14, + 1) >> 1
      for (let i = 0; i < w; i++) {
        const p = dv.getInt16(2 * i, true) * sv.getInt16(2 * i, true);
        RV.setInt16(2 * i, ((p >> 14) + 1) >> 1, true);
      }
      break;
    case 214: // PABSB
      for (let i = 0; i < n; i++) R[i] = Math.abs((SB[i]! << 24) >> 24);
      break;
    case 215: // PABSW
      for (let i = 0; i < w; i++) RV.setUint16(2 * i, Math.abs(sv.getInt16(2 * i, true)), true);
      break;
    case 216: // PABSD
      for (let i = 0; i < q; i++) RV.setUint32(4 * i, Math.abs(sv.getInt32(4 * i, true)), true);
      break;
    default: {
      // 217 PALIGNR: (destination:source) shifted right by imm bytes, the low n bytes
      for (let i = 0; i < n; i++) {
        const k = i + imm;
        R[i] = k < n ? SB[k]! : k < 2 * n ? DB[k - n]! : 0;
      }
    }
  }
  D.set(R.subarray(0, n), d);
}
