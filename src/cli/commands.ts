import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UNIT_COSTS } from "../cpu/insn-class.ts";
import type { FilterMode } from "../measure/compare.ts";
import {
  type CostProfile,
  describeProfile,
  getProfile,
  listProfiles,
  loadProfileFile,
} from "../measure/profile.ts";
import { runWorkload } from "../measure/run-workload.ts";
import { WORKLOADS } from "../workload/index.ts";
import { type BpfCommandResult, bpfCheck, bpfRun } from "./bpf.ts";
import { runCalibrate } from "./calibrate.ts";
import { runCheck } from "./check.ts";
import { loadDesignFiles, runCompare } from "./compare.ts";
import { runSyscallDemo } from "./demo.ts";
import { execExitCode, formatExecReport, runExec } from "./exec.ts";
import {
  fmtFixed,
  fmtInt,
  makeChalk,
  parseNonNegativeInt,
  parsePositiveInt,
  table,
  UsageError,
} from "./output.ts";
import { runPaths } from "./paths.ts";
import { runReplay } from "./replay.ts";
import { runScript } from "./script.ts";
import { runStart2011 } from "./start.ts";
import { runTrace } from "./trace.ts";
import { defaultCapturePath, loadCapture, runValidate, runValidateReal } from "./validate.ts";

/** `--flavour`: the entry code the kernel is built with. */
function parseFlavour(v: string): "linux-3.1" | "linux-generic" {
  if (v === "linux-3.1" || v === "linux-generic") return v;
  throw new Error(`unknown flavour '${v}' (known: linux-3.1, linux-generic)`);
}

/** `--profile` takes a built-in name or a path to a JSON profile. */
export function resolveProfile(nameOrPath: string): CostProfile {
  try {
    if (nameOrPath.endsWith(".json") || nameOrPath.includes("/")) return loadProfileFile(nameOrPath);
    return getProfile(nameOrPath);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs `fn`, turning a bad-name error from the model (unknown workload, TIF flag) into a usage error. */
function usage<T>(fn: () => T): T {
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
  errno: string;
  file: string[];
  stdin?: string;
  env: string[];
  profile: string;
  json?: boolean;
}

/** A repeatable option's values. */
function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function print(s: string): void {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
}

export function registerCommands(program: Command): void {
  program
    .command("start", { hidden: true })
    .description("the default job: the 2011 reproduction (every design, depths 0-3, and the thread's claims)")
    .option("--json", "print JSON")
    .action((o: { json?: boolean }) => print(runStart2011({ json: o.json === true })));

  program
    .command("compare")
    .description(
      "each filter design at each cgroup depth, for a filtered and an unfiltered task, against none",
    )
    .option(
      "-d, --designs <list>",
      "comma-separated design ids or design files (./my-design.ts), or all",
      "all",
    )
    .option("--depth <spec>", "cgroup depths: N, A..B or a list", "0..3")
    .option("-w, --workload <name>", `workload: ${WORKLOADS.map((w) => w.name).join(", ")}`, "sowa-micro")
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
        let designs: string;
        try {
          designs = await loadDesignFiles(o.designs);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        print(
          usage(() =>
            runCompare(
              {
                designs,
                depth: o.depth,
                workload: o.workload,
                count: parsePositiveInt("--count", o.count, 1_000_000),
                modes,
                profile: resolveProfile(profileName),
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

  program
    .command("paths")
    .description("the null workload with no TIF flag, the audit flag and the trace flag side by side")
    .option("--json", "print JSON")
    .action((o: { json?: boolean }) => print(runPaths(o.json === true)));

  program
    .command("sweep")
    .description("run every point of an experiment file in parallel; resumable (docs/researchers.md)")
    .argument("<file>", "experiment JSON (experiments/*.json)")
    .requiredOption("-o, --out <dir>", "output directory (results.jsonl, results.csv, summary.json)")
    .option("-j, --jobs <n>", "worker threads (default: min(points, available CPUs))")
    .option("--max-points <n>", "stop after starting this many points (resume later)")
    .option("--json", "print the summary as JSON")
    .action(async (file: string, o: { out: string; jobs?: string; maxPoints?: string; json?: boolean }) => {
      // loaded on use: the sweep and report modules pull in worker threads, vega and resvg
      const { runSweepCommand } = await import("./sweep.ts");
      const r = await runSweepCommand({
        file,
        outDir: o.out,
        json: o.json === true,
        ...(o.jobs !== undefined ? { jobs: parsePositiveInt("--jobs", o.jobs, 256) } : {}),
        ...(o.maxPoints !== undefined ? { maxPoints: parsePositiveInt("--max-points", o.maxPoints) } : {}),
      });
      print(r.output);
      process.exitCode = r.exitCode;
    });

  program
    .command("report")
    .description("tables, a Markdown report and SVG/PNG figures from a sweep's results")
    .argument("<dir>", "a sweep's output directory")
    .option("-o, --out <dir>", "where report.md and the figures go (default: the sweep directory)")
    .option("--no-figures", "tables only")
    .option("--json", "print the report data as JSON")
    .action(async (dir: string, o: { out?: string; figures: boolean; json?: boolean }) => {
      const { runReportCommand } = await import("./report.ts");
      const r = await runReportCommand({
        dir,
        outDir: o.out ?? dir,
        figures: o.figures,
        json: o.json === true,
      });
      print(r.output);
      process.exitCode = r.exitCode;
    });

  program
    .command("validate")
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
    .action((o: { json?: boolean; real?: boolean; realData?: string; profile: string }) => {
      if (o.real !== true) {
        if (o.realData !== undefined) throw new UsageError("--real-data needs --real");
        print(runValidate(o.json === true));
        return;
      }
      const capture = loadCapture(o.realData ?? defaultCapturePath());
      print(runValidateReal(capture, resolveProfile(o.profile), o.json === true));
    });

  program
    .command("calibrate")
    .description(
      "measure this host's primitives with a native probe (needs a C compiler; exit 2 without one) and write a calibrated profile",
    )
    .option("-o, --out <dir>", "where to write calibrated.profile.json and real.json", "calibration")
    .action((o: { out: string }) => {
      const r = runCalibrate(o.out, (line) => process.stderr.write(`${line}\n`));
      if (r.exitCode === 0) print(r.message);
      else process.stderr.write(`${r.message}\n`);
      process.exitCode = r.exitCode;
    });

  program
    .command("check")
    .description("the overhead regression gate: exact cycles per syscall of every design against a baseline")
    .option("-b, --baseline <file>", "baseline JSON", "bench/baseline.json")
    .option("-t, --tolerance <pct>", "allowed rise in cycles per syscall, %", "0")
    .option("--update-baseline", "rewrite the baseline with the current figures")
    .option("-p, --profile <name|file>", "cost profile", "sandybridge-2011")
    .option("--json", "print JSON")
    .action(
      (o: {
        baseline: string;
        tolerance: string;
        updateBaseline?: boolean;
        profile: string;
        json?: boolean;
      }) => {
        const tol = Number(o.tolerance);
        if (!/^\d+(\.\d+)?$/.test(o.tolerance))
          throw new UsageError(`--tolerance must be a percentage, got '${o.tolerance}'`);
        const r = runCheck({
          baseline: o.baseline,
          tolerancePct: tol,
          update: o.updateBaseline === true,
          profile: resolveProfile(o.profile),
          json: o.json === true,
        });
        print(r.output);
        process.exitCode = r.exitCode;
      },
    );

  program
    .command("script")
    .description("run a scenario: one command per line against a booted machine (docs/scripts.md)")
    .argument("<file>", "scenario file (examples/scripts/*.scen)")
    .option("-d, --design <id>", "filter design (default: the file's `# design:`, else cgroup-composed)")
    .option(
      "--errno <name>",
      "what a denied call returns: ENOSYS or EPERM (default: the file's `# errno:`, else ENOSYS)",
    )
    .action((file: string, o: { design?: string; errno?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const errno = o.errno === undefined ? undefined : { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
      if (o.errno !== undefined && errno === undefined)
        throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
      const r = usage(() =>
        runScript(text, {
          file,
          ...(o.design !== undefined ? { design: o.design } : {}),
          ...(errno !== undefined ? { deniedErrno: errno } : {}),
        }),
      );
      (r.exitCode === 2 ? process.stderr : process.stdout).write(r.output);
      process.exitCode = r.exitCode;
    });

  program
    .command("run")
    .description("run a workload through the Linux 3.1 entry path and report exact cycles")
    .requiredOption("-w, --workload <name>", `workload: ${WORKLOADS.map((w) => w.name).join(", ")}`)
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
      (o: {
        workload: string;
        count: string;
        gap: string;
        profile: string;
        tif: string;
        flavour: string;
        pti?: boolean;
        json?: boolean;
      }) => {
        const report = usage(() =>
          runWorkload({
            workload: o.workload,
            count: parsePositiveInt("--count", o.count, 10_000_000),
            gap: parseNonNegativeInt("--gap", o.gap, 100_000),
            profile: resolveProfile(o.profile),
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
        print(
          `cycles/call = the SYSCALL instruction + every kernel instruction up to the return; totals include exit_group. Exit: ${report.killedBy !== null ? `killed by signal ${report.killedBy}` : `status ${report.exitCode}`}`,
        );
      },
    );

  program
    .command("trace")
    .description(
      "single-step the kernel instructions of a workload's syscalls, with symbols, costs and decisions",
    )
    .requiredOption("-w, --workload <name>", `workload: ${WORKLOADS.map((w) => w.name).join(", ")}`)
    .option("-n, --count <n>", "loop iterations to trace", "1")
    .option("-p, --profile <name|file>", "cost profile", "sandybridge-2011")
    .option("--tif <flags>", "comma-separated TIF flags to set on the task", "")
    .option("--calls <n>", "stop after this many syscalls")
    .option("--user", "also list user-mode instructions")
    .option("--json", "print JSON (one record per instruction)")
    .action(
      (o: {
        workload: string;
        count: string;
        profile: string;
        tif: string;
        user?: boolean;
        json?: boolean;
        calls?: string;
      }) => {
        print(
          usage(() =>
            runTrace({
              workload: o.workload,
              count: parsePositiveInt("--count", o.count, 1000),
              profile: resolveProfile(o.profile),
              tif: o.tif ? o.tif.split(",").filter((s) => s.trim() !== "") : [],
              user: o.user === true,
              json: o.json === true,
              ...(o.calls !== undefined ? { calls: parsePositiveInt("--calls", o.calls, 1_000_000) } : {}),
            }),
          ),
        );
      },
    );

  program
    .command("demo")
    .description("the CPU alone: a user loop traps through SYSCALL into a minimal SYSRET handler")
    .option("-n, --count <n>", "syscalls", "100000")
    .option("--json", "print JSON")
    .action((o: { count: string; json?: boolean }) => {
      const r = runSyscallDemo(parsePositiveInt("--count", o.count, 100_000_000), UNIT_COSTS);
      if (o.json) {
        print(JSON.stringify(r, null, 2));
        return;
      }
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

  program
    .command("replay")
    .argument(
      "<trace>",
      "strace output (strace -f -o FILE, or its stderr); -t/-tt/-ttt/-r and -T are used for --gaps",
    )
    .description(
      "replay a recorded strace log through the entry path and a design, with its overhead against none",
    )
    .option("-d, --design <id>", "the filter design compiled in", "none")
    .option("-p, --profile <name|file>", "cost profile", "sandybridge-2011")
    .option("--gaps", "turn recorded time between calls into user instructions (capped per gap)")
    .option("--gap-cap <n>", "most user instructions per gap", "5000")
    .option("--cgroup-deny <list>", "numbers or names the replayed tasks' cgroup denies (N,…)")
    .option("--errno <name>", "what a denied call returns: ENOSYS or EPERM", "ENOSYS")
    .option("--json", "print JSON")
    .action(
      (
        file: string,
        o: {
          design: string;
          profile: string;
          gaps?: boolean;
          gapCap: string;
          cgroupDeny?: string;
          errno: string;
          json?: boolean;
        },
      ) => {
        const errno = { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
        if (errno === undefined) throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
        const r = runReplay(file, {
          design: o.design,
          profile: resolveProfile(o.profile),
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

  program
    .command("exec")
    .description("run an unmodified static x86-64 Linux executable and report its exact cycles")
    .argument("<program>", "static ELF executable (glibc or musl, ET_EXEC or static-PIE)")
    .argument("[args...]", "its arguments (put -- before arguments that start with -)")
    .option("-d, --design <id>", "syscall-filter design compiled into the kernel", "none")
    .option("--cgroup <path>", "start the program in this syscalls cgroup (created if missing)")
    .option("--deny <list>", "comma-separated syscall names or numbers the --cgroup denies")
    .option("--errno <name>", "what a denied call returns: ENOSYS or EPERM", "ENOSYS")
    .option("--file <host:guest[:rw]>", "make a host file visible in the guest (repeatable)", collect, [])
    .option("--stdin <file>", "host file the program reads as standard input")
    .option("--env <NAME=value>", "environment string (repeatable; default: empty environment)", collect, [])
    .option("-p, --profile <name|file>", "cost profile", "sandybridge-2011")
    .option("--json", "print JSON (the program's output included) instead of passing it through")
    .action((prog: string, args: string[], o: ExecCliOptions) => {
      const errno = { ENOSYS: 38, EPERM: 1 }[o.errno.toUpperCase()];
      if (errno === undefined) throw new UsageError(`--errno must be ENOSYS or EPERM, got '${o.errno}'`);
      const r = runExec({
        program: prog,
        args,
        profile: resolveProfile(o.profile),
        design: o.design,
        deniedErrno: errno,
        files: o.file,
        env: o.env,
        ...(o.cgroup !== undefined ? { cgroup: o.cgroup } : {}),
        ...(o.deny !== undefined ? { deny: o.deny.split(",").filter((x) => x.trim() !== "") } : {}),
        ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
      });
      if (o.json) print(JSON.stringify(r, null, 2));
      else {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        print(formatExecReport(r));
      }
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
    .action((file: string, o: { json?: boolean }) => emit(bpfCheck(file, { json: o.json === true })));
  bpf
    .command("run")
    .argument("<file>", "the filter file")
    .requiredOption("--nr <n>", "syscall number")
    .option("--arch <arch>", "x86_64 or i386", "x86_64")
    .option("--args <a0,...,a5>", "syscall arguments (decimal or 0x hex)")
    .option("--ip <addr>", "instruction pointer")
    .option("--json", "print JSON")
    .description("run the filter over one seccomp_data and print the action and its data")
    .action((file: string, o: { nr: string; arch: string; args?: string; ip?: string; json?: boolean }) =>
      emit(
        bpfRun(file, {
          nr: o.nr,
          arch: o.arch,
          ...(o.args !== undefined ? { args: o.args } : {}),
          ...(o.ip !== undefined ? { ip: o.ip } : {}),
          json: o.json === true,
        }),
      ),
    );

  const profile = program.command("profile").description("cost profiles");
  profile
    .command("list")
    .description("list the built-in cost profiles")
    .action(() => {
      for (const n of listProfiles()) print(`${n}\t${getProfile(n).description}`);
    });
  profile
    .command("show")
    .argument("<name|file>", "built-in profile name or JSON file")
    .option("--json", "print JSON")
    .description("every value of a profile with its source")
    .action((name: string, o: { json?: boolean }) => {
      const p = resolveProfile(name);
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
