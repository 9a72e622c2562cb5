// The machine: physical memory, one CPU, the kernel image (linux-3.1 entry code + native stubs), its data
// (sys_call_table, per-cpu area), tasks and the run loop. Boot follows Linux 3.1's syscall_init(); tasks start
// through ret_from_fork. See docs/kernel.md for the layouts.
import { toLinear } from "../cpu/address.js";
import { Cpu } from "../cpu/cpu.js";
import { EXCEPTION_NAMES } from "../cpu/exceptions.js";
import { INSN_CLASS_INDEX } from "../cpu/insn-class.js";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_NX, PTE_U, PTE_W } from "../cpu/memory.js";
import { EFER_LMA, EFER_LME, EFER_NX, EFER_SCE, MSR_CSTAR, MSR_EFER, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_STAR, MSR_SYSCALL_MASK, } from "../cpu/msr.js";
import { RAX, CS as SREG_CS, SS as SREG_SS } from "../cpu/registers.js";
import { FIXED1, IF } from "../cpu/rflags.js";
import { Assembler } from "../entry/assembler.js";
import { symbolize } from "../entry/disassembler.js";
import { LINUX31_EXTERNS, linux31EntryText } from "../entry/linux-3.1.js";
import { linux31AsmOffsets } from "./asm-offsets.js";
import { DESIGN_DATA_BASE, KERNEL_DATA_BASE, KERNEL_TEXT_BASE, KHEAP_BASE, KHEAP_SIZE, KSTACK_BASE, KSTACK_SLOT, PERCPU_BASE, USER_STACK_SIZE, USER_STACK_TOP, } from "./layout.js";
import { DEFAULT_NATIVE_COSTS, NATIVE_NAMES, nativeCost } from "./native-costs.js";
import { NATIVES, SYSCALL_IMPLS } from "./natives.js";
import { PERCPU_cpu_number, PERCPU_this_cpu_off } from "./percpu.js";
import * as P from "./pt-regs.js";
import { enterKernelMode, Scheduler, SWITCH_FRAME_RET, SWITCH_FRAME_RFLAGS, SWITCH_FRAME_SIZE, } from "./sched.js";
import { __KERNEL_CS, __KERNEL_DS, __USER_CS, __USER_DS, STAR_VALUE, SYSCALL_MASK_VALUE } from "./segment.js";
import { SYSCALL_NAMES_X86_64_3_1 } from "./syscall-names-x86_64-3.1.js";
import { Task } from "./task.js";
import { TASK_RUNNING, TASK_STRUCT_SIZE, TSK_pid, TSK_stack, TSK_state, TSK_tgid } from "./task-struct.js";
import { TASK_SIZE_MAX, THREAD_SIZE, TI_addr_limit, TI_cpu, TI_flags, TI_task } from "./thread-info.js";
import { _TIF_FORK, _TIF_SYSCALL_AUDIT, _TIF_WORK_SYSCALL_ENTRY, TIF_NEED_RESCHED, TIF_SIGPENDING, } from "./tif.js";
import { FdTable, Vfs } from "./vfs.js";
export const DEFAULT_CLOCK_HZ = 3.4e9;
const SIGNAL_FOR_VECTOR = {
    0: 8,
    1: 5,
    3: 5,
    6: 4,
    13: 11,
    14: 11,
    12: 11,
};
/** Assembled kernel texts by source and symbols: boots with the same entry options share one assembly. */
const textCache = new Map();
function assembleKernelText(text, symbols) {
    const key = `${text}\u0000${[...symbols].map(([k, v]) => `${k}=${v}`).join(",")}`;
    let a = textCache.get(key);
    if (a === undefined) {
        a = new Assembler({ base: KERNEL_TEXT_BASE, symbols }).asm(text).assemble();
        if (textCache.size >= 32)
            textCache.clear();
        textCache.set(key, a);
    }
    return a;
}
const pageUp = (n) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
export class Machine {
    phys;
    /** init_mm: the kernel half every task space shares */
    kspace;
    cpus;
    cpu;
    kernelText;
    designData;
    symbols;
    costs;
    clockHz;
    vfs = new Vfs();
    tasks = [];
    sched;
    /** linear address of CPU 0's per-cpu area (its GS base in the kernel) */
    percpu;
    /** the message of a kernel-mode fault, when one stopped the machine */
    oops = null;
    regions = [];
    spaces = [];
    outChunks = { stdout: [], stderr: [] };
    stdinBuf;
    stdinPos = 0;
    nextPid = 1;
    kheapNext = KHEAP_BASE;
    kheapMapped = KHEAP_BASE;
    inNative = false;
    static boot(opts = {}) {
        return new Machine(opts);
    }
    constructor(opts) {
        if ((opts.cpus ?? 1) !== 1)
            throw new Error("Machine.boot: only cpus: 1 is supported");
        this.costs = { ...DEFAULT_NATIVE_COSTS, ...(opts.natives ?? {}) };
        this.clockHz = opts.clockHz ?? DEFAULT_CLOCK_HZ;
        if (!(this.clockHz > 0))
            throw new Error(`Machine.boot: bad clockHz ${this.clockHz}`);
        this.stdinBuf =
            typeof opts.stdin === "string" ? Buffer.from(opts.stdin, "utf8") : (opts.stdin ?? new Uint8Array());
        this.phys =
            opts.memoryBytes !== undefined
                ? new PhysicalMemory({ maxBytes: opts.memoryBytes })
                : new PhysicalMemory();
        this.kspace = new AddressSpace(this.phys, this.phys.allocFrame());
        // Kernel data first: its addresses are fixed, so the text can refer to them.
        const asmSyms = linux31AsmOffsets();
        const nrEntries = SYSCALL_NAMES_X86_64_3_1.length;
        asmSyms.set("sys_call_table", BigInt(KERNEL_DATA_BASE));
        this.addKernelRegion(KERNEL_DATA_BASE, pageUp(nrEntries * 8), PTE_W | PTE_NX);
        this.percpu = PERCPU_BASE;
        this.addKernelRegion(PERCPU_BASE, PAGE_SIZE, PTE_W | PTE_NX);
        this.kspace.write64(PERCPU_BASE + PERCPU_this_cpu_off, BigInt.asUintN(64, BigInt(PERCPU_BASE)));
        this.kspace.write64(PERCPU_BASE + PERCPU_cpu_number, 0n);
        const entry = opts.entry ?? {};
        this.designData = null;
        if (entry.extraData !== undefined && entry.extraData.trim() !== "") {
            const d = new Assembler({ base: DESIGN_DATA_BASE, symbols: asmSyms }).asm(entry.extraData).assemble();
            this.addKernelRegion(DESIGN_DATA_BASE, pageUp(Math.max(d.bytes.length, 1)), PTE_W | PTE_NX);
            if (d.bytes.length > 0)
                this.kspace.writeBytes(DESIGN_DATA_BASE, d.bytes);
            for (const [k, v] of d.labels)
                asmSyms.set(k, v);
            this.designData = d;
        }
        // Kernel text: the entry code, one stub per native (its label is the native's address), the idle loop.
        const natives = NATIVE_NAMES.map((n) => `\t.align 16\n${n}:\n\tud2`).join("\n");
        const text = `${linux31EntryText(entry)}# natives (C functions of Linux, run by the host)\n${natives}\n\t.align 16\ncpu_idle:\n\tcli\n\thlt\n\tjmp cpu_idle\n`;
        this.kernelText = assembleKernelText(text, asmSyms);
        const kt = this.kernelText;
        this.addKernelRegion(KERNEL_TEXT_BASE, pageUp(kt.bytes.length), 0); // supervisor, read-only, executable
        this.kspace.writeBytes(KERNEL_TEXT_BASE, kt.bytes);
        const symbols = new Map(asmSyms);
        for (const [k, v] of kt.symbols)
            symbols.set(k, v);
        this.symbols = symbols;
        for (const e of LINUX31_EXTERNS)
            if (!symbols.has(e))
                throw new Error(`kernel symbol ${e} missing`);
        // sys_call_table: every entry sys_ni_syscall unless implemented.
        const table = new DataView(new ArrayBuffer(nrEntries * 8));
        SYSCALL_NAMES_X86_64_3_1.forEach((name, nr) => {
            const impl = SYSCALL_IMPLS[name] ?? "sys_ni_syscall";
            table.setBigUint64(nr * 8, BigInt.asUintN(64, BigInt(this.sym(impl))), true);
        });
        this.kspace.writeBytes(KERNEL_DATA_BASE, new Uint8Array(table.buffer));
        // The CPU, as syscall_init() leaves it.
        const cpu = opts.costs !== undefined
            ? new Cpu({ space: this.kspace, costs: opts.costs, id: 0 })
            : new Cpu({ space: this.kspace, id: 0 });
        this.cpu = cpu;
        this.cpus = [cpu];
        cpu.writeMsr(MSR_EFER, BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
        cpu.writeMsr(MSR_STAR, STAR_VALUE);
        cpu.writeMsr(MSR_LSTAR, BigInt.asUintN(64, BigInt(this.sym("system_call"))));
        cpu.writeMsr(MSR_CSTAR, BigInt.asUintN(64, BigInt(this.sym("ignore_sysret"))));
        cpu.writeMsr(MSR_SYSCALL_MASK, BigInt(SYSCALL_MASK_VALUE));
        cpu.writeMsr(MSR_GS_BASE, BigInt.asUintN(64, BigInt(PERCPU_BASE)));
        cpu.writeMsr(MSR_KERNEL_GS_BASE, 0n);
        cpu.cpl = 0;
        cpu.sreg[SREG_CS] = __KERNEL_CS;
        cpu.sreg[SREG_SS] = __KERNEL_DS;
        cpu.setRflags(FIXED1);
        this.sched = new Scheduler(cpu, this.tasks, PERCPU_BASE, () => this.charge("context_switch"));
        for (const name of NATIVE_NAMES) {
            const fn = NATIVES[name];
            cpu.registerNative(this.sym(name), name, (c) => {
                this.inNative = true;
                try {
                    return fn(this, c);
                }
                finally {
                    this.inNative = false;
                }
            }, nativeCost(this.costs, name));
        }
        cpu.setExceptionHandler((c, vector, _err, faultRip, detail) => this.onException(c, vector, faultRip, detail));
        this.installProbes();
    }
    /** Address of a kernel symbol as a number; Error if unknown. */
    sym(name) {
        const v = this.symbols?.get(name) ?? this.kernelText?.symbols.get(name);
        if (v === undefined)
            throw new Error(`unknown kernel symbol '${name}'`);
        return Number(BigInt.asIntN(64, v));
    }
    // ---- KernelContext ----
    current() {
        const t = this.sched.current;
        if (t === null)
            throw new Error("no current task");
        return t;
    }
    charge(name, units = 1) {
        const c = Math.round(nativeCost(this.costs, name) * units);
        if (c > 0)
            this.cpu.charge(c);
    }
    output(stream, bytes) {
        this.outChunks[stream].push(bytes.slice());
    }
    input(n) {
        const out = this.stdinBuf.subarray(this.stdinPos, this.stdinPos + Math.max(0, n));
        this.stdinPos += out.length;
        return out.slice();
    }
    doExit(code, signal) {
        const t = this.current();
        this.charge("do_exit");
        this.sched.account();
        t.closeSyscall();
        if (signal === null)
            t.exitCode = code;
        else
            t.killedBy = signal;
        for (const fd of [...t.files.fds.keys()])
            t.files.close(fd);
        this.sched.retire(t);
        const next = this.sched.pickNext(t);
        if (next !== null) {
            this.sched.loadContext(next, this.inNative);
            return;
        }
        this.sched.current = null;
        const idle = this.sym("cpu_idle");
        if (this.inNative) {
            this.cpu.redirect(idle);
        }
        else {
            enterKernelMode(this.cpu, this.percpu);
            this.cpu.rip = idle;
        }
        this.cpu.setRflags(FIXED1);
    }
    scheduleFromNative(resumeRax) {
        return this.sched.schedule(resumeRax, true);
    }
    get stdout() {
        return Buffer.concat(this.outChunks.stdout).toString("utf8");
    }
    get stderr() {
        return Buffer.concat(this.outChunks.stderr).toString("utf8");
    }
    // ---- tasks ----
    /** A new user task at CPL 3, runnable; its first return to user mode goes through ret_from_fork (SYSRET). */
    createTask(opts) {
        const base = toLinear(opts.image.base);
        const entry = toLinear(opts.image.entry);
        const len = opts.image.bytes.length;
        if (base < 0 || base % PAGE_SIZE !== 0)
            throw new Error("createTask: image.base must be a page-aligned user address");
        if (len === 0)
            throw new Error("createTask: empty image");
        if (base + pageUp(len) > USER_STACK_TOP - USER_STACK_SIZE)
            throw new Error("createTask: image overlaps the stack");
        if (entry < base || entry >= base + len)
            throw new Error("createTask: entry outside the image");
        const pid = this.nextPid++;
        const slot = KSTACK_BASE + (pid - 1) * KSTACK_SLOT;
        const space = new AddressSpace(this.phys, this.phys.allocFrame());
        for (const r of this.regions)
            space.mapShared(r.vaddr, r.length, r.flags, this.kspace);
        this.spaces.push(space);
        this.cpu.registerSpace(space);
        // The image is writable and executable (programs keep their data next to their code).
        space.map(base, pageUp(len), PTE_U | PTE_W);
        space.writeBytes(base, opts.image.bytes);
        space.map(USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_U | PTE_W | PTE_NX);
        const stackBase = slot + KSTACK_SLOT - THREAD_SIZE;
        this.addKernelRegion(stackBase, THREAD_SIZE, PTE_W | PTE_NX);
        const stackTop = stackBase + THREAD_SIZE;
        const taskStruct = this.kmalloc(TASK_STRUCT_SIZE);
        const ks = this.kspace;
        const w64 = (a, v) => ks.write64(a, BigInt.asUintN(64, BigInt(v)));
        const parent = opts.parent ?? null;
        const uid = opts.uid ?? parent?.creds.uid ?? 0;
        const gid = opts.gid ?? parent?.creds.gid ?? 0;
        const creds = { uid, euid: uid, suid: uid, fsuid: uid, gid, egid: gid };
        const task = new Task({
            pid,
            name: opts.name,
            parent,
            kspace: ks,
            space,
            threadInfo: stackBase,
            taskStruct,
            stackTop,
            creds,
            files: parent !== null ? parent.files.clone() : FdTable.standard(),
            cwd: parent?.cwd ?? "/",
            brk: pageUp(base + len),
        });
        // task_struct and thread_info
        ks.write32(taskStruct + TSK_state, TASK_RUNNING);
        w64(taskStruct + TSK_stack, stackBase);
        ks.write32(taskStruct + TSK_pid, pid);
        ks.write32(taskStruct + TSK_tgid, pid);
        w64(stackBase + TI_task, taskStruct);
        ks.write32(stackBase + TI_flags, _TIF_FORK);
        ks.write32(stackBase + TI_cpu, 0);
        w64(stackBase + TI_addr_limit, TASK_SIZE_MAX);
        // The child's pt_regs at the stack top (as copy_thread leaves it) and a switch frame into ret_from_fork.
        const userRsp = USER_STACK_TOP - 64; // argc = 0, argv/envp/auxv empty (zeroed stack)
        const regs = stackTop - P.PT_REGS_SIZE;
        w64(regs + P.RIP, entry);
        w64(regs + P.CS, __USER_CS);
        w64(regs + P.EFLAGS, IF | FIXED1);
        w64(regs + P.RSP, userRsp);
        w64(regs + P.SS, __USER_DS);
        w64(regs + P.R11, IF | FIXED1);
        w64(regs + P.ORIG_RAX, -1);
        const sp = regs - SWITCH_FRAME_SIZE;
        w64(sp + SWITCH_FRAME_RFLAGS, FIXED1);
        w64(sp + SWITCH_FRAME_RET, this.sym("ret_from_fork"));
        task.threadSp = sp;
        task.usersp = userRsp;
        this.tasks.push(task);
        return task;
    }
    /** Send a signal: it is delivered (default action: terminate) by do_notify_resume on the way to user mode. */
    kill(task, sig) {
        task.pendingSignals.push(sig);
        task.tif.set(TIF_SIGPENDING);
    }
    /** kmalloc: kernel heap memory (supervisor, writable, NX), zeroed, visible in every address space. */
    kmalloc(size, align = 16) {
        const at = Math.ceil(this.kheapNext / align) * align;
        const end = at + size;
        if (end > KHEAP_BASE + KHEAP_SIZE)
            throw new Error("kmalloc: kernel heap exhausted");
        if (end > this.kheapMapped) {
            const grow = pageUp(end - this.kheapMapped);
            this.addKernelRegion(this.kheapMapped, grow, PTE_W | PTE_NX);
            this.kheapMapped += grow;
        }
        this.kheapNext = end;
        return at;
    }
    // ---- running ----
    run(opts = {}) {
        const cpu = this.cpu;
        const startInstret = cpu.instret;
        const startCycles = cpu.cycles;
        const budget = opts.maxInstructions ?? 100_000_000;
        const tick = opts.tickInstructions;
        const result = (reason, stop) => {
            this.sched.account();
            return { reason, stop, instructions: cpu.instret - startInstret, cycles: cpu.cycles - startCycles };
        };
        if (this.oops !== null)
            return result("fault", { kind: "stop", reason: this.oops });
        if (this.sched.current === null) {
            const first = this.sched.pickNext(null);
            if (first === null)
                return result("exited", { kind: "stop", reason: "no runnable task" });
            this.sched.loadContext(first, false);
        }
        for (;;) {
            const left = budget - (cpu.instret - startInstret);
            if (left <= 0)
                return result("budget", { kind: "budget" });
            const r = cpu.run(tick !== undefined && tick > 0 ? Math.min(tick, left) : left);
            switch (r.kind) {
                case "budget":
                    if (tick !== undefined && this.sched.current !== null)
                        this.sched.current.tif.set(TIF_NEED_RESCHED);
                    continue;
                case "hlt":
                    return result(this.sched.current === null ? "exited" : "stopped", r);
                case "stop":
                    if (this.oops !== null)
                        return result("fault", r);
                    return result(this.sched.current === null ? "exited" : "stopped", r);
                case "fault":
                    this.oops = `unhandled ${EXCEPTION_NAMES[r.vector] ?? r.vector} at 0x${r.rip.toString(16)}: ${r.detail}`;
                    return result("fault", r);
            }
        }
    }
    /** A fault at CPL 3 kills the task with the matching signal; at CPL 0 it is an oops that stops the machine. */
    onException(cpu, vector, faultRip, detail) {
        const t = this.sched.current;
        if (cpu.cpl === 3 && t !== null) {
            t.fault = { vector, rip: faultRip, detail };
            this.doExit(0, SIGNAL_FOR_VECTOR[vector] ?? 11);
            return;
        }
        const where = symbolize(BigInt.asUintN(64, BigInt(faultRip)), this.kernelText.labels);
        this.oops = `kernel ${EXCEPTION_NAMES[vector] ?? `vector ${vector}`} at ${where || faultRip}: ${detail}`;
        cpu.requestStop(this.oops);
    }
    addKernelRegion(vaddr, length, flags) {
        this.kspace.map(vaddr, length, flags);
        this.regions.push({ vaddr, length, flags });
        for (const s of this.spaces)
            s.mapShared(vaddr, length, flags, this.kspace);
    }
    /** Path and return-instruction counters, read off the entry code with CPU probes (no guest instructions). */
    installProbes() {
        const cpu = this.cpu;
        const cur = () => this.sched.current;
        const auditOnly = _TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT;
        // SYSCALL has no memory operand, so its cost is exactly its class cost.
        const syscallCost = cpu.classCost[INSN_CLASS_INDEX.syscall];
        cpu.addProbe(this.sym("system_call"), () => {
            const t = cur();
            if (t !== null) {
                t.acct.syscalls++;
                t.viaAudit = false;
                this.sched.account();
                t.closeSyscall();
                t.openSyscall = {
                    nr: Number(BigInt.asIntN(64, cpu.getReg(RAX))),
                    startSys: t.acct.sysCycles,
                    startInstret: t.acct.instret,
                    syscallCost,
                };
            }
        });
        cpu.addProbe(this.sym("tracesys"), () => {
            const t = cur();
            if (t !== null && t.tif.get() & auditOnly)
                t.acct.paths.trace++;
        });
        cpu.addProbe(this.sym("auditsys"), () => {
            const t = cur();
            if (t !== null) {
                t.acct.paths.audit++;
                t.viaAudit = true;
            }
        });
        cpu.addProbe(this.sym("system_call_fastpath"), () => {
            const t = cur();
            if (t === null)
                return;
            if (t.viaAudit)
                t.viaAudit = false;
            else
                t.acct.paths.fast++;
        });
        cpu.addProbe(this.sym("badsys"), () => {
            const t = cur();
            if (t !== null)
                t.acct.paths.badsys++;
        });
        const ret = (kind) => () => {
            const t = cur();
            if (t === null)
                return;
            if (t.forkReturnPending)
                t.forkReturnPending = false;
            else
                t.acct.paths[kind]++;
        };
        cpu.addProbe(this.sysretAddress(), ret("sysret"));
        cpu.addProbe(this.sym("irq_return"), ret("iret"));
    }
    /** The `sysretq` of USERGS_SYSRET64 in sysret_check (3.1 has no label there). */
    sysretAddress() {
        const from = this.kernelText.labels.get("sysret_check");
        const line = this.kernelText.lines.find((l) => l.addr >= from && /^\s*sysretq\b/.test(l.text));
        if (line === undefined)
            throw new Error("sysretq not found after sysret_check");
        return Number(BigInt.asIntN(64, line.addr));
    }
}
//# sourceMappingURL=machine.js.map