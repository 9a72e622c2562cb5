import { describe, expect, it } from "vitest";
import { BP, DE, UD } from "../../src/cpu/exceptions.ts";
import { RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP } from "../../src/cpu/registers.ts";
import { CF, DF, IF, IOPL, ZF } from "../../src/cpu/rflags.ts";
import { bytesAt, machine, runCode, USER_CODE, USER_DATA, USER_STACK_TOP, u64 } from "./machine.ts";

describe("data movement", () => {
  it("MOV forms: imm64, moffs, r/m, 8-bit high registers vs REX low bytes", () => {
    const m = machine();
    bytesAt(m, USER_CODE, [
      0x48,
      0xb8,
      0x88,
      0x77,
      0x66,
      0x55,
      0x44,
      0x33,
      0x22,
      0x11, // movabs $0x1122334455667788,%rax
      0x48,
      0xa3,
      0x00,
      0x00,
      0x60,
      0,
      0,
      0,
      0,
      0, // movabs %rax,0x600000
      0x8a,
      0x24,
      0x25,
      0x00,
      0x00,
      0x60,
      0x00, // mov 0x600000,%ah
      0x40,
      0x8a,
      0x34,
      0x25,
      0x01,
      0x00,
      0x60,
      0x00, // mov 0x600001,%sil
      0xa0,
      0x07,
      0x00,
      0x60,
      0,
      0,
      0,
      0,
      0, // movabs 0x600007,%al
    ]);
    m.cpu.setReg(RSI, 0xffffffffffffffffn);
    m.cpu.run(5);
    expect(m.space.read64(USER_DATA)).toBe(0x1122334455667788n);
    expect(m.cpu.getReg(RAX)).toBe(0x1122334455668811n);
    expect(m.cpu.getReg(RSI)).toBe(0xffffffffffffff77n);
  });

  it("32-bit writes zero-extend; 8/16-bit writes merge; MOVZX/MOVSX/MOVSXD", () => {
    const { cpu } = runCode(
      `movq $-1, %rax; movl $5, %eax
       movq $-1, %rbx; movw $5, %bx
       movq $-1, %rcx; movb $0x80, %cl; movsbq %cl, %rdx
       movzbl %cl, %esi
       movl $0x80000000, %edi; movslq %edi, %rdi`,
      { steps: 11 },
    );
    expect(cpu.getReg(RAX)).toBe(5n);
    expect(cpu.getReg(RBX)).toBe(0xffffffffffff0005n);
    expect(cpu.getReg(RDX)).toBe(0xffffffffffffff80n);
    expect(cpu.getReg(RSI)).toBe(0x80n);
    expect(cpu.getReg(RDI)).toBe(0xffffffff80000000n);
  });

  it("LEA computes offsets without touching memory (incl. negative displacements and RIP-relative)", () => {
    const { cpu } = runCode(
      `movq $8, %rax; leaq -16(%rax), %rbx; leaq 0x10(%rax,%rax,4), %rcx; leal -1(%rax), %edx; leaq 0(%rip), %rsi`,
      { steps: 5 },
    );
    expect(cpu.getReg(RBX)).toBe(0xfffffffffffffff8n);
    expect(cpu.getReg(RCX)).toBe(0x38n);
    expect(cpu.getReg(RDX)).toBe(7n);
    expect(cpu.getReg(RSI)).toBe(u64(USER_CODE + 26)); // next RIP of the 7-byte RIP-relative LEA at offset 19
  });

  it("negative disp32 with an index (sys_call_table(,%rax,8) style)", () => {
    const m = machine({ cpl: 0 });
    m.space.write64(-0x7e000000 + 60 * 8, 0x1234n);
    m.load(-0x7f000000, "movq $60, %rax; movq -0x7e000000(,%rax,8), %rbx");
    m.cpu.run(2);
    expect(m.cpu.getReg(RBX)).toBe(0x1234n);
  });

  it("CMOVcc: 32-bit CMOV zero-extends even when the condition is false", () => {
    const { cpu } = runCode(
      "movq $-1, %rax; movq $-1, %rbx; xorl %ecx, %ecx; cmovnel %ebx, %eax; cmovel %ecx, %ebx",
      {
        steps: 5,
      },
    );
    expect(cpu.getReg(RAX)).toBe(0xffffffffn);
    expect(cpu.getReg(RBX)).toBe(0n);
  });

  it("XCHG: 90 is NOP, 41 90 exchanges r8 and rax; CBW/CWDE/CDQE/CWD/CDQ/CQO", () => {
    const m = machine();
    bytesAt(m, USER_CODE, [0x90, 0x41, 0x90]);
    m.cpu.setReg(RAX, 1);
    m.cpu.setReg(8, 2);
    m.cpu.run(2);
    expect([m.cpu.getReg(RAX), m.cpu.getReg(8)]).toEqual([2n, 1n]);
    const { cpu } = runCode("movl $0x80, %eax; cbw; cwde; cdqe; cqo", { steps: 5 });
    expect(cpu.getReg(RAX)).toBe(0xffffffffffffff80n);
    expect(cpu.getReg(RDX)).toBe(0xffffffffffffffffn);
  });

  it("SETcc and Jcc follow the flags", () => {
    const { cpu } = runCode(
      "movl $1, %eax; cmpl $2, %eax; setb %bl; setg %cl; jl 1f; movl $9, %edx; 1: nop",
      {
        steps: 6,
      },
    );
    expect(cpu.getReg(RBX) & 0xffn).toBe(1n);
    expect(cpu.getReg(RCX) & 0xffn).toBe(0n);
    expect(cpu.getReg(RDX)).toBe(0n);
  });
});

describe("stack and control flow", () => {
  it("PUSH/POP (reg, imm, mem, 16-bit), CALL/RET, RET imm16, LEAVE", () => {
    const m = machine();
    m.load(
      USER_CODE,
      `pushq $-2
       popq %rax
       pushw $7
       popw %bx
       call f
       jmp done
    f: pushq %rbp
       movq %rsp, %rbp
       pushq (%rsi)
       popq %rcx
       leave
       ret $0
    done: nop`,
    );
    m.space.write64(USER_DATA, 0xabcdn);
    m.cpu.setReg(RSI, USER_DATA);
    m.cpu.run(13);
    expect(m.cpu.getReg(RAX)).toBe(0xfffffffffffffffen);
    expect(m.cpu.getReg(RBX) & 0xffffn).toBe(7n);
    expect(m.cpu.getReg(RCX)).toBe(0xabcdn);
    expect(m.cpu.getReg(RSP)).toBe(u64(USER_STACK_TOP));
  });

  it("indirect CALL through memory (call *table(,%rax,8))", () => {
    const m = machine();
    m.load(USER_CODE, "call *0x600000(,%rax,8)\nhlt\ntarget: movl $42, %ebx");
    m.space.write64(USER_DATA + 8, u64(USER_CODE + 8));
    m.cpu.setReg(RAX, 1);
    m.cpu.run(2);
    expect(m.cpu.getReg(RBX)).toBe(42n);
  });

  it("PUSHFQ/POPFQ: POPFQ at CPL 3 does not change IF or IOPL", () => {
    const { cpu } = runCode("pushq $-1; popfq; pushfq; popq %rax", { steps: 4 });
    const f = cpu.getRflags();
    expect(f & (IF | IOPL)).toBe(0);
    expect(f & (CF | ZF | DF)).toBe(CF | ZF | DF);
    expect(Number(cpu.getReg(RAX)) & 0x10000).toBe(0); // RF is never pushed
  });
});

describe("BT family", () => {
  it("register and immediate forms; memory with a register offset addresses a bit string", () => {
    const m = machine();
    m.load(
      USER_CODE,
      `movq $100, %rax
       btsq %rax, (%rsi)
       movq $-1, %rcx
       btsq %rcx, 8(%rsi)
       btq $3, %rdx
       setc %bl
       btrq $0, %rdx`,
    );
    m.cpu.setReg(RSI, USER_DATA + 8);
    m.cpu.setReg(RDX, 9);
    m.cpu.run(7);
    expect(m.space.read64(USER_DATA + 8 + 8)).toBe(1n << 36n); // bit 100 = qword 1, bit 36
    expect(m.space.read64(USER_DATA + 8)).toBe(1n << 63n); // bit -1 of 8(%rsi) = bit 63 of (%rsi)
    expect(m.cpu.getReg(RBX) & 0xffn).toBe(1n);
    expect(m.cpu.getReg(RDX)).toBe(8n);
  });
});

describe("DIV / IDIV", () => {
  it("divides and raises #DE on divide by zero and on quotient overflow (registers unchanged)", () => {
    let r = runCode("movl $100, %eax; xorl %edx, %edx; movl $7, %ecx; divl %ecx", { steps: 4 });
    expect([r.cpu.getReg(RAX), r.cpu.getReg(RDX)]).toEqual([14n, 2n]);
    r = runCode("movq $-100, %rax; cqo; movq $7, %rcx; idivq %rcx", { steps: 4 });
    expect([r.cpu.getReg(RAX), r.cpu.getReg(RDX)]).toEqual([u64(-14), u64(-2)]);
    r = runCode("movq $1, %rdx; movq $0, %rax; movq $3, %rcx; divq %rcx", { steps: 4 }); // 2^64 / 3
    expect([r.cpu.getReg(RAX), r.cpu.getReg(RDX)]).toEqual([0x5555555555555555n, 1n]);
    r = runCode("xorl %ecx, %ecx; divl %ecx", { steps: 2 });
    expect(r.stop).toMatchObject({ kind: "fault", vector: DE, rip: u64(USER_CODE + 2) });
    r = runCode("movl $1, %edx; movl $2, %ecx; divb %cl", {
      steps: 3,
      setup: (k) => k.cpu.setReg(RAX, 0x200),
    });
    expect(r.stop).toMatchObject({ kind: "fault", vector: DE });
    expect(r.cpu.getReg(RAX)).toBe(0x200n);
    r = runCode("movq $-1, %rcx; idivq %rcx", {
      steps: 2,
      setup: (k) => {
        k.cpu.setReg(RAX, 0x8000000000000000n);
        k.cpu.setReg(RDX, 0xffffffffffffffffn);
      },
    });
    expect(r.stop).toMatchObject({ kind: "fault", vector: DE });
  });
});

describe("string instructions", () => {
  it("REP MOVSQ / STOSB with RCX count, DF, and REP with count 0; each iteration charged as 'string'", () => {
    const m = machine();
    m.load(USER_CODE, "rep movsq\nstd\nrep stosb\ncld\nrep stosb");
    for (let i = 0; i < 4; i++) m.space.write64(USER_DATA + 8 * i, BigInt(i + 1));
    m.cpu.setReg(RSI, USER_DATA);
    m.cpu.setReg(RDI, USER_DATA + 0x100);
    m.cpu.setReg(RCX, 4);
    m.cpu.run(1);
    expect(m.space.read64(USER_DATA + 0x118)).toBe(4n);
    expect(m.cpu.getReg(RCX)).toBe(0n);
    expect(m.cpu.getReg(RSI)).toBe(u64(USER_DATA + 32));
    expect(m.cpu.cycles).toBe(4); // 4 iterations at 1 cycle each
    m.cpu.setReg(RAX, 0xaa);
    m.cpu.setReg(RDI, USER_DATA + 0x203);
    m.cpu.setReg(RCX, 3);
    m.cpu.run(2); // std; rep stosb (backwards)
    expect(m.space.read32(USER_DATA + 0x200)).toBe(0xaaaaaa00);
    expect(m.cpu.getReg(RDI)).toBe(u64(USER_DATA + 0x200));
    const before = m.cpu.cycles;
    m.cpu.run(2); // cld; rep stosb with RCX = 0
    expect(m.cpu.cycles - before).toBe(2);
    expect(m.cpu.getReg(RDI)).toBe(u64(USER_DATA + 0x200));
  });

  it("a REP that faults midway keeps the completed iterations (RCX/RDI updated)", () => {
    const m = machine();
    m.load(USER_CODE, "rep stosq");
    m.cpu.setReg(RDI, USER_DATA + 0x2000 - 16);
    m.cpu.setReg(RCX, 5);
    const stop = m.cpu.run(1);
    expect(stop).toMatchObject({ kind: "fault", vector: 14 });
    expect(m.cpu.getReg(RCX)).toBe(3n);
    expect(m.cpu.getReg(RDI)).toBe(u64(USER_DATA + 0x2000));
  });
});

describe("#UD, #BP and LOCK", () => {
  it("UD2, unsupported opcodes (x87 transcendentals, AVX) and LEA with a register operand raise #UD with the bytes in detail", () => {
    for (const bytes of [
      [0x0f, 0x0b],
      [0xd9, 0xfe], // fsin
      [0xc5, 0xf8, 0x77], // vzeroupper
      [0x48, 0x8d, 0xc0],
    ]) {
      const m = machine();
      bytesAt(m, USER_CODE, bytes);
      const stop = m.cpu.run(1);
      expect(stop).toMatchObject({ kind: "fault", vector: UD, rip: u64(USER_CODE) });
      if (stop.kind === "fault" && bytes[0] !== 0x0f) expect(stop.detail).toContain(bytes[0]!.toString(16));
    }
  });

  it("INT3 is a trap (#BP, next RIP)", () => {
    const { stop } = runCode("int3", { steps: 1 });
    expect(stop).toMatchObject({ kind: "fault", vector: BP, rip: u64(USER_CODE + 1) });
  });

  it("LOCK is legal on read-modify-write memory forms only", () => {
    const ok = runCode(
      "lock incl (%rsi); lock addq %rax, (%rsi); lock xchgq %rax, (%rsi); lock btsq $1, (%rsi)",
      {
        steps: 4,
        setup: (k) => {
          k.cpu.setReg(RSI, USER_DATA);
          k.cpu.setReg(RAX, 5);
        },
      },
    );
    expect(ok.stop.kind).toBe("budget");
    expect(ok.space.read64(USER_DATA)).toBe(7n); // ((0+1)+5 ⇄ rax=5) | 2
    for (const bytes of [
      [0xf0, 0x01, 0xc0], // lock add %eax,%eax
      [0xf0, 0x8b, 0x06], // lock mov (%rsi),%eax
      [0xf0, 0x39, 0x06], // lock cmp %eax,(%rsi)
      [0xf0, 0x90], // lock nop
    ]) {
      const m = machine();
      bytesAt(m, USER_CODE, bytes);
      expect(m.cpu.run(1)).toMatchObject({ kind: "fault", vector: UD });
    }
  });
});

describe("CPUID and RDTSC", () => {
  it("CPUID reports the vendor, SSE/SSE2 without AVX, and LM/SYSCALL/NX", () => {
    let r = runCode("xorl %eax, %eax; cpuid", { steps: 2 });
    const word = (v: bigint) => Buffer.from(Uint32Array.of(Number(v)).buffer).toString("latin1");
    expect(word(r.cpu.getReg(RBX)) + word(r.cpu.getReg(RDX)) + word(r.cpu.getReg(RCX))).toBe("SyscallLab64");
    r = runCode("movl $1, %eax; cpuid", { steps: 2 });
    expect(Number(r.cpu.getReg(RDX)) & (3 << 25)).toBe(3 << 25);
    expect(Number(r.cpu.getReg(RCX)) & (1 << 28)).toBe(0);
    r = runCode("movl $0x80000001, %eax; cpuid", { steps: 2 });
    const edx = Number(r.cpu.getReg(RDX));
    expect([edx & (1 << 11), edx & (1 << 20), edx & (1 << 29)]).toEqual([1 << 11, 1 << 20, 1 << 29]);
  });

  it("RDTSC returns the simulated cycles retired before it in EDX:EAX", () => {
    const { cpu } = runCode("nop; nop; nop; rdtsc", { steps: 4 });
    expect(cpu.getReg(RAX)).toBe(3n);
    expect(cpu.getReg(RDX)).toBe(0n);
    expect(cpu.cycles).toBe(4);
    void RBP;
  });
});
