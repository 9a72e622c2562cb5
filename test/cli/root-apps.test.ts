// Issue 14's applications on `exec --root /`: Debian's own dynamically linked python3, ls, sort, gzip, sqlite3 and
// busybox, run in the guest with the host's libraries and compared with a native run of the same program on the
// same input: stdout byte for byte and the exit status. Host only: each program is skipped, with its path in the
// test name, where it is not installed (CI covers binfmt_script, confinement and busybox through the fixture root:
// test/kernel/exec-script.test.ts, test/cli/root-confine.test.ts, test/cli/root-busybox.test.ts).
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const HOST_LIBC = "/lib/x86_64-linux-gnu/libc.so.6";
/**
 * About 600 million guest instructions in all: run where the programs are installed, except in CI (CI=true), where
 * the fixture root covers the same paths; SYSCALL_LAB_HOST_APPS=1 runs them there too.
 */
const wanted = process.env.CI !== "true" || process.env.SYSCALL_LAB_HOST_APPS === "1";
const haveHost = wanted && existsSync(HOST_LIBC) && process.arch === "x64";
const LONG = { timeout: 900_000 };

interface Case {
  program: string;
  args: string[];
  /** the native run's arguments when the guest's paths differ (files added with --file) */
  native?: string[];
  env?: string[];
  files?: string[];
  /** a host file as stdin of both runs */
  stdin?: string;
  flavour?: "linux-generic";
}

/** Runs the case in the guest and natively: both stdouts (bytes) and exit statuses. */
function both(c: Case) {
  const chunks: Uint8Array[] = [];
  const r = runExec({
    program: c.program,
    args: c.args,
    env: c.env ?? [],
    root: "/",
    profile: getProfile(c.flavour === undefined ? "sandybridge-2011" : "cascadelake-2022"),
    ...(c.flavour !== undefined ? { flavour: c.flavour } : {}),
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
    output: (stream, bytes) => {
      if (stream === "stdout") chunks.push(bytes.slice());
    },
  });
  const n = spawnSync(c.program, c.native ?? c.args, {
    env: Object.fromEntries((c.env ?? []).map((e) => e.split("=", 2) as [string, string])),
    ...(c.stdin !== undefined ? { input: readFileSync(c.stdin) } : {}),
    maxBuffer: 1 << 28,
  });
  return { guest: Buffer.concat(chunks), native: n.stdout, r, status: n.status };
}

/** ROOT_APPS_REPORT=FILE: one JSON line per case (figures and syscall names for docs/exec.md) */
function record(c: Case, r: ReturnType<typeof runExec>) {
  const out = process.env.ROOT_APPS_REPORT;
  if (out === undefined) return;
  const line = {
    program: c.program,
    args: c.args.join(" ").slice(0, 80),
    flavour: r.flavour,
    exit: r.exitCode,
    instructions: r.instructions,
    cycles: r.userCycles + r.sysCycles,
    syscalls: r.syscalls,
    calls: r.calls.map((x) => x.name),
  };
  appendFileSync(out, `${JSON.stringify(line)}\n`);
}

function expectSame(c: Case) {
  const { guest, native, r, status } = both(c);
  record(c, r);
  expect(r.fault).toBe(null);
  expect(guest.length).toBe(native.length);
  expect(guest.equals(native)).toBe(true);
  expect(r.exitCode).toBe(status);
  return { guest, r };
}

/** A deterministic text of `bytes` bytes: lines of one to ten words from a 2,000-word vocabulary (an LCG). */
function text(bytes: number): string {
  let x = 12345;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const words = Array.from({ length: 2000 }, () =>
    Array.from({ length: 3 + rnd(10) }, () => String.fromCharCode(97 + rnd(26))).join(""),
  );
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = `${Array.from({ length: 1 + rnd(10) }, () => words[rnd(2000)]).join(" ")}\n`;
    out.push(line);
    n += line.length;
  }
  return out.join("");
}

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "root-apps-"));
  writeFileSync(join(dir, "1m.txt"), text(1 << 20));
  writeFileSync(join(dir, "256k.txt"), text(1 << 18));
  writeFileSync(
    join(dir, "rows.sql"),
    [
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER);",
      "BEGIN;",
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<10000)",
      "  INSERT INTO t SELECT x, 'row'||x, x*7 % 1000 FROM c;",
      "COMMIT;",
      "CREATE INDEX tv ON t(v);",
      "SELECT count(*), sum(id), sum(v), max(name) FROM t;",
      "SELECT v, count(*) FROM t WHERE v < 5 GROUP BY v ORDER BY v;",
      "SELECT name FROM t WHERE id % 1000 = 7 ORDER BY id DESC LIMIT 3;",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "words.py"),
    [
      "import re, sys, collections",
      'words = re.findall(r"[a-z]+", open(sys.argv[1]).read())',
      "c = collections.Counter(words)",
      "print(len(words), len(c))",
      "print(c.most_common(5))",
      "print(sorted(c)[:3], sum(len(w) for w in words) % 9973, sys.argv[2:])",
      "",
    ].join("\n"),
  );
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const f = (name: string) => join(dir, name);
const app = (p: string) => describe.skipIf(!haveHost || !existsSync(p));

app("/usr/bin/python3")("exec --root /: python3 (skipped where /usr/bin/python3 is absent)", () => {
  it("python3 -c 'print(2**100)'", LONG, () => {
    const { guest } = expectSame({ program: "/usr/bin/python3", args: ["-c", "print(2**100)"] });
    expect(guest.toString()).toBe("1267650600228229401496703205376\n");
  });
  it("python3 SCRIPT: re, collections and a 256 KB file", LONG, () => {
    expectSame({
      program: "/usr/bin/python3",
      args: ["/words.py", "/in.txt", "x", "y"],
      native: [f("words.py"), f("256k.txt"), "x", "y"],
      files: [`${f("words.py")}:/words.py`, `${f("256k.txt")}:/in.txt`],
    });
  });
});

app("/usr/bin/sort")("exec --root /: sort (skipped where /usr/bin/sort is absent)", () => {
  it("sort of a 1 MB file, LC_ALL=C", LONG, () => {
    expectSame({
      program: "/usr/bin/sort",
      args: ["/in.txt"],
      native: [f("1m.txt")],
      env: ["LC_ALL=C"],
      files: [`${f("1m.txt")}:/in.txt`],
    });
  });
});

app("/bin/gzip")("exec --root /: gzip (skipped where /bin/gzip is absent)", () => {
  it("gzip -9c FILE: the same bytes (the --file keeps its host mtime, which gzip stores)", LONG, () => {
    const { guest } = expectSame({
      program: "/bin/gzip",
      args: ["-9c", "/256k.txt"],
      native: ["-9c", f("256k.txt")],
      files: [`${f("256k.txt")}:/256k.txt`],
    });
    expect(guest.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
  });
  it("gzip -9c < stdin, then gzip -dc of that output gives the input back", LONG, () => {
    const { guest } = expectSame({ program: "/bin/gzip", args: ["-9c"], stdin: f("256k.txt") });
    writeFileSync(f("256k.gz"), guest);
    const back = expectSame({ program: "/bin/gzip", args: ["-dc"], stdin: f("256k.gz") });
    expect(back.guest.equals(readFileSync(f("256k.txt")))).toBe(true);
  });
});

app("/usr/bin/sqlite3")("exec --root /: sqlite3 (skipped where /usr/bin/sqlite3 is absent)", () => {
  it("sqlite3 :memory: 10,000 rows inserted in a transaction, an index and three queries", LONG, () => {
    const { guest } = expectSame({ program: "/usr/bin/sqlite3", args: [":memory:"], stdin: f("rows.sql") });
    expect(guest.toString().split("\n")[0]).toBe("10000|50005000|4995000|row9999");
  });
  it(
    "sqlite3 with a file database: record locks, the rollback journal, pwrite64, fdatasync, unlink",
    LONG,
    () => {
      const sql =
        "create table t(a); insert into t values(1),(2); begin; insert into t values(5); rollback; select sum(a), count(*) from t;";
      rmSync(f("t.db"), { force: true });
      const { guest, r } = expectSame({
        program: "/usr/bin/sqlite3",
        args: ["/tmp/t.db", sql],
        native: [f("t.db"), sql],
      });
      expect(guest.toString()).toBe("3|2\n");
      for (const name of ["fcntl", "pwrite64", "fdatasync", "unlink"])
        expect(r.calls.map((c) => c.name)).toContain(name);
    },
  );
});

app("/bin/busybox")("exec --root /: busybox (skipped where /bin/busybox is absent)", () => {
  it("busybox sh -c: a 100-iteration while loop", LONG, () => {
    const { guest } = expectSame({
      program: "/bin/busybox",
      args: ["sh", "-c", "i=0; while [ $i -lt 100 ]; do true; i=$((i+1)); done; echo $i"],
    });
    expect(guest.toString()).toBe("100\n");
  });
  it(
    "busybox applets in a pipeline, and gzip -9 | gzip -d through the shell (fork, pipe, execve)",
    LONG,
    () => {
      const script = (file: string) =>
        [
          "echo abc | busybox tr a-z A-Z",
          'echo 1 2 3 4 5 | busybox tr " " "\\\\n" | busybox paste -sd+ | busybox wc -c',
          "busybox expr 6 \\* 7",
          "busybox basename /a/b/c.txt .txt",
          `busybox md5sum < ${file}`,
          `busybox wc -l < ${file}`,
          `busybox sort ${file} | busybox uniq -c | busybox sort -r | busybox head -3`,
          `busybox head -c 32 ${file} | busybox od -An -tx1`,
          `/bin/gzip -9c ${file} | /bin/gzip -d | busybox cmp - ${file} && echo round trip ok`,
          "exit 3",
        ].join("; ");
      const { guest } = expectSame({
        program: "/bin/busybox",
        args: ["sh", "-c", script("/in.txt")],
        native: ["sh", "-c", script(f("256k.txt"))],
        files: [`${f("256k.txt")}:/in.txt`],
      });
      expect(guest.toString()).toContain("round trip ok\n");
    },
  );
});

app("/bin/ls")("exec --root /: ls (skipped where /bin/ls is absent)", () => {
  // the full date of every entry: the same bytes whatever the clock says
  it("ls -la --time-style=full-iso /usr/bin: every byte", LONG, () => {
    expectSame({ program: "/bin/ls", args: ["-la", "--time-style=full-iso", "/usr/bin"], env: ["LC_ALL=C"] });
  });

  // ls -la / with the default time style: /dev, /proc, /sys and /tmp are the guest's own (so are "total" and the
  // column widths they set), and ls prints a date as "Mon DD HH:MM" only within six months before its clock's now,
  // else "Mon DD  YYYY"; the guest's clock starts at 1970 at boot, so there every date is "in the future" and
  // shows its year. Compared: every entry of the root, every field: mode, links, owner, group, size, month, day,
  // name (and link target), and the year wherever both show a year.
  it("ls -la /: every entry from the root, field by field", LONG, () => {
    const c: Case = { program: "/bin/ls", args: ["-la", "/"], env: ["LC_ALL=C"] };
    const { guest, native, r, status } = both(c);
    record(c, r);
    expect(r.exitCode).toBe(status);
    const own = new Set(["dev", "proc", "sys", "tmp"]);
    const rows = (b: Buffer) =>
      new Map(
        b
          .toString()
          .split("\n")
          .filter((l) => l !== "" && !l.startsWith("total "))
          .map((l) => {
            const [mode, links, user, group, size, month, day, yearOrTime, ...name] = l.split(/ +/);
            return [name.join(" "), { mode, links, user, group, size, month, day, yearOrTime }] as const;
          }),
      );
    const g = rows(guest);
    const n = rows(native);
    const names = [...n.keys()].filter((k) => !own.has(k));
    expect([...g.keys()].filter((k) => !own.has(k))).toEqual(names);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const a = g.get(name)!;
      const b = n.get(name)!;
      // a time instead of a year: recent for that side's clock (the guest's 1970 makes mtime 0 recent)
      const times = b.yearOrTime!.includes(":") || a.yearOrTime!.includes(":");
      const host = times ? { ...b, yearOrTime: a.yearOrTime } : b;
      expect({ name, ...a }).toEqual({ name, ...host });
    }
    // the guest's own: tmpfs /tmp is sticky and world-writable, procfs and sysfs read-only
    expect(g.get("tmp")?.mode).toBe("drwxrwxrwt");
    expect(g.get("proc")?.mode).toBe("dr-xr-xr-x");
    expect(g.get("sys")?.mode).toBe("dr-xr-xr-x");
  });
});

describe.skipIf(!haveHost)("exec --root / --flavour linux-generic (getrandom exists there)", () => {
  it.skipIf(!existsSync("/usr/bin/python3"))("python3 -c 'print(2**100)'", LONG, () => {
    const { r } = expectSame({
      program: "/usr/bin/python3",
      args: ["-c", "print(2**100)"],
      flavour: "linux-generic",
    });
    expect(r.calls.find((c) => c.name === "getrandom")?.calls).toBeGreaterThan(0);
  });
  it.skipIf(!existsSync("/bin/busybox"))("busybox sh -c: the while loop", LONG, () => {
    expectSame({
      program: "/bin/busybox",
      args: ["sh", "-c", "i=0; while [ $i -lt 100 ]; do true; i=$((i+1)); done; echo $i"],
      flavour: "linux-generic",
    });
  });
});
