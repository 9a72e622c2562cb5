// `replay` and `script` on the modern kernel model (--flavour linux-generic, with and without --pti).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runReplay } from "../../src/cli/replay.ts";
import { runScript } from "../../src/cli/script.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { replayLog } from "../../src/measure/run-replay.ts";
import { parseStrace } from "../../src/workload/strace.ts";

const STRACE = new URL("../fixtures/strace/", import.meta.url).pathname;
const SCRIPTS = new URL("../../examples/scripts/", import.meta.url).pathname;
const CL = getProfile("cascadelake-2022");
const CLP = getProfile("cascadelake-2022-pti");

describe("replay --flavour linux-generic", () => {
  for (const log of ["ls", "fork", "pipe", "signal", "bracket", "edge"]) {
    it(`${log}.log: every recorded call is served in step, every task exits 0, PTI costs more`, () => {
      const parsed = parseStrace(readFileSync(`${STRACE}${log}.log`));
      const off = replayLog(parsed, { profile: CL, flavour: "linux-generic" });
      const on = replayLog(parsed, { profile: CLP, flavour: "linux-generic", pti: true });
      for (const r of [off, on]) {
        expect(r.flavour).toBe("linux-generic");
        expect(r.mismatches).toBe(0);
        expect(r.replayedCalls).toBeGreaterThan(0);
        expect(r.tasks.every((t) => t.exitCode === 0)).toBe(true);
      }
      expect(on.pti).toBe(true);
      expect(on.callSysCycles).toBeGreaterThan(off.callSysCycles);
    });
  }
  it("says which kernel it ran; a design with 3.1 entry code and --pti on 3.1 are errors (exit 2)", () => {
    const r = runReplay(`${STRACE}fork.log`, {
      profile: CL,
      flavour: "linux-generic",
      design: "seccomp-bpf",
    });
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(
      /^design seccomp-bpf, profile cascadelake-2022, kernel linux-generic, gaps off$/m,
    );
    const bad = runReplay(`${STRACE}fork.log`, {
      profile: CL,
      flavour: "linux-generic",
      design: "cgroup-sowa",
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/design cgroup-sowa cannot be built into linux-generic/);
    expect(runReplay(`${STRACE}fork.log`, { profile: CL, pti: true }).exitCode).toBe(2);
  });
});

describe("script --flavour linux-generic", () => {
  it("runs a scenario with the same results as on 3.1 (design none), and says which kernel", () => {
    const text = readFileSync(`${SCRIPTS}fork-and-move.scen`, "utf8");
    const old = runScript(text, { design: "none" });
    const gen = runScript(text, { design: "none", flavour: "linux-generic", pti: true });
    expect(gen.output.split("\n")[0]).toMatch(/design none, kernel linux-generic with PTI, denied calls/);
    expect(gen.output.split("\n").slice(1)).toEqual(old.output.split("\n").slice(1));
  });
  it("the 5.x table is longer: number 310 can be denied there (3.1: ERANGE)", () => {
    const text = "mkdir /a\nwrite /a/syscalls.deny 310\n";
    expect(runScript(text, { design: "none" }).output).toMatch(/310\s+ERANGE/);
    expect(runScript(text, { design: "none", flavour: "linux-generic" }).output).toMatch(/310\s+ok/);
  });
  it("a design with 3.1 entry code is a usage error (exit 2, nothing runs)", () => {
    const r = runScript("mkdir /a\n", { design: "cgroup-composed", flavour: "linux-generic" });
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/cannot be built into linux-generic/);
  });
});
