// Strings ↔ guest bytes without Node's Buffer, so the emulator also runs in a browser (web/). Latin-1 is decoded
// with String.fromCharCode, not TextDecoder("latin1"): the WHATWG "latin1" label means windows-1252, which maps
// 0x80–0x9f to other code points.

const CHUNK = 8192;

/** Each byte as the code point of the same value (ISO-8859-1). */
export function latin1Decode(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const part = Array.prototype.slice.call(bytes, i, i + CHUNK) as number[];
    s += String.fromCharCode(...part);
  }
  return s;
}

/** Each code point's low byte (ISO-8859-1; what Buffer.from(s, "latin1") does). */
export function latin1Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Invalid sequences become U+FFFD, as Buffer's toString("utf8") does. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
