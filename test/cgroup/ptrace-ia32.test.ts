// The ptrace design judges an `int $0x80` call by its i386 number (through the compat table), not as if it were
// an x86_64 number: i386 getpid is 20, which on x86_64 is writev.
import { describe, expect, it } from "vitest";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { ENOSYS, EPERM } from "../../src/kernel/errno.ts";
import { NR_IA32 } from "../../src/kernel/syscall-names-i386-3.1.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { EXIT, result, runProgram } from "../kernel/user-program.ts";

const int80 = (nr: number, i: number) => `movl $${nr}, %eax\nint $0x80\nmovq %rax, results+${8 * i}(%rip)`;
const prog = (nrs: number[]) =>
  `_start:\n${nrs.map(int80).join("\n")}\n${EXIT(0)}\n.align 8\nresults: .zero 256\n`;

function run(deny: number[], nrs: number[]) {
  return runProgram(prog(nrs), { design: getDesign("ptrace"), deniedErrno: EPERM }, (t, m) => {
    const api = new CgroupHostApi(m);
    expect(api.mkdir("/box")).toBe(0);
    for (const nr of deny) expect(api.write("/box/syscalls.deny", nr)).toBe(0);
    api.move(t, "/box");
  });
}

describe("ptrace: int $0x80 calls by the i386 table", () => {
  it("an i386 getpid (20) is denied when the cgroup denies getpid, not when it denies writev (x86_64 20)", () => {
    expect(NR_IA32.getpid).toBe(20);
    expect(NR.writev).toBe(20);
    const denyGetpid = run([NR.getpid], [NR_IA32.getpid, NR_IA32.gettid]);
    expect(denyGetpid.t.exitCode).toBe(0);
    expect(result(denyGetpid, 0)).toBe(-EPERM);
    expect(result(denyGetpid, 1)).toBe(denyGetpid.t.pid);
    const denyWritev = run([NR.writev], [NR_IA32.getpid]);
    expect(result(denyWritev, 0)).toBe(denyWritev.t.pid);
  });

  it("i386 calls x86_64 lacks (waitpid) are denied to a restricted task; out-of-table numbers get the kernel's ENOSYS", () => {
    const r = run([NR.reboot], [NR_IA32.waitpid, 400]);
    expect(result(r, 0)).toBe(-EPERM);
    expect(result(r, 1)).toBe(-ENOSYS);
  });
});
