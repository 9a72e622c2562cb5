import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from "iced-x86";
import { afterAll, describe, expect, it } from "vitest";
import { Assembler, AssemblerError, assemble } from "../../src/entry/assembler.ts";

const formatter = new Formatter(FormatterSyntax.Gas);
formatter.gasShowMnemonicSizeSuffix = true;
formatter.uppercaseHex = false;
afterAll(() => formatter.free());

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Decodes exactly one instruction spanning all of `bytes` and returns iced's AT&T text. */
function decodeOne(bytes: Uint8Array, ip = 0n): string {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = ip;
  const ins = d.decode();
  try {
    expect(ins.isInvalid).toBe(false);
    expect(ins.length).toBe(bytes.length);
    return formatter.format(ins);
  } finally {
    ins.free();
    d.free();
  }
}

function bytesOf(stmt: string, base: bigint | number = 0): Uint8Array {
  return new Assembler({ base }).i(stmt).assemble().bytes;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AssemblerError);
    return (e as Error).message;
  }
  throw new Error("expected an AssemblerError");
}

// [statement, bytes GNU as 2.40 emits for it (objdump -d), iced's AT&T text of those bytes].
const GNU_AS: readonly (readonly [string, string, string])[] = [
  ["movq %rsp, %gs:0x10", "654889242510000000", "movq %rsp,%gs:0x10"],
  ["movq %gs:0x18, %rsp", "65488b242518000000", "movq %gs:0x18,%rsp"],
  ["movq %rdi, 64(%rsp)", "48897c2440", "movq %rdi,0x40(%rsp)"],
  ["movq %rax, -8(%rbp)", "488945f8", "movq %rax,-8(%rbp)"],
  ["movq (%rax), %rbx", "488b18", "movq (%rax),%rbx"],
  ["movq 0(%rax), %rbx", "488b18", "movq (%rax),%rbx"],
  ["movq (%r13), %rax", "498b4500", "movq (%r13),%rax"],
  ["movq (%r12), %rax", "498b0424", "movq (%r12),%rax"],
  ["movq 0x12345678(%rax,%rbx,4), %rcx", "488b8c9878563412", "movq 0x12345678(%rax,%rbx,4),%rcx"],
  ["movq 0x10(,%rax,8), %rcx", "488b0cc510000000", "movq 0x10(,%rax,8),%rcx"],
  ["movl $1, %eax", "b801000000", "movl $1,%eax"],
  ["movl $-1, %eax", "b8ffffffff", "movl $0xffffffff,%eax"],
  ["movq $1, %rax", "48c7c001000000", "movq $1,%rax"],
  ["movq $-1, %rax", "48c7c0ffffffff", "movq $0xffffffffffffffff,%rax"],
  ["movq $0xffffffff, %rax", "48b8ffffffff00000000", "movabsq $0xffffffff,%rax"],
  ["movabs $0x123456789abcdef0, %rax", "48b8f0debc9a78563412", "movabsq $0x123456789abcdef0,%rax"],
  ["movabsq $1, %r11", "49bb0100000000000000", "movabsq $1,%r11"],
  ["movb $1, %al", "b001", "movb $1,%al"],
  ["movb $-1, (%rax)", "c600ff", "movb $0xff,(%rax)"],
  ["movw $0x1234, %ax", "66b83412", "movw $0x1234,%ax"],
  ["movw %ax, (%rbx)", "668903", "movw %ax,(%rbx)"],
  ["movl %eax, %r8d", "4189c0", "movl %eax,%r8d"],
  ["movb %ah, %bl", "88e3", "movb %ah,%bl"],
  ["movb %sil, %dil", "4088f7", "movb %sil,%dil"],
  ["movq %r10, %rcx", "4c89d1", "movq %r10,%rcx"],
  ["movl (%rcx), %edx", "8b11", "movl (%rcx),%edx"],
  ["movq $-38, 80(%rsp)", "48c7442450daffffff", "movq $0xffffffffffffffda,0x50(%rsp)"],
  ["movq 0x10, %rax", "488b042510000000", "movq 0x10,%rax"],
  ["movq %rax, %cr3", "0f22d8", "movq %rax,%cr3"],
  ["movq %cr3, %rax", "0f20d8", "movq %cr3,%rax"],
  ["movq %cr0, %rax", "0f20c0", "movq %cr0,%rax"],
  ["mov %rax, %rbx", "4889c3", "movq %rax,%rbx"],
  ["mov %eax, 4(%rsp)", "89442404", "movl %eax,4(%rsp)"],
  ["movb %r9b, (%rdi)", "44880f", "movb %r9b,(%rdi)"],
  ["movzbl %al, %edi", "0fb6f8", "movzbl %al,%edi"],
  ["movzbq (%rax), %rcx", "480fb608", "movzbq (%rax),%rcx"],
  ["movzwl %ax, %ecx", "0fb7c8", "movzwl %ax,%ecx"],
  ["movzwq 2(%rdi), %rax", "480fb74702", "movzwq 2(%rdi),%rax"],
  ["movzbw %al, %cx", "660fb6c8", "movzbw %al,%cx"],
  ["movsbl %al, %edi", "0fbef8", "movsbl %al,%edi"],
  ["movsbq -1(%rsi), %rax", "480fbe46ff", "movsbq -1(%rsi),%rax"],
  ["movswl %ax, %ecx", "0fbfc8", "movswl %ax,%ecx"],
  ["movswq %ax, %rcx", "480fbfc8", "movswq %ax,%rcx"],
  ["movsbw %al, %ax", "660fbec0", "movsbw %al,%ax"],
  ["movslq %edi, %rax", "4863c7", "movslq %edi,%rax"],
  ["movslq 4(%rsp), %rdx", "4863542404", "movslq 4(%rsp),%rdx"],
  ["leaq 8(%rsp), %rdi", "488d7c2408", "leaq 8(%rsp),%rdi"],
  ["leaq (%rax,%rax,2), %rax", "488d0440", "leaq (%rax,%rax,2),%rax"],
  ["leal 1(%rdi), %eax", "8d4701", "leal 1(%rdi),%eax"],
  ["leaq 0x10(%rip), %rax", "488d0510000000", "leaq 0x17,%rax"],
  ["lea -0x80(%rbp), %rsi", "488d7580", "leaq -0x80(%rbp),%rsi"],
  ["addq $1, %rax", "4883c001", "addq $1,%rax"],
  ["addq $0x1000, %rax", "480500100000", "addq $0x1000,%rax"],
  ["addq $0x1000, %rbx", "4881c300100000", "addq $0x1000,%rbx"],
  ["addl $-3, (%rcx)", "8301fd", "addl $0xfffffffd,(%rcx)"],
  ["addb $1, %al", "0401", "addb $1,%al"],
  ["addb $0x80, %bl", "80c380", "addb $0x80,%bl"],
  ["addw $0x100, %si", "6681c60001", "addw $0x100,%si"],
  ["addq %rax, %rbx", "4801c3", "addq %rax,%rbx"],
  ["addl 8(%rsp), %edx", "03542408", "addl 8(%rsp),%edx"],
  ["addl %edi, 8(%rsp)", "017c2408", "addl %edi,8(%rsp)"],
  ["addb %cl, %dl", "00ca", "addb %cl,%dl"],
  ["addl $0xffffffff, %eax", "83c0ff", "addl $0xffffffff,%eax"],
  ["add %r8, %r9", "4d01c1", "addq %r8,%r9"],
  ["adcq $1, %rax", "4883d001", "adcq $1,%rax"],
  ["adcq $0x1000, %rax", "481500100000", "adcq $0x1000,%rax"],
  ["adcq $0x1000, %rbx", "4881d300100000", "adcq $0x1000,%rbx"],
  ["adcl $-3, (%rcx)", "8311fd", "adcl $0xfffffffd,(%rcx)"],
  ["adcb $1, %al", "1401", "adcb $1,%al"],
  ["adcb $0x80, %bl", "80d380", "adcb $0x80,%bl"],
  ["adcw $0x100, %si", "6681d60001", "adcw $0x100,%si"],
  ["adcq %rax, %rbx", "4811c3", "adcq %rax,%rbx"],
  ["adcl 8(%rsp), %edx", "13542408", "adcl 8(%rsp),%edx"],
  ["adcl %edi, 8(%rsp)", "117c2408", "adcl %edi,8(%rsp)"],
  ["adcb %cl, %dl", "10ca", "adcb %cl,%dl"],
  ["adcl $0xffffffff, %eax", "83d0ff", "adcl $0xffffffff,%eax"],
  ["adc %r8, %r9", "4d11c1", "adcq %r8,%r9"],
  ["subq $1, %rax", "4883e801", "subq $1,%rax"],
  ["subq $0x1000, %rax", "482d00100000", "subq $0x1000,%rax"],
  ["subq $0x1000, %rbx", "4881eb00100000", "subq $0x1000,%rbx"],
  ["subl $-3, (%rcx)", "8329fd", "subl $0xfffffffd,(%rcx)"],
  ["subb $1, %al", "2c01", "subb $1,%al"],
  ["subb $0x80, %bl", "80eb80", "subb $0x80,%bl"],
  ["subw $0x100, %si", "6681ee0001", "subw $0x100,%si"],
  ["subq %rax, %rbx", "4829c3", "subq %rax,%rbx"],
  ["subl 8(%rsp), %edx", "2b542408", "subl 8(%rsp),%edx"],
  ["subl %edi, 8(%rsp)", "297c2408", "subl %edi,8(%rsp)"],
  ["subb %cl, %dl", "28ca", "subb %cl,%dl"],
  ["subl $0xffffffff, %eax", "83e8ff", "subl $0xffffffff,%eax"],
  ["sub %r8, %r9", "4d29c1", "subq %r8,%r9"],
  ["sbbq $1, %rax", "4883d801", "sbbq $1,%rax"],
  ["sbbq $0x1000, %rax", "481d00100000", "sbbq $0x1000,%rax"],
  ["sbbq $0x1000, %rbx", "4881db00100000", "sbbq $0x1000,%rbx"],
  ["sbbl $-3, (%rcx)", "8319fd", "sbbl $0xfffffffd,(%rcx)"],
  ["sbbb $1, %al", "1c01", "sbbb $1,%al"],
  ["sbbb $0x80, %bl", "80db80", "sbbb $0x80,%bl"],
  ["sbbw $0x100, %si", "6681de0001", "sbbw $0x100,%si"],
  ["sbbq %rax, %rbx", "4819c3", "sbbq %rax,%rbx"],
  ["sbbl 8(%rsp), %edx", "1b542408", "sbbl 8(%rsp),%edx"],
  ["sbbl %edi, 8(%rsp)", "197c2408", "sbbl %edi,8(%rsp)"],
  ["sbbb %cl, %dl", "18ca", "sbbb %cl,%dl"],
  ["sbbl $0xffffffff, %eax", "83d8ff", "sbbl $0xffffffff,%eax"],
  ["sbb %r8, %r9", "4d19c1", "sbbq %r8,%r9"],
  ["andq $1, %rax", "4883e001", "andq $1,%rax"],
  ["andq $0x1000, %rax", "482500100000", "andq $0x1000,%rax"],
  ["andq $0x1000, %rbx", "4881e300100000", "andq $0x1000,%rbx"],
  ["andl $-3, (%rcx)", "8321fd", "andl $0xfffffffd,(%rcx)"],
  ["andb $1, %al", "2401", "andb $1,%al"],
  ["andb $0x80, %bl", "80e380", "andb $0x80,%bl"],
  ["andw $0x100, %si", "6681e60001", "andw $0x100,%si"],
  ["andq %rax, %rbx", "4821c3", "andq %rax,%rbx"],
  ["andl 8(%rsp), %edx", "23542408", "andl 8(%rsp),%edx"],
  ["andl %edi, 8(%rsp)", "217c2408", "andl %edi,8(%rsp)"],
  ["andb %cl, %dl", "20ca", "andb %cl,%dl"],
  ["andl $0xffffffff, %eax", "83e0ff", "andl $0xffffffff,%eax"],
  ["and %r8, %r9", "4d21c1", "andq %r8,%r9"],
  ["orq $1, %rax", "4883c801", "orq $1,%rax"],
  ["orq $0x1000, %rax", "480d00100000", "orq $0x1000,%rax"],
  ["orq $0x1000, %rbx", "4881cb00100000", "orq $0x1000,%rbx"],
  ["orl $-3, (%rcx)", "8309fd", "orl $0xfffffffd,(%rcx)"],
  ["orb $1, %al", "0c01", "orb $1,%al"],
  ["orb $0x80, %bl", "80cb80", "orb $0x80,%bl"],
  ["orw $0x100, %si", "6681ce0001", "orw $0x100,%si"],
  ["orq %rax, %rbx", "4809c3", "orq %rax,%rbx"],
  ["orl 8(%rsp), %edx", "0b542408", "orl 8(%rsp),%edx"],
  ["orl %edi, 8(%rsp)", "097c2408", "orl %edi,8(%rsp)"],
  ["orb %cl, %dl", "08ca", "orb %cl,%dl"],
  ["orl $0xffffffff, %eax", "83c8ff", "orl $0xffffffff,%eax"],
  ["or %r8, %r9", "4d09c1", "orq %r8,%r9"],
  ["xorq $1, %rax", "4883f001", "xorq $1,%rax"],
  ["xorq $0x1000, %rax", "483500100000", "xorq $0x1000,%rax"],
  ["xorq $0x1000, %rbx", "4881f300100000", "xorq $0x1000,%rbx"],
  ["xorl $-3, (%rcx)", "8331fd", "xorl $0xfffffffd,(%rcx)"],
  ["xorb $1, %al", "3401", "xorb $1,%al"],
  ["xorb $0x80, %bl", "80f380", "xorb $0x80,%bl"],
  ["xorw $0x100, %si", "6681f60001", "xorw $0x100,%si"],
  ["xorq %rax, %rbx", "4831c3", "xorq %rax,%rbx"],
  ["xorl 8(%rsp), %edx", "33542408", "xorl 8(%rsp),%edx"],
  ["xorl %edi, 8(%rsp)", "317c2408", "xorl %edi,8(%rsp)"],
  ["xorb %cl, %dl", "30ca", "xorb %cl,%dl"],
  ["xorl $0xffffffff, %eax", "83f0ff", "xorl $0xffffffff,%eax"],
  ["xor %r8, %r9", "4d31c1", "xorq %r8,%r9"],
  ["cmpq $1, %rax", "4883f801", "cmpq $1,%rax"],
  ["cmpq $0x1000, %rax", "483d00100000", "cmpq $0x1000,%rax"],
  ["cmpq $0x1000, %rbx", "4881fb00100000", "cmpq $0x1000,%rbx"],
  ["cmpl $-3, (%rcx)", "8339fd", "cmpl $0xfffffffd,(%rcx)"],
  ["cmpb $1, %al", "3c01", "cmpb $1,%al"],
  ["cmpb $0x80, %bl", "80fb80", "cmpb $0x80,%bl"],
  ["cmpw $0x100, %si", "6681fe0001", "cmpw $0x100,%si"],
  ["cmpq %rax, %rbx", "4839c3", "cmpq %rax,%rbx"],
  ["cmpl 8(%rsp), %edx", "3b542408", "cmpl 8(%rsp),%edx"],
  ["cmpl %edi, 8(%rsp)", "397c2408", "cmpl %edi,8(%rsp)"],
  ["cmpb %cl, %dl", "38ca", "cmpb %cl,%dl"],
  ["cmpl $0xffffffff, %eax", "83f8ff", "cmpl $0xffffffff,%eax"],
  ["cmp %r8, %r9", "4d39c1", "cmpq %r8,%r9"],
  ["testl $0x10c1, 0x10(%rcx)", "f74110c1100000", "testl $0x10c1,0x10(%rcx)"],
  ["testq %rax, %rax", "4885c0", "testq %rax,%rax"],
  ["testb $1, %al", "a801", "testb $1,%al"],
  ["testb $1, 3(%rdi)", "f6470301", "testb $1,3(%rdi)"],
  ["testl $0x100, %eax", "a900010000", "testl $0x100,%eax"],
  ["testw $0x100, %bx", "66f7c30001", "testw $0x100,%bx"],
  ["testq $-1, %r9", "49f7c1ffffffff", "testq $0xffffffffffffffff,%r9"],
  ["test %edi, %edx", "85fa", "testl %edi,%edx"],
  ["incl %edi", "ffc7", "incl %edi"],
  ["incq (%rax)", "48ff00", "incq (%rax)"],
  ["incb %al", "fec0", "incb %al"],
  ["incw 2(%rsp)", "66ff442402", "incw 2(%rsp)"],
  ["inc %r11", "49ffc3", "incq %r11"],
  ["decl %edi", "ffcf", "decl %edi"],
  ["decq (%rax)", "48ff08", "decq (%rax)"],
  ["decb %al", "fec8", "decb %al"],
  ["decw 2(%rsp)", "66ff4c2402", "decw 2(%rsp)"],
  ["dec %r11", "49ffcb", "decq %r11"],
  ["negl %edi", "f7df", "negl %edi"],
  ["negq (%rax)", "48f718", "negq (%rax)"],
  ["negb %al", "f6d8", "negb %al"],
  ["negw 2(%rsp)", "66f75c2402", "negw 2(%rsp)"],
  ["neg %r11", "49f7db", "negq %r11"],
  ["notl %edi", "f7d7", "notl %edi"],
  ["notq (%rax)", "48f710", "notq (%rax)"],
  ["notb %al", "f6d0", "notb %al"],
  ["notw 2(%rsp)", "66f7542402", "notw 2(%rsp)"],
  ["not %r11", "49f7d3", "notq %r11"],
  ["mull %edi", "f7e7", "mull %edi"],
  ["mulq (%rax)", "48f720", "mulq (%rax)"],
  ["mulb %al", "f6e0", "mulb %al"],
  ["mulw 2(%rsp)", "66f7642402", "mulw 2(%rsp)"],
  ["mul %r11", "49f7e3", "mulq %r11"],
  ["divl %edi", "f7f7", "divl %edi"],
  ["divq (%rax)", "48f730", "divq (%rax)"],
  ["divb %al", "f6f0", "divb %al"],
  ["divw 2(%rsp)", "66f7742402", "divw 2(%rsp)"],
  ["div %r11", "49f7f3", "divq %r11"],
  ["idivl %edi", "f7ff", "idivl %edi"],
  ["idivq (%rax)", "48f738", "idivq (%rax)"],
  ["idivb %al", "f6f8", "idivb %al"],
  ["idivw 2(%rsp)", "66f77c2402", "idivw 2(%rsp)"],
  ["idiv %r11", "49f7fb", "idivq %r11"],
  ["shlq $3, %rax", "48c1e003", "shlq $3,%rax"],
  ["shll %cl, %edx", "d3e2", "shll %cl,%edx"],
  ["shlq %rax", "48d1e0", "shlq $1,%rax"],
  ["shll $1, %edx", "d1e2", "shll $1,%edx"],
  ["shlb $2, (%rdi)", "c02702", "shlb $2,(%rdi)"],
  ["shrq $3, %rax", "48c1e803", "shrq $3,%rax"],
  ["shrl %cl, %edx", "d3ea", "shrl %cl,%edx"],
  ["shrq %rax", "48d1e8", "shrq $1,%rax"],
  ["shrl $1, %edx", "d1ea", "shrl $1,%edx"],
  ["shrb $2, (%rdi)", "c02f02", "shrb $2,(%rdi)"],
  ["sarq $3, %rax", "48c1f803", "sarq $3,%rax"],
  ["sarl %cl, %edx", "d3fa", "sarl %cl,%edx"],
  ["sarq %rax", "48d1f8", "sarq $1,%rax"],
  ["sarl $1, %edx", "d1fa", "sarl $1,%edx"],
  ["sarb $2, (%rdi)", "c03f02", "sarb $2,(%rdi)"],
  ["rolq $3, %rax", "48c1c003", "rolq $3,%rax"],
  ["roll %cl, %edx", "d3c2", "roll %cl,%edx"],
  ["rolq %rax", "48d1c0", "rolq $1,%rax"],
  ["roll $1, %edx", "d1c2", "roll $1,%edx"],
  ["rolb $2, (%rdi)", "c00702", "rolb $2,(%rdi)"],
  ["rorq $3, %rax", "48c1c803", "rorq $3,%rax"],
  ["rorl %cl, %edx", "d3ca", "rorl %cl,%edx"],
  ["rorq %rax", "48d1c8", "rorq $1,%rax"],
  ["rorl $1, %edx", "d1ca", "rorl $1,%edx"],
  ["rorb $2, (%rdi)", "c00f02", "rorb $2,(%rdi)"],
  ["rclq $3, %rax", "48c1d003", "rclq $3,%rax"],
  ["rcll %cl, %edx", "d3d2", "rcll %cl,%edx"],
  ["rclq %rax", "48d1d0", "rclq $1,%rax"],
  ["rcll $1, %edx", "d1d2", "rcll $1,%edx"],
  ["rclb $2, (%rdi)", "c01702", "rclb $2,(%rdi)"],
  ["rcrq $3, %rax", "48c1d803", "rcrq $3,%rax"],
  ["rcrl %cl, %edx", "d3da", "rcrl %cl,%edx"],
  ["rcrq %rax", "48d1d8", "rcrq $1,%rax"],
  ["rcrl $1, %edx", "d1da", "rcrl $1,%edx"],
  ["rcrb $2, (%rdi)", "c01f02", "rcrb $2,(%rdi)"],
  ["salq $2, %rax", "48c1e002", "shlq $2,%rax"],
  ["imulq %rcx", "48f7e9", "imulq %rcx"],
  ["imulq %rcx, %rax", "480fafc1", "imulq %rcx,%rax"],
  ["imull 4(%rsp), %edx", "0faf542404", "imull 4(%rsp),%edx"],
  ["imulq $3, %rax", "486bc003", "imulq $3,%rax"],
  ["imulq $1000, %rcx, %rax", "4869c1e8030000", "imulq $0x3e8,%rcx,%rax"],
  ["imul $3, %rdx, %rax", "486bc203", "imulq $3,%rdx,%rax"],
  ["pushq %rdi", "57", "pushq %rdi"],
  ["pushq %r12", "4154", "pushq %r12"],
  ["pushq $1", "6a01", "pushq $1"],
  ["pushq $0x1000", "6800100000", "pushq $0x1000"],
  ["pushq $-1", "6aff", "pushq $0xffffffffffffffff"],
  ["pushq 8(%rsp)", "ff742408", "pushq 8(%rsp)"],
  ["push %rax", "50", "pushq %rax"],
  ["popq %rdi", "5f", "popq %rdi"],
  ["popq %r15", "415f", "popq %r15"],
  ["popq (%rax)", "8f00", "popq (%rax)"],
  ["pop %rbx", "5b", "popq %rbx"],
  ["pushfq", "9c", "pushfq"],
  ["popfq", "9d", "popfq"],
  ["pushf", "9c", "pushfq"],
  ["popf", "9d", "popfq"],
  ["pushw %ax", "6650", "pushw %ax"],
  ["call *%rax", "ffd0", "callq *%rax"],
  ["call *(%rax)", "ff10", "callq *(%rax)"],
  ["call *0x10(%rax)", "ff5010", "callq *0x10(%rax)"],
  ["callq *%r11", "41ffd3", "callq *%r11"],
  ["call *0x10(,%rax,8)", "ff14c510000000", "callq *0x10(,%rax,8)"],
  ["jmp *%rax", "ffe0", "jmpq *%rax"],
  ["jmpq *8(%rsp)", "ff642408", "jmpq *8(%rsp)"],
  ["jmp *(%rax,%rbx,8)", "ff24d8", "jmpq *(%rax,%rbx,8)"],
  ["ret", "c3", "retq"],
  ["retq", "c3", "retq"],
  ["ret $8", "c20800", "retq $8"],
  ["seto %al", "0f90c0", "setob %al"],
  ["cmovoq %rcx, %rax", "480f40c1", "cmovoq %rcx,%rax"],
  ["setno %al", "0f91c0", "setnob %al"],
  ["cmovnoq %rcx, %rax", "480f41c1", "cmovnoq %rcx,%rax"],
  ["setb %al", "0f92c0", "setbb %al"],
  ["cmovbq %rcx, %rax", "480f42c1", "cmovbq %rcx,%rax"],
  ["setc %al", "0f92c0", "setbb %al"],
  ["cmovcq %rcx, %rax", "480f42c1", "cmovbq %rcx,%rax"],
  ["setnae %al", "0f92c0", "setbb %al"],
  ["cmovnaeq %rcx, %rax", "480f42c1", "cmovbq %rcx,%rax"],
  ["setae %al", "0f93c0", "setaeb %al"],
  ["cmovaeq %rcx, %rax", "480f43c1", "cmovaeq %rcx,%rax"],
  ["setnb %al", "0f93c0", "setaeb %al"],
  ["cmovnbq %rcx, %rax", "480f43c1", "cmovaeq %rcx,%rax"],
  ["setnc %al", "0f93c0", "setaeb %al"],
  ["cmovncq %rcx, %rax", "480f43c1", "cmovaeq %rcx,%rax"],
  ["sete %al", "0f94c0", "seteb %al"],
  ["cmoveq %rcx, %rax", "480f44c1", "cmoveq %rcx,%rax"],
  ["setz %al", "0f94c0", "seteb %al"],
  ["cmovzq %rcx, %rax", "480f44c1", "cmoveq %rcx,%rax"],
  ["setne %al", "0f95c0", "setneb %al"],
  ["cmovneq %rcx, %rax", "480f45c1", "cmovneq %rcx,%rax"],
  ["setnz %al", "0f95c0", "setneb %al"],
  ["cmovnzq %rcx, %rax", "480f45c1", "cmovneq %rcx,%rax"],
  ["setbe %al", "0f96c0", "setbeb %al"],
  ["cmovbeq %rcx, %rax", "480f46c1", "cmovbeq %rcx,%rax"],
  ["setna %al", "0f96c0", "setbeb %al"],
  ["cmovnaq %rcx, %rax", "480f46c1", "cmovbeq %rcx,%rax"],
  ["seta %al", "0f97c0", "setab %al"],
  ["cmovaq %rcx, %rax", "480f47c1", "cmovaq %rcx,%rax"],
  ["setnbe %al", "0f97c0", "setab %al"],
  ["cmovnbeq %rcx, %rax", "480f47c1", "cmovaq %rcx,%rax"],
  ["sets %al", "0f98c0", "setsb %al"],
  ["cmovsq %rcx, %rax", "480f48c1", "cmovsq %rcx,%rax"],
  ["setns %al", "0f99c0", "setnsb %al"],
  ["cmovnsq %rcx, %rax", "480f49c1", "cmovnsq %rcx,%rax"],
  ["setp %al", "0f9ac0", "setpb %al"],
  ["cmovpq %rcx, %rax", "480f4ac1", "cmovpq %rcx,%rax"],
  ["setpe %al", "0f9ac0", "setpb %al"],
  ["cmovpeq %rcx, %rax", "480f4ac1", "cmovpq %rcx,%rax"],
  ["setnp %al", "0f9bc0", "setnpb %al"],
  ["cmovnpq %rcx, %rax", "480f4bc1", "cmovnpq %rcx,%rax"],
  ["setpo %al", "0f9bc0", "setnpb %al"],
  ["cmovpoq %rcx, %rax", "480f4bc1", "cmovnpq %rcx,%rax"],
  ["setl %al", "0f9cc0", "setlb %al"],
  ["cmovlq %rcx, %rax", "480f4cc1", "cmovlq %rcx,%rax"],
  ["setnge %al", "0f9cc0", "setlb %al"],
  ["cmovngeq %rcx, %rax", "480f4cc1", "cmovlq %rcx,%rax"],
  ["setge %al", "0f9dc0", "setgeb %al"],
  ["cmovgeq %rcx, %rax", "480f4dc1", "cmovgeq %rcx,%rax"],
  ["setnl %al", "0f9dc0", "setgeb %al"],
  ["cmovnlq %rcx, %rax", "480f4dc1", "cmovgeq %rcx,%rax"],
  ["setle %al", "0f9ec0", "setleb %al"],
  ["cmovleq %rcx, %rax", "480f4ec1", "cmovleq %rcx,%rax"],
  ["setng %al", "0f9ec0", "setleb %al"],
  ["cmovngq %rcx, %rax", "480f4ec1", "cmovleq %rcx,%rax"],
  ["setg %al", "0f9fc0", "setgb %al"],
  ["cmovgq %rcx, %rax", "480f4fc1", "cmovgq %rcx,%rax"],
  ["setnle %al", "0f9fc0", "setgb %al"],
  ["cmovnleq %rcx, %rax", "480f4fc1", "cmovgq %rcx,%rax"],
  ["setne (%rdi)", "0f9507", "setneb (%rdi)"],
  ["cmovl %ecx, %eax", "0f4cc1", "cmovll %ecx,%eax"],
  ["cmovge 8(%rsp), %rdx", "480f4d542408", "cmovgeq 8(%rsp),%rdx"],
  ["cbtw", "6698", "cbtw"],
  ["cwtl", "98", "cwtl"],
  ["cltq", "4898", "cltq"],
  ["cwtd", "6699", "cwtd"],
  ["cltd", "99", "cltd"],
  ["cqto", "4899", "cqto"],
  ["xchg %rax, %rbx", "4893", "xchgq %rax,%rbx"],
  ["xchg %rbx, %rax", "4893", "xchgq %rax,%rbx"],
  ["xchgq %rax, (%rdi)", "488707", "xchgq %rax,(%rdi)"],
  ["xchgl %ecx, %edx", "87ca", "xchgl %ecx,%edx"],
  ["xchg %ecx, %eax", "91", "xchgl %eax,%ecx"],
  ["bt $3, %edx", "0fbae203", "btl $3,%edx"],
  ["btq $63, %rax", "480fbae03f", "btq $0x3f,%rax"],
  ["btl %eax, (%rdi)", "0fa307", "btl %eax,(%rdi)"],
  ["btsq %rcx, %rax", "480fabc8", "btsq %rcx,%rax"],
  ["btrl $5, 4(%rsp)", "0fba74240405", "btrl $5,4(%rsp)"],
  ["btcq $1, %r8", "490fbaf801", "btcq $1,%r8"],
  ["btsl $3, (%rax)", "0fba2803", "btsl $3,(%rax)"],
  ["btr %rax, %rbx", "480fb3c3", "btrq %rax,%rbx"],
  ["btc %eax, %edx", "0fbbc2", "btcl %eax,%edx"],
  ["nop", "90", "nop"],
  ["nopl (%rax)", "0f1f00", "nopl (%rax)"],
  ["nopl 0(%rax,%rax,1)", "0f1f0400", "nopl (%rax,%rax)"],
  ["nopw 0(%rax,%rax,1)", "660f1f0400", "nopw (%rax,%rax)"],
  ["nopl 0x0(%rax)", "0f1f00", "nopl (%rax)"],
  ["endbr64", "f30f1efa", "endbr64"],
  ["leave", "c9", "leaveq"],
  ["rep movsb", "f3a4", "rep movsb (%rsi),(%rdi)"],
  ["rep movsq", "f348a5", "rep movsq (%rsi),(%rdi)"],
  ["rep stosb", "f3aa", "rep stosb %al,(%rdi)"],
  ["rep stosq", "f348ab", "rep stosq %rax,(%rdi)"],
  ["movsb", "a4", "movsb (%rsi),(%rdi)"],
  ["movsl", "a5", "movsl (%rsi),(%rdi)"],
  ["movsw", "66a5", "movsw (%rsi),(%rdi)"],
  ["stosq", "48ab", "stosq %rax,(%rdi)"],
  ["stosl", "ab", "stosl %eax,(%rdi)"],
  ["lodsb", "ac", "lodsb (%rsi),%al"],
  ["cld", "fc", "cld"],
  ["std", "fd", "std"],
  ["cpuid", "0fa2", "cpuid"],
  ["rdtsc", "0f31", "rdtsc"],
  ["int3", "cc", "int3"],
  ["ud2", "0f0b", "ud2"],
  ["hlt", "f4", "hlt"],
  ["cli", "fa", "cli"],
  ["sti", "fb", "sti"],
  ["rdmsr", "0f32", "rdmsr"],
  ["wrmsr", "0f30", "wrmsr"],
  ["swapgs", "0f01f8", "swapgs"],
  ["syscall", "0f05", "syscall"],
  ["sysretq", "480f07", "sysretq"],
  ["sysretl", "0f07", "sysretl"],
  ["iretq", "48cf", "iretq"],
  ["lock incl (%rax)", "f0ff00", "lock incl (%rax)"],
  ["lock addq $1, 8(%rdi)", "f04883470801", "lock addq $1,8(%rdi)"],
  ["lock xaddl %eax, (%rdx)", "f00fc102", "lock xaddl %eax,(%rdx)"],
  ["lock cmpxchgq %rcx, (%rdi)", "f0480fb10f", "lock cmpxchgq %rcx,(%rdi)"],
  ["lock btsq $0, (%rdi)", "f0480fba2f00", "lock btsq $0,(%rdi)"],
  ["lock decq (%rdi)", "f048ff0f", "lock decq (%rdi)"],
  ["int $0x80", "cd80", "int $0x80"],
  ["int $3", "cc", "int3"],
  ["movq %fs:0x28, %rax", "64488b042528000000", "movq %fs:0x28,%rax"],
  ["movl %gs:(%rax), %ecx", "658b08", "movl %gs:(%rax),%ecx"],
  ["movq %ds:8(%rax), %rbx", "488b5808", "movq 8(%rax),%rbx"],
  ["bsfq %rax, %rcx", "480fbcc8", "bsfq %rax,%rcx"],
  ["bswapq %rax", "480fc8", "bswapq %rax"],
  ["pause", "f390", "pause"],
  ["mfence", "0faef0", "mfence"],
  ["lfence", "0faee8", "lfence"],
  ["sfence", "0faef8", "sfence"],
  ["wbinvd", "0f09", "wbinvd"],
  ["invlpg (%rax)", "0f0138", "invlpg (%rax)"],
  ["movl $0x12345678, %gs:0x20", "65c704252000000078563412", "movl $0x12345678,%gs:0x20"],
  ["andl $~2, 0x14(%rcx)", "836114fd", "andl $0xfffffffd,0x14(%rcx)"],
  ["movq $(9*8+8), %rax", "48c7c050000000", "movq $0x50,%rax"],
  ["subq $(1<<3+1), %rsp", "4883ec09", "subq $9,%rsp"],
];

describe("every supported form encodes as GNU as does and decodes back", () => {
  it.each(GNU_AS)("%s", (stmt, bytes, text) => {
    const b = bytesOf(stmt);
    expect(hex(b)).toBe(bytes);
    expect(decodeOne(b)).toBe(text);
  });

  it("moves to a segment register (GNU omits the 0x66 prefix; both decode alike)", () => {
    expect(decodeOne(bytesOf("movw %ax, %ds"))).toBe("movw %ax,%ds");
  });
});

const LINUX_31_STYLE = `.equ old_rsp, 0x10
.equ kernel_stack, 0x18
.equ ORIG_RAX, 120
.equ ARGOFFSET, 0
.equ RAX, 80
.equ THREAD_SIZE, 8192
.equ KERNEL_STACK_OFFSET, 40
.equ _TIF_SYSCALL_AUDIT, 0x10
.equ _TIF_WORK_SYSCALL_ENTRY, 0x100c1
.equ TI_flags, 0x10
.equ TI_status, 0x14
.equ __NR_syscall_max, 311
.equ _TIF_ALLWORK_MASK, 0xfeff
.equ TIF_NEED_RESCHED, 3
.equ ENOSYS, 38
.equ TS_COMPAT, 2
system_call:
  swapgs
system_call_after_swapgs:
  movq %rsp, %gs:old_rsp
  movq %gs:kernel_stack, %rsp
  sti
  subq $(9*8+8), %rsp
  movq %rdi, 8*8(%rsp)
  movq %rax, ORIG_RAX-ARGOFFSET(%rsp)
  movq %gs:kernel_stack, %rcx
  subq $(THREAD_SIZE-KERNEL_STACK_OFFSET), %rcx
  testl $_TIF_WORK_SYSCALL_ENTRY, TI_flags(%rcx)
  jnz tracesys
  testl $(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT), TI_flags(%rcx)
  jnz far_away
system_call_fastpath:
  cmpq $__NR_syscall_max, %rax
  ja badsys
  movq %r10, %rcx
  call *sys_call_table(,%rax,8)
  movq %rax, RAX-ARGOFFSET(%rsp)
ret_from_sys_call:
  movl $_TIF_ALLWORK_MASK, %edi
sysret_check:
  cli
  movl TI_flags(%rcx), %edx
  andl %edi, %edx
  jnz sysret_careful
  bt $TIF_NEED_RESCHED, %edx
  jnc sysret_signal
  cmpq $0, %rax
  setl %al
  movzbl %al, %edi
  incl %edi
  movq $-ENOSYS, RAX-ARGOFFSET(%rsp)
  pushq %rdi
  popq %rdi
  jmp sysret_check
sysret_careful:
  movq %rsp, %rdi
tracesys:
  call syscall_trace_enter
  andl $~TS_COMPAT, TI_status(%rcx)
  jmp ret_from_sys_call
sysret_signal:
  sysretq
badsys:
  iretq
  movq $sys_call_table, %rax
  leaq 1f(%rip), %rax
  leaq sys_call_table(%rip), %rdx
  jmp 2f
1:
  .zero 200
2:
  jmp system_call
  jne system_call_fastpath
far_away:
  ret
syscall_trace_enter:
  ret
sys_ni_syscall:
  ret
  .align 16
sys_call_table:
  .quad sys_ni_syscall, sys_ni_syscall
  .quad syscall_trace_enter - system_call
  .long 0x12345678, -1
  .word 0xffff
  .byte 1, 2, -3
  .ascii "ab\\n"
  .asciz "x"
`;

// The same source assembled by GNU as 2.40 and linked with ld -Ttext=0xffffffff81000000.
const LINUX_31_GNU =
  "0f01f865488924251000000065488b242518000000fb4883ec5048897c2440488944247865488b0c25180000004881e9d81f" +
  "0000f74110c10001007553f74110c10001000f8543010000483d37010000774c4c89d1ff14c5900100814889442450bffffe" +
  "0000fa8b511021fa751f0fbae20373274883f8000f9cc00fb6f8ffc748c7442450daffffff575febd94889e7e8f900000083" +
  "6114fdebc6480f0748cf48c7c090010081488d050c000000488d15db000000e9c80000000000000000000000000000000000" +
  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "000000000000000000000000000000000000000000000000000000000000000000000000e979feffff0f85bdfeffffc3c3c3" +
  "8f010081ffffffff8f010081ffffffff8e0100000000000078563412ffffffffffff0102fd61620a7800";

describe("Linux 3.1 style entry code", () => {
  const r = assemble(0xffffffff81000000n, LINUX_31_STYLE);

  it("is byte-identical to GNU as + ld, including branch relaxation and data", () => {
    expect(hex(r.bytes)).toBe(LINUX_31_GNU);
  });

  it("reports labels, .equ constants and one line per statement", () => {
    expect(r.base).toBe(0xffffffff81000000n);
    expect(r.labels.get("system_call")).toBe(0xffffffff81000000n);
    expect(r.labels.get("system_call_after_swapgs")).toBe(0xffffffff81000003n);
    expect(r.labels.has("old_rsp")).toBe(false);
    expect(r.symbols.get("old_rsp")).toBe(0x10n);
    expect(r.symbols.get("sys_call_table")).toBe(r.labels.get("sys_call_table"));
    expect([...r.labels.keys()].some((k) => /^[0-9]/.test(k))).toBe(false);
    expect(r.lines[0]).toEqual({ addr: 0xffffffff81000000n, size: 3, text: "swapgs", label: "system_call" });
    expect(r.lines[1]!.text).toBe("movq %rsp, %gs:old_rsp");
    expect(r.lines[2]!.label).toBeUndefined();
    let next = r.base;
    for (const line of r.lines) {
      expect(line.addr).toBe(next);
      next += BigInt(line.size);
    }
    expect(next).toBe(r.base + BigInt(r.bytes.length));
  });
});

describe("labels and branch relaxation", () => {
  it("chooses short or near forms exactly where GNU as does (checked against as + ld)", () => {
    const src = `
      jmp a
      .zero 127
    a: jmp b
      .zero 128
    b: nop
    c: .zero 126
      jmp c
    d: .zero 127
      jmp d
      jne e
      .zero 200
    e: jz f
      jmp g
      .zero 124
    f: .zero 2
    g: nop
    1: dec %ecx
      jnz 1b
      jmp 1f
      nop
    1: ret`;
    const z = (n: number): string => "00".repeat(n);
    const expected =
      `eb7f${z(127)}` + // forward +127: short
      `e980000000${z(128)}90` + // forward +128: near
      `${z(126)}eb80` + // backward -128: short
      `${z(127)}e97cffffff` + // backward -129: near
      `0f85c8000000${z(200)}` + // jcc near
      `747eeb7e${z(126)}90` + // both short once the other is short
      "ffc975fceb0190c3"; // numeric local labels 1b / 1f
    expect(hex(assemble(0x400000, src).bytes)).toBe(expected);
  });

  it("resolves forward references in immediates, displacements and data", () => {
    const r = assemble(0x1000, "movq $end, %rax\nmovl end-0x1000(%rbx), %ecx\n.quad end\nend:");
    // GNU as would keep disp32 for the forward `end-0x1000`; here it is resolved, so disp8 fits.
    expect(hex(r.bytes)).toBe("48c7c012100000" + "8b4b12" + "1210000000000000");
    expect(r.labels.get("end")).toBe(0x1012n);
  });

  it("encodes sym(%rip) as a target and a plain number as a raw displacement", () => {
    const r = assemble(
      0x1000,
      "leaq target(%rip), %rax\nleaq 0x10(%rip), %rdx",
      new Map([["target", 0x2000n]]),
    );
    expect(hex(r.bytes)).toBe("488d05f90f0000" + "488d1510000000");
  });

  it("encodes absolute kernel addresses as SIB disp32 without a base (not RIP-relative)", () => {
    const syms = new Map([["sys_call_table", 0xffffffff81600000n]]);
    const r = assemble(0xffffffff81000000n, "call *sys_call_table(,%rax,8)\nmovq sys_call_table, %rax", syms);
    expect(hex(r.bytes)).toBe("ff14c500006081" + "488b042500006081");
  });

  it("calls and jumps to external symbols with rel32", () => {
    const r = new Assembler({ base: 0x1000, symbols: new Map([["native", 0x1010]]) })
      .i("call native")
      .i("jmp native")
      .assemble();
    expect(hex(r.bytes)).toBe("e80b000000" + "eb09");
  });
});

describe("operand expressions", () => {
  it("evaluates Linux-style constant expressions", () => {
    const a = new Assembler({ base: 0 })
      .equ("_TIF_WORK_SYSCALL_ENTRY", 0x100c1 | 0x10)
      .equ("_TIF_SYSCALL_AUDIT", 0x10)
      .equ("RAX", 80)
      .equ("ARGOFFSET", 48)
      .equ("TI_flags", 0x10)
      .i("testl $(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT), TI_flags(%rcx)")
      .i("movq %rax, RAX-ARGOFFSET(%rsp)")
      .i("subq $(9*8+8), %rsp")
      .i("movq %rdi, 8*8(%rsp)")
      .i("movl $(1<<3+1), %eax")
      .i("movl $((1<<3)+1)*2, %eax");
    expect(hex(a.assemble().bytes)).toBe(
      "f74110c1000100" + "4889442420" + "4883ec50" + "48897c2440" + "b809000000" + "b812000000",
    );
  });

  it("accepts .equ, .set and = in text, defined before or after use", () => {
    const r = assemble(0, "movl $A+B, %eax\n.equ A, 2\n.set B, A*3\nC = B - 1\nmovb $C, %al");
    expect(hex(r.bytes)).toBe("b808000000" + "b005");
    expect(r.symbols.get("C")).toBe(5n);
  });
});

describe("the DSL", () => {
  it("chains equ/label/i/quad/long/word/byte/zero/align/ascii", () => {
    const a = new Assembler({ base: 0x1000, symbols: new Map([["ext", 0x2000n]]) });
    a.equ("N", 5)
      .label("top")
      .i("movl $N, %eax")
      .i("call ext")
      .i("jmp top")
      .quad("top", 7, "N*2")
      .long(-1)
      .word(0x1234)
      .byte(1, "N")
      .zero(3)
      .align(8)
      .ascii("hi");
    const r = a.assemble();
    expect(hex(r.bytes)).toBe(
      "b805000000" +
        "e8f60f0000" +
        "ebf4" +
        "0010000000000000" +
        "0700000000000000" +
        "0a00000000000000" +
        "ffffffff" +
        "3412" +
        "0105" +
        "000000" +
        "90" +
        "6869",
    );
    expect(r.lines.map((l) => l.text)).toEqual([
      "movl $N, %eax",
      "call ext",
      "jmp top",
      ".quad top, 7, N*2",
      ".long -1",
      ".word 4660",
      ".byte 1, N",
      ".zero 3",
      ".align 8",
      '.ascii "hi"',
    ]);
    expect(r.lines[0]!.label).toBe("top");
    expect(r.symbols.get("N")).toBe(5n);
    expect(r.symbols.has("ext")).toBe(false);
  });

  it("reports here as the address after the statements added so far", () => {
    const a = new Assembler({ base: 0x1000 }).i("nop").i("jmp later");
    expect(a.here).toBeUndefined();
    a.label("later").i("ret");
    expect(a.here).toBe(0x1004n);
  });

  it("takes ; separated statements, comments and several labels on one line", () => {
    const r = assemble(0, "a: b: nop; nop # comment; not a statement\n  # only a comment\nc: ret");
    expect(hex(r.bytes)).toBe("9090c3");
    expect([...r.labels]).toEqual([
      ["a", 0n],
      ["b", 0n],
      ["c", 2n],
    ]);
  });

  it("pads .align in code with multi-byte NOPs that decode", () => {
    const r = assemble(0, "ret\n.align 16\nret\n.p2align 3\n.balign 4, 0xcc\n.byte 1\n.balign 4, 0xcc");
    expect(hex(r.bytes)).toBe(
      "c3" + "0f1f840000000000" + "0f1f8000000000" + "c3" + "0f1f8000000000" + "01cccccc",
    );
    expect(decodeOne(r.bytes.subarray(1, 9))).toBe("nopl (%rax,%rax)");
    expect(decodeOne(r.bytes.subarray(9, 16))).toBe("nopl (%rax)");
  });

  it("assembles .ascii/.asciz escapes and the other data widths", () => {
    const r = assemble(0, '.asciz "a\\tb\\x41\\101"\n.short -2\n.int 0xdeadbeef\n.8byte -1');
    expect(hex(r.bytes)).toBe("610962414100" + "feff" + "efbeadde" + "ffffffffffffffff");
  });
});

describe("errors name the line, the statement and the problem", () => {
  it.each([
    ["frob %rax", "line 1: frob %rax: unknown mnemonic 'frob'"],
    ["movq %rxx, %rax", "line 1: movq %rxx, %rax: unknown register '%rxx'"],
    ["movq %eax, %rbx", "line 1: movq %eax, %rbx: no form of this instruction takes these operands"],
    [
      "movl $0x100000000, %eax",
      "line 1: movl $0x100000000, %eax: immediate 4294967296 (0x100000000) out of range",
    ],
    ["addb $256, %al", "line 1: addb $256, %al: immediate 256 (0x100) out of range"],
    [
      "movq $0x80000000, 8(%rsp)",
      "line 1: movq $0x80000000, 8(%rsp): immediate 2147483648 (0x80000000) out of range",
    ],
    ["inc (%rax)", "line 1: inc (%rax): operand size is ambiguous; add a b/w/l/q suffix"],
    ["lock movq %rax, (%rbx)", "line 1: lock movq %rax, (%rbx): lock prefix not allowed here"],
    [
      "movq 0x100000000, %rax",
      "line 1: movq 0x100000000, %rax: displacement 0x100000000 does not fit a sign-extended disp32",
    ],
    ["movq $nosuch, %rax", "line 1: movq $nosuch, %rax: undefined symbol 'nosuch'"],
    ["movq 8(%rsp,%rsp), %rax", "line 1: movq 8(%rsp,%rsp), %rax: bad index register '%rsp'"],
    ["movq (%rax,%rbx,3), %rax", "line 1: movq (%rax,%rbx,3), %rax: bad scale '3' in '(%rax,%rbx,3)'"],
    ["movq $(1+), %rax", "line 1: movq $(1+), %rax: bad expression '(1+)': unexpected ')' in '(1+)'"],
    ["movq $1+, %rax", "line 1: movq $1+, %rax: bad expression '1+': expression '1+' ends early"],
    ["jmp 1b", "line 1: jmp 1b: no local label '1:' before '1b'"],
    ["jmp 1f", "line 1: jmp 1f: no local label '1:' after this statement"],
    [".byte 256", "line 1: .byte 256: value 256 does not fit 8 bits"],
    [".frob 1", "line 1: .frob 1: unknown directive '.frob'"],
    ["rep addl %eax, %eax", "line 1: rep addl %eax, %eax: 'rep' needs a string instruction"],
    ["movq *%rax, %rbx", "line 1: movq *%rax, %rbx: '*' is only allowed on jmp/call operands"],
  ])("%s", (stmt, message) => {
    expect(errorOf(() => assemble(0, stmt))).toBe(message);
  });

  it("counts lines across asm() text", () => {
    expect(errorOf(() => assemble(0, "nop\n\n  frob"))).toBe("line 3: frob: unknown mnemonic 'frob'");
  });

  it("rejects duplicate and external-clashing symbols", () => {
    expect(errorOf(() => assemble(0, "a: nop\na: nop"))).toBe("line 2: a:: symbol 'a' is already defined");
    expect(errorOf(() => new Assembler({ base: 0, symbols: new Map([["x", 1]]) }).equ("x", 2))).toBe(
      "line 1: .equ x, 2: symbol 'x' is already defined",
    );
  });

  it("rejects branches beyond rel32 and several statements in i()", () => {
    const far = new Map([["far", 0x200000000n]]);
    expect(errorOf(() => assemble(0, "jmp far", far))).toMatch(
      /^line 1: jmp far: branch target 0x200000000 out of range/,
    );
    expect(errorOf(() => new Assembler({ base: 0 }).i("nop; nop"))).toMatch(
      /^line 1: nop; nop: i\(\) takes exactly one/,
    );
  });

  it("rejects a self-referencing .equ", () => {
    expect(errorOf(() => assemble(0, ".equ A, A+1\nmovl $A, %eax"))).toMatch(/defined in terms of itself/);
  });
});
