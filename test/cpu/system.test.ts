import { describe, expect, it } from "vitest";
import { GP, PF_VEC, SS_VEC, UD } from "../../src/cpu/exceptions.ts";
import { AddressSpace } from "../../src/cpu/memory.ts";
import {
  EFER_SCE,
  MSR_EFER,
  MSR_FS_BASE,
  MSR_GS_BASE,
  MSR_KERNEL_GS_BASE,
  MSR_LSTAR,
  MSR_STAR,
  MSR_SYSCALL_MASK,
} from "../../src/cpu/msr.ts";
import { R11, RAX, RCX, RDX, RSP } from "../../src/cpu/registers.ts";
import { AC, DF, IF, IOPL, RF, TF, ZF } from "../../src/cpu/rflags.ts";
import {
  KERNEL_CODE,
  KERNEL_STACK_TOP,
  machine,
  type TestMachine,
  USER_CODE,
  USER_STACK_TOP,
  u64,
} from "./machine.ts";

const STAR = 0x0023_0010_0000_0000n; // Linux: SYSCALL CS=0x10 SS=0x18; SYSRET base 0x23

function kernelSetup(m: TestMachine): void {
  m.cpu.writeMsr(MSR_EFER, m.cpu.readMsr(MSR_EFER) | BigInt(EFER_SCE));
  m.cpu.writeMsr(MSR_STAR, STAR);
  m.cpu.writeMsr(MSR_LSTAR, u64(KERNEL_CODE));
  m.cpu.writeMsr(MSR_SYSCALL_MASK, BigInt(TF | DF | IF | AC));
}

function faultOf(stop: ReturnType<TestMachine["cpu"]["run"]>) {
  if (stop.kind !== "fault") throw new Error(`expected a fault, got ${stop.kind}`);
  return stop;
}

describe("SYSCALL", () => {
  it("raises #UD when EFER.SCE is clear", () => {
    const m = machine();
    m.load(USER_CODE, "syscall");
    const f = faultOf(m.cpu.run(1));
    expect(f.vector).toBe(UD);
    expect(f.rip).toBe(u64(USER_CODE));
    expect(m.cpu.cpl).toBe(3);
  });

  it("saves RIP in RCX and RFLAGS (RF cleared) in R11, masks RFLAGS with FMASK, loads CS/SS from STAR", () => {
    const m = machine();
    kernelSetup(m);
    m.load(USER_CODE, "syscall");
    m.load(KERNEL_CODE, "hlt");
    m.cpu.setRflags(IF | DF | TF | RF | ZF | 0x1);
    m.cpu.run(1);
    expect(m.cpu.getReg(RCX)).toBe(u64(USER_CODE + 2));
    expect(Number(m.cpu.getReg(R11))).toBe(IF | DF | TF | ZF | 0x1 | 2);
    expect(m.cpu.getRflags()).toBe(ZF | 0x1 | 2);
    expect(m.cpu.getRip()).toBe(u64(KERNEL_CODE));
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.sreg[1]).toBe(0x10);
    expect(m.cpu.sreg[2]).toBe(0x18);
    expect(m.cpu.getReg(RSP)).toBe(u64(USER_STACK_TOP)); // RSP is not touched
  });
});

describe("SYSRET", () => {
  function atKernel(text: string): TestMachine {
    const m = machine({ cpl: 0 });
    kernelSetup(m);
    m.load(KERNEL_CODE, text);
    return m;
  }

  it("raises #UD when EFER.SCE is clear", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "sysretq");
    expect(faultOf(m.cpu.run(1)).vector).toBe(UD);
  });

  it("raises #GP(0) at CPL 3", () => {
    const m = machine();
    kernelSetup(m);
    m.load(USER_CODE, "sysretq");
    const f = faultOf(m.cpu.run(1));
    expect([f.vector, f.errorCode]).toEqual([GP, 0]);
  });

  it("64-bit: RIP ← RCX, RFLAGS ← (R11 & 0x3C7FD7) | 2, CS = STAR[63:48]+16 | 3, SS = STAR[63:48]+8 | 3, CPL 3", () => {
    const m = atKernel("sysretq");
    m.cpu.setReg(RCX, USER_CODE + 0x10);
    m.cpu.setReg(R11, 0xffffffffffffffffn);
    m.cpu.run(1);
    expect(m.cpu.getRip()).toBe(u64(USER_CODE + 0x10));
    expect(m.cpu.getRflags()).toBe(0x3c7fd7 | 2);
    expect(m.cpu.getRflags() & RF).toBe(0);
    expect(m.cpu.sreg[1]).toBe(0x33);
    expect(m.cpu.sreg[2]).toBe(0x2b);
    expect(m.cpu.cpl).toBe(3);
  });

  it("non-canonical RCX: #GP(0) raised at CPL 0 with no state changed (the Intel behaviour)", () => {
    const m = atKernel("sysretq");
    m.cpu.setReg(RCX, 0x0000800000000000n);
    m.cpu.setReg(R11, 0x202);
    m.cpu.setReg(RSP, 0x7ffe0000); // a user RSP, as Linux has loaded it by now
    const flags = m.cpu.getRflags();
    const seen: [number, number, number, number][] = [];
    m.cpu.setExceptionHandler((cpu, v, ec, rip) => {
      seen.push([v, ec, rip, cpu.cpl]);
      cpu.requestStop("gp");
    });
    expect(m.cpu.run(5)).toEqual({ kind: "stop", reason: "gp" });
    expect(seen).toEqual([[GP, 0, KERNEL_CODE, 0]]);
    expect(m.cpu.getRflags()).toBe(flags);
    expect(m.cpu.sreg[1]).toBe(0x10);
    expect(m.cpu.getReg(RSP)).toBe(0x7ffe0000n);
  });

  it("the #GP frame of a failed SYSRET goes on the (user-controlled) current stack when a gate is installed", () => {
    const m = atKernel("sysretq");
    m.load(KERNEL_CODE + 0x100, "hlt");
    m.cpu.setGate(GP, KERNEL_CODE + 0x100, 0);
    m.cpu.setReg(RCX, 0x0000800000000000n);
    m.cpu.setReg(RSP, USER_STACK_TOP);
    expect(m.cpu.run(5).kind).toBe("hlt");
    expect(m.cpu.getReg(RSP)).toBe(u64(USER_STACK_TOP - 48)); // SS RSP RFLAGS CS RIP error code
    expect(m.space.read64(USER_STACK_TOP - 40)).toBe(u64(KERNEL_CODE)); // faulting RIP
  });

  it("32-bit operand size: RIP = ECX, CS = STAR[63:48] | 3, enters compatibility mode (run() refuses it)", () => {
    const m = atKernel("sysretl");
    m.cpu.setReg(RCX, 0xdead00001234n);
    const stop = faultOf(m.cpu.run(3));
    expect(m.cpu.getRip()).toBe(0x1234n);
    expect(m.cpu.sreg[1]).toBe(0x23);
    expect(m.cpu.sreg[2]).toBe(0x2b);
    expect(m.cpu.compatMode).toBe(true);
    expect(stop.detail).toBe("compatibility mode execution is not supported");
  });
});

describe("SWAPGS", () => {
  it("exchanges GS.base and KERNEL_GS_BASE at CPL 0", () => {
    const m = machine({ cpl: 0 });
    m.cpu.writeMsr(MSR_GS_BASE, 0x1000n);
    m.cpu.writeMsr(MSR_KERNEL_GS_BASE, 0xffff888000000000n);
    m.load(KERNEL_CODE, "swapgs");
    m.cpu.run(1);
    expect(m.cpu.readMsr(MSR_GS_BASE)).toBe(0xffff888000000000n);
    expect(m.cpu.readMsr(MSR_KERNEL_GS_BASE)).toBe(0x1000n);
  });

  it("raises #GP(0) at CPL 3", () => {
    const m = machine();
    m.load(USER_CODE, "swapgs");
    expect(faultOf(m.cpu.run(1)).vector).toBe(GP);
  });
});

describe("IRETQ", () => {
  function frame(m: TestMachine, rip: number, cs: number, flags: number, rsp: number, ss: number): void {
    const sp = KERNEL_STACK_TOP - 40;
    [rip, cs, flags, rsp, ss].forEach((v, i) => {
      m.space.write64(sp + 8 * i, u64(v));
    });
    m.cpu.setReg(RSP, u64(sp));
  }

  it("returns to CPL 3, popping RIP, CS, RFLAGS, RSP, SS", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "iretq");
    frame(m, USER_CODE, 0x33, IF | IOPL | 0x1, USER_STACK_TOP - 8, 0x2b);
    m.cpu.run(1);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.getRip()).toBe(u64(USER_CODE));
    expect(m.cpu.getReg(RSP)).toBe(u64(USER_STACK_TOP - 8));
    expect(m.cpu.getRflags()).toBe(IF | IOPL | 0x1 | 2);
    expect([m.cpu.sreg[1], m.cpu.sreg[2]]).toEqual([0x33, 0x2b]);
  });

  it("at CPL 3 cannot change IF or IOPL (IOPL 0)", () => {
    const m = machine();
    m.load(USER_CODE, "iretq");
    m.cpu.setRflags(0);
    const sp = USER_STACK_TOP - 40;
    [USER_CODE + 2, 0x33, IF | IOPL | 0x1, USER_STACK_TOP, 0x2b].forEach((v, i) => {
      m.space.write64(sp + 8 * i, u64(v));
    });
    m.cpu.setReg(RSP, u64(sp));
    m.cpu.run(1);
    expect(m.cpu.getRflags()).toBe(0x1 | 2);
  });

  it("to a more privileged level: #GP(selector)", () => {
    const m = machine();
    m.load(USER_CODE, "iretq");
    const sp = USER_STACK_TOP - 40;
    [KERNEL_CODE, 0x10, 0, USER_STACK_TOP, 0x18].forEach((v, i) => {
      m.space.write64(sp + 8 * i, u64(v));
    });
    m.cpu.setReg(RSP, u64(sp));
    const f = faultOf(m.cpu.run(1));
    expect([f.vector, f.errorCode]).toEqual([GP, 0x10]);
    expect(m.cpu.cpl).toBe(3);
  });

  it("to a non-canonical RIP: #GP(0), state unchanged", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "iretq");
    frame(m, 0x0000900000000000, 0x33, 0x202, USER_STACK_TOP, 0x2b);
    const f = faultOf(m.cpu.run(1));
    expect([f.vector, f.errorCode]).toEqual([GP, 0]);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.getReg(RSP)).toBe(u64(KERNEL_STACK_TOP - 40));
  });

  it("to a declared 32-bit code selector enters compatibility mode", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "iretq");
    frame(m, 0x8048000, 0x23, 0x202, 0xffffd000, 0x2b);
    expect(faultOf(m.cpu.run(2)).detail).toMatch(/compatibility mode/);
  });
});

describe("interrupt and exception delivery", () => {
  it("INT n through a DPL-3 gate from CPL 3 switches to TSS.RSP0 and pushes the 64-bit frame; IRETQ returns", () => {
    const m = machine();
    m.load(USER_CODE, "int $0x80\nhlt");
    m.load(KERNEL_CODE, "iretq");
    m.cpu.setGate(0x80, KERNEL_CODE, 3);
    m.cpu.tssRsp0 = KERNEL_STACK_TOP - 8; // aligned down to 16 on delivery
    m.cpu.setRflags(IF);
    m.cpu.sreg[1] = 0x33;
    m.cpu.sreg[2] = 0x2b;
    m.cpu.run(1);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.getRip()).toBe(u64(KERNEL_CODE));
    expect(m.cpu.getRflags() & IF).toBe(0);
    const sp = KERNEL_STACK_TOP - 16 - 40;
    expect(m.cpu.getReg(RSP)).toBe(u64(sp));
    expect(m.space.read64(sp)).toBe(u64(USER_CODE + 2)); // RIP after INT (a trap)
    expect(m.space.read64(sp + 8)).toBe(0x33n);
    expect(m.space.read64(sp + 24)).toBe(u64(USER_STACK_TOP));
    expect(m.space.read64(sp + 32)).toBe(0x2bn);
    m.cpu.run(1); // iretq
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.getRip()).toBe(u64(USER_CODE + 2));
    expect(m.cpu.getRflags() & IF).toBe(IF);
  });

  it("INT n from CPL 3 to a DPL-0 gate raises #GP(n*8+2) at the INT instruction", () => {
    const m = machine();
    m.load(USER_CODE, "int $0x80");
    m.cpu.setGate(0x80, KERNEL_CODE, 0);
    const f = faultOf(m.cpu.run(1));
    expect([f.vector, f.errorCode, f.rip]).toEqual([GP, 0x80 * 8 + 2, u64(USER_CODE)]);
  });

  it("without gate or handler, INT n stops run() reporting the next RIP", () => {
    const m = machine();
    m.load(USER_CODE, "int $0x80");
    const f = faultOf(m.cpu.run(1));
    expect([f.vector, f.rip]).toEqual([0x80, u64(USER_CODE + 2)]);
  });

  it("#PF through a gate pushes the error code and sets CR2", () => {
    const m = machine();
    m.load(USER_CODE, "movq 0x12345000, %rax");
    m.load(KERNEL_CODE, "hlt");
    m.cpu.setGate(PF_VEC, KERNEL_CODE, 0);
    m.cpu.tssRsp0 = KERNEL_STACK_TOP;
    expect(m.cpu.run(3).kind).toBe("hlt");
    expect(m.cpu.cr2).toBe(0x12345000);
    expect(m.space.read64(KERNEL_STACK_TOP - 48)).toBe(4n); // U, read, not present
    expect(m.space.read64(KERNEL_STACK_TOP - 40)).toBe(u64(USER_CODE)); // restart address
  });
});

describe("privileged instructions at CPL 3 raise #GP(0)", () => {
  for (const text of [
    "hlt",
    "cli",
    "sti",
    "rdmsr",
    "wrmsr",
    "movq %cr3, %rax",
    "movq %rax, %cr3",
    "movq %cr2, %rax",
    "swapgs",
  ]) {
    it(text, () => {
      const m = machine();
      m.load(USER_CODE, text);
      const f = faultOf(m.cpu.run(1));
      expect([f.vector, f.errorCode, f.rip]).toEqual([GP, 0, u64(USER_CODE)]);
    });
  }

  it("STI/CLI are allowed at CPL 3 when IOPL = 3", () => {
    const m = machine();
    m.load(USER_CODE, "sti\ncli\nsti");
    m.cpu.setRflags(IOPL);
    m.cpu.run(3);
    expect(m.cpu.getRflags() & IF).toBe(IF);
  });
});

describe("CPL 0 system instructions", () => {
  it("HLT stops run() with the next RIP", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "nop\nhlt");
    expect(m.cpu.run(10)).toEqual({ kind: "hlt", rip: u64(KERNEL_CODE + 2) });
    expect(m.cpu.instret).toBe(2);
  });

  it("RDMSR/WRMSR round-trip; unknown MSR, reserved EFER bits and non-canonical LSTAR raise #GP(0)", () => {
    const m = machine({ cpl: 0 });
    m.load(
      KERNEL_CODE,
      `movl $0xc0000082, %ecx
       movl $0x81000000, %eax
       movl $0xffffffff, %edx
       wrmsr
       rdmsr
       hlt`,
    );
    expect(m.cpu.run(10).kind).toBe("hlt");
    expect(m.cpu.readMsr(MSR_LSTAR)).toBe(0xffffffff81000000n);
    expect(m.cpu.getReg(RAX)).toBe(0x81000000n);
    expect(m.cpu.getReg(RDX)).toBe(0xffffffffn);
    const bad = (ecx: number, edx: number, eax: number) => {
      const k = machine({ cpl: 0 });
      k.load(KERNEL_CODE, `movl $${ecx}, %ecx; movl $${edx}, %edx; movl $${eax}, %eax; wrmsr`);
      return faultOf(k.cpu.run(4));
    };
    expect(bad(0x12345, 0, 0).vector).toBe(GP);
    expect(bad(MSR_EFER, 0, 0xd01 | (1 << 15)).vector).toBe(GP);
    expect(bad(MSR_LSTAR, 0x8000, 0).vector).toBe(GP);
    expect(bad(MSR_FS_BASE, 0x00010000, 0).vector).toBe(GP);
    expect(() => m.cpu.readMsr(0x12345)).toThrow(/unknown MSR/);
  });

  it("MOV CR3 switches the address space and flushes translations; unknown CR3 is #GP(0)", () => {
    const m = machine({ cpl: 0 });
    const other = new AddressSpace(m.phys, 0x2000);
    other.mapShared(KERNEL_CODE, 0x2000, 0, m.space);
    m.cpu.registerSpace(other);
    m.load(
      KERNEL_CODE,
      "movq $0x2000, %rax\nmovq %rax, %cr3\nmovq %cr3, %rbx\nmovq $0x3000, %rax\nmovq %rax, %cr3",
    );
    const f = faultOf(m.cpu.run(10));
    expect(m.cpu.space).toBe(other);
    expect(m.cpu.getReg(3)).toBe(0x2000n);
    expect([f.vector, f.errorCode]).toEqual([GP, 0]);
  });

  it("SS_VEC for a non-canonical stack reference", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "pushq %rax");
    m.cpu.setReg(RSP, 0x0000800000000008n);
    expect(faultOf(m.cpu.run(1)).vector).toBe(SS_VEC);
    m.load(KERNEL_CODE, "movq 8(%rbp), %rax");
    m.cpu.setRip(KERNEL_CODE);
    m.cpu.setReg(5, 0x00007ffffffffff8n);
    expect(faultOf(m.cpu.run(1)).vector).toBe(SS_VEC);
    m.load(KERNEL_CODE, "movq 8(%rbx), %rax");
    m.cpu.setRip(KERNEL_CODE);
    m.cpu.setReg(3, 0x00007ffffffffff8n);
    expect(faultOf(m.cpu.run(1)).vector).toBe(GP);
  });
});
