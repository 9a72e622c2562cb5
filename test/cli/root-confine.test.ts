// Nothing outside --root is readable from the guest: confine (test/fixtures/src/root/confine.c) tries ".." past
// the root, absolute and relative symlinks pointing out of it, ".." through a symlinked directory,
// /proc/self/root and /proc/PID/root, and openat with directory descriptors, from inside test/fixtures/root. The
// recorded output is a real kernel's (Linux 6.x: chroot into the fixture root with /proc mounted); the emulator
// must print it byte for byte on both kernels. On the host, next to the root, test/fixtures/src/hello.c exists
// and /etc/hostname does: every ENOENT below is a file the host has.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const native = readFileSync(`${FIX}expected/confine.musl.stdout`, "utf8");

describe("exec --root: confinement, from a guest program", () => {
  it("the recorded native run tries all four ways out", () => {
    expect(existsSync(`${FIX}src/hello.c`)).toBe(true);
    for (const line of [
      "openat(AT_FDCWD, /../../..): a directory, the root itself",
      "openat(AT_FDCWD, /../src/hello.c): ENOENT",
      "openat(AT_FDCWD, /escape-abs): ENOENT",
      "openat(AT_FDCWD, /etc/greeting-abs): ok: inside the root",
      "openat(AT_FDCWD, /etc/escape-dotdot): ok: inside the root",
      "openat(AT_FDCWD, /lib/../etc/greeting): ENOENT",
      "readlink /proc/self/root: /",
      "openat(AT_FDCWD, /proc/self/root/..): a directory, the root itself",
      "open /proc/PID/root/../..: a directory, the root itself",
      "openat(/etc, ../../..): a directory, the root itself",
      "openat(/proc/self/root, ../../src/hello.c): ENOENT",
      "openat(/lib, ..): a directory, not the root",
      "openat(/etc/greeting, ..): ENOTDIR",
    ])
      expect(native).toContain(`${line}\n`);
  });

  for (const [flavour, pti, profile] of [
    ["linux-3.1", false, "sandybridge-2011"],
    ["linux-generic", false, "cascadelake-2022"],
    ["linux-generic", true, "cascadelake-2022-pti"],
  ] as const)
    it(`${flavour}${pti ? " with PTI" : ""}: the native output byte for byte`, () => {
      const r = runExec({
        program: "/usr/bin/confine",
        args: [],
        root: `${FIX}root`,
        files: [`${FIX}bin/confine.musl:/usr/bin/confine`],
        flavour,
        pti,
        profile: getProfile(profile),
      });
      expect(r.stdout).toBe(native);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
    });
});
