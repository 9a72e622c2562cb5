// issue 15: prototype names (constructor, __proto__, toString) are unknown ids, not JavaScript internals.
import { describe, expect, it } from "vitest";
import { bpfRun } from "../../src/cli/bpf.ts";
import { errnoNumber } from "../../src/kernel/errno-names.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { replayLog } from "../../src/measure/run-replay.ts";
import { resolveTif } from "../../src/measure/run-workload.ts";
import { WORKLOADS } from "../../src/workload/index.ts";
import { parseStrace } from "../../src/workload/strace.ts";

const PROTO = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

describe("prototype names are unknown ids", () => {
  it("TIF names", () => {
    for (const n of PROTO) expect(() => resolveTif(n)).toThrow(`unknown TIF flag '${n}'`);
  });

  it("errno names", () => {
    for (const n of PROTO) expect(errnoNumber(n)).toBeUndefined();
  });

  it("workload names", () => {
    for (const n of PROTO) expect(WORKLOADS.find((w) => w.name === n)).toBeUndefined();
  });

  it("bpf run --arch", () => {
    for (const n of PROTO) {
      const r = bpfRun("examples/bpf/getppid-errno.ddd", { nr: "39", arch: n });
      expect(r.exitCode).toBe(2);
      expect(r.output).toMatch(/^--arch/);
    }
  });

  it("a replayed log naming a call __proto__ or constructor counts it as skipped, by name", () => {
    const log = parseStrace("1 __proto__() = 0\n1 constructor() = 0\n1 getpid() = 1\n1 exit_group(0) = ?\n");
    const r = replayLog(log, { profile: getProfile("sandybridge-2011") });
    expect(Object.getPrototypeOf(r.skipped)).toBe(null);
    expect(Object.entries(r.skipped)).toEqual([
      ["__proto__", 1],
      ["constructor", 1],
    ]);
  });
});
