// One x86-64 logical processor: architectural state, the host API, and the glue between MMU, decoder and
// interpreter. The fast loop itself is in interpreter.ts.
import { hex, isCanonical, joinU64, linearToBigInt, splitU64, toLinear } from "./address.js";
import { DecodedInsns, Op } from "./decoded.js";
import { decodeInsn, MAX_INSN_LENGTH, specialize, TRUNCATED } from "./decoder.js";
import { GP, PF_VEC } from "./exceptions.js";
import { FAULT, newFaultState, raise } from "./fault.js";
import { FL_NONE, LF_LENGTH, LF_OP, lazyCF, lazyStatus } from "./flags.js";
import { INSN_CLASS_INDEX, INSN_CLASSES, UNIT_COSTS } from "./insn-class.js";
import { execute } from "./interpreter.js";
import { deliverException } from "./interrupts.js";
import { ACC_FETCH, Mmu } from "./mmu.js";
import { readMsrValue, writeMsrValue } from "./msr-access.js";
import { CS, SS } from "./registers.js";
import { CF, STATUS_FLAGS } from "./rflags.js";
/** Decoded-instruction cache: direct-mapped on the physical address; the extra last slot is scratch (uncached). */
export const ICACHE_SLOTS = 1 << 15;
export const ICACHE_MASK = ICACHE_SLOTS - 1;
export const SCRATCH_SLOT = ICACHE_SLOTS;
/** Link-only slot used to resume at the scratch copy of a probed instruction. */
export const PROBE_TRAMPOLINE_SLOT = ICACHE_SLOTS + 1;
/** Selector of a 64-bit kernel code segment loaded by interrupt/exception delivery through a gate. */
export const DEFAULT_KERNEL_CS = 0x10;
export class Cpu {
    id;
    /** regs[2*r] = low 32 bits, regs[2*r+1] = high 32 bits of GPR r. */
    regs = new Int32Array(32);
    /** Sign-extended canonical RIP. */
    rip = 0;
    /** RFLAGS word; its status bits are stale while lf[LF_OP] !== FL_NONE. */
    flags = 2;
    lf = new Int32Array(LF_LENGTH);
    _cpl = 0;
    /** Selectors, indexed ES..GS (registers.ts). */
    sreg = new Uint16Array(6);
    fsBase = 0;
    gsBase = 0;
    kernelGsBase = 0;
    _efer = 0;
    /** IA32_STAR as two halves (bits 63:32 hold the SYSRET and SYSCALL selector bases). */
    starLo = 0;
    starHi = 0;
    lstar = 0;
    cstar = 0;
    fmask = 0;
    /** Other MSRs kept only so that WRMSR/RDMSR round-trip (TSC_AUX, SYSENTER_*). */
    otherMsrs = new Map();
    cr2 = 0;
    _cr3;
    cr8 = 0;
    spaces = new Map();
    mmu;
    fault = newFaultState();
    icache = new DecodedInsns(ICACHE_SLOTS + 2);
    // accounting
    cycles = 0;
    userCycles = 0;
    sysCycles = 0;
    instret = 0;
    lastInsnClass = 0;
    lastInsnCycles = 0;
    costs = UNIT_COSTS;
    /** cycles per class, indexed by INSN_CLASS_INDEX */
    classCost = new Float64Array(INSN_CLASSES.length);
    // natives
    natives = new Map();
    nativeList = [];
    redirected = false;
    /** Host probes: called just before the instruction at the address executes (no cost, no state change). */
    probes = new Map();
    // interrupt delivery
    /** IDT: handler address per vector (NaN: no gate). */
    gateAddr = new Float64Array(256).fill(Number.NaN);
    gateDpl = new Uint8Array(256);
    /** RSP loaded when an interrupt or exception moves from CPL 3 to CPL 0 (TSS.RSP0). */
    tssRsp0 = 0;
    kernelCodeSelector = DEFAULT_KERNEL_CS;
    /** Code selectors the kernel declared as 32-bit (no GDT is modelled): IRETQ to them enters compatibility mode. */
    compatCodeSelectors = new Set([0x23]);
    /** In compatibility mode (after SYSRET without REX.W or IRETQ to a 32-bit selector): run() refuses to execute. */
    compatMode = false;
    exceptionHandler = null;
    stopRequest = null;
    /** Set by an instruction that ends run() (HLT, a native's requestStop); consumed by the interpreter. */
    exit = null;
    /** Set by a REP string instruction that stopped after a chunk and must resume at the same RIP. */
    repPending = false;
    /** CPUID / scratch */
    scratch = new Int32Array(4);
    fetchBuf = new Uint8Array(MAX_INSN_LENGTH + 1);
    constructor(opts) {
        this.id = opts.id ?? 0;
        this.mmu = new Mmu(opts.space, this.fault);
        this._cr3 = opts.space.cr3;
        this.registerSpace(opts.space);
        this.efer = (1 << 8) | (1 << 10) | (1 << 11); // LME | LMA | NXE; SCE is clear until the kernel sets it
        this.sreg[CS] = DEFAULT_KERNEL_CS;
        this.sreg[SS] = DEFAULT_KERNEL_CS + 8;
        this.setCosts(opts.costs ?? UNIT_COSTS);
    }
    // ---- registers ----
    getReg(r) {
        checkReg(r);
        return joinU64(this.regs[2 * r], this.regs[2 * r + 1]);
    }
    setReg(r, v) {
        checkReg(r);
        splitU64(v, this.regs, 2 * r);
    }
    getRip() {
        return linearToBigInt(this.rip);
    }
    setRip(v) {
        this.rip = toLinear(v);
    }
    get cpl() {
        return this._cpl;
    }
    set cpl(v) {
        if (v !== 0 && v !== 3)
            throw new Error(`cpl must be 0 or 3, got ${v}`);
        this._cpl = v;
        this.sreg[CS] = (this.sreg[CS] & ~3) | v;
        this.mmu.setUser(v === 3);
    }
    /** RFLAGS with the lazy status flags materialised; bit 1 always reads 1. */
    getRflags() {
        if (this.lf[LF_OP] !== FL_NONE) {
            this.flags = (this.flags & ~STATUS_FLAGS) | lazyStatus(this.lf);
            this.lf[LF_OP] = FL_NONE;
        }
        return this.flags | 2;
    }
    setRflags(v) {
        this.flags = (v & 0x3f7fd7) | 2;
        this.lf[LF_OP] = FL_NONE;
    }
    getCF() {
        return this.lf[LF_OP] !== FL_NONE ? lazyCF(this.lf) : this.flags & CF;
    }
    // ---- MSRs, control registers ----
    /** IA32_EFER; LME and LMA always read 1 (the CPU only runs in IA-32e mode). NXE controls NX enforcement. */
    get efer() {
        return this._efer;
    }
    set efer(v) {
        this._efer = v | (1 << 8) | (1 << 10);
        this.mmu.nxe = (v & (1 << 11)) !== 0;
        this.mmu.flush();
    }
    get star() {
        return joinU64(this.starLo, this.starHi);
    }
    set star(v) {
        const t = new Int32Array(2);
        splitU64(v, t, 0);
        this.starLo = t[0];
        this.starHi = t[1];
    }
    readMsr(msr) {
        const v = readMsrValue(this, msr);
        if (v === null)
            throw new Error(`readMsr: unknown MSR 0x${msr.toString(16)}`);
        return v;
    }
    writeMsr(msr, v) {
        const err = writeMsrValue(this, msr, BigInt.asUintN(64, v));
        if (err !== null)
            throw new Error(`writeMsr 0x${msr.toString(16)}: ${err}`);
    }
    get cr3() {
        return this._cr3;
    }
    set cr3(v) {
        const space = this.spaces.get(v);
        if (space === undefined)
            throw new Error(`cr3 0x${v.toString(16)} names no registered AddressSpace`);
        this.switchSpace(space);
    }
    get space() {
        return this.mmu.space;
    }
    set space(s) {
        this.registerSpace(s);
        this.switchSpace(s);
    }
    /** Space a CR3 value names (exact value, else with the low 12 flag bits cleared), or undefined. */
    spaceFor(cr3) {
        return this.spaces.get(cr3) ?? this.spaces.get(cr3 - (cr3 % 4096));
    }
    switchSpace(space) {
        this._cr3 = space.cr3;
        this.mmu.setSpace(space);
    }
    registerSpace(space) {
        if (space.phys !== this.mmu.phys)
            throw new Error("registerSpace: space uses a different PhysicalMemory");
        const known = this.spaces.get(space.cr3);
        if (known !== undefined && known !== space)
            throw new Error(`cr3 0x${space.cr3.toString(16)} is already taken`);
        if (known === undefined) {
            this.spaces.set(space.cr3, space);
            space.onChange.add((s) => {
                if (s === this.mmu.space)
                    this.mmu.flush();
            });
        }
    }
    // ---- accounting ----
    setCosts(costs) {
        this.costs = costs;
        for (const c of INSN_CLASSES) {
            const v = costs.classes[c];
            if (typeof v !== "number" || !Number.isFinite(v))
                throw new Error(`cost table lacks class "${c}"`);
            this.classCost[INSN_CLASS_INDEX[c]] = v;
        }
        this.icache.clear();
        this.mmu.voidLinks();
    }
    /** Adds work-dependent cycles (from a native), attributed by the current CPL. */
    charge(cycles) {
        this.cycles += cycles;
        if (this._cpl === 3)
            this.userCycles += cycles;
        else
            this.sysCycles += cycles;
        this.lastInsnCycles += cycles;
    }
    /** Folds the interpreter's local counters into the architectural ones. */
    addCounters(user, sys, insns) {
        this.userCycles += user;
        this.sysCycles += sys;
        this.cycles += user + sys;
        this.instret += insns;
    }
    // ---- natives ----
    registerNative(addr, name, fn, cost) {
        const a = toLinear(addr);
        if (this.natives.has(a))
            throw new Error(`a native is already registered at ${hex(a)}`);
        if (!Number.isFinite(cost) || cost < 0)
            throw new Error(`native ${name}: bad cost ${cost}`);
        const e = { addr: a, name, fn, cost };
        this.natives.set(a, e);
        this.nativeList.push(e);
        this.icache.clear();
        this.mmu.voidLinks();
    }
    addProbe(addr, fn) {
        const a = toLinear(addr);
        const list = this.probes.get(a);
        if (list === undefined)
            this.probes.set(a, [fn]);
        else
            list.push(fn);
        this.icache.clear();
        this.mmu.voidLinks();
    }
    /** Removes one probe function at addr, or all of them when fn is omitted. */
    removeProbe(addr, fn) {
        const a = toLinear(addr);
        const list = this.probes.get(a);
        if (list === undefined)
            return;
        const rest = fn === undefined ? [] : list.filter((f) => f !== fn);
        if (rest.length === 0)
            this.probes.delete(a);
        else
            this.probes.set(a, rest);
        this.icache.clear();
        this.mmu.voidLinks();
    }
    /** Runs the probes at rip (from the interpreter). */
    runProbes(rip) {
        const list = this.probes.get(rip);
        if (list === undefined)
            return;
        for (const f of list)
            f(this);
    }
    /** Called by a native that transfers control itself: no RET (and no clobbering) follows it. */
    redirect(rip) {
        this.rip = toLinear(rip);
        this.redirected = true;
    }
    nativeRedirected() {
        return this.redirected;
    }
    // ---- interrupts ----
    /** Installs an IDT gate (64-bit interrupt gate: IF is cleared on entry). */
    setGate(vector, handler, dpl = 0) {
        if (!Number.isInteger(vector) || vector < 0 || vector > 255)
            throw new Error(`bad vector ${vector}`);
        if (dpl !== 0 && dpl !== 3)
            throw new Error(`gate dpl must be 0 or 3, got ${dpl}`);
        this.gateAddr[vector] = toLinear(handler);
        this.gateDpl[vector] = dpl;
    }
    clearGate(vector) {
        this.gateAddr[vector] = Number.NaN;
    }
    setExceptionHandler(h) {
        this.exceptionHandler = h;
    }
    // ---- control ----
    run(maxInstructions) {
        if (!(maxInstructions >= 0))
            throw new Error(`run: bad instruction budget ${maxInstructions}`);
        return execute(this, maxInstructions);
    }
    step() {
        const c0 = this.cycles;
        const r = execute(this, 1);
        this.lastInsnCycles = this.cycles - c0;
        return r.kind === "budget" ? null : r;
    }
    requestStop(reason) {
        this.stopRequest = reason;
    }
    /** Consumes a pending stop request. */
    takeStop() {
        const r = this.stopRequest;
        if (r === null)
            return null;
        this.stopRequest = null;
        return { kind: "stop", reason: r };
    }
    // ---- fetch and decode (slow paths of the interpreter) ----
    /** Slot for the instruction at rip after a fetch-page change: translates (or finds a native at an unmapped address). */
    fetchSlow(rip) {
        const mmu = this.mmu;
        const pa0 = mmu.probe(rip, ACC_FETCH);
        if (pa0 < 0) {
            const nat = this.natives.get(rip);
            if (nat !== undefined)
                return this.nativeSlot(SCRATCH_SLOT, nat, rip);
        }
        const pa = mmu.translate(rip, ACC_FETCH);
        const off = rip & 4095;
        mmu.fetchVpn = (rip - off) / 4096;
        mmu.fetchPa = pa - off;
        const s = (pa ^ (pa >>> 15)) & ICACHE_MASK;
        const d = this.icache;
        if (d.tag[s] === pa && d.gen[s] === mmu.phys.codeGen[pa >>> 12])
            return s;
        return this.decodeAt(rip, pa, s);
    }
    /** Decodes the instruction at rip (physical pa) into slot s, or into the scratch slot when it crosses a page. */
    decodeAt(rip, pa, s) {
        const d = this.icache;
        const mmu = this.mmu;
        const nat = this.natives.get(rip);
        const frame = pa >>> 12;
        // Evicting a live entry voids the links into slot s (a stale or cleared entry's links are void already). The
        // slot stays untagged until its decode succeeds.
        const old = d.tag[s];
        if (old !== -1 && old !== pa)
            mmu.voidLinks();
        d.tag[s] = -1;
        if (nat !== undefined) {
            this.nativeSlot(s, nat, rip);
            d.tag[s] = pa;
            d.gen[s] = mmu.phys.codeGen[frame];
            mmu.phys.markCode(frame);
            return s;
        }
        const buf = this.fetchBuf;
        const inPage = 4096 - (pa & 4095);
        let n = Math.min(MAX_INSN_LENGTH, inPage);
        buf.set(mmu.bytes.subarray(pa, pa + n), 0);
        if (n < MAX_INSN_LENGTH) {
            const pa2 = mmu.probe(rip + inPage, ACC_FETCH);
            if (pa2 >= 0) {
                const m = MAX_INSN_LENGTH - n;
                buf.set(mmu.bytes.subarray(pa2, pa2 + m), n);
                n += m;
            }
        }
        try {
            decodeInsn(buf, n, d, s);
        }
        catch (e) {
            if (e !== TRUNCATED)
                throw e;
            if (n < MAX_INSN_LENGTH)
                mmu.translate(rip + inPage, ACC_FETCH); // raises the #PF (with I) of the next page
            raise(this.fault, GP, 0, `instruction at ${hex(rip)} is longer than 15 bytes`);
        }
        specialize(d, s);
        if (this.probes.size !== 0 && this.probes.has(rip)) {
            d.probeOp[s] = d.op[s];
            d.op[s] = Op.PROBE;
        }
        d.addr[s] = rip;
        d.cost[s] = this.classCost[d.cls[s]] + d.loads[s] * this.costs.load + d.stores[s] * this.costs.store;
        if (d.len[s] > inPage) {
            // Crosses into the next page: keep it uncached (two frames would have to be watched); slot s stays empty.
            if (s !== SCRATCH_SLOT) {
                decodeInsn(buf, n, d, SCRATCH_SLOT);
                specialize(d, SCRATCH_SLOT);
                if (d.op[s] === Op.PROBE) {
                    d.probeOp[SCRATCH_SLOT] = d.op[SCRATCH_SLOT];
                    d.op[SCRATCH_SLOT] = Op.PROBE;
                }
                d.addr[SCRATCH_SLOT] = rip;
                d.cost[SCRATCH_SLOT] = d.cost[s];
            }
            d.tag[SCRATCH_SLOT] = -1;
            return SCRATCH_SLOT;
        }
        d.tag[s] = pa;
        d.gen[s] = mmu.phys.codeGen[frame];
        mmu.phys.markCode(frame);
        return s;
    }
    nativeSlot(s, nat, rip) {
        const d = this.icache;
        d.op[s] = Op.NATIVE;
        d.len[s] = 0;
        d.immLo[s] = this.nativeList.indexOf(nat);
        d.addr[s] = rip;
        d.cls[s] = INSN_CLASS_INDEX.native;
        d.loads[s] = 0;
        d.stores[s] = 1;
        d.cost[s] = this.classCost[INSN_CLASS_INDEX.native] + nat.cost;
        d.tag[s] = -1;
        return s;
    }
    /** Bytes of the instruction at rip for diagnostics ("0f 0b"), as far as they are fetchable. */
    bytesAt(rip, len) {
        const out = [];
        for (let i = 0; i < len; i++) {
            const pa = this.mmu.probe(rip + i, ACC_FETCH);
            if (pa < 0 || !isCanonical(rip + i))
                break;
            out.push(this.mmu.bytes[pa].toString(16).padStart(2, "0"));
        }
        return out.join(" ");
    }
    /** Delivers an exception or software interrupt (interrupts.ts); returns a stop reason when nothing handles it. */
    deliver(vector, errorCode, faultRip, insnRip, detail, soft) {
        if (vector === PF_VEC)
            this.cr2 = this.fault.cr2;
        return deliverException(this, vector, errorCode, faultRip, insnRip, detail, soft);
    }
}
function checkReg(r) {
    if (!Number.isInteger(r) || r < 0 || r > 15)
        throw new Error(`bad register number ${r}`);
}
export { FAULT };
//# sourceMappingURL=cpu.js.map