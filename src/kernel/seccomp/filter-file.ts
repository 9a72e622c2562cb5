// Reading and writing classic-BPF programs:
//  - raw: struct sock_filter records back to back, 8 bytes each, little-endian (libseccomp's seccomp_export_bpf);
//  - `tcpdump -ddd` text: the count on the first line, then `code jt jf k` in decimal, one per line;
//  - bpf_asm's default one-liner: `count,code jt jf k,code jt jf k,...`;
//  - the C-array form of `bpf_asm -c` / `tcpdump -dd`: `{ 0x20, 0, 0, 0x00000004 },` per line.
// A file with a NUL byte is raw (every raw record's code has a zero high byte); anything else is text.
import { SOCK_FILTER_SIZE, type SockFilter } from "./sock-filter.ts";

/** A malformed file: the message is one line naming the line or byte offset. */
export class FilterFileError extends Error {
  override name = "FilterFileError";
}

export type FilterFileFormat = "raw" | "ddd" | "asm-line" | "c-array";

export interface ParsedFilterFile {
  format: FilterFileFormat;
  prog: SockFilter[];
}

export function parseRawFilter(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    const whole = bytes.length - (bytes.length % SOCK_FILTER_SIZE);
    throw new FilterFileError(
      `offset ${whole}: ${bytes.length % SOCK_FILTER_SIZE} trailing byte(s); raw sock_filter files are 8 bytes per instruction`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prog: SockFilter[] = [];
  for (let off = 0; off < bytes.length; off += SOCK_FILTER_SIZE) {
    prog.push({
      code: view.getUint16(off, true),
      jt: view.getUint8(off + 2),
      jf: view.getUint8(off + 3),
      k: view.getUint32(off + 4, true),
    });
  }
  return prog;
}

export function encodeRawFilter(prog: readonly SockFilter[]): Uint8Array {
  const out = new Uint8Array(prog.length * SOCK_FILTER_SIZE);
  const view = new DataView(out.buffer);
  prog.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k >>> 0, true);
  });
  return out;
}

/** `tcpdump -ddd` text. */
export function formatDdd(prog: readonly SockFilter[]): string {
  return `${prog.length}\n${prog.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`).join("\n")}\n`;
}

/** `bpf_asm -c` text. */
export function formatCArray(prog: readonly SockFilter[]): string {
  const h = (v: number, w: number) => `0x${v.toString(16).padStart(w, "0")}`;
  return prog.map((i) => `{ ${h(i.code, 2)}, ${i.jt}, ${i.jf}, ${h(i.k >>> 0, 8)} },\n`).join("");
}

const NUMBER = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;

function parseField(tok: string, max: number, what: string, where: string): number {
  if (!NUMBER.test(tok))
    throw new FilterFileError(`${where}: ${what} ${JSON.stringify(tok)} is not a number`);
  const v = Number(tok);
  if (v > max) throw new FilterFileError(`${where}: ${what} ${tok} is larger than ${max}`);
  return v;
}

function parseInsn(fields: string[], where: string): SockFilter {
  if (fields.length !== 4)
    throw new FilterFileError(`${where}: expected 4 numbers \`code jt jf k\`, got ${fields.length}`);
  return {
    code: parseField(fields[0]!, 0xffff, "code", where),
    jt: parseField(fields[1]!, 0xff, "jt", where),
    jf: parseField(fields[2]!, 0xff, "jf", where),
    k: parseField(fields[3]!, 0xffffffff, "k", where),
  };
}

function stripComment(line: string): string {
  const i = line.search(/#|\/\//);
  return (i >= 0 ? line.slice(0, i) : line).trim();
}

export function parseTextFilter(text: string): ParsedFilterFile {
  const lines = text.split(/\r?\n/);
  const body = lines.map((l, i) => ({ n: i + 1, s: stripComment(l) })).filter((l) => l.s !== "");
  // no instructions: the kernel's seccomp_prepare_filter() answers EINVAL for a zero-length program, so the
  // checker, not the parser, gives the verdict
  if (body.length === 0) return { format: "ddd", prog: [] };
  const first = body[0]!;
  if (first.s.startsWith("{")) {
    const prog = body.map(({ n, s }) => {
      const m = /^\{([^{}]*)\}\s*,?$/.exec(s);
      if (!m) throw new FilterFileError(`line ${n}: expected \`{ code, jt, jf, k },\``);
      return parseInsn(
        m[1]!
          .split(",")
          .map((t) => t.trim())
          .filter((t, idx, all) => t !== "" || idx !== all.length - 1),
        `line ${n}`,
      );
    });
    return { format: "c-array", prog };
  }
  if (body.length === 1 && first.s.includes(",")) {
    const parts = first.s.split(",").map((p) => p.trim());
    const count = parseField(parts[0]!, Number.MAX_SAFE_INTEGER, "count", `line ${first.n}`);
    const insns = parts.slice(1).filter((p, i, all) => p !== "" || i !== all.length - 1);
    if (insns.length !== count)
      throw new FilterFileError(`line ${first.n}: count says ${count} instructions, found ${insns.length}`);
    const prog = insns.map((p, i) => parseInsn(p.split(/\s+/), `line ${first.n}, instruction ${i + 1}`));
    return { format: "asm-line", prog };
  }
  const countFields = first.s.split(/\s+/);
  if (countFields.length !== 1)
    throw new FilterFileError(`line ${first.n}: expected the instruction count (tcpdump -ddd format)`);
  const count = parseField(countFields[0]!, Number.MAX_SAFE_INTEGER, "count", `line ${first.n}`);
  const rest = body.slice(1);
  if (rest.length !== count)
    throw new FilterFileError(`line ${first.n}: count says ${count} instructions, found ${rest.length}`);
  const prog = rest.map(({ n, s }) => parseInsn(s.split(/\s+/), `line ${n}`));
  return { format: "ddd", prog };
}

/** Detects the format; see the header. */
export function parseFilterBytes(bytes: Uint8Array): ParsedFilterFile {
  if (bytes.length === 0) return { format: "raw", prog: [] };
  if (bytes.includes(0)) return { format: "raw", prog: parseRawFilter(bytes) };
  return parseTextFilter(new TextDecoder("utf-8").decode(bytes));
}
