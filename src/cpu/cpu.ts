// One x86-64 logical processor: architectural state, the host API, and the glue between MMU, decoder and
// interpreter. The fast loop itself is in interpreter.ts.
import { hex, isCanonical, joinU64, linearToBigInt, splitU64, toLinear } from "./address.ts";
import { DecodedInsns, Op } from "./decoded.ts";
import { decodeInsn, MAX_INSN_LENGTH, specialize, TRUNCATED } from "./decoder.ts";
import { GP, PF_VEC } from "./exceptions.ts";
import { FAULT, type FaultState, newFaultState, raise } from "./fault.ts";
import { FL_NONE, LF_LENGTH, LF_OP, lazyCF, lazyStatus } from "./flags.ts";
import { type CostTable, INSN_CLASS_INDEX, INSN_CLASSES, UNIT_COSTS } from "./insn-class.ts";
import { execute } from "./interpreter.ts";
import { deliverException } from "./interrupts.ts";
import { defaultEngine, type Engine } from "./jit/engine.ts";
import { executeJit, JitCache } from "./jit/jit-engine.ts";
import type { AddressSpace, SpaceChangeListener } from "./memory.ts";
import { ACC_FETCH, Mmu } from "./mmu.ts";
import { readMsrValue, writeMsrValue } from "./msr-access.ts";
import type { Native, NativeEntry } from "./natives.ts";
import { CS, SS } from "./registers.ts";
import { CF, STATUS_FLAGS } from "./rflags.ts";
import { BlockTable, blockEnds, MAX_BLOCK_INSNS } from "./timing/block-table.ts";
import { BranchPredictor } from "./timing/branch-predictor.ts";
import { BlockPricer } from "./timing/timing-model.ts";

export type { Native } from "./natives.ts";

export type StopReason =
  | { kind: "hlt"; rip: bigint }
  | { kind: "budget" }
  | { kind: "stop"; reason: string }
  | { kind: "fault"; vector: number; errorCode: number; rip: bigint; detail: string };

export type ExceptionHandler = (
  cpu: Cpu,
  vector: number,
  errorCode: number,
  faultRip: number,
  detail: string,
) => void;

/** Decoded-instruction cache: direct-mapped on the physical address; the extra last slot is scratch (uncached). */
export const ICACHE_SLOTS = 1 << 15;
export const ICACHE_MASK = ICACHE_SLOTS - 1;
export const SCRATCH_SLOT = ICACHE_SLOTS;

/** Selector of a 64-bit kernel code segment loaded by interrupt/exception delivery through a gate. */
export const DEFAULT_KERNEL_CS = 0x10;

export class Cpu {
  readonly id: number;
  /** regs[2*r] = low 32 bits, regs[2*r+1] = high 32 bits of GPR r. */
  readonly regs = new Int32Array(32);
  /** XMM0–XMM15: xmm[4r..4r+3] are the dwords of register r, least significant first. */
  readonly xmm = new Int32Array(64);
  /** The same bytes as xmm (little-endian host): xmmB[16r + i] is byte i of XMM r, xmmW[8r + i] word i. */
  readonly xmmB = new Uint8Array(this.xmm.buffer);
  readonly xmmW = new Uint16Array(this.xmm.buffer);
  /** MXCSR: all exceptions masked, round to nearest at reset (SDM Vol. 1 §10.2.3.1). */
  mxcsr = 0x1f80;
  /**
   * x87 physical registers R0–R7 (x87.ts): sign/exponent word and 64-bit significand. MMX register i is the
   * significand of R_i (mmx.ts). FCW, FSW without TOP, TOP, and the abridged tag (bit r set: R_r in use).
   */
  readonly fpSe = new Uint16Array(8);
  readonly fpSig = new BigUint64Array(8);
  fcw = 0x037f;
  fsw = 0;
  fpTop = 0;
  fpTags = 0;
  /** Sign-extended canonical RIP. */
  rip = 0;
  /** RFLAGS word; its status bits are stale while lf[LF_OP] !== FL_NONE. */
  flags = 2;
  readonly lf = new Int32Array(LF_LENGTH);
  private _cpl = 0;
  /** Selectors, indexed ES..GS (registers.ts). */
  readonly sreg = new Uint16Array(6);
  fsBase = 0;
  gsBase = 0;
  kernelGsBase = 0;
  private _efer = 0;
  /** IA32_STAR as two halves (bits 63:32 hold the SYSRET and SYSCALL selector bases). */
  starLo = 0;
  starHi = 0;
  lstar = 0;
  cstar = 0;
  fmask = 0;
  /** Other MSRs kept only so that WRMSR/RDMSR round-trip (TSC_AUX, SYSENTER_*). */
  readonly otherMsrs = new Map<number, bigint>();
  cr2 = 0;
  private _cr3: number;
  cr8 = 0;
  private readonly spaces = new Map<number, AddressSpace>();
  private readonly spaceListeners = new Map<AddressSpace, SpaceChangeListener>();
  readonly mmu: Mmu;
  readonly fault: FaultState = newFaultState();
  readonly icache = new DecodedInsns(ICACHE_SLOTS + 1);

  // accounting
  cycles = 0;
  userCycles = 0;
  sysCycles = 0;
  instret = 0;
  lastInsnClass = 0;
  lastInsnCycles = 0;
  costs: CostTable = UNIT_COSTS;
  /** cycles per class, indexed by INSN_CLASS_INDEX */
  readonly classCost = new Float64Array(INSN_CLASSES.length);
  /** priced basic blocks (src/cpu/timing): the interpreter charges each instruction its block position's cost */
  readonly blocks = new BlockTable(ICACHE_SLOTS + 1);
  pricer!: BlockPricer;
  /** branch prediction state of the "ooo" timing model (mispredictions are charged dynamically) */
  readonly predictor = new BranchPredictor(ICACHE_SLOTS + 1);
  /** mispredicted branches so far (each charged the model's penalty) */
  mispredicts = 0;
  /** where run() left a block part-way (an instruction budget): resumed if the next run starts at resumePc */
  blockResumePc = Number.NaN;
  blockResumePos = -1;
  blockResumeEnd = 0;
  blockResumeEpoch = -1;
  /** run()'s engine: the interpreter or the block JIT (src/cpu/jit); step() always interprets */
  engine: Engine = defaultEngine();
  /** the block JIT's compiled blocks */
  readonly jit = new JitCache();

  // natives
  readonly natives = new Map<number, NativeEntry>();
  readonly nativeList: NativeEntry[] = [];
  redirected = false;

  /** Host probes: called just before the instruction at the address executes (no cost, no state change). */
  readonly probes = new Map<number, ((cpu: Cpu) => void)[]>();

  // interrupt delivery
  /** IDT: handler address per vector (NaN: no gate). */
  readonly gateAddr = new Float64Array(256).fill(Number.NaN);
  readonly gateDpl = new Uint8Array(256);
  /** RSP loaded when an interrupt or exception moves from CPL 3 to CPL 0 (TSS.RSP0). */
  tssRsp0 = 0;
  kernelCodeSelector = DEFAULT_KERNEL_CS;
  /** Code selectors the kernel declared as 32-bit (no GDT is modelled): IRETQ to them enters compatibility mode. */
  compatCodeSelectors = new Set<number>([0x23]);
  /** In compatibility mode (after SYSRET without REX.W or IRETQ to a 32-bit selector): run() refuses to execute. */
  compatMode = false;
  exceptionHandler: ExceptionHandler | null = null;
  stopRequest: string | null = null;
  /** Set by an instruction that ends run() (HLT, a native's requestStop); consumed by the interpreter. */
  exit: StopReason | null = null;
  /** Set by a REP string instruction that stopped after a chunk and must resume at the same RIP. */
  repPending = false;

  /** CPUID / scratch */
  readonly scratch = new Int32Array(4);
  /**
   * CPUID answers with vendor GenuineIntel, which a distribution's libc.so.6 needs before it reads the feature bits
   * (cpuid.ts withBaselineClaims); every feature bit is the normal answer. Off by default; `exec --root` sets it.
   */
  cpuidBaselineClaims = false;
  readonly fetchBuf = new Uint8Array(MAX_INSN_LENGTH + 1);

  constructor(opts: { space: AddressSpace; costs?: CostTable; id?: number }) {
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
  getReg(r: number): bigint {
    checkReg(r);
    return joinU64(this.regs[2 * r]!, this.regs[2 * r + 1]!);
  }
  setReg(r: number, v: bigint | number): void {
    checkReg(r);
    splitU64(v, this.regs, 2 * r);
  }
  /** XMM register r as an unsigned 128-bit value. */
  getXmm(r: number): bigint {
    let v = 0n;
    for (let i = 3; i >= 0; i--) v = (v << 32n) | BigInt(this.xmm[4 * r + i]! >>> 0);
    return v;
  }
  setXmm(r: number, v: bigint): void {
    const u = BigInt.asUintN(128, v);
    for (let i = 0; i < 4; i++) this.xmm[4 * r + i] = Number(BigInt.asIntN(32, u >> BigInt(32 * i)));
  }

  getRip(): bigint {
    return linearToBigInt(this.rip);
  }
  setRip(v: bigint | number): void {
    this.rip = toLinear(v);
  }

  get cpl(): number {
    return this._cpl;
  }
  set cpl(v: number) {
    if (v !== 0 && v !== 3) throw new Error(`cpl must be 0 or 3, got ${v}`);
    this._cpl = v;
    this.sreg[CS] = (this.sreg[CS]! & ~3) | v;
    this.mmu.setUser(v === 3);
  }

  /** RFLAGS with the lazy status flags materialised; bit 1 always reads 1. */
  getRflags(): number {
    if (this.lf[LF_OP] !== FL_NONE) {
      this.flags = (this.flags & ~STATUS_FLAGS) | lazyStatus(this.lf);
      this.lf[LF_OP] = FL_NONE;
    }
    return this.flags | 2;
  }
  setRflags(v: number): void {
    this.flags = (v & 0x3f7fd7) | 2;
    this.lf[LF_OP] = FL_NONE;
  }
  getCF(): number {
    return this.lf[LF_OP] !== FL_NONE ? lazyCF(this.lf) : this.flags & CF;
  }

  // ---- MSRs, control registers ----
  /** IA32_EFER; LME and LMA always read 1 (the CPU only runs in IA-32e mode). NXE controls NX enforcement. */
  get efer(): number {
    return this._efer;
  }
  set efer(v: number) {
    this._efer = v | (1 << 8) | (1 << 10);
    this.mmu.nxe = (v & (1 << 11)) !== 0;
    this.mmu.flush();
  }
  get star(): bigint {
    return joinU64(this.starLo, this.starHi);
  }
  set star(v: bigint) {
    const t = new Int32Array(2);
    splitU64(v, t, 0);
    this.starLo = t[0]!;
    this.starHi = t[1]!;
  }
  readMsr(msr: number): bigint {
    const v = readMsrValue(this, msr);
    if (v === null) throw new Error(`readMsr: unknown MSR 0x${msr.toString(16)}`);
    return v;
  }
  writeMsr(msr: number, v: bigint): void {
    const err = writeMsrValue(this, msr, BigInt.asUintN(64, v));
    if (err !== null) throw new Error(`writeMsr 0x${msr.toString(16)}: ${err}`);
  }

  get cr3(): number {
    return this._cr3;
  }
  set cr3(v: number) {
    const space = this.spaces.get(v);
    if (space === undefined) throw new Error(`cr3 0x${v.toString(16)} names no registered AddressSpace`);
    this.switchSpace(space);
  }
  get space(): AddressSpace {
    return this.mmu.space;
  }
  set space(s: AddressSpace) {
    this.registerSpace(s);
    this.switchSpace(s);
  }
  /** Space a CR3 value names (exact value, else with the low 12 flag bits cleared), or undefined. */
  spaceFor(cr3: number): AddressSpace | undefined {
    return this.spaces.get(cr3) ?? this.spaces.get(cr3 - (cr3 % 4096));
  }
  switchSpace(space: AddressSpace): void {
    this._cr3 = space.cr3;
    this.mmu.setSpace(space);
  }
  registerSpace(space: AddressSpace): void {
    if (space.phys !== this.mmu.phys) throw new Error("registerSpace: space uses a different PhysicalMemory");
    const known = this.spaces.get(space.cr3);
    if (known !== undefined && known !== space)
      throw new Error(`cr3 0x${space.cr3.toString(16)} is already taken`);
    if (known === undefined) {
      this.spaces.set(space.cr3, space);
      // a change to the shared kernel half reaches this CPU through whichever space it runs in
      const l = (s: AddressSpace) => {
        if (s === this.mmu.space || s === this.mmu.space.kernelHalf) this.mmu.flush();
      };
      this.spaceListeners.set(space, l);
      space.onChange.add(l);
    }
  }

  /** Forgets a space whose task is gone (its CR3 value may name a new space later); never the loaded one. */
  unregisterSpace(space: AddressSpace): void {
    if (this.mmu.space === space) throw new Error("unregisterSpace: the space is loaded");
    if (this.spaces.get(space.cr3) !== space) return;
    this.spaces.delete(space.cr3);
    const l = this.spaceListeners.get(space);
    if (l !== undefined) space.onChange.delete(l);
    this.spaceListeners.delete(space);
  }

  // ---- accounting ----
  setCosts(costs: CostTable): void {
    this.costs = costs;
    for (const c of INSN_CLASSES) {
      const v = costs.classes[c];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`cost table lacks class "${c}"`);
      this.classCost[INSN_CLASS_INDEX[c]] = v;
    }
    this.pricer = new BlockPricer(costs);
    this.predictor.reset(this.pricer.uarch?.spec.returnStackEntries ?? 16);
    this.icache.clear();
    this.blocks.clear();
    this.mmu.voidLinks();
  }
  /** Adds work-dependent cycles (from a native), attributed by the current CPL. */
  charge(cycles: number): void {
    this.cycles += cycles;
    if (this._cpl === 3) this.userCycles += cycles;
    else this.sysCycles += cycles;
    this.lastInsnCycles += cycles;
  }
  /** Folds the interpreter's local counters into the architectural ones. */
  addCounters(user: number, sys: number, insns: number): void {
    this.userCycles += user;
    this.sysCycles += sys;
    this.cycles += user + sys;
    this.instret += insns;
  }

  // ---- natives ----
  registerNative(addr: number | bigint, name: string, fn: Native, cost: number): void {
    const a = toLinear(addr);
    if (this.natives.has(a)) throw new Error(`a native is already registered at ${hex(a)}`);
    if (!Number.isFinite(cost) || cost < 0) throw new Error(`native ${name}: bad cost ${cost}`);
    const e: NativeEntry = { addr: a, name, fn, cost };
    this.natives.set(a, e);
    this.nativeList.push(e);
    this.icache.clear();
    this.blocks.clear();
    this.mmu.voidLinks();
  }
  addProbe(addr: number | bigint, fn: (cpu: Cpu) => void): void {
    const a = toLinear(addr);
    const list = this.probes.get(a);
    if (list === undefined) this.probes.set(a, [fn]);
    else list.push(fn);
    this.icache.clear();
    this.blocks.clear();
    this.mmu.voidLinks();
  }
  /** Removes one probe function at addr, or all of them when fn is omitted. */
  removeProbe(addr: number | bigint, fn?: (cpu: Cpu) => void): void {
    const a = toLinear(addr);
    const list = this.probes.get(a);
    if (list === undefined) return;
    const rest = fn === undefined ? [] : list.filter((f) => f !== fn);
    if (rest.length === 0) this.probes.delete(a);
    else this.probes.set(a, rest);
    this.icache.clear();
    this.blocks.clear();
    this.mmu.voidLinks();
  }
  /** Runs the probes at rip (from the interpreter). */
  runProbes(rip: number): void {
    const list = this.probes.get(rip);
    if (list === undefined) return;
    for (const f of list) f(this);
  }

  /** Called by a native that transfers control itself: no RET (and no clobbering) follows it. */
  redirect(rip: number | bigint): void {
    this.rip = toLinear(rip);
    this.redirected = true;
  }
  nativeRedirected(): boolean {
    return this.redirected;
  }

  // ---- interrupts ----
  /** Installs an IDT gate (64-bit interrupt gate: IF is cleared on entry). */
  setGate(vector: number, handler: number | bigint, dpl = 0): void {
    if (!Number.isInteger(vector) || vector < 0 || vector > 255) throw new Error(`bad vector ${vector}`);
    if (dpl !== 0 && dpl !== 3) throw new Error(`gate dpl must be 0 or 3, got ${dpl}`);
    this.gateAddr[vector] = toLinear(handler);
    this.gateDpl[vector] = dpl;
  }
  clearGate(vector: number): void {
    this.gateAddr[vector] = Number.NaN;
  }
  setExceptionHandler(h: ExceptionHandler | null): void {
    this.exceptionHandler = h;
  }

  // ---- control ----
  run(maxInstructions: number): StopReason {
    if (!(maxInstructions >= 0)) throw new Error(`run: bad instruction budget ${maxInstructions}`);
    return this.engine === "jit" ? executeJit(this, maxInstructions) : execute(this, maxInstructions);
  }
  step(): StopReason | null {
    const c0 = this.cycles;
    const r = execute(this, 1);
    this.lastInsnCycles = this.cycles - c0;
    return r.kind === "budget" ? null : r;
  }
  requestStop(reason: string): void {
    this.stopRequest = reason;
  }
  /** Consumes a pending stop request. */
  takeStop(): StopReason | null {
    const r = this.stopRequest;
    if (r === null) return null;
    this.stopRequest = null;
    return { kind: "stop", reason: r };
  }

  // ---- fetch and decode (slow paths of the interpreter) ----
  /** Slot for the instruction at rip after a fetch-page change: translates (or finds a native at an unmapped address). */
  fetchSlow(rip: number): number {
    const mmu = this.mmu;
    const pa0 = mmu.probe(rip, ACC_FETCH);
    if (pa0 < 0) {
      const nat = this.natives.get(rip);
      if (nat !== undefined) return this.nativeSlot(SCRATCH_SLOT, nat, rip);
    }
    const pa = mmu.translate(rip, ACC_FETCH);
    const off = rip & 4095;
    mmu.fetchVpn = (rip - off) / 4096;
    mmu.fetchPa = pa - off;
    const s = (pa ^ (pa >>> 15)) & ICACHE_MASK;
    const d = this.icache;
    if (d.tag[s] === pa && d.gen[s] === mmu.phys.codeGen[pa >>> 12]) return s;
    return this.decodeAt(rip, pa, s);
  }

  /** Decodes the instruction at rip (physical pa) into slot s, or into the scratch slot when it crosses a page. */
  decodeAt(rip: number, pa: number, s: number): number {
    const d = this.icache;
    const mmu = this.mmu;
    const nat = this.natives.get(rip);
    const frame = pa >>> 12;
    // Evicting a live entry voids the links into slot s (a stale or cleared entry's links are void already). The
    // slot stays untagged until its decode succeeds.
    const old = d.tag[s]!;
    if (old !== -1 && old !== pa) mmu.voidLinks();
    d.tag[s] = -1;
    this.blocks.unbindSlot(s);
    this.jit.slotState[s] = 0;
    if (nat !== undefined) {
      this.nativeSlot(s, nat, rip);
      d.tag[s] = pa;
      d.gen[s] = mmu.phys.codeGen[frame]!;
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
    } catch (e) {
      if (e !== TRUNCATED) throw e;
      if (n < MAX_INSN_LENGTH) mmu.translate(rip + inPage, ACC_FETCH); // raises the #PF (with I) of the next page
      raise(this.fault, GP, 0, `instruction at ${hex(rip)} is longer than 15 bytes`);
    }
    specialize(d, s);
    if (this.probes.size !== 0 && this.probes.has(rip)) {
      d.probeOp[s] = d.op[s]!;
      d.op[s] = Op.PROBE;
    }
    d.addr[s] = rip;
    d.cost[s] = this.classCost[d.cls[s]!]! + d.loads[s]! * this.costs.load + d.stores[s]! * this.costs.store;
    if (d.len[s]! > inPage) {
      // Crosses into the next page: keep it uncached (two frames would have to be watched); slot s stays empty.
      if (s !== SCRATCH_SLOT) {
        decodeInsn(buf, n, d, SCRATCH_SLOT);
        specialize(d, SCRATCH_SLOT);
        if (d.op[s] === Op.PROBE) {
          d.probeOp[SCRATCH_SLOT] = d.op[SCRATCH_SLOT]!;
          d.op[SCRATCH_SLOT] = Op.PROBE;
        }
        d.addr[SCRATCH_SLOT] = rip;
        d.cost[SCRATCH_SLOT] = d.cost[s]!;
      }
      d.publish(SCRATCH_SLOT);
      d.tag[SCRATCH_SLOT] = -1;
      return SCRATCH_SLOT;
    }
    d.publish(s);
    d.tag[s] = pa;
    d.gen[s] = mmu.phys.codeGen[frame]!;
    mmu.phys.markCode(frame);
    return s;
  }

  /**
   * The block entered at rip (decoded-instruction slot s): found in the table, or collected and priced now. The
   * run ends at the first block-ending instruction, at the end of the code page, or before a probe or a native
   * other than the entry. An entry in the scratch slot (a page-crossing instruction, a native at an unmapped
   * address) is a block of one, priced every time into block 0.
   */
  enterBlock(rip: number, s: number): number {
    const t = this.blocks;
    const p = this.pricer;
    const d = this.icache;
    const scratch = s === SCRATCH_SLOT;
    const pa0 = scratch ? -1 : d.tag[s]!;
    const gen = scratch ? 0 : d.gen[s]!;
    if (!scratch) {
      const id = t.find(pa0, gen);
      if (id >= 0) {
        t.bindSlot(s, id);
        return id;
      }
    }
    const mmu = this.mmu;
    const buf = p.buf;
    const pageEnd = rip - (rip & 4095) + 4096;
    let n = 0;
    let a = rip;
    for (;;) {
      const nat = this.natives.get(a);
      if (n > 0 && (nat !== undefined || this.probes.has(a))) break;
      if (nat !== undefined) {
        p.put(n++, true);
        break;
      }
      const pa = scratch ? mmu.probe(a, ACC_FETCH) : pa0 + (a - rip);
      if (pa < 0) break;
      const inPage = pageEnd - a;
      let m = Math.min(MAX_INSN_LENGTH, inPage);
      buf.set(mmu.bytes.subarray(pa, pa + m), 0);
      if (m < MAX_INSN_LENGTH) {
        const pa2 = mmu.probe(pageEnd, ACC_FETCH);
        if (pa2 >= 0) {
          buf.set(mmu.bytes.subarray(pa2, pa2 + MAX_INSN_LENGTH - m), m);
          m = MAX_INSN_LENGTH;
        }
      }
      if (!p.decode(buf, m)) break;
      p.put(n++, false);
      const len = p.d.len[0]!;
      if (blockEnds(p.d.op[0]!) || a + len >= pageEnd || n === MAX_BLOCK_INSNS || scratch) break;
      a += len;
    }
    if (n === 0) p.putCost(n++, d.cost[s]!); // undecodable here (it faults when run): its slot's cost
    const id = t.add(rip, pa0, gen, n, scratch);
    const off = t.offset[id]!;
    t.cycles[id] = p.price(n, t.pool.subarray(off, off + n));
    if (!scratch) t.bindSlot(s, id);
    return id;
  }

  private nativeSlot(s: number, nat: NativeEntry, rip: number): number {
    const d = this.icache;
    d.op[s] = Op.NATIVE;
    d.len[s] = 0;
    d.immLo[s] = this.nativeList.indexOf(nat);
    d.addr[s] = rip;
    d.cls[s] = INSN_CLASS_INDEX.native;
    d.loads[s] = 0;
    d.stores[s] = 1;
    d.cost[s] = this.classCost[INSN_CLASS_INDEX.native]! + nat.cost;
    d.publish(s);
    d.tag[s] = -1;
    return s;
  }

  /** Bytes of the instruction at rip for diagnostics ("0f 0b"), as far as they are fetchable. */
  bytesAt(rip: number, len: number): string {
    const out: string[] = [];
    for (let i = 0; i < len; i++) {
      const pa = this.mmu.probe(rip + i, ACC_FETCH);
      if (pa < 0 || !isCanonical(rip + i)) break;
      out.push(this.mmu.bytes[pa]!.toString(16).padStart(2, "0"));
    }
    return out.join(" ");
  }

  /** Delivers an exception or software interrupt (interrupts.ts); returns a stop reason when nothing handles it. */
  deliver(
    vector: number,
    errorCode: number,
    faultRip: number,
    insnRip: number,
    detail: string,
    soft: boolean,
  ) {
    if (vector === PF_VEC) this.cr2 = this.fault.cr2;
    return deliverException(this, vector, errorCode, faultRip, insnRip, detail, soft);
  }
}

function checkReg(r: number): void {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new Error(`bad register number ${r}`);
}

export { FAULT };
