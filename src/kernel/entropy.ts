// The kernel's random bytes (AT_RANDOM, getrandom, /dev/urandom) from a seeded deterministic generator, so that a
// run is reproducible: splitmix64 (Steele, Lea & Flood, OOPSLA 2014) over a 64-bit state, one stream per machine.
import type { KernelContext } from "./kernel-context.ts";

export const DEFAULT_ENTROPY_SEED = 0x5eedn;

const MASK64 = (1n << 64n) - 1n;

export class Entropy {
  private state: bigint;

  constructor(seed: bigint | number = DEFAULT_ENTROPY_SEED) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  private next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let w = this.next();
      for (let j = i; j < Math.min(n, i + 8); j++) {
        out[j] = Number(w & 0xffn);
        w >>= 8n;
      }
    }
    return out;
  }
}

const pools = new WeakMap<KernelContext, Entropy>();

/** The machine's generator (seeded with DEFAULT_ENTROPY_SEED unless seedEntropy ran first). */
export function entropyOf(k: KernelContext): Entropy {
  let e = pools.get(k);
  if (e === undefined) {
    e = new Entropy();
    pools.set(k, e);
  }
  return e;
}

/** Restart the machine's generator from `seed`. */
export function seedEntropy(k: KernelContext, seed: bigint | number): void {
  pools.set(k, new Entropy(seed));
}
