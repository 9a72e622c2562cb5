// The x86-64 BPF JIT (arch/x86/net/bpf_jit_comp.c, Linux 6.18: do_jit, emit_prologue, bpf_int_jit_compile) for
// the instructions bpf_convert_filter produces from a seccomp filter. Registers: R0 rax, R1 rdi, R6 rbx,
// R7 r13, R8 r14, R10 rbp, AUX_REG r11. The byte choices (imm8 forms, `xor` for a zero immediate, `test` for a
// compare with 0, short or near jcc) follow the kernel source, and the image is re-emitted until its length
// stops changing, with nop padding from pass 15 on, exactly as bpf_int_jit_compile does. Checked byte for byte
// against images captured from a 6.18 host (test/fixtures/seccomp/jit-capture.c).
import {
  BPF_ALU64,
  BPF_EXIT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_MOV,
  BPF_REG_0,
  BPF_REG_4,
  BPF_REG_6,
  BPF_REG_7,
  BPF_REG_8,
  BPF_REG_9,
  type BpfInsn,
} from "./bpf-convert.ts";
import {
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_DIV,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_STX,
  BPF_SUB,
  BPF_W,
  BPF_X,
  BPF_XOR,
} from "./sock-filter.ts";

/** AUX_REG = MAX_BPF_JIT_REG + 1 (r11) */
const AUX_REG = 12;
const BPF_REG_3 = 3;
const BPF_REG_5 = 5;
const BPF_REG_AX = 11;

/** reg2hex[] */
const REG2HEX = [0, 7, 6, 2, 1, 0, 3, 5, 6, 7, 5, 2, 3];
/** is_ereg(): R5 r8, R7 r13, R8 r14, R9 r15, AX r10, AUX r11 */
const isEreg = (r: number): boolean =>
  r === BPF_REG_5 ||
  r === BPF_REG_7 ||
  r === BPF_REG_8 ||
  r === BPF_REG_9 ||
  r === BPF_REG_AX ||
  r === AUX_REG;

const add1mod = (b: number, r: number): number => (isEreg(r) ? b | 1 : b);
const add2mod = (b: number, r1: number, r2: number): number =>
  (isEreg(r1) ? b | 1 : b) | (isEreg(r2) ? 4 : 0);
const add1reg = (b: number, r: number): number => b + REG2HEX[r]!;
const add2reg = (b: number, d: number, s: number): number => b + REG2HEX[d]! + (REG2HEX[s]! << 3);
const isImm8 = (v: number): boolean => v <= 127 && v >= -128;

const X86_JB = 0x72;
const X86_JAE = 0x73;
const X86_JE = 0x74;
const X86_JNE = 0x75;
const X86_JBE = 0x76;
const X86_JA = 0x77;

/** x86_nops[n] (arch/x86/include/asm/nops.h, the P6 nops the kernel uses on x86-64) */
const X86_NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];
const ASM_NOP_MAX = 8;
const X86_PATCH_SIZE = 5;
const MAX_PASSES = 20;
const PADDING_PASSES = MAX_PASSES - 5;

export interface JitOptions {
  /** bpf_prog_was_classic(): true for seccomp; a program loaded with bpf(2) gets a 3-byte nop more */
  wasClassic: boolean;
  /** CONFIG_X86_KERNEL_IBT: endbr64 at the entry and after `mov %rsp,%rbp` */
  ibt: boolean;
  /** X86_FEATURE_RETHUNK: the return is `jmp` to this address (x86_return_thunk); null: `ret` */
  returnThunk: number | null;
  /** CONFIG_MITIGATION_SLS: an int3 after `ret` */
  sls: boolean;
  /** where the image will live (rel32 of the return-thunk jump); 0 when no thunk is used */
  imageAddr: number;
  /** X86_FEATURE_BMI2: shifts by X become shlx/shrx (the modelled CPU has none; the capture host has it) */
  bmi2: boolean;
}

export const DEFAULT_JIT_OPTIONS: JitOptions = {
  wasClassic: true,
  ibt: false,
  returnThunk: null,
  sls: false,
  imageAddr: 0,
  bmi2: false,
};

export interface JitImage {
  bytes: Uint8Array;
  /** addrs[]: addrs[0] = end of the prologue, addrs[i] = end of eBPF instruction i-1 (1-based as do_jit) */
  addrs: Int32Array;
  /** passes bpf_int_jit_compile ran, the final emitting pass included */
  passes: number;
}

interface Ctx {
  cleanupAddr: number;
}

/** do_jit's temp[]: one instruction's bytes (BPF_MAX_INSN_SIZE + BPF_INSN_SAFETY), reused. */
class Emitter {
  readonly buf = new Uint8Array(192);
  length = 0;
  e(a: number, b?: number, c?: number, d?: number): void {
    this.buf[this.length++] = a;
    if (b !== undefined) this.buf[this.length++] = b;
    if (c !== undefined) this.buf[this.length++] = c;
    if (d !== undefined) this.buf[this.length++] = d;
  }
  bytes(b: readonly number[]): void {
    for (const x of b) this.buf[this.length++] = x;
  }
  e32(v: number): void {
    this.e(v, v >> 8, v >> 16, v >>> 24);
  }
}

function emitMovImm32(p: Emitter, signPropagate: boolean, dst: number, imm: number): void {
  if (signPropagate && (imm | 0) < 0) {
    p.e(add1mod(0x48, dst), 0xc7, add1reg(0xc0, dst));
    p.e32(imm);
    return;
  }
  if (imm === 0) {
    if (isEreg(dst)) p.e(add2mod(0x40, dst, dst));
    p.e(0x31, add2reg(0xc0, dst, dst));
    return;
  }
  if (isEreg(dst)) p.e(add1mod(0x40, dst));
  p.e(add1reg(0xb8, dst));
  p.e32(imm);
}

function emitMov(p: Emitter, dst: number, src: number): void {
  if (dst !== src) p.e(add2mod(0x48, dst, src), 0x89, add2reg(0xc0, dst, src));
}

function emitMovReg(p: Emitter, is64: boolean, dst: number, src: number): void {
  if (is64) {
    emitMov(p, dst, src);
    return;
  }
  if (isEreg(dst) || isEreg(src)) p.e(add2mod(0x40, dst, src));
  p.e(0x89, add2reg(0xc0, dst, src));
}

function maybeEmitMod(p: Emitter, dst: number, src: number, is64: boolean): void {
  if (is64) p.e(add2mod(0x48, dst, src));
  else if (isEreg(dst) || isEreg(src)) p.e(add2mod(0x40, dst, src));
}

function maybeEmit1mod(p: Emitter, reg: number, is64: boolean): void {
  if (is64) p.e(add1mod(0x48, reg));
  else if (isEreg(reg)) p.e(add1mod(0x40, reg));
}

function emitInsnSuffix(p: Emitter, ptr: number, val: number, off: number): void {
  if (isImm8(off)) p.e(add2reg(0x40, ptr, val), off);
  else {
    p.e(add2reg(0x80, ptr, val));
    p.e32(off);
  }
}

function emitNops(p: Emitter, len: number): void {
  while (len > 0) {
    const n = Math.min(len, ASM_NOP_MAX);
    p.bytes(X86_NOPS[n]!);
    len -= n;
  }
}

const SIMPLE_ALU: Record<number, number> = {
  [BPF_ADD]: 0x01,
  [BPF_SUB]: 0x29,
  [BPF_AND]: 0x21,
  [BPF_OR]: 0x09,
  [BPF_XOR]: 0x31,
  [BPF_LSH]: 0xe0,
  [BPF_RSH]: 0xe8,
};

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];

/** One do_jit() pass; returns the program length, or throws on an instruction outside seccomp's output. */
function doJit(
  prog: readonly BpfInsn[],
  stackDepth: number,
  used: readonly boolean[],
  addrs: Int32Array,
  image: Uint8Array | null,
  ctx: Ctx,
  padding: boolean,
  o: JitOptions,
): number {
  const p = new Emitter();
  // emit_prologue (no tail calls, not a subprogram)
  if (o.ibt) p.bytes(ENDBR64);
  p.bytes(X86_NOPS[X86_PATCH_SIZE]!);
  if (!o.wasClassic) emitNops(p, 3);
  p.e(0x55, 0x48, 0x89, 0xe5);
  if (o.ibt) p.bytes(ENDBR64);
  if (stackDepth) {
    p.e(0x48, 0x81, 0xec);
    p.e32((stackDepth + 7) & ~7);
  }
  // push_callee_regs
  if (used[0]) p.e(0x53);
  if (used[1]) p.e(0x41, 0x55);
  if (used[2]) p.e(0x41, 0x56);
  if (used[3]) p.e(0x41, 0x57);
  let proglen = p.length;
  if (image) image.set(p.buf.subarray(0, p.length), 0);
  addrs[0] = proglen;
  let seenExit = false;
  const t = p;
  for (let i = 1; i <= prog.length; i++) {
    const insn = prog[i - 1]!;
    t.length = 0;
    let dst = insn.dst;
    let src = insn.src;
    const imm = insn.imm;
    const cls = insn.code & 0x07;
    const op = insn.code & 0xf0;
    let jmpOffset = 0;
    let emitJmp = false;
    switch (insn.code) {
      case BPF_ALU | BPF_ADD | BPF_X:
      case BPF_ALU | BPF_SUB | BPF_X:
      case BPF_ALU | BPF_AND | BPF_X:
      case BPF_ALU | BPF_OR | BPF_X:
      case BPF_ALU | BPF_XOR | BPF_X:
        maybeEmitMod(t, dst, src, false);
        t.e(SIMPLE_ALU[op]!, add2reg(0xc0, dst, src));
        break;
      case BPF_ALU64 | BPF_MOV | BPF_X:
      case BPF_ALU | BPF_MOV | BPF_X:
        emitMovReg(t, cls === BPF_ALU64, dst, src);
        break;
      case BPF_ALU | BPF_NEG:
        maybeEmit1mod(t, dst, false);
        t.e(0xf7, add1reg(0xd8, dst));
        break;
      case BPF_ALU | BPF_ADD:
      case BPF_ALU | BPF_SUB:
      case BPF_ALU | BPF_AND:
      case BPF_ALU | BPF_OR:
      case BPF_ALU | BPF_XOR: {
        maybeEmit1mod(t, dst, false);
        const [b3, b2] =
          op === BPF_ADD
            ? [0xc0, 0x05]
            : op === BPF_SUB
              ? [0xe8, 0x2d]
              : op === BPF_AND
                ? [0xe0, 0x25]
                : op === BPF_OR
                  ? [0xc8, 0x0d]
                  : [0xf0, 0x35];
        if (isImm8(imm)) t.e(0x83, add1reg(b3, dst), imm);
        else if (dst === BPF_REG_0) {
          t.e(b2);
          t.e32(imm);
        } else {
          t.e(0x81, add1reg(b3, dst));
          t.e32(imm);
        }
        break;
      }
      case BPF_ALU | BPF_MOV:
        emitMovImm32(t, false, dst, imm);
        break;
      case BPF_ALU | BPF_DIV | BPF_X:
      case BPF_ALU | BPF_MOD | BPF_X:
      case BPF_ALU | BPF_DIV:
      case BPF_ALU | BPF_MOD: {
        if (dst !== BPF_REG_0) t.e(0x50);
        if (dst !== BPF_REG_3) t.e(0x52);
        if ((insn.code & 0x08) === BPF_X) {
          if (src === BPF_REG_0 || src === BPF_REG_3) {
            emitMov(t, AUX_REG, src);
            src = AUX_REG;
          }
        } else {
          t.e(0x49, 0xc7, 0xc3);
          t.e32(imm);
          src = AUX_REG;
        }
        if (dst !== BPF_REG_0) emitMovReg(t, false, BPF_REG_0, dst);
        t.e(0x31, 0xd2);
        maybeEmit1mod(t, src, false);
        t.e(0xf7, add1reg(0xf0, src));
        if (op === BPF_MOD && dst !== BPF_REG_3) emitMovReg(t, false, dst, BPF_REG_3);
        else if (op === BPF_DIV && dst !== BPF_REG_0) emitMovReg(t, false, dst, BPF_REG_0);
        if (dst !== BPF_REG_3) t.e(0x5a);
        if (dst !== BPF_REG_0) t.e(0x58);
        break;
      }
      case BPF_ALU | BPF_MUL:
        maybeEmitMod(t, dst, dst, false);
        if (isImm8(imm)) t.e(0x6b, add2reg(0xc0, dst, dst), imm);
        else {
          t.e(0x69, add2reg(0xc0, dst, dst));
          t.e32(imm);
        }
        break;
      case BPF_ALU | BPF_MUL | BPF_X:
        maybeEmitMod(t, src, dst, false);
        t.e(0x0f, 0xaf, add2reg(0xc0, src, dst));
        break;
      case BPF_ALU | BPF_LSH:
      case BPF_ALU | BPF_RSH:
        maybeEmit1mod(t, dst, false);
        if (imm === 1) t.e(0xd1, add1reg(SIMPLE_ALU[op]!, dst));
        else t.e(0xc1, add1reg(SIMPLE_ALU[op]!, dst), imm);
        break;
      case BPF_ALU | BPF_LSH | BPF_X:
      case BPF_ALU | BPF_RSH | BPF_X:
        if (o.bmi2 && src !== BPF_REG_4) {
          // emit_shiftx: VEX.LZ.{66,F2}.0F38.W0 F7 /r, shlx/shrx dst, dst, src
          const r = isEreg(dst) ? 0 : 1;
          const vvvv = ~(REG2HEX[src]! | (isEreg(src) ? 8 : 0)) & 0xf;
          t.e(0xc4, (r << 7) | (1 << 6) | (r << 5) | 2, (vvvv << 3) | (op === BPF_LSH ? 1 : 3));
          t.e(0xf7, add2reg(0xc0, dst, dst));
          break;
        }
        if (dst === BPF_REG_4) {
          emitMov(t, AUX_REG, dst);
          dst = AUX_REG;
        }
        if (src !== BPF_REG_4) {
          t.e(0x51);
          emitMov(t, BPF_REG_4, src);
        }
        maybeEmit1mod(t, dst, false);
        t.e(0xd3, add1reg(SIMPLE_ALU[op]!, dst));
        if (src !== BPF_REG_4) t.e(0x59);
        if (insn.dst === BPF_REG_4) emitMov(t, insn.dst, AUX_REG);
        break;
      case BPF_STX | BPF_MEM | BPF_W:
        if (isEreg(dst) || isEreg(src)) t.e(add2mod(0x40, dst, src), 0x89);
        else t.e(0x89);
        emitInsnSuffix(t, dst, src, insn.off);
        break;
      case BPF_LDX | BPF_MEM | BPF_W:
        if (isEreg(dst) || isEreg(src)) t.e(add2mod(0x40, src, dst), 0x8b);
        else t.e(0x8b);
        emitInsnSuffix(t, src, dst, insn.off);
        break;
      case BPF_JMP | BPF_JEQ | BPF_X:
      case BPF_JMP | BPF_JNE | BPF_X:
      case BPF_JMP | BPF_JGT | BPF_X:
      case BPF_JMP | BPF_JLT | BPF_X:
      case BPF_JMP | BPF_JGE | BPF_X:
      case BPF_JMP | BPF_JLE | BPF_X:
        maybeEmitMod(t, dst, src, true);
        t.e(0x39, add2reg(0xc0, dst, src));
        jmpOffset = condJmp(t, insn, i, addrs, padding);
        break;
      case BPF_JMP | BPF_JSET | BPF_X:
        maybeEmitMod(t, dst, src, true);
        t.e(0x85, add2reg(0xc0, dst, src));
        jmpOffset = condJmp(t, insn, i, addrs, padding);
        break;
      case BPF_JMP | BPF_JSET:
        maybeEmit1mod(t, dst, true);
        t.e(0xf7, add1reg(0xc0, dst));
        t.e32(imm);
        jmpOffset = condJmp(t, insn, i, addrs, padding);
        break;
      case BPF_JMP | BPF_JEQ:
      case BPF_JMP | BPF_JNE:
      case BPF_JMP | BPF_JGT:
      case BPF_JMP | BPF_JLT:
      case BPF_JMP | BPF_JGE:
      case BPF_JMP | BPF_JLE:
        if (imm === 0) {
          // test dst_reg, dst_reg to save one extra byte
          maybeEmitMod(t, dst, dst, true);
          t.e(0x85, add2reg(0xc0, dst, dst));
        } else {
          maybeEmit1mod(t, dst, true);
          if (isImm8(imm)) t.e(0x83, add1reg(0xf8, dst), imm);
          else {
            t.e(0x81, add1reg(0xf8, dst));
            t.e32(imm);
          }
        }
        jmpOffset = condJmp(t, insn, i, addrs, padding);
        break;
      case BPF_JMP | BPF_JA:
        jmpOffset = insn.off === -1 ? -2 : addrs[i + insn.off]! - addrs[i]!;
        if (jmpOffset === 0) {
          if (padding) {
            const nops = addrs[i]! - addrs[i - 1]! - t.length;
            if (nops !== 0 && nops !== 2 && nops !== 5)
              throw new Error(`unexpected nop jump padding: ${nops} bytes`);
            emitNops(t, nops);
          }
          break;
        }
        emitJmp = true;
        break;
      case BPF_JMP | BPF_EXIT:
        if (seenExit) {
          jmpOffset = ctx.cleanupAddr - addrs[i]!;
          emitJmp = true;
          break;
        }
        seenExit = true;
        ctx.cleanupAddr = proglen;
        if (used[3]) t.e(0x41, 0x5f);
        if (used[2]) t.e(0x41, 0x5e);
        if (used[1]) t.e(0x41, 0x5d);
        if (used[0]) t.e(0x5b);
        t.e(0xc9);
        // emit_return(): jmp x86_return_thunk, or ret (int3 after it with SLS)
        if (o.returnThunk !== null) {
          const ip = o.imageAddr + addrs[i - 1]! + t.length;
          t.e(0xe9);
          t.e32(o.returnThunk - (ip + X86_PATCH_SIZE));
        } else {
          t.e(0xc3);
          if (o.sls) t.e(0xcc);
        }
        break;
      default:
        throw new Error(`bpf_jit: unknown opcode ${insn.code.toString(16).padStart(2, "0")}`);
    }
    if (emitJmp) {
      if (isImm8(jmpOffset)) {
        if (padding) {
          const nops = addrs[i]! - addrs[i - 1]! - t.length - 2;
          if (nops !== 0 && nops !== 3) throw new Error(`unexpected jump padding: ${nops} bytes`);
          emitNops(t, nops);
        }
        t.e(0xeb, jmpOffset);
      } else {
        t.e(0xe9);
        t.e32(jmpOffset);
      }
    }
    if (image) {
      if (proglen + t.length !== addrs[i]) throw new Error("bpf_jit: fatal error (image changed size)");
      image.set(t.buf.subarray(0, t.length), proglen);
    }
    proglen += t.length;
    addrs[i] = proglen;
  }
  return proglen;
}

/** emit_cond_jmp: the x86 condition of the eBPF op, then a short jcc when the offset fits, else a near one. */
function condJmp(t: Emitter, insn: BpfInsn, i: number, addrs: Int32Array, padding: boolean): number {
  const op = insn.code & 0xf0;
  const cond =
    op === BPF_JEQ
      ? X86_JE
      : op === BPF_JSET || op === BPF_JNE
        ? X86_JNE
        : op === BPF_JGT
          ? X86_JA
          : op === BPF_JLT
            ? X86_JB
            : op === BPF_JGE
              ? X86_JAE
              : op === BPF_JLE
                ? X86_JBE
                : -1;
  if (cond < 0) throw new Error(`bpf_jit: jump op 0x${op.toString(16)}`);
  const off = addrs[i + insn.off]! - addrs[i]!;
  if (isImm8(off)) {
    if (padding) {
      // INSN_SZ_DIFF - 2: the bytes the previous pass had for this instruction beyond the compare and a jcc8
      const nops = addrs[i]! - addrs[i - 1]! - t.length - 2;
      if (nops !== 0 && nops !== 4) throw new Error(`unexpected jmp_cond padding: ${nops} bytes`);
      emitNops(t, nops);
    }
    t.e(cond, off);
  } else {
    t.e(0x0f, cond + 0x10);
    t.e32(off);
  }
  return off;
}

/**
 * bpf_int_jit_compile(): addrs[] starts at 64 bytes per instruction, passes shrink the image until two
 * agree on its length, then one more pass writes it. Padding passes start at pass 15 so a program that keeps
 * oscillating still converges.
 */
export function bpfIntJitCompile(
  prog: readonly BpfInsn[],
  stackDepth: number,
  opts: Partial<JitOptions> = {},
): JitImage {
  const o: JitOptions = { ...DEFAULT_JIT_OPTIONS, ...opts };
  const addrs = new Int32Array(prog.length + 1);
  let proglen = 0;
  for (let i = 0; i <= prog.length; i++) {
    proglen += 64;
    addrs[i] = proglen;
  }
  const ctx: Ctx = { cleanupAddr: proglen };
  // detect_reg_usage(): which of rbx, r13, r14, r15 the program touches (pushed and popped)
  const used = [false, false, false, false];
  for (const x of prog) {
    if (x.dst >= BPF_REG_6 && x.dst <= BPF_REG_9) used[x.dst - BPF_REG_6] = true;
    if (x.src >= BPF_REG_6 && x.src <= BPF_REG_9) used[x.src - BPF_REG_6] = true;
  }
  let oldproglen = 0;
  let image: Uint8Array | null = null;
  let padding = false;
  for (let pass = 0; pass < MAX_PASSES || image; pass++) {
    if (!padding && pass >= PADDING_PASSES) padding = true;
    proglen = doJit(prog, stackDepth, used, addrs, image, ctx, padding, o);
    if (image) {
      if (proglen !== oldproglen) throw new Error(`bpf_jit: proglen=${proglen} != oldproglen=${oldproglen}`);
      return { bytes: image, addrs, passes: pass + 1 };
    }
    if (proglen === oldproglen) image = new Uint8Array(proglen).fill(0xcc); // jit_fill_hole
    oldproglen = proglen;
  }
  throw new Error("bpf_jit: the image did not converge; the kernel falls back to the interpreter");
}

/** Which eBPF instruction (0-based) the image byte at `off` belongs to; -1 in the prologue. */
export function insnAtOffset(img: JitImage, off: number): number {
  if (off < img.addrs[0]!) return -1;
  let lo = 1;
  let hi = img.addrs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (img.addrs[mid]! > off) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}
