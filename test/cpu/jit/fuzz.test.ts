// The block JIT against the interpreter on random instruction sequences: each program is a loop (so its blocks
// get hot and compiled) over random hot-op instructions mixed with ops the JIT leaves to the interpreter, local
// branches, calls, pushes and pops, memory operands, and sometimes a load that faults in a hot block (half the programs
// map the page in an exception handler and go on); it runs in random budget
// chunks, and after every chunk both engines must agree on every register, RFLAGS, RIP, the data page, the stop
// reason, cycles, instructions and mispredictions.
import { describe, expect, it } from "vitest";
import type { Cpu, StopReason } from "../../../src/cpu/cpu.ts";
import { type CostTable, UNIT_COSTS } from "../../../src/cpu/insn-class.ts";
import { PTE_NX, PTE_U, PTE_W } from "../../../src/cpu/memory.ts";
import { getProfile } from "../../../src/measure/profile.ts";
import { machine, USER_CODE, USER_DATA } from "../machine.ts";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Registers the program may write: not %rsp (pushes and pops are paired), %rbp (the data page) or %r15 (the loop).
const R64 = ["rax", "rcx", "rdx", "rbx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14"];
const R32 = ["eax", "ecx", "edx", "ebx", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d"];
const R16 = ["ax", "cx", "dx", "bx", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w"];
const R8 = ["al", "cl", "dl", "bl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b"];
const HIGH8 = ["ah", "ch", "dh", "bh"];
const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const SHIFTS = ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

function program(r: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const imm = () =>
    pick([0, 1, -1, 7, 0x7f, -0x80, 0x1234, -0x7fffffff, 0x7fffffff, Math.floor(r() * 65536)]);
  const immFor = (s: number) => (s === 1 ? imm() & 0x7f : s === 2 ? imm() & 0x7fff : imm());
  const sized = () => {
    const s = pick([8, 4, 2, 1]);
    const regs = s === 8 ? R64 : s === 4 ? R32 : s === 2 ? R16 : R8;
    return { s, suf: { 8: "q", 4: "l", 2: "w", 1: "b" }[s]!, reg: () => `%${pick(regs)}` };
  };
  const mem = () => `${8 * Math.floor(r() * 64)}(%rbp)`;
  const lines: string[] = ["mov $12, %r15d", "top:"];
  let label = 0;
  const n = 4 + Math.floor(r() * 24);
  for (let i = 0; i < n; i++) {
    const { s, suf, reg } = sized();
    const w = r();
    if (w < 0.14) lines.push(`${pick(ALU)}${suf} ${reg()}, ${reg()}`);
    else if (w < 0.2) lines.push(`${pick(ALU)}${suf} $${immFor(s)}, ${reg()}`);
    else if (w < 0.25) lines.push(`${pick(ALU)}${suf} ${mem()}, ${reg()}`);
    else if (w < 0.29) lines.push(`${pick(ALU)}${suf} ${reg()}, ${mem()}`);
    else if (w < 0.33) lines.push(`mov${suf} ${reg()}, ${reg()}`);
    else if (w < 0.37) lines.push(`mov${suf} ${mem()}, ${reg()}`);
    else if (w < 0.41) lines.push(`mov${suf} ${reg()}, ${mem()}`);
    else if (w < 0.43) lines.push(`mov${suf} $${immFor(s)}, ${s === 8 ? reg() : mem()}`);
    else if (w < 0.46) lines.push(`movabs $${Math.floor(r() * 2 ** 52) - 2 ** 51}, %${pick(R64)}`);
    else if (w < 0.49)
      lines.push(
        pick([
          `movzbl %${pick(R8)}, %${pick(R32)}`,
          `movsbl %${pick(HIGH8)}, %${pick(["eax", "ecx", "edx", "ebx", "esi", "edi"])}`,
        ]),
      );
    else if (w < 0.51)
      lines.push(pick([`movzwq ${mem()}, %${pick(R64)}`, `movslq %${pick(R32)}, %${pick(R64)}`]));
    else if (w < 0.54)
      lines.push(
        `lea ${imm()}(%${pick(R64)},%${pick(R64)},${pick([1, 2, 4, 8])}), %${pick([...R64, ...R32])}`,
      );
    else if (w < 0.57) lines.push(`test${suf} ${reg()}, ${reg()}`);
    else if (w < 0.6) lines.push(`${pick(["inc", "dec", "neg", "not"])}${suf} ${r() < 0.7 ? reg() : mem()}`);
    else if (w < 0.65)
      lines.push(`${pick(SHIFTS)}${suf} ${r() < 0.5 ? `$${Math.floor(r() * 70)}` : "%cl"}, ${reg()}`);
    else if (w < 0.69)
      lines.push(
        pick([
          `imul %${pick(R64)}, %${pick(R64)}`,
          `imul %${pick(R32)}, %${pick(R32)}`,
          `imul $${imm()}, %${pick(R32)}, %${pick(R32)}`,
          `imul ${mem()}, %${pick(R64)}`,
        ]),
      );
    else if (w < 0.72) lines.push(`set${pick(CC)} %${pick([...R8, ...HIGH8])}`);
    else if (w < 0.75) lines.push(`cmov${pick(CC)} %${pick(R64)}, %${pick(R64)}`);
    else if (w < 0.78) lines.push(`push %${pick(R64)}`, `pop %${pick(R64)}`);
    else if (w < 0.8) lines.push(`pushq ${mem()}`, `popq ${mem()}`);
    else if (w < 0.83)
      lines.push(pick(["cbw", "cwtl", "cltq", "cqto", "cltd", `xchg %${pick(R64)}, %${pick(R64)}`]));
    else if (w < 0.88) {
      label++;
      lines.push(`j${pick(CC)} L${label}`, `add${suf} ${reg()}, ${reg()}`, `L${label}:`);
    } else if (w < 0.91) lines.push("call fn");
    else if (w < 0.95)
      // ops the JIT leaves to the interpreter
      lines.push(pick(["bsf %rax, %rdx", "btq $5, %rcx", "cmc", "lahf", "bswap %esi", "stc", "clc"]));
    else if (w < 0.96)
      // Dead flag records then a side exit to the interpreter that reads the flags the last writer left.
      lines.push(
        `xor %${pick(R32)}, %${pick(R32)}`,
        `add $${imm()}, %${pick(R64)}`,
        `${pick(ALU)}q %${pick(R64)}, %${pick(R64)}`,
        pick(["lahf", "cmc", "pushf\npop %rdx", "sahf"]),
      );
    else if (w < 0.97)
      lines.push("mov -32(%rbp,%r15,8), %eax"); // #PF (USER_DATA - 8) when %r15 is 3
    else if (w < 0.985)
      // Register locals and flag liveness: registers written and flags set (some replaced before being read, so
      // their record is dropped) just before a load that faults in iteration 10 (the stop shows RFLAGS), then an
      // op that replaces the flags, then a reader.
      lines.push(
        `${pick(ALU)}l %${pick(R32)}, %${pick(R32)}`,
        `${pick(["add", "sub", "xor", "and", "or"])}q $${imm()}, %${pick(R64)}`,
        `${pick(["shl", "shr", "sar"])}l $${1 + Math.floor(r() * 31)}, %${pick(R32)}`,
        `${pick(["sub", "cmp", "add"])}q %${pick(R64)}, %${pick(R64)}`,
        "mov -32(%rbp,%r15,8), %eax",
        `${pick(["sub", "cmp", "xor"])}l %${pick(R32)}, %${pick(R32)}`,
        pick([
          `set${pick(CC)} %${pick(R8)}`,
          `adc %${pick(R32)}, %${pick(R32)}`,
          `cmov${pick(CC)} %rdx, %rsi`,
        ]),
      );
    else lines.push(`leave`, `mov %rsp, %rbp`, `lea ${USER_DATA}, %rbp`);
  }
  lines.push("dec %r15d", "jnz top", "hlt", "fn:", `xor${"q"} %rbx, %rax`, "ret");
  return lines.join("\n");
}

interface Snapshot {
  regs: string[];
  rflags: string;
  rip: string;
  cycles: number;
  user: number;
  sys: number;
  instret: number;
  mispredicts: number;
  stop: string;
  data: number[];
}

function snap(m: ReturnType<typeof machine>, stop: StopReason): Snapshot {
  const c: Cpu = m.cpu;
  return {
    regs: Array.from({ length: 16 }, (_, i) => c.getReg(i).toString(16)),
    rflags: c.getRflags().toString(16),
    rip: c.getRip().toString(16),
    cycles: c.cycles,
    user: c.userCycles,
    sys: c.sysCycles,
    instret: c.instret,
    mispredicts: c.mispredicts,
    stop: JSON.stringify(stop, (_, v) => (typeof v === "bigint" ? v.toString(16) : v)),
    data: Array.from(m.space.readBytes(USER_DATA, 512)),
  };
}

function runBoth(text: string, costs: CostTable, seed: number): { chunks: number; compiled: number } {
  const ms = (["interp", "jit"] as const).map((engine) => {
    const m = machine({ costs });
    m.load(USER_CODE, text);
    m.cpu.engine = engine;
    if (seed % 2 === 1) {
      // The handler maps the missing page and the faulting instruction runs again.
      m.cpu.setExceptionHandler((cpu) => {
        try {
          m.space.map(USER_DATA - 0x1000, 0x1000, PTE_U | PTE_W | PTE_NX);
        } catch {
          cpu.requestStop("a second fault"); // mapped already: some other fault (a wild stack after LEAVE)
        }
      });
    }
    const r = rng(seed ^ 0x5bd1e995);
    for (let i = 0; i < 15; i++) {
      if (i === 4 /* rsp */) continue;
      m.cpu.setReg(i, BigInt.asUintN(64, BigInt(Math.floor(r() * 2 ** 53)) << BigInt(Math.floor(r() * 12))));
    }
    m.cpu.setReg(5, BigInt(USER_DATA));
    for (let a = 0; a < 512; a += 8)
      m.space.writeBytes(
        USER_DATA + a,
        Uint8Array.of(...Array.from({ length: 8 }, () => Math.floor(r() * 256))),
      );
    return m;
  });
  const chunk = rng(seed);
  let chunks = 0;
  for (;;) {
    const k = 1 + Math.floor(chunk() * 300);
    const [a, b] = ms.map((m) => snap(m, m.cpu.run(k)));
    chunks++;
    expect(b, `chunk ${chunks} of\n${text}`).toEqual(a);
    if (!a!.stop.includes("budget") || a!.instret > 20000) break;
  }
  return { chunks, compiled: ms[1]!.cpu.jit.compiled };
}

describe("block JIT against the interpreter: random instruction sequences", () => {
  const profiles: [string, CostTable][] = [
    ["unit costs", UNIT_COSTS],
    ["sandybridge-2011 (flat)", getProfile("sandybridge-2011").costs],
    ["cascadelake-2022 (ooo, branch prediction)", getProfile("cascadelake-2022").costs],
  ];
  for (const [name, costs] of profiles) {
    const programs = costs === UNIT_COSTS ? 30 : 40;
    it(`${name}: ${programs} programs`, () => {
      let compiled = 0;
      for (let seed = 1; seed <= programs; seed++) {
        const text = program(rng(seed * 7919));
        compiled += runBoth(text, costs, seed).compiled;
      }
      expect(compiled).toBeGreaterThan(programs); // the JIT really ran
    });
  }
});
