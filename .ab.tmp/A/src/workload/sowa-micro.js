import { buildSyscallLoop } from "./user-program.js";
/**
 * The micro-benchmarks of Łukasz Sowa's syscalls-cgroup patch (repo `tests/performance`): getuid, setuid,
 * chdir and read loops. One iteration here makes one call of each; setuid(0) as root succeeds, chdir("/tmp")
 * walks one path component, read(0, buf, 1) reads the empty stdin and returns 0.
 */
export const sowaMicroWorkload = {
    name: "sowa-micro",
    description: 'getuid, setuid(0), chdir("/tmp"), read(0, buf, 1) per iteration (Sowa 2011 micro-benchmarks)',
    syscallsPerIteration: ["getuid", "setuid", "chdir", "read"],
    build: (opts) => buildSyscallLoop([
        { nr: 102, name: "getuid" },
        { nr: 105, name: "setuid", args: "xorl %edi, %edi" },
        { nr: 80, name: "chdir", args: "leaq tmp_path(%rip), %rdi" },
        {
            nr: 0,
            name: "read",
            args: "xorl %edi, %edi\nleaq -64(%rsp), %rsi\nmovl $1, %edx",
        },
    ], opts, 'tmp_path:\n  .ascii "/tmp\\0"'),
};
//# sourceMappingURL=sowa-micro.js.map