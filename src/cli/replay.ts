// `syscall-lab replay TRACE [--design D] [--gaps] [--cgroup-deny N,…] [--json]`: a recorded strace log replayed
// through the entry path and a design, with the design's overhead on that program's syscall mix. docs/replay.md.
import { designIds } from "../cgroup/designs/index.ts";
import { GuestLimitError } from "../kernel/guest-limits.ts";
import { straceSyscallNumber } from "../kernel/syscall-names-x86_64.ts";
import { flavourBlocks } from "../measure/compare.ts";
import {
  INPUT_LIMITS,
  InputFileError,
  type LineReader,
  linesOfText,
  openInputLines,
  readInputFile,
} from "../measure/input-file.ts";
import type { CostProfile } from "../measure/profile.ts";
import { replayStream, summarizeStrace } from "../measure/replay-stream.ts";
import { planReplay, type ReplayReport, replayLog } from "../measure/run-replay.ts";
import { GAP_CAP_INSTRUCTIONS } from "../workload/replay.ts";
import { DEFAULT_MAX_LINE_LENGTH, parseStrace } from "../workload/strace.ts";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
import { fmtFixed, fmtInt, table } from "./output.ts";

export interface ReplayCliOptions {
  /** design id, default none */
  design?: string;
  profile: CostProfile;
  gaps?: boolean;
  /** most user instructions per gap (default GAP_CAP_INSTRUCTIONS) */
  gapCap?: number;
  /** `N,…`: x86_64 numbers or names the replayed tasks' cgroup denies */
  cgroupDeny?: string;
  /** what a denied call returns (positive errno), default ENOSYS */
  deniedErrno?: number;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: "linux-3.1" | "linux-generic";
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
  json?: boolean;
}

export interface ReplayCommandResult {
  output: string;
  /** 0 replayed; 2 unreadable file, empty trace, no parseable call, bad option */
  exitCode: number;
}

export interface ReplayComparison {
  /** (design's replayed-call sys cycles / none's − 1) × 100 */
  sysOverheadPct: number;
  /** (design's user + sys cycles of every task / none's − 1) × 100 */
  totalOverheadPct: number;
  /** extra round-trip cycles per replayed call */
  extraCyclesPerCall: number;
}

/** How many unparsed lines the text output lists. */
export const UNPARSED_LISTED = 10;

const fail = (output: string): ReplayCommandResult => ({ output, exitCode: EXIT_USAGE });

export function parseDenyList(spec: string): number[] {
  const out: number[] = [];
  for (const item of spec.split(",").map((s) => s.trim())) {
    if (item === "") continue;
    const nr = /^\d+$/.test(item) ? Number(item) : straceSyscallNumber(item);
    if (nr < 0) throw new Error(`--cgroup-deny: '${item}' is neither a number nor an x86_64 syscall name`);
    out.push(nr);
  }
  if (out.length === 0) throw new Error("--cgroup-deny: empty list");
  return out;
}

const pct = (n: number) => `${n > 0 ? "+" : ""}${fmtFixed(n, 2)} %`;

export function compareReplays(base: ReplayReport, d: ReplayReport): ReplayComparison {
  const rel = (a: number, b: number) => (b === 0 ? 0 : (a / b - 1) * 100);
  const calls = base.replayedCalls;
  return {
    sysOverheadPct: rel(d.callSysCycles, base.callSysCycles),
    totalOverheadPct: rel(d.totalCycles, base.totalCycles),
    extraCyclesPerCall: calls === 0 ? 0 : (d.callCycles - base.callCycles) / calls,
  };
}

function render(
  file: string,
  r: ReplayReport,
  base: ReplayReport | null,
  cmp: ReplayComparison | null,
): string {
  const out: string[] = [];
  out.push(
    `replay ${file}: ${r.processes} process${r.processes === 1 ? "" : "es"}, ${fmtInt(r.parsedCalls)} calls parsed, ` +
      `${fmtInt(r.replayedCalls)} replayed, ${fmtInt(r.skippedCalls)} skipped (unknown name), ` +
      `${fmtInt(r.unparsedCount)} unparsed line${r.unparsedCount === 1 ? "" : "s"}`,
  );
  out.push(
    `design ${r.design}, profile ${r.profile}${r.flavour === "linux-3.1" ? "" : `, kernel ${r.flavour}${r.pti ? " with PTI" : ""}`}, gaps ${r.gaps.enabled ? `on (${fmtInt(r.gaps.instructions)} user instructions, ${fmtInt(r.gaps.capped)} gaps capped at ${fmtInt(r.gaps.capInstructions)}${r.gaps.relativeTimes ? ", -r times summed" : ""})` : "off"}`,
  );
  if (r.skippedCalls > 0)
    out.push(
      `skipped: ${Object.entries(r.skipped)
        .map(([n, c]) => `${n} ×${c}`)
        .join(", ")}`,
    );
  if (r.unparsedCount > 0) {
    out.push(`unparsed lines${r.unparsedCount > UNPARSED_LISTED ? ` (first ${UNPARSED_LISTED})` : ""}:`);
    for (const u of r.unparsed.slice(0, UNPARSED_LISTED)) {
      const text = u.text.length > 60 ? `${u.text.slice(0, 60)}…` : u.text;
      out.push(`  line ${u.line}: ${u.reason}: ${text}`);
    }
  }
  const baseRow = new Map(base?.calls.map((c) => [c.nr, c]) ?? []);
  const head = ["syscall", "nr", "calls", "cycles/call", "sys cycles/call"];
  if (base !== null) head.push("none cycles/call", "extra/call");
  out.push(
    table(
      head,
      r.calls.map((c) => {
        const row = [
          c.name,
          String(c.nr),
          fmtInt(c.calls),
          fmtFixed(c.cycles / c.calls),
          fmtFixed(c.sysCycles / c.calls),
        ];
        const b = baseRow.get(c.nr);
        if (base !== null)
          row.push(
            b === undefined ? "—" : fmtFixed(b.cycles / b.calls),
            b === undefined ? "—" : fmtFixed((c.cycles - b.cycles) / c.calls),
          );
        return row;
      }),
    ),
  );
  out.push(
    table(
      [
        "totals",
        "replayed calls: cycles",
        "sys cycles",
        "tasks: user cycles",
        "sys cycles",
        "user + sys",
        "switches",
      ],
      [
        [
          "",
          fmtInt(r.callCycles),
          fmtInt(r.callSysCycles),
          fmtInt(r.userCycles),
          fmtInt(r.sysCycles),
          fmtInt(r.totalCycles),
          fmtInt(r.contextSwitches),
        ],
      ],
    ),
  );
  out.push(
    "cycles/call = the SYSCALL instruction + every kernel instruction up to the return, the modelled body included; task totals add each task's own final exit_group.",
  );
  if (r.cgroupDeny.length > 0)
    out.push(
      `cgroup /replay denies ${r.cgroupDeny.join(", ")}: ${fmtInt(r.denied)} recorded call${r.denied === 1 ? "" : "s"} denied (they returned -errno instead of the recorded result)`,
    );
  if (cmp !== null && base !== null)
    out.push(
      `${r.design} against none on this syscall mix: sys ${pct(cmp.sysOverheadPct)}, total ${pct(cmp.totalOverheadPct)}, ${cmp.extraCyclesPerCall >= 0 ? "+" : ""}${fmtFixed(cmp.extraCyclesPerCall)} cycles per call`,
    );
  if (r.mismatches > 0)
    out.push(`warning: ${r.mismatches} calls reached the replay out of step with the trace`);
  return out.join("\n");
}

/** Replays `file`; never throws for bad input: errors are one line with exit code 2. */
export function runReplay(file: string, o: ReplayCliOptions): ReplayCommandResult {
  const design = o.design ?? "none";
  const flavour = o.flavour ?? "linux-3.1";
  const gaps = o.gaps === true;
  // --gaps needs every timestamp before the first call runs: the whole log in memory; else the log is streamed
  let bytes: Uint8Array | null = null;
  let open: () => LineReader;
  try {
    if (gaps || file === "-") {
      bytes = readInputFile(file, { what: "strace log", maxBytes: INPUT_LIMITS.trace, allowStdin: true });
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      open = () => linesOfText(text);
    } else {
      const o2 = {
        what: "strace log",
        maxBytes: INPUT_LIMITS.traceStream,
        maxLineLength: DEFAULT_MAX_LINE_LENGTH,
      };
      open = () => openInputLines(file, o2);
      open().close(); // the file's checks before anything else
    }
  } catch (e) {
    if (e instanceof InputFileError) return fail(e.message);
    throw e;
  }
  if (!designIds().includes(design))
    return fail(`unknown design '${design}' (known: ${designIds().join(", ")})`);
  if (o.pti === true && flavour !== "linux-generic") return fail("--pti needs --flavour linux-generic");
  const blocked = flavourBlocks(design, flavour);
  if (blocked !== null) return fail(`design ${design} cannot be built into ${flavour}: ${blocked}`);
  let deny: number[] = [];
  try {
    if (o.cgroupDeny !== undefined) deny = parseDenyList(o.cgroupDeny);
  } catch (e) {
    return fail((e as Error).message);
  }
  let run: (d: string, withDeny: boolean) => ReplayReport;
  let spill: { close(): void } | null = null; // the parsed calls, read back by each run (closed at the end)
  try {
    if (gaps) {
      const log = parseStrace(bytes!);
      if (
        log.calls.length === 0 &&
        log.unparsed.length === 0 &&
        log.events.length === 0 &&
        log.messages.length === 0
      )
        return fail(`${file}: empty trace`);
      if (log.calls.length === 0)
        return fail(`${file}: no parseable syscall (${log.unparsed.length} unparsed lines)`);
      const plan = planReplay(log, o.profile, gaps, o.gapCap ?? GAP_CAP_INSTRUCTIONS);
      if (plan.replayedCalls === 0)
        return fail(`${file}: no replayable syscall (every parsed call has an unknown name)`);
      run = (d, withDeny) =>
        replayLog(log, {
          profile: o.profile,
          design: d,
          gaps,
          plan,
          ...(withDeny ? { cgroupDeny: deny } : {}),
          ...(o.deniedErrno !== undefined ? { deniedErrno: o.deniedErrno } : {}),
          flavour,
          pti: o.pti === true,
        });
    } else {
      const sum = summarizeStrace(open(), { spill: true });
      spill = sum.spill;
      if (sum.replayedCalls === 0) sum.spill?.close(); // every case below that returns
      if (sum.parsedCalls === 0 && sum.unparsedCount === 0 && sum.events === 0 && sum.messages === 0)
        return fail(`${file}: empty trace`);
      if (sum.parsedCalls === 0)
        return fail(`${file}: no parseable syscall (${sum.unparsedCount} unparsed lines)`);
      if (sum.replayedCalls === 0)
        return fail(`${file}: no replayable syscall (every parsed call has an unknown name)`);
      run = (d, withDeny) =>
        replayStream(sum, sum.spill !== null ? null : open(), {
          profile: o.profile,
          design: d,
          ...(withDeny ? { cgroupDeny: deny } : {}),
          ...(o.deniedErrno !== undefined ? { deniedErrno: o.deniedErrno } : {}),
          flavour,
          pti: o.pti === true,
        });
    }
  } catch (e) {
    if (e instanceof InputFileError) return fail(e.message);
    throw e;
  }
  let report: ReplayReport;
  let base: ReplayReport | null = null;
  try {
    report = run(design, true);
    if (design !== "none") base = run("none", false);
  } catch (e) {
    if (e instanceof GuestLimitError) throw e; // exit 124/125 with its own message
    return fail(`${file}: ${(e as Error).message}`);
  } finally {
    spill?.close();
  }
  const cmp = base !== null ? compareReplays(base, report) : null;
  if (o.json)
    return {
      output: JSON.stringify({ trace: file, report, baseline: base, comparison: cmp }, null, 2),
      exitCode: EXIT_OK,
    };
  return { output: render(file, report, base, cmp), exitCode: EXIT_OK };
}
