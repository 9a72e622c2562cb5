// The #! line as fs/binfmt_script.c parses it, on both kernels modelled: Linux 3.1 (128-byte buffer, a long line
// silently cut) and 5.1+ (256 bytes, a truncated interpreter path refused).
import { describe, expect, it } from "vitest";
import {
  binprmBufSize,
  isScript,
  parseScriptLine,
  scriptArgv,
} from "../../../src/kernel/fs/binfmt-script.ts";

const enc = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
const both = ["linux-3.1", "linux-generic"] as const;

describe("binfmt_script: the interpreter line", () => {
  it("recognises only files starting with #!", () => {
    expect(isScript(enc("#!/bin/sh\n"))).toBe(true);
    expect(isScript(enc("#/bin/sh\n"))).toBe(false);
    expect(isScript(enc(" #!/bin/sh\n"))).toBe(false);
    expect(isScript(enc("#"))).toBe(false);
    expect(isScript(enc("\x7fELF"))).toBe(false);
  });

  for (const f of both) {
    it(`${f}: name, one optional argument with its inner blanks, blanks and tabs around`, () => {
      expect(parseScriptLine(enc("#!/bin/sh\necho hi\n"), f)).toEqual({ name: "/bin/sh", arg: null });
      expect(parseScriptLine(enc("#! /bin/sh  -e  -x  \n"), f)).toEqual({ name: "/bin/sh", arg: "-e  -x" });
      expect(parseScriptLine(enc("#!\t/i\targ\t\n"), f)).toEqual({ name: "/i", arg: "arg" });
      expect(parseScriptLine(enc("#!/i"), f)).toEqual({ name: "/i", arg: null }); // no newline: NUL padding ends it
      expect(parseScriptLine(enc("#!rel/x a\n"), f)).toEqual({ name: "rel/x", arg: "a" });
      // the argument is a C string: a NUL ends it
      expect(parseScriptLine(enc("#!/i a\0b\n"), f)).toEqual({ name: "/i", arg: "a" });
      expect(parseScriptLine(enc("#!/i\0 b\n"), f)).toEqual({ name: "/i", arg: null });
    });

    it(`${f}: no interpreter is ENOEXEC`, () => {
      expect(parseScriptLine(enc("#!\n"), f)).toBe(-8);
      expect(parseScriptLine(enc("#!  \t \n/bin/sh\n"), f)).toBe(-8);
    });
  }

  it("BINPRM_BUF_SIZE is 128 on 3.1 and 256 on 5.1+", () => {
    expect(binprmBufSize("linux-3.1")).toBe(128);
    expect(binprmBufSize("linux-generic")).toBe(256);
  });

  it("3.1 cuts a long line at 127 bytes; 5.x keeps 255 bytes when a blank ends the name inside them", () => {
    const line = `#!/i ${"a".repeat(300)}\n`;
    expect(parseScriptLine(enc(line), "linux-3.1")).toEqual({ name: "/i", arg: "a".repeat(127 - 5) });
    expect(parseScriptLine(enc(line), "linux-generic")).toEqual({ name: "/i", arg: "a".repeat(255 - 5) });
    const within = `#!/i ${"b".repeat(200)}\n`;
    expect(parseScriptLine(enc(within), "linux-3.1")).toEqual({ name: "/i", arg: "b".repeat(122) });
    expect(parseScriptLine(enc(within), "linux-generic")).toEqual({ name: "/i", arg: "b".repeat(200) });
  });

  it("a name that runs past the buffer: 3.1 uses the cut name, 5.x refuses it (ENOEXEC)", () => {
    const long = `#!/${"n".repeat(300)}\n`;
    expect(parseScriptLine(enc(long), "linux-3.1")).toEqual({ name: `/${"n".repeat(124)}`, arg: null });
    expect(parseScriptLine(enc(long), "linux-generic")).toBe(-8);
    // 5.x: a name that ends inside the buffer with only blanks after it is accepted
    expect(parseScriptLine(enc(`#!/x${" ".repeat(300)}`), "linux-generic")).toEqual({
      name: "/x",
      arg: null,
    });
    expect(parseScriptLine(enc(`#!${" ".repeat(300)}`), "linux-generic")).toBe(-8);
  });

  it("a NUL where the name starts: 3.1 ENOEXEC, 5.x the empty name (open_exec then says ENOENT)", () => {
    // a file of just "#!": NUL padding follows
    expect(parseScriptLine(enc("#!"), "linux-3.1")).toBe(-8);
    expect(parseScriptLine(enc("#!"), "linux-generic")).toEqual({ name: "", arg: null });
    expect(parseScriptLine(enc("#! \0/bin/sh\n"), "linux-3.1")).toBe(-8);
    expect(parseScriptLine(enc("#! \0/bin/sh\n"), "linux-generic")).toEqual({ name: "", arg: null });
  });

  it("argv: interpreter, argument, the script path as given, then argv[1…] (argv[0] dropped)", () => {
    expect(scriptArgv({ name: "/bin/sh", arg: "-e" }, "./s.sh", ["s", "a", "b"])).toEqual([
      "/bin/sh",
      "-e",
      "./s.sh",
      "a",
      "b",
    ]);
    expect(scriptArgv({ name: "/bin/sh", arg: null }, "/s", [])).toEqual(["/bin/sh", "/s"]);
  });
});
