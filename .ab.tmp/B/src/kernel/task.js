import { TI_flags } from "./thread-info.js";
export class Task {
    pid;
    tid;
    tgid;
    name;
    parent;
    /** the task's address space (user half its own, kernel half shared) */
    space;
    /** linear address of struct thread_info (= bottom of the kernel stack) */
    threadInfo;
    taskStruct;
    /** top of the 8 KiB kernel stack; per-cpu kernel_stack = stackTop - KERNEL_STACK_OFFSET */
    stackTop;
    state = "runnable";
    exitCode = null;
    killedBy = null;
    creds;
    umask = 0o022;
    cwd;
    files;
    /** mm->start_brk / mm->brk */
    startBrk;
    brk;
    /** thread.usersp: the user RSP saved from per-cpu old_rsp at a switch */
    usersp = 0;
    fsBase = 0;
    /** thread.sp: the kernel RSP saved at a switch (points at the switch frame) */
    threadSp = 0;
    /** RAX the task sees when it is switched back in (sched_yield's return value) */
    resumeRax = 0;
    seccompMode = 0;
    acct = {
        userCycles: 0,
        sysCycles: 0,
        instret: 0,
        syscalls: 0,
        paths: { fast: 0, audit: 0, trace: 0, badsys: 0, sysret: 0, iret: 0 },
        perSyscall: new Map(),
    };
    audit = [];
    /** records dropped from audit, stops and tracepoints (each keeps its newest RECORD_LOG_CAP entries) */
    droppedRecords = { count: 0 };
    auditContext = null;
    tracer = null;
    stops = [];
    /** syscall tracepoint hits (sys_enter / sys_exit), when TIF_SYSCALL_TRACEPOINT is set */
    tracepoints = [];
    /** signals sent by the host (Task.kill), delivered by do_notify_resume */
    pendingSignals = [];
    /** the user-mode fault that killed the task, if one did */
    fault = null;
    /** set until the first return to user mode (ret_from_fork), which the path counters skip */
    forkReturnPending = true;
    /** set by the auditsys probe so the system_call_fastpath probe does not count the call as fast */
    viaAudit = false;
    /** per-syscall accounting: the open call (see TaskAccounting.perSyscall) */
    openSyscall = null;
    /** Adds the open syscall to perSyscall; call with acct up to date (Scheduler.account()). */
    closeSyscall() {
        const o = this.openSyscall;
        if (o === null)
            return;
        this.openSyscall = null;
        const sys = this.acct.sysCycles - o.startSys;
        let e = this.acct.perSyscall.get(o.nr);
        if (e === undefined) {
            e = { calls: 0, sysCycles: 0, cycles: 0, instret: 0 };
            this.acct.perSyscall.set(o.nr, e);
        }
        e.calls++;
        e.sysCycles += sys;
        e.cycles += sys + o.syscallCost;
        e.instret += this.acct.instret - o.startInstret + 1;
    }
    tif;
    constructor(init) {
        this.pid = init.pid;
        this.tid = init.pid;
        this.tgid = init.pid;
        this.name = init.name;
        this.parent = init.parent;
        this.space = init.space;
        this.threadInfo = init.threadInfo;
        this.taskStruct = init.taskStruct;
        this.stackTop = init.stackTop;
        this.creds = { ...init.creds };
        this.files = init.files;
        this.cwd = init.cwd;
        this.startBrk = init.brk;
        this.brk = init.brk;
        // TI_flags is in a kernel data page (never code, never remapped): read and write its frame directly.
        const view = init.kspace.phys.view;
        const pa = init.kspace.physAddr(init.threadInfo + TI_flags);
        const bitOk = (bit) => {
            if (!Number.isInteger(bit) || bit < 0 || bit > 31)
                throw new Error(`TIF bit ${bit} out of range 0..31`);
        };
        this.tif = {
            get: () => view.getUint32(pa, true),
            set: (bit) => {
                bitOk(bit);
                view.setUint32(pa, (view.getUint32(pa, true) | (1 << bit)) >>> 0, true);
            },
            clear: (bit) => {
                bitOk(bit);
                view.setUint32(pa, (view.getUint32(pa, true) & ~(1 << bit)) >>> 0, true);
            },
            test: (bit) => ((view.getUint32(pa, true) >>> bit) & 1) === 1,
        };
    }
    get exited() {
        return this.state === "exited";
    }
}
//# sourceMappingURL=task.js.map