// execve of #! scripts (binfmt_script) through a guest program: scriptexec (test/fixtures/src/root/scriptexec.c)
// execs each script of test/fixtures/root/usr/share/sx in a child. The recorded output is a real kernel's (Linux
// 6.x, chroot into the fixture root), which the 5.1+ model must match byte for byte; Linux 3.1 differs exactly
// where its 128-byte buffer and its nesting limit do.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const SCRIPTS = [
  "noarg.sh",
  "arg.sh",
  "tab.sh",
  "relative.sh",
  "./relative.sh",
  "nested.sh",
  "long.sh",
  "longarg.sh",
  "longname.sh",
  "missing.sh",
  "empty.sh",
  "blank.sh",
  "dir.sh",
  "shell.sh",
  "nul.sh",
  "d5.sh",
  "d6.sh",
  "/usr/share/sx/d1.sh",
];
const native = readFileSync(`${FIX}expected/scriptexec.musl.stdout`, "utf8");

function run(flavour: "linux-3.1" | "linux-generic", pti = false) {
  return runExec({
    program: "/usr/bin/scriptexec",
    args: SCRIPTS,
    root: `${FIX}root`,
    files: [`${FIX}bin/scriptexec.musl:/usr/bin/scriptexec`],
    flavour,
    pti,
    profile: getProfile(
      flavour === "linux-3.1" ? "sandybridge-2011" : pti ? "cascadelake-2022-pti" : "cascadelake-2022",
    ),
  });
}

describe("execve of #! scripts", () => {
  it("the recorded native run covers every case", () => {
    expect(native).toContain("argc=5 [/usr/share/sx/showargs] [one  two] [arg.sh] [a] [b]");
    expect(native).toContain("longname.sh: execve: ENOEXEC");
    expect(native).toContain("d6.sh: execve: ELOOP");
    expect(native).toContain("shell.sh: 2 args: a b\nshell.sh: status 7");
    expect(readFileSync(`${FIX}expected/scriptexec.musl.status`, "utf8").trim()).toBe("0");
  });

  for (const pti of [false, true])
    it(`linux-generic${pti ? " with PTI" : ""}: the native output byte for byte`, {
      timeout: 300_000,
    }, () => {
      const r = run("linux-generic", pti);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(native);
      expect(r.exitCode).toBe(0);
    });

  it("linux-3.1: a 128-byte buffer (long lines cut, a long name tried as cut), ENOEXEC past five scripts", {
    timeout: 300_000,
  }, () => {
    const r = run("linux-3.1");
    const expected = native
      .replace(/\[L{180}\]/, `[${"L".repeat(127 - "#!/usr/share/sx/showargs ".length)}]`)
      .replace(/\[y{230}\]/, `[${"y".repeat(127 - "#!/usr/share/sx/showargs ".length)}]`)
      .replace("longname.sh: execve: ENOEXEC", "longname.sh: execve: ENOENT")
      .replace("d6.sh: execve: ELOOP", "d6.sh: execve: ENOEXEC");
    expect(expected).not.toBe(native);
    expect(r.stdout).toBe(expected);
    expect(r.exitCode).toBe(0);
  });
});
