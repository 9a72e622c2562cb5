// The deterministic branch-prediction rule of the "ooo" timing model (docs/cpu.md, "Branch mispredictions"):
//   conditional branches: a 2-bit saturating counter per decoded-instruction cache slot, starting at
//     "strongly not taken"; predicted taken when the counter is 2 or 3 (J. E. Smith, "A study of branch
//     prediction strategies", ISCA 1981);
//   returns: a return stack buffer of the µarch's depth, pushed by CALL and popped by RET (and by a native's
//     implicit return); a RET whose target differs from the popped entry, or that finds it empty, mispredicts;
//   indirect JMP/CALL: the last target per slot (a BTB entry); a different target mispredicts.
// The state depends only on the executed instruction stream, so the same run mispredicts the same branches on
// every host.
export class BranchPredictor {
  /** 2-bit counters, one per decoded-instruction slot */
  readonly counter: Uint8Array;
  /** last target of the indirect branch in each slot (NaN: none yet) */
  readonly target: Float64Array;
  /** return stack buffer (a ring; `top` counts pushes minus pops, `depth` the valid entries) */
  rsb = new Float64Array(16);
  top = 0;
  depth = 0;

  constructor(slots: number) {
    this.counter = new Uint8Array(slots);
    this.target = new Float64Array(slots).fill(Number.NaN);
  }

  reset(entries = 16): void {
    this.counter.fill(0);
    this.target.fill(Number.NaN);
    this.rsb = new Float64Array(entries);
    this.top = 0;
    this.depth = 0;
  }

  /** A CALL: pushes its return address. */
  push(ret: number): void {
    const r = this.rsb;
    r[this.top % r.length] = ret;
    this.top++;
    if (this.depth < r.length) this.depth++;
  }

  /** A RET to `target`: true if the return stack buffer predicted it. */
  pop(target: number): boolean {
    if (this.depth === 0) return false;
    this.depth--;
    this.top--;
    const r = this.rsb;
    return r[((this.top % r.length) + r.length) % r.length] === target;
  }
}
