// `syscall-lab exec --root DIR`: bad input is a clear usage error (exit 2); Debian's own dynamically linked programs,
// where this host has them, print what they print natively.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { cli as run } from "../helpers/cli.ts";

const FIX = fileURLToPath(new URL("../fixtures/", import.meta.url));

const cli = (...args: string[]) => run(args, { env: { NO_COLOR: "1" } });

describe("exec --root: bad input", () => {
  it("a missing root", () => {
    const r = cli("exec", "--root", `${FIX}no-such-root`, "/bin/true");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--root ${FIX}no-such-root: no such directory`);
  });

  it("a root that is not a directory", () => {
    const r = cli("exec", "--root", `${FIX}src/hello.c`, "/bin/true");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("not a directory");
  });

  it("a program missing from the root, and a relative program path", () => {
    const a = cli("exec", "--root", `${FIX}root`, "/bin/nope");
    expect(a.status).toBe(2);
    expect(a.stderr).toContain(`/bin/nope: not found in --root ${FIX}root`);
    const b = cli("exec", "--root", `${FIX}root`, "bin/hello-dyn");
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("must be an absolute guest path");
  });

  it("a #! script as the program runs its interpreter; a missing interpreter is a usage error", () => {
    const ok = cli("exec", "--json", "--root", `${FIX}root`, "--", "/usr/share/sx/arg.sh", "x");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).stdout).toBe(
      "argc=4 [/usr/share/sx/showargs] [one  two] [/usr/share/sx/arg.sh] [x]\n",
    );
    const bad = cli("exec", "--root", `${FIX}root`, "/usr/share/sx/missing.sh");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("/usr/share/sx/missing.sh: cannot be executed in --root");
    expect(bad.stderr).toContain("ENOENT");
  });

  it("a dynamically linked program without a root: its interpreter is missing", () => {
    const r = cli("exec", `${FIX}root/usr/bin/hello-dyn`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "ELF interpreter /lib64/ld-linux-x86-64.so.2 is not in the guest file system (is --root set?)",
    );
  });
});

// Debian's own binaries, with the host's libc: only where the host is a Debian-like x86-64 system
const HOST_LIBC = "/lib/x86_64-linux-gnu/libc.so.6";
const oldFile = (p: string) => existsSync(p) && Date.now() - statSync(p).mtimeMs > 200 * 86_400_000;
const haveHost = existsSync(HOST_LIBC) && existsSync("/usr/bin/env") && process.arch === "x64";

describe.skipIf(!haveHost)(
  `exec --root /: the host's dynamic programs (skipped without ${HOST_LIBC})`,
  () => {
    const profile = getProfile("sandybridge-2011");
    const cases: {
      program: string;
      args: string[];
      env: string[];
      native?: string[];
      files?: string[];
      flavour?: "linux-generic";
    }[] = [
      { program: "/bin/true", args: [], env: [] },
      { program: "/bin/echo", args: ["hello", "from", "the", "root"], env: [] },
      { program: "/usr/bin/env", args: [], env: ["A=1", "B=two words"] },
      // env execve's echo: the guest's execve loads echo's PT_INTERP from the root
      { program: "/usr/bin/env", args: ["/bin/echo", "exec'd by env"], env: [] },
      {
        program: "/usr/bin/sort",
        args: ["-r", "/in.txt"],
        env: ["LC_ALL=C"],
        native: ["-r", `${FIX}src/input.txt`],
        files: [`${FIX}src/input.txt:/in.txt`],
      },
      // ls uses statx on the modern kernel, newfstatat on 3.1; only for a file older than half a year, whose date
      // ls prints as a year on both sides (the guest's clock starts at 1970, so every file is "in the future")
      ...(oldFile("/usr/bin/env")
        ? [
            { program: "/bin/ls", args: ["-l", "/usr/bin/env"], env: ["LC_ALL=C"] },
            {
              program: "/bin/ls",
              args: ["-l", "/usr/bin/env"],
              env: ["LC_ALL=C"],
              flavour: "linux-generic" as const,
            },
          ]
        : []),
    ];
    for (const c of cases) {
      it.skipIf(!existsSync(c.program))(`${c.program} ${c.args.join(" ")} ${c.flavour ?? ""}`, () => {
        const native = spawnSync(c.program, c.native ?? c.args, {
          encoding: "utf8",
          env: Object.fromEntries(c.env.map((e) => e.split("=", 2) as [string, string])),
        });
        const r = runExec({
          program: c.program,
          args: c.args,
          env: c.env,
          profile,
          root: "/",
          ...(c.files !== undefined ? { files: c.files } : {}),
          ...(c.flavour !== undefined ? { flavour: c.flavour, profile: getProfile("cascadelake-2022") } : {}),
        });
        expect(r.stdout).toBe(native.stdout);
        expect(r.exitCode).toBe(native.status);
      });
    }
  },
);

const PYTHON = "/usr/bin/python3";
describe.skipIf(!haveHost || !existsSync(PYTHON))(`exec --root /: ${PYTHON} (skipped without it)`, () => {
  it("python3 -c 'print(2**100)' prints what it prints natively", { timeout: 600_000 }, () => {
    const args = ["-c", "print(2**100)"];
    const native = spawnSync(PYTHON, args, { encoding: "utf8", env: {} });
    const r = runExec({ program: PYTHON, args, profile: getProfile("sandybridge-2011"), root: "/" });
    expect(r.stdout).toBe(native.stdout);
    expect(r.stdout).toBe("1267650600228229401496703205376\n");
    expect(r.exitCode).toBe(0);
  });
});
