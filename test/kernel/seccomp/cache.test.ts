import { describe, expect, it } from "vitest";
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from "../../../src/kernel/seccomp/actions.ts";
import {
  cachedAllowList,
  seccompCacheCheckAllow,
  seccompCachePrepare,
  seccompIsConstAllow,
} from "../../../src/kernel/seccomp/cache.ts";
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from "../../../src/kernel/seccomp/seccomp-data.ts";
import * as B from "../../../src/kernel/seccomp/sock-filter.ts";

const S = B.bpfStmt;
const J = B.bpfJump;
const LD_ABS = B.BPF_LD | B.BPF_W | B.BPF_ABS;
const JEQ = B.BPF_JMP | B.BPF_JEQ | B.BPF_K;
const ALLOW = S(B.BPF_RET | B.BPF_K, SECCOMP_RET_ALLOW);
const DENY = S(B.BPF_RET | B.BPF_K, SECCOMP_RET_ERRNO | 1);
const GETPPID = 110;

/** arch check, then allow getppid by nr only; everything else ERRNO */
const allowGetppid = [
  S(LD_ABS, 4),
  J(JEQ, AUDIT_ARCH_X86_64, 1, 0),
  DENY,
  S(LD_ABS, 0),
  J(JEQ, GETPPID, 0, 1),
  ALLOW,
  DENY,
];

describe("seccompIsConstAllow", () => {
  it("is const-allow for a syscall allowed by nr and arch only", () => {
    expect(seccompIsConstAllow(allowGetppid, GETPPID, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompIsConstAllow(allowGetppid, 39, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow(allowGetppid, GETPPID, AUDIT_ARCH_I386)).toBe(false);
  });

  it("is not const-allow once an argument is inspected on the path", () => {
    const argCheck = [S(LD_ABS, 0), J(JEQ, GETPPID, 0, 3), S(LD_ABS, 16), J(JEQ, 0, 0, 1), ALLOW, DENY];
    expect(seccompIsConstAllow(argCheck, GETPPID, AUDIT_ARCH_X86_64)).toBe(false);
    // other numbers never load the argument, but end in ERRNO
    expect(seccompIsConstAllow(argCheck, 39, AUDIT_ARCH_X86_64)).toBe(false);
  });

  it("follows ja, jge/jgt/jset and and #k; anything else is not constant", () => {
    const ranges = [
      S(LD_ABS, 0),
      S(B.BPF_ALU | B.BPF_AND | B.BPF_K, 0xff),
      J(B.BPF_JMP | B.BPF_JGE | B.BPF_K, 100, 0, 2),
      J(B.BPF_JMP | B.BPF_JGT | B.BPF_K, 200, 1, 0),
      S(B.BPF_JMP | B.BPF_JA, 1),
      DENY,
      ALLOW,
    ];
    expect(seccompIsConstAllow(ranges, 150, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompIsConstAllow(ranges, 150 + 256, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompIsConstAllow(ranges, 201, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow(ranges, 50, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow([S(B.BPF_LD | B.BPF_IMM, 0), ALLOW], 1, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow([S(B.BPF_RET | B.BPF_A, 0)], 1, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompIsConstAllow([S(B.BPF_RET | B.BPF_K, SECCOMP_RET_ALLOW | 1)], 1, AUDIT_ARCH_X86_64)).toBe(
      false,
    );
  });
});

describe("bitmap cache", () => {
  it("ANDs a stacked filter's bitmap with its parent's", () => {
    const parent = seccompCachePrepare(allowGetppid, null);
    expect(cachedAllowList(parent, AUDIT_ARCH_X86_64)).toEqual([GETPPID]);
    expect(cachedAllowList(parent, AUDIT_ARCH_I386)).toEqual([]);
    const allowAll = seccompCachePrepare([ALLOW], null);
    expect(cachedAllowList(allowAll, AUDIT_ARCH_X86_64)).toHaveLength(449);
    const child = seccompCachePrepare([ALLOW], parent);
    expect(cachedAllowList(child, AUDIT_ARCH_X86_64)).toEqual([GETPPID]);
    const denyPpid = seccompCachePrepare([S(LD_ABS, 0), J(JEQ, GETPPID, 0, 1), DENY, ALLOW], parent);
    expect(cachedAllowList(denyPpid, AUDIT_ARCH_X86_64)).toEqual([]);
  });

  it("misses for negative, too-large numbers and unknown arches", () => {
    const c = seccompCachePrepare([ALLOW], null);
    expect(seccompCacheCheckAllow(c, 0, AUDIT_ARCH_X86_64)).toBe(true);
    expect(seccompCacheCheckAllow(c, 448, AUDIT_ARCH_I386)).toBe(true);
    expect(seccompCacheCheckAllow(c, -1, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompCacheCheckAllow(c, 449, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompCacheCheckAllow(c, 0x40000000 | 39, AUDIT_ARCH_X86_64)).toBe(false);
    expect(seccompCacheCheckAllow(c, 1, 0xc00000b7)).toBe(false);
  });
});
