// Debian 12's busybox (dynamically linked: ld.so, libc.so.6 and libresolv.so.2 from test/fixtures/root) running a
// shell script in the fixture root: a while loop, applets in pipelines, #! scripts run by execve, gzip through
// pipes, a failing applet and a non-zero exit. The recorded output (test/fixtures/expected/busybox-sh.*) is a
// real kernel's: `make -C test/fixtures/src expected-root` runs the same script with chroot into the root.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const script = readFileSync(`${FIX}src/root/busybox.sh`, "utf8");
const read = (ext: string) => readFileSync(`${FIX}expected/busybox-sh.${ext}`, "utf8");

describe("exec --root test/fixtures/root: busybox sh -c", () => {
  for (const [flavour, pti, profile] of [
    ["linux-3.1", false, "sandybridge-2011"],
    ["linux-generic", false, "cascadelake-2022"],
    ["linux-generic", true, "cascadelake-2022-pti"],
  ] as const)
    it(`${flavour}${pti ? " with PTI" : ""}: the native stdout, stderr and status`, {
      timeout: 600_000,
    }, () => {
      const r = runExec({
        program: "/usr/bin/busybox",
        args: ["sh", "-c", script],
        env: ["PATH=/usr/bin:/bin"],
        root: `${FIX}root`,
        flavour,
        pti,
        profile: getProfile(profile),
      });
      expect(r.fault).toBe(null);
      expect(r.stdout).toBe(read("stdout"));
      expect(r.stderr).toBe(read("stderr"));
      expect(r.exitCode).toBe(Number(read("status").trim()));
    });
});
