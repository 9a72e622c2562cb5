import { describe, expect, it } from "vitest";
import { assemble } from "../../src/entry/assembler.ts";
import { disassemble, symbolize } from "../../src/entry/disassembler.ts";

const BASE = 0xffffffff81000000n;
const externals = new Map([
  ["sys_call_table", 0xffffffff81600000n],
  ["syscall_trace_enter", 0xffffffff81200000n],
]);
const blob = assemble(
  BASE,
  `system_call:
     swapgs
     movq %rsp, %gs:0x10
     testl $0x100c1, 0x10(%rcx)
     jnz tracesys
     call *sys_call_table(,%rax,8)
     leaq tracesys(%rip), %rdx
     movq tracesys, %rax
     cmpq $0, %rax
     setl %al
   tracesys:
     call syscall_trace_enter
     jmp system_call
     jmp 0x1000
     sysretq`,
  externals,
);
const labels = new Map([...blob.labels, ...externals]);

describe("disassembler", () => {
  const lines = disassemble(blob.bytes, BASE, { symbols: labels });

  it("prints AT&T text, bytes, addresses and symbol+offset locations", () => {
    expect(lines.slice(0, 3)).toEqual([
      { addr: BASE, length: 3, bytes: "0f 01 f8", text: "swapgs", symbol: "system_call" },
      {
        addr: BASE + 3n,
        length: 9,
        bytes: "65 48 89 24 25 10 00 00 00",
        text: "movq %rsp,%gs:0x10",
        symbol: "system_call+0x3",
      },
      {
        addr: BASE + 12n,
        length: 7,
        bytes: "f7 41 10 c1 00 01 00",
        text: "testl $0x100c1,0x10(%rcx)",
        symbol: "system_call+0xc",
      },
    ]);
  });

  it("shows branch targets and absolute or RIP-relative addresses as labels", () => {
    const text = lines.map((l) => l.text);
    expect(text.slice(3)).toEqual([
      "jne tracesys",
      "call *sys_call_table(,%rax,8)",
      "leaq tracesys(%rip),%rdx",
      "movq tracesys,%rax",
      "cmpq $0,%rax",
      "setl %al",
      "call syscall_trace_enter",
      "jmp system_call",
      "jmp 0x1000",
      "sysretq",
    ]);
    expect(lines[9]!.symbol).toBe("tracesys");
  });

  it("leaves numbers alone without labels", () => {
    const bare = disassemble(blob.bytes, BASE);
    expect(bare[3]!.text).toBe(`jne 0x${blob.labels.get("tracesys")!.toString(16)}`);
    expect(bare[4]!.text).toBe("call *-0x7ea00000(,%rax,8)");
    expect(bare.every((l) => l.symbol === "")).toBe(true);
  });

  it("decodes invalid bytes as one (bad) line per byte and resumes", () => {
    const out = disassemble(Uint8Array.from([0x06, 0x0f, 0x05, 0xff]), 0x1000n);
    expect(out.map((l) => [l.addr, l.length, l.bytes, l.text])).toEqual([
      [0x1000n, 1, "06", "(bad)"],
      [0x1001n, 2, "0f 05", "syscall"],
      [0x1003n, 1, "ff", "(bad)"],
    ]);
  });

  it("stops after count instructions", () => {
    expect(disassemble(blob.bytes, BASE, { count: 2 }).map((l) => l.text)).toEqual([
      "swapgs",
      "movq %rsp,%gs:0x10",
    ]);
  });
});

describe("symbolize", () => {
  const map = new Map([
    ["b", 0x20n],
    ["a", 0x10n],
    ["a_alias", 0x10n],
  ]);
  it("names the nearest label at or below the address", () => {
    expect(symbolize(0x10n, map)).toBe("a");
    expect(symbolize(0x1fn, map)).toBe("a+0xf");
    expect(symbolize(0x20n, map)).toBe("b");
    expect(symbolize(0x1000n, map)).toBe("b+0xfe0");
    expect(symbolize(0xfn, map)).toBe("");
    expect(symbolize(0x10n, new Map())).toBe("");
  });
});
