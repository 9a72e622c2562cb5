import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { designIds } from "../../src/cgroup/designs/index.ts";
import { ERRNO_NAMES, errnoName, quote, runScript } from "../../src/cli/script.ts";
import * as errno from "../../src/kernel/errno.ts";

const DIR = fileURLToPath(new URL("../../examples/scripts/", import.meta.url));
const EXAMPLES = readdirSync(DIR)
  .filter((f) => f.endsWith(".scen"))
  .sort();

const lines = (out: string) => out.trimEnd().split("\n");

describe("examples/scripts", () => {
  it("has the documented examples", () => {
    for (const f of [
      "sowa-semantics.scen",
      "fork-and-move.scen",
      "denied-calls.scen",
      "denied-calls-eperm.scen",
      "not-enforced.scen",
    ])
      expect(EXAMPLES).toContain(f);
  });

  for (const f of EXAMPLES) {
    it(`${f} passes with 0 failures`, () => {
      const r = runScript(readFileSync(`${DIR}${f}`, "utf8"), { file: f });
      expect(r.output).not.toMatch(/^FAIL/m);
      expect(r.failures).toBe(0);
      expect(r.exitCode).toBe(0);
      expect(lines(r.output).at(-1)).toMatch(/^\d+ commands, [1-9]\d* expectations, 0 failed$/);
    });
  }

  it("directives pick the design and the errno; options override them", () => {
    const text = readFileSync(`${DIR}denied-calls-eperm.scen`, "utf8");
    const r = runScript(text, { file: "x.scen" });
    expect(lines(r.output)[0]).toBe("# x.scen: design cgroup-walk, denied calls return -EPERM");
    const enosys = runScript(text, { deniedErrno: errno.ENOSYS });
    expect(enosys.exitCode).toBe(1);
    expect(enosys.output).toMatch(/^FAIL line 11: expected = -1 EPERM, got = -1 ENOSYS$/m);
    const none = runScript(text, { design: "none" });
    expect(lines(none.output)[0]).toBe("# script: design none, denied calls return -EPERM");
    expect(none.output).toMatch(/^FAIL line 11: expected = -1 EPERM, got = 0$/m);
  });

  it("the examples hold under every enforcing design (the runner's calls meet each design's check)", () => {
    // every design that enforces the policy (ptrace-log only watches)
    const enforcing = designIds().filter((d) => d !== "none" && d !== "ptrace-log");
    expect(enforcing.length).toBeGreaterThanOrEqual(3);
    for (const f of ["denied-calls.scen", "fork-and-move.scen"]) {
      const text = readFileSync(`${DIR}${f}`, "utf8");
      for (const design of enforcing) {
        const r = runScript(text, { design });
        expect({ f, design, out: r.output.match(/^FAIL.*$/gm) }).toEqual({ f, design, out: null });
      }
    }
  });

  it("the enforcing examples fail under `none`, which keeps the hierarchy but enforces nothing", () => {
    const r = runScript(readFileSync(`${DIR}denied-calls.scen`, "utf8"), { design: "none" });
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain("expected = -1 ENOSYS, got = 0");
  });
});

describe("runScript: commands and results", () => {
  it("every command prints one aligned line: line number, command, result", () => {
    const r = runScript(
      [
        "# every command",
        "mkdir /a",
        "write /a/syscalls.deny 110",
        "cat /a/syscalls.deny",
        "spawn A /a",
        "spawn B",
        "fork A C",
        "move C /",
        "",
        "call A getppid",
        "call C getppid",
        "call B 39",
        'call B chdir "/nonexistent"',
        "rmdir /a",
        "call A exit 9",
        "call A getpid",
        "spawn D /missing",
        "call D getpid",
        "cat /sys/fs/cgroup/syscalls/tasks",
        "move B /a   # a trailing comment",
      ].join("\n"),
      { file: "every.scen" },
    );
    expect(r.output).toBe(
      `# every.scen: design cgroup-composed, denied calls return -ENOSYS
  2  mkdir /a                           ok
  3  write /a/syscalls.deny 110         ok
  4  cat /a/syscalls.deny               "110"
  5  spawn A /a                         pid 1
  6  spawn B                            pid 2
  7  fork A C                           pid 3
  8  move C /                           ok
 10  call A getppid                     = -1 ENOSYS
 11  call C getppid                     = 1
 12  call B 39                          = 2
 13  call B chdir "/nonexistent"        = -1 ENOENT
 14  rmdir /a                           EBUSY
 15  call A exit 9                      exited 9
 16  call A getpid                      error: A has exited
 17  spawn D /missing                   ENOENT
 18  call D getpid                      error: no task D (its spawn failed)
 19  cat /sys/fs/cgroup/syscalls/tasks  "2\\n3"
 20  move B /a                          ok
18 commands, 0 expectations, 0 failed
`,
    );
    expect(r.exitCode).toBe(0);
  });

  it("call: integers in decimal, hex, octal and negative; strings passed by address; results in decimal", () => {
    const r = runScript(
      [
        "spawn t",
        "call t umask 0x12", // returns the old mask 022
        "expect = 18",
        "call t umask 022",
        "expect = 18",
        "call t umask 18",
        "expect = 18",
        'call t mkdir "/sys/fs/cgroup/syscalls/new" 0755',
        "expect = 0",
        'call t mkdir "/sys/fs/cgroup/syscalls/new" 0755',
        "expect = -1 EEXIST",
        'call t openat -100 "/sys/fs/cgroup/syscalls/new/syscalls.deny" 1',
        "expect = 3",
        'call t write 3 "83\\n" 3',
        "expect = 3",
        "cat /new/syscalls.deny",
        'expect "83"',
        "call t getcwd 0 0", // size 0
        "expect = -1 ERANGE",
        "call t 0xffffffffffffffff",
        "expect = -1 ENOSYS",
        "call t brk 0",
        "expect = 4202496", // 0x402000: the end of the two-page program image
      ].join("\n"),
    );
    expect(r.output).not.toContain("FAIL");
    expect(r.exitCode).toBe(0);
  });

  it('cat quotes the content with escapes, empty content as ""', () => {
    const r = runScript(
      "cat /syscalls.deny\ncat /tasks\nspawn a\nspawn b\ncat /tasks\ncat /a/tasks\ncat /\n",
    );
    const res = lines(r.output)
      .slice(1, -1)
      .map((l) => l.split(/ {2,}/).at(-1));
    expect(res).toEqual(['""', '""', "pid 1", "pid 2", '"1\\n2"', "ENOENT", "EISDIR"]);
  });

  it("a non-root task gets EACCES writing cgroupfs from inside", () => {
    const r = runScript(
      [
        "spawn u",
        "call u setuid 1000",
        "expect = 0",
        'call u open "/sys/fs/cgroup/syscalls/syscalls.deny" 1',
        "expect = -1 EACCES",
      ].join("\n"),
    );
    expect(r.exitCode).toBe(0);
  });

  it("is deterministic: the same text gives the same output", () => {
    const text = readFileSync(`${DIR}fork-and-move.scen`, "utf8");
    expect(runScript(text).output).toBe(runScript(text).output);
  });
});

describe("runScript: expectations", () => {
  it("a failing expectation prints a FAIL line naming the line, the expected and the actual result; exit 1", () => {
    const r = runScript(
      [
        "mkdir /a",
        "expect ok",
        "mkdir /a",
        "expect EPERM",
        "expect EEXIST",
        "spawn t",
        'expect "pid 1"',
      ].join("\n"),
    );
    expect(lines(r.output)).toEqual([
      "# script: design cgroup-composed, denied calls return -ENOSYS",
      "  1  mkdir /a  ok",
      "  3  mkdir /a  EEXIST",
      "FAIL line 4: expected EPERM, got EEXIST",
      "  6  spawn t   pid 1",
      'FAIL line 7: expected "pid 1", got pid 1',
      "3 commands, 4 expectations, 2 failed",
    ]);
    expect(r.failures).toBe(2);
    expect(r.exitCode).toBe(1);
  });

  it("expectations compare the result text token by token (spacing does not matter, quotes do)", () => {
    const r = runScript(
      'mkdir /a\nwrite /a/syscalls.deny 7\ncat /a/syscalls.deny\nexpect    "7"  \nspawn t\nexpect pid   1\n',
    );
    expect(r.exitCode).toBe(0);
    expect(lines(r.output).at(-1)).toBe("4 commands, 2 expectations, 0 failed");
  });

  it("an expectation after an exited task's call matches its error line", () => {
    const r = runScript(
      "spawn t\ncall t exit_group 2\nexpect exited 2\ncall t getpid\nexpect error: t has exited\n",
    );
    expect(r.exitCode).toBe(0);
  });
});

describe("runScript: malformed scripts (exit 2, nothing runs)", () => {
  const bad = (text: string) => {
    const r = runScript(text, { file: "bad.scen" });
    expect(r.exitCode).toBe(2);
    expect(r.failures).toBe(0);
    expect(r.output).not.toContain("# bad.scen: design"); // the machine never booted
    return lines(r.output);
  };

  it.each(
    (
      [
        [
          "mkdri /a",
          "bad.scen:1: unknown command 'mkdri' (mkdir, rmdir, write, cat, spawn, move, fork, call, expect)",
        ],
        [
          '"mkdir" /a',
          `bad.scen:1: unknown command '"mkdir"' (mkdir, rmdir, write, cat, spawn, move, fork, call, expect)`,
        ],
        ["mkdir", "bad.scen:1: mkdir takes 1 argument: mkdir PATH"],
        ["rmdir /a /b", "bad.scen:1: rmdir takes 1 argument: rmdir PATH"],
        ["cat", "bad.scen:1: cat takes 1 argument: cat PATH"],
        ["write /a/syscalls.deny", "bad.scen:1: write takes 2 arguments: write PATH VALUE"],
        ["spawn", "bad.scen:1: spawn takes 1 to 2 arguments: spawn NAME [CGROUP]"],
        ["spawn a / x", "bad.scen:1: spawn takes 1 to 2 arguments: spawn NAME [CGROUP]"],
        ["spawn 1a", "bad.scen:1: bad task name '1a' (a letter or _, then letters, digits, _ . -)"],
        ["spawn a\nspawn a", "bad.scen:2: task 'a' already exists (line 1)"],
        ["move a /", "bad.scen:1: unknown task 'a' (spawn or fork it on an earlier line)"],
        ["spawn a\nmove a", "bad.scen:2: move takes 2 arguments: move NAME CGROUP"],
        ["fork a b", "bad.scen:1: unknown task 'a' (spawn or fork it on an earlier line)"],
        ["spawn a\nfork a a", "bad.scen:2: task 'a' already exists (line 1)"],
        ["call a getpid\nspawn a", "bad.scen:1: unknown task 'a' (spawn or fork it on an earlier line)"],
        [
          "spawn a\ncall a",
          "bad.scen:2: call takes 2 to 8 arguments: call NAME SYSCALL [ARG…] (at most 6 ARGs)",
        ],
        [
          "spawn a\ncall a getpid 1 2 3 4 5 6 7",
          "bad.scen:2: call takes 2 to 8 arguments: call NAME SYSCALL [ARG…] (at most 6 ARGs)",
        ],
        [
          "spawn a\ncall a frobnicate",
          "bad.scen:2: unknown syscall 'frobnicate' (an x86_64 name of Linux 3.1, or a number)",
        ],
        ['spawn a\ncall a "getpid"', `bad.scen:2: bad syscall '"getpid"' (an x86_64 name or an integer)`],
        [
          "spawn a\ncall a 0x10000000000000000",
          "bad.scen:2: bad syscall '0x10000000000000000' (an x86_64 name or an integer)",
        ],
        [
          "spawn a\ncall a getpid 12x",
          `bad.scen:2: bad number '12x' (decimal, 0x hex or 0 octal within 64 bits, or a "quoted string")`,
        ],
        [
          "spawn a\ncall a getpid 09",
          `bad.scen:2: bad number '09' (decimal, 0x hex or 0 octal within 64 bits, or a "quoted string")`,
        ],
        [
          "spawn a\ncall a getpid -9223372036854775809",
          `bad.scen:2: bad number '-9223372036854775809' (decimal, 0x hex or 0 octal within 64 bits, or a "quoted string")`,
        ],
        [
          `spawn a\ncall a chdir "${"x".repeat(4000)}"`,
          "bad.scen:2: string arguments take 4001 bytes, at most 3968",
        ],
        ['write /a "83', "bad.scen:1: unterminated string"],
        ['write /a "8\\q"', "bad.scen:1: bad escape '\\q' in string"],
        ['write /a "83"x', "bad.scen:1: a string must be followed by a space"],
        ["expect ok", "bad.scen:1: expect before any command"],
        ["mkdir /a\nexpect", "bad.scen:2: expect needs a result: expect RESULT"],
        ["# design: nope", 'bad.scen:1: unknown design "nope" (known: '],
        ["# errno: EWHAT", "bad.scen:1: unknown errno 'EWHAT' (e.g. ENOSYS, EPERM)"],
        ["# design: none colour: red", "bad.scen:1: unknown directive 'colour' (design, errno)"],
        [
          "mkdir /a\n# design: none",
          "bad.scen:2: directives (# design: / # errno:) must come before the first command",
        ],
      ] as const
    ).map(([text, message]) => ({ text, message })),
  )("$message", ({ text, message }) => {
    const out = bad(text);
    expect(out).toHaveLength(1);
    expect(out[0]!.startsWith(message)).toBe(true);
  });

  it("reports every malformed line, and an expect after a malformed command is not reported again", () => {
    expect(bad("mkdir\nexpect ok\nspawn a\ncall a nope\ncall b getpid\nfine /x")).toEqual([
      "bad.scen:1: mkdir takes 1 argument: mkdir PATH",
      "bad.scen:4: unknown syscall 'nope' (an x86_64 name of Linux 3.1, or a number)",
      "bad.scen:5: unknown task 'b' (spawn or fork it on an earlier line)",
      "bad.scen:6: unknown command 'fine' (mkdir, rmdir, write, cat, spawn, move, fork, call, expect)",
    ]);
  });

  it("a bad design or errno from the options is an error too", () => {
    const d = runScript("mkdir /a", { design: "nope", file: "f.scen" });
    expect(d.exitCode).toBe(2);
    expect(d.output).toMatch(/^f\.scen: unknown design "nope" \(known: none, /);
    const e = runScript("mkdir /a", { deniedErrno: 0 });
    expect(e.exitCode).toBe(2);
    expect(e.output).toBe("script: bad denied errno 0\n");
  });
});

describe("errno names", () => {
  it("the table agrees with src/kernel/errno.ts", () => {
    for (const [k, v] of Object.entries(errno)) expect(ERRNO_NAMES[v as number]).toBe(k);
    expect(errnoName(38)).toBe("ENOSYS");
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(200)).toBe("E200");
  });

  it("quote escapes what would break the one-line output", () => {
    expect(quote('a"b\\c\nd\te\u0001')).toBe('"a\\"b\\\\c\\nd\\te\\x01"');
  });
});
