import { buildSyscallLoop } from "./user-program.js";
/** UnixBench `syscall` in its default "mix" mode: close(dup(0)); getpid(); getuid(); umask(022). */
export const unixbenchSyscallWorkload = {
    name: "unixbench-syscall",
    description: "close(dup(0)), getpid(), getuid(), umask(022) per iteration (UnixBench syscall, mix mode)",
    syscallsPerIteration: ["dup", "close", "getpid", "getuid", "umask"],
    build: (opts) => buildSyscallLoop([
        { nr: 32, name: "dup", args: "xorl %edi, %edi", after: "movq %rax, %rbx" },
        { nr: 3, name: "close", args: "movq %rbx, %rdi" },
        { nr: 39, name: "getpid" },
        { nr: 102, name: "getuid" },
        { nr: 95, name: "umask", args: "movl $0x12, %edi" },
    ], opts),
};
//# sourceMappingURL=unixbench-syscall.js.map