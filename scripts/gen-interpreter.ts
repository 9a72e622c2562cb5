// Writes the interpreter's hot switch cases from the instruction templates (src/cpu/insn-templates.ts) into the
// generated region of src/cpu/interpreter.ts, formatted by Biome. `--check`: exit 1 if the file differs.
// Run: npx tsx scripts/gen-interpreter.ts [--check]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { interpreterCases, spliceCases } from "../src/cpu/jit/interpreter-cases.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const file = `${root}src/cpu/interpreter.ts`;

/** interpreter.ts as the generator writes it. */
export function generateInterpreter(): string {
  const spliced = spliceCases(readFileSync(file, "utf8"), interpreterCases());
  return execFileSync(
    `${root}node_modules/.bin/biome`,
    ["format", "--stdin-file-path=src/cpu/interpreter.ts"],
    { cwd: root, input: spliced, encoding: "utf8", maxBuffer: 1 << 24 },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generateInterpreter();
  if (process.argv.includes("--check")) {
    const same = text === readFileSync(file, "utf8");
    console.log(same ? "interpreter.ts is up to date" : "interpreter.ts differs from the templates");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(file, text);
  console.log("wrote src/cpu/interpreter.ts");
}
