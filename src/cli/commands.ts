// Every command's module is imported inside its action, so `--help` and `--version` load none of the emulator,
// the assembler (iced-x86) or the figure code (vega).
import type { Command } from "commander";
import type { FilterMode } from "../measure/compare.ts";
import type { CostProfile } from "../measure/profile.ts";
import { WORKLOAD_NAMES } from "../workload/names.ts";
import type { BpfCommandResult } from "./bpf.ts";
import { addGuestLimitOptions, applyGuestLimitOptions, pointLimitsOf } from "./guest-limit-options.ts";
import { parseNonNegativeInt, parsePositiveInt, UsageError } from "./output.ts";

const WORKLOAD_LIST = WORKLOAD_NAMES.join(", ");

import { exitForSignal } from "./exit-codes.ts";
import { registerTrace } from "./trace-command.ts";
import { registerWeb } from "./web.ts";

/** `--flavour`: the entry code the kernel is built with. */
function parseFlavour(v: string): "linux-3.1" | "linux-generic" {
  if (v === "linux-3.1" || v === "linux-generic") return v;
  throw new Error(`unknown flavour '${v}' (known: linux-3.1, linux-generic)`);
}

/** `--profile` takes a built-in name or a path to a JSON profile. */
export async function resolveProfile(nameOrPath: string): Promise<CostProfile> {
  const { getProfile } = await import("../measure/profile.ts");
  const { loadProfileFile } = await import("../measure/profile-file.ts");
  try {
    if (nameOrPath.endsWith(".json") || nameOrPath.includes("/")) return loadProfileFile(nameOrPath);
    return getProfile(nameOrPath);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs `fn`, turning a bad-name error from the model (unknown workload, TIF flag) into a usage error. */
export function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /^unknown /.test(e.message)) throw new UsageError(e.message);
    throw e;
  }
}

interface ExecCliOptions {
  design: string;
  cgroup?: string;
  deny?: string;
  policy?: string;
  errno: string;
  file: string[];
  stdin?: string;
  root?: string;
  env: string[];
  profile?: string;
  flavour: string;
  pti?: boolean;
  argv0?: string;
  json?: boolean;
  cpus?: string;
}

/** The default profile of a kernel flavour: sandybridge-2011 for linux-3.1, cascadelake-2022[-pti] otherwise. */
function defaultProfile(flavour: "linux-3.1" | "linux-generic", pti: boolean): string {
  if (flavour === "linux-3.1") return "sandybridge-2011";
  return pti ? "cascadelake-2022-pti" : "cascadelake-2022";
}

/** A repeatable option's values. */
function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function print(s: string): void {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
}

export function registerCommands(program: Command): void {
  program.hook("preAction", (_program, action) => applyGuestLimitOptions(action.opts()));
  addGuestLimitOptions(program.command("start", { hidden: true }))
    .description("the default job: the 2011 reproduction (every design, depths 0-3, and the thread's claims)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { runStart2011 } = await import("./start.ts");
      print(runStart2011({ json: o.json === true }));
    });

  addGuestLimitOptions(program.command("compare"))
    .description(
      "each filter design at each cgroup depth, for a filtered and an unfiltered task, against none",
    )
    .option(
      "-d, --designs <list>",
      "comma-separated design ids or design files (./my-design.ts), or all",
      "all",
    )
    .option("--depth <spec>", "cgroup depths: N, A..B or a list", "0..3")
    .option("-w, --workload <name>", `workload: ${WORKLOAD_LIST}`, "sowa-micro")
    .option("-n, --count <n>", "loop iterations", "1000")
    .option("--filtered", "only a task whose cgroup denies something")
    .option("--unfiltered", "only a task whose cgroup denies nothing")
    .option("--both", "both (the default)")
    .option("--errno <name>", "what a denied call returns: ENOSYS or EPERM", "ENOSYS")
    .option(
      "-p, --profile <name|file>",
      "cost profile (default sandybridge-2011; cascadelake-2022[-pti] on linux-generic)",
    )
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--json", "print JSON")
    .action(
      async (o: {
        designs: string;
        depth: string;
        workload: string;
        count: string;
        filtered?: boolean;
        unfiltered?: boolean;
        both?: boolean;
        errno: string;
        profile?: string;
        flavour: string;
        pti?: boolean;
        json?: boolean;
      }) => {
        const flavour = usage(() => parseFlavour(o.flavour));
        if (o.pti && flavour !== "linux-generic") throw new UsageError("--pti needs --flavour linux-generic");
        const profileName =
          o.profile ??
          (flavour === "linux-generic"
            ? o.pti
              ? "cascadelake-2022-pti"
              : "cascadelake-2022"
            : "sandybridge-2011");
        const modes: FilterMode[] =
          o.both || o.filtered === o.unfiltered
            ? ["filtered", "unfiltered"]
            : o.filtered
              ? ["filtered"]
              : ["unfiltered"];
        const errno = { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
        if (errno === undefined) throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
        const { runCompare } = await import("./compare.ts");
        const { resolveDesignList } = await import("./design-loader.ts");
        const designs = (await resolveDesignList(o.designs)).map((d) => d.id).join(",");
        const profile = await resolveProfile(profileName);
        print(
          usage(() =>
            runCompare(
              {
                designs,
                depth: o.depth,
                workload: o.workload,
                count: parsePositiveInt("--count", o.count, 1_000_000),
                modes,
                profile,
                deniedErrno: errno,
                flavour,
                pti: o.pti === true,
              },
              o.json === true,
            ),
          ),
        );
      },
    );

  addGuestLimitOptions(program.command("paths"))
    .description("the null workload with no TIF flag, the audit flag and the trace flag side by side")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { runPaths } = await import("./paths.ts");
      print(runPaths(o.json === true));
    });

  addGuestLimitOptions(program.command("sweep"), "point")
    .description("run every point of an experiment file in parallel; resumable (docs/researchers.md)")
    .argument("<file>", "experiment JSON (experiments/*.json)")
    .requiredOption("-o, --out <dir>", "output directory (results.jsonl, results.csv, summary.json)")
    .option("-j, --jobs <n>", "worker threads (default and cap: the available CPUs)")
    .option("--shard <k/n>", "run the k-th of n deterministic slices of the points (merge with report)")
    .option("--max-points <n>", "stop after starting this many points (resume later)")
    .option("--json", "print the summary as JSON")
    .action(
      async (
        file: string,
        o: {
          out: string;
          jobs?: string;
          shard?: string;
          maxPoints?: string;
          json?: boolean;
          maxInsns?: string;
          timeout?: string;
          memory?: string;
        },
      ) => {
        // loaded on use: the sweep and report modules pull in worker threads, vega and resvg
        const { runSweepCommand } = await import("./sweep.ts");
        const { parseShard } = await import("../measure/sweep-shard.ts");
        const shard = o.shard === undefined ? undefined : parseShard(o.shard);
        if (typeof shard === "string") throw new UsageError(shard);
        const r = await runSweepCommand({
          file,
          outDir: o.out,
          json: o.json === true,
          ...(shard !== undefined ? { shard } : {}),
          ...(o.jobs !== undefined ? { jobs: parsePositiveInt("--jobs", o.jobs, 4096) } : {}),
          ...(o.maxPoints !== undefined ? { maxPoints: parsePositiveInt("--max-points", o.maxPoints) } : {}),
          limits: pointLimitsOf(o),
        });
        print(r.output);
        process.exitCode = r.exitCode;
      },
    );

  program
    .command("report")
    .description(
      "tables, a Markdown report and SVG/PNG/PDF figures from one sweep's results, or several merged",
    )
    .argument("<dirs...>", "sweep output directories (several: shards or sweeps to merge; needs -o)")
    .option("-o, --out <dir>", "where report.md and the figures go (default: the sweep directory)")
    .option("--no-figures", "tables only")
    .option("--format <list>", "figure formats, comma-separated: svg, png, pdf", "svg,png,pdf")
    .option("--width <px>", "width of one panel's plot", "300")
    .option("--height <px>", "height of one panel's plot", "220")
    .option("--columns <n>", "wrap every panel into a grid of n columns (default: one column per mode)")
    .option(
      "--y-scale <scale>",
      "auto (symmetric log when values span more than 20x), linear or symlog",
      "auto",
    )
    .option("--json", "print the report data as JSON")
    .action(
      async (
        dirs: string[],
        o: {
          out?: string;
          figures: boolean;
          json?: boolean;
          format: string;
          width: string;
          height: string;
          columns?: string;
          yScale: string;
        },
      ) => {
        const { runReportCommand } = await import("./report.ts");
        const formats = o.format.split(",").map((f) => f.trim());
        for (const f of formats)
          if (f !== "svg" && f !== "png" && f !== "pdf")
            throw new UsageError(`--format: unknown format '${f}' (known: svg, png, pdf)`);
        if (o.yScale !== "auto" && o.yScale !== "linear" && o.yScale !== "symlog")
          throw new UsageError(`--y-scale must be auto, linear or symlog, got '${o.yScale}'`);
        if (dirs.length > 1 && o.out === undefined)
          throw new UsageError("report: merging several directories needs -o OUT (a new directory)");
        const r = await runReportCommand({
          dirs,
          outDir: o.out ?? dirs[0]!,
          figures: o.figures,
          json: o.json === true,
          formats: formats as ("svg" | "png" | "pdf")[],
          width: parsePositiveInt("--width", o.width, 4000),
          height: parsePositiveInt("--height", o.height, 4000),
          ...(o.columns !== undefined ? { columns: parsePositiveInt("--columns", o.columns, 64) } : {}),
          yScale: o.yScale,
        });
        print(r.output);
        process.exitCode = r.exitCode;
      },
    );

  addGuestLimitOptions(program.command("validate"))
    .description("the model next to the published syscall, seccomp, audit, ptrace and PTI figures")
    .option("--json", "print JSON")
    .option(
      "--real",
      "the model next to real-kernel measurements of the native probe (captured by calibrate)",
    )
    .option(
      "--real-data <file>",
      "real-kernel data (default: the capture committed in test/fixtures/real-kernel)",
    )
    .option("-p, --profile <name|file>", "cost profile for --real", "cascadelake-2022")
    .action(async (o: { json?: boolean; real?: boolean; realData?: string; profile: string }) => {
      const { defaultCapturePath, loadCapture, runValidate, runValidateReal } = await import("./validate.ts");
      if (o.real !== true) {
        if (o.realData !== undefined) throw new UsageError("--real-data needs --real");
        print(runValidate(o.json === true));
        return;
      }
      const capture = loadCapture(o.realData ?? defaultCapturePath());
      print(runValidateReal(capture, await resolveProfile(o.profile), o.json === true));
    });

  program
    .command("calibrate")
    .description(
      "measure this host's primitives with a native probe (needs a C compiler; exit 2 without one) and write a calibrated profile",
    )
    .option("-o, --out <dir>", "where to write calibrated.profile.json and real.json", "calibration")
    .option(
      "--from <real.json>",
      "measure nothing: rebuild calibrated.profile.json from a capture calibrate wrote before",
    )
    .action(async (o: { out: string; from?: string }) => {
      const { runCalibrate, runCalibrateFrom } = await import("./calibrate.ts");
      if (o.from !== undefined) {
        const { loadCapture } = await import("./validate.ts");
        print(runCalibrateFrom(loadCapture(o.from), o.from, o.out).message);
        return;
      }
      const r = runCalibrate(o.out, (line) => process.stderr.write(`${line}\n`));
      if (r.exitCode === 0) print(r.message);
      else process.stderr.write(`${r.message}\n`);
      process.exitCode = r.exitCode;
    });

  addGuestLimitOptions(program.command("check"))
    .description("the overhead regression gate: exact cycles per syscall of every design against a baseline")
    .option("-b, --baseline <file>", "baseline JSON", "bench/baseline.json")
    .option("-t, --tolerance <pct>", "allowed rise in cycles per syscall, %", "0")
    .option("--update-baseline", "rewrite the baseline with the current figures")
    .option("-p, --profile <name|file>", "cost profile", "sandybridge-2011")
    .option(
      "-d, --designs <list>",
      "comma-separated design ids or design files (./my-design.ts), or all",
      "all",
    )
    .option(
      "--format <fmt>",
      "text, json or github (annotations, and a job summary in $GITHUB_STEP_SUMMARY)",
      "text",
    )
    .option("--junit <file>", "also write the result as JUnit XML")
    .option("--json", "print JSON (same as --format json)")
    .action(
      async (o: {
        baseline: string;
        tolerance: string;
        updateBaseline?: boolean;
        profile: string;
        designs: string;
        format: string;
        junit?: string;
        json?: boolean;
      }) => {
        const tol = Number(o.tolerance);
        if (!/^\d+(\.\d+)?$/.test(o.tolerance))
          throw new UsageError(`--tolerance must be a percentage, got '${o.tolerance}'`);
        const format = o.json === true ? "json" : o.format;
        if (format !== "text" && format !== "json" && format !== "github")
          throw new UsageError(`--format must be text, json or github, got '${o.format}'`);
        const { preflightBaseline, runCheck } = await import("./check.ts");
        const { resolveDesignList } = await import("./design-loader.ts");
        const profile = await resolveProfile(o.profile);
        const asked = o.designs.split(",").map((d) => ({ id: d.trim(), file: d.trim() }));
        const opts = {
          baseline: o.baseline,
          tolerancePct: tol,
          update: o.updateBaseline === true,
          profile,
          json: format === "json",
          format,
          ...(o.junit !== undefined ? { junit: o.junit } : {}),
        } as const;
        preflightBaseline({ ...opts, designs: asked }); // before any design file runs
        const r = runCheck({ ...opts, designs: await resolveDesignList(o.designs) });
        print(r.output);
        process.exitCode = r.exitCode;
      },
    );

  addGuestLimitOptions(program.command("script"))
    .description("run a scenario: one command per line against a booted machine (docs/scripts.md)")
    .argument("<file>", "scenario file (examples/scripts/*.scen)")
    .option(
      "-d, --design <id|file>",
      "filter design id or design file (default: the file's `# design:`, else cgroup-composed)",
    )
    .option(
      "--errno <name>",
      "what a denied call returns: ENOSYS or EPERM (default: the file's `# errno:`, else ENOSYS)",
    )
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--json", "print JSON: every command with its result and expectations")
    .action(
      async (
        file: string,
        o: { design?: string; errno?: string; json?: boolean; flavour: string; pti?: boolean },
      ) => {
        const { runScript } = await import("./script.ts");
        const { resolveDesign } = await import("./design-loader.ts");
        const flavour = usage(() => parseFlavour(o.flavour));
        let text: string;
        try {
          const { INPUT_LIMITS, readInputText } = await import("../measure/input-file.ts");
          text = readInputText(file, { what: "scenario", maxBytes: INPUT_LIMITS.text, allowStdin: true });
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const errno = o.errno === undefined ? undefined : { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
        if (o.errno !== undefined && errno === undefined)
          throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
        const design = o.design === undefined ? undefined : (await resolveDesign(o.design)).id;
        const r = usage(() =>
          runScript(text, {
            file,
            ...(design !== undefined ? { design } : {}),
            ...(errno !== undefined ? { deniedErrno: errno } : {}),
            flavour,
            pti: o.pti === true,
          }),
        );
        if (o.json === true) print(JSON.stringify(r.json, null, 2));
        else (r.exitCode === 2 ? process.stderr : process.stdout).write(r.output);
        process.exitCode = r.exitCode;
      },
    );

  addGuestLimitOptions(program.command("run"))
    .description("run a workload through the Linux 3.1 entry path and report exact cycles")
    .requiredOption("-w, --workload <name>", `workload: ${WORKLOAD_LIST}`)
    .option("-n, --count <n>", "loop iterations", "1000")
    .option("-g, --gap <n>", "user instructions between two syscalls", "0")
    .option("-p, --profile <name|file>", "cost profile (built-in name or JSON file)", "sandybridge-2011")
    .option(
      "--tif <flags>",
      "comma-separated TIF flags to set on the task (audit, trace, emu, need_resched, ...)",
      "",
    )
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--json", "print JSON")
    .action(
      async (o: {
        workload: string;
        count: string;
        gap: string;
        profile: string;
        tif: string;
        flavour: string;
        pti?: boolean;
        json?: boolean;
      }) => {
        const { runWorkload } = await import("../measure/run-workload.ts");
        const { fmtFixed, fmtInt, makeChalk, table } = await import("./output.ts");
        const profile = await resolveProfile(o.profile);
        const report = usage(() =>
          runWorkload({
            workload: o.workload,
            count: parsePositiveInt("--count", o.count, 10_000_000),
            gap: parseNonNegativeInt("--gap", o.gap, 100_000),
            profile,
            tif: o.tif ? o.tif.split(",").filter((s) => s.trim() !== "") : [],
            flavour: parseFlavour(o.flavour),
            pti: o.pti === true,
          }),
        );
        if (o.json) {
          print(JSON.stringify(report, null, 2));
          return;
        }
        const c = makeChalk(false);
        const p = report.paths;
        print(
          `${c.bold(report.workload)} × ${fmtInt(report.count)} (gap ${report.gap}), profile ${report.profile}, TIF ${report.tif.join("|") || "none"}`,
        );
        print(
          table(
            ["syscall", "calls", "cycles/call", "sys cycles/call", "instructions/call"],
            report.calls.map((r) => [
              `${r.name} (${r.nr})`,
              fmtInt(r.calls),
              fmtFixed(r.cycles / r.calls),
              fmtFixed(r.sysCycles / r.calls),
              fmtFixed(r.instret / r.calls),
            ]),
          ),
        );
        print(
          table(
            ["task total", "user cycles", "sys cycles", "cycles", "instructions"],
            [
              [
                "",
                fmtInt(report.userCycles),
                fmtInt(report.sysCycles),
                fmtInt(report.totalCycles),
                fmtInt(report.instret),
              ],
            ],
          ),
        );
        print(
          table(
            ["syscalls", "fast", "audit (semi-slow)", "trace (slow)", "badsys", "SYSRET", "IRET"],
            [[report.syscalls, p.fast, p.audit, p.trace, p.badsys, p.sysret, p.iret].map(fmtInt)],
          ),
        );
        const killed =
          report.killedBy === null
            ? null
            : `killed by signal ${report.killedBy}${report.killedBy === 9 ? " (SIGKILL)" : ""}${report.killReason !== null ? `: ${report.killReason}` : ""}`;
        print(
          `cycles/call = the SYSCALL instruction + every kernel instruction up to the return; totals include exit_group. Exit: ${killed ?? `status ${report.exitCode}`}`,
        );
        // the guest-signal row of the exit-code table (docs/architecture.md): 128 + n
        if (report.killedBy !== null) process.exitCode = exitForSignal(report.killedBy);
      },
    );

  registerTrace(program, { print, resolveProfile, usage });
  registerWeb(program);

  program
    .command("demo")
    .description("the CPU alone: a user loop traps through SYSCALL into a minimal SYSRET handler")
    .option("-n, --count <n>", "syscalls", "100000")
    .option("-p, --profile <name|file>", "cost profile (unit: every instruction 1 cycle)", "sandybridge-2011")
    .option("--json", "print JSON")
    .action(async (o: { count: string; profile: string; json?: boolean }) => {
      const { runSyscallDemo } = await import("./demo.ts");
      const { UNIT_COSTS } = await import("../cpu/insn-class.ts");
      const { fmtInt, table } = await import("./output.ts");
      const costs = o.profile === "unit" ? UNIT_COSTS : (await resolveProfile(o.profile)).costs;
      const r = runSyscallDemo(parsePositiveInt("--count", o.count, 100_000_000), costs);
      if (o.json) {
        print(JSON.stringify({ profile: o.profile, ...r }, null, 2));
        return;
      }
      print(
        `profile ${o.profile}${o.profile === "unit" ? " (every instruction costs 1 cycle, so cycles = instructions)" : ""}`,
      );
      print(
        table(
          ["syscalls", "instructions retired", "cycles", "user", "sys", "stop"],
          [
            [
              fmtInt(r.syscalls),
              fmtInt(r.instret),
              fmtInt(r.cycles),
              fmtInt(r.userCycles),
              fmtInt(r.sysCycles),
              r.stop,
            ],
          ],
        ),
      );
    });

  addGuestLimitOptions(program.command("replay"))
    .argument(
      "<trace>",
      "strace output (strace -f -o FILE, or its stderr); -t/-tt/-ttt/-r and -T are used for --gaps",
    )
    .description(
      "replay a recorded strace log through the entry path and a design, with its overhead against none",
    )
    .option("-d, --design <id|file>", "the filter design compiled in (an id or a design file)", "none")
    .option(
      "-p, --profile <name|file>",
      "cost profile (default sandybridge-2011; cascadelake-2022[-pti] on linux-generic)",
    )
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--gaps", "turn recorded time between calls into user instructions (capped per gap)")
    .option("--gap-cap <n>", "most user instructions per gap", "5000")
    .option("--cgroup-deny <list>", "numbers or names the replayed tasks' cgroup denies (N,…)")
    .option("--errno <name>", "what a denied call returns: ENOSYS or EPERM", "ENOSYS")
    .option("--json", "print JSON")
    .action(
      async (
        file: string,
        o: {
          design: string;
          profile?: string;
          flavour: string;
          pti?: boolean;
          gaps?: boolean;
          gapCap: string;
          cgroupDeny?: string;
          errno: string;
          json?: boolean;
        },
      ) => {
        const errno = { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
        if (errno === undefined) throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
        const { runReplay } = await import("./replay.ts");
        const { resolveDesign } = await import("./design-loader.ts");
        const design = (await resolveDesign(o.design)).id;
        const flavour = usage(() => parseFlavour(o.flavour));
        if (o.pti && flavour !== "linux-generic") throw new UsageError("--pti needs --flavour linux-generic");
        const profile = await resolveProfile(o.profile ?? defaultProfile(flavour, o.pti === true));
        const r = runReplay(file, {
          design,
          profile,
          flavour,
          pti: o.pti === true,
          gaps: o.gaps === true,
          gapCap: parseNonNegativeInt("--gap-cap", o.gapCap, 100_000),
          deniedErrno: errno,
          json: o.json === true,
          ...(o.cgroupDeny !== undefined ? { cgroupDeny: o.cgroupDeny } : {}),
        });
        if (r.exitCode === 2) process.stderr.write(`syscall-lab: ${r.output.trimEnd()}\n`);
        else print(r.output);
        process.exitCode = r.exitCode;
      },
    );

  addGuestLimitOptions(program.command("exec"))
    .description(
      "run an unmodified x86-64 Linux executable (static, or dynamic with --root) and report its exact cycles",
    )
    .argument("<program>", "static ELF executable (glibc or musl, ET_EXEC or static-PIE)")
    .argument("[args...]", "its arguments (put -- before arguments that start with -)")
    .option(
      "-d, --design <id|file>",
      "syscall-filter design compiled into the kernel (an id or a design file)",
      "none",
    )
    .option("--cgroup <path>", "start the program in this syscalls cgroup (created if missing)")
    .option("--deny <list>", "comma-separated syscall names or numbers the --cgroup denies")
    .option(
      "--policy <name|file>",
      "the --cgroup denies every number outside this seccomp policy's allow set (docker-default, systemd-system-service, browser-like, or a .json/.policy file)",
    )
    .option("--errno <name>", "what a denied call returns: ENOSYS or EPERM", "ENOSYS")
    .option("--file <host:guest[:rw]>", "make a host file visible in the guest (repeatable)", collect, [])
    .option(
      "--root <dir>",
      "host directory mounted read-only as the guest's / (PROGRAM is then a guest path)",
    )
    .option("--stdin <file>", "host file the program reads as standard input")
    .option("--env <NAME=value>", "environment string (repeatable; default: empty environment)", collect, [])
    .option("--argv0 <name>", "argv[0] and AT_EXECFN the program sees (default: the program path)")
    .option(
      "-p, --profile <name|file>",
      "cost profile (default sandybridge-2011; cascadelake-2022[-pti] on linux-generic)",
    )
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--cpus <n>", "emulated CPUs (1..8, default 1); threads are spread over them deterministically")
    .option("--json", "print JSON (the program's output included) instead of passing it through")
    .action(async (prog: string, args: string[], o: ExecCliOptions) => {
      const { execExitCode, formatExecReport, parseCpus, runExec } = await import("./exec.ts");
      const cpus = o.cpus !== undefined ? parseCpus(o.cpus) : undefined;
      const { resolveDesign } = await import("./design-loader.ts");
      const design = (await resolveDesign(o.design)).id;
      const flavour = usage(() => parseFlavour(o.flavour));
      if (o.pti && flavour !== "linux-generic") throw new UsageError("--pti needs --flavour linux-generic");
      const profile = await resolveProfile(o.profile ?? defaultProfile(flavour, o.pti === true));
      const errno = { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
      if (errno === undefined) throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
      const { hostOutputSink } = await import("./host-output.ts");
      const r = runExec({
        ...(o.json ? {} : { output: hostOutputSink() }),
        program: prog,
        args,
        profile,
        flavour,
        pti: o.pti === true,
        ...(o.argv0 !== undefined ? { argv0: o.argv0 } : {}),
        design,
        deniedErrno: errno,
        files: o.file,
        env: o.env,
        ...(o.root !== undefined ? { root: o.root } : {}),
        ...(o.cgroup !== undefined ? { cgroup: o.cgroup } : {}),
        ...(o.deny !== undefined ? { deny: o.deny.split(",").filter((x) => x.trim() !== "") } : {}),
        ...(o.policy !== undefined ? { policy: o.policy } : {}),
        ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
        ...(cpus !== undefined ? { cpus } : {}),
      });
      // without --json the program's output went to the host as it was written
      if (o.json) print(JSON.stringify(r, null, 2));
      else print(formatExecReport(r));
      process.exitCode = execExitCode(r);
    });

  const bpf = program
    .command("bpf")
    .description("classic-BPF seccomp filters: the kernel's checker and interpreter");
  const emit = (r: BpfCommandResult) => {
    if (r.exitCode === 2) {
      process.stderr.write(`syscall-lab: ${r.output.trimEnd()}\n`);
    } else {
      print(r.output);
    }
    process.exitCode = r.exitCode;
  };
  bpf
    .command("check")
    .argument("<file>", "raw struct sock_filter bytes, or the text of tcpdump -ddd / bpf_asm -c")
    .option("--json", "print JSON")
    .description("print ok, or the errno the kernel's seccomp would return for this filter")
    .action(async (file: string, o: { json?: boolean }) => {
      const { bpfCheck } = await import("./bpf.ts");
      emit(bpfCheck(file, { json: o.json === true }));
    });
  bpf
    .command("run")
    .argument("<file>", "the filter file")
    .requiredOption("--nr <n>", "syscall number")
    .option("--arch <arch>", "x86_64 or i386", "x86_64")
    .option("--args <a0,...,a5>", "syscall arguments (decimal or 0x hex)")
    .option("--ip <addr>", "instruction pointer")
    .option("--json", "print JSON")
    .description("run the filter over one seccomp_data and print the action and its data")
    .action(
      async (file: string, o: { nr: string; arch: string; args?: string; ip?: string; json?: boolean }) => {
        const { bpfRun } = await import("./bpf.ts");
        emit(
          bpfRun(file, {
            nr: o.nr,
            arch: o.arch,
            ...(o.args !== undefined ? { args: o.args } : {}),
            ...(o.ip !== undefined ? { ip: o.ip } : {}),
            json: o.json === true,
          }),
        );
      },
    );

  bpf
    .command("jit")
    .argument("<file>", "the filter file")
    .option("--json", "print JSON")
    .description("print the eBPF and the x86-64 JIT image the kernel makes of the filter, with classic pcs")
    .action(async (file: string, o: { json?: boolean }) => {
      const { bpfJit } = await import("./bpf.ts");
      emit(bpfJit(file, { json: o.json === true }));
    });
  bpf
    .command("cost")
    .option("--checks <n,...>", "argument checks per filter (1-250)", "1,50,200")
    .option("-p, --profile <name>", "cost profile", "cascadelake-2022")
    .option("--json", "print JSON")
    .description("getppid cycles on linux-generic with an N-argument-check filter, JIT on and off")
    .action(async (o: { checks: string; profile: string; json?: boolean }) => {
      const { bpfCost } = await import("./bpf.ts");
      emit(bpfCost({ checks: o.checks.split(",").map(Number), profile: o.profile, json: o.json === true }));
    });

  const profile = program.command("profile").description("cost profiles");
  profile
    .command("list")
    .description("list the built-in cost profiles")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { getProfile, listProfiles } = await import("../measure/profile.ts");
      const rows = listProfiles().map((n) => {
        const p = getProfile(n);
        return { name: n, description: p.description, clockHz: p.clockHz };
      });
      if (o.json) print(JSON.stringify(rows, null, 2));
      else for (const r of rows) print(`${r.name}\t${r.description}`);
    });
  profile
    .command("show")
    .argument("<name|file>", "built-in profile name or JSON file")
    .option("--json", "print JSON")
    .description("every value of a profile with its source")
    .action(async (name: string, o: { json?: boolean }) => {
      const { describeProfile } = await import("../measure/profile.ts");
      const { fmtInt, table } = await import("./output.ts");
      const p = await resolveProfile(name);
      const rows = describeProfile(p);
      if (o.json) {
        print(JSON.stringify({ name: p.name, clockHz: p.clockHz, values: rows }, null, 2));
        return;
      }
      print(`${p.name}: ${p.description} (${fmtInt(p.clockHz)} Hz)`);
      print(
        table(
          ["key", "cycles", "source"],
          rows.map((r) => [r.key, String(r.cycles), (r.fitted ? "[fitted] " : "") + r.source]),
          ["left", "right", "left"],
          [36, 10, Math.max(40, (process.stdout.columns ?? 120) - 50)],
        ),
      );
    });
}
