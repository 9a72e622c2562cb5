import { buildSyscallLoop } from "./user-program.js";
/** lmbench's "null syscall": getppid() in a loop, the cheapest call that cannot be cached in user space. */
export const nullWorkload = {
    name: "null",
    description: "getppid() in a loop (lmbench lat_syscall null)",
    syscallsPerIteration: ["getppid"],
    build: (opts) => buildSyscallLoop([{ nr: 110, name: "getppid" }], opts),
};
//# sourceMappingURL=null.js.map