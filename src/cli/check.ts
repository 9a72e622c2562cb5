import { existsSync } from "node:fs";
import {
  checkAgainst,
  type GateResult,
  measureSuite,
  readBaseline,
  STANDARD_SUITE,
  writeBaseline,
} from "../measure/gate.ts";
import type { CostProfile } from "../measure/profile.ts";
import { fmtFixed, makeChalk, table, UsageError } from "./output.ts";

export interface CheckOptions {
  baseline: string;
  tolerancePct: number;
  update: boolean;
  profile: CostProfile;
  json: boolean;
}

function render(r: GateResult, baselinePath: string): string {
  const ch = makeChalk(false);
  const changed = r.rows.filter((x) => x.verdict !== "same");
  const counts = (v: GateResult["rows"][number]["verdict"]) => r.rows.filter((x) => x.verdict === v).length;
  const lines = [
    `syscall-lab check: ${r.rows.length} points against ${baselinePath} (tolerance ${fmtFixed(r.tolerancePct, 2)} %)`,
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
      : "check FAILED: cycles per syscall rose beyond the tolerance (or points vanished). If the change is intended, run: syscall-lab check --update-baseline",
  );
  return lines.join("\n");
}

/** `syscall-lab check`: the exact overhead regression gate. Exit 0 pass, 1 regression. */
export function runCheck(o: CheckOptions): { output: string; exitCode: number } {
  if (!(o.tolerancePct >= 0)) throw new UsageError(`--tolerance must be a non-negative percentage`);
  const current = measureSuite(STANDARD_SUITE, o.profile);
  if (o.update) {
    writeBaseline(o.baseline, current);
    return { output: `wrote ${Object.keys(current.points).length} points to ${o.baseline}`, exitCode: 0 };
  }
  if (!existsSync(o.baseline)) {
    throw new UsageError(`no baseline at ${o.baseline} (create it with --update-baseline)`);
  }
  let base: ReturnType<typeof readBaseline>;
  try {
    base = readBaseline(o.baseline);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (base.profile !== o.profile.name) {
    throw new UsageError(
      `baseline ${o.baseline} was made with profile ${base.profile}, not ${o.profile.name}`,
    );
  }
  const r = checkAgainst(base, current, o.tolerancePct);
  return { output: o.json ? JSON.stringify(r, null, 2) : render(r, o.baseline), exitCode: r.ok ? 0 : 1 };
}
