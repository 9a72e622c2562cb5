import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel/machine.ts";
import type { Task } from "../../src/kernel/task.ts";
import { TIF_SYSCALL_TRACE } from "../../src/kernel/tif.ts";
import { callsProgram, result, runProgram } from "./user-program.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const HELLO = readFileSync(`${FIX}bin/hello.musl`);
const HELLO_OUT = readFileSync(`${FIX}expected/hello.musl.stdout`, "utf8");

const withFiles = (t: Task, m: Machine) => {
  m.vfs.addFile("/bin/hello", new Uint8Array(HELLO));
  m.vfs.addFile("/bin/script", new TextEncoder().encode("#!/bin/sh\necho hi\n"));
  m.vfs.addFile("/input", new TextEncoder().encode("x"));
  m.vfs.addFile("/bin/text", new TextEncoder().encode("neither ELF nor #!\n"));
  m.vfs.addFile("/bin/hello-script", new TextEncoder().encode("#!/bin/hello\n"));
  void t;
};

const DATA = `
hello: .asciz "/bin/hello"
script: .asciz "/bin/script"
text: .asciz "/bin/text"
hscript: .asciz "/bin/hello-script"
missing: .asciz "/bin/missing"
tmp: .asciz "/tmp"
devnull: .asciz "/dev/null"
notdir: .asciz "/input/x"
input: .asciz "/input"
.align 8
argv: .quad hello, 0
badargv: .quad hello, 0x10, 0
`;

describe("execve (59)", () => {
  it("fails with the kernel's errors and leaves the caller running", () => {
    const calls = [
      { nr: 59, args: ["missing", "argv", 0] },
      { nr: 59, args: ["tmp", "argv", 0] },
      { nr: 59, args: ["devnull", "argv", 0] },
      { nr: 59, args: ["script", "argv", 0] }, // #!/bin/sh, which this VFS has not: ENOENT
      { nr: 59, args: ["text", "argv", 0] },
      { nr: 59, args: ["notdir", "argv", 0] },
      { nr: 59, args: [0x10, "argv", 0] },
      { nr: 59, args: ["hello", "badargv", 0] },
      { nr: 59, args: ["hello", 0x10, 0] },
    ];
    const ran = runProgram(callsProgram(calls, DATA), {}, withFiles);
    expect(ran.t.exitCode).toBe(0);
    expect(calls.map((_, i) => result(ran, i))).toEqual([-2, -13, -13, -2, -8, -20, -14, -14, -14]);
  });

  it("replaces the image with a fixture from the VFS: its output, same pid, returns 0 by IRET", () => {
    const stops: { nr: number; ret?: bigint }[] = [];
    const prog = callsProgram([{ nr: 59, args: ["hello", "argv", 0] }], DATA);
    const ran = runProgram(prog, {}, (t, m) => {
      withFiles(t, m);
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (s) => {
        if (s.nr === 59) stops.push({ nr: s.nr, ...(s.ret !== undefined ? { ret: s.ret } : {}) });
        return undefined;
      };
    });
    expect(ran.m.stdout).toBe(HELLO_OUT);
    expect(ran.t.exitCode).toBe(0);
    expect(ran.m.tasks.length).toBe(1);
    expect(stops).toEqual([{ nr: 59 }, { nr: 59, ret: 0n }]);
  });

  it("a #! script runs its interpreter (binfmt_script): the interpreter's output, execve returns 0", () => {
    const ran = runProgram(callsProgram([{ nr: 59, args: ["hscript", "argv", 0] }], DATA), {}, withFiles);
    expect(ran.m.stdout).toBe(HELLO_OUT);
    expect(ran.t.exitCode).toBe(0);
  });

  it("closes FD_CLOEXEC descriptors and keeps the others", () => {
    let fdsAfter: number[] = [];
    const rets: bigint[] = [];
    const prog = callsProgram(
      [
        { nr: 2, args: ["input", 0o2000000, 0] }, // open O_CLOEXEC → 3
        { nr: 2, args: ["input", 0, 0] }, // → 4
        { nr: 72, args: [4, 1, 0] }, // fcntl(F_GETFD) → 0
        { nr: 72, args: [3, 1, 0] }, // → FD_CLOEXEC
        { nr: 59, args: ["hello", "argv", 0] },
      ],
      DATA,
    );
    const ran = runProgram(prog, {}, (t, m) => {
      withFiles(t, m);
      t.tif.set(TIF_SYSCALL_TRACE);
      t.tracer = (s, task) => {
        if (s.kind === "exit" && s.nr === 59) fdsAfter = [...task.files.fds.keys()].sort();
        else if (s.kind === "exit" && (s.nr === 2 || s.nr === 72)) rets.push(s.ret!);
        return undefined;
      };
    });
    // (the old image, results included, is gone after the exec: the tracer saw the returns)
    expect(rets).toEqual([3n, 4n, 0n, 1n]);
    expect(fdsAfter).toEqual([0, 1, 2, 4]);
    expect(ran.m.stdout).toBe(HELLO_OUT);
  });

  it("is deterministic", () => {
    const once = () => {
      const ran = runProgram(callsProgram([{ nr: 59, args: ["hello", "argv", 0] }], DATA), {}, withFiles);
      return [ran.r.cycles, ran.r.instructions, ran.m.stdout];
    };
    expect(once()).toEqual(once());
  });

  it("boots a machine without the file: ENOENT", () => {
    const m = Machine.boot();
    expect(m.vfs.node("/bin/hello")).toBeUndefined();
  });
});
