// issue 15: every input file is read with a size limit; devices, FIFOs and directories are refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bpfCheck } from "../../src/cli/bpf.ts";
import { runExec } from "../../src/cli/exec.ts";
import { InputFileError, readInputFile } from "../../src/measure/input-file.ts";
import { getProfile } from "../../src/measure/profile.ts";

const dir = mkdtempSync(join(tmpdir(), "input-file-"));

describe("readInputFile", () => {
  it("reads a regular file", () => {
    const p = join(dir, "a.txt");
    writeFileSync(p, "hello");
    expect(readInputFile(p, { what: "x", maxBytes: 5 }).toString()).toBe("hello");
  });

  it("refuses a file over its limit, naming the limit", () => {
    const p = join(dir, "big.txt");
    writeFileSync(p, "x".repeat(2 * 1024 * 1024 + 1));
    expect(() => readInputFile(p, { what: "filter", maxBytes: 2 * 1024 * 1024 })).toThrow(
      `filter ${p}: larger than the 2 MiB limit for this input`,
    );
  });

  it("refuses /dev/zero (it never ends) at once, and says how to read standard input", () => {
    expect(() =>
      readInputFile("/dev/zero", { what: "--stdin", maxBytes: 1 << 20, allowStdin: true }),
    ).toThrow("--stdin /dev/zero: a character device, not a regular file (use - to read standard input)");
  });

  it("refuses a FIFO without waiting for a writer", () => {
    const fifo = join(dir, "fifo");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo here
    expect(() => readInputFile(fifo, { what: "strace log", maxBytes: 1 << 20 })).toThrow(
      `strace log ${fifo}: a FIFO, not a regular file`,
    );
  });

  it("refuses a directory and names a missing file", () => {
    expect(() => readInputFile(dir, { what: "scenario", maxBytes: 10 })).toThrow(
      /a directory, not a regular file/,
    );
    expect(() => readInputFile(join(dir, "none"), { what: "scenario", maxBytes: 10 })).toThrow(
      `scenario ${join(dir, "none")}: no such file`,
    );
    expect(() => readInputFile(join(dir, "none"), { what: "scenario", maxBytes: 10 })).toThrow(
      InputFileError,
    );
  });

  it("`-` is standard input only when asked for", () => {
    expect(() => readInputFile("-", { what: "x", maxBytes: 10 })).toThrow(/- : no such file|-: no such file/);
  });
});

describe("the commands use it", () => {
  it("bpf check /dev/zero is one line, exit 2 (it grew to 8.7 GB in 90 s)", () => {
    expect(bpfCheck("/dev/zero")).toEqual({
      output: "filter /dev/zero: a character device, not a regular file (use - to read standard input)",
      exitCode: 2,
    });
  });

  it("exec --stdin /dev/zero is a usage error before anything runs", () => {
    expect(() =>
      runExec({
        program: "test/fixtures/bin/cat.musl",
        args: [],
        profile: getProfile("sandybridge-2011"),
        stdin: "/dev/zero",
      }),
    ).toThrow("--stdin /dev/zero: a character device, not a regular file (use - to read standard input)");
  });
});
