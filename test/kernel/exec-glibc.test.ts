// The glibc 2.36 builds of the fixture programs under `exec` (the musl builds: exec.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const INPUT = `${FIX}src/input.txt`;
const profile = getProfile("sandybridge-2011");

const CASES: { expect: string; bin: string; args?: string[]; stdin?: string; files?: string[] }[] = [
  { expect: "hello", bin: "hello" },
  { expect: "hello.pie", bin: "hello.pie" },
  { expect: "cat", bin: "cat", args: ["/input.txt"], files: [`${INPUT}:/input.txt`] },
  { expect: "cat-stdin", bin: "cat", stdin: INPUT },
  { expect: "cat-missing", bin: "cat", args: ["/nonexistent"] },
  { expect: "wc", bin: "wc", stdin: INPUT },
  { expect: "forkpipe", bin: "forkpipe" },
  { expect: "signals", bin: "signals" },
  { expect: "seccomp", bin: "seccomp" },
  { expect: "sowa-getuid", bin: "sowa-getuid", args: ["1000"] },
  { expect: "sowa-setuid", bin: "sowa-setuid", args: ["1000"] },
  { expect: "sowa-chdir", bin: "sowa-chdir", args: ["1000"] },
  { expect: "sowa-read", bin: "sowa-read", args: ["1000"] },
];

describe("exec: glibc fixture programs give their native stdout, stderr and status", () => {
  for (const c of CASES) {
    it(`${c.bin} (${c.expect})`, () => {
      const r = runExec({
        program: `${FIX}bin/${c.bin}`,
        args: c.args ?? [],
        profile,
        ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
        ...(c.files !== undefined ? { files: c.files } : {}),
      });
      const read = (ext: string) => readFileSync(`${FIX}expected/${c.expect}.${ext}`, "utf8");
      expect(r.stdout).toBe(read("stdout"));
      expect(r.stderr).toBe(read("stderr"));
      expect(r.signal).toBeNull();
      expect(r.exitCode).toBe(Number(read("status").trim()));
    });
  }
});
