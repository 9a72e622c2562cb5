#!/usr/bin/env node
// The published command: compiled JavaScript from dist/ (built by `npm run build`, run by prepare and prepack).
// From a clone without a build, scripts/dev-cli.js runs the TypeScript sources instead.
try {
  await import("../dist/src/cli/main.js");
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/src/cli/main.js")) {
    process.stderr.write(
      "syscall-lab: dist/ is not built; run `npm run build` (or use `npm run cli -- ARGS`)\n",
    );
    process.exit(3); // EXIT_INTERNAL (src/cli/exit-codes.ts): this file runs before any of dist/ is loaded
  }
  throw e;
}
