// The Linux 3.1 x86_64 entry macros (arch/x86/include/asm/calling.h, entry_64.S, irqflags.h, thread_info.h) as
// functions producing AT&T lines. Argument frame offsets inside SAVE_ARGS/RESTORE_ARGS/LOAD_ARGS are calling.h's
// own numbers (R11 at 0*8 … RDI at 8*8 above ARGOFFSET); everything else is a symbol from the kernel's asm-offsets.
// CFI annotations, TRACE_IRQS_* and LOCKDEP_SYS_EXIT expand to nothing in this configuration.
/** `PER_CPU_VAR(var)`: the per-cpu variable through the GS base. */
export function PER_CPU_VAR(v) {
    return `%gs:${v}`;
}
/** SAVE_ARGS addskip=0, save_rcx=1, save_r891011=1: build the argument part of pt_regs (9 words + addskip). */
export function SAVE_ARGS(addskip = 0, save_rcx = 1, save_r891011 = 1) {
    const l = [
        `subq $9*8+${addskip}, %rsp`,
        "movq %rdi, 8*8(%rsp)",
        "movq %rsi, 7*8(%rsp)",
        "movq %rdx, 6*8(%rsp)",
    ];
    if (save_rcx)
        l.push("movq %rcx, 5*8(%rsp)");
    l.push("movq %rax, 4*8(%rsp)");
    if (save_r891011) {
        l.push("movq %r8, 3*8(%rsp)", "movq %r9, 2*8(%rsp)", "movq %r10, 1*8(%rsp)", "movq %r11, 0*8(%rsp)");
    }
    return l;
}
/** RESTORE_ARGS rstor_rax=1, addskip=0, rstor_rcx=1, rstor_r11=1, rstor_r8910=1, rstor_rdx=1 */
export function RESTORE_ARGS(rstor_rax = 1, addskip = 0, rstor_rcx = 1, rstor_r11 = 1, rstor_r8910 = 1, rstor_rdx = 1) {
    const l = [];
    if (rstor_r11)
        l.push("movq 0*8(%rsp), %r11");
    if (rstor_r8910)
        l.push("movq 1*8(%rsp), %r10", "movq 2*8(%rsp), %r9", "movq 3*8(%rsp), %r8");
    if (rstor_rax)
        l.push("movq 4*8(%rsp), %rax");
    if (rstor_rcx)
        l.push("movq 5*8(%rsp), %rcx");
    if (rstor_rdx)
        l.push("movq 6*8(%rsp), %rdx");
    l.push("movq 7*8(%rsp), %rsi", "movq 8*8(%rsp), %rdi");
    // ARG_SKIP (9*8) + addskip: the assembler-time `.if ARG_SKIP+\addskip > 0` of calling.h.
    if (9 * 8 + addskip > 0)
        l.push(`leaq ${9 * 8 + addskip}(%rsp), %rsp`);
    return l;
}
/** LOAD_ARGS offset, skiprax=0: reload the argument registers from the frame; rax comes from ORIG_RAX. */
export function LOAD_ARGS(offset, skiprax = 0) {
    const o = (d) => (offset === 0 ? `${d}` : d === 0 ? `${offset}` : `${offset}+${d}`);
    const l = [
        `movq ${o(0)}(%rsp), %r11`,
        `movq ${o(8)}(%rsp), %r10`,
        `movq ${o(16)}(%rsp), %r9`,
        `movq ${o(24)}(%rsp), %r8`,
        `movq ${o(40)}(%rsp), %rcx`,
        `movq ${o(48)}(%rsp), %rdx`,
        `movq ${o(56)}(%rsp), %rsi`,
        `movq ${o(64)}(%rsp), %rdi`,
    ];
    if (!skiprax)
        l.push(`movq ${o(72)}(%rsp), %rax`);
    return l;
}
/** SAVE_REST: the callee-saved registers below the argument frame (REST_SKIP = 6*8), completing pt_regs. */
export function SAVE_REST() {
    return [
        "subq $REST_SKIP, %rsp",
        "movq %rbx, 5*8(%rsp)",
        "movq %rbp, 4*8(%rsp)",
        "movq %r12, 3*8(%rsp)",
        "movq %r13, 2*8(%rsp)",
        "movq %r14, 1*8(%rsp)",
        "movq %r15, 0*8(%rsp)",
    ];
}
export function RESTORE_REST() {
    return [
        "movq 0*8(%rsp), %r15",
        "movq 1*8(%rsp), %r14",
        "movq 2*8(%rsp), %r13",
        "movq 3*8(%rsp), %r12",
        "movq 4*8(%rsp), %rbp",
        "movq 5*8(%rsp), %rbx",
        "addq $REST_SKIP, %rsp",
    ];
}
/** FIXUP_TOP_OF_STACK tmp offset=0: fill the frame slots the fast path left undefined (RSP, SS, CS, RCX, EFLAGS). */
export function FIXUP_TOP_OF_STACK(tmp, offset = "0") {
    const o = offset === "0" ? "" : `+${offset}`.replace("+-", "-");
    return [
        `movq ${PER_CPU_VAR("old_rsp")}, ${tmp}`,
        `movq ${tmp}, RSP${o}(%rsp)`,
        `movq $__USER_DS, SS${o}(%rsp)`,
        `movq $__USER_CS, CS${o}(%rsp)`,
        `movq $-1, RCX${o}(%rsp)`,
        `movq R11${o}(%rsp), ${tmp}`,
        `movq ${tmp}, EFLAGS${o}(%rsp)`,
    ];
}
/** RESTORE_TOP_OF_STACK tmp offset=0: frame RSP back to old_rsp, frame EFLAGS back to the R11 slot. */
export function RESTORE_TOP_OF_STACK(tmp, offset = "0") {
    const o = offset === "0" ? "" : `+${offset}`.replace("+-", "-");
    return [
        `movq RSP${o}(%rsp), ${tmp}`,
        `movq ${tmp}, ${PER_CPU_VAR("old_rsp")}`,
        `movq EFLAGS${o}(%rsp), ${tmp}`,
        `movq ${tmp}, R11${o}(%rsp)`,
    ];
}
/** GET_THREAD_INFO(reg): kernel_stack - (THREAD_SIZE - KERNEL_STACK_OFFSET), x86_64 3.1. */
export function GET_THREAD_INFO(reg) {
    return [`movq ${PER_CPU_VAR("kernel_stack")}, ${reg}`, `subq $(THREAD_SIZE-KERNEL_STACK_OFFSET), ${reg}`];
}
/** SWAPGS / SWAPGS_UNSAFE_STACK without paravirt. */
export function SWAPGS() {
    return ["swapgs"];
}
/** ENABLE_INTERRUPTS(x) / DISABLE_INTERRUPTS(x) without paravirt. */
export function ENABLE_INTERRUPTS() {
    return ["sti"];
}
export function DISABLE_INTERRUPTS() {
    return ["cli"];
}
/** USERGS_SYSRET64 without paravirt: `swapgs; sysretq` (sysretq re-enables interrupts from R11). */
export function USERGS_SYSRET64() {
    return ["swapgs", "sysretq"];
}
/** INTERRUPT_RETURN without paravirt. */
export function INTERRUPT_RETURN() {
    return ["iretq"];
}
//# sourceMappingURL=linux-3.1-macros.js.map