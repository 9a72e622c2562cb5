// The CPUID answers of the modelled processor: a deterministic baseline x86-64 part (SDM Vol. 2A, CPUID).
// Vendor string "SyscallLab64" (glibc's init_cpu_features treats it as arch_kind_other and uses its generic
// SSE2 string and memory functions). It advertises only what is executed: leaf 1 reports TSC, MSR, PAE, CMOV,
// FXSR, SSE, SSE2 (not the x87 FPU, MMX or CMPXCHG8B of the x86-64 baseline, which are #UD here) and ECX = 0: no
// SSE3/SSSE3/SSE4, no POPCNT, no OSXSAVE (so XGETBV is never reached), no AVX.
// Leaf 7 is all zeros (no BMI1/BMI2/ERMS/FSRM/AVX2): F3 0F BC/BD therefore run as BSF/BSR. 0x80000001 reports
// LAHF-SAHF, SYSCALL, NX and LM, and neither LZCNT, PREFETCHW, RDTSCP nor MOVBE. Caches (leaves 2, 4 and
// 0x80000005/6): 32 KiB 8-way L1d and L1i, 256 KiB 8-way L2, 8 MiB 16-way L3, 64-byte lines. Unlisted leaves
// and subleaves return zeros. Executed: the integer ISA and SSE/SSE2 (sse-ops.ts); x87 and MMX raise #UD.

export const CPUID_VENDOR = "SyscallLab64";

/**
 * CPUID.1:EDX: only what the CPU executes: TSC (RDTSC), MSR (RDMSR/WRMSR), PAE, CMOV, FXSR (FXSAVE/FXRSTOR,
 * CR4.OSFXSR), SSE, SSE2. Not FPU (bit 0: x87), CX8 (bit 8: CMPXCHG8B) or MMX (bit 23), which raise #UD here; glibc
 * 2.36 and musl 1.2.3 start and pick their SSE2 string functions without them (test/kernel/exec*.test.ts).
 */
const LEAF1_EDX =
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 15) | // CMOV
  (1 << 24) | // FXSR
  (1 << 25) | // SSE
  (1 << 26); // SSE2
/**
 * FPU (bit 0), CX8 (bit 8) and MMX (bit 23): the rest of the x86-64 baseline ISA level. glibc 2.33+ refuses to load
 * a shared object marked GNU_PROPERTY_X86_ISA_1_BASELINE (Debian's libc.so.6 is) unless CPUID reports all of CMOV,
 * CX8, FPU, FXSR, MMX, SSE and SSE2 (sysdeps/x86/get-isa-level.h), and it reads leaf 1 at all only for the vendors
 * it knows (sysdeps/x86/cpu-features.c init_cpu_features: GenuineIntel, AuthenticAMD, … ; any other vendor gets
 * ISA level 0). No string-function choice depends on these three bits (glibc picks by SSSE3, AVX2, ERMS, …).
 */
export const CPUID_BASELINE_CLAIMS = (1 << 0) | (1 << 8) | (1 << 23);
export const CPUID_CLAIMED_VENDOR = "GenuineIntel";

/**
 * The answer as a machine that opted in (Cpu.cpuidBaselineClaims) gives it: vendor GenuineIntel in leaf 0 and
 * CPUID_BASELINE_CLAIMS added to leaf 1's EDX. Every other answer is unchanged; x87, MMX and CMPXCHG8B stay #UD.
 */
export function withBaselineClaims(leaf: number, out: Int32Array): void {
  if (leaf >>> 0 === 0) {
    out[1] = word(CPUID_CLAIMED_VENDOR, 0);
    out[3] = word(CPUID_CLAIMED_VENDOR, 4);
    out[2] = word(CPUID_CLAIMED_VENDOR, 8);
  } else if (leaf >>> 0 === 1) out[3] = out[3]! | CPUID_BASELINE_CLAIMS;
}
export const CPUID_EXT_EDX_SYSCALL = 1 << 11;
export const CPUID_EXT_EDX_NX = 1 << 20;
export const CPUID_EXT_EDX_LM = 1 << 29;
export const CPUID_LEAF1_EDX_SSE = 1 << 25;
export const CPUID_LEAF1_EDX_SSE2 = 1 << 26;
export const CPUID_LEAF1_ECX_AVX = 1 << 28;

function word(s: string, at: number): number {
  return (
    s.charCodeAt(at) |
    (s.charCodeAt(at + 1) << 8) |
    (s.charCodeAt(at + 2) << 16) |
    (s.charCodeAt(at + 3) << 24)
  );
}

export const CPUID_MAX_BASIC_LEAF = 7;
export const CPUID_MAX_EXT_LEAF = 0x80000008;
export const CPUID_BRAND = "SyscallLab64 baseline x86-64 CPU";

/** Leaf 4 subleaves: cache type (1 data, 2 instruction, 3 unified), level, ways, sets; 64-byte lines. */
const CACHES: readonly (readonly [type: number, level: number, ways: number, sets: number])[] = [
  [1, 1, 8, 64], // 32 KiB L1d
  [2, 1, 8, 64], // 32 KiB L1i
  [3, 2, 8, 512], // 256 KiB L2
  [3, 3, 16, 8192], // 8 MiB L3
];
const LINE = 64;

/** Fills out[0..3] = EAX, EBX, ECX, EDX for leaf EAX / subleaf ECX. */
export function cpuid(leaf: number, subleaf: number, apicId: number, out: Int32Array): void {
  out.fill(0);
  switch (leaf >>> 0) {
    case 0:
      out[0] = CPUID_MAX_BASIC_LEAF;
      out[1] = word(CPUID_VENDOR, 0);
      out[3] = word(CPUID_VENDOR, 4);
      out[2] = word(CPUID_VENDOR, 8);
      break;
    case 1:
      out[0] = 0x000306a9; // family 6, model 0x3a, stepping 9
      out[1] = ((apicId & 0xff) << 24) | (8 << 8); // CLFLUSH line = 8 * 8 bytes
      out[2] = 0;
      out[3] = LEAF1_EDX;
      break;
    case 2:
      out[0] = 0x00ff0001; // one iteration; descriptor 0xFF: cache parameters are in leaf 4
      break;
    case 4: {
      const c = CACHES[subleaf >>> 0];
      if (c === undefined) break; // type 0: no more caches
      const [type, level, ways, sets] = c;
      out[0] = type | (level << 5) | (1 << 8); // self-initialising; one thread and one core share it
      out[1] = ((ways - 1) << 22) | (LINE - 1);
      out[2] = sets - 1;
      break;
    }
    case 0x80000000:
      out[0] = CPUID_MAX_EXT_LEAF | 0;
      break;
    case 0x80000001:
      out[2] = 1; // LAHF/SAHF in 64-bit mode
      out[3] = CPUID_EXT_EDX_SYSCALL | CPUID_EXT_EDX_NX | CPUID_EXT_EDX_LM;
      break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const brand = CPUID_BRAND.padEnd(48, "\0");
      const at = 16 * ((leaf >>> 0) - 0x80000002);
      for (let i = 0; i < 4; i++) out[i] = word(brand, at + 4 * i);
      break;
    }
    case 0x80000005: // L1 (AMD layout): size KiB, ways, lines per tag, line size
      out[2] = (32 << 24) | (8 << 16) | (1 << 8) | LINE;
      out[3] = (32 << 24) | (8 << 16) | (1 << 8) | LINE;
      break;
    case 0x80000006: // L2 in ECX (KiB; associativity code 6 = 8 ways), L3 in EDX (512 KiB units; 8 = 16 ways)
      out[2] = (256 << 16) | (6 << 12) | (1 << 8) | LINE;
      out[3] = (16 << 18) | (8 << 12) | (1 << 8) | LINE;
      break;
    case 0x80000008:
      out[0] = 0x3030; // 48 physical, 48 linear address bits
      break;
  }
}
