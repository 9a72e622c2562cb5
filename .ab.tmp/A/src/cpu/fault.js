// A guest exception aborts the current instruction by throwing the FAULT sentinel; the details live in FaultState.
export const FAULT = Object.freeze({ fault: true });
export function raise(f, vector, errorCode, detail) {
    f.vector = vector;
    f.errorCode = errorCode;
    f.detail = detail;
    f.trap = false;
    throw FAULT;
}
/** A software interrupt (INT n, INT3): reported with the next instruction's RIP. */
export function raiseTrap(f, vector, detail) {
    f.vector = vector;
    f.errorCode = 0;
    f.detail = detail;
    f.trap = true;
    throw FAULT;
}
export function newFaultState() {
    return { vector: 0, errorCode: 0, detail: "", cr2: 0, trap: false };
}
//# sourceMappingURL=fault.js.map