import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM } from "../../../src/kernel/errno.ts";
import { SECCOMP_RET_ALLOW } from "../../../src/kernel/seccomp/actions.ts";
import {
  bpfConvertedLength,
  checkPathLength,
  MAX_INSNS_PER_PATH,
  SECCOMP_LD_DATA,
  seccompPrepareFilter,
} from "../../../src/kernel/seccomp/checker.ts";
import type { SockFilter } from "../../../src/kernel/seccomp/sock-filter.ts";
import * as B from "../../../src/kernel/seccomp/sock-filter.ts";

const S = B.bpfStmt;
const J = B.bpfJump;
const LD_ABS = B.BPF_LD | B.BPF_W | B.BPF_ABS;
const ALLOW = S(B.BPF_RET | B.BPF_K, SECCOMP_RET_ALLOW);

function verdict(prog: SockFilter[]): string {
  const r = seccompPrepareFilter(prog);
  return r.ok ? "ok" : r.errnoName;
}

describe("seccompPrepareFilter", () => {
  it("accepts a minimal filter and rewrites ld [k] to the seccomp_data load", () => {
    const r = seccompPrepareFilter([S(LD_ABS, 4), ALLOW]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.filter.code[0]).toBe(SECCOMP_LD_DATA);
      expect(r.filter.orig[0]!.code).toBe(LD_ABS);
    }
  });

  it("rejects length 0 and 4097 with EINVAL, accepts 4096", () => {
    expect(verdict([])).toBe("EINVAL");
    const pad = (n: number) => [...Array.from({ length: n - 1 }, () => S(LD_ABS, 0)), ALLOW];
    expect(verdict(pad(4096))).toBe("ok");
    const r = seccompPrepareFilter(pad(4097));
    expect(r.ok ? 0 : r.errno).toBe(EINVAL);
  });

  it.each([
    ["ld b [0]", B.BPF_LD | B.BPF_B | B.BPF_ABS],
    ["ld h [0]", B.BPF_LD | B.BPF_H | B.BPF_ABS],
    ["ld [x+0]", B.BPF_LD | B.BPF_W | B.BPF_IND],
    ["ldx msh", B.BPF_LDX | B.BPF_B | B.BPF_MSH],
    ["mod #3", B.BPF_ALU | B.BPF_MOD | B.BPF_K],
    ["mod x", B.BPF_ALU | B.BPF_MOD | B.BPF_X],
    ["ret x", B.BPF_RET | B.BPF_X],
    ["neg with X bit", B.BPF_ALU | B.BPF_NEG | B.BPF_X],
    ["code 0x106", 0x106],
    ["ldh #len", B.BPF_LD | B.BPF_H | B.BPF_LEN],
  ])("rejects %s with EINVAL", (_name, code) => {
    expect(verdict([S(code, 3), ALLOW])).toBe("EINVAL");
  });

  it("accepts only aligned loads inside struct seccomp_data", () => {
    for (let k = 0; k < 64; k += 4) expect(verdict([S(LD_ABS, k), ALLOW])).toBe("ok");
    for (const k of [1, 2, 3, 62, 64, 68, 0xfffffffc, B.SKF_AD_OFF])
      expect(verdict([S(LD_ABS, k), ALLOW])).toBe("EINVAL");
  });

  it("rewrites ld #len and ldx #len to immediates of 64", () => {
    const r = seccompPrepareFilter([
      S(B.BPF_LD | B.BPF_W | B.BPF_LEN, 0),
      S(B.BPF_LDX | B.BPF_W | B.BPF_LEN, 0),
      ALLOW,
    ]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect([r.filter.code[0], r.filter.k[0]]).toEqual([B.BPF_LD | B.BPF_IMM, 64]);
      expect([r.filter.code[1], r.filter.k[1]]).toEqual([B.BPF_LDX | B.BPF_IMM, 64]);
    }
  });

  it("checks jump ranges (forward only, ja k < len - pc - 1)", () => {
    expect(verdict([S(B.BPF_JMP | B.BPF_JA, 0), ALLOW])).toBe("ok");
    expect(verdict([S(B.BPF_JMP | B.BPF_JA, 1), ALLOW])).toBe("EINVAL");
    expect(verdict([S(B.BPF_JMP | B.BPF_JA, 0xffffffff), ALLOW])).toBe("EINVAL");
    expect(verdict([J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 1, 0, 0), ALLOW])).toBe("ok");
    expect(verdict([J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 1, 1, 0), ALLOW])).toBe("EINVAL");
    expect(verdict([J(B.BPF_JMP | B.BPF_JSET | B.BPF_X, 1, 0, 1), ALLOW])).toBe("EINVAL");
  });

  it("needs a RET last", () => {
    expect(verdict([S(LD_ABS, 0)])).toBe("EINVAL");
    expect(verdict([ALLOW, S(LD_ABS, 0)])).toBe("EINVAL");
    expect(verdict([S(B.BPF_RET | B.BPF_A, 0)])).toBe("ok");
  });

  it("rejects division by constant zero and shifts by 32 or more", () => {
    expect(verdict([S(B.BPF_ALU | B.BPF_DIV | B.BPF_K, 0), ALLOW])).toBe("EINVAL");
    expect(verdict([S(B.BPF_ALU | B.BPF_DIV | B.BPF_X, 0), ALLOW])).toBe("ok");
    expect(verdict([S(B.BPF_ALU | B.BPF_LSH | B.BPF_K, 31), ALLOW])).toBe("ok");
    expect(verdict([S(B.BPF_ALU | B.BPF_LSH | B.BPF_K, 32), ALLOW])).toBe("EINVAL");
    expect(verdict([S(B.BPF_ALU | B.BPF_RSH | B.BPF_K, 33), ALLOW])).toBe("EINVAL");
  });

  it("limits the scratch index to 0..15", () => {
    for (const code of [B.BPF_ST, B.BPF_STX]) {
      expect(verdict([S(code, 15), ALLOW])).toBe("ok");
      expect(verdict([S(code, 16), ALLOW])).toBe("EINVAL");
    }
    expect(verdict([S(B.BPF_LD | B.BPF_MEM, 16), ALLOW])).toBe("EINVAL");
  });

  it("rejects reading M[k] before it is written on some path (check_load_and_stores)", () => {
    expect(verdict([S(B.BPF_LD | B.BPF_MEM, 0), ALLOW])).toBe("EINVAL");
    expect(verdict([S(B.BPF_ST, 0), S(B.BPF_LDX | B.BPF_MEM, 0), ALLOW])).toBe("ok");
    const onePath = [
      S(LD_ABS, 0),
      J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 39, 0, 1),
      S(B.BPF_ST, 3),
      S(B.BPF_LD | B.BPF_MEM, 3),
      ALLOW,
    ];
    expect(verdict(onePath)).toBe("EINVAL");
    const bothPaths = [
      S(LD_ABS, 0),
      J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 39, 0, 2),
      S(B.BPF_ST, 3),
      S(B.BPF_JMP | B.BPF_JA, 1),
      S(B.BPF_STX, 3),
      S(B.BPF_LD | B.BPF_MEM, 3),
      ALLOW,
    ];
    expect(verdict(bothPaths)).toBe("ok");
    // safe, but the mask carried past the RET at pc 4 makes the kernel refuse it (confirmed on 6.18)
    const pastRet = [
      S(LD_ABS, 0),
      J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 39, 2, 0),
      S(B.BPF_ST, 0),
      S(B.BPF_JMP | B.BPF_JA, 1),
      S(B.BPF_RET | B.BPF_K, 0x50004),
      S(B.BPF_LD | B.BPF_MEM, 0),
      ALLOW,
    ];
    expect(verdict(pastRet)).toBe("EINVAL");
  });

  it("throws a host error on a malformed record", () => {
    expect(() => seccompPrepareFilter([{ code: 0x10000, jt: 0, jf: 0, k: 0 }])).toThrow(/out of range/);
  });
});

describe("path length (MAX_INSNS_PER_PATH)", () => {
  it("counts eBPF instructions of the converted program", () => {
    expect(bpfConvertedLength([ALLOW])).toBe(5);
    expect(bpfConvertedLength([S(B.BPF_RET | B.BPF_A, 0)])).toBe(4);
    expect(bpfConvertedLength([S(B.BPF_ALU | B.BPF_DIV | B.BPF_X, 0), ALLOW])).toBe(10);
    expect(bpfConvertedLength([J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 1, 0, 1), ALLOW, ALLOW])).toBe(8);
    expect(bpfConvertedLength([J(B.BPF_JMP | B.BPF_JSET | B.BPF_K, 1, 0, 1), ALLOW, ALLOW])).toBe(9);
    expect(bpfConvertedLength([J(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 0x80000000, 0, 0), ALLOW])).toBe(7);
  });

  it("adds 4 per attached filter and fails with ENOMEM above 32768", () => {
    expect(MAX_INSNS_PER_PATH).toBe(32768);
    expect(checkPathLength([4096, 4096], 32768 - 2 * 4100)).toBeNull();
    const e = checkPathLength([4096, 4096], 32769 - 2 * 4100);
    expect(e?.errno).toBe(ENOMEM);
  });
});
