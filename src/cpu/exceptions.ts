// Exception vectors (SDM Vol. 3A, Table 6-1).
export const DE = 0; // divide error
export const DB = 1;
export const BP = 3; // INT3
export const UD = 6; // invalid opcode
export const NM = 7;
export const DF_VEC = 8;
export const SS_VEC = 12; // stack-segment fault
export const GP = 13; // general protection
export const PF_VEC = 14; // page fault
export const MF_VEC = 16; // x87 floating-point error
export const XM_VEC = 19; // SIMD floating-point exception

export const EXCEPTION_NAMES: Record<number, string> = {
  0: "#DE",
  1: "#DB",
  3: "#BP",
  6: "#UD",
  7: "#NM",
  8: "#DF",
  12: "#SS",
  13: "#GP",
  14: "#PF",
  16: "#MF",
  19: "#XM",
};

// #PF error code bits (SDM Vol. 3A, §4.7).
export const PFEC_P = 1 << 0; // 0: not present, 1: protection violation
export const PFEC_W = 1 << 1; // the access was a write
export const PFEC_U = 1 << 2; // the access was at CPL 3
export const PFEC_I = 1 << 4; // the access was an instruction fetch
