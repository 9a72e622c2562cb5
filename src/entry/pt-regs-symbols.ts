// Both entry flavours address the saved frame through these symbols; src/kernel/pt-regs.ts gives their values.

/** The struct pt_regs slot offsets, r15 … ss (the same order in 3.1 and 5.x), as assembler symbols. */
export const PT_REGS_SYMBOLS = [
  "R15",
  "R14",
  "R13",
  "R12",
  "RBP",
  "RBX",
  "R11",
  "R10",
  "R9",
  "R8",
  "RAX",
  "RCX",
  "RDX",
  "RSI",
  "RDI",
  "ORIG_RAX",
  "RIP",
  "CS",
  "EFLAGS",
  "RSP",
  "SS",
] as const;
