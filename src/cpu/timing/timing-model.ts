// A timing model prices a basic block once: one cost per position, summing to the block's cycles. "flat" charges
// every instruction its class cost plus the per-access load/store costs (the model before blocks, reproduced
// bit for bit); "ooo" prices the block on a superscalar out-of-order core (ooo-model.ts) from a µarch table.
import { DecodedInsns, Op } from "../decoded.ts";
import { decodeInsn, MAX_INSN_LENGTH, TRUNCATED } from "../decoder.ts";
import { type CostTable, INSN_CLASS_INDEX, INSN_CLASSES } from "../insn-class.ts";
import { blockEnds, MAX_BLOCK_INSNS } from "./block-table.ts";
import { classify, FIXED, InsnFacts } from "./insn-form.ts";
import { type OooBounds, OooScratch, priceOoo } from "./ooo-model.ts";
import { type CompiledUarch, compileUarch, type UarchTiming } from "./uarch.ts";

/** Which model a cost table prices blocks with. */
export type TimingSpec = { readonly model: "flat" } | { readonly model: "ooo"; readonly uarch: UarchTiming };

export const FLAT_TIMING: TimingSpec = Object.freeze({ model: "flat" });

const NATIVE_CLASS = INSN_CLASS_INDEX.native;

/** The instructions of one block as the builder collected them, and the pricing of them. */
export class BlockPricer {
  readonly flat: boolean;
  readonly uarch: CompiledUarch | null;
  readonly facts = new InsnFacts(MAX_BLOCK_INSNS);
  /** class cost (+ per-access memory costs) of each position: the flat price, and the fixed costs of "ooo" */
  readonly fixed = new Float64Array(MAX_BLOCK_INSNS);
  readonly ops = new Uint8Array(MAX_BLOCK_INSNS);
  readonly lens = new Uint8Array(MAX_BLOCK_INSNS);
  readonly scratch = new OooScratch(MAX_BLOCK_INSNS);
  /** one-slot decode buffer */
  readonly d = new DecodedInsns(1);
  readonly buf = new Uint8Array(MAX_INSN_LENGTH + 1);
  readonly classCost = new Float64Array(INSN_CLASSES.length);
  readonly load: number;
  readonly store: number;
  readonly mispredictPenalty: number;

  constructor(costs: CostTable) {
    const t = costs.timing ?? FLAT_TIMING;
    this.flat = t.model === "flat";
    this.uarch = t.model === "ooo" ? compileUarch(t.uarch) : null;
    this.mispredictPenalty = t.model === "ooo" ? t.uarch.mispredictPenalty : 0;
    INSN_CLASSES.forEach((c, i) => {
      this.classCost[i] = costs.classes[c];
    });
    this.load = costs.load;
    this.store = costs.store;
  }

  /** Records position i from the decoded slot 0 of `this.d` (or a native, when native is true). */
  put(i: number, native: boolean): void {
    const d = this.d;
    if (native) {
      this.ops[i] = Op.NATIVE;
      this.lens[i] = 0;
      this.fixed[i] = this.classCost[NATIVE_CLASS]!;
      if (!this.flat) {
        d.op[0] = Op.NATIVE;
        d.cls[0] = NATIVE_CLASS;
        classify(d, 0, this.facts, i);
      }
      return;
    }
    this.ops[i] = d.op[0]!;
    this.lens[i] = d.len[0]!;
    // the same expression as Cpu.decodeAt's slot cost, so "flat" reproduces it exactly
    this.fixed[i] = this.classCost[d.cls[0]!]! + d.loads[0]! * this.load + d.stores[0]! * this.store;
    if (!this.flat) classify(d, 0, this.facts, i);
  }

  /** Records position i as an instruction that is only charged `cost` (one the builder could not decode). */
  putCost(i: number, cost: number): void {
    this.ops[i] = Op.INVALID;
    this.lens[i] = 0;
    this.fixed[i] = cost;
    this.facts.form[i] = FIXED;
    this.facts.src[i] = 0;
    this.facts.dst[i] = 0;
    this.facts.addr[i] = 0;
    this.facts.mem[i] = 0;
    this.facts.fusible[i] = 0;
  }

  /** Prices positions 0..n-1 into out; returns the block's cycles. */
  price(n: number, out: Float64Array, bounds?: OooBounds): number {
    if (this.uarch === null) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        out[i] = this.fixed[i]!;
        sum += this.fixed[i]!;
      }
      return sum;
    }
    return priceOoo(this.uarch, this.facts, this.fixed, n, out, this.scratch, bounds);
  }

  /** Decodes bytes[at..] into slot 0 of `this.d`; false if they do not hold a whole instruction. */
  decode(bytes: Uint8Array, n: number): boolean {
    try {
      decodeInsn(bytes, n, this.d, 0);
    } catch (e) {
      if (e === TRUNCATED) return false;
      throw e;
    }
    return true;
  }
}

export interface PricedBytes {
  /** the block's steady-state cycles */
  cycles: number;
  /** per-position costs */
  costs: number[];
  /** instructions in the block (the bytes may hold more: the block ends at its first block-ending instruction) */
  count: number;
  /** per position: true if the instruction is charged its class cost (serialising, microcoded, locked) */
  fixedAt: boolean[];
  /** per position: its memory access (insn-form.ts MEM_*: 1 load, 2 store, 3 read-modify-write; "flat": 0) */
  memAt: number[];
  bounds: OooBounds;
}

/**
 * Prices the block at the start of `code` as the CPU would (for tests, tools and the validation against
 * llvm-mca): decodes up to the first block-ending instruction or the end of the bytes.
 */
export function priceBlockBytes(code: Uint8Array, costs: CostTable): PricedBytes {
  const p = new BlockPricer(costs);
  let at = 0;
  let n = 0;
  const buf = new Uint8Array(MAX_INSN_LENGTH);
  while (at < code.length && n < MAX_BLOCK_INSNS) {
    const k = Math.min(MAX_INSN_LENGTH, code.length - at);
    buf.fill(0);
    buf.set(code.subarray(at, at + k));
    if (!p.decode(buf, k)) throw new Error(`truncated instruction at byte ${at}`);
    if (p.d.op[0] === Op.INVALID) throw new Error(`invalid instruction at byte ${at}`);
    p.put(n, false);
    at += p.d.len[0]!;
    n++;
    if (blockEnds(p.d.op[0]!)) break;
  }
  const out = new Float64Array(n);
  const bounds: OooBounds = { frontEnd: 0, ports: 0, latency: 0, fixed: 0, fusedUops: 0, fusedPairs: 0 };
  const cycles = p.price(n, out, bounds);
  if (p.flat) bounds.fixed = cycles;
  const fixedAt = Array.from({ length: n }, (_, i) => p.flat || p.facts.form[i] === FIXED);
  const memAt = Array.from({ length: n }, (_, i) => (p.flat ? 0 : p.facts.mem[i]!));
  return { cycles, costs: [...out], count: n, fixedAt, memAt, bounds };
}
