// The CPUID answers of the modelled processor: a deterministic baseline x86-64 part (SDM Vol. 2A, CPUID).
// Vendor string "SyscallLab64". Leaf 1 reports FPU, TSC, MSR, PAE, CX8, CMOV, MMX, FXSR, SSE, SSE2 (the x86-64
// baseline) and no AVX/XSAVE; 0x80000001 reports LAHF-SAHF, SYSCALL, NX and LM. Unlisted leaves return zeros.
// (The x87/SSE instructions themselves are not executed: they raise #UD.)
export const CPUID_VENDOR = "SyscallLab64";
const LEAF1_EDX = (1 << 0) |
    (1 << 4) |
    (1 << 5) |
    (1 << 6) |
    (1 << 8) |
    (1 << 15) |
    (1 << 23) |
    (1 << 24) |
    (1 << 25) |
    (1 << 26);
export const CPUID_EXT_EDX_SYSCALL = 1 << 11;
export const CPUID_EXT_EDX_NX = 1 << 20;
export const CPUID_EXT_EDX_LM = 1 << 29;
export const CPUID_LEAF1_EDX_SSE = 1 << 25;
export const CPUID_LEAF1_EDX_SSE2 = 1 << 26;
export const CPUID_LEAF1_ECX_AVX = 1 << 28;
function word(s, at) {
    return (s.charCodeAt(at) |
        (s.charCodeAt(at + 1) << 8) |
        (s.charCodeAt(at + 2) << 16) |
        (s.charCodeAt(at + 3) << 24));
}
/** Fills out[0..3] = EAX, EBX, ECX, EDX for leaf EAX / subleaf ECX. */
export function cpuid(leaf, _subleaf, apicId, out) {
    out.fill(0);
    switch (leaf >>> 0) {
        case 0:
            out[0] = 1;
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
        case 0x80000000:
            out[0] = 0x80000001 | 0;
            break;
        case 0x80000001:
            out[2] = 1; // LAHF/SAHF in 64-bit mode
            out[3] = CPUID_EXT_EDX_SYSCALL | CPUID_EXT_EDX_NX | CPUID_EXT_EDX_LM;
            break;
    }
}
//# sourceMappingURL=cpuid.js.map