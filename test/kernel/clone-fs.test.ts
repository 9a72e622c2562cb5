// CLONE_FS (src/kernel/task.ts fs_struct, syscalls/fork.ts): the fixture test/fixtures/src/fsshare.c on linux-3.1
// against its native run (linux-generic: exec-generic.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;

describe("fsshare: threads share the working directory and umask, a forked child does not", () => {
  for (const bin of ["fsshare", "fsshare.musl"]) {
    it(`${bin} on linux-3.1`, () => {
      const r = runExec({ program: `${FIX}bin/${bin}`, args: [], profile: getProfile("sandybridge-2011") });
      expect(r.stdout).toBe(readFileSync(`${FIX}expected/fsshare.stdout`, "utf8"));
      expect(r.exitCode).toBe(0);
    });
  }
});
