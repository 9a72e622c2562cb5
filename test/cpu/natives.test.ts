import { describe, expect, it } from "vitest";
import { NATIVE_POISON } from "../../src/cpu/natives.ts";
import { R8, R11, RAX, RBX, RCX, RDI, RSI, RSP } from "../../src/cpu/registers.ts";
import { KERNEL_CODE, KERNEL_DATA, KERNEL_STACK_TOP, machine, u64 } from "./machine.ts";

const NATIVE_AT = KERNEL_CODE + 0x1000;

describe("natives", () => {
  it("reads SysV args, sets RAX, clobbers caller-saved registers, returns like RET, charges class + cost", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, `movq $3, %rdi; movq $4, %rsi; movq $7, %rbx; call ${NATIVE_AT}; hlt`);
    let seen: bigint[] = [];
    m.cpu.registerNative(
      NATIVE_AT,
      "sys_add",
      (cpu) => {
        seen = [cpu.getReg(RDI), cpu.getReg(RSI)];
        cpu.charge(100);
        return cpu.getReg(RDI) + cpu.getReg(RSI);
      },
      50,
    );
    expect(m.cpu.run(10).kind).toBe("hlt");
    expect(seen).toEqual([3n, 4n]);
    expect(m.cpu.getReg(RAX)).toBe(7n);
    expect(m.cpu.getReg(RBX)).toBe(7n); // callee-saved: untouched
    for (const r of [RCX, RDI, RSI, R8, R11]) expect(m.cpu.getReg(r)).toBe(NATIVE_POISON);
    expect(m.cpu.getReg(RSP)).toBe(u64(KERNEL_STACK_TOP));
    // 4 movs/call/hlt at 1 cycle + native class 1 + registered 50 + charged 100
    expect(m.cpu.cycles).toBe(5 + 1 + 50 + 100);
    expect(m.cpu.instret).toBe(6);
  });

  it("undefined keeps RAX; a native at an unmapped address is reachable; requestStop ends run() after it", () => {
    const m = machine({ cpl: 0 });
    const far = -0x10000000; // not mapped
    m.load(KERNEL_CODE, `movq $9, %rax; call ${far}; nop`);
    m.cpu.registerNative(
      far,
      "stopper",
      (cpu) => {
        cpu.requestStop("native asked");
        return undefined;
      },
      0,
    );
    expect(m.cpu.run(10)).toEqual({ kind: "stop", reason: "native asked" });
    expect(m.cpu.getReg(RAX)).toBe(9n);
    expect(m.cpu.getRip()).toBe(u64(KERNEL_CODE + 7 + 5));
  });

  it("redirect(): no RET, no clobbering", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, `call ${NATIVE_AT}`);
    m.load(KERNEL_CODE + 0x100, "hlt");
    m.cpu.setReg(RCX, 5);
    m.cpu.registerNative(
      NATIVE_AT,
      "switch",
      (cpu) => {
        cpu.redirect(KERNEL_CODE + 0x100);
        return undefined;
      },
      0,
    );
    expect(m.cpu.run(10).kind).toBe("hlt");
    expect(m.cpu.getReg(RCX)).toBe(5n);
    expect(m.cpu.getReg(RSP)).toBe(u64(KERNEL_STACK_TOP - 8));
    expect(() => m.cpu.registerNative(NATIVE_AT, "again", () => 0, 0)).toThrow(/already registered/);
  });

  it("call *table(,%rax,8) lands on a native through a pointer in guest memory", () => {
    const m = machine({ cpl: 0 });
    m.space.write64(KERNEL_DATA + 8 * 2, u64(NATIVE_AT));
    m.load(KERNEL_CODE, `movq $2, %rax; call *${KERNEL_DATA}(,%rax,8); hlt`);
    m.cpu.registerNative(NATIVE_AT, "sys_two", () => 22n, 0);
    expect(m.cpu.run(10).kind).toBe("hlt");
    expect(m.cpu.getReg(RAX)).toBe(22n);
  });
});

describe("probes", () => {
  it("run before the instruction, cost nothing, and leave execution unchanged", () => {
    const m = machine({ cpl: 0 });
    m.load(KERNEL_CODE, "1: incq %rax; cmpq $3, %rax; jne 1b; hlt");
    const hits: bigint[] = [];
    m.cpu.addProbe(KERNEL_CODE, (cpu) => hits.push(cpu.getReg(RAX)));
    expect(m.cpu.run(100).kind).toBe("hlt");
    expect(hits).toEqual([0n, 1n, 2n]);
    expect(m.cpu.instret).toBe(10);
    expect(m.cpu.cycles).toBe(10);
    m.cpu.removeProbe(KERNEL_CODE);
    m.cpu.setRip(KERNEL_CODE);
    m.cpu.setReg(RAX, 0);
    m.cpu.run(100);
    expect(hits.length).toBe(3);
  });
});
