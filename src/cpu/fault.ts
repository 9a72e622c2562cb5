// A guest exception aborts the current instruction by throwing the FAULT sentinel; the details live in FaultState.

export interface FaultState {
  vector: number;
  errorCode: number;
  /** Human-readable detail ("" = none; the interpreter adds the instruction bytes for #UD). */
  detail: string;
  /** CR2 value for #PF (copied into the architectural CR2 when the fault is delivered). */
  cr2: number;
  /** true for traps (INT n, INT3): the reported RIP is the next instruction. */
  trap: boolean;
}

export const FAULT: { readonly fault: true } = Object.freeze({ fault: true });

export function raise(f: FaultState, vector: number, errorCode: number, detail: string): never {
  f.vector = vector;
  f.errorCode = errorCode;
  f.detail = detail;
  f.trap = false;
  throw FAULT;
}

/** A software interrupt (INT n, INT3): reported with the next instruction's RIP. */
export function raiseTrap(f: FaultState, vector: number, detail: string): never {
  f.vector = vector;
  f.errorCode = 0;
  f.detail = detail;
  f.trap = true;
  throw FAULT;
}

export function newFaultState(): FaultState {
  return { vector: 0, errorCode: 0, detail: "", cr2: 0, trap: false };
}
