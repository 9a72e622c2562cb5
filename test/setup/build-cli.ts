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
  // under .test-dist/, one directory per run, so that concurrent runs in one checkout (and `npm run build`) never
  // replace each other's files; the compiled code finds the repository (package.json, experiments/, fixtures) by
  // walking up from its own directory, as it does from dist/
  const out = join(ROOT, ".test-dist", `run-${process.pid}`);
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
  return () => {
    rmSync(cache, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  };
}
