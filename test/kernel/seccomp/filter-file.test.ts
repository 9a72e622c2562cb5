import { describe, expect, it } from "vitest";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";
import {
  encodeRawFilter,
  FilterFileError,
  formatCArray,
  formatDdd,
  parseFilterBytes,
} from "../../../src/kernel/seccomp/filter-file.ts";
import type { SockFilter } from "../../../src/kernel/seccomp/sock-filter.ts";

const PROG: SockFilter[] = [
  { code: 0x20, jt: 0, jf: 0, k: 4 },
  { code: 0x15, jt: 1, jf: 0, k: 0xc000003e },
  { code: 0x06, jt: 0, jf: 0, k: 0 },
  { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
];
const enc = (s: string) => new TextEncoder().encode(s);

describe("filter files", () => {
  it("reads raw sock_filter bytes (little-endian, 8 per instruction)", () => {
    const raw = encodeRawFilter(PROG);
    expect(Array.from(raw.slice(8, 16))).toEqual([0x15, 0, 1, 0, 0x3e, 0, 0, 0xc0]);
    expect(parseFilterBytes(raw)).toEqual({ format: "raw", prog: PROG });
  });

  it("reads tcpdump -ddd, bpf_asm one-line and C-array text", () => {
    expect(parseFilterBytes(enc(formatDdd(PROG)))).toEqual({ format: "ddd", prog: PROG });
    expect(parseFilterBytes(enc("4,32 0 0 4,21 1 0 3221225534,6 0 0 0,6 0 0 2147418112,\n"))).toEqual({
      format: "asm-line",
      prog: PROG,
    });
    expect(parseFilterBytes(enc(formatCArray(PROG)))).toEqual({ format: "c-array", prog: PROG });
    expect(parseFilterBytes(enc("{ 0x20, 0, 0, 0x00000004 },\n{0x06,0,0,0x7fff0000}\n")).prog).toHaveLength(
      2,
    );
  });

  it.each([
    ["3\n6 0 0 0\n", /line 1: count says 3 instructions, found 1/],
    ["2\n6 0 0 0\n6 0 0\n", /line 3: expected 4 numbers/],
    ["1\n6 0 x 0\n", /line 2: jf "x" is not a number/],
    ["1\n6 256 0 0\n", /line 2: jt 256 is larger than 255/],
    ["1\n6 0 0 4294967296\n", /line 2: k 4294967296 is larger/],
    ["{ 0x06, 0, 0 },\n", /line 1: expected 4 numbers/],
    ["{ 0x06, 0, 0, 0 },\nret\n", /line 2: expected `\{ code, jt, jf, k \},`/],
    ["1 2\n", /line 1: expected the instruction count/],
  ])("reports %j as one line", (text, msg) => {
    expect(() => parseFilterBytes(enc(text))).toThrow(FilterFileError);
    expect(() => parseFilterBytes(enc(text))).toThrow(msg);
  });

  it("an empty file is a zero-length program, which the checker rejects with EINVAL as the kernel does", () => {
    expect(parseFilterBytes(enc(""))).toEqual({ format: "raw", prog: [] });
    expect(parseFilterBytes(enc("# only a comment\n\n"))).toEqual({ format: "ddd", prog: [] });
    expect(seccompPrepareFilter([])).toMatchObject({
      ok: false,
      errnoName: "EINVAL",
      stage: "seccomp_prepare_filter",
    });
  });

  it("names the offset of a truncated raw file", () => {
    const raw = new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f, 6, 0, 0]);
    expect(() => parseFilterBytes(raw)).toThrow(/offset 8: 3 trailing byte/);
  });
});
