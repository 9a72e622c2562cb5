// The pthreads fixture (4 threads, a mutex, a condition variable, a barrier), glibc 2.36 and musl builds, under
// `exec` on 1 and 2 emulated CPUs: the native output, and the same cycles when run again.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { getProfile } from "../../src/measure/profile.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const profile = getProfile("sandybridge-2011");

const exec = (bin: string, cpus: number) => runExec({ program: `${FIX}bin/${bin}`, args: [], profile, cpus });

describe("exec: the pthreads fixture prints what it prints natively", () => {
  for (const bin of ["pthreads", "pthreads.musl"]) {
    for (const cpus of [1, 2]) {
      it(`${bin} on ${cpus} CPU${cpus === 1 ? "" : "s"}`, () => {
        const r = exec(bin, cpus);
        const read = (ext: string) => readFileSync(`${FIX}expected/${bin}.${ext}`, "utf8");
        expect(r.stdout).toBe(read("stdout"));
        expect(r.stderr).toBe(read("stderr"));
        expect(r.signal).toBeNull();
        expect(r.exitCode).toBe(Number(read("status").trim()));
        expect(r.tasks).toBe(1);
        expect(r.threads).toBe(5);
        expect(r.cpus).toBe(cpus);
        const calls = new Map(r.calls.map((c) => [c.name, c.calls]));
        expect(calls.get("clone")).toBe(4);
        expect(calls.get("exit")).toBe(4); // each thread's own exit; exit_group once, by main
        expect(calls.get("exit_group")).toBe(1);
        expect(calls.get("futex")).toBeGreaterThan(0);
      });
    }
  }

  for (const bin of ["pthreads-tsync", "pthreads-tsync.musl"]) {
    it(`${bin}: TSYNC and per-thread seccomp filters as on Linux (linux-generic, 2 CPUs)`, () => {
      const r = runExec({
        program: `${FIX}bin/${bin}`,
        args: [],
        profile: getProfile("cascadelake-2022"),
        flavour: "linux-generic",
        cpus: 2,
      });
      const read = (ext: string) => readFileSync(`${FIX}expected/${bin}.${ext}`, "utf8");
      expect(r.stdout).toBe(read("stdout"));
      expect(r.exitCode).toBe(Number(read("status").trim()));
      expect(r.threads).toBe(2);
    });
  }

  it("runs again with the same cycles, instructions and calls (2 CPUs, glibc)", () => {
    const a = exec("pthreads", 2);
    const b = exec("pthreads", 2);
    expect(b.userCycles).toBe(a.userCycles);
    expect(b.sysCycles).toBe(a.sysCycles);
    expect(b.instructions).toBe(a.instructions);
    expect(b.calls).toEqual(a.calls);
  });
});
