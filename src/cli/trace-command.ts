// The `trace` command's options and checks (src/cli/trace.ts formats what it prints).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { Flavour } from "../measure/compare.ts";
import type { CostProfile } from "../measure/profile.ts";
import { WORKLOAD_NAMES } from "../workload/names.ts";
import { addGuestLimitOptions } from "./guest-limit-options.ts";
import { makeChalk, parseNonNegativeInt, parsePositiveInt, UsageError } from "./output.ts";

interface Helpers {
  print(s: string): void;
  resolveProfile(nameOrPath: string): Promise<CostProfile>;
  usage<T>(fn: () => T): T;
}

interface TraceCliOptions {
  workload: string;
  count: string;
  profile?: string;
  tif: string;
  user?: boolean;
  json?: boolean;
  calls?: string;
  design: string;
  flavour: string;
  pti?: boolean;
  depth: string;
  filtered?: boolean;
  wide?: boolean;
  diff?: string[];
  flame?: string;
  collapsed?: string;
}

/** The profile a flavour is calibrated with when --profile is not given (as compare does). */
export function defaultProfile(flavour: Flavour, pti: boolean): string {
  if (flavour === "linux-3.1") return "sandybridge-2011";
  return pti ? "cascadelake-2022-pti" : "cascadelake-2022";
}

export function registerTrace(program: Command, h: Helpers): void {
  addGuestLimitOptions(program.command("trace"))
    .description(
      "single-step the kernel instructions of a workload's syscalls, with symbols, costs and decisions",
    )
    .option("-w, --workload <name>", `workload: ${WORKLOAD_NAMES.join(", ")}`, "null")
    .option("-n, --count <n>", "loop iterations to trace", "1")
    .option(
      "-p, --profile <name|file>",
      "cost profile (default sandybridge-2011; cascadelake-2022[-pti] on linux-generic)",
    )
    .option("--tif <flags>", "comma-separated TIF flags to set on the task", "")
    .option("--calls <n>", "stop after this many syscalls")
    .option("--user", "also list user-mode instructions")
    .option("-d, --design <id|file>", "filter design (id or design file; a list for --flame)", "none")
    .option("--flavour <name>", "entry code: linux-3.1 or linux-generic (5.11+)", "linux-3.1")
    .option("--pti", "page-table isolation (linux-generic only)")
    .option("--depth <n>", "cgroup depth of the task", "0")
    .option("--filtered", "the task's cgroup denies a call the workload never makes (reboot)")
    .option("--wide", "one line per instruction, nothing shortened (default: fit 120 columns)")
    .option(
      "--diff <designs...>",
      "two designs: the instructions of one call that one runs and the other not",
    )
    .option("--flame <file.svg>", "write a flame graph of one null call per design (--design LIST|all)")
    .option("--collapsed <file>", "write the same as collapsed stacks (flamegraph.pl, speedscope)")
    .option("--json", "print JSON (one record per instruction)")
    .action(async (o: TraceCliOptions) => {
      // loaded here, so that `--help` loads none of the emulator
      const { designIds } = await import("../cgroup/designs/index.ts");
      const { flavourBlocks } = await import("../measure/compare.ts");
      const { parseDesigns } = await import("./compare.ts");
      const { resolveDesignList } = await import("./design-loader.ts");
      const { diffTraces, flameOutputs, formatDiff, runTrace } = await import("./trace.ts");
      const flavour = o.flavour;
      if (flavour !== "linux-3.1" && flavour !== "linux-generic")
        throw new UsageError(`unknown flavour '${flavour}' (known: linux-3.1, linux-generic)`);
      if (o.pti && flavour !== "linux-generic") throw new UsageError("--pti needs --flavour linux-generic");
      const pti = o.pti === true;
      const profile = await h.resolveProfile(o.profile ?? defaultProfile(flavour, pti));
      let designs: string[];
      try {
        // design files are executed only because the user named them here (docs/designs.md)
        const spec = (await resolveDesignList(o.diff ? o.diff.join(",") : o.design))
          .map((d) => d.id)
          .join(",");
        designs = spec === "all" ? parseDesigns(spec) : spec.split(",").map((d) => d.trim());
        for (const d of designs) if (!designIds().includes(d)) parseDesigns(d); // names the known ids
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const base = {
        profile,
        flavour,
        pti,
        tif: o.tif ? o.tif.split(",").filter((s) => s.trim() !== "") : [],
        depth: parseNonNegativeInt("--depth", o.depth, 8),
        filtered: o.filtered === true,
      } as const;
      for (const d of designs) {
        const why = flavourBlocks(d, flavour);
        if (why !== null && !(o.flame || o.collapsed))
          throw new UsageError(`design ${d} cannot run on ${flavour}: ${why}`);
      }
      const chalk = makeChalk(o.json === true);
      if (o.flame !== undefined || o.collapsed !== undefined) {
        const runnable = designs.filter((d) => flavourBlocks(d, flavour) === null);
        const { svg, collapsed } = h.usage(() =>
          flameOutputs(runnable, { ...base, workload: "null", count: 2 }),
        );
        if (o.flame !== undefined) writeFileSync(o.flame, svg);
        if (o.collapsed !== undefined) writeFileSync(o.collapsed, collapsed);
        const skipped = designs.filter((d) => !runnable.includes(d));
        h.print(
          `flame graph of ${runnable.length} design(s) written${o.flame ? ` to ${o.flame}` : ""}${o.collapsed ? `${o.flame ? "," : ""} collapsed stacks to ${o.collapsed}` : ""}${skipped.length ? ` (skipped on ${flavour}: ${skipped.join(", ")})` : ""}`,
        );
        return;
      }
      if (o.diff !== undefined) {
        if (designs.length !== 2) throw new UsageError(`--diff takes two designs, got ${designs.length}`);
        const d = h.usage(() =>
          diffTraces({ ...base, workload: o.workload, count: 2 }, designs[0]!, designs[1]!),
        );
        h.print(o.json ? JSON.stringify(d, null, 2) : formatDiff(d, chalk));
        return;
      }
      if (designs.length !== 1) throw new UsageError("trace takes one --design (a list only with --flame)");
      h.print(
        h.usage(() =>
          runTrace(
            {
              ...base,
              design: designs[0]!,
              workload: o.workload,
              count: parsePositiveInt("--count", o.count, 1000),
              user: o.user === true,
              json: o.json === true,
              wide: o.wide === true,
              ...(o.calls !== undefined ? { calls: parsePositiveInt("--calls", o.calls, 1_000_000) } : {}),
            },
            chalk,
          ),
        ),
      );
    });
}
