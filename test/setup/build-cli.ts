// Vitest global set-up: compiles the CLI once per test run (the JavaScript the package publishes, without the type
// check that `npm run typecheck` does), so that tests that run `syscall-lab` as a process start compiled code
// instead of transforming the sources through tsx in every process; and gives the run a cache directory for
// the output of deterministic commands that several tests run (test/helpers/cli.ts).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export default function setup(): () => void {
  // outside dist/ so that a test run never races `npm run build`; at the same depth, so the compiled code finds the
  // repository (package.json, experiments/, test fixtures) through the same relative paths
  const out = join(ROOT, ".test-dist");
  rmSync(out, { recursive: true, force: true });
  // the package's own bin (its "exports" do not name it): what `npx tsc` and `npm run build` run
  const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
  execFileSync(
    process.execPath,
    [
      tsc,
      "-p",
      "tsconfig.build.json",
      "--outDir",
      out,
      "--declaration",
      "false",
      "--sourceMap",
      "false",
      "--noCheck",
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  process.env.SYSCALL_LAB_TEST_CLI = join(out, "src", "cli", "main.js");
  const cache = mkdtempSync(join(tmpdir(), "syscall-lab-test-cli-"));
  process.env.SYSCALL_LAB_TEST_CLI_CACHE = cache;
  return () => rmSync(cache, { recursive: true, force: true });
}
