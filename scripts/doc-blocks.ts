// Regenerates the command output embedded in the docs between markers
//   <!-- output: syscall-lab ARGS... -->  ```text ... ```  <!-- /output -->
// so that every example in README.md and docs/ is real output of the current code.
// Run: npx tsx scripts/doc-blocks.ts [--check]   (--check exits 1 when a block is stale)
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { type CliRun, cliAsync, ROOT } from "../test/helpers/cli.ts";

export const DOC_FILES = [
  "README.md",
  "docs/entry-path.md",
  "docs/students.md",
  "docs/designs.md",
  "docs/scripts.md",
  "docs/seccomp.md",
  "docs/validation.md",
  "docs/ci.md",
  "docs/exec.md",
  "docs/replay.md",
];
// `<!-- output: syscall-lab -->` (no arguments) is the command `npm start` runs
const BLOCK = /(<!-- output: syscall-lab(?: ([^>]*?))? -->\n)```text\n([\s\S]*?)```\n(<!-- \/output -->)/g;

/** One output block of a doc: the marker's `ARGS [(exit N)]` and the text between the fences. */
export interface OutputBlock {
  spec: string;
  output: string;
}

export function outputBlocks(text: string): OutputBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ spec: m[2] ?? "", output: m[3]! }));
}

/** The same environment for every block (and for tests that share a block's cached run). */
export const DOC_ENV = { NO_COLOR: "1", COLUMNS: "120", GITHUB_STEP_SUMMARY: "" };

/**
 * Runs `syscall-lab ARGS` for a marker's spec, which may end in `(exit N)` when the command is meant to exit with
 * status N, and returns the block's text. `cache` reuses a run of the same command made earlier in the same test
 * run (test/helpers/cli.ts).
 */
export async function blockOutput(spec: string, cache = false): Promise<string> {
  const m = /^(.*?)\s*\(exit (\d+)\)$/.exec(spec);
  const args = m ? m[1]! : spec;
  const want = m ? Number(m[2]) : 0;
  const r: CliRun = await cliAsync(args.split(/\s+/).filter(Boolean), {
    env: DOC_ENV,
    cache,
    timeout: 300_000,
  });
  if (r.status !== want)
    throw new Error(`syscall-lab ${args} exited ${r.status ?? r.signal}, expected ${want}: ${r.stderr}`);
  // a command expected to fail shows what it says on stderr too (after its standard output)
  const out = want === 0 ? r.stdout : `${r.stdout}${r.stderr}`;
  return out.endsWith("\n") ? out : `${out}\n`;
}

/** The text with every output block regenerated (the commands run as many at a time as there are CPUs). */
export async function regenerate(text: string): Promise<string> {
  const blocks = outputBlocks(text);
  const outputs: string[] = new Array(blocks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < blocks.length; i = next++) outputs[i] = await blockOutput(blocks[i]!.spec);
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), blocks.length) }, worker));
  let i = 0;
  return text.replace(BLOCK, (_m, open: string, _args: string | undefined, _old: string, close: string) => {
    return `${open}\`\`\`text\n${outputs[i++]}\`\`\`\n${close}`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const f of DOC_FILES) {
    const path = `${ROOT}${f}`;
    const before = readFileSync(path, "utf8");
    const after = await regenerate(before);
    if (after !== before) {
      stale++;
      if (!check) writeFileSync(path, after);
      console.log(`${check ? "stale" : "updated"}: ${f}`);
    }
  }
  if (check && stale) process.exitCode = 1;
}
