// The guest root (`exec --root DIR`): a host directory as the read-only lower layer of the VFS. Nothing outside DIR
// is reachable (.., absolute and relative symlinks, /proc/self/root, symlinked directories), reads are bounded,
// writes stay in the overlay; then dynamically linked programs from the committed fixture root
// (test/fixtures/root: Debian's ld.so and libc.so.6 with two small programs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { HostDirFs, HostRootError } from "../../src/kernel/fs/host-dir.ts";
import { loadReg, type ProcSelf, Vfs } from "../../src/kernel/vfs.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const ROOT = `${FIX}root`;
const profile = getProfile("sandybridge-2011");

describe("guest root: containment", () => {
  let base: string;
  let vfs: Vfs;
  const self: ProcSelf = { pid: 7, exe: "/bin/x", cwd: "/" };

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "groot-"));
    writeFileSync(join(base, "secret.txt"), "outside\n");
    mkdirSync(join(base, "outside-dir"));
    writeFileSync(join(base, "outside-dir", "f"), "outside too\n");
    const r = join(base, "root");
    mkdirSync(join(r, "etc"), { recursive: true });
    writeFileSync(join(r, "etc", "a.txt"), "inside\n");
    writeFileSync(join(r, "big"), "x".repeat(100));
    symlinkSync("/etc/a.txt", join(r, "abs-in"));
    symlinkSync(join(base, "secret.txt"), join(r, "abs-out")); // the host's absolute path of the secret
    symlinkSync("../secret.txt", join(r, "rel-out"));
    symlinkSync("../outside-dir", join(r, "dir-out"));
    symlinkSync("loop2", join(r, "loop1"));
    symlinkSync("loop1", join(r, "loop2"));
    vfs = new Vfs();
    vfs.setLower(new HostDirFs(r, { maxFileBytes: 64 }));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const content = (p: string, opts: { nofollow?: boolean } = {}) => {
    const n = vfs.lookup("/", p, { self, ...opts }).node;
    if (n?.type !== "reg") return n?.type ?? "absent";
    const e = loadReg(n.file);
    return e < 0 ? e : new TextDecoder().decode(n.file.data);
  };

  it("finds files inside the root, through absolute links resolved inside it", () => {
    expect(content("/etc/a.txt")).toBe("inside\n");
    expect(content("/abs-in")).toBe("inside\n");
    expect(content("/etc/../etc/./a.txt")).toBe("inside\n");
    expect(vfs.lookup("/etc", "../abs-in", { self }).path).toBe("/etc/a.txt");
  });

  it("reaches nothing outside: .., absolute and relative links, linked directories, /proc/self/root", () => {
    for (const p of [
      "/../secret.txt",
      "../../../secret.txt",
      "/abs-out",
      "/rel-out",
      "/dir-out/f",
      "/proc/self/root/../secret.txt",
      "/proc/7/root/../../outside-dir/f",
      join(base, "secret.txt"),
    ])
      expect(content(p), p).toBe("absent");
  });

  it("reports a symlink loop as ELOOP and a link itself with nofollow", () => {
    expect(vfs.lookup("/", "/loop1").error).toBe(-40);
    expect(content("/abs-out", { nofollow: true })).toBe("lnk");
  });

  it("bounds reads from the host (EFBIG past the file limit)", () => {
    expect(content("/big")).toBe(-27);
  });

  it("keeps writes and removals in the overlay, never on the host", () => {
    vfs.addFile("/etc/a.txt", new TextEncoder().encode("changed\n"), true);
    expect(content("/etc/a.txt")).toBe("changed\n");
    expect(readFileSync(join(base, "root", "etc", "a.txt"), "utf8")).toBe("inside\n");
    vfs.remove("/etc/a.txt");
    expect(content("/etc/a.txt")).toBe("absent");
    expect(vfs.list("/etc")).toEqual([]);
    expect(readFileSync(join(base, "root", "etc", "a.txt"), "utf8")).toBe("inside\n");
  });

  it("shows its own /tmp, /dev, /proc and /sys over the root's", () => {
    expect(vfs.list("/")).toEqual(expect.arrayContaining(["abs-in", "dev", "etc", "proc", "sys", "tmp"]));
    expect(vfs.lookup("/", "/proc/self/exe", { self, nofollow: true }).node).toEqual({
      type: "lnk",
      target: "/bin/x",
    });
    expect(vfs.list("/proc", self)).toEqual(["7", "self"]);
  });

  it("refuses a root that is missing or not a directory", () => {
    expect(() => new HostDirFs(join(base, "nope"))).toThrow(HostRootError);
    expect(() => new HostDirFs(join(base, "secret.txt"))).toThrow(/not a directory/);
  });
});

describe("dynamically linked programs from the fixture root", () => {
  it("hello-dyn (gcc, glibc 2.36) prints its native output", () => {
    const r = runExec({ program: "/bin/hello-dyn", args: [], profile, root: ROOT });
    expect(r.stdout).toBe(readFileSync(`${FIX}expected/hello-dyn.stdout`, "utf8"));
    expect(r.exitCode).toBe(Number(readFileSync(`${FIX}expected/hello-dyn.status`, "utf8")));
    expect(r.signal).toBeNull();
    // ld.so's own calls: openat of libc.so.6, pread64 of its program headers, file-backed mmap, mprotect (RELRO)
    const names = new Set(r.calls.map((c) => c.name));
    for (const n of ["openat", "pread64", "mmap", "mprotect", "newfstatat", "access"])
      expect(names).toContain(n);
  });

  it("rootcheck: escapes fail, /proc/self links, the listing of /, an overlay write", () => {
    const args = [
      "/etc/greeting",
      "../../etc/greeting",
      "/escape-abs",
      "/escape-rel",
      "/hostdir/hello.c",
      "/../src/hello.c",
      "/proc/self/root/../src/hello.c",
    ];
    const r = runExec({ program: "/bin/rootcheck", args, profile, root: ROOT });
    expect(r.stdout).toBe(
      [
        "open /etc/greeting: ok: inside the root",
        "open ../../etc/greeting: ok: inside the root",
        "open /escape-abs: ENOENT",
        "open /escape-rel: ENOENT",
        "open /hostdir/hello.c: ENOENT",
        "open /../src/hello.c: ENOENT",
        "open /proc/self/root/../src/hello.c: ENOENT",
        "readlink /proc/self/exe: /usr/bin/rootcheck",
        "readlink /proc/self/root: /",
        "/: . .. bin dev escape-abs escape-rel etc hostdir lib lib64 proc sys tmp usr",
        "open /etc/rootcheck-written: ok: written in the guest",
        "",
      ].join("\n"),
    );
    expect(r.exitCode).toBe(0);
  });

  it("/proc/self/maps: runs of pages from the page table, the stack named", () => {
    const r = runExec({ program: `${FIX}bin/cat`, args: ["/proc/self/maps"], profile });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("00400000-00401000 r--p 00000000 00:00 0");
    expect(lines[1]).toMatch(/^00401000-[0-9a-f]{8} r-xp 00000000 00:00 0$/);
    expect(lines.at(-1)).toBe(`7fffffeff000-7ffffffff000 rw-p 00000000 00:00 0${" ".repeat(26)}[stack]`);
    const d = runExec({ program: "/bin/rootcheck", args: ["/proc/self/maps"], profile, root: ROOT });
    // the PIE's first page, at 3.1's ELF_ET_DYN_BASE
    expect(d.stdout.split("\n")[0]).toBe(
      "open /proc/self/maps: ok: 555555554000-555555555000 r--p 00000000 00:00 0",
    );
  });

  it("--file still adds a host file on top of the root", () => {
    const r = runExec({
      program: "/bin/rootcheck",
      args: ["/etc/greeting"],
      profile,
      root: ROOT,
      files: [`${FIX}src/input.txt:/etc/greeting`],
    });
    expect(r.stdout.split("\n")[0]).toBe("open /etc/greeting: ok: The quick brown fox");
  });

  it("runs on the linux-generic flavour too (getrandom exists there; rseq stays ENOSYS)", () => {
    const r = runExec({
      program: "/bin/hello-dyn",
      args: [],
      profile: getProfile("cascadelake-2022"),
      flavour: "linux-generic",
      root: ROOT,
    });
    expect(r.stdout).toBe(readFileSync(`${FIX}expected/hello-dyn.stdout`, "utf8"));
    expect(r.calls.find((c) => c.name === "getrandom")?.calls).toBe(1);
  });
});
