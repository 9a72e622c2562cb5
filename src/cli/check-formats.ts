// The gate's result for CI systems: GitHub Actions workflow commands and job summary, and JUnit XML (read by
// GitLab, Jenkins, Azure Pipelines and most others).
import type { GateResult, GateRow } from "../measure/gate.ts";
import { fmtFixed } from "./output.ts";

/** A workflow command's message: %, CR and LF are escaped (GitHub's toolkit `escapeData`). */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
/** A workflow command's property value: also `:` and `,` (`escapeProperty`). */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function describeRow(r: GateRow, tolerancePct: number): string {
  if (r.verdict === "missing")
    return `${r.key}: in the baseline (${fmtFixed(r.baseline!, 2)} cycles per syscall) but not measured`;
  if (r.verdict === "new")
    return `${r.key}: measured (${fmtFixed(r.current!, 2)} cycles per syscall) but not in the baseline`;
  const change = r.changePct === null ? "" : ` (${r.changePct > 0 ? "+" : ""}${fmtFixed(r.changePct, 2)} %)`;
  return `${r.key}: ${fmtFixed(r.baseline!, 2)} → ${fmtFixed(r.current!, 2)} cycles per syscall${change}, tolerance ${fmtFixed(tolerancePct, 2)} %`;
}

function counts(r: GateResult): Record<GateRow["verdict"], number> {
  const c = { same: 0, better: 0, worse: 0, regression: 0, new: 0, missing: 0 };
  for (const row of r.rows) c[row.verdict]++;
  return c;
}

/** One `::error` per regression or vanished point, `::warning` per rise within tolerance, a closing `::notice`. */
export function githubAnnotations(r: GateResult, baseline: string, hint: string): string {
  const lines: string[] = [];
  for (const row of r.rows) {
    const level =
      row.verdict === "regression" || row.verdict === "missing"
        ? "error"
        : row.verdict === "worse"
          ? "warning"
          : null;
    if (level === null) continue;
    const title =
      row.verdict === "worse"
        ? "syscall-lab check: slower within tolerance"
        : `syscall-lab check: ${row.verdict}`;
    lines.push(
      `::${level} file=${escapeProperty(baseline)},title=${escapeProperty(title)}::${escapeData(describeRow(row, r.tolerancePct))}`,
    );
  }
  const c = counts(r);
  const verdict = r.ok ? "passed" : `FAILED; if the change is intended, run: ${hint}`;
  lines.push(
    `::notice title=${escapeProperty("syscall-lab check")}::${escapeData(`${r.rows.length} points against ${baseline}: ${c.same} same, ${c.better} better, ${c.worse} worse within tolerance, ${c.regression} regressions, ${c.new} new, ${c.missing} missing — ${verdict}`)}`,
  );
  return lines.join("\n");
}

/** Markdown for $GITHUB_STEP_SUMMARY: the verdict, the counts and a table of every point that changed. */
export function githubSummary(r: GateResult, baseline: string, hint: string): string {
  const c = counts(r);
  const changed = r.rows.filter((x) => x.verdict !== "same");
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const out = [
    `### syscall-lab check ${r.ok ? "passed" : "FAILED"}`,
    "",
    `${r.rows.length} points against \`${baseline}\` (tolerance ${fmtFixed(r.tolerancePct, 2)} %): ${c.same} same, ${c.better} better, ${c.worse} worse within tolerance, ${c.regression} regressions, ${c.new} new, ${c.missing} missing.`,
    "",
  ];
  if (changed.length > 0) {
    out.push(
      "| point (design workload depth mode) | baseline | now | change | verdict |",
      "|---|---:|---:|---:|---|",
    );
    for (const x of changed)
      out.push(
        `| ${cell(x.key)} | ${x.baseline === null ? "—" : fmtFixed(x.baseline, 2)} | ${x.current === null ? "—" : fmtFixed(x.current, 2)} | ${x.changePct === null ? "—" : `${x.changePct > 0 ? "+" : ""}${fmtFixed(x.changePct, 2)} %`} | ${x.verdict === "regression" || x.verdict === "missing" ? `**${x.verdict}**` : x.verdict} |`,
      );
    out.push("");
  }
  if (!r.ok) out.push(`If the change is intended: \`${hint}\``, "");
  return `${out.join("\n")}\n`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JUnit XML: one test case per point (class = the design), a failure for each regression or vanished point. */
export function junitXml(r: GateResult, baseline: string): string {
  const failures = r.rows.filter((x) => x.verdict === "regression" || x.verdict === "missing").length;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="syscall-lab check" tests="${r.rows.length}" failures="${failures}">`,
    `  <testsuite name="syscall-lab check against ${xml(baseline)}" tests="${r.rows.length}" failures="${failures}" errors="0" skipped="0">`,
  ];
  for (const row of r.rows) {
    const [design] = row.key.split(" ");
    const open = `    <testcase classname="syscall-lab.${xml(design ?? "")}" name="${xml(row.key)}"`;
    if (row.verdict === "regression" || row.verdict === "missing") {
      const msg = describeRow(row, r.tolerancePct);
      lines.push(
        `${open}>`,
        `      <failure message="${xml(msg)}" type="${row.verdict}">${xml(msg)}</failure>`,
        `    </testcase>`,
      );
    } else {
      lines.push(
        `${open}>`,
        `      <system-out>${xml(describeRow(row, r.tolerancePct))} (${row.verdict})</system-out>`,
        `    </testcase>`,
      );
    }
  }
  lines.push("  </testsuite>", "</testsuites>");
  return `${lines.join("\n")}\n`;
}
