import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultEngine, setDefaultEngine } from "../../src/cpu/jit/engine.ts";
import { getProfile } from "../../src/measure/profile.ts";
import {
  designSha256,
  environment,
  profileSha256,
  sha256,
  toolVersion,
} from "../../src/measure/provenance.ts";

describe("provenance", () => {
  it("the version is package.json's; a built-in design has no file hash; a design file's is its bytes'", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(toolVersion()).toBe(pkg.version);
    expect(designSha256("cgroup-walk")).toBeNull();
    const f = join(mkdtempSync(join(tmpdir(), "prov-")), "d.ts");
    writeFileSync(f, "export default 1;\n");
    expect(designSha256(f)).toBe(sha256("export default 1;\n"));
  });

  it("a profile's hash is over its resolved spec: stable, and different for another profile", () => {
    const a = profileSha256(getProfile("sandybridge-2011"));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(profileSha256(getProfile("sandybridge-2011"))).toBe(a);
    expect(profileSha256(getProfile("cascadelake-2022"))).not.toBe(a);
  });

  it("the environment names the tool, runtime and host", () => {
    const e = environment();
    expect(e).toMatchObject({ tool: "syscall-lab", version: toolVersion(), node: process.version });
    expect(typeof e.host).toBe("string");
    expect(e.engine).toBe(defaultEngine());
  });

  it("records the engine the run was set to", () => {
    const before = defaultEngine();
    try {
      setDefaultEngine("interp");
      expect(environment().engine).toBe("interp");
      setDefaultEngine("jit");
      expect(environment().engine).toBe("jit");
    } finally {
      setDefaultEngine(before);
    }
  });
});
