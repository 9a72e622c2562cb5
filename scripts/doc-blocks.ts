// Regenerates the command output embedded in the docs between markers
//   <!-- output: syscall-lab ARGS... -->  ```text ... ```  <!-- /output -->
// so that every example in README.md and docs/ is real output of the current code.
// Run: npx tsx scripts/doc-blocks.ts [--check]   (--check exits 1 when a block is stale)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
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
const BLOCK = /(<!-- output: syscall-lab ([^>]*?) -->\n)```text\n[\s\S]*?```\n(<!-- \/output -->)/g;

/** Runs `syscall-lab ARGS`; a marker may end in `(exit N)` when the command is meant to exit with status N. */
export function runCli(spec: string): string {
  const m = /^(.*?)\s*\(exit (\d+)\)$/.exec(spec);
  const args = m ? m[1]! : spec;
  const want = m ? Number(m[2]) : 0;
  const r = spawnSync(process.execPath, [`${ROOT}scripts/dev-cli.js`, ...args.split(/\s+/).filter(Boolean)], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", COLUMNS: "120", GITHUB_STEP_SUMMARY: "" },
    cwd: ROOT,
  });
  if (r.status !== want)
    throw new Error(`syscall-lab ${args} exited ${r.status}, expected ${want}: ${r.stderr}`);
  // a command expected to fail shows what it says on stderr too (after its standard output)
  const out = want === 0 ? r.stdout : `${r.stdout}${r.stderr}`;
  return out.endsWith("\n") ? out : `${out}\n`;
}

export function regenerate(text: string): string {
  return text.replace(BLOCK, (_m, open: string, args: string, close: string) => {
    return `${open}\`\`\`text\n${runCli(args)}\`\`\`\n${close}`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const f of DOC_FILES) {
    const path = `${ROOT}${f}`;
    const before = readFileSync(path, "utf8");
    const after = regenerate(before);
    if (after !== before) {
      stale++;
      if (!check) writeFileSync(path, after);
      console.log(`${check ? "stale" : "updated"}: ${f}`);
    }
  }
  if (check && stale) process.exitCode = 1;
}
