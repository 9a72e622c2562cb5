import { Machine } from "../kernel/machine.js";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.js";
import { TIF_NAMES } from "../kernel/tif.js";
import { getWorkload } from "../workload/index.js";
const TIF_BY_NAME = Object.fromEntries(Object.entries(TIF_NAMES).map(([bit, name]) => [name, Number(bit)]));
const EXIT_GROUP = 231;
/** Short names accepted by --tif for the bits a syscall-path study sets by hand. */
const TIF_SHORT = {
    audit: "TIF_SYSCALL_AUDIT",
    trace: "TIF_SYSCALL_TRACE",
    emu: "TIF_SYSCALL_EMU",
    seccomp: "TIF_SECCOMP",
    singlestep: "TIF_SINGLESTEP",
    tracepoint: "TIF_SYSCALL_TRACEPOINT",
    need_resched: "TIF_NEED_RESCHED",
    notify_resume: "TIF_NOTIFY_RESUME",
    iret: "TIF_IRET",
};
export function resolveTif(name) {
    const key = name.trim().toLowerCase();
    const full = TIF_SHORT[key] ?? `TIF_${key.toUpperCase().replace(/^TIF_/, "")}`;
    const bit = TIF_BY_NAME[full];
    if (bit === undefined) {
        throw new Error(`unknown TIF flag '${name}' (known: ${Object.keys(TIF_SHORT).join(", ")}, or any TIF_* name of Linux 3.1)`);
    }
    return { name: full, bit };
}
/** Boots a fresh machine, runs one workload task to completion, and reports exact cycle accounting. */
export function runWorkload(opts) {
    const workload = getWorkload(opts.workload);
    const gap = opts.gap ?? 0;
    const tifs = (opts.tif ?? []).map(resolveTif);
    const image = workload.build({ count: opts.count, gap });
    const machine = Machine.boot({ costs: opts.profile.costs, natives: opts.profile.natives });
    const task = machine.createTask({ name: workload.name, image });
    for (const t of tifs)
        task.tif.set(t.bit);
    const result = machine.run({ maxInstructions: Number.MAX_SAFE_INTEGER });
    if (result.reason === "fault")
        throw new Error(`the machine stopped: ${machine.oops ?? result.stop.kind}`);
    const a = task.acct;
    const syscalls = a.syscalls;
    const calls = [...a.perSyscall]
        .filter(([nr]) => nr !== EXIT_GROUP)
        .sort(([x], [y]) => x - y)
        .map(([nr, e]) => ({ nr, name: SYSCALL_NAMES_X86_64_3_1[nr] ?? `nr ${nr}`, ...e }));
    const loopCalls = calls.reduce((n, c) => n + c.calls, 0);
    const loopSys = calls.reduce((n, c) => n + c.sysCycles, 0);
    const loopCycles = calls.reduce((n, c) => n + c.cycles, 0);
    return {
        workload: workload.name,
        profile: opts.profile.name,
        count: opts.count,
        gap,
        tif: tifs.map((t) => t.name),
        syscalls,
        userCycles: a.userCycles,
        sysCycles: a.sysCycles,
        totalCycles: a.userCycles + a.sysCycles,
        instret: a.instret,
        calls,
        sysCyclesPerCall: loopCalls ? loopSys / loopCalls : 0,
        cyclesPerCall: loopCalls ? loopCycles / loopCalls : 0,
        paths: { ...a.paths },
        exitCode: task.exitCode,
        killedBy: task.killedBy,
        stdout: machine.stdout,
    };
}
//# sourceMappingURL=run-workload.js.map