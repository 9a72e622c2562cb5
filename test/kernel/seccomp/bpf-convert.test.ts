// bpf_convert_filter: the eBPF the kernel makes of a seccomp filter.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bpfConvertFilter,
  convertedStackDepth,
  formatBpfInsn,
} from "../../../src/kernel/seccomp/bpf-convert.ts";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";
import { bpfStmt, type SockFilter } from "../../../src/kernel/seccomp/sock-filter.ts";
import { decodeFilter, type FixtureFile } from "../../fixtures/seccomp/fixture-format.ts";

const convert = (f: SockFilter[]) => {
  const r = seccompPrepareFilter(f);
  if (!r.ok) throw new Error(r.reason);
  return bpfConvertFilter(r.filter);
};
const text = (f: SockFilter[]) => convert(f).map((x) => `${x.line} ${formatBpfInsn(x)}`);
const j = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k });

describe("bpf_convert_filter", () => {
  it("prologue, ctx loads, RET K, jumps with jf = 0 and with jt = 0 (inverted)", () => {
    expect(
      text([bpfStmt(0x20, 4), j(0x15, 62, 0, 1), j(0x25, 9, 0, 1), bpfStmt(0x06, 0x50001), bpfStmt(0x16, 0)]),
    ).toEqual([
      "-1 w0 ^= w0",
      "-1 w7 ^= w7",
      "-1 r6 = r1",
      "0 r0 = *(u32 *)(r6 +4)",
      "1 if r0 != 0x3e goto pc+1",
      "2 if r0 <= 0x9 goto pc+2",
      "3 w0 = 0x50001",
      "3 exit",
      "4 exit",
    ]);
  });

  it("two-way jumps get a goto; K >= 0x80000000 goes through R8; div x is guarded", () => {
    expect(
      text([
        bpfStmt(0x20, 16),
        j(0x45, 0x80000000, 1, 2),
        bpfStmt(0x07, 0),
        bpfStmt(0x3c, 0),
        bpfStmt(0x16, 0),
      ]),
    ).toEqual([
      "-1 w0 ^= w0",
      "-1 w7 ^= w7",
      "-1 r6 = r1",
      "0 r0 = *(u32 *)(r6 +16)",
      "1 w8 = 0x80000000",
      "1 if r0 & r8 goto pc+2",
      "1 goto pc+6",
      "2 r7 = r0",
      "3 w7 = w7",
      "3 if r7 != 0x0 goto pc+2",
      "3 w0 ^= w0",
      "3 exit",
      "3 w0 /= w7",
      "4 exit",
    ]);
  });

  it("M[k] is the stack slot at fp - (4k + 4); stack_depth is the deepest store", () => {
    const p = convert([bpfStmt(0x20, 0), bpfStmt(0x02, 3), bpfStmt(0x61, 3), bpfStmt(0x16, 0)]);
    expect(p.slice(3).map(formatBpfInsn)).toEqual([
      "r0 = *(u32 *)(r6 +0)",
      "*(u32 *)(r10 -16) = r0",
      "r7 = *(u32 *)(r10 -16)",
      "exit",
    ]);
    expect(convertedStackDepth(p)).toBe(16);
  });

  it("the length is the checker's eBPF length (the model the kernel's ENOMEM boundaries confirmed) for every corpus filter", () => {
    const fx = JSON.parse(
      readFileSync(new URL("../../fixtures/seccomp/kernel-fixtures.json", import.meta.url), "utf8"),
    ) as FixtureFile;
    let n = 0;
    for (const c of fx.cases)
      for (const enc of c.filters) {
        const r = seccompPrepareFilter(decodeFilter(enc));
        if (!r.ok) continue;
        expect(bpfConvertFilter(r.filter).length).toBe(r.filter.ebpfLen);
        n++;
      }
    expect(n).toBeGreaterThan(400);
  });
});
