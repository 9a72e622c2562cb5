// Exception and software-interrupt delivery. With a gate installed (Cpu.setGate, a minimal IDT of 64-bit interrupt
// gates) delivery is as in hardware (SDM Vol. 3A §6.14): from CPL 3 the stack switches to TSS.RSP0; RSP is aligned
// down to 16 bytes; SS, RSP, RFLAGS, CS, RIP (and an error code for #DF, #TS, #NP, #SS, #GP, #PF, #AC) are pushed;
// TF, NT, RF, VM and IF are cleared; CS = the kernel code selector; CPL 0. Without a gate the TypeScript
// ExceptionHandler is called; without that either, run() stops with a "fault".
import { hex, linearToBigInt } from "./address.js";
import { DF_VEC, EXCEPTION_NAMES, GP } from "./exceptions.js";
import { FAULT } from "./fault.js";
import { CS, RSP, SS } from "./registers.js";
import { IF, NT, RF, TF, VM } from "./rflags.js";
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
export function vectorName(v) {
    return EXCEPTION_NAMES[v] ?? `vector ${v}`;
}
/**
 * Delivers `vector`. faultRip is the RIP reported (the faulting instruction for faults, the next one for traps);
 * insnRip is the instruction's own address (a software INT that fails its gate-DPL check faults there).
 * `soft`: INT n / INT3 (no error code; the gate DPL is checked against CPL).
 */
export function deliverException(cpu, vector, errorCode, faultRip, insnRip, detail, soft) {
    const gate = cpu.gateAddr[vector];
    if (!Number.isNaN(gate)) {
        if (soft && cpu.cpl === 3 && cpu.gateDpl[vector] < 3) {
            // INT n to a gate with DPL < CPL: #GP(vector*8 + 2) (IDT, EXT=0), at the INT instruction.
            return deliverException(cpu, GP, vector * 8 + 2, insnRip, insnRip, `INT ${vector} gate DPL < CPL`, false);
        }
        if (pushFrame(cpu, gate, soft ? -1 : HAS_ERROR_CODE.has(vector) ? errorCode : -1, faultRip))
            return null;
        return {
            kind: "fault",
            vector: DF_VEC,
            errorCode: 0,
            rip: linearToBigInt(faultRip),
            detail: `${vectorName(cpu.fault.vector)} while delivering ${vectorName(vector)} through its gate (double fault)`,
        };
    }
    const h = cpu.exceptionHandler;
    if (h !== null) {
        cpu.rip = faultRip;
        h(cpu, vector, errorCode, faultRip, detail);
        return null;
    }
    cpu.rip = faultRip;
    return { kind: "fault", vector, errorCode, rip: linearToBigInt(faultRip), detail };
}
function pushFrame(cpu, handler, errorCode, retRip) {
    const regs = cpu.regs;
    const oldCpl = cpu.cpl;
    const oldRsp = regs[2 * RSP + 1] * 4294967296 + (regs[2 * RSP] >>> 0);
    const oldFlags = cpu.getRflags();
    const oldCs = cpu.sreg[CS];
    const oldSs = cpu.sreg[SS];
    let sp = oldCpl === 3 ? cpu.tssRsp0 : oldRsp;
    sp = Math.floor(sp / 16) * 16; // align down to 16 (works for negative canonical values)
    const frame = [oldSs, oldRsp, oldFlags, oldCs, retRip];
    if (errorCode >= 0)
        frame.push(errorCode);
    const mmu = cpu.mmu;
    mmu.setUser(false); // the frame is written with supervisor rights
    try {
        for (const v of frame) {
            sp -= 8;
            const lo = v | 0;
            const hi = Math.floor(v / 4294967296) | 0;
            mmu.write64(sp, lo, hi);
        }
    }
    catch (e) {
        mmu.setUser(oldCpl === 3);
        if (e === FAULT)
            return false;
        throw e;
    }
    regs[2 * RSP] = sp | 0;
    regs[2 * RSP + 1] = Math.floor(sp / 4294967296) | 0;
    cpu.setRflags(oldFlags & ~(TF | NT | RF | VM | IF));
    if (oldCpl === 3)
        cpu.sreg[SS] = 0; // 64-bit mode: SS ← NULL selector with RPL = new CPL
    cpu.cpl = 0;
    cpu.sreg[CS] = cpu.kernelCodeSelector;
    cpu.rip = handler;
    return true;
}
export function describeFault(vector, errorCode, rip) {
    return `${vectorName(vector)}(${errorCode}) at ${hex(rip)}`;
}
//# sourceMappingURL=interrupts.js.map