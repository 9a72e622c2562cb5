// Block JIT, guest registers in JavaScript locals (issue 11): in a compiled region the 32 halves of the GPRs
// (`regs[2*r]` low, `regs[2*r+1]` high) are the locals r0…r31, loaded at the region's entry and written back to
// `cpu.regs` at every exit (block end, side exit to the interpreter, fault). A template body reaches registers
// through `regs[i]` at a constant index and through the register helpers of operands.ts; the register accessors
// (rdReg, wrReg, rsp, setRsp) become expressions on the locals, and the helpers that take the register file
// (effective addresses, LEA, PUSH) are still called with `cpu.regs`, after the locals they read are stored there
// (and the ones PUSH writes are read back). Anything else that names `regs` makes its instruction spill every
// local before and reload after, so the helpers' semantics stay the only ones.
import { evaluate, pure, rewriteCalls } from "./js-text.ts";

/** Constant index expressions (digits and arithmetic only) as in `regs[2 * 3 + 1]`. */
const CONST_INDEX = /^[\d\s()<>+*-]+$/;

function num(arg: string | undefined): number | undefined {
  return arg !== undefined && /^\(?\d+\)?$/.test(arg.trim()) ? Number(arg.replace(/[()]/g, "")) : undefined;
}

/** Registers (as half indices) an instruction's code reads and writes, and whether it spills. */
export interface LocalisedInsn {
  js: string;
  reads: Set<number>;
  writes: Set<number>;
  /** the code still uses `regs` in a way not rewritten: every local is stored before it and loaded after */
  spill: boolean;
}

/** Makes fresh temporaries for the rewritten expressions (`T0`, `T1`, … declared by the region). */
export class Temps {
  n = 0;
  next(): string {
    return `T${this.n++}`;
  }
  declaration(): string {
    return this.n === 0 ? "" : `let ${Array.from({ length: this.n }, (_, i) => `T${i} = 0`).join(", ")};`;
  }
}

/** Rewrites one instruction's JavaScript (a specialised template body) to use register locals. */
export function localiseRegisters(src: string, temps: Temps): LocalisedInsn {
  const reads = new Set<number>();
  const writes = new Set<number>();
  // 1. Constant indices: regs[2 * 3 + 1] → regs[7].
  let js = src.replace(/\bregs\[([^[\]]+)\]/g, (m, e: string) =>
    CONST_INDEX.test(e) ? `regs[${Number(evaluate(e))}]` : m,
  );
  // 2. Stores written in the body as statements: `regs[7] = X;` keeps the Int32Array's conversion: `(X) | 0`.
  js = js.replace(/\bregs\[(\d+)\] = (?!=)([^;]+);/g, (_, i: string, e: string) => `R${i} = (${e}) | 0;`);
  // 3. The register accessors.
  const half = (r: number, hi: 0 | 1) => `regs[${2 * r + hi}]`;
  js = rewriteCalls(js, "rdReg", (a) => {
    const r = num(a[1]);
    const size = num(a[2]);
    if (a[0] !== "regs" || r === undefined || size === undefined) return undefined;
    if (size === 1) return r < 16 ? `(${half(r, 0)} & 0xff)` : `((${half(r - 16, 0)} >>> 8) & 0xff)`;
    return size === 2 ? `(${half(r, 0)} & 0xffff)` : half(r, 0);
  });
  js = rewriteCalls(js, "rsp", (a) =>
    a[0] === "regs" && a.length === 1 ? "(regs[9] * 4294967296 + (regs[8] >>> 0))" : undefined,
  );
  const write = (r: number, size: number, lo: string, hi: string): string | undefined => {
    const t = temps.next();
    if (size === 8) {
      const u = temps.next();
      return `(${t} = ${lo}, ${u} = ${hi}, R${2 * r} = ${t} | 0, R${2 * r + 1} = ${u} | 0)`;
    }
    if (!pure(hi) && !/^\(-?\d+\)$/.test(hi)) return undefined;
    if (size === 4) return `(${t} = ${lo}, R${2 * r} = ${t} | 0, R${2 * r + 1} = 0)`;
    if (size === 2) return `(${t} = ${lo}, R${2 * r} = (${half(r, 0)} & ~0xffff) | (${t} & 0xffff))`;
    if (r < 16) return `(${t} = ${lo}, R${2 * r} = (${half(r, 0)} & ~0xff) | (${t} & 0xff))`;
    const i = 2 * (r - 16);
    return `(${t} = ${lo}, R${i} = (regs[${i}] & ~0xff00) | ((${t} & 0xff) << 8))`;
  };
  js = rewriteCalls(js, "wrReg8", (a) => {
    const r = num(a[1]);
    return a[0] === "regs" && r !== undefined ? write(r, 8, a[2]!, a[3]!) : undefined;
  });
  js = rewriteCalls(js, "wrReg4", (a) => {
    const r = num(a[1]);
    return a[0] === "regs" && r !== undefined ? write(r, 4, a[2]!, "0") : undefined;
  });
  js = rewriteCalls(js, "wrReg", (a) => {
    const r = num(a[1]);
    const size = num(a[2]);
    return a[0] === "regs" && r !== undefined && size !== undefined
      ? write(r, size, a[3]!, a[4]!)
      : undefined;
  });
  js = rewriteCalls(js, "setRsp", (a) => {
    if (a[0] !== "regs") return undefined;
    const t = temps.next();
    return `(${t} = ${a[1]}, R8 = ${t} | 0, R9 = Math.floor(${t} / 4294967296) | 0)`;
  });
  // 4. Helpers that take the register file: store the locals they read first (and reload what PUSH writes).
  const store = (rs: number[]) => rs.map((i) => `REGS[${i}] = r${i}, `).join("");
  const pairs = (...rs: (number | undefined)[]) =>
    rs.flatMap((r) => (r !== undefined && r < 16 ? [2 * r, 2 * r + 1] : []));
  const withRegs = (name: string, at: number, b: number, x: number) => (a: string[]) => {
    if (a[at] !== "regs") return undefined;
    const base = num(a[b]);
    const index = x < 0 ? 255 : num(a[x]);
    if (base === undefined || index === undefined) return undefined;
    const used = pairs(base, index);
    for (const i of used) reads.add(i);
    return `(${store(used)}${name}(${a.map((v, i) => (i === at ? "REGS" : v)).join(", ")}))`;
  };
  js = rewriteCalls(js, "eaOf", withRegs("eaOf", 1, 2, 3));
  js = rewriteCalls(js, "eaBase", withRegs("eaBase", 1, 2, -1));
  js = rewriteCalls(js, "eaBaseIndex", withRegs("eaBaseIndex", 1, 2, 3));
  js = rewriteCalls(js, "leaOf", withRegs("leaOf", 0, 1, 2));
  js = rewriteCalls(js, "push", (a) => {
    if (a[1] !== "regs") return undefined;
    const t = temps.next();
    const u = temps.next();
    reads.add(8).add(9);
    writes.add(8).add(9);
    // The pushed value is evaluated first, as the call's arguments are.
    return `(${t} = ${a[3]}, ${u} = ${a[4]}, REGS[8] = r8, REGS[9] = r9, push(cpu, REGS, ${a[2]}, ${t}, ${u}), R8 = REGS[8], R9 = REGS[9])`;
  });
  // 5. What is left: reads of constant halves become locals; any other use of `regs` spills.
  js = js.replace(/\bregs\[(\d+)\](?! = (?!=))/g, (_, i: string) => {
    reads.add(Number(i));
    return `r${i}`;
  });
  const spill = /\bregs\b/.test(js);
  js = js.replace(/\bR(\d+) = /g, (_, i: string) => {
    writes.add(Number(i));
    return `r${i} = `;
  });
  js = js.replace(/\bREGS\b/g, "regs");
  return { js, reads, writes, spill };
}

/** `regs[i] = ri;` for each half in `set`. */
export function storeLocals(set: Iterable<number>): string {
  return [...set].map((i) => `regs[${i}] = r${i};`).join(" ");
}

/** `ri = regs[i];` for each half in `set`. */
export function loadLocals(set: Iterable<number>): string {
  return [...set].map((i) => `r${i} = regs[${i}];`).join(" ");
}
