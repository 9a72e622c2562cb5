// The constant-action bitmap cache (kernel/seccomp.c, v5.11+): at attach time, for every (arch, nr) the parent
// filter still always-allows, emulate the new filter knowing only nr and arch; keep the bit only if it is
// ALLOW whatever the other fields are. A hit in the newest filter's bitmap skips running any BPF.

import { SECCOMP_RET_ALLOW } from "./actions.ts";
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, OFFSET_ARCH, OFFSET_NR } from "./seccomp-data.ts";
import {
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  type SockFilter,
} from "./sock-filter.ts";

/** Bitmap sizes: SECCOMP_ARCH_NATIVE_NR (NR_syscalls) and SECCOMP_ARCH_COMPAT_NR (IA32_NR_syscalls). */
export interface CacheGeometry {
  nativeNr: number;
  compatNr: number;
}

/** x86_64 in Linux 5.15: NR_syscalls = IA32_NR_syscalls = 449 (the last is process_mrelease, 448). */
export const CACHE_GEOMETRY_5_15: CacheGeometry = { nativeNr: 449, compatNr: 449 };

/** struct action_cache: one bit per syscall number and arch, set = always ALLOW through the whole chain */
export interface ActionCache {
  allowNative: Uint8Array;
  allowCompat: Uint8Array;
}

/**
 * seccomp_is_const_allow(): emulate the user's original program with one register, knowing only nr and arch.
 * Any load of another field, any other opcode or running off the end gives false; RET|K gives k == ALLOW.
 */
export function seccompIsConstAllow(prog: readonly SockFilter[], nr: number, arch: number): boolean {
  return constAllowEmulator(prog)(nr, arch);
}

const LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;

/** The same emulation over typed arrays, built once per program (cache preparation runs it ~900 times). */
export function constAllowEmulator(prog: readonly SockFilter[]): (nr: number, arch: number) => boolean {
  const len = prog.length;
  const code = new Uint16Array(len);
  const jt = new Uint8Array(len);
  const jf = new Uint8Array(len);
  const kk = new Uint32Array(len);
  prog.forEach((insn, i) => {
    code[i] = insn.code;
    jt[i] = insn.jt;
    jf[i] = insn.jf;
    kk[i] = insn.k >>> 0;
  });
  // A run of identical loads leaves the register as its last one does, wherever the run is entered:
  // lastOfRun[pc] lets the emulation step over padding in one go.
  const lastOfRun = new Uint32Array(len);
  for (let pc = len - 1; pc >= 0; pc--) {
    const same = pc + 1 < len && code[pc] === LD_W_ABS && code[pc + 1] === LD_W_ABS && kk[pc] === kk[pc + 1];
    lastOfRun[pc] = same ? lastOfRun[pc + 1]! : pc;
  }
  return (nr, arch) => {
    let reg = 0;
    for (let pc = 0; pc < len; pc++) {
      const k = kk[pc]!;
      switch (code[pc]) {
        case LD_W_ABS:
          if (k === OFFSET_NR) reg = nr >>> 0;
          else if (k === OFFSET_ARCH) reg = arch >>> 0;
          else return false;
          pc = lastOfRun[pc]!;
          break;
        case BPF_RET | BPF_K:
          return k === SECCOMP_RET_ALLOW;
        case BPF_JMP | BPF_JA:
          pc += k;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += reg === k ? jt[pc]! : jf[pc]!;
          break;
        case BPF_JMP | BPF_JGE | BPF_K:
          pc += reg >= k ? jt[pc]! : jf[pc]!;
          break;
        case BPF_JMP | BPF_JGT | BPF_K:
          pc += reg > k ? jt[pc]! : jf[pc]!;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (reg & k) !== 0 ? jt[pc]! : jf[pc]!;
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          reg = (reg & k) >>> 0;
          break;
        default:
          return false;
      }
    }
    return false;
  };
}

/**
 * seccomp_cache_prepare(): the new filter's bitmaps start as copies of the parent's (all ones without one),
 * and every set bit whose (arch, nr) is not const-allow for `prog` is cleared.
 */
export function seccompCachePrepare(
  prog: readonly SockFilter[],
  parent: ActionCache | null,
  geometry: CacheGeometry = CACHE_GEOMETRY_5_15,
): ActionCache {
  const isConstAllow = constAllowEmulator(prog);
  const prepare = (parentBits: Uint8Array | undefined, size: number, arch: number): Uint8Array => {
    const bits = parentBits ? parentBits.slice() : new Uint8Array(size).fill(1);
    for (let nr = 0; nr < bits.length; nr++) {
      if (bits[nr] && !isConstAllow(nr, arch)) bits[nr] = 0;
    }
    return bits;
  };
  return {
    allowNative: prepare(parent?.allowNative, geometry.nativeNr, AUDIT_ARCH_X86_64),
    allowCompat: prepare(parent?.allowCompat, geometry.compatNr, AUDIT_ARCH_I386),
  };
}

/**
 * seccomp_cache_check_allow(): true means ALLOW without running the filters. A negative or too-large nr
 * misses; so does an arch that is neither native nor compat (the kernel also WARNs once).
 */
export function seccompCacheCheckAllow(cache: ActionCache, nr: number, arch: number): boolean {
  const bits =
    arch >>> 0 === AUDIT_ARCH_X86_64
      ? cache.allowNative
      : arch >>> 0 === AUDIT_ARCH_I386
        ? cache.allowCompat
        : null;
  if (!bits || nr < 0 || nr >= bits.length) return false;
  return bits[nr] === 1;
}

/** The always-allowed syscall numbers of one arch, for display. */
export function cachedAllowList(cache: ActionCache, arch: number): number[] {
  const bits = arch >>> 0 === AUDIT_ARCH_I386 ? cache.allowCompat : cache.allowNative;
  const out: number[] = [];
  for (let nr = 0; nr < bits.length; nr++) if (bits[nr]) out.push(nr);
  return out;
}
