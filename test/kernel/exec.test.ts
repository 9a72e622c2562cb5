import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { UsageError } from "../../src/cli/output.ts";
import { Assembler } from "../../src/entry/assembler.ts";
import { execTask } from "../../src/kernel/exec.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { ElfError } from "../../src/workload/elf.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const BIN = `${FIX}bin/`;
const INPUT = `${FIX}src/input.txt`;
const profile = getProfile("sandybridge-2011");

const expected = (name: string) => ({
  stdout: readFileSync(`${FIX}expected/${name}.stdout`, "utf8"),
  stderr: readFileSync(`${FIX}expected/${name}.stderr`, "utf8"),
  status: Number(readFileSync(`${FIX}expected/${name}.status`, "utf8").trim()),
});

interface Case {
  expect: string;
  bin: string;
  args?: string[];
  stdin?: string;
  files?: string[];
}

// name in expected/ → how the Makefile ran it natively
const CASES: Case[] = [
  { expect: "hello", bin: "hello" },
  { expect: "hello.pie", bin: "hello.pie" },
  { expect: "cat", bin: "cat", args: ["/input.txt"], files: [`${INPUT}:/input.txt`] },
  { expect: "cat-stdin", bin: "cat", stdin: INPUT },
  { expect: "cat-missing", bin: "cat", args: ["/nonexistent"] },
  { expect: "wc", bin: "wc", stdin: INPUT },
  { expect: "forkpipe", bin: "forkpipe" },
  { expect: "signals", bin: "signals" },
  { expect: "seccomp", bin: "seccomp" },
  { expect: "sowa-getuid", bin: "sowa-getuid", args: ["1000"] },
  { expect: "sowa-setuid", bin: "sowa-setuid", args: ["1000"] },
  { expect: "sowa-chdir", bin: "sowa-chdir", args: ["1000"] },
  { expect: "sowa-read", bin: "sowa-read", args: ["1000"] },
];

function run(c: Case, bin: string, extra: Partial<Parameters<typeof runExec>[0]> = {}) {
  return runExec({
    program: `${BIN}${bin}`,
    args: c.args ?? [],
    profile,
    ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...extra,
  });
}

describe("exec: musl fixture programs give their native stdout, stderr and status", () => {
  // (the glibc builds: exec-glibc.test.ts)
  for (const c of CASES) {
    if (c.bin === "hello.pie") continue;
    const bin = `${c.bin}.musl`;
    it(`${bin} (${c.expect})`, () => {
      const r = run(c, bin);
      const e = expected(c.expect);
      expect(r.stdout).toBe(e.stdout);
      expect(r.stderr).toBe(e.stderr);
      expect(r.signal).toBeNull();
      expect(r.exitCode).toBe(e.status);
    });
  }
});

describe("exec: cgroupcfg (the emulator has the syscalls cgroup; natively it is missing)", () => {
  const steps = ["mkdir /sys/fs/cgroup/syscalls/demo: ok", "write tasks: ok", "write syscalls.deny: ok"];
  it("configures the cgroup, then mkdir is denied with the design's errno (ENOSYS by default)", () => {
    for (const bin of ["cgroupcfg", "cgroupcfg.musl"]) {
      const r = run({ expect: "", bin }, bin, { design: "cgroup-sowa" });
      expect(r.stdout).toBe(`${[...steps, "mkdir /tmp/x: Function not implemented"].join("\n")}\n`);
      expect(r.exitCode).toBe(0);
    }
  });
  it("EPERM when the kernel is built with deniedErrno EPERM", () => {
    const r = run({ expect: "", bin: "cgroupcfg.musl" }, "cgroupcfg.musl", {
      design: "cgroup-sowa",
      deniedErrno: 1,
    });
    expect(r.stdout.split("\n")[3]).toBe("mkdir /tmp/x: EPERM");
  });
  it("without a filter design the deny list has no effect: mkdir succeeds", () => {
    const r = run({ expect: "", bin: "cgroupcfg.musl" }, "cgroupcfg.musl");
    expect(r.stdout.split("\n")[3]).toBe("mkdir /tmp/x: ok");
  });
});

describe("exec: the initial stack", () => {
  it("auxv sees argv, envp and the 3.1 auxv keys in order, AT_PHDR/AT_ENTRY as natively", () => {
    for (const bin of ["auxv", "auxv.musl"]) {
      const r = runExec({ program: `${BIN}${bin}`, args: ["x", "yy"], profile, env: ["A=1", "B=22"] });
      expect(r.exitCode).toBe(0);
      const keys = r.stdout.match(/^auxv (AT_\w+)/gm)!.map((l) => l.slice(5));
      expect(keys).toEqual([
        "AT_HWCAP",
        "AT_PAGESZ",
        "AT_CLKTCK",
        "AT_PHDR",
        "AT_PHENT",
        "AT_PHNUM",
        "AT_BASE",
        "AT_FLAGS",
        "AT_ENTRY",
        "AT_UID",
        "AT_EUID",
        "AT_GID",
        "AT_EGID",
        "AT_SECURE",
        "AT_RANDOM",
        "AT_EXECFN",
        "AT_PLATFORM",
        "AT_NULL",
      ]);
      const native = expected(bin);
      for (const key of ["AT_PHDR", "AT_ENTRY", "AT_PHNUM"]) {
        const val = (s: string) => new RegExp(`^auxv ${key} slot \\d+ val (\\S+)`, "m").exec(s)![1];
        expect(val(r.stdout)).toBe(val(native.stdout));
      }
      expect(r.stdout).toMatch(/^argc 3$/m);
      expect(r.stdout).toMatch(/^envp 1 slot \d+ str \d+ B=22$/m);
      expect(r.stdout).toMatch(/^platform x86_64$/m);
      expect(r.stdout).toMatch(/ zero 1$/m);
    }
  });
});

describe("exec: errors", () => {
  it("a bad file is one ElfError line (UsageError: exit 2)", () => {
    const prog = `${FIX}src/sowa.h`;
    expect(() => runExec({ program: prog, args: [], profile })).toThrow(UsageError);
    expect(() => runExec({ program: prog, args: [], profile })).toThrow(
      /^ELF: bad magic \(2f 2a 20 54, need 7f 45 4c 46\)$/,
    );
  });
  it("a missing file is a usage error", () => {
    expect(() => runExec({ program: "/nonexistent/prog", args: [], profile })).toThrow(UsageError);
  });
  it("execTask throws ElfError for a truncated ELF", () => {
    const m = Machine.boot();
    const bytes = readFileSync(`${BIN}hello.musl`).subarray(0, 40);
    expect(() => execTask(m, { bytes: new Uint8Array(bytes), argv: ["x"] })).toThrow(ElfError);
  });
});

/** A minimal static ELF (one RX PT_LOAD at 0x400000) around some machine code. */
function tinyElf(code: Uint8Array): Uint8Array {
  const hdr = 64 + 56;
  const out = new Uint8Array(hdr + code.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, 0x400000n + BigInt(hdr), true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint32(64, 1, true); // PT_LOAD
  v.setUint32(68, 5, true); // R X
  v.setBigUint64(72, 0n, true);
  v.setBigUint64(80, 0x400000n, true);
  v.setBigUint64(88, 0x400000n, true);
  v.setBigUint64(96, BigInt(out.length), true);
  v.setBigUint64(104, BigInt(out.length), true);
  v.setBigUint64(112, 0x1000n, true);
  out.set(code, hdr);
  return out;
}

function runElf(code: Uint8Array) {
  const m = Machine.boot({ natives: profile.natives, costs: profile.costs });
  const t = execTask(m, { bytes: tinyElf(code), argv: ["tiny"] });
  m.run({ maxInstructions: 100_000 });
  return { m, t };
}

describe("exec: faults and permissions", () => {
  it("an unsupported instruction kills the task with SIGILL, its bytes in the message", () => {
    // 0f 0b is ud2; 0f 37 (GETSEC) is not decoded
    const { t } = runElf(Uint8Array.of(0x90, 0x0f, 0x37));
    expect(t.killedBy).toBe(4);
    expect(t.fault!.detail).toMatch(/0f 37/);
  });
  it("text pages are read-only: a store into the image is SIGSEGV", () => {
    const a = new Assembler({ base: 0x400078n }).asm("movl $1, 0x400000\nmovl $60, %eax\nsyscall").assemble();
    const { t } = runElf(a.bytes);
    expect(t.killedBy).toBe(11);
  });
  it("mmap without PROT_EXEC is NX: jumping into it is SIGSEGV", () => {
    const a = new Assembler({ base: 0x400078n })
      .asm(`
        xorl %edi, %edi
        movl $0x1000, %esi
        movl $3, %edx
        movl $0x22, %r10d
        movq $-1, %r8
        xorl %r9d, %r9d
        movl $9, %eax
        syscall
        jmp *%rax`)
      .assemble();
    const { t } = runElf(a.bytes);
    expect(t.killedBy).toBe(11);
    expect(t.fault!.detail).toMatch(/instruction fetch/);
  });
  it("mmap, mprotect, munmap, mremap through the syscall path", () => {
    const a = new Assembler({ base: 0x400078n })
      .asm(`
        xorl %edi, %edi
        movl $0x3000, %esi
        movl $3, %edx          # PROT_READ|PROT_WRITE
        movl $0x22, %r10d      # MAP_PRIVATE|MAP_ANONYMOUS
        movq $-1, %r8
        xorl %r9d, %r9d
        movl $9, %eax
        syscall
        movq %rax, %rbx
        movl $42, 0x2000(%rbx)
        movq %rbx, %rdi
        movl $0x3000, %esi
        movl $0x5000, %edx
        movl $1, %r10d         # MREMAP_MAYMOVE
        movl $25, %eax
        syscall
        movq %rax, %rbx
        movl 0x2000(%rbx), %r12d
        movq %rbx, %rdi
        movl $0x1000, %esi
        movl $1, %edx          # PROT_READ
        movl $10, %eax
        syscall
        movq %rbx, %rdi
        addq $0x4000, %rdi
        movl $0x1000, %esi
        movl $11, %eax
        syscall
        movl %r12d, %edi
        movl $60, %eax
        syscall`)
      .assemble();
    const { t } = runElf(a.bytes);
    expect(t.killedBy).toBeNull();
    expect(t.exitCode).toBe(42);
    const perNr = [...t.acct.perSyscall.keys()].sort((x, y) => x - y);
    expect(perNr).toEqual([9, 10, 11, 25, 60]);
  });
});

describe("exec: determinism", () => {
  it("the same program gives the same cycles, instructions and AT_RANDOM on every run", () => {
    const c: Case = { expect: "forkpipe", bin: "forkpipe.musl" };
    const a = run(c, c.bin);
    const b = run(c, c.bin);
    expect(a.userCycles).toBe(b.userCycles);
    expect(a.sysCycles).toBe(b.sysCycles);
    expect(a.instructions).toBe(b.instructions);
    expect(a.calls).toEqual(b.calls);
    expect(a.tasks).toBe(2);
    expect(a.calls.find((x) => x.name === "fork")!.calls).toBe(1);
  });
});
