import type { TimingSpec } from "./timing/timing-model.ts";

// Instruction classes a cost profile prices. Every retired instruction belongs to exactly one class;
// each memory operand access adds the profile's `load` or `store` cost on top.
export const INSN_CLASSES = [
  "nop", // NOP, ENDBR64, multi-byte NOP
  "mov", // register/immediate moves, MOVZX/MOVSX/MOVSXD, XCHG reg,reg, CBW family, CMOVcc, SETcc
  "lea",
  "alu", // ADD/ADC/SUB/SBB/AND/OR/XOR/CMP/TEST/INC/DEC/NEG/NOT, BT family
  "shift", // SHL/SHR/SAR/ROL/ROR/RCL/RCR
  "imul",
  "mul", // MUL (one-operand, double-width result)
  "div", // DIV/IDIV
  "push",
  "pop",
  "jmp", // JMP rel and indirect
  "jcc", // conditional branch, taken or not
  "call",
  "ret",
  "string", // per iteration of REP MOVS/STOS (and one non-REP execution)
  "flags", // CLD/STD/PUSHFQ/POPFQ/LAHF/SAHF/CLC/STC/CMC
  "cpuid",
  "rdtsc",
  "syscall",
  "sysret",
  "iretq",
  "swapgs",
  "cli",
  "sti",
  "rdmsr",
  "wrmsr",
  "mov_cr3",
  "hlt",
  "trap", // INT3, UD2 and any instruction that raises an exception (charged when it faults)
  "native", // the fixed dispatch cost of entering a native; the native adds its own modelled cost
  "sse", // SSE/SSE2 floating point: ADD/SUB/MUL/MIN/MAX/CMP/COMIS/CVT PS/PD/SS/SD
  "sse_div", // SSE/SSE2 DIV and SQRT PS/PD/SS/SD
] as const;

export type InsnClass = (typeof INSN_CLASSES)[number];

export const INSN_CLASS_INDEX: Readonly<Record<InsnClass, number>> = Object.fromEntries(
  INSN_CLASSES.map((c, i) => [c, i]),
) as Record<InsnClass, number>;

/** Cycles per instruction class, plus per-access memory costs. */
export interface CostTable {
  readonly classes: Readonly<Record<InsnClass, number>>;
  /** cycles added per memory read operand access (a load-op-store counts one load and one store) */
  readonly load: number;
  /** cycles added per memory write operand access */
  readonly store: number;
  /** how blocks are priced (src/cpu/timing): absent means "flat", the classes above per instruction */
  readonly timing?: TimingSpec;
  /** the speculation mitigations the profiled machine's kernel runs with (absent: none); the kernel reads them */
  readonly mitigations?: SpeculationMitigations;
}

/**
 * How the profiled kernel was patched at boot (arch/x86/kernel/alternative.c apply_retpolines/apply_returns):
 * `retpoline` sends indirect calls through __x86_indirect_thunk_<reg> (X86_FEATURE_RETPOLINE, "Mitigation:
 * Retpolines" in /sys/devices/system/cpu/vulnerabilities/spectre_v2); `returnThunk` sends returns through
 * x86_return_thunk (X86_FEATURE_RETHUNK): "srso" is srso_return_thunk, spec_rstack_overflow's "Safe RET".
 */
export interface SpeculationMitigations {
  readonly retpoline: boolean;
  readonly returnThunk: "none" | "srso";
}

/** No retpoline, plain returns: a CPU with eIBRS and no return-thunk mitigation, or a pre-2018 kernel. */
export const NO_MITIGATIONS: SpeculationMitigations = Object.freeze({
  retpoline: false,
  returnThunk: "none",
});

/** A neutral table: one cycle per instruction, memory free. Used by tests and until a profile is chosen. */
export const UNIT_COSTS: CostTable = {
  classes: Object.fromEntries(INSN_CLASSES.map((c) => [c, 1])) as Record<InsnClass, number>,
  load: 0,
  store: 0,
};
