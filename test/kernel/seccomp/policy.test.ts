// Seccomp policies: the text and Docker parsers (what they accept, each error with its file:line or JSON path), and
// the compiled classic BPF against the policy's own semantics (evaluatePolicy) on boundary and random arguments.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
} from "../../../src/kernel/seccomp/actions.ts";
import { seccompIsConstAllow } from "../../../src/kernel/seccomp/cache.ts";
import { seccompPrepareFilter } from "../../../src/kernel/seccomp/checker.ts";
import { runFilter } from "../../../src/kernel/seccomp/interpreter.ts";
import {
  evaluatePolicy,
  type Policy,
  PolicyError,
  policyAllowSet,
} from "../../../src/kernel/seccomp/policy.ts";
import { compilePolicy } from "../../../src/kernel/seccomp/policy-compile.ts";
import { DOCKER_DEFAULT_CONTEXT, parseDockerProfile } from "../../../src/kernel/seccomp/policy-docker.ts";
import { parsePolicyText } from "../../../src/kernel/seccomp/policy-text.ts";
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  makeSeccompData,
} from "../../../src/kernel/seccomp/seccomp-data.ts";

const policyFile = (name: string) => new URL(`../../../policies/${name}`, import.meta.url);
const load = (name: string): Policy => {
  const text = readFileSync(policyFile(name), "utf8");
  return name.endsWith(".json") ? parseDockerProfile(text, name) : parsePolicyText(text, name);
};

/** Runs the compiled policy in the kernel's interpreter. */
function runner(p: Policy) {
  const r = seccompPrepareFilter(compilePolicy(p));
  if (!r.ok) throw new Error(r.reason);
  return (nr: number, args: bigint[], arch = AUDIT_ARCH_X86_64) =>
    runFilter(r.filter, makeSeccompData({ nr, arch, args }));
}

/** Deterministic xorshift64 (no Math.random in tests). */
function rng(seed: bigint) {
  let s = seed;
  return () => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return s;
  };
}

describe("text policies", () => {
  it("parses actions, conditions and the defaults", () => {
    const p = parsePolicyText(
      [
        "# a comment",
        "default errno EPERM",
        "allow read",
        "errno EACCES openat arg2 & 0x3 == 0x1  # write-only opens",
        "kill_process ptrace",
        "trap 7 mount",
        "allow socket arg0 == 1 arg1 < 0x10",
      ].join("\n"),
      "t.policy",
    );
    expect(p.defaultAction).toBe(SECCOMP_RET_ERRNO | 1);
    expect(p.badArchAction).toBe(SECCOMP_RET_KILL_THREAD);
    expect(p.rules.map((r) => [r.name, r.nr, r.where])).toEqual([
      ["read", 0, "t.policy:3"],
      ["openat", 257, "t.policy:4"],
      ["ptrace", 101, "t.policy:5"],
      ["mount", 165, "t.policy:6"],
      ["socket", 41, "t.policy:7"],
    ]);
    expect(p.rules[1]!.action).toBe(SECCOMP_RET_ERRNO | 13);
    expect(p.rules[1]!.conds).toEqual([{ arg: 2, op: "&==", value: 1n, mask: 3n }]);
    expect(p.rules[2]!.action).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(p.rules[3]!.action).toBe(0x00030007);
    expect(p.rules[4]!.conds.map((c) => c.op)).toEqual(["==", "<"]);
  });

  it.each([
    ["allow read", "t.policy: no `default ACTION` line"],
    ["default allow\ndefault allow", "t.policy:2: a second default"],
    ["default allow\nallow opnat", 't.policy:2: "opnat" is not an x86_64 syscall name'],
    ["default allow\nallow constructor", 't.policy:2: "constructor" is not an x86_64 syscall name'],
    ["default allow\npermit read", 't.policy:2: unknown action "permit"'],
    ["default allow\nerrno EWHAT read", 't.policy:2: errno: "EWHAT" is not an errno'],
    ["default allow\nerrno 4096 read", 't.policy:2: errno: "4096" is not an errno'],
    ["default allow\nallow read arg6 == 1", "t.policy:2: expected a condition argN (N 0..5)"],
    [
      "default allow\nallow read arg0 =< 1",
      't.policy:2: arg0: expected one of == != < <= > >= or &, got "=<"',
    ],
    [
      "default allow\nallow read arg0 == 18446744073709551616",
      "t.policy:2: arg0: the value must be a number",
    ],
    ["default allow\nallow read arg0 & 0x3 == 0x4", "can never hold"],
    ["default allow\nallow read arg0 == 1 arg0 == 2", "arg0 is compared twice"],
    ["default allow\nallow read\nerrno EPERM read", "t.policy:3: read already has an unconditional rule"],
  ])("refuses %j", (text, message) => {
    const run = () => {
      const p = parsePolicyText(text, "t.policy");
      compilePolicy(p);
    };
    expect(run).toThrow(PolicyError);
    expect(run).toThrow(message);
  });

  it("refuses a line over the limit and a NUL byte, naming the line", () => {
    expect(() => parsePolicyText(`default allow\n# ${"x".repeat(5000)}`, "t")).toThrow(
      "t:2: line longer than",
    );
    expect(() => parsePolicyText("default allow\nallow read\0", "t")).toThrow("t:2: NUL byte");
  });
});

describe("Docker profiles", () => {
  it("parses moby's default profile for a default container on amd64", () => {
    const p = load("docker-default.json");
    expect(p.defaultAction).toBe(SECCOMP_RET_ERRNO | 1);
    // arm, s390, ppc64le, riscv64 and capability-gated rules (CAP_SYS_ADMIN, CAP_SYS_PTRACE, …) are left out;
    // CAP_SYS_CHROOT is one of Docker's default capabilities, so chroot is allowed
    expect(DOCKER_DEFAULT_CONTEXT.caps).toContain("CAP_SYS_CHROOT");
    expect(p.excludedRules).toBe(18);
    const allowed = (name: string, args: bigint[] = []) =>
      evaluatePolicy(p, p.rules.find((r) => r.name === name)?.nr ?? -1, args);
    expect(allowed("chroot")).toBe(SECCOMP_RET_ALLOW);
    expect(allowed("read")).toBe(SECCOMP_RET_ALLOW);
    expect(allowed("arch_prctl")).toBe(SECCOMP_RET_ALLOW);
    // clone: allowed without namespace flags (mask 0x7e020000), EPERM with CLONE_NEWUSER
    expect(allowed("clone", [0x3d0f00n])).toBe(SECCOMP_RET_ALLOW);
    expect(allowed("clone", [0x10000000n])).toBe(SECCOMP_RET_ERRNO | 1);
    // clone3 gets ENOSYS so that glibc falls back to clone
    expect(allowed("clone3")).toBe(SECCOMP_RET_ERRNO | 38);
    // socket: every family but AF_VSOCK (40)
    expect(allowed("socket", [1n])).toBe(SECCOMP_RET_ALLOW);
    expect(allowed("socket", [40n])).toBe(SECCOMP_RET_ERRNO | 1);
    // mount and ptrace-family calls need capabilities a default container lacks... ptrace itself is allowed on
    // kernels >= 4.8 (minKernel)
    expect(p.rules.some((r) => r.name === "mount")).toBe(false);
    expect(allowed("ptrace")).toBe(SECCOMP_RET_ALLOW);
    expect(p.skippedNames).toContain("_llseek");
  });

  it.each([
    ["[]", "x.json: (top level): must be an object"],
    [
      '{"defaultAction": "SCMP_ACT_NOPE", "syscalls": []}',
      'x.json: defaultAction: unknown action "SCMP_ACT_NOPE"',
    ],
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [], "extra": 1}', "x.json: extra: is not a field"],
    [
      '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}',
      "x.json: syscalls[0].args[0].index: must be 0..5",
    ],
    [
      '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}',
      "x.json: syscalls[0].args[0].op: must be one of",
    ],
    [
      '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]}',
      "syscalls[0].names",
    ],
    ["{", "x.json: not valid JSON"],
  ])("refuses %s", (text, message) => {
    expect(() => parseDockerProfile(text, "x.json")).toThrow(message);
  });
});

describe("the compiled filter", () => {
  const policies = ["docker-default.json", "systemd-system-service.policy", "browser-like.policy"];

  it.each(policies)("%s: passes the kernel's checker and agrees with the policy on every number", (name) => {
    const p = load(name);
    const run = runner(p);
    for (let nr = 0; nr < 470; nr++) {
      const want = evaluatePolicy(p, nr, [0n, 0n, 0n, 0n, 0n, 0n]);
      expect([nr, run(nr, [0n, 0n, 0n, 0n, 0n, 0n])]).toEqual([nr, want]);
    }
    // another arch gets the bad-arch action; an x32 number (bit 30) too
    expect(run(3, [], AUDIT_ARCH_I386)).toBe(p.badArchAction >>> 0);
    expect(run(0x40000000, [])).toBe(p.badArchAction >>> 0);
  });

  it.each(policies)("%s: agrees with the policy on boundary and random arguments of every rule", (name) => {
    const p = load(name);
    const run = runner(p);
    const next = rng(0x9e3779b97f4a7c15n);
    let checked = 0;
    for (const r of p.rules) {
      for (const c of r.conds) {
        const v = c.value;
        const around = [v, v + 1n, v - 1n, v ^ (1n << 32n), v | (1n << 63n), 0n, (1n << 64n) - 1n, next()];
        for (const x of around) {
          const a = (x + (1n << 64n)) % (1n << 64n);
          const args = [next(), next(), next(), next(), next(), next()];
          args[c.arg] = a;
          expect(run(r.nr, args)).toBe(evaluatePolicy(p, r.nr, args) >>> 0);
          checked++;
        }
      }
    }
    if (p.rules.some((r) => r.conds.length > 0)) expect(checked).toBeGreaterThan(20);
  });

  it("compiles every operator on 64-bit values as high and low halves", () => {
    const ops = ["==", "!=", "<", "<=", ">", ">="];
    const values = [0n, 1n, 0xffffffffn, 0x100000000n, 0x1234567800000005n, (1n << 64n) - 1n];
    for (const op of ops)
      for (const v of values) {
        const p = parsePolicyText(`default errno EPERM\nallow read arg3 ${op} ${v}`, "t");
        const run = runner(p);
        for (const w of values.flatMap((x) => [x, x + 1n, x - 1n]))
          if (w >= 0n && w < 1n << 64n) {
            const args = [0n, 0n, 0n, w];
            expect([op, v, w, run(0, args)]).toEqual([op, v, w, evaluatePolicy(p, 0, args) >>> 0]);
          }
      }
  });

  it("has the sizes docs/seccomp.md gives (rules, BPF instructions, numbers a linux-3.1 bitmap allows)", () => {
    const size = (name: string) => {
      const p = load(name);
      return [
        p.rules.length,
        compilePolicy(p).length,
        policyAllowSet(p, 310).allowed.size,
        p.skippedNames.length,
      ];
    };
    expect(size("docker-default.json")).toEqual([316, 677, 263, 61]);
    expect(size("systemd-system-service.policy")).toEqual([299, 606, 266, 0]);
    expect(size("browser-like.policy")).toEqual([114, 348, 93, 0]);
  });

  it("lays out jumps longer than 255 instructions through ja", () => {
    // 200 conditional rules for one call: the block is longer than a jt/jf byte can skip
    const lines = ["default errno EPERM"];
    for (let i = 0; i < 200; i++) lines.push(`allow ioctl arg1 == ${i * 3}`);
    lines.push("allow write");
    const p = parsePolicyText(lines.join("\n"), "t");
    const run = runner(p);
    expect(run(16, [0n, 597n])).toBe(SECCOMP_RET_ALLOW);
    expect(run(16, [0n, 598n])).toBe(SECCOMP_RET_ERRNO | 1);
    expect(run(1, [])).toBe(SECCOMP_RET_ALLOW);
    expect(run(0, [])).toBe(SECCOMP_RET_ERRNO | 1);
  });

  it("is constant-allow for the 5.11 cache exactly where a call's rules test no argument", () => {
    const p = load("browser-like.policy");
    const prog = compilePolicy(p);
    expect(seccompIsConstAllow(prog, 0, AUDIT_ARCH_X86_64)).toBe(true); // read
    expect(seccompIsConstAllow(prog, 9, AUDIT_ARCH_X86_64)).toBe(false); // mmap: checks prot
    expect(seccompIsConstAllow(prog, 202, AUDIT_ARCH_X86_64)).toBe(false); // futex: checks op
    expect(seccompIsConstAllow(prog, 59, AUDIT_ARCH_X86_64)).toBe(false); // execve: EPERM
  });

  it("gives the cgroup designs an allow set, with argument-checked calls allowed and named", () => {
    const a = policyAllowSet(load("browser-like.policy"), 310);
    expect(a.allowed.has(0)).toBe(true);
    expect(a.allowed.has(59)).toBe(false);
    expect(a.conditional).toEqual(expect.arrayContaining(["mmap", "futex", "clone", "socket", "prctl"]));
    const d = policyAllowSet(load("docker-default.json"), 310);
    expect(d.conditional.sort()).toEqual(["clone", "personality", "socket"]);
    expect(d.allowed.has(165)).toBe(false); // mount
  });
});
