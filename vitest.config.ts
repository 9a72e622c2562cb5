import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // design files import the package by name (examples/designs/); tsconfig.json maps it the same way
  resolve: { alias: { "syscall-lab": fileURLToPath(new URL("./src/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    // builds the compiled CLI once per run for the tests that run it as a process (test/helpers/cli.ts)
    globalSetup: ["test/setup/build-cli.ts"],
    // a bound for a hung test, not a speed check (speed is measured in bench/): on a shared two-core machine at load
    // 25–30 the web stepper's 23 page loads took 61 s (27 s at load 13), guest-limits.test.ts's 64 MiB flood 164 s
    testTimeout: 300_000,
    pool: "threads",
    // one worker per CPU: vitest's default (CPUs − 1) runs every file on one thread on a two-core machine
    maxWorkers: availableParallelism(),
    // isolate: false (the files of a worker sharing its modules) cut CPU seconds by a quarter on test/entry and
    // test/cgroup, but module state leaks between files (design-loader's cache of loaded design files, its announce
    // hook set by check-docs.test.ts): a test of "loads once, says so" then fails. Each file keeps its own modules.
    isolate: true,
  },
});
