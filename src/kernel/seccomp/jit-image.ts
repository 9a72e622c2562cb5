// Seccomp filters as executed code (bpf_jit_enable=1): each attached filter gets a struct seccomp_filter and a
// struct bpf_prog in the kernel heap and its x86-64 image in the BPF JIT area (executable kernel memory mapped in
// every address space, like the module area bpf_prog_pack_alloc takes it from), and seccomp_run_filters is a
// routine of kernel text that calls each image through prog->bpf_func. Only the linux-generic flavour has it.
//
// Layouts (the displacements the routine uses; the fields nobody reads here are not stored):
//   struct seccomp_filter: prev @16, prog @24
//   struct bpf_prog:       len @12, bpf_func @48, insnsi[] @72 (8 bytes per eBPF instruction)
import { NO_MITIGATIONS, type SpeculationMitigations } from "../../cpu/insn-class.ts";
import type { AddressSpace } from "../../cpu/memory.ts";
import { PAGE_SIZE } from "../../cpu/memory.ts";
import { BPF_JIT_BASE, BPF_JIT_SIZE } from "../layout.ts";
import { SECCOMP_RET_ALLOW } from "./actions.ts";
import { type BpfInsn, bpfConvertFilter, convertedStackDepth } from "./bpf-convert.ts";
import { bpfIntJitCompile, type JitImage } from "./bpf-jit-x86.ts";
import type { SeccompFilterNode } from "./filter-chain.ts";
import { SECCOMP_DATA_SIZE } from "./seccomp-data.ts";

export const SECCOMP_FILTER_PREV = 16;
export const SECCOMP_FILTER_PROG = 24;
export const SECCOMP_FILTER_SIZE = 32;
export const BPF_PROG_LEN = 12;
export const BPF_PROG_BPF_FUNC = 48;
export const BPF_PROG_INSNSI = 72;
/** SECCOMP_RET_ACTION_FULL: the bits ACTION_ONLY() keeps */
const SECCOMP_RET_ACTION_FULL = 0xffff0000;

/**
 * seccomp_run_filters(sd, f) for the JIT: rdi = struct seccomp_data *, rsi = the newest filter (the cache was
 * already consulted by the caller). Calls every filter newest first as bpf_func(ctx, insnsi) and keeps a
 * result only if ACTION_ONLY(cur) < ACTION_ONLY(ret) as signed ints. Returns ret in eax and the matching filter
 * in rdx. The indirect call into the image (bpf_dispatcher_nop_func's `bpf_func(ctx, insnsi)`) is compiled by
 * CONFIG_MITIGATION_RETPOLINE kernels as `call __x86_indirect_thunk_rax`, which apply_retpolines()
 * (arch/x86/kernel/alternative.c) rewrites to `call *%rax` on a CPU that needs no retpoline (Cascade Lake has
 * eIBRS): `m.retpoline` says which the profiled machine runs.
 */
export function seccompRunFiltersText(m: SpeculationMitigations = NO_MITIGATIONS): string {
  return [
    "# seccomp_run_filters(sd, f) (kernel/seccomp.c, Linux 6.x) with the JIT: each filter's image through prog->bpf_func",
    "\t.align 16",
    "seccomp_run_filters:",
    "\tpushq %rbx",
    "\tpushq %r12",
    "\tpushq %r13",
    "\tpushq %r14",
    "\tmovq %rdi, %r12",
    "\tmovq %rsi, %rbx",
    `\tmovl $0x${SECCOMP_RET_ALLOW.toString(16)}, %r13d`,
    "\txorl %r14d, %r14d",
    "seccomp_run_filters_loop:",
    `\tmovq ${SECCOMP_FILTER_PROG}(%rbx), %rsi`,
    "\tmovq %r12, %rdi",
    `\tmovq ${BPF_PROG_BPF_FUNC}(%rsi), %rax`,
    `\taddq $${BPF_PROG_INSNSI}, %rsi`,
    m.retpoline ? `\tcall ${INDIRECT_THUNK_RAX}` : "\tcall *%rax",
    "# ACTION_ONLY(cur_ret) < ACTION_ONLY(ret), signed",
    "\tmovl %eax, %ecx",
    `\tandl $0x${SECCOMP_RET_ACTION_FULL.toString(16)}, %ecx`,
    "\tmovl %r13d, %edx",
    `\tandl $0x${SECCOMP_RET_ACTION_FULL.toString(16)}, %edx`,
    "\tcmpl %edx, %ecx",
    "\tjge seccomp_run_filters_next",
    "\tmovl %eax, %r13d",
    "\tmovq %rbx, %r14",
    "seccomp_run_filters_next:",
    `\tmovq ${SECCOMP_FILTER_PREV}(%rbx), %rbx`,
    "\ttestq %rbx, %rbx",
    "\tjnz seccomp_run_filters_loop",
    "\tmovl %r13d, %eax",
    "\tmovq %r14, %rdx",
    "\tpopq %r14",
    "\tpopq %r13",
    "\tpopq %r12",
    "\tpopq %rbx",
    "\tret",
    "",
  ].join("\n");
}

/** __x86_indirect_thunk_rax (arch/x86/lib/retpoline.S) */
export const INDIRECT_THUNK_RAX = "__x86_indirect_thunk_rax";
/** srso_return_thunk (arch/x86/lib/retpoline.S): x86_return_thunk with spec_rstack_overflow's "Safe RET" */
export const SRSO_RETURN_THUNK = "srso_return_thunk";

/**
 * The thunks `m` needs, as arch/x86/lib/retpoline.S has them after boot-time patching (nothing when `m` needs
 * none). The retpoline's `call` pushes the address of a speculation trap (pause; lfence; jmp) and its `ret` goes
 * to %rax instead: the return stack buffer predicts the trap, so every pass mispredicts the return, which is the
 * retpoline's cost. Its RET is `jmp x86_return_thunk` under CONFIG_MITIGATION_RETHUNK (the RET macro of
 * arch/x86/include/asm/linkage.h). srso_return_thunk calls srso_safe_ret, which drops that call's return address
 * (`lea 8(%rsp),%rsp`) and returns to the caller's: the source says "This RET will then mispredict and execution
 * will continue at the return site read from the top of the stack". (Zen 3/4 kernels run the same two
 * instructions at the srso_alias_* addresses.)
 */
export function mitigationThunksText(m: SpeculationMitigations): string {
  const ret = m.returnThunk === "srso" ? `\tjmp ${SRSO_RETURN_THUNK}` : "\tret";
  const out: string[] = [];
  if (m.retpoline)
    out.push(
      "# __x86_indirect_thunk_rax: the RETPOLINE macro of arch/x86/lib/retpoline.S",
      "\t.align 32",
      `${INDIRECT_THUNK_RAX}:`,
      `\tcall ${INDIRECT_THUNK_RAX}_do_rop`,
      `${INDIRECT_THUNK_RAX}_spec_trap:`,
      "\tpause",
      "\tlfence",
      `\tjmp ${INDIRECT_THUNK_RAX}_spec_trap`,
      `${INDIRECT_THUNK_RAX}_do_rop:`,
      "\tmovq %rax, (%rsp)",
      ret,
      "\tint3",
    );
  if (m.returnThunk === "srso")
    out.push(
      "# srso_return_thunk and srso_safe_ret (arch/x86/lib/retpoline.S, spec_rstack_overflow: Safe RET)",
      "\t.align 64",
      `${SRSO_RETURN_THUNK}:`,
      "\tcall srso_safe_ret",
      "\tud2",
      "\t.align 16",
      "srso_safe_ret:",
      "\tleaq 8(%rsp), %rsp",
      "\tret",
      "\tint3",
    );
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

/** `name` at the image's entry and `name.pc<k>` where the code of classic instruction k starts, into `out`. */
export function imageLabels(
  name: string,
  addr: number,
  ebpf: readonly BpfInsn[],
  image: JitImage,
  out: Map<string, bigint>,
): Map<string, bigint> {
  out.set(name, BigInt.asUintN(64, BigInt(addr)));
  let last = -2;
  for (let i = 0; i < ebpf.length; i++) {
    const line = ebpf[i]!.line;
    if (line === last || line < 0) continue;
    last = line;
    // addrs[i] is where eBPF instruction i starts (the end of instruction i-1)
    out.set(`${name}.pc${line}`, BigInt.asUintN(64, BigInt(addr + image.addrs[i]!)));
  }
  return out;
}

/** The kernel services the JIT area needs from the machine. */
export interface JitHost {
  readonly kspace: AddressSpace;
  kmalloc(size: number, align?: number): number;
  /** maps [vaddr, vaddr+len) supervisor read-only executable in the kernel half of every address space */
  mapText(vaddr: number, len: number): void;
}

/** One compiled filter, for listings and trace symbols. */
export interface JitRecord {
  /** bpf_prog_<n>_seccomp */
  name: string;
  filterAddr: number;
  imageAddr: number;
  node: SeccompFilterNode;
  ebpf: BpfInsn[];
  image: JitImage;
}

export class SeccompJit {
  private nextText = BPF_JIT_BASE;
  private mappedText = BPF_JIT_BASE;
  private readonly byNode = new WeakMap<SeccompFilterNode, number>();
  private readonly byAddr = new Map<number, SeccompFilterNode>();
  readonly records: JitRecord[] = [];

  /**
   * `runFiltersAddr`: seccomp_run_filters in kernel text; `doneAddr`: the __seccomp_filter_done native the call
   * returns to.
   */
  constructor(
    private readonly host: JitHost,
    readonly runFiltersAddr: number,
    readonly doneAddr: number,
    /** x86_return_thunk (srso_return_thunk) when the kernel returns through one (emit_return), else null */
    readonly returnThunk: number | null = null,
  ) {}

  /** The struct seccomp_filter of `node` (compiling it and its older filters first, once). */
  filterAddr(node: SeccompFilterNode): number {
    const known = this.byNode.get(node);
    if (known !== undefined) return known;
    const prev = node.prev ? this.filterAddr(node.prev) : 0;
    const ks = this.host.kspace;
    const ebpf = bpfConvertFilter(node.prog);
    const n = this.records.length + 1;
    const name = `bpf_prog_${n}_seccomp`;
    // the image's address is only needed for rel32s to outside targets: emit_return's `jmp x86_return_thunk`.
    // Its length does not depend on the address (a rel32 either way), so a first compile sizes the allocation.
    const depth = convertedStackDepth(ebpf);
    const returnThunk = this.returnThunk;
    let image = bpfIntJitCompile(ebpf, depth, { returnThunk });
    const imageAddr = this.allocText(image.bytes.length);
    if (returnThunk !== null) image = bpfIntJitCompile(ebpf, depth, { returnThunk, imageAddr });
    ks.writeBytes(imageAddr, image.bytes);
    const prog = this.host.kmalloc(BPF_PROG_INSNSI + 8 * ebpf.length, 8);
    ks.write32(prog + BPF_PROG_LEN, ebpf.length);
    ks.write64(prog + BPF_PROG_BPF_FUNC, BigInt.asUintN(64, BigInt(imageAddr)));
    const insnsi = new DataView(new ArrayBuffer(8 * ebpf.length));
    ebpf.forEach((x, i) => {
      insnsi.setUint8(8 * i, x.code);
      insnsi.setUint8(8 * i + 1, (x.src << 4) | x.dst);
      insnsi.setInt16(8 * i + 2, x.off, true);
      insnsi.setInt32(8 * i + 4, x.imm, true);
    });
    ks.writeBytes(prog + BPF_PROG_INSNSI, new Uint8Array(insnsi.buffer));
    const f = this.host.kmalloc(SECCOMP_FILTER_SIZE, 8);
    ks.write64(f + SECCOMP_FILTER_PREV, BigInt.asUintN(64, BigInt(prev)));
    ks.write64(f + SECCOMP_FILTER_PROG, BigInt.asUintN(64, BigInt(prog)));
    this.byNode.set(node, f);
    this.byAddr.set(f, node);
    this.records.push({ name, filterAddr: f, imageAddr, node, ebpf, image });
    return f;
  }

  /**
   * Symbols of the images, for disassembly and trace: `bpf_prog_<n>_seccomp` at each entry and
   * `bpf_prog_<n>_seccomp.pc<k>` where the code of classic instruction k starts.
   */
  labels(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const r of this.records) imageLabels(r.name, r.imageAddr, r.ebpf, r.image, out);
    return out;
  }

  /** The filter node at a struct seccomp_filter address (the `match` seccomp_run_filters returns). */
  nodeAt(addr: number): SeccompFilterNode | null {
    return this.byAddr.get(addr) ?? null;
  }

  /** bpf_prog_pack_alloc: the next 16-byte aligned range of the JIT area, mapping pages as it grows. */
  private allocText(len: number): number {
    const at = (this.nextText + 15) & ~15;
    const end = at + len;
    if (end > BPF_JIT_BASE + BPF_JIT_SIZE) throw new Error("bpf_jit: the JIT area is full");
    if (end > this.mappedText) {
      const grow = Math.ceil((end - this.mappedText) / PAGE_SIZE) * PAGE_SIZE;
      this.host.mapText(this.mappedText, grow);
      this.mappedText += grow;
    }
    this.nextText = end;
    return at;
  }
}

/** The stack the caller reserves for struct seccomp_data under the return address into the routine's caller. */
export const SECCOMP_SD_RESERVE = SECCOMP_DATA_SIZE;
