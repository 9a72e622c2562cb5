import { describe, expect, it } from "vitest";
import {
  ExpressionError,
  evaluate,
  parseExpression,
  renameSymbols,
  symbolsOf,
} from "../../src/entry/expression.ts";

const symbols = new Map<string, bigint>([
  ["_TIF_WORK_SYSCALL_ENTRY", 0x100c1n | 0x10n],
  ["_TIF_SYSCALL_AUDIT", 0x10n],
  ["RAX", 80n],
  ["ARGOFFSET", 48n],
  ["sys_call_table", -0x7ea00000n],
]);
const ev = (text: string): bigint => evaluate(parseExpression(text), (n) => symbols.get(n));

describe("expression evaluator", () => {
  it.each([
    ["42", 42n],
    ["0x2A", 42n],
    ["0b101010", 42n],
    ["052", 42n],
    ["'A'", 65n],
    ["9*8+8", 80n],
    ["(9*8)+8", 80n],
    ["9*(8+8)", 144n],
    ["RAX-ARGOFFSET", 32n],
    ["_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT", 0x100c1n],
    ["-1", -1n],
    ["~0", -1n],
    ["- -3", 3n],
    ["!0", 1n],
    ["!7", 0n],
    ["10-2-3", 5n],
    ["100/7", 14n],
    ["-7/2", -3n],
    ["-7%2", -1n],
    ["1<<63", -(1n << 63n)],
    ["1<<64", 0n],
    ["0xffffffffffffffff+1", 0n],
    ["sys_call_table+8", -0x7e9ffff8n],
  ])("%s = %s", (text, value) => {
    expect(ev(text)).toBe(value);
  });

  it("uses GNU as precedence: * / % << >> over | & ^ over + -", () => {
    expect(ev("1<<3+1")).toBe(9n);
    expect(ev("1+2&1")).toBe(1n);
    expect(ev("6|1^3")).toBe(4n);
    expect(ev("~0&0xff|0x100")).toBe(0x1ffn);
    expect(ev("2*3+4")).toBe(10n);
    expect(ev("(1+2)&1")).toBe(1n);
    expect(ev("(1+2)&3")).toBe(3n);
  });

  it("shifts right logically and wraps to 64 bits, as GNU as does", () => {
    expect(ev("-16>>2")).toBe(0x3ffffffffffffffcn);
    expect(ev("0x8000000000000000>>4")).toBe(0x0800000000000000n);
  });

  it("reports undefined symbols, division by zero and syntax errors", () => {
    expect(() => ev("nosuch+1")).toThrow(new ExpressionError("undefined symbol 'nosuch'"));
    expect(() => ev("1/0")).toThrow(new ExpressionError("division by zero"));
    expect(() => ev("1 @ 2")).toThrow(new ExpressionError("unexpected character '@'"));
    expect(() => ev("(1+2")).toThrow(new ExpressionError("missing ')' in '(1+2'"));
    expect(() => ev("1 2")).toThrow(new ExpressionError("unexpected '2' in '1 2'"));
    expect(() => ev("")).toThrow(new ExpressionError("empty expression"));
    expect(() => ev("08")).toThrow(new ExpressionError("bad octal number '08'"));
    expect(() => ev("12abc")).toThrow(new ExpressionError("bad number '12abc'"));
  });

  it("lists and renames symbols, including numeric local label references", () => {
    const e = parseExpression("a + (1f - b) * 2b");
    expect(symbolsOf(e)).toEqual(["a", "1f", "b", "2b"]);
    const renamed = renameSymbols(e, (n) => (n === "1f" ? "one" : n));
    expect(symbolsOf(renamed)).toEqual(["a", "one", "b", "2b"]);
    expect(evaluate(renamed, (n) => ({ a: 1n, one: 10n, b: 4n, "2b": 3n })[n])).toBe(19n);
  });
});
