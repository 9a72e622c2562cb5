// Host speed of the interpreter (Benchmark.js): a tight integer loop and a memory-heavy loop, reported in MIPS.
// Run built: npx tsc -p tsconfig.build.json && node dist/bench/interpreter.bench.js
import Benchmark from "benchmark";
import { Cpu } from "../src/cpu/cpu.ts";
import type { CostTable } from "../src/cpu/insn-class.ts";
import { AddressSpace, PhysicalMemory, PTE_U, PTE_W } from "../src/cpu/memory.ts";
import { RSI, RSP } from "../src/cpu/registers.ts";
import { getProfile } from "../src/measure/profile.ts";
import { type BenchRecord, record, writeSuiteResults } from "./results.ts";

const CODE = 0x400000;
const DATA = 0x600000;
const STACK_TOP = 0x800000;
const SLICE = 1_000_000; // instructions per benchmark operation

// top: movl $1000000,%ecx; 1: addq %rcx,%rax; decq %rcx; jnz 1b; jmp top
const TIGHT = Uint8Array.from([
  0xb9, 0x40, 0x42, 0x0f, 0x00, 0x48, 0x01, 0xc8, 0x48, 0xff, 0xc9, 0x75, 0xf8, 0xeb, 0xf1,
]);
// top: movl $1000000,%ecx; 1: movq (%rsi),%rax; movq %rax,8(%rsi); pushq %rax; popq %rbx; addq %rbx,16(%rsi);
// decq %rcx; jnz 1b; jmp top
const MEMORY = Uint8Array.from([
  0xb9, 0x40, 0x42, 0x0f, 0x00, 0x48, 0x8b, 0x06, 0x48, 0x89, 0x46, 0x08, 0x50, 0x5b, 0x48, 0x01, 0x5e, 0x10,
  0x48, 0xff, 0xc9, 0x75, 0xee, 0xeb, 0xe7,
]);

function machine(code: Uint8Array, costs?: CostTable): Cpu {
  const phys = new PhysicalMemory({ maxBytes: 8 * 1024 * 1024 });
  const space = new AddressSpace(phys, 0x1000);
  space.map(CODE, 4096, PTE_U);
  space.map(DATA, 4096, PTE_U | PTE_W);
  space.map(STACK_TOP - 4096, 4096, PTE_U | PTE_W);
  space.writeBytes(CODE, code);
  const cpu = costs === undefined ? new Cpu({ space }) : new Cpu({ space, costs });
  cpu.cpl = 3;
  cpu.setRip(CODE);
  cpu.setReg(RSI, DATA);
  cpu.setReg(RSP, STACK_TOP);
  const r = cpu.run(1000);
  if (r.kind !== "budget")
    throw new Error(
      `benchmark program stopped: ${JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString(16) : v))}`,
    );
  return cpu;
}

const tight = machine(TIGHT);
const memory = machine(MEMORY);
// the same loops priced by the out-of-order timing model (cascadelake-2022's)
const ooo = getProfile("cascadelake-2022").costs;
const tightOoo = machine(TIGHT, ooo);
const memoryOoo = machine(MEMORY, ooo);
export let sink = 0;

interface Row {
  name: string;
  mips: number;
  rme: number;
  samples: number;
}
const rows: Row[] = [];
const records: BenchRecord[] = [];

const suite = new Benchmark.Suite("interpreter");
suite
  .add(
    "tight integer loop (add/dec/jnz)",
    () => {
      tight.run(SLICE);
      sink ^= tight.regs[0]!;
    },
    { maxTime: 3 },
  )
  .add(
    "memory-heavy loop (load/store/push/pop/add-to-memory)",
    () => {
      memory.run(SLICE);
      sink ^= memory.regs[0]!;
    },
    { maxTime: 3 },
  )
  .add(
    "tight integer loop, out-of-order timing",
    () => {
      tightOoo.run(SLICE);
      sink ^= tightOoo.regs[0]!;
    },
    { maxTime: 3 },
  )
  .add(
    "memory-heavy loop, out-of-order timing",
    () => {
      memoryOoo.run(SLICE);
      sink ^= memoryOoo.regs[0]!;
    },
    { maxTime: 3 },
  )
  .on("cycle", (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark;
    rows.push({
      name: b.name ?? "",
      mips: (b.hz * SLICE) / 1e6,
      rme: b.stats.rme,
      samples: b.stats.sample.length,
    });
    records.push(record("interpreter", b, { mips: (b.hz * SLICE) / 1e6 }));
  });

await new Promise<void>((resolve) => {
  suite.on("complete", () => resolve());
  suite.run({ async: true });
});

for (const r of rows) {
  console.log(
    `${r.name.padEnd(56)} ${r.mips.toFixed(1).padStart(7)} MIPS  ±${r.rme.toFixed(1)}%  (${r.samples} samples)`,
  );
}
console.log(`(sink ${sink}) → ${writeSuiteResults("interpreter", records)}`);
