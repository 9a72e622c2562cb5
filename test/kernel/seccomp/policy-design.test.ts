// seccomp-policy:NAME as a design on a running kernel (exec of the sowa-setuid fixture, which calls setuid(0) N
// times and counts failures): the policy binds tasks outside the root cgroup only; browser-like denies setuid,
// Docker's default allows it; exec --policy gives a cgroup design the same allow set through cgroupfs.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveDesign } from "../../../src/cli/design-loader.ts";
import { runExec } from "../../../src/cli/exec.ts";
import { UsageError } from "../../../src/cli/output.ts";
import { getProfile } from "../../../src/measure/profile.ts";

const SETUID = fileURLToPath(new URL("../../fixtures/bin/sowa-setuid", import.meta.url));
const profile = getProfile("sandybridge-2011");
const run = (o: { design?: string; cgroup?: string; policy?: string; deny?: string[] }) =>
  runExec({ program: SETUID, args: ["10"], profile, deniedErrno: 1, ...o });

describe("seccomp-policy designs", () => {
  it("binds a task outside the root cgroup: browser-like denies setuid, Docker's default allows it", async () => {
    for (const name of ["browser-like", "docker-default", "systemd-system-service"])
      expect((await resolveDesign(`seccomp-policy:${name}`)).sha256).toMatch(/^[0-9a-f]{64}$/);
    const browser = run({ design: "seccomp-policy:browser-like", cgroup: "/app" });
    expect(browser.stdout).toBe("setuid(0) x 10, 10 failed\n");
    expect(browser.exitCode).toBe(1);
    const docker = run({ design: "seccomp-policy:docker-default", cgroup: "/app" });
    expect(docker.stdout).toBe("setuid(0) x 10, 0 failed\n");
    // systemd's @system-service has @setuid
    expect(run({ design: "seccomp-policy:systemd-system-service", cgroup: "/app" }).stdout).toBe(
      "setuid(0) x 10, 0 failed\n",
    );
    // in the root cgroup the task is not confined, and takes the fast path
    const root = run({ design: "seccomp-policy:browser-like" });
    expect(root.stdout).toBe("setuid(0) x 10, 0 failed\n");
    expect(browser.sysCycles).toBeGreaterThan(root.sysCycles);
    // what a cgroup denies through syscalls.deny is denied too: in the root cgroup, and on top of the policy
    const denyRoot = { design: "seccomp-policy:docker-default", cgroup: "/", deny: ["setuid"] };
    expect(run(denyRoot).stdout).toBe("setuid(0) x 10, 10 failed\n");
    expect(run({ ...denyRoot, cgroup: "/app" }).stdout).toBe("setuid(0) x 10, 10 failed\n");
  });

  it("gives a cgroup design the policy's allow set through cgroupfs, argument-checked calls allowed", () => {
    const r = run({ design: "cgroup-composed", cgroup: "/app", policy: "browser-like" });
    expect(r.stdout).toBe("setuid(0) x 10, 10 failed\n");
    expect(r.policy).toMatchObject({ spec: "browser-like", denied: 217 });
    expect(r.policy!.conditional).toEqual(expect.arrayContaining(["mmap", "futex", "clone"]));
    expect(run({ design: "cgroup-composed", cgroup: "/app", policy: "docker-default" }).stdout).toBe(
      "setuid(0) x 10, 0 failed\n",
    );
  });

  it("refuses bad policy specs with usage errors", async () => {
    expect(() => run({ design: "cgroup-composed", policy: "browser-like" })).toThrow(
      "--policy needs --cgroup",
    );
    expect(() => run({ design: "cgroup-composed", cgroup: "/app", policy: "nope" })).toThrow(
      '--policy: seccomp-policy:nope: unknown policy "nope"',
    );
    await expect(resolveDesign("seccomp-policy:./no-such.policy")).rejects.toThrow(UsageError);
    await expect(resolveDesign("seccomp-policy:./x.ts")).rejects.toThrow("a policy is data");
  });
});
