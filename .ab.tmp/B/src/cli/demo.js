import { Cpu } from "../cpu/cpu.js";
import { AddressSpace, PAGE_SIZE, PhysicalMemory, PTE_NX, PTE_P, PTE_U, PTE_W } from "../cpu/memory.js";
import { EFER_LMA, EFER_LME, EFER_NX, EFER_SCE, MSR_EFER, MSR_LSTAR, MSR_STAR, MSR_SYSCALL_MASK, } from "../cpu/msr.js";
import { CS, SS } from "../cpu/registers.js";
import { Assembler } from "../entry/assembler.js";
const USER_BASE = 0x400000n;
const USER_STACK_TOP = 0x7ffff000n;
const HANDLER_BASE = 0xffffffff81000000n;
/**
 * The CPU on its own: a user program calls SYSCALL `count` times; a five-instruction handler at IA32_LSTAR
 * returns with SYSRET, and exit (rax = 60) halts. No kernel, no stack switch — just the SDM's SYSCALL/SYSRET.
 */
export function runSyscallDemo(count, costs) {
    const phys = new PhysicalMemory();
    const space = new AddressSpace(phys, 0x1000);
    const user = new Assembler({ base: USER_BASE })
        .asm(`
  movq $${count}, %rbx
again:
  movl $39, %eax            # getpid
  syscall
  decq %rbx
  jnz again
  movl $60, %eax            # exit
  syscall
`)
        .assemble();
    const handler = new Assembler({ base: HANDLER_BASE })
        .asm(`
entry:
  cmpq $60, %rax
  je halt
  xorl %eax, %eax
  sysretq
halt:
  hlt
`)
        .assemble();
    space.map(USER_BASE, PAGE_SIZE, PTE_P | PTE_U);
    space.writeBytes(USER_BASE, user.bytes);
    space.map(USER_STACK_TOP - BigInt(PAGE_SIZE), PAGE_SIZE, PTE_P | PTE_U | PTE_W | PTE_NX);
    space.map(HANDLER_BASE, PAGE_SIZE, PTE_P);
    space.writeBytes(HANDLER_BASE, handler.bytes);
    const cpu = new Cpu(costs ? { space, costs } : { space });
    cpu.writeMsr(MSR_EFER, BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
    cpu.writeMsr(MSR_STAR, 0x0023001000000000n);
    cpu.writeMsr(MSR_LSTAR, HANDLER_BASE);
    cpu.writeMsr(MSR_SYSCALL_MASK, 0x3700n);
    cpu.cpl = 3;
    cpu.sreg[CS] = 0x33;
    cpu.sreg[SS] = 0x2b;
    cpu.setRip(USER_BASE);
    cpu.setReg(4, USER_STACK_TOP - 8n);
    cpu.setRflags(0x202);
    const stop = cpu.run(Number.MAX_SAFE_INTEGER);
    return {
        syscalls: count + 1,
        instret: cpu.instret,
        cycles: cpu.cycles,
        userCycles: cpu.userCycles,
        sysCycles: cpu.sysCycles,
        stop: stop.kind,
    };
}
//# sourceMappingURL=demo.js.map