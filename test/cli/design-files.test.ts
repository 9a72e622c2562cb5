// Design files wherever a design id goes, and the machine-readable outputs, through the real command line.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli as run } from "../helpers/cli.ts";

const EXAMPLE = "examples/designs/cgroup-bytemap.ts";
const SAYS = `executing design file ${EXAMPLE} (a design file is code that runs with your privileges)\n`;

const cli = (...args: string[]) => run(args, { env: { NO_COLOR: "1" } });

describe("design files and ids on every command", () => {
  it("script, exec, replay and trace run a design file and say which file they execute", () => {
    const s = cli("script", "examples/scripts/denied-calls.scen", "--design", EXAMPLE, "--json");
    expect(s.stderr).toBe(SAYS);
    expect(JSON.parse(s.stdout)).toMatchObject({ design: "cgroup-bytemap", errors: [], failures: 0 });
    const e = cli(
      "exec",
      "--design",
      EXAMPLE,
      "--cgroup",
      "/box",
      "--deny",
      "getppid",
      "--json",
      "test/fixtures/bin/hello",
    );
    expect(e.stderr).toBe(SAYS);
    expect(e.status).toBe(0);
    const r = cli("replay", "--design", EXAMPLE, "--cgroup-deny", "getuid", "test/fixtures/strace/ls.log");
    expect(r.stderr).toBe(SAYS);
    expect(r.stdout).toContain("cgroup-bytemap against none");
    const t = cli("trace", "--workload", "null", "--design", EXAMPLE, "--calls", "1");
    expect(t.stderr).toBe(SAYS);
    expect(t.stdout).toContain("cmpb $0,(%rcx,%rax)"); // the design's check, single-stepped
  });

  it("prototype names and unknown ids are usage errors (exit 2), and no file is read for them", () => {
    for (const args of [
      ["exec", "--design", "constructor", "test/fixtures/bin/hello"],
      ["script", "--design", "__proto__", "examples/scripts/denied-calls.scen"],
      ["replay", "--design", "toString", "test/fixtures/strace/ls.log"],
      ["compare", "--designs", "none,constructor"],
      ["check", "--designs", "hasOwnProperty"],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(
        /^syscall-lab: unknown design "(constructor|__proto__|toString|hasOwnProperty)" \(known: none, /,
      );
    }
    const r = cli("exec", "--design", "../my/design.ts", "test/fixtures/bin/hello");
    expect(r).toMatchObject({
      status: 2,
      stderr: "syscall-lab: design file ../my/design.ts: no such file or directory\n",
    });
  });
});

describe("version and JSON outputs", () => {
  it("--version prints package.json's version", () => {
    const version = JSON.parse(readFileSync("package.json", "utf8")).version;
    expect(cli("--version")).toMatchObject({ status: 0, stdout: `${version}\n` });
  });
  it("profile list --json", () => {
    const r = cli("profile", "list", "--json");
    const j = JSON.parse(r.stdout) as { name: string; description: string; clockHz: number }[];
    expect(j.map((p) => p.name)).toContain("sandybridge-2011");
    expect(j.every((p) => p.description.length > 0 && p.clockHz > 0)).toBe(true);
  });
  it("script --json: each command's result and whether its expectations held; a malformed file exits 2", () => {
    const r = cli("script", "examples/scripts/denied-calls.scen", "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.steps[0]).toEqual({ line: 5, command: "mkdir /box", result: "ok", expect: [] });
    expect(j.expectations).toBeGreaterThan(0);
    expect(
      j.steps.flatMap((s: { expect: { ok: boolean }[] }) => s.expect).every((e: { ok: boolean }) => e.ok),
    ).toBe(true);
  });
});

describe("start-up: --help loads no command module", () => {
  it("commands.ts and main.ts import only types, the option parsers and the workload names", () => {
    for (const f of ["src/cli/main.ts", "src/cli/commands.ts"]) {
      const text = readFileSync(f, "utf8");
      const values = [...text.matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gms)].map((m) => m[1]);
      expect(
        values.every((v) =>
          [
            "commander",
            "node:fs",
            "./output.ts",
            "./version.ts",
            "./exit-codes.ts",
            "./commands.ts",
            // registration modules whose own imports are as light as these (their actions import the rest)
            "./guest-limit-options.ts",
            "./trace-command.ts",
            "./web.ts",
            "../workload/names.ts",
          ].includes(v!),
        ),
        `${f}: ${values.join(", ")}`,
      ).toBe(true);
    }
  });
});
