// Block JIT, the run loop: at each block entry, a compiled block runs if there is one for the entry (and the
// instruction budget has room for all of it); everything else runs in the interpreter, one table block at a time.
// Both engines charge the block table's per-position costs, so cycles and counts are those of the interpreter.
import type { Cpu, StopReason } from "../cpu.ts";
import { DecodedInsns, Op } from "../decoded.ts";
import { decodeInsn, MAX_INSN_LENGTH, specialize } from "../decoder.ts";
import { FAULT } from "../fault.ts";
import { execute, JIT_YIELD } from "../interpreter.ts";
import { ACC_FETCH } from "../mmu.ts";
import {
  compileRegion,
  JIT_OPS,
  type JitBlockFn,
  type JitInsn,
  type JitRegionBlock,
} from "./compile-block.ts";

/** A block entry is compiled on its HOT-th visit (entries seen fewer times run in the interpreter). */
export const HOT = 4;
/** Compiled regions shorter than this are run by the JIT only when reached from another compiled region. */
export const MIN_YIELD = 6;
/** A region holds at most this many table blocks and compiled instructions. */
export const MAX_REGION_BLOCKS = 48;
export const MAX_REGION_INSNS = 768;

const BUDGET: StopReason = Object.freeze({ kind: "budget" }) as StopReason;

/** What the JIT knows of the block entered at one physical address. */
class JitEntry {
  hits = 0;
  /** the compiled prefix (null: not compiled yet, or not compilable: `jitLength` 0) */
  fn: JitBlockFn | null = null;
  jitLength = -1;
  /**
   * Chaining: the compiled entries that ran after this one (two, for a conditional branch's two ways), valid
   * while Mmu.epoch is what it was when linked (it moves on at a TLB flush, an address-space change and a write
   * to code, so the successor's translation and its code are still those checked).
   */
  c0pc = Number.NaN;
  c0: JitEntry | null = null;
  c0ep = -1;
  c1pc = Number.NaN;
  c1: JitEntry | null = null;
  c1ep = -1;
  constructor(
    readonly linear: number,
    readonly gen: number,
    /** the table block's instruction count */
    readonly length: number,
    readonly offset: number,
  ) {}
}

/** The JIT's per-CPU state: compiled blocks by the physical address of their entry. */
export class JitCache {
  readonly entries = new Map<number, JitEntry>();
  /** BlockTable.epoch the entries belong to (a cleared table voids them all) */
  epoch = -1;
  private readonly d = new DecodedInsns(1);
  private readonly buf = new Uint8Array(MAX_INSN_LENGTH + 1);
  compiled = 0;
  /**
   * Per decoded-cache slot, whether the interpreter, called by the run loop, returns to it when a block starts
   * there: 0 (not known) and 1 (an entry being counted or compiled) return, 2 (the block cannot be compiled) runs on.
   * Reset when the slot is decoded again.
   */
  readonly slotState = new Uint8Array(32768 + 1);
  /** instructions the interpreter ran before returning JIT_YIELD */
  steps = 0;

  clear(): void {
    this.entries.clear();
    this.slotState.fill(0);
  }

  /**
   * The instructions of the table block entered at `linear` (physical `pa`, pool positions from `offset`, `length`
   * of them) that the JIT compiles: up to the first op without a template.
   */
  collect(cpu: Cpu, linear: number, pa: number, offset: number, length: number): JitInsn[] {
    const out: JitInsn[] = [];
    const d = this.d;
    const bytes = cpu.mmu.bytes;
    const pool = cpu.blocks.pool;
    const pageEnd = linear - (linear & 4095) + 4096;
    if (cpu.natives.has(linear) || cpu.probes.has(linear)) return out;
    let a = linear;
    for (let k = 0; k < length; k++) {
      const p = pa + (a - linear);
      const m = Math.min(MAX_INSN_LENGTH, pageEnd - a);
      this.buf.fill(0);
      this.buf.set(bytes.subarray(p, p + m), 0);
      try {
        decodeInsn(this.buf, m, d, 0);
      } catch {
        break; // truncated at the page end: the interpreter runs it
      }
      specialize(d, 0);
      const len = d.len[0]!;
      const op = d.op[0]!;
      if (!JIT_OPS.has(op) || a + len > pageEnd) break;
      out.push({
        op,
        size: d.size[0]!,
        reg: d.reg[0]!,
        rm: d.rm[0]!,
        aux: d.aux[0]!,
        immLo: d.immLo[0]!,
        immHi: d.immHi[0]!,
        base: d.base[0]!,
        index: d.index[0]!,
        scale: d.scale[0]!,
        disp: d.disp[0]!,
        seg: d.seg[0]!,
        pfx: d.pfx[0]!,
        rip: a,
        next: a + len,
        slot: (p ^ (p >>> 15)) & 0x7fff /* ICACHE_MASK */,
        cost: pool[offset + k]!,
        cls: d.cls[0]!,
        stores: d.stores[0]! > 0,
      });
      a += len;
    }
    return out;
  }

  /**
   * Compiles the region entered at `e`: its table block and, transitively, the table blocks in the same code page
   * that its blocks may go to directly (branch targets, fall-through, the instruction after a CALL for the RET
   * that comes back) and that the block table has priced already. Same page, so the entry's translation and the
   * frame's code generation hold for all of them.
   */
  compile(cpu: Cpu, e: JitEntry, pa: number): void {
    const blocks = cpu.blocks;
    const frame = pa >>> 12;
    const pageLin = e.linear - (e.linear & 4095);
    const pagePa = pa - (pa & 4095);
    const region: JitRegionBlock[] = [];
    const ends: number[] = [];
    const seen = new Set<number>();
    const retTargets: number[] = [];
    const queue = [e.linear];
    let total = 0;
    while (queue.length > 0 && region.length < MAX_REGION_BLOCKS && total < MAX_REGION_INSNS) {
      const lin = queue.shift()!;
      if (seen.has(lin)) continue;
      seen.add(lin);
      let offset = e.offset;
      let length = e.length;
      const bpa = pagePa + (lin - pageLin);
      if (lin !== e.linear) {
        const id = blocks.find(bpa, e.gen);
        if (id < 0 || blocks.entryLinear[id] !== lin) continue;
        offset = blocks.offset[id]!;
        length = blocks.length[id]!;
      }
      const insns = this.collect(cpu, lin, bpa, offset, length);
      if (insns.length === 0) {
        if (lin === e.linear) break;
        continue;
      }
      total += insns.length;
      const last = insns[insns.length - 1]!;
      const succ: number[] = [];
      if (insns.length === length) {
        const target = last.next + last.immLo;
        switch (last.op) {
          case Op.JCC:
            succ.push(target, last.next);
            break;
          case Op.JMP_REL:
            succ.push(target);
            break;
          case Op.CALL_REL:
            succ.push(target);
            retTargets.push(last.next);
            break;
          case Op.CALL_RM:
            retTargets.push(last.next);
            ends.push(region.length);
            break;
          case Op.RET:
          case Op.JMP_RM:
            ends.push(region.length);
            break;
          default:
            succ.push(last.next);
        }
      }
      region.push({ insns, offset, length, succ });
      for (const t of succ) if (t >= pageLin && t < pageLin + 4096) queue.push(t);
      for (const t of retTargets) if (t >= pageLin && t < pageLin + 4096) queue.push(t);
    }
    // A RET or an indirect branch may go to any place a CALL of the region returns to.
    for (const i of ends) region[i] = { ...region[i]!, succ: retTargets };
    e.jitLength = region.length > 0 ? region[0]!.insns.length : 0;
    // The interpreter does not stop for a region it cannot compile, nor for a short one: leaving and re-entering
    // the interpreter costs more than the JIT saves on a few instructions (the kernel's entry path).
    if (total < MIN_YIELD && region.length <= 1 && !region[0]?.succ.includes(e.linear))
      this.slotState[(pa ^ (pa >>> 15)) & 0x7fff /* ICACHE_MASK */] = 2;
    if (region.length === 0) return;
    cpu.mmu.phys.markCode(frame); // the region is code now: the first write to its frame bumps codeGen
    e.fn = compileRegion(region, {
      epoch: this.epoch,
      frame,
      gen: e.gen,
      penalty: cpu.pricer.mispredictPenalty,
    });
    this.compiled++;
  }
}

/** Runs up to `max` instructions with compiled blocks where there are some (see Cpu.run). */
export function executeJit(cpu: Cpu, max: number): StopReason {
  // The interpreter's own start: a pending stop request, compatibility mode.
  const first = execute(cpu, 0);
  if (first.kind !== "budget") return first;
  const jit = cpu.jit;
  const blocks = cpu.blocks;
  const mmu = cpu.mmu;
  const codeGen = mmu.phys.codeGen;
  const d = cpu.icache;
  const TAG = d.tag;
  const GEN = d.gen;
  let n = 0;
  let prev: JitEntry | null = null;
  for (;;) {
    const left = max - n;
    if (left <= 0) return BUDGET;
    if (jit.epoch !== blocks.epoch) {
      jit.clear();
      jit.epoch = blocks.epoch;
      prev = null;
    }
    const rip = cpu.rip;
    // Part-way through a block (a compiled prefix ended, a fault, a budget stop), the interpreter finishes it.
    if (!(cpu.blockResumePc === rip && cpu.blockResumePos >= 0 && cpu.blockResumeEpoch === blocks.epoch)) {
      const ep = mmu.epoch;
      let e: JitEntry | undefined;
      if (prev !== null) {
        if (prev.c0pc === rip && prev.c0ep === ep) e = prev.c0!;
        else if (prev.c1pc === rip && prev.c1ep === ep) e = prev.c1!;
      }
      if (e === undefined) {
        const off = rip & 4095;
        const pa = (rip - off) * (1 / 4096) === mmu.fetchVpn ? mmu.fetchPa + off : mmu.probe(rip, ACC_FETCH);
        if (pa >= 0) {
          const f = jit.entries.get(pa);
          if (f !== undefined && f.linear === rip && f.gen === codeGen[pa >>> 12]) {
            e = f;
            if (f.fn === null && ++f.hits === HOT) jit.compile(cpu, f, pa);
            if (prev !== null && f.fn !== null) {
              // link prev → f, replacing the way that did not match
              if (prev.c0 === null || prev.c1 !== null) {
                prev.c0pc = rip;
                prev.c0 = f;
                prev.c0ep = ep;
                prev.c1 = null;
                prev.c1pc = Number.NaN;
              } else {
                prev.c1pc = rip;
                prev.c1 = f;
                prev.c1ep = ep;
              }
            }
          } else {
            const s = entrySlot(cpu, rip, pa, TAG, GEN, codeGen);
            if (s >= 0) {
              const b = cpu.enterBlock(rip, s);
              if (b !== 0) {
                const ne = new JitEntry(rip, GEN[s]!, blocks.length[b]!, blocks.offset[b]!);
                ne.hits = 1;
                jit.entries.set(pa, ne);
              }
            }
          }
        }
      }
      if (e !== undefined) {
        const fn = e.fn;
        if (fn !== null && e.jitLength <= left) {
          n += fn(cpu, left);
          prev = e;
          continue;
        }
      }
    }
    prev = null;
    // The interpreter runs at least the rest of this block, then on until a block entry the JIT wants.
    const r = execute(cpu, left, true);
    if (r === JIT_YIELD) {
      n += jit.steps;
      continue;
    }
    if (r.kind !== "budget") return r;
    n += left;
  }
}

/** The decoded slot of the instruction at rip (decoding it as the interpreter's fetch would), or -1. */
function entrySlot(
  cpu: Cpu,
  rip: number,
  pa: number,
  TAG: Int32Array,
  GEN: Int32Array,
  codeGen: Int32Array,
): number {
  let s = (pa ^ (pa >>> 15)) & 0x7fff; /* ICACHE_MASK */
  if (TAG[s] !== pa || GEN[s] !== codeGen[pa >>> 12]) {
    try {
      s = cpu.decodeAt(rip, pa, s);
    } catch (e) {
      if (e !== FAULT) throw e;
      return -1; // the interpreter raises it again
    }
  }
  return s === 32768 /* SCRATCH_SLOT */ ? -1 : s;
}
