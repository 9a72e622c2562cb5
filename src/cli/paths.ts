import { getProfile } from "../measure/profile.ts";
import { type RunReport, runWorkload } from "../measure/run-workload.ts";
import { fmtFixed, fmtInt, makeChalk, table } from "./output.ts";

const CASES: { label: string; tif: string[]; path: string }[] = [
  { label: "no flag", tif: [], path: "fast path, SYSRET" },
  { label: "TIF_SYSCALL_AUDIT", tif: ["audit"], path: "auditsys semi-slow path, SYSRET" },
  { label: "TIF_SYSCALL_TRACE", tif: ["trace"], path: "tracesys slow path, IRET" },
];

export const START_COUNT = 10_000;

/** `syscall-lab paths`: the null workload with no flag, the audit flag and the trace flag side by side. */
export function runPaths(json: boolean): string {
  const profile = getProfile("sandybridge-2011");
  const reports: RunReport[] = CASES.map((c) =>
    runWorkload({ workload: "null", count: START_COUNT, profile, tif: c.tif }),
  );
  if (json) return JSON.stringify({ profile: profile.name, count: START_COUNT, runs: reports }, null, 2);
  const ch = makeChalk(false);
  const base = reports[0]!;
  const ns = (cycles: number) => (cycles / profile.clockHz) * 1e9;
  const rows = reports.map((r, i) => {
    const c = CASES[i]!;
    const loop = r.calls.find((x) => x.name === "getppid")!;
    return [
      c.label,
      fmtFixed(r.cyclesPerCall),
      i === 0 ? "—" : `+${fmtFixed((r.cyclesPerCall / base.cyclesPerCall - 1) * 100)} %`,
      fmtFixed(ns(r.cyclesPerCall)),
      fmtFixed(loop.instret / loop.calls),
      `${fmtInt(r.paths.fast)}/${fmtInt(r.paths.audit)}/${fmtInt(r.paths.trace)}`,
      `${fmtInt(r.paths.sysret)}/${fmtInt(r.paths.iret)}`,
      c.path,
    ];
  });
  return [
    `${ch.bold("syscall-lab")}: getppid() × ${fmtInt(START_COUNT)} through the Linux 3.1 entry path, profile ${profile.name}`,
    table(
      [
        "task flags",
        "cycles/call",
        "vs no flag",
        "ns/call",
        "instructions/call",
        "fast/audit/trace",
        "SYSRET/IRET",
        "path taken",
      ],
      rows,
      ["left", "right", "right", "right", "right", "right", "right", "left"],
    ),
    `cycles/call: the SYSCALL instruction and every kernel instruction up to and including SYSRET/IRETQ, at ${fmtFixed(profile.clockHz / 1e9, 1)} GHz.`,
    "Exact simulated cycles: identical on every run and every host. Path counts include the final exit_group.",
    "Next: syscall-lab trace --workload null --tif audit   (every kernel instruction of one call)",
  ].join("\n");
}
