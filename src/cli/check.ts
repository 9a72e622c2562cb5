import { existsSync, writeFileSync } from "node:fs";
import { isBuiltInDesign } from "../cgroup/designs/index.ts";
import {
  type Baseline,
  checkAgainst,
  type GateResult,
  type GateSuite,
  measureSuite,
  readBaseline,
  STANDARD_SUITE,
  suiteMismatch,
  writeBaseline,
} from "../measure/gate.ts";
import type { CostProfile } from "../measure/profile.ts";
import { githubAnnotations, githubSummary, junitXml } from "./check-formats.ts";
import type { ResolvedDesign } from "./design-loader.ts";
import { EXIT_FAILED, EXIT_OK } from "./exit-codes.ts";
import { fmtFixed, makeChalk, table, UsageError } from "./output.ts";

export const DEFAULT_BASELINE = "bench/baseline.json";

export interface CheckOptions {
  baseline: string;
  tolerancePct: number;
  update: boolean;
  profile: CostProfile;
  json: boolean;
  /** text (default), json, or github (annotations on stdout, a job summary in $GITHUB_STEP_SUMMARY) */
  format?: "text" | "json" | "github";
  /** the designs to gate (default: every built-in design); "all" expands to the built-in ones */
  designs?: readonly ResolvedDesign[];
  /** also write JUnit XML here */
  junit?: string;
}

/** The suite a run measures: the standard one with the asked designs, none first. */
export function suiteFor(designs: readonly ResolvedDesign[] | undefined): GateSuite {
  if (designs === undefined) return { ...STANDARD_SUITE };
  const ids: string[] = [];
  for (const d of designs) {
    const add = d.id === "all" ? STANDARD_SUITE.designs : [d.id];
    for (const id of add) if (!ids.includes(id)) ids.push(id);
  }
  if (!ids.includes("none")) ids.unshift("none");
  return { ...STANDARD_SUITE, designs: ids };
}

/** The command that rewrites this baseline: the same baseline, designs and profile as the run that failed. */
export function updateHint(o: CheckOptions): string {
  const parts = ["syscall-lab check"];
  if (o.baseline !== DEFAULT_BASELINE) parts.push(`--baseline ${o.baseline}`);
  const files = (o.designs ?? []).map((d) => d.file ?? d.id);
  if (files.length > 0 && !(files.length === 1 && files[0] === "all"))
    parts.push(`--designs ${files.join(",")}`);
  if (o.profile.name !== "sandybridge-2011") parts.push(`--profile ${o.profile.name}`);
  parts.push("--update-baseline");
  return parts.join(" ");
}

function render(r: GateResult, o: CheckOptions): string {
  const ch = makeChalk(false);
  const changed = r.rows.filter((x) => x.verdict !== "same");
  const counts = (v: GateResult["rows"][number]["verdict"]) => r.rows.filter((x) => x.verdict === v).length;
  const lines = [
    `syscall-lab check: ${r.rows.length} points against ${o.baseline} (tolerance ${fmtFixed(r.tolerancePct, 2)} %)`,
  ];
  if (changed.length) {
    lines.push(
      table(
        ["point (design workload depth mode)", "baseline", "now", "change", "verdict"],
        changed.map((x) => [
          x.key,
          x.baseline === null ? "—" : fmtFixed(x.baseline, 2),
          x.current === null ? "—" : fmtFixed(x.current, 2),
          x.changePct === null ? "—" : `${x.changePct > 0 ? "+" : ""}${fmtFixed(x.changePct, 2)} %`,
          x.verdict === "regression" || x.verdict === "missing" ? ch.red(x.verdict) : x.verdict,
        ]),
        ["left", "right", "right", "right", "left"],
      ),
    );
  }
  lines.push(
    `${counts("same")} same, ${counts("better")} better, ${counts("worse")} worse within tolerance, ` +
      `${counts("regression")} regressions, ${counts("new")} new, ${counts("missing")} missing`,
  );
  lines.push(
    r.ok
      ? "check passed"
      : `check FAILED: cycles per syscall rose beyond the tolerance (or points vanished) against ${o.baseline}. If the change is intended, run: ${updateHint(o)}`,
  );
  return lines.join("\n");
}

/** Design files of the suite, for the baseline's record. */
function designFiles(o: CheckOptions): Baseline["designFiles"] {
  const files = (o.designs ?? []).filter((d) => d.file !== undefined && !isBuiltInDesign(d.id));
  if (files.length === 0) return undefined;
  return Object.fromEntries(files.map((d) => [d.id, { file: d.file!, sha256: d.sha256! }]));
}

/**
 * The baseline's own checks — it exists, is JSON, fits the schema — before the designs are loaded or anything is
 * simulated (a design file is not even run for a bad baseline). Usage errors (exit 2).
 */
export function preflightBaseline(o: CheckOptions): Baseline | null {
  if (o.update) return null;
  if (!existsSync(o.baseline)) {
    throw new UsageError(`no baseline at ${o.baseline} (create it with: ${updateHint(o)})`);
  }
  try {
    return readBaseline(o.baseline);
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (regenerate it with: ${updateHint(o)})`);
  }
}

/**
 * `syscall-lab check`: the exact overhead regression gate. Exit 0 pass, 1 regression; a missing, unreadable or
 * invalid baseline, or one made for another suite or profile, is a usage error (exit 2) found before any simulation.
 */
export function runCheck(o: CheckOptions): { output: string; exitCode: number } {
  if (!(o.tolerancePct >= 0)) throw new UsageError(`--tolerance must be a non-negative percentage`);
  const suite = suiteFor(o.designs);
  if (o.update) {
    const current = measureSuite(suite, o.profile);
    const files = designFiles(o);
    writeBaseline(o.baseline, files === undefined ? current : { ...current, designFiles: files });
    return {
      output: `wrote ${Object.keys(current.points).length} points to ${o.baseline}`,
      exitCode: EXIT_OK,
    };
  }
  const base = preflightBaseline(o)!;
  if (base.profile !== o.profile.name) {
    throw new UsageError(
      `baseline ${o.baseline} was made with profile ${base.profile}, not ${o.profile.name}`,
    );
  }
  const mismatch = suiteMismatch(base.suite, suite);
  if (mismatch !== null) {
    throw new UsageError(
      `baseline ${o.baseline} was made for a different suite: ${mismatch} (make one for this suite with: ${updateHint(o)})`,
    );
  }
  const current = measureSuite(suite, o.profile);
  const r = checkAgainst(base, current, o.tolerancePct);
  if (o.junit !== undefined) {
    try {
      writeFileSync(o.junit, junitXml(r, o.baseline));
    } catch (e) {
      throw new UsageError(
        `--junit ${o.junit}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  const format = o.format ?? (o.json ? "json" : "text");
  if (format === "json")
    return { output: JSON.stringify(r, null, 2), exitCode: r.ok ? EXIT_OK : EXIT_FAILED };
  const text = render(r, o);
  if (format === "text") return { output: text, exitCode: r.ok ? EXIT_OK : EXIT_FAILED };
  const summaryPath = process.env.GITHUB_STEP_SUMMARY;
  if (summaryPath !== undefined && summaryPath !== "") {
    try {
      writeFileSync(summaryPath, githubSummary(r, o.baseline, updateHint(o)), { flag: "a" });
    } catch (e) {
      throw new UsageError(
        `$GITHUB_STEP_SUMMARY ${summaryPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return {
    output: `${text}\n${githubAnnotations(r, o.baseline, updateHint(o))}`,
    exitCode: r.ok ? EXIT_OK : EXIT_FAILED,
  };
}
