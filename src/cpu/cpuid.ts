// The CPUID answers of the modelled processor (SDM Vol. 2A, CPUID). Vendor string "SyscallLab64" (glibc's
// init_cpu_features treats it as arch_kind_other and uses its generic SSE2 string and memory functions). It
// advertises only what is executed and checked against hardware vectors (docs/testing-hardware-vectors.md):
// leaf 1 EDX = FPU TSC MSR PAE CX8 CMOV MMX FXSR SSE SSE2 (the whole x86-64 baseline), ECX = SSE3 SSSE3 CX16
// SSE4.1 SSE4.2 POPCNT (no OSXSAVE, so XGETBV is never reached, no AVX, no MOVBE); leaf 7 EBX = BMI1 BMI2 (no ERMS/FSRM/AVX2);
// 0x80000001 ECX = LAHF-SAHF, ABM (LZCNT), EDX = SYSCALL NX RDTSCP LM (no PREFETCHW, MOVBE). Caches (leaves 2, 4
// and 0x80000005/6): 32 KiB 8-way L1d and L1i, 256 KiB 8-way L2, 8 MiB 16-way L3, 64-byte lines. Unlisted leaves
// and subleaves return zeros.

export const CPUID_VENDOR = "SyscallLab64";

/**
 * CPUID.1:EDX: FPU (x87.ts), TSC (RDTSC), MSR (RDMSR/WRMSR), PAE, CX8 (CMPXCHG8B), CMOV (and FCMOVcc/FCOMI, with
 * FPU), MMX (mmx.ts), FXSR (FXSAVE/FXRSTOR, CR4.OSFXSR), SSE, SSE2.
 */
const LEAF1_EDX =
  (1 << 0) | // FPU
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 15) | // CMOV
  (1 << 23) | // MMX
  (1 << 24) | // FXSR
  (1 << 25) | // SSE
  (1 << 26); // SSE2
/** CPUID.1:ECX: SSE3 (sse3.ts), SSSE3 (ssse3.ts), CX16 (CMPXCHG16B), SSE4.1 (sse41.ts), SSE4.2 (sse42.ts), POPCNT. */
const LEAF1_ECX = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23);
/** CPUID.(7,0):EBX: BMI1 (ANDN BEXTR BLSI BLSMSK BLSR TZCNT), BMI2 (BZHI MULX PDEP PEXT RORX SARX SHLX SHRX). */
const LEAF7_EBX = (1 << 3) | (1 << 8);
/** CPUID.80000001H:ECX: LAHF-SAHF in 64-bit mode, ABM (LZCNT). EDX: SYSCALL, NX, RDTSCP, LM. */
const EXT1_ECX = (1 << 0) | (1 << 5);
/**
 * FPU (bit 0), CX8 (bit 8) and MMX (bit 23): the rest of the x86-64 baseline ISA level. glibc 2.33+ refuses to load
 * a shared object marked GNU_PROPERTY_X86_ISA_1_BASELINE (Debian's libc.so.6 is) unless CPUID reports all of CMOV,
 * CX8, FPU, FXSR, MMX, SSE and SSE2 (sysdeps/x86/get-isa-level.h). They are part of every answer now that x87,
 * MMX and CMPXCHG8B execute; the constant stays for the auxiliary vector's AT_HWCAP (kernel/exec.ts).
 */
export const CPUID_BASELINE_CLAIMS = (1 << 0) | (1 << 8) | (1 << 23);
export const CPUID_CLAIMED_VENDOR = "GenuineIntel";

/**
 * The answer as a machine that opted in (Cpu.cpuidBaselineClaims) gives it: vendor GenuineIntel in leaf 0, which
 * glibc needs before it reads leaf 1 at all (sysdeps/x86/cpu-features.c init_cpu_features: only GenuineIntel,
 * AuthenticAMD, HygonGenuine, CentaurHauls and Shanghai get their feature bits read; any other vendor gets ISA
 * level 0 and libc.so.6 refuses to load). Every feature bit is the normal answer: the claim is the vendor alone.
 */
export function withBaselineClaims(leaf: number, out: Int32Array): void {
  if (leaf >>> 0 === 0) {
    out[1] = word(CPUID_CLAIMED_VENDOR, 0);
    out[3] = word(CPUID_CLAIMED_VENDOR, 4);
    out[2] = word(CPUID_CLAIMED_VENDOR, 8);
  }
}
export const CPUID_EXT_EDX_SYSCALL = 1 << 11;
export const CPUID_EXT_EDX_NX = 1 << 20;
export const CPUID_EXT_EDX_LM = 1 << 29;
export const CPUID_EXT_EDX_RDTSCP = 1 << 27;
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
      out[2] = LEAF1_ECX;
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
    case 7:
      if (subleaf >>> 0 === 0) out[1] = LEAF7_EBX;
      break;
    case 0x80000001:
      out[2] = EXT1_ECX;
      out[3] = CPUID_EXT_EDX_SYSCALL | CPUID_EXT_EDX_NX | CPUID_EXT_EDX_RDTSCP | CPUID_EXT_EDX_LM;
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
