// Two emulated CPUs: own per-cpu areas, own run queues, deterministic interleaving, exact per-task accounting,
// and coherent decoded-code caches and TLBs across CPUs.
import { describe, expect, it } from "vitest";
import { Cpu } from "../../src/cpu/cpu.ts";
import { AddressSpace, PhysicalMemory, PTE_W } from "../../src/cpu/memory.ts";
import { MSR_GS_BASE } from "../../src/cpu/msr.ts";
import { RAX } from "../../src/cpu/registers.ts";
import { Assembler } from "../../src/entry/assembler.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { PERCPU_cpu_number, PERCPU_kernel_stack, PERCPU_this_cpu_off } from "../../src/kernel/percpu.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../../src/kernel/task.ts";
import { KERNEL_STACK_OFFSET } from "../../src/kernel/thread-info.ts";
import { EXIT, userImage } from "./user-program.ts";

const CALLS = 40;
const loop = (n: number) =>
  `_start:\nmovl $${n}, %ebx\n1:\nmovl $${NR.getppid}, %eax\nsyscall\ndecl %ebx\njnz 1b\n${EXIT(0)}\n`;

const acctOf = (t: Task) => ({
  userCycles: t.acct.userCycles,
  sysCycles: t.acct.sysCycles,
  instret: t.acct.instret,
  syscalls: t.acct.syscalls,
  getppid: { ...t.acct.perSyscall.get(NR.getppid)! },
});

function alone(n: number) {
  const m = Machine.boot({ cpus: 1 });
  const t = m.createTask({ name: "alone", image: userImage(loop(n)) });
  const r = m.run();
  expect(r.reason).toBe("exited");
  return { r, acct: acctOf(t) };
}

function pair(quantum: number) {
  const m = Machine.boot({ cpus: 2 });
  const a = m.createTask({ name: "a", image: userImage(loop(CALLS)), cpu: 0 });
  const b = m.createTask({ name: "b", image: userImage(loop(CALLS + 7)), cpu: 1 });
  // what each CPU sees through GS at every syscall entry: its own area, with its own task's kernel stack
  const seen: string[] = [];
  for (const cpu of m.cpus)
    cpu.addProbe(m.sym("system_call_fastpath"), (c) => {
      const ks = m.kspace.read64(c.gsBase + PERCPU_kernel_stack);
      const t = m.scheds[c.id]!.current!;
      const ok =
        c.gsBase === m.percpus[c.id] &&
        Number(BigInt.asIntN(64, ks)) === t.stackTop - KERNEL_STACK_OFFSET &&
        m.cpuOf(t) === c.id;
      if (!ok) seen.push(`cpu ${c.id} task ${t.pid} gs 0x${c.gsBase.toString(16)} ks 0x${ks.toString(16)}`);
    });
  const r = m.run({ quantum });
  return { m, a, b, r, seen };
}

describe("two CPUs", () => {
  it("each runs its own task to the end on its own per-cpu area", () => {
    const { m, a, b, r, seen } = pair(1000);
    expect(r.reason).toBe("exited");
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect([m.cpuOf(a), m.cpuOf(b)]).toEqual([0, 1]);
    expect(seen).toEqual([]);
    expect(m.percpus[1]! - m.percpus[0]!).toBe(0x1000);
    m.cpus.forEach((cpu, n) => {
      expect(cpu.readMsr(MSR_GS_BASE)).toBe(BigInt.asUintN(64, BigInt(m.percpus[n]!)));
      expect(m.kspace.read64(m.percpus[n]! + PERCPU_cpu_number)).toBe(BigInt(n));
      expect(m.kspace.read64(m.percpus[n]! + PERCPU_this_cpu_off)).toBe(
        BigInt.asUintN(64, BigInt(m.percpus[n]!)),
      );
      expect(cpu.instret).toBeGreaterThan(0);
    });
    // the run interleaved: neither CPU ran to the end before the other started (quantum 1000 < either task)
    expect(m.scheds.map((s) => s.runQueue.map((t) => t.pid))).toEqual([[a.pid], [b.pid]]);
  });

  it("accounts each task exactly as if it had run alone, at any quantum", () => {
    const soloA = alone(CALLS);
    const soloB = alone(CALLS + 7);
    for (const q of [1, 7, 1000]) {
      const { a, b, r } = pair(q);
      expect(acctOf(a), `quantum ${q}`).toEqual(soloA.acct);
      expect(acctOf(b), `quantum ${q}`).toEqual(soloB.acct);
      expect(r.instructions).toBe(soloA.r.instructions + soloB.r.instructions);
      expect(r.cycles).toBe(soloA.r.cycles + soloB.r.cycles);
    }
    expect(soloA.acct.getppid.calls).toBe(CALLS);
    expect(soloA.acct.getppid.cycles / CALLS).toBe(soloB.acct.getppid.cycles / (CALLS + 7));
  });

  it("is deterministic: the same run twice gives the same numbers", () => {
    const x = pair(3);
    const y = pair(3);
    const snap = (p: ReturnType<typeof pair>) => ({
      r: p.r,
      a: acctOf(p.a),
      b: acctOf(p.b),
      cpus: p.m.cpus.map((c) => [c.instret, c.cycles, c.userCycles, c.sysCycles]),
    });
    expect(snap(x)).toEqual(snap(y));
  });

  it("a fork child (createTask with a parent) joins its parent's CPU; a CPU with nothing to run idles", () => {
    const m = Machine.boot({ cpus: 2 });
    const p = m.createTask({ name: "p", image: userImage(loop(3)), cpu: 1 });
    const c = m.createTask({ name: "c", image: userImage(loop(2)), parent: p });
    expect(m.cpuOf(c)).toBe(1);
    const r = m.run({ quantum: 5 });
    expect(r.reason).toBe("exited");
    expect(m.cpus[0]!.instret).toBe(0); // CPU 0 never had a task
    expect([p.exitCode, c.exitCode]).toEqual([0, 0]);
    expect(() => m.createTask({ name: "x", image: userImage(loop(1)), cpu: 2 })).toThrow(/no CPU 2/);
  });

  it("the budget counts the instructions of both CPUs", () => {
    const m = Machine.boot({ cpus: 2 });
    m.createTask({ name: "a", image: userImage(loop(CALLS)), cpu: 0 });
    m.createTask({ name: "b", image: userImage(loop(CALLS)), cpu: 1 });
    const r = m.run({ maxInstructions: 1001, quantum: 100 });
    expect(r.reason).toBe("budget");
    expect(r.instructions).toBe(1001);
    expect(m.cpus[0]!.instret).toBe(501);
    expect(m.cpus[1]!.instret).toBe(500);
    expect(m.run().reason).toBe("exited");
  });

  it("cpus: 1 keeps one CPU, one run queue and the old run loop", () => {
    const m = Machine.boot();
    expect(m.cpus).toHaveLength(1);
    expect(m.scheds).toHaveLength(1);
    expect(m.cpu).toBe(m.cpus[0]);
    expect(m.hierarchy.stepwise).toBeNull();
  });
});

describe("coherence between CPUs sharing memory", () => {
  const CODE = 0x10000;
  const OTHER = 0x20000;
  const asm = (base: number, text: string) => new Assembler({ base }).asm(text).assemble().bytes;

  function setup() {
    const phys = new PhysicalMemory({ maxBytes: 1 << 20 });
    const space = new AddressSpace(phys, phys.allocFrame());
    space.map(CODE, 0x1000, PTE_W);
    space.map(OTHER, 0x1000, PTE_W);
    const a = new Cpu({ space, id: 0 });
    const b = new Cpu({ space, id: 1 });
    space.writeBytes(CODE, asm(CODE, "movl $1, %eax\nhlt\n"));
    const run = (cpu: Cpu, at: number) => {
      cpu.rip = at;
      expect(cpu.run(100).kind).toBe("hlt");
      return Number(cpu.getReg(RAX));
    };
    return { phys, space, a, b, run };
  }

  it("a store by one CPU into code the other has decoded is seen by the other", () => {
    const { space, a, b, run } = setup();
    expect(run(a, CODE)).toBe(1); // CPU A has decoded CODE (and B has it in no cache)
    expect(run(b, CODE)).toBe(1); // now both have
    // CPU B rewrites the immediate of `movl $1, %eax` (b8 imm32: byte 1)
    space.writeBytes(OTHER, asm(OTHER, `movb $7, ${CODE + 1}\nhlt\n`));
    run(b, OTHER);
    expect(run(a, CODE)).toBe(7);
    expect(run(b, CODE)).toBe(7);
  });

  it("a host write and a page-table change are seen by both CPUs", () => {
    const { space, a, b, run } = setup();
    expect(run(a, CODE)).toBe(1);
    expect(run(b, CODE)).toBe(1);
    space.writeBytes(CODE, asm(CODE, "movl $2, %eax\nhlt\n"));
    expect([run(a, CODE), run(b, CODE)]).toEqual([2, 2]);
    // remap CODE to a fresh frame holding other code: both TLBs must drop the old translation
    space.unmap(CODE, 0x1000);
    space.map(CODE, 0x1000, PTE_W);
    space.writeBytes(CODE, asm(CODE, "movl $3, %eax\nhlt\n"));
    expect([run(a, CODE), run(b, CODE)]).toEqual([3, 3]);
  });
});
