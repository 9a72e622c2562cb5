// One definition of each hot instruction: the interpreter's generated cases are what the generator writes from
// the templates, and every template compiles as JIT code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateInterpreter } from "../../../scripts/gen-interpreter.ts";
import { OP_NAMES, Op } from "../../../src/cpu/decoded.ts";
import { TEMPLATES } from "../../../src/cpu/insn-templates.ts";

describe("instruction templates", () => {
  it("the committed interpreter.ts is what scripts/gen-interpreter.ts writes", () => {
    const committed = readFileSync(new URL("../../../src/cpu/interpreter.ts", import.meta.url), "utf8");
    expect(generateInterpreter() === committed).toBe(true);
  });

  it("OP_NAMES is indexed by op number, and no op has two templates", () => {
    for (const [name, n] of Object.entries(Op)) expect(OP_NAMES[n]).toBe(name);
    const ops = TEMPLATES.flatMap((t) => t.ops);
    expect(new Set(ops).size).toBe(ops.length);
  });
});
