// The 2011 benchmarks as published: Sowa timed four separate programs under time(1) — getuid, setuid(0), chdir to
// a directory, a 32-byte read of /dev/urandom — at the root and at the first level of the syscalls cgroup, and
// reported the rise in sys time. Here each program is the committed static fixture (test/fixtures/bin/sowa-*, source
// in test/fixtures/src) run as a guest program; sys time is the exact simulated system cycles of all its tasks.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import { execTask } from "../kernel/exec.ts";
import { Machine } from "../kernel/machine.ts";
import { cgroupPathAt, placeTask } from "./compare.ts";
import type { CostProfile } from "./profile.ts";

export const SOWA_BENCHMARKS = [
  { id: "getuid", bin: "sowa-getuid", call: "getuid()" },
  { id: "setuid", bin: "sowa-setuid", call: "setuid(0)" },
  { id: "chdir", bin: "sowa-chdir", call: 'chdir("/tmp")' },
  { id: "read", bin: "sowa-read", call: "read(fd, buf, 32) of /dev/urandom" },
] as const;

export type SowaBenchmarkId = (typeof SOWA_BENCHMARKS)[number]["id"];

/** test/fixtures/bin, found from this file in the source tree and in the built package alike. */
export function fixtureBinDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "test", "fixtures", "bin");
    if (existsSync(join(p, "sowa-getuid.musl"))) return p;
    dir = resolve(dir, "..");
  }
  throw new Error("test/fixtures/bin/sowa-* not found next to the package");
}

/** sys cycles of each benchmark run to the end, one after the other on one machine, each task placed `depth`
 *  levels down in a cgroup that denies reboot(2). */
export function runSowaPrograms(
  programs: readonly { bytes: Uint8Array; argv: string[] }[],
  profile: CostProfile,
  design: string,
  depth: number,
): number[] {
  const machine = Machine.boot({
    costs: profile.costs,
    natives: profile.natives,
    clockHz: profile.clockHz,
    design: getDesign(design),
  });
  const api = new CgroupHostApi(machine);
  return programs.map((p, i) => {
    const task = execTask(machine, { bytes: p.bytes, argv: p.argv, path: p.argv[0]!, envp: [] });
    if (i === 0) placeTask(machine, task, depth, "filtered");
    else if (depth > 0) api.move(task, cgroupPathAt(depth));
    const before = new Set(machine.tasks.filter((t) => t !== task));
    const r = machine.run({ maxInstructions: 200_000_000 });
    if (r.reason !== "exited" || task.exitCode !== 0)
      throw new Error(
        `2011 benchmark ${p.argv[0]} (${design}, depth ${depth}) did not exit cleanly (${r.reason})`,
      );
    let sys = 0;
    for (const t of machine.tasks) if (!before.has(t)) sys += t.acct.sysCycles;
    return sys;
  });
}

export interface SowaRow {
  benchmark: SowaBenchmarkId;
  call: string;
  design: string;
  depth: number;
  /** sys cycles of the whole program with the design and without (none at the same depth) */
  sysCycles: number;
  noneSysCycles: number;
  sysOverheadPct: number;
}

/** Every benchmark × design × depth, each against none (whose cost does not depend on the depth). */
export function sowa2011(
  profile: CostProfile,
  opts: { iterations: number; designs: readonly string[]; depths: readonly number[]; binDir?: string },
): SowaRow[] {
  const dir = opts.binDir ?? fixtureBinDir();
  const programs = SOWA_BENCHMARKS.map((b) => ({
    bytes: new Uint8Array(readFileSync(join(dir, `${b.bin}.musl`))),
    argv: [`/bin/${b.bin}`, String(opts.iterations)],
  }));
  const none = runSowaPrograms(programs, profile, "none", 0);
  const rows: SowaRow[] = [];
  for (const depth of opts.depths) {
    for (const design of opts.designs) {
      const sys = runSowaPrograms(programs, profile, design, depth);
      SOWA_BENCHMARKS.forEach((b, i) => {
        rows.push({
          benchmark: b.id,
          call: b.call,
          design,
          depth,
          sysCycles: sys[i]!,
          noneSysCycles: none[i]!,
          sysOverheadPct: (sys[i]! / none[i]! - 1) * 100,
        });
      });
    }
  }
  return rows;
}
