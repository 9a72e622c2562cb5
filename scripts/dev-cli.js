#!/usr/bin/env node
// The CLI from the TypeScript sources (tests, doc blocks, `npm run cli`): no build step, slower start-up.
// The published command is bin/syscall-lab.js, which runs the compiled dist/.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
