import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsetSlope } from "../measure/calibrate.ts";
import { CALIBRATION_INPUTS, CROSS_CHECKS } from "../measure/calibrate-setups.ts";
import { readInputText } from "../measure/input-file.ts";
import type { CostProfile } from "../measure/profile.ts";
import {
  modelJsetSlope,
  type RealCapture,
  realKernelRows,
  type ValidationRow,
  validationRows,
} from "../measure/validation.ts";
import { table, UsageError } from "./output.ts";

function fmt(v: number, unit: ValidationRow["unit"]): string {
  const r = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${r} ${unit}`;
}

/** `syscall-lab validate`: the model next to the published figures (docs/validation.md). */
export function runValidate(json: boolean): string {
  const rows = validationRows();
  if (json) return JSON.stringify(rows, null, 2);
  const out = [
    "model vs published per-syscall figures (docs/sources.md#validation-targets); ratio = model / published",
    table(
      ["#", "figure", "published", "model", "ratio"],
      rows.map((r, i) => [
        String(i + 1),
        r.figure,
        r.published,
        fmt(r.model, r.unit),
        r.publishedValue === 0 ? "—" : (r.model / r.publishedValue).toFixed(2),
      ]),
    ),
    ...rows.flatMap((r, i) => [
      `${i + 1}. published: ${r.source}`,
      `   model: ${r.how}${r.note !== "" ? `\n   note: ${r.note}` : ""}`,
    ]),
  ];
  return out.join("\n");
}

/** The committed capture of this project's host (test/fixtures/real-kernel/real.json). */
export function defaultCapturePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "test", "fixtures", "real-kernel", "real.json");
    try {
      readFileSync(p);
      return p;
    } catch {
      dir = join(dir, "..");
    }
  }
  throw new UsageError(
    "no captured real-kernel data: pass --real-data FILE (written by syscall-lab calibrate)",
  );
}

const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;

/** Reads and checks a capture file (the shape calibrate writes). */
export function loadCapture(path: string): RealCapture {
  let text: string;
  try {
    text = readInputText(path, { what: "real-kernel data", maxBytes: MAX_CAPTURE_BYTES });
  } catch (e) {
    throw new UsageError(`cannot read ${(e as Error).message}`);
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`real-kernel data ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const c = j as Partial<RealCapture>;
  if (typeof c !== "object" || c === null || !Array.isArray(c.validation) || typeof c.capturedOn !== "object")
    throw new UsageError(`real-kernel data ${path}: expected { capturedOn, calibration, validation: [...] }`);
  if (c.calibration !== undefined) {
    if (typeof c.calibration !== "object" || c.calibration === null || Array.isArray(c.calibration))
      throw new UsageError(`real-kernel data ${path}: calibration must be an object of { ns, baseNs? }`);
    for (const [id, v] of Object.entries(c.calibration)) {
      const ok =
        Number.isFinite(v?.ns) &&
        v.ns > 0 &&
        (v.baseNs === undefined || (Number.isFinite(v.baseNs) && v.baseNs > 0));
      if (!ok)
        throw new UsageError(
          `real-kernel data ${path}: calibration.${id} needs ns > 0 (and baseNs > 0 if given)`,
        );
    }
  }
  for (const [i, s] of c.validation.entries()) {
    const ok =
      typeof s?.id === "string" &&
      Array.isArray(s.trials) &&
      s.trials.length > 0 &&
      s.trials.every((t) => Number.isFinite(t?.ns) && t.ns > 0 && Number.isFinite(t?.baseNs) && t.baseNs > 0);
    if (!ok)
      throw new UsageError(
        `real-kernel data ${path}: validation[${i}] needs an id and trials of { ns, baseNs } > 0`,
      );
  }
  return c as RealCapture;
}

/** `syscall-lab validate --real`: every captured real-kernel set-up next to the model. */
export function runValidateReal(capture: RealCapture, profile: CostProfile, json: boolean): string {
  const rows = realKernelRows(capture, profile);
  const c = capture.calibration;
  const hostJset =
    c?.["jset-100"]?.baseNs !== undefined && c["jset-1000"]?.baseNs !== undefined ? jsetSlope(capture) : null;
  const jset = hostJset === null ? null : { host: hostJset, modelCycles: modelJsetSlope(profile) };
  if (json)
    return JSON.stringify({ capturedOn: capture.capturedOn, profile: profile.name, rows, jset }, null, 2);
  const h = capture.capturedOn;
  const within = rows.filter((r) => Math.abs(r.ratio - 1) <= 0.25).length;
  const isJset = (id: string) => id === "jset-100" || id === "jset-1000";
  const cal = Object.entries(capture.calibration ?? {}).filter(([id]) => !isJset(id));
  const cross = Object.entries(capture.crossChecks ?? {});
  return [
    `real kernel: ${h.host}, Linux ${h.kernel}, ${h.cpu}, ${h.cpus} CPUs, captured ${h.date.slice(0, 10)}`,
    `model: ${profile.name}, linux-generic; ratio = cycles per getppid with the set-up / without (real: ns / ns)`,
    table(
      ["set-up", "real ratio", "model ratio", "model/real"],
      rows.map((r) => [
        r.label,
        `${r.real.toFixed(2)} (${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)})`,
        r.model.toFixed(2),
        r.ratio.toFixed(2),
      ]),
    ),
    `${within} of ${rows.length} validation set-ups within ±25 %.`,
    "Validation set-ups: every row above; none is used to calibrate anything.",
    ...(jset === null
      ? []
      : [
          `Check of the timing model (JSET chains of 100 and 1000 instructions; sets nothing): per JIT-compiled JSET ` +
            `instruction the host takes ` +
            `${jset.host.ns.toFixed(3)} ns${
              jset.host.cycles === null
                ? ""
                : ` = ${jset.host.cycles.toFixed(2)} cycles at ${h.cpuMHz} MHz, the model ${jset.modelCycles.toFixed(2)} cycles (model/real ${(jset.modelCycles / jset.host.cycles).toFixed(2)})`
            }.`,
        ]),
    `Calibration inputs (syscall-lab calibrate uses only these): ${
      cal.length === 0
        ? "none captured"
        : cal
            .map(
              ([id, v]) =>
                `${CALIBRATION_INPUTS.find((c) => c.id === id)?.label ?? id} ${v.ns.toFixed(0)} ns`,
            )
            .join("; ")
    }.`,
    `Check (measured, used for nothing): ${
      cross.length === 0
        ? "none"
        : cross
            .map(([id, v]) => `${CROSS_CHECKS.find((c) => c.id === id)?.label ?? id} ${v.ns.toFixed(0)} ns`)
            .join("; ")
    }.`,
  ].join("\n");
}
