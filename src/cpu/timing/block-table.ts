// Priced basic blocks, keyed by the physical address of their entry instruction. A block is the straight-line
// run from its entry up to and including the first instruction that ends it (blockEnds), or the instruction
// that reaches the end of the code page; a probed instruction or a native other than the entry ends the run
// before it. Each block has one cost per position in `pool`, summing to the model's cycles for the block.
// This is the table a block JIT reads (docs/architecture.md, "Costs are priced per basic block").
import { Op } from "../decoded.ts";

/** Longest block, in instructions (a page of one-byte instructions). */
export const MAX_BLOCK_INSNS = 4096;
/** The table is emptied (deterministically) when it holds this many blocks. */
export const MAX_BLOCKS = 1 << 16;

/** Ops after which a new block begins: control transfers, serialising and privileged instructions, natives. */
export function blockEnds(op: number): boolean {
  switch (op) {
    case Op.INVALID:
    case Op.CALL_REL:
    case Op.CALL_RM:
    case Op.RET:
    case Op.JMP_REL:
    case Op.JMP_RM:
    case Op.JCC:
    case Op.LOOP:
    case Op.MOVS:
    case Op.STOS:
    case Op.LODS:
    case Op.CMPS:
    case Op.SCAS:
    case Op.CPUID:
    case Op.INT3:
    case Op.UD2:
    case Op.HLT:
    case Op.RDMSR:
    case Op.WRMSR:
    case Op.MOV_FROM_CR:
    case Op.MOV_TO_CR:
    case Op.SWAPGS:
    case Op.SYSCALL:
    case Op.SYSRET:
    case Op.IRETQ:
    case Op.INT_N:
    case Op.NATIVE:
    case Op.PROBE:
      return true;
    default:
      return false;
  }
}

export class BlockTable {
  /** block id by the entry's physical address */
  readonly byEntry = new Map<number, number>();
  /** per block id: entry linear address, entry physical address, code generation of its frame */
  entryLinear = new Float64Array(256);
  entryPa = new Float64Array(256);
  gen = new Int32Array(256);
  /** per block id: first index of its costs in `pool`, and its number of instructions */
  offset = new Int32Array(256);
  length = new Int32Array(256);
  /** per block id: the model's steady-state cycles for the block (the sum of its costs) */
  cycles = new Float64Array(256);
  /** per-position costs of every block, block after block */
  pool = new Float64Array(4096);
  count = 1; // id 0 is the scratch block (an entry that is not cached: re-priced every time)
  used = MAX_BLOCK_INSNS; // pool[0..MAX_BLOCK_INSNS) belongs to the scratch block
  /** bumped when the table is emptied: saved block positions of an earlier epoch are void */
  epoch = 0;
  /** block id of the block entered at each decoded-instruction slot (-1: not looked up since the slot changed) */
  readonly slotBlock: Int32Array;
  /** the same block's first and end index in `pool` (-1: not looked up), so the interpreter reads one array */
  readonly slotStart: Int32Array;
  readonly slotEnd: Int32Array;

  constructor(slots: number) {
    this.slotBlock = new Int32Array(slots).fill(-1);
    this.slotStart = new Int32Array(slots).fill(-1);
    this.slotEnd = new Int32Array(slots);
    this.pool = new Float64Array(MAX_BLOCK_INSNS * 2);
  }

  /** Records that slot s enters block id. */
  bindSlot(s: number, id: number): void {
    this.slotBlock[s] = id;
    this.slotStart[s] = this.offset[id]!;
    this.slotEnd[s] = this.offset[id]! + this.length[id]!;
  }

  /** Forgets slot s's block (its instruction was decoded again). */
  unbindSlot(s: number): void {
    this.slotBlock[s] = -1;
    this.slotStart[s] = -1;
  }

  /** The per-position costs of block `id` (a view, valid until the table grows or is emptied). */
  costsOf(id: number): Float64Array {
    return this.pool.subarray(this.offset[id]!, this.offset[id]! + this.length[id]!);
  }

  /** The block entered at physical address pa with code generation gen, or -1. */
  find(pa: number, gen: number): number {
    const id = this.byEntry.get(pa);
    return id !== undefined && this.gen[id] === gen ? id : -1;
  }

  clear(): void {
    this.byEntry.clear();
    this.slotBlock.fill(-1);
    this.slotStart.fill(-1);
    this.count = 1;
    this.used = MAX_BLOCK_INSNS;
    this.epoch++;
  }

  /** Reserves a new block of n positions (or the scratch block) and returns its id. */
  add(linear: number, pa: number, gen: number, n: number, scratch: boolean): number {
    if (scratch) {
      this.offset[0] = 0;
      this.length[0] = n;
      this.entryLinear[0] = linear;
      this.entryPa[0] = pa;
      return 0;
    }
    if (this.count >= MAX_BLOCKS) this.clear();
    if (this.count === this.offset.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(a.length * 2);
        b.set(a);
        return b;
      };
      this.entryLinear = grow(this.entryLinear);
      this.entryPa = grow(this.entryPa);
      this.gen = grow(this.gen);
      this.offset = grow(this.offset);
      this.length = grow(this.length);
      this.cycles = grow(this.cycles);
    }
    while (this.used + n > this.pool.length) {
      const p = new Float64Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    const id = this.count++;
    this.offset[id] = this.used;
    this.length[id] = n;
    this.used += n;
    this.entryLinear[id] = linear;
    this.entryPa[id] = pa;
    this.gen[id] = gen;
    this.byEntry.set(pa, id);
    return id;
  }
}
