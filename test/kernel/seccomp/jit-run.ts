// Test helper: runs a filter chain's JIT images on the emulated CPU through the kernel text's
// seccomp_run_filters, outside any task: seccomp_data and a stack in the kernel heap, the return address the
// `hlt` of cpu_idle, so run() stops when the routine returns.
import { RAX, RDI, RDX, RSI, RSP } from "../../../src/cpu/registers.ts";
import { Machine } from "../../../src/kernel/machine.ts";
import type { SeccompFilterNode } from "../../../src/kernel/seccomp/filter-chain.ts";

export interface JitRun {
  ret: number;
  match: SeccompFilterNode | null;
  /** instructions the CPU retired from the routine's entry to its `ret` */
  insns: number;
  cycles: number;
}

export class JitRunner {
  readonly machine = Machine.boot({ flavour: "linux-generic" });
  private readonly stackTop: number;
  private readonly sd: number;

  constructor() {
    this.stackTop = this.machine.kmalloc(4096) + 4096;
    this.sd = this.machine.kmalloc(64);
  }

  run(head: SeccompFilterNode, data: Uint32Array): JitRun {
    const m = this.machine;
    const jit = m.seccompJit!;
    const cpu = m.cpu;
    const f = jit.filterAddr(head);
    m.kspace.writeBytes(this.sd, new Uint8Array(data.buffer, data.byteOffset, 64));
    const sp = this.stackTop - 8;
    m.kspace.write64(sp, BigInt.asUintN(64, BigInt(m.sym("cpu_idle") + 1))); // its hlt
    cpu.setReg(RSP, BigInt.asUintN(64, BigInt(sp)));
    cpu.setReg(RDI, BigInt.asUintN(64, BigInt(this.sd)));
    cpu.setReg(RSI, BigInt.asUintN(64, BigInt(f)));
    cpu.setRip(jit.runFiltersAddr);
    const c0 = cpu.cycles;
    const i0 = cpu.instret;
    const r = cpu.run(10_000_000);
    if (r.kind !== "hlt") throw new Error(`seccomp_run_filters did not return: ${JSON.stringify(r)}`);
    return {
      ret: Number(cpu.getReg(RAX) & 0xffffffffn),
      match: jit.nodeAt(Number(BigInt.asIntN(64, cpu.getReg(RDX)))),
      insns: cpu.instret - i0 - 1, // the hlt
      cycles: cpu.cycles - c0,
    };
  }
}
