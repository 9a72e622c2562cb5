// cgroupfs driven by guest programs with ordinary syscalls.
import { describe, expect, it } from "vitest";
import { cgroupComposedDesign } from "../../src/cgroup/designs/cgroup-composed.ts";
import {
  EACCES,
  EBADF,
  EBUSY,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOSYS,
  ENOTDIR,
  EPERM,
  ERANGE,
  ESRCH,
} from "../../src/kernel/errno.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { type Call, callsProgram, result, runProgram } from "../kernel/user-program.ts";

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const AT_FDCWD = -100;
const CG = "/sys/fs/cgroup/syscalls";

const strings = (s: Record<string, string>) =>
  Object.entries(s)
    .map(([k, v]) => `${k}: .asciz "${v}"`)
    .join("\n");

describe("a guest program configures its cgroup through cgroupfs", () => {
  it("mkdir, open, write deny and its own pid to tasks, close: then getppid returns -ENOSYS", () => {
    const calls: Call[] = [
      { nr: NR.mkdir, args: ["jail", 0o755] },
      { nr: NR.open, args: ["deny", O_WRONLY] },
      { nr: NR.write, args: [3, "n110", 4] },
      { nr: NR.close, args: [3] },
      { nr: NR.openat, args: [AT_FDCWD, "tasks", O_WRONLY] },
      { nr: NR.write, args: [3, "pid1", 1] },
      { nr: NR.close, args: [3] },
      { nr: NR.getppid },
      { nr: NR.getpid },
      { nr: NR.open, args: ["deny", O_RDONLY] },
      { nr: NR.read, args: [3, "buf", 64] },
      { nr: NR.read, args: [3, "buf2", 64] },
      { nr: NR.close, args: [3] },
    ];
    const data = `${strings({
      jail: `${CG}/jail`,
      deny: `${CG}/jail/syscalls.deny`,
      tasks: `${CG}/jail/tasks`,
      n110: "110\\n",
      pid1: "1",
    })}\nbuf: .zero 64\nbuf2: .zero 64\n`;
    const ran = runProgram(callsProgram(calls, data), { design: cgroupComposedDesign() });
    expect(ran.r.reason).toBe("exited");
    expect(ran.t.exitCode).toBe(0);
    expect(calls.map((_, i) => result(ran, i))).toEqual([0, 3, 4, 0, 3, 1, 0, -ENOSYS, 1, 3, 4, 0, 0]);
    expect(Buffer.from(ran.t.space.readBytes(ran.sym("buf"), 4)).toString()).toBe("110\n");
    expect(ran.m.hierarchy.lookup("/jail")!.deniedList()).toEqual([110]);
  });

  it("errors as Linux: EEXIST, ENOENT, ENOTDIR, EISDIR, EBADF, EFAULT, EINVAL, ERANGE, EPERM, EBUSY, ESRCH", () => {
    const calls: Call[] = [
      { nr: NR.mkdir, args: ["a", 0o755] }, // 0
      { nr: NR.mkdir, args: ["a", 0o755] }, // EEXIST
      { nr: NR.mkdir, args: ["nob", 0o755] }, // ENOENT (no parent)
      { nr: NR.mkdir, args: [0x10, 0o755] }, // EFAULT
      { nr: NR.open, args: ["nof", O_RDONLY] }, // ENOENT
      { nr: NR.open, args: ["tasksx", O_RDONLY] }, // ENOTDIR
      { nr: NR.open, args: ["a", O_WRONLY] }, // EISDIR
      { nr: NR.open, args: ["nof", O_WRONLY | O_CREAT] }, // EACCES: cgroupfs cannot create files
      { nr: NR.write, args: [7, "num", 1] }, // EBADF
      { nr: NR.open, args: ["adeny", O_WRONLY] }, // 3
      { nr: NR.write, args: [3, "abc", 3] }, // EINVAL
      { nr: NR.write, args: [3, "big", 3] }, // ERANGE (310)
      { nr: NR.write, args: [3, "num", 2] }, // "39" ok
      { nr: NR.close, args: [3] },
      { nr: NR.mkdir, args: ["ab", 0o755] }, // /a/b copies the deny
      { nr: NR.open, args: ["aballow", O_WRONLY] }, // 3
      { nr: NR.write, args: [3, "num", 2] }, // EPERM: /a denies 39
      { nr: NR.close, args: [3] },
      { nr: NR.rmdir, args: ["a"] }, // EBUSY: has a child
      { nr: NR.rmdir, args: ["cg"] }, // EBUSY: the mount point
      { nr: NR.rmdir, args: ["atasks"] }, // ENOTDIR
      { nr: NR.open, args: ["atasks", O_WRONLY] }, // 3
      { nr: NR.write, args: [3, "p77", 2] }, // ESRCH
      { nr: NR.close, args: [3] },
      { nr: NR.rmdir, args: ["ab"] }, // 0
      { nr: NR.rmdir, args: ["a"] }, // 0
      { nr: NR.rmdir, args: ["a"] }, // ENOENT
      { nr: NR.read, args: [3, "num", 1] }, // EBADF (closed)
    ];
    const data = strings({
      a: `${CG}/a`,
      ab: `${CG}/a/b`,
      nob: `${CG}/x/y`,
      nof: `${CG}/nothing`,
      tasksx: `${CG}/tasks/x`,
      adeny: `${CG}/a/syscalls.deny`,
      aballow: `${CG}/a/b/syscalls.allow`,
      atasks: `${CG}/a/tasks`,
      cg: CG,
      abc: "abc",
      big: "310",
      num: "39",
      p77: "77",
    });
    const ran = runProgram(callsProgram(calls, data));
    expect(ran.t.exitCode).toBe(0);
    expect(calls.map((_, i) => result(ran, i))).toEqual([
      0,
      -EEXIST,
      -ENOENT,
      -EFAULT,
      -ENOENT,
      -ENOTDIR,
      -EISDIR,
      -EACCES,
      -EBADF,
      3,
      -EINVAL,
      -ERANGE,
      2,
      0,
      0,
      3,
      -EPERM,
      0,
      -EBUSY,
      -EBUSY,
      -ENOTDIR,
      3,
      -ESRCH,
      0,
      0,
      0,
      -ENOENT,
      -EBADF,
    ]);
  });

  it("a non-root task may read but not write or mkdir (EACCES); openat relative to a directory fd", () => {
    const calls: Call[] = [
      { nr: NR.open, args: ["cg", O_RDONLY | 0o200000] }, // 3: the mount root, O_DIRECTORY
      { nr: NR.openat, args: [3, "rel", O_RDONLY] }, // 4
      { nr: NR.read, args: [4, "buf", 8] }, // "\n": nothing denied
      { nr: NR.openat, args: [3, "rel", O_WRONLY] }, // EACCES
      { nr: NR.openat, args: [9, "rel", O_RDONLY] }, // EBADF
      { nr: NR.openat, args: [4, "rel", O_RDONLY] }, // ENOTDIR
      { nr: NR.mkdir, args: ["a", 0o755] }, // EACCES
    ];
    const data = `${strings({ cg: CG, rel: "syscalls.deny", a: `${CG}/a` })}\nbuf: .zero 8\n`;
    const ran = runProgram(callsProgram(calls, data), {}, (t) => {
      t.creds = { uid: 1000, euid: 1000, suid: 1000, fsuid: 1000, gid: 0, egid: 0 };
    });
    expect(calls.map((_, i) => result(ran, i))).toEqual([3, 4, 1, -EACCES, -EBADF, -ENOTDIR, -EACCES]);
  });

  it("mkdir and rmdir of plain directories outside cgroupfs", () => {
    const calls: Call[] = [
      { nr: NR.mkdir, args: ["d", 0o755] },
      { nr: NR.mkdir, args: ["dd", 0o755] },
      { nr: NR.rmdir, args: ["d"] }, // ENOTEMPTY
      { nr: NR.rmdir, args: ["dd"] },
      { nr: NR.rmdir, args: ["d"] },
      { nr: NR.mkdir, args: ["sys", 0o755] }, // EPERM: sysfs has no mkdir
      { nr: NR.rmdir, args: ["nul"] }, // ENOTDIR
    ];
    const data = strings({ d: "/tmp/d", dd: "/tmp/d/e", sys: "/sys/kernel", nul: "/dev/null" });
    const ran = runProgram(callsProgram(calls, data));
    expect(calls.map((_, i) => result(ran, i))).toEqual([0, 0, -39, 0, 0, -EPERM, -ENOTDIR]);
  });
});
