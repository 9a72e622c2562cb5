// Results and flags of ADD/ADC/SUB/SBB/CMP/logic ops, shifts, rotates, MUL/IMUL at 8/16/32/64 bits against a
// BigInt reference model of the SDM's definitions.
import { describe, expect, it } from "vitest";
import { RAX, RBX, RCX, RDX } from "../../src/cpu/registers.ts";
import { AF, CF, OF, PF, SF, ZF } from "../../src/cpu/rflags.ts";
import { machine, USER_CODE } from "./machine.ts";

const SIZES = [8, 16, 32, 64] as const;
const SUFFIX: Record<number, string> = { 8: "b", 16: "w", 32: "l", 64: "q" };
const A: Record<number, string> = { 8: "%al", 16: "%ax", 32: "%eax", 64: "%rax" };
const B: Record<number, string> = { 8: "%bl", 16: "%bx", 32: "%ebx", 64: "%rbx" };

function rng(seed: number): () => bigint {
  let x = BigInt(seed) | 1n;
  return () => {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    // Mix in edge values often.
    const pick = Number(x % 8n);
    if (pick === 0) return 0n;
    if (pick === 1) return 0xffffffffffffffffn;
    if (pick === 2) return 0x8000000000000000n >> BigInt(Number(x % 57n));
    return x;
  };
}

function parity(v: bigint): number {
  let b = Number(v & 0xffn);
  let p = 0;
  while (b) {
    p ^= b & 1;
    b >>= 1;
  }
  return p === 0 ? PF : 0;
}

function szp(r: bigint, n: number): number {
  let f = parity(r);
  if (r === 0n) f |= ZF;
  if ((r >> BigInt(n - 1)) & 1n) f |= SF;
  return f;
}

/** Runs `text` once with rax/rbx/rcx/rdx and CF preset; returns the CPU. */
function exec(text: string, regs: Partial<Record<number, bigint>>, cfIn = 0) {
  const m = machine();
  m.load(USER_CODE, text);
  for (const [r, v] of Object.entries(regs)) if (v !== undefined) m.cpu.setReg(Number(r), v);
  m.cpu.setRflags(cfIn ? CF : 0);
  const stop = m.cpu.run(1);
  expect(stop.kind).toBe("budget");
  return m.cpu;
}

const mask = (n: number) => (1n << BigInt(n)) - 1n;
const sign = (v: bigint, n: number) => (v >> BigInt(n - 1)) & 1n;

describe("ADD/ADC/SUB/SBB/CMP flags", () => {
  const next = rng(12345);
  for (const n of SIZES) {
    for (const op of ["add", "adc", "sub", "sbb", "cmp"] as const) {
      it(`${op} at ${n} bits`, () => {
        for (let i = 0; i < 40; i++) {
          const a0 = next();
          const b0 = next();
          const c = i & 1;
          const a = a0 & mask(n);
          const b = b0 & mask(n);
          const cin = op === "adc" || op === "sbb" ? BigInt(c) : 0n;
          const isAdd = op === "add" || op === "adc";
          const full = isAdd ? a + b + cin : a - b - cin;
          const r = full & mask(n);
          let f = szp(r, n) | Number((a ^ b ^ r) & 0x10n ? AF : 0);
          if (isAdd ? full > mask(n) : full < 0n) f |= CF;
          const of = isAdd
            ? sign(a, n) === sign(b, n) && sign(r, n) !== sign(a, n)
            : sign(a, n) !== sign(b, n) && sign(r, n) !== sign(a, n);
          if (of) f |= OF;
          const cpu = exec(`${op}${SUFFIX[n]} ${B[n]}, ${A[n]}`, { [RAX]: a0, [RBX]: b0 }, c);
          const status = cpu.getRflags() & (CF | PF | AF | ZF | SF | OF);
          expect(status, `${op} ${a.toString(16)} ${b.toString(16)} cf=${c}`).toBe(f);
          const want = op === "cmp" ? a0 : n === 64 ? r : n === 32 ? r : (a0 & ~mask(n)) | r;
          expect(cpu.getReg(RAX)).toBe(want);
        }
      });
    }
  }
});

describe("logic ops and INC/DEC/NEG", () => {
  it("AND/OR/XOR clear CF and OF; INC/DEC keep CF; NEG sets CF unless 0", () => {
    let cpu = exec("andq %rbx, %rax", { [RAX]: 0xf0n, [RBX]: 0x0fn }, 1);
    expect(cpu.getRflags() & (CF | OF | ZF | PF)).toBe(ZF | PF);
    cpu = exec("incl %eax", { [RAX]: 0x7fffffffn }, 1);
    expect(cpu.getRflags() & (CF | OF | SF | ZF)).toBe(CF | OF | SF);
    expect(cpu.getReg(RAX)).toBe(0x80000000n);
    cpu = exec("decq %rax", { [RAX]: 0n }, 0);
    expect(cpu.getReg(RAX)).toBe(0xffffffffffffffffn);
    expect(cpu.getRflags() & (CF | OF | SF)).toBe(SF);
    cpu = exec("negb %al", { [RAX]: 0x80n });
    expect(cpu.getRflags() & (CF | OF)).toBe(CF | OF);
    cpu = exec("negq %rax", { [RAX]: 0n });
    expect(cpu.getRflags() & (CF | ZF)).toBe(ZF);
  });
});

function refShift(
  op: string,
  a: bigint,
  count: number,
  n: number,
  cfIn: number,
): { r: bigint; cf: number; of: number } {
  const c = count & (n === 64 ? 63 : 31);
  const m = mask(n);
  let r = a & m;
  let cf = cfIn;
  let of = 0;
  const msb = (v: bigint) => Number((v >> BigInt(n - 1)) & 1n);
  switch (op) {
    case "shl":
      for (let i = 0; i < c; i++) {
        cf = msb(r);
        r = (r << 1n) & m;
      }
      of = msb(r) ^ cf;
      break;
    case "shr":
      of = msb(r);
      for (let i = 0; i < c; i++) {
        cf = Number(r & 1n);
        r >>= 1n;
      }
      break;
    case "sar":
      for (let i = 0; i < c; i++) {
        cf = Number(r & 1n);
        r = (r >> 1n) | (BigInt(msb(r)) << BigInt(n - 1));
      }
      of = 0;
      break;
    case "rol":
      for (let i = 0; i < c % n; i++) r = ((r << 1n) | BigInt(msb(r))) & m;
      cf = Number(r & 1n);
      of = msb(r) ^ cf;
      break;
    case "ror":
      for (let i = 0; i < c % n; i++) r = (r >> 1n) | ((r & 1n) << BigInt(n - 1));
      cf = msb(r);
      of = msb(r) ^ Number((r >> BigInt(n - 2)) & 1n);
      break;
    case "rcl":
      for (let i = 0; i < c % (n < 32 ? n + 1 : 1000); i++) {
        const out = msb(r);
        r = ((r << 1n) | BigInt(cf)) & m;
        cf = out;
      }
      of = msb(r) ^ cf;
      break;
    case "rcr":
      of = msb(r) ^ cf;
      for (let i = 0; i < c % (n < 32 ? n + 1 : 1000); i++) {
        const out = Number(r & 1n);
        r = (r >> 1n) | (BigInt(cf) << BigInt(n - 1));
        cf = out;
      }
      break;
  }
  return { r, cf, of };
}

describe("shifts and rotates (count masking, CF/OF, count 0 leaves flags)", () => {
  const next = rng(777);
  for (const n of SIZES) {
    for (const op of ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"]) {
      it(`${op} at ${n} bits by CL, by 1 and by imm8`, () => {
        for (let i = 0; i < 30; i++) {
          const a = next();
          const count = i < 3 ? [0, 1, n][i]! : Number(next() % 80n);
          const cfIn = i & 1;
          const forms = [`${op}${SUFFIX[n]} %cl, ${A[n]}`, `${op}${SUFFIX[n]} $${count}, ${A[n]}`];
          if (count === 1) forms.push(`${op}${SUFFIX[n]} ${A[n]}`);
          for (const text of forms) {
            const cpu = exec(text, { [RAX]: a, [RCX]: BigInt(count) }, cfIn);
            const ref = refShift(op, a, count, n, cfIn);
            const masked = count & (n === 64 ? 63 : 31);
            const got = cpu.getReg(RAX) & mask(n);
            const what = `${text} a=${a.toString(16)} count=${count} cf=${cfIn}`;
            expect(got, what).toBe(ref.r);
            const fl = cpu.getRflags();
            if (masked === 0) {
              expect(fl & (CF | OF), what).toBe(cfIn ? CF : 0);
              continue;
            }
            expect(fl & CF ? 1 : 0, what).toBe(ref.cf);
            if (masked === 1) expect(fl & OF ? 1 : 0, what).toBe(ref.of);
            if (op === "shl" || op === "shr" || op === "sar")
              expect(fl & (ZF | SF | PF), what).toBe(szp(ref.r, n));
            if (n === 32) expect(cpu.getReg(RAX) >> 32n, what).toBe(0n);
          }
        }
      });
    }
  }
});

describe("MUL / IMUL", () => {
  const next = rng(4242);
  for (const n of SIZES) {
    it(`mul and one-operand imul at ${n} bits: rDX:rAX and CF = OF`, () => {
      for (let i = 0; i < 30; i++) {
        const a = next() & mask(n);
        const b = next() & mask(n);
        for (const op of ["mul", "imul"]) {
          const cpu = exec(`${op}${SUFFIX[n]} ${B[n]}`, { [RAX]: a, [RBX]: b });
          const sx = (v: bigint) => (op === "imul" ? BigInt.asIntN(n, v) : v);
          const p = BigInt.asUintN(2 * n, sx(a) * sx(b));
          const lo = p & mask(n);
          const hi = p >> BigInt(n);
          const overflow = op === "mul" ? hi !== 0n : BigInt.asIntN(2 * n, p) !== BigInt.asIntN(n, lo);
          if (n === 8) {
            expect(cpu.getReg(RAX) & 0xffffn).toBe(p);
          } else {
            expect(cpu.getReg(RAX) & mask(n)).toBe(lo);
            expect(cpu.getReg(RDX) & mask(n)).toBe(hi);
          }
          expect((cpu.getRflags() & (CF | OF)) === (overflow ? CF | OF : 0), `${op} ${a} ${b}`).toBe(true);
        }
      }
    });
    if (n !== 8) {
      it(`two- and three-operand imul at ${n} bits`, () => {
        for (let i = 0; i < 30; i++) {
          const a = next();
          const b = next();
          const cpu = exec(`imul${SUFFIX[n]} ${B[n]}, ${A[n]}`, { [RAX]: a, [RBX]: b });
          const full = BigInt.asIntN(n, a) * BigInt.asIntN(n, b);
          const lo = BigInt.asUintN(n, full);
          expect(cpu.getReg(RAX) & mask(n)).toBe(lo);
          expect((cpu.getRflags() & CF) !== 0).toBe(full !== BigInt.asIntN(n, lo));
          const c3 = exec(`imul${SUFFIX[n]} $-3, ${B[n]}, ${A[n]}`, { [RBX]: b });
          expect(c3.getReg(RAX) & mask(n)).toBe(BigInt.asUintN(n, BigInt.asIntN(n, b) * -3n));
        }
      });
    }
  }
});
