// One line of results.jsonl and the file as a whole: every line is checked against the schema below before it is
// used (field, line and what was expected in the message), so a tampered or foreign file is refused, never trusted.
import { closeSync, existsSync, ftruncateSync, openSync } from "node:fs";
import { isDesignFile } from "./design-file.ts";
import {
  DENIABLE_NRS,
  describe,
  FLAVOURS,
  isRecord,
  MAX_COUNT,
  MAX_DEPTH,
  MAX_GAP,
  MODES,
  type PointConfig,
  pointId,
} from "./experiment.ts";
import { readInputText } from "./input-file.ts";
import { isPolicyDesign } from "./policy-file.ts";
import type { Provenance } from "./provenance.ts";
import type { PointMeasurement } from "./sweep-point.ts";

/** One line of results.jsonl: the point's id and configuration, its numbers, and the comparison against none. */
export interface SweepResult extends Omit<PointMeasurement, "probeDenied"> {
  id: string;
  experiment: string;
  config: PointConfig;
  /** id of the `none` point with the same configuration otherwise */
  baseline: string;
  /** (sysCycles / none's − 1) × 100 */
  sysOverheadPct: number;
  /** (totalCycles / none's − 1) × 100 */
  totalOverheadPct: number;
  /** (callCycles − none's) / calls */
  extraCyclesPerCall: number;
  provenance: Provenance;
  /**
   * The deny probe (PointMeasurement.probeDenied): false when the design let through a call its task's cgroup
   * denies; null for none. Absent from a line written before sweeps recorded it: such a line is read, reported as
   * unprobed, and measured again by the next sweep into its directory.
   */
  probeDenied?: boolean | null;
}

export class ResultsError extends Error {}

/** results.jsonl larger than this is refused (a point's line is under 1 KB: this is half a million points) */
export const MAX_RESULTS_BYTES = 512 * 1024 * 1024;
const MAX_LINE = 16 * 1024;
const HEX16 = /^[0-9a-f]{16}$/;
/** an experiment name: printable (no C0 control characters), bounded */
const NAME = /^[^\p{Cc}]{1,200}$/u;
const HEX40 = /^[0-9a-f]{40}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** design ids and names: printable, no path separators in an id, bounded */
const ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

const CONFIG_KEYS = [
  "design",
  "depth",
  "mode",
  "workload",
  "profile",
  "flavour",
  "count",
  "gap",
  "denied",
  "errno",
  "seccompCache",
  "policy",
  "policySha256",
  "application",
] as const;
const NUMBER_KEYS = [
  "calls",
  "sysCycles",
  "userCycles",
  "totalCycles",
  "callCycles",
  "cyclesPerCall",
  "designMemoryBytes",
  "sysOverheadPct",
  "totalOverheadPct",
  "extraCyclesPerCall",
] as const;
const TOP_KEYS = [
  "id",
  "experiment",
  "config",
  "designId",
  "baseline",
  "provenance",
  ...NUMBER_KEYS,
] as const;
/** fields a line from an older syscall-lab may lack (see SweepResult) */
const OPTIONAL_KEYS = ["probeDenied"] as const;
const PROVENANCE_KEYS = ["version", "commit", "profileSha256", "designSha256"] as const;

/**
 * Checks one parsed line; `where` is "FILE:LINE". Returns the line typed, or throws ResultsError
 * "FILE:LINE: config.depth: must be an integer 0..32, got 1000000".
 */
export function validateResult(raw: unknown, where: string): SweepResult {
  const fail = (path: string, msg: string): never => {
    throw new ResultsError(`${where}: ${path}: ${msg}`);
  };
  if (!isRecord(raw)) return fail("(line)", `must be a JSON object, got ${describe(raw)}`);
  for (const k of Object.keys(raw))
    if (!(TOP_KEYS as readonly string[]).includes(k) && !(OPTIONAL_KEYS as readonly string[]).includes(k))
      fail(k, "is not a field of a results line");
  for (const k of TOP_KEYS)
    if (!(k in raw)) fail(k, "is missing (written by an older syscall-lab? sweep into a new directory)");
  const str = (path: string, x: unknown, re: RegExp, what: string): string => {
    if (typeof x !== "string" || !re.test(x)) fail(path, `must be ${what}, got ${describe(x)}`);
    return x as string;
  };
  const int = (path: string, x: unknown, lo: number, hi: number): number => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < lo || x > hi)
      fail(path, `must be an integer ${lo}..${hi}, got ${describe(x)}`);
    return x as number;
  };
  str("id", raw.id, HEX16, "16 hex digits");
  str("experiment", raw.experiment, NAME, "a name (1..200 printable characters)");
  str("baseline", raw.baseline, HEX16, "16 hex digits");
  // a seccomp policy's id names its file: seccomp-policy:PATH
  if (!(typeof raw.designId === "string" && isPolicyDesign(raw.designId) && raw.designId.length <= 4096))
    str("designId", raw.designId, ID, "a design id");

  const c = raw.config;
  if (!isRecord(c)) return fail("config", `must be an object, got ${describe(c)}`);
  for (const k of Object.keys(c))
    if (!(CONFIG_KEYS as readonly string[]).includes(k))
      fail(`config.${k}`, "is not a field of a point's configuration");
  if (typeof c.design !== "string" || c.design === "" || c.design.length > 4096)
    fail("config.design", `must be a design id or a design file path, got ${describe(c.design)}`);
  int("config.depth", c.depth, 0, MAX_DEPTH);
  if (!(MODES as readonly unknown[]).includes(c.mode))
    fail("config.mode", `must be "filtered" or "unfiltered", got ${describe(c.mode)}`);
  if (typeof c.workload !== "string" || c.workload === "" || c.workload.length > 4096)
    fail("config.workload", `must be a workload name or trace:PATH, got ${describe(c.workload)}`);
  if (typeof c.profile !== "string" || c.profile === "" || c.profile.length > 4096)
    fail("config.profile", `must be a profile name or file, got ${describe(c.profile)}`);
  if (!(FLAVOURS as readonly unknown[]).includes(c.flavour))
    fail("config.flavour", `must be one of ${FLAVOURS.join(", ")}, got ${describe(c.flavour)}`);
  int("config.count", c.count, 1, MAX_COUNT);
  int("config.gap", c.gap, 0, MAX_GAP);
  int("config.denied", c.denied, 0, DENIABLE_NRS.length);
  if (c.errno !== "ENOSYS" && c.errno !== "EPERM")
    fail("config.errno", `must be "ENOSYS" or "EPERM", got ${describe(c.errno)}`);
  if (typeof c.seccompCache !== "boolean")
    fail("config.seccompCache", `must be true or false, got ${describe(c.seccompCache)}`);
  const config = c as unknown as PointConfig;
  const expected = pointId(config);
  if (raw.id !== expected)
    fail("id", `does not match the configuration (its id is ${expected}, got ${describe(raw.id)})`);

  for (const k of NUMBER_KEYS) {
    const v = raw[k];
    if (typeof v !== "number" || !Number.isFinite(v)) fail(k, `must be a finite number, got ${describe(v)}`);
  }
  int("calls", raw.calls, 1, Number.MAX_SAFE_INTEGER);
  for (const k of [
    "sysCycles",
    "userCycles",
    "totalCycles",
    "callCycles",
    "cyclesPerCall",
    "designMemoryBytes",
  ] as const)
    if ((raw[k] as number) < 0) fail(k, `must not be negative, got ${raw[k]}`);

  if ("probeDenied" in raw) {
    const none = config.design === "none";
    if (none && raw.probeDenied !== null)
      fail("probeDenied", `must be null for none (it is not probed), got ${describe(raw.probeDenied)}`);
    if (!none && typeof raw.probeDenied !== "boolean")
      fail(
        "probeDenied",
        `must be true or false (the deny probe's answer), got ${describe(raw.probeDenied)}`,
      );
  }

  const p = raw.provenance;
  if (!isRecord(p)) return fail("provenance", `must be an object, got ${describe(p)}`);
  for (const k of Object.keys(p))
    if (!(PROVENANCE_KEYS as readonly string[]).includes(k))
      fail(`provenance.${k}`, "is not a provenance field");
  str("provenance.version", p.version, /^[0-9A-Za-z.+-]{1,64}$/, "a version");
  if (p.commit !== null) str("provenance.commit", p.commit, HEX40, "a 40-digit git commit or null");
  str("provenance.profileSha256", p.profileSha256, HEX64, "a SHA-256 (64 hex digits)");
  if (p.designSha256 !== null)
    str("provenance.designSha256", p.designSha256, HEX64, "a SHA-256 (64 hex digits) or null");
  if ((p.designSha256 === null) === (isDesignFile(config.design) || isPolicyDesign(config.design)))
    fail(
      "provenance.designSha256",
      p.designSha256 === null ? "is null for a design file" : "is set for a built-in design",
    );
  return raw as unknown as SweepResult;
}

export interface ResultsFile {
  results: SweepResult[];
  /** 1-based line number of an incomplete last line (no newline: an interrupted append), if there was one */
  tornLine: number | null;
  /** byte length of the complete lines (where a torn tail starts) */
  completeBytes: number;
}

/**
 * Reads and validates results.jsonl. An incomplete last line (no newline) is reported in `tornLine` and left
 * out; any complete line that is not valid JSON or not a valid result is a ResultsError naming the line. A
 * repeated id is accepted only if the two lines are identical.
 */
export function readResultsFile(path: string): ResultsFile {
  if (!existsSync(path)) return { results: [], tornLine: null, completeBytes: 0 };
  let text: string;
  try {
    text = readInputText(path, { what: "results file", maxBytes: MAX_RESULTS_BYTES });
  } catch (e) {
    throw new ResultsError((e as Error).message);
  }
  const lines = text.split("\n");
  const tail = lines.pop() ?? "";
  const tornLine = tail === "" ? null : lines.length + 1;
  const completeBytes = Buffer.byteLength(text) - Buffer.byteLength(tail);
  const results: SweepResult[] = [];
  const firstLine = new Map<string, { n: number; text: string }>();
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === "") return;
    const where = `${path}:${n}`;
    if (line.length > MAX_LINE)
      throw new ResultsError(`${where}: line is ${line.length} characters, more than ${MAX_LINE}`);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new ResultsError(`${where}: not valid JSON (${(e as Error).message}); fix or delete the line`);
    }
    const r = validateResult(json, where);
    const seen = firstLine.get(r.id);
    if (seen !== undefined) {
      if (seen.text !== line)
        throw new ResultsError(`${where}: id ${r.id} repeats line ${seen.n} with different numbers`);
      return;
    }
    firstLine.set(r.id, { n, text: line });
    results.push(r);
  });
  return { results, tornLine, completeBytes };
}

/** Cuts an incomplete last line off results.jsonl (the sweep then runs that point again). */
export function truncateTo(path: string, bytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
