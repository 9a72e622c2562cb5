// The out-of-order timing model: a basic block's steady-state cycles as a superscalar core runs it in a loop,
// the bound of the tightest of three resources (the analytical "max of bounds" of throughput predictors such as
// Facile, Abel & Reineke 2023, and the bottleneck analysis of llvm-mca and uiCA):
//   front end  fused-domain µops / issue width;
//   ports      the least possible load of the busiest set of execution ports (an exact fractional assignment:
//              max over port sets S of (µops that can only use ports in S) / |S|);
//   latency    the longest loop-carried dependency chain per iteration (maximum cycle mean of the
//              register/flags dependency graph between iterations, Karp 1978), loads adding the load latency
//              on the path from their address registers.
// Macro-fused CMP/TEST/ADD/SUB/AND/INC/DEC + Jcc pairs issue and execute as one µop. Fixed-cost instructions
// (serialising, microcoded, locked) are charged their profile class cost on top, at their own position.
import { FIXED, fusesWith, type InsnFacts, MEM_LOAD, MEM_STORE } from "./insn-form.ts";
import { type CompiledUarch, FORM_INDEX } from "./uarch.ts";

const NRES = 17; // RAX..R15, flags
const NEG = Number.NEGATIVE_INFINITY;

/** Scratch state of one pricing (reused: pricing allocates nothing but the result array). */
export class OooScratch {
  readonly portCount = new Float64Array(256);
  readonly weight: Float64Array;
  readonly fusedWithNext: Uint8Array;
  readonly ready = new Float64Array(NRES);
  readonly lat = new Float64Array(NRES * NRES);
  readonly karp = new Float64Array((NRES + 1) * NRES);
  constructor(maxInsns: number) {
    this.weight = new Float64Array(maxInsns);
    this.fusedWithNext = new Uint8Array(maxInsns);
  }
}

/** The three bounds of a block (for reports and tests) and the result. */
export interface OooBounds {
  frontEnd: number;
  ports: number;
  latency: number;
  fixed: number;
  fusedUops: number;
  fusedPairs: number;
}

function popcount8(m: number): number {
  m = m - ((m >> 1) & 0x55);
  m = (m & 0x33) + ((m >> 2) & 0x33);
  return (m + (m >> 4)) & 0x0f;
}

/**
 * Prices positions 0..n-1 of `f` into out[0..n-1] (fixed[i] is the class cost of a fixed-cost instruction) and
 * returns the block's steady-state cycles; `bounds`, when given, receives the three bounds.
 */
export function priceOoo(
  u: CompiledUarch,
  f: InsnFacts,
  fixed: Float64Array,
  n: number,
  out: Float64Array,
  x: OooScratch,
  bounds?: OooBounds,
): number {
  const pc = x.portCount;
  pc.fill(0);
  const spec = u.spec;
  let fusedUops = 0;
  let fixedSum = 0;
  let pairs = 0;
  const jcc = FORM_INDEX.jcc;
  for (let i = 0; i < n; i++) x.fusedWithNext[i] = 0;
  if (spec.macroFusion) {
    for (let i = 0; i + 1 < n; i++) {
      if (f.fusible[i] === 1 && f.form[i + 1] === jcc && fusesWith(f.fuseKind[i]!, f.fuseKind[i + 1]!)) {
        x.fusedWithNext[i] = 1;
        pairs++;
        i++;
      }
    }
  }
  const fusedForm = FORM_INDEX.fused_jcc;
  for (let i = 0; i < n; i++) {
    x.weight[i] = 0;
    const form = f.form[i]!;
    if (form === FIXED) {
      fixedSum += fixed[i]!;
      continue;
    }
    if (i > 0 && x.fusedWithNext[i - 1] === 1) continue; // the Jcc half of a fused pair
    const fm = x.fusedWithNext[i] === 1 ? fusedForm : form;
    let fu = u.fused[fm]!;
    for (let g = 0; g < 4; g++) {
      const c = u.groupCount[fm * 4 + g]!;
      if (c === 0) break;
      pc[u.groupMask[fm * 4 + g]!]! += c;
    }
    const mem = f.mem[i]!;
    if ((mem & MEM_LOAD) !== 0) pc[u.loadMask]! += 1;
    if ((mem & MEM_STORE) !== 0) {
      pc[u.staMask]! += 1;
      pc[u.stdMask]! += 1;
    }
    if (mem === (MEM_LOAD | MEM_STORE)) fu += 1; // a read-modify-write is two fused-domain µops more than one
    x.weight[i] = fu;
    fusedUops += fu;
  }
  // ports: exact fractional bound
  let portBound = 0;
  for (let set = 1; set < 256; set++) {
    let load = 0;
    for (let m = 1; m < 256; m++) if (pc[m] !== 0 && (m & ~set) === 0) load += pc[m]!;
    if (load === 0) continue;
    const b = load / popcount8(set);
    if (b > portBound) portBound = b;
  }
  const feBound = fusedUops / spec.issueWidth;
  const latBound = loopCarriedLatency(u, f, n, x);
  // Cycles are kept in multiples of 1/64 so that any sum of them is exact in binary floating point.
  const t = Math.round(Math.max(feBound, portBound, latBound) * 64) / 64;
  if (bounds !== undefined) {
    bounds.frontEnd = feBound;
    bounds.ports = portBound;
    bounds.latency = latBound;
    bounds.fixed = fixedSum;
    bounds.fusedUops = fusedUops;
    bounds.fusedPairs = pairs;
  }
  // Spread t over the positions by fused-domain µops (in 1/64 cycles); the last weighted position takes the
  // remainder, so the positions add up to t exactly.
  let last = -1;
  for (let i = 0; i < n; i++) if (x.weight[i]! > 0) last = i;
  let spent = 0;
  for (let i = 0; i < n; i++) {
    let c = 0;
    if (i === last) c = t - spent;
    else if (x.weight[i]! > 0) {
      c = Math.round((t * x.weight[i]! * 64) / fusedUops) / 64;
      spent += c;
    }
    out[i] = c + (f.form[i] === FIXED ? fixed[i]! : 0);
  }
  return t + fixedSum;
}

/** Resource indexes of a dependency mask. */
function forEachBit(mask: number, fn: (r: number) => void): void {
  for (let r = 0; r < NRES; r++) if ((mask & (1 << r)) !== 0) fn(r);
}

/**
 * The loop-carried latency bound: lat[a][b] is the longest path within one iteration from resource a at the
 * block's entry to resource b at its exit; the bound is that graph's maximum cycle mean.
 */
function loopCarriedLatency(u: CompiledUarch, f: InsnFacts, n: number, x: OooScratch): number {
  const ready = x.ready;
  const lat = x.lat;
  const loadLat = u.spec.loadLatency;
  let readMask = 0;
  for (let i = 0; i < n; i++) readMask |= f.src[i]! | f.addr[i]!;
  lat.fill(NEG);
  let any = false;
  for (let a = 0; a < NRES; a++) {
    if ((readMask & (1 << a)) === 0) continue;
    ready.fill(NEG);
    ready[a] = 0;
    for (let i = 0; i < n; i++) {
      const form = f.form[i]!;
      if (form === FIXED) continue;
      let tin = NEG;
      const src = f.src[i]!;
      if (src !== 0)
        forEachBit(src, (r) => {
          if (ready[r]! > tin) tin = ready[r]!;
        });
      if ((f.mem[i]! & MEM_LOAD) !== 0) {
        let ta = NEG;
        forEachBit(f.addr[i]!, (r) => {
          if (ready[r]! > ta) ta = ready[r]!;
        });
        if (ta + loadLat > tin) tin = ta + loadLat;
      }
      const dst = f.dst[i]!;
      if (dst === 0 || tin === NEG) {
        if (dst !== 0)
          forEachBit(dst, (r) => {
            ready[r] = NEG;
          });
        continue;
      }
      const tout = tin + u.latency[form]!;
      forEachBit(dst, (r) => {
        ready[r] = tout;
      });
    }
    for (let b = 0; b < NRES; b++) {
      lat[a * NRES + b] = ready[b]!;
      if (ready[b]! !== NEG) any = true;
    }
    // resources the block does not write keep their value: an identity edge of weight 0
    let written = 0;
    for (let i = 0; i < n; i++) if (f.form[i] !== FIXED) written |= f.dst[i]!;
    if ((written & (1 << a)) === 0) lat[a * NRES + a] = 0;
  }
  if (!any) return 0;
  return maxCycleMean(lat, x.karp);
}

/** Karp's maximum cycle mean of the complete graph lat[a*NRES+b] (NEG: no edge); 0 if it has no cycle. */
function maxCycleMean(lat: Float64Array, d: Float64Array): number {
  const N = NRES;
  for (let v = 0; v < N; v++) d[v] = 0;
  for (let k = 1; k <= N; k++) {
    for (let v = 0; v < N; v++) {
      let best = NEG;
      for (let a = 0; a < N; a++) {
        const w = lat[a * N + v]!;
        const p = d[(k - 1) * N + a]!;
        if (w !== NEG && p !== NEG && p + w > best) best = p + w;
      }
      d[k * N + v] = best;
    }
  }
  let result = NEG;
  for (let v = 0; v < N; v++) {
    const dn = d[N * N + v]!;
    if (dn === NEG) continue;
    let worst = Number.POSITIVE_INFINITY;
    for (let k = 0; k < N; k++) {
      const dk = d[k * N + v]!;
      if (dk === NEG) continue;
      const m = (dn - dk) / (N - k);
      if (m < worst) worst = m;
    }
    if (worst > result) result = worst;
  }
  return result === NEG || result < 0 ? 0 : result;
}
