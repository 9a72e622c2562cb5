import { describe, expect, it } from "vitest";
import { GP, PF_VEC, PFEC_I, PFEC_P, PFEC_U, PFEC_W } from "../../src/cpu/exceptions.ts";
import { PTE_NX, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import { MSR_EFER } from "../../src/cpu/msr.ts";
import { RAX, RBX } from "../../src/cpu/registers.ts";
import { bytesAt, KERNEL_CODE, KERNEL_DATA, machine, USER_CODE, USER_DATA, u64 } from "./machine.ts";

function pf(cpl: 0 | 3, text: string, setup?: (m: ReturnType<typeof machine>) => void) {
  const m = machine({ cpl });
  m.load(cpl === 3 ? USER_CODE : KERNEL_CODE, text);
  setup?.(m);
  const stop = m.cpu.run(5);
  if (stop.kind !== "fault") throw new Error(`no fault: ${stop.kind}`);
  return { m, stop };
}

describe("#PF error codes (SDM Vol. 3A §4.7) and CR2", () => {
  it("user read of an unmapped page: U", () => {
    const { m, stop } = pf(3, "movq 0x1000, %rax");
    expect([stop.vector, stop.errorCode]).toEqual([PF_VEC, PFEC_U]);
    expect(m.cpu.cr2).toBe(0x1000);
    expect(stop.rip).toBe(u64(USER_CODE));
    expect(stop.detail).toMatch(/read, not present, user/);
  });

  it("user write of an unmapped page: W|U", () => {
    expect(pf(3, "movq %rax, 0x1008").stop.errorCode).toBe(PFEC_W | PFEC_U);
  });

  it("user read of a supervisor page: P|U, CR2 = the address", () => {
    const { m, stop } = pf(3, "movq (%rbx), %rax", (k) => k.cpu.setReg(RBX, u64(KERNEL_DATA + 0x18)));
    expect(stop.errorCode).toBe(PFEC_P | PFEC_U);
    expect(m.cpu.cr2).toBe(KERNEL_DATA + 0x18);
  });

  it("user write to a read-only page: P|W|U; supervisor write to it too (CR0.WP = 1): P|W", () => {
    expect(pf(3, "movq %rax, 0x400100").stop.errorCode).toBe(PFEC_P | PFEC_W | PFEC_U);
    const { stop } = pf(0, "movq %rax, (%rbx)", (k) => k.cpu.setReg(RBX, u64(KERNEL_CODE + 0x100)));
    expect(stop.errorCode).toBe(PFEC_P | PFEC_W);
  });

  it("fetch from an NX page: P|U|I", () => {
    const { m, stop } = pf(3, "jmp *%rax", (k) => k.cpu.setReg(RAX, USER_DATA));
    expect(stop.errorCode).toBe(PFEC_P | PFEC_U | PFEC_I);
    expect(m.cpu.cr2).toBe(USER_DATA);
    expect(stop.rip).toBe(u64(USER_DATA));
  });

  it("fetch from an unmapped page: U|I; user fetch of a supervisor page: P|U|I", () => {
    expect(pf(3, "jmp *%rax", (k) => k.cpu.setReg(RAX, 0x10000)).stop.errorCode).toBe(PFEC_U | PFEC_I);
    expect(pf(3, "jmp *%rax", (k) => k.cpu.setReg(RAX, u64(KERNEL_CODE))).stop.errorCode).toBe(
      PFEC_P | PFEC_U | PFEC_I,
    );
  });

  it("NX is not enforced (and I not reported) when EFER.NXE is clear", () => {
    const m = machine();
    m.cpu.writeMsr(MSR_EFER, m.cpu.readMsr(MSR_EFER) & ~(1n << 11n));
    bytesAt(m, USER_DATA, [0x90, 0x90]);
    m.cpu.setRip(USER_DATA);
    expect(m.cpu.run(2).kind).toBe("budget");
  });

  it("an instruction crossing into an unmapped page faults on the second page with I", () => {
    const m = machine();
    const end = USER_CODE + 0x2000;
    bytesAt(m, end - 2, [0x48, 0xb8]); // movabs $imm64, %rax cut off by the end of the mapping
    m.cpu.setRip(end - 2);
    const stop = m.cpu.run(1);
    expect(stop).toMatchObject({
      kind: "fault",
      vector: PF_VEC,
      errorCode: PFEC_U | PFEC_I,
      rip: u64(end - 2),
    });
    expect(m.cpu.cr2).toBe(end);
  });

  it("an instruction crossing a page boundary executes when both pages are mapped", () => {
    const m = machine();
    const at = USER_CODE + 0x1000 - 3;
    bytesAt(m, at, [0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8]);
    m.cpu.setRip(at);
    m.cpu.run(1);
    expect(m.cpu.getReg(RAX)).toBe(0x0807060504030201n);
  });

  it("a faulting store leaves no partial write (page-crossing qword)", () => {
    const m = machine();
    m.space.protect(USER_DATA + 0x1000, 0x1000, PTE_U | PTE_NX);
    m.load(USER_CODE, "movq $-1, %rax\nmovq %rax, (%rbx)");
    m.cpu.setReg(RBX, USER_DATA + 0xffc);
    const stop = m.cpu.run(3);
    expect(stop).toMatchObject({ kind: "fault", vector: PF_VEC, errorCode: PFEC_P | PFEC_W | PFEC_U });
    expect(m.space.read32(USER_DATA + 0xffc)).toBe(0);
  });

  it("protect() takes effect immediately (the TLB is flushed on mapping changes)", () => {
    const m = machine();
    m.load(USER_CODE, "movq %rax, (%rbx)\nmovq %rax, (%rbx)");
    m.cpu.setReg(RBX, USER_DATA);
    m.cpu.run(1);
    m.space.protect(USER_DATA, 0x1000, PTE_U);
    expect(m.cpu.run(1)).toMatchObject({ kind: "fault", vector: PF_VEC });
    m.space.protect(USER_DATA, 0x1000, PTE_U | PTE_W);
    expect(m.cpu.run(1).kind).toBe("budget");
  });
});

describe("non-canonical addresses", () => {
  it("a data reference raises #GP(0)", () => {
    const { stop } = pf(3, "movq (%rbx), %rax", (k) => k.cpu.setReg(RBX, 0x0000800000000000n));
    expect([stop.vector, stop.errorCode]).toEqual([GP, 0]);
  });

  it("a jump to a non-canonical target raises #GP(0) at the jump", () => {
    const { stop } = pf(3, "jmp *%rax", (k) => k.cpu.setReg(RAX, 0xfff0000000000000n));
    expect([stop.vector, stop.rip]).toEqual([GP, u64(USER_CODE)]);
  });

  it("host APIs reject non-canonical addresses with an Error", () => {
    const m = machine();
    expect(() => m.cpu.setRip(0x0000800000000000n)).toThrow(/non-canonical/);
    expect(() => m.space.map(0x800000000000, 4096, PTE_W)).toThrow(/non-canonical/);
  });
});
