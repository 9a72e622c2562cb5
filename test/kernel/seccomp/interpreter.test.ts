import { describe, expect, it } from "vitest";
import * as A from "../../../src/kernel/seccomp/actions.ts";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";
import {
  type SeccompFilterNode,
  seccompAttachFilter,
  seccompRunFilters,
} from "../../../src/kernel/seccomp/filter-chain.ts";
import { type RunStats, runFilter } from "../../../src/kernel/seccomp/interpreter.ts";
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  makeSeccompData,
} from "../../../src/kernel/seccomp/seccomp-data.ts";
import type { SockFilter } from "../../../src/kernel/seccomp/sock-filter.ts";
import * as B from "../../../src/kernel/seccomp/sock-filter.ts";

const S = B.bpfStmt;
const J = B.bpfJump;
const LD_ABS = B.BPF_LD | B.BPF_W | B.BPF_ABS;
const RET_A = S(B.BPF_RET | B.BPF_A, 0);
const DATA = makeSeccompData({
  nr: 39,
  arch: AUDIT_ARCH_X86_64,
  instructionPointer: 0x1122334455667788n,
  args: [0xaaaaaaaa_bbbbbbbbn, 7n, 0n, 0n, 0n, 0xffffffff_00000001n],
});

function run(prog: SockFilter[], data = DATA): { ret: number; insns: number } {
  const r = seccompPrepareFilter(prog);
  if (!r.ok) throw new Error(r.reason);
  const stats: RunStats = { insns: 0 };
  return { ret: runFilter(r.filter, data, stats), insns: stats.insns };
}
const a = (...pre: SockFilter[]) => run([...pre, RET_A]).ret;

describe("runFilter", () => {
  it("loads seccomp_data words little-endian", () => {
    expect(a(S(LD_ABS, 0))).toBe(39);
    expect(a(S(LD_ABS, 4))).toBe(AUDIT_ARCH_X86_64);
    expect(a(S(LD_ABS, 8))).toBe(0x55667788);
    expect(a(S(LD_ABS, 12))).toBe(0x11223344);
    expect(a(S(LD_ABS, 16))).toBe(0xbbbbbbbb);
    expect(a(S(LD_ABS, 20))).toBe(0xaaaaaaaa);
    expect(a(S(LD_ABS, 56))).toBe(1);
    expect(a(S(LD_ABS, 60))).toBe(0xffffffff);
    expect(a(S(B.BPF_LD | B.BPF_W | B.BPF_LEN, 0))).toBe(64);
    expect(a(S(B.BPF_LDX | B.BPF_W | B.BPF_LEN, 0), S(B.BPF_MISC | B.BPF_TXA, 0))).toBe(64);
  });

  it("does 32-bit unsigned ALU arithmetic", () => {
    const imm = (v: number) => S(B.BPF_LD | B.BPF_IMM, v);
    const alu = (op: number, k: number) => S(B.BPF_ALU | op | B.BPF_K, k);
    expect(a(imm(0xffffffff), alu(B.BPF_ADD, 2))).toBe(1);
    expect(a(imm(1), alu(B.BPF_SUB, 2))).toBe(0xffffffff);
    expect(a(imm(0x10001), alu(B.BPF_MUL, 0x10001))).toBe(0x20001);
    expect(a(imm(0xffffffff), alu(B.BPF_DIV, 2))).toBe(0x7fffffff);
    expect(a(imm(0xf0f0), alu(B.BPF_AND, 0xff))).toBe(0xf0);
    expect(a(imm(0xf0), alu(B.BPF_OR, 0x0f))).toBe(0xff);
    expect(a(imm(0xff), alu(B.BPF_XOR, 0xf0))).toBe(0x0f);
    expect(a(imm(3), alu(B.BPF_LSH, 31))).toBe(0x80000000);
    expect(a(imm(0x80000000), alu(B.BPF_RSH, 31))).toBe(1);
    expect(a(imm(5), S(B.BPF_ALU | B.BPF_NEG, 0))).toBe(0xfffffffb);
  });

  it("uses X for the X forms, masks shift counts to 5 bits and returns 0 on DIV by X == 0", () => {
    const ldx = (v: number) => S(B.BPF_LDX | B.BPF_IMM, v);
    const imm = (v: number) => S(B.BPF_LD | B.BPF_IMM, v);
    expect(a(ldx(3), imm(10), S(B.BPF_ALU | B.BPF_SUB | B.BPF_X, 0))).toBe(7);
    expect(a(ldx(33), imm(1), S(B.BPF_ALU | B.BPF_LSH | B.BPF_X, 0))).toBe(2);
    expect(a(ldx(32), imm(0x80), S(B.BPF_ALU | B.BPF_RSH | B.BPF_X, 0))).toBe(0x80);
    expect(a(ldx(7), imm(100), S(B.BPF_ALU | B.BPF_DIV | B.BPF_X, 0))).toBe(14);
    expect(
      run([imm(100), S(B.BPF_ALU | B.BPF_DIV | B.BPF_X, 0), S(B.BPF_RET | B.BPF_K, A.SECCOMP_RET_ALLOW)]),
    ).toEqual({
      ret: 0,
      insns: 2,
    });
  });

  it("moves between A, X and scratch memory", () => {
    expect(
      a(
        S(B.BPF_LD | B.BPF_IMM, 9),
        S(B.BPF_MISC | B.BPF_TAX, 0),
        S(B.BPF_LD | B.BPF_IMM, 0),
        S(B.BPF_MISC | B.BPF_TXA, 0),
      ),
    ).toBe(9);
    expect(
      a(
        S(B.BPF_LD | B.BPF_IMM, 5),
        S(B.BPF_ST, 15),
        S(B.BPF_LDX | B.BPF_MEM, 15),
        S(B.BPF_MISC | B.BPF_TXA, 0),
      ),
    ).toBe(5);
    expect(a(S(B.BPF_LDX | B.BPF_IMM, 6), S(B.BPF_STX, 2), S(B.BPF_LD | B.BPF_MEM, 2))).toBe(6);
  });

  it("takes jumps by unsigned compare and counts executed instructions", () => {
    const branch = (code: number, k: number, aVal: number) =>
      run([
        S(B.BPF_LD | B.BPF_IMM, aVal),
        J(code, k, 0, 1),
        S(B.BPF_RET | B.BPF_K, 1),
        S(B.BPF_RET | B.BPF_K, 2),
      ]).ret;
    const K = B.BPF_JMP | B.BPF_K;
    expect(branch(K | B.BPF_JEQ, 5, 5)).toBe(1);
    expect(branch(K | B.BPF_JEQ, 5, 6)).toBe(2);
    expect(branch(K | B.BPF_JGT, 5, 0x80000000)).toBe(1);
    expect(branch(K | B.BPF_JGT, 5, 5)).toBe(2);
    expect(branch(K | B.BPF_JGE, 5, 5)).toBe(1);
    expect(branch(K | B.BPF_JSET, 0x10, 0x30)).toBe(1);
    expect(branch(K | B.BPF_JSET, 0x10, 0x20)).toBe(2);
    const r = run([
      S(B.BPF_JMP | B.BPF_JA, 2),
      S(B.BPF_RET | B.BPF_K, 1),
      S(B.BPF_RET | B.BPF_K, 2),
      S(B.BPF_RET | B.BPF_K, 3),
    ]);
    expect(r).toEqual({ ret: 3, insns: 2 });
    const x = run([
      S(B.BPF_LDX | B.BPF_IMM, 4),
      S(B.BPF_LD | B.BPF_IMM, 4),
      J(B.BPF_JMP | B.BPF_JEQ | B.BPF_X, 0, 1, 0),
      S(B.BPF_RET | B.BPF_K, 1),
      S(B.BPF_RET | B.BPF_K, 2),
    ]);
    expect(x).toEqual({ ret: 2, insns: 4 });
  });
});

describe("actions", () => {
  it("names every action and treats unknown values as KILL_PROCESS", () => {
    expect(A.formatAction(A.resolveAction(A.SECCOMP_RET_ERRNO | 1))).toBe("ERRNO 1");
    expect(A.formatAction(A.resolveAction(A.SECCOMP_RET_TRAP | 0x2a))).toBe("TRAP 0x2a");
    expect(A.formatAction(A.resolveAction(A.SECCOMP_RET_ALLOW | 5))).toBe("ALLOW");
    expect(A.resolveAction(0).action).toBe("KILL_THREAD");
    expect(A.resolveAction(A.SECCOMP_RET_KILL_PROCESS).action).toBe("KILL_PROCESS");
    expect(A.resolveAction(A.SECCOMP_RET_USER_NOTIF).action).toBe("USER_NOTIF");
    expect(A.resolveAction(A.SECCOMP_RET_TRACE).action).toBe("TRACE");
    expect(A.resolveAction(A.SECCOMP_RET_LOG).action).toBe("LOG");
    const u = A.resolveAction(0x00010000);
    expect([u.action, u.unknown]).toEqual(["KILL_PROCESS", true]);
  });

  it("caps ERRNO data at MAX_ERRNO", () => {
    expect(A.outcomeOf(A.resolveAction(A.SECCOMP_RET_ERRNO | 4096))).toEqual({
      kind: "return",
      value: -4095,
    });
    expect(A.outcomeOf(A.resolveAction(A.SECCOMP_RET_ERRNO | 0xffff))).toEqual({
      kind: "return",
      value: -4095,
    });
    expect(A.outcomeOf(A.resolveAction(A.SECCOMP_RET_ERRNO | 4095))).toEqual({
      kind: "return",
      value: -4095,
    });
    expect(A.outcomeOf(A.resolveAction(A.SECCOMP_RET_ERRNO))).toEqual({ kind: "return", value: -0 });
  });

  it("orders actions by the signed action part", () => {
    const order = A.ACTION_NAMES.map((n) => A.ACTION_VALUE[n]);
    for (let i = 1; i < order.length; i++) expect(A.isMoreRestrictive(order[i - 1]!, order[i]!)).toBe(true);
    expect(A.isMoreRestrictive(0xffff0000, A.SECCOMP_RET_KILL_THREAD)).toBe(true);
    expect(A.isMoreRestrictive(A.SECCOMP_RET_ERRNO | 1, A.SECCOMP_RET_ERRNO | 2)).toBe(false);
  });
});

describe("seccompRunFilters", () => {
  function chain(...rets: number[]): SeccompFilterNode {
    let head: SeccompFilterNode | null = null;
    for (const ret of rets) {
      const r = seccompAttachFilter(head, [S(LD_ABS, 16), S(B.BPF_RET | B.BPF_K, ret)]);
      if (!r.ok) throw new Error(r.reason);
      head = r.head;
    }
    return head!;
  }

  it("picks the most restrictive action; a tie keeps the newest filter's data", () => {
    expect(seccompRunFilters(chain(A.SECCOMP_RET_ERRNO | 1, A.SECCOMP_RET_ERRNO | 2), DATA).ret).toBe(
      A.SECCOMP_RET_ERRNO | 2,
    );
    expect(seccompRunFilters(chain(A.SECCOMP_RET_TRAP | 1, A.SECCOMP_RET_ERRNO | 2), DATA).ret).toBe(
      A.SECCOMP_RET_TRAP | 1,
    );
    expect(seccompRunFilters(chain(A.SECCOMP_RET_ALLOW | 7, A.SECCOMP_RET_ALLOW | 8), DATA).ret).toBe(
      A.SECCOMP_RET_ALLOW,
    );
    const r = seccompRunFilters(
      chain(A.SECCOMP_RET_KILL_PROCESS, A.SECCOMP_RET_LOG, A.SECCOMP_RET_LOG),
      DATA,
    );
    expect([r.ret, r.match?.depth, r.insns, r.filtersRun]).toEqual([A.SECCOMP_RET_KILL_PROCESS, 0, 6, 3]);
    const tie = seccompRunFilters(chain(A.SECCOMP_RET_TRACE | 1, A.SECCOMP_RET_TRACE | 2), DATA);
    expect(tie.match?.depth).toBe(1);
  });

  it("fails closed with no filter and skips the BPF on a cache hit", () => {
    expect(seccompRunFilters(null, DATA).ret).toBe(A.SECCOMP_RET_KILL_PROCESS);
    const head = seccompAttachFilter(null, [S(B.BPF_RET | B.BPF_K, A.SECCOMP_RET_ALLOW)]);
    if (!head.ok) throw new Error();
    const hit = seccompRunFilters(head.head, DATA);
    expect([hit.cacheHit, hit.insns]).toEqual([true, 0]);
    const i386 = makeSeccompData({ nr: 5000, arch: AUDIT_ARCH_I386 });
    expect(seccompRunFilters(head.head, i386)).toMatchObject({
      cacheHit: false,
      insns: 1,
      ret: A.SECCOMP_RET_ALLOW,
    });
  });
});
