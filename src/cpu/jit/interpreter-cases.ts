// The interpreter's hot switch cases, generated from the instruction templates (src/cpu/insn-templates.ts) into
// the marked region of src/cpu/interpreter.ts by scripts/gen-interpreter.ts; test/cpu/jit/templates.test.ts
// checks that the committed file is what the generator writes.
import { OP_NAMES } from "../decoded.ts";
import { TEMPLATES } from "../insn-templates.ts";

export const BEGIN_MARK =
  "// ---- BEGIN generated from src/cpu/insn-templates.ts (scripts/gen-interpreter.ts) ----";
export const END_MARK = "// ---- END generated ----";

/** A template body with the interpreter's operand reads: the fields of decoded slot `s`. */
export function interpreterBody(body: string): string {
  return body
    .replaceAll("$size", "SIZE[s]!")
    .replaceAll("$reg", "REG[s]!")
    .replaceAll("$rm", "RM[s]!")
    .replaceAll("$aux", "AUX[s]!")
    .replaceAll("$immHi", "IMMHI[s]!")
    .replaceAll("$imm", "IMM[s]!")
    .replaceAll("$op", "op")
    .replaceAll("$slot", "s")
    .replaceAll("$ea", "ea(cpu, regs, s, next)")
    .replaceAll("$lea", "leaOffset(cpu, regs, s, next)");
}

/** The switch cases of every template (unformatted: the generator formats the file with Biome). */
export function interpreterCases(): string {
  const out: string[] = [];
  for (const t of TEMPLATES) {
    const last = t.ops[t.ops.length - 1]!;
    for (const op of t.ops.slice(0, -1)) out.push(`case ${op}: // ${OP_NAMES[op]}`);
    const name = OP_NAMES[last]!;
    const note = t.note.startsWith(name) ? t.note : name;
    out.push(`case ${last}: {`, `// ${note}`, interpreterBody(t.body).trim(), "break;", "}");
  }
  return out.join("\n");
}

/** `source` (interpreter.ts) with its generated region replaced by `cases`. */
export function spliceCases(source: string, cases: string): string {
  const a = source.indexOf(BEGIN_MARK);
  const b = source.indexOf(END_MARK);
  if (a < 0 || b < a) throw new Error("interpreter.ts has no generated region");
  return `${source.slice(0, a + BEGIN_MARK.length)}\n${cases}\n${source.slice(b)}`;
}
