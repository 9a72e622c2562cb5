import { describe, expect, it } from "vitest";
import { EBADF, EFAULT, EINVAL, ENOENT, ENOSYS, ENOTDIR, EPERM, ERANGE } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { type Call, callsProgram, result, runProgram, userImage } from "./user-program.ts";

const KERNEL_ADDR = 0xffffffff81000000n;

function run(
  calls: Call[],
  data = "",
  opts: Parameters<typeof runProgram>[1] = {},
  setup?: Parameters<typeof runProgram>[2],
) {
  const ran = runProgram(callsProgram(calls, data), opts, setup);
  expect(ran.r.reason).toBe("exited");
  expect(ran.t.exitCode).toBe(0);
  return { ...ran, res: (i: number) => result(ran, i) };
}

describe("read / write / open / dup / close", () => {
  it("write captures fd 1 and 2; bad pointers give EFAULT, bad fds EBADF", () => {
    const r = run(
      [
        { nr: NR.write, args: [1, "msg", 5] },
        { nr: NR.write, args: [2, "msg", 3] },
        { nr: NR.write, args: [1, 0x10, 5] },
        { nr: NR.write, args: [1, KERNEL_ADDR, 4] },
        { nr: NR.write, args: [9, "msg", 5] },
        { nr: NR.write, args: [0, "msg", 5] },
        { nr: NR.write, args: [1, "msg", 0] },
        { nr: NR.write, args: [1, 0x8000000000000000n, 4] },
        { nr: NR.write, args: [1, 0x800000000000n, 4] },
        { nr: NR.write, args: [1, "msg", -1] },
      ],
      'msg: .ascii "hello"',
    );
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(r.res)).toEqual([
      5,
      3,
      -EFAULT,
      -EFAULT,
      -EBADF,
      -EBADF,
      0,
      -EFAULT,
      -EFAULT,
      -EFAULT,
    ]);
    expect(r.m.stdout).toBe("hello");
    expect(r.m.stderr).toBe("hel");
  });

  it("read from fd 0 returns the stdin bytes, then 0 (end of input)", () => {
    const r = run(
      [
        { nr: NR.read, args: [0, "buf", 16] },
        { nr: NR.read, args: [0, "buf", 16] },
        { nr: NR.read, args: [0, 0, 16] },
        { nr: NR.read, args: [1, "buf", 16] },
      ],
      "buf: .zero 16",
      { stdin: "abc" },
    );
    expect([0, 1, 2, 3].map(r.res)).toEqual([3, 0, 0, -EBADF]);
    expect(Buffer.from(r.t.space.readBytes(r.sym("buf"), 3)).toString()).toBe("abc");
  });

  it("read into an unmapped or kernel buffer is EFAULT", () => {
    const r = run(
      [
        { nr: NR.read, args: [0, 0x1000, 4] },
        { nr: NR.read, args: [0, KERNEL_ADDR, 4] },
      ],
      "",
      { stdin: "abcdefgh" },
    );
    expect([r.res(0), r.res(1)]).toEqual([-EFAULT, -EFAULT]);
  });

  it("open /dev/zero and /dev/null; ENOENT and EFAULT for bad paths", () => {
    const r = run(
      [
        { nr: NR.open, args: ["zero", 0] },
        { nr: NR.read, args: [3, "buf", 8] },
        { nr: NR.open, args: ["null", 1] },
        { nr: NR.write, args: [4, "buf", 8] },
        { nr: NR.read, args: [4, "buf", 8] },
        { nr: NR.open, args: ["nope", 0] },
        { nr: NR.open, args: [0x10, 0] },
        { nr: NR.open, args: ["tmp", 0] },
      ],
      '.align 8\nbuf: .quad -1\nzero: .asciz "/dev/zero"\nnull: .asciz "/dev/null"\nnope: .asciz "/nope"\ntmp: .asciz "/tmp"',
    );
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(r.res)).toEqual([3, 8, 4, 8, -EBADF, -ENOENT, -EFAULT, 5]);
    expect(r.q("buf")).toBe(0n);
  });

  it("dup gives the lowest free fd sharing the file; close frees it; EBADF twice", () => {
    const r = run(
      [
        { nr: NR.dup, args: [1] },
        { nr: NR.write, args: [3, "msg", 2] },
        { nr: NR.close, args: [3] },
        { nr: NR.close, args: [3] },
        { nr: NR.dup, args: [77] },
        { nr: NR.close, args: [0] },
        { nr: NR.dup, args: [2] },
      ],
      'msg: .ascii "hi"',
    );
    expect([0, 1, 2, 3, 4, 5, 6].map(r.res)).toEqual([3, 2, 0, -EBADF, -EBADF, 0, 0]);
    expect(r.m.stdout).toBe("hi");
  });
});

describe("identity and credentials", () => {
  it("getpid, gettid, getppid, getuid, geteuid, getgid", () => {
    const m = Machine.boot();
    const prog = userImage(
      callsProgram([
        { nr: NR.getpid },
        { nr: NR.gettid },
        { nr: NR.getppid },
        { nr: NR.getuid },
        { nr: NR.geteuid },
        { nr: NR.getgid },
      ]),
    );
    const parent = m.createTask({ name: "parent", image: prog, uid: 1000, gid: 100 });
    const child = m.createTask({ name: "child", image: prog, parent });
    m.run();
    const res = (t: typeof parent, i: number) =>
      Number(BigInt.asIntN(64, t.space.read64(Number(prog.symbols.get("results")!) + 8 * i)));
    expect([0, 1, 2, 3, 4, 5].map((i) => res(parent, i))).toEqual([1, 1, 0, 1000, 1000, 100]);
    expect([0, 1, 2, 3, 4, 5].map((i) => res(child, i))).toEqual([2, 2, 1, 1000, 1000, 100]);
  });

  it("setuid as root sets every uid; afterwards root is gone (EPERM)", () => {
    const r = run([
      { nr: NR.setuid, args: [1000] },
      { nr: NR.getuid },
      { nr: NR.geteuid },
      { nr: NR.setuid, args: [0] },
    ]);
    expect([0, 1, 2, 3].map(r.res)).toEqual([0, 1000, 1000, -EPERM]);
    expect(r.t.creds).toMatchObject({ uid: 1000, euid: 1000, suid: 1000, fsuid: 1000 });
  });

  it("setuid as non-root: only to the real or saved uid", () => {
    const r = run(
      [
        { nr: NR.setuid, args: [1000] },
        { nr: NR.setuid, args: [0] },
        { nr: NR.setuid, args: [1001] },
      ],
      "",
      {},
      (t) => {
        t.creds.euid = 1001;
        t.creds.uid = 1000;
        t.creds.suid = 1000;
      },
    );
    expect([0, 1, 2].map(r.res)).toEqual([0, -EPERM, -EPERM]);
    expect(r.t.creds.euid).toBe(1000);
  });
});

describe("chdir, getcwd, umask", () => {
  it("chdir to existing directories, relative and absolute; errors", () => {
    const r = run(
      [
        { nr: NR.chdir, args: ["tmp"] },
        { nr: NR.getcwd, args: ["buf", 64] },
        { nr: NR.chdir, args: ["rel"] },
        { nr: NR.getcwd, args: ["buf2", 64] },
        { nr: NR.chdir, args: ["nope"] },
        { nr: NR.chdir, args: [0x10] },
        { nr: NR.chdir, args: ["devnull"] },
        { nr: NR.chdir, args: ["empty"] },
        { nr: NR.getcwd, args: ["buf", 3] },
        { nr: NR.getcwd, args: [0x10, 64] },
      ],
      [
        'tmp: .asciz "/tmp"',
        'rel: .asciz "../sys/./fs/cgroup"',
        'nope: .asciz "/nonexistent"',
        'devnull: .asciz "/dev/null"',
        'empty: .asciz ""',
        "buf: .zero 64",
        "buf2: .zero 64",
      ].join("\n"),
    );
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(r.res)).toEqual([
      0,
      5,
      0,
      15,
      -ENOENT,
      -EFAULT,
      -ENOTDIR,
      -ENOENT,
      -ERANGE,
      -EFAULT,
    ]);
    expect(r.t.space.readCString(r.sym("buf"), 64)).toBe("/tmp");
    expect(r.t.space.readCString(r.sym("buf2"), 64)).toBe("/sys/fs/cgroup");
    expect(r.t.cwd).toBe("/sys/fs/cgroup");
  });

  it("umask returns the previous mask", () => {
    const r = run([
      { nr: NR.umask, args: [0o077] },
      { nr: NR.umask, args: [0o1777] },
      { nr: NR.umask, args: [0] },
    ]);
    expect([0, 1, 2].map(r.res)).toEqual([0o022, 0o077, 0o777]);
  });
});

describe("uname, brk, clock_gettime", () => {
  it("uname fills struct new_utsname (6 x 65 bytes)", () => {
    const r = run(
      [
        { nr: NR.uname, args: ["uts"] },
        { nr: NR.uname, args: [KERNEL_ADDR] },
      ],
      "uts: .zero 390",
    );
    expect([r.res(0), r.res(1)]).toEqual([0, -EFAULT]);
    const f = (i: number) => r.t.space.readCString(r.sym("uts") + 65 * i, 65);
    expect([f(0), f(2), f(4)]).toEqual(["Linux", "3.1.0-syscall-lab", "x86_64"]);
  });

  it("brk grows and shrinks the heap after the image; refused requests return the old break", () => {
    const m = Machine.boot();
    const prog = `_start:
      movq $12, %rax
      xorl %edi, %edi
      syscall
      movq %rax, %rbx
      leaq 0x2000(%rbx), %rdi
      movq $12, %rax
      syscall
      movq %rax, r1(%rip)
      movq $0x55, 0x1ff8(%rbx)
      movq $1, %rdi
      movq $12, %rax
      syscall
      movq %rax, r2(%rip)
      movq %rbx, r0(%rip)
      movq $60, %rax
      xorl %edi, %edi
      syscall
      .align 8
      r0: .quad 0
      r1: .quad 0
      r2: .quad 0`;
    const img = userImage(prog);
    const t = m.createTask({ name: "brk", image: img });
    m.run();
    expect(t.exitCode).toBe(0);
    const q = (n: string) => Number(t.space.read64(Number(img.symbols.get(n)!)));
    const start = q("r0");
    expect(start).toBe(0x401000);
    expect(q("r1")).toBe(start + 0x2000);
    expect(q("r2")).toBe(start + 0x2000);
    expect(t.space.read64(start + 0x1ff8)).toBe(0x55n);
  });

  it("clock_gettime is cycles / clock rate; EINVAL and EFAULT", () => {
    const r = run(
      [
        { nr: NR.clock_gettime, args: [1, "ts"] },
        { nr: NR.clock_gettime, args: [0, "ts2"] },
        { nr: NR.clock_gettime, args: [99, "ts"] },
        { nr: NR.clock_gettime, args: [1, 0x10] },
      ],
      ".align 8\nts: .quad 0, 0\nts2: .quad 0, 0",
      { clockHz: 1e9 },
    );
    expect([r.res(0), r.res(1), r.res(2), r.res(3)]).toEqual([0, 0, -EINVAL, -EFAULT]);
    const ns1 = Number(r.q("ts", 8));
    const ns2 = Number(r.q("ts2", 8));
    expect(r.q("ts")).toBe(0n);
    expect(ns1).toBeGreaterThan(0);
    expect(ns2).toBeGreaterThan(ns1);
    expect(ns2).toBeLessThan(r.m.cpu.cycles);
  });
});

describe("exit", () => {
  it("exit_group sets the exit status (low 8 bits)", () => {
    const ran = runProgram(`_start:\nmovq $${NR.exit_group}, %rax\nmovq $0x1ff, %rdi\nsyscall\nud2`);
    expect(ran.t.exitCode).toBe(0xff);
    expect(ran.t.killedBy).toBeNull();
  });

  it("unimplemented syscalls return ENOSYS", () => {
    const r = run([{ nr: NR.mount, args: ["p", "p"] }, { nr: NR.sync }], 'p: .asciz "/tmp/x"');
    expect([r.res(0), r.res(1)]).toEqual([-ENOSYS, -ENOSYS]);
  });

  it("a user fault kills only that task (SIGSEGV) and the machine carries on", () => {
    const m = Machine.boot();
    const bad = m.createTask({ name: "bad", image: userImage("_start:\nmovq 0x10, %rax\n") });
    const good = m.createTask({ name: "good", image: userImage(callsProgram([{ nr: NR.getpid }])) });
    const r = m.run();
    expect(r.reason).toBe("exited");
    expect(bad.killedBy).toBe(11);
    expect(bad.fault?.vector).toBe(14);
    expect(good.exitCode).toBe(0);
  });
});
