// Self-modifying code under the block JIT: a store into the block that is running (the rest of the block runs
// decoded anew, at the running block's prices), a store into another hot block, and host writes between runs.
// Each case runs under both engines; registers, cycles and counts must match, and the JIT must have compiled.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/cpu/jit/engine.ts";
import { getProfile } from "../../../src/measure/profile.ts";
import { bytesAt, machine, USER_CODE } from "../machine.ts";

const RAX = 0;
const RBX = 3;
const RDX = 2;

function run(engine: Engine, text: string, chunks: number[], host?: (m: ReturnType<typeof machine>) => void) {
  const m = machine({ costs: getProfile("cascadelake-2022").costs });
  m.cpu.engine = engine;
  m.space.protect(USER_CODE, 0x2000, 4 | 2); // user, writable
  m.load(USER_CODE, text);
  m.cpu.setReg(RBX, USER_CODE);
  const seen: string[] = [];
  for (const k of chunks) {
    const stop = m.cpu.run(k);
    seen.push(
      [stop.kind, m.cpu.getRip(), m.cpu.getReg(RAX), m.cpu.getReg(RDX), m.cpu.cycles, m.cpu.instret].join(
        " ",
      ),
    );
    host?.(m);
  }
  return { seen, compiled: m.cpu.jit.compiled, mispredicts: m.cpu.mispredicts };
}

describe("block JIT: self-modifying code", () => {
  it("a store into the running block: the following instructions run as rewritten", () => {
    // In iteration 10 (by then the block is compiled) the loop body's store goes to the imm8 of the block's own
    // `addl $1, %edx` instead of the data page; the rest of the block and the later iterations add 10.
    const text = [
      "movl $40, %ecx",
      "lea patch+2(%rip), %rdi",
      "movq $0x600000, %r8",
      "1: mov %r8, %rsi",
      "cmp $10, %ecx",
      "cmove %rdi, %rsi",
      "movb %cl, (%rsi)",
      "patch: addl $1, %edx",
      "addl %edx, %eax",
      "decl %ecx",
      "jnz 1b",
      "hlt",
    ].join("\n");
    const a = run("interp", text, [1000]);
    const b = run("jit", text, [1000]);
    expect(b.seen).toEqual(a.seen);
    expect(a.seen[0]).toMatch(/^fault 4194\d+ \d+ 130 /); // HLT at CPL 3; %edx = 30·1 + 10·10: the rewritten add ran
    expect(b.compiled).toBeGreaterThan(0);
    expect(b.mispredicts).toBe(a.mispredicts);
  });

  it("a store into another block that is hot and compiled", () => {
    const text = [
      "movl $30, %ecx",
      "lea f+1(%rip), %rdi",
      "movq $0x600000, %r8",
      "1: call f",
      "mov %r8, %rsi",
      "cmp $10, %ecx",
      "cmove %rdi, %rsi",
      "movb %cl, (%rsi)",
      "decl %ecx",
      "jnz 1b",
      "hlt",
      "f: movb $0, %al", // b0 imm8: patched each iteration
      "addl %eax, %edx",
      "ret",
    ].join("\n");
    const a = run("interp", text, [1000]);
    const b = run("jit", text, [1000]);
    expect(b.seen).toEqual(a.seen);
    expect(b.compiled).toBeGreaterThan(0);
  });

  it("host writes between runs (as execve replaces a program's code)", () => {
    const text = "1: movb $1, %al\naddl %eax, %edx\njmp 1b";
    const host = (m: ReturnType<typeof machine>) => bytesAt(m, USER_CODE + 1, [m.cpu.instret & 0x7f]);
    const chunks = [50, 7, 90, 13, 200, 3, 400];
    const a = run("interp", text, chunks, host);
    const b = run("jit", text, chunks, host);
    expect(b.seen).toEqual(a.seen);
    expect(b.compiled).toBeGreaterThan(1);
  });
});

describe("block JIT: self-modifying code with register locals and dead flags", () => {
  it("a store into the running block after registers were written and flag records dropped", () => {
    // The block writes %edx, %esi, %r9 and sets flags (the xor's and add's records dead) before the store; in
    // iteration 10 the store turns the `addl $1, %edx` after it (83 c2 01) into `adcl $1, %edx` (83 d2 01): the
    // interpreter runs the rest of the block from the written-back registers and reads the cmpl's CF (1), which the
    // JIT must have recorded although the block it compiled replaced it unread.
    const text = [
      "movl $40, %ecx",
      "movl $0xd2, %r10d",
      "lea patch+1(%rip), %rdi",
      "movq $0x600000, %r8",
      "1: mov %r8, %rsi",
      "xorl %ecx, %r9d",
      "addq $3, %r9",
      "cmp $10, %ecx",
      "cmove %rdi, %rsi",
      "subl %ecx, %edx",
      "cmpl %r10d, %ecx",
      "movb %r10b, (%rsi)",
      "patch: addl $1, %edx",
      "adcl %r9d, %eax",
      "decl %ecx",
      "jnz 1b",
      "hlt",
    ].join("\n");
    const a = run("interp", text, [1000]);
    const b = run("jit", text, [1000]);
    expect(b.seen).toEqual(a.seen);
    expect(b.compiled).toBeGreaterThan(0);
    expect(b.mispredicts).toBe(a.mispredicts);
  });
});
