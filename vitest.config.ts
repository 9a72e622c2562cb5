import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // design files import the package by name (examples/designs/); tsconfig.json maps it the same way
  resolve: { alias: { "syscall-lab": fileURLToPath(new URL("./src/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    // builds the compiled CLI once per run for the tests that run it as a process (test/helpers/cli.ts)
    globalSetup: ["test/setup/build-cli.ts"],
    testTimeout: 60_000,
    pool: "threads",
  },
});
