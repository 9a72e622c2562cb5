// Application workloads of an experiment (`"applications"` and `app:NAME` workloads): an unmodified program run
// from a guest root (`exec --root`), with its inputs generated deterministically into the guest's file system.
// Validated as data; the program is the user's choice of a file already on the host (nothing of the experiment
// file is executed by the tool itself).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { describe, isRecord } from "./experiment.ts";

/** A generated input file: deterministic bytes from a seed. */
export type InputSpec =
  | { text: number; seed: number } // words of a-z separated by spaces, lines of 3..10 words, `text` bytes
  | { sqlInserts: number }; // BEGIN; CREATE TABLE; N INSERTs; COMMIT; a SELECT of the count and sums

export interface ApplicationSpec {
  /** argv; argv[0] is the absolute guest path of the program */
  argv: string[];
  /** the host directory mounted read-only as the guest's / (absolute after validation) */
  root: string;
  /** guest path of one of `inputs` read as standard input */
  stdin?: string;
  /** guest path → generator */
  inputs: Record<string, InputSpec>;
  env: string[];
  /** SHA-256 of the program file in the root when the experiment was loaded (null: not installed) */
  programSha256: string | null;
}

export const MAX_APP_INPUT_BYTES = 64 * 1024 * 1024;
export const MAX_SQL_ROWS = 1_000_000;
const APP_KEYS = ["argv", "root", "stdin", "inputs", "env", "description"];

/**
 * Validates one application; `fail(path, msg)` throws with the experiment's label. Relative roots resolve
 * against `baseDir`. The program's hash is read from the host root (null when it is absent: the points are
 * then excluded with a message).
 */
export function validateApplication(
  raw: unknown,
  path: string,
  baseDir: string,
  fail: (path: string, msg: string) => never,
): ApplicationSpec {
  if (!isRecord(raw)) return fail(path, `must be an object, got ${describe(raw)}`);
  for (const k of Object.keys(raw))
    if (!APP_KEYS.includes(k))
      fail(`${path}.${k}`, `is not a field of an application (known: ${APP_KEYS.join(", ")})`);
  const argv = raw.argv;
  if (!Array.isArray(argv) || argv.length === 0 || argv.length > 256)
    return fail(`${path}.argv`, "must be a non-empty array of at most 256 strings");
  argv.forEach((a, i) => {
    if (typeof a !== "string" || a.length > 4096 || a.includes("\0"))
      fail(`${path}.argv[${i}]`, `must be a string without NUL, got ${describe(a)}`);
  });
  if (!(argv[0] as string).startsWith("/"))
    fail(`${path}.argv[0]`, "must be the program's absolute guest path");
  const rootRaw = raw.root ?? "/";
  if (typeof rootRaw !== "string" || rootRaw === "") return fail(`${path}.root`, "must be a host directory");
  const root = isAbsolute(rootRaw) ? rootRaw : resolve(baseDir, rootRaw);
  if (!existsSync(root) || !statSync(root).isDirectory())
    fail(`${path}.root`, `${rootRaw} is not a directory`);
  const inputs: Record<string, InputSpec> = {};
  if (raw.inputs !== undefined) {
    if (!isRecord(raw.inputs)) return fail(`${path}.inputs`, "must be an object of guest path → generator");
    for (const [g, spec] of Object.entries(raw.inputs)) {
      const at = `${path}.inputs[${JSON.stringify(g)}]`;
      if (!g.startsWith("/tmp/") || g.includes("/../") || g.length > 256)
        fail(at, "must be a guest path under /tmp/");
      if (!isRecord(spec)) return fail(at, "must be { text, seed } or { sqlInserts }");
      const int = (k: string, v: unknown, max: number): number => {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
          fail(`${at}.${k}`, `must be an integer 0..${max}, got ${describe(v)}`);
        return v as number;
      };
      const keys = Object.keys(spec).sort().join(",");
      if (keys === "seed,text")
        inputs[g] = {
          text: int("text", spec.text, MAX_APP_INPUT_BYTES),
          seed: int("seed", spec.seed, 2 ** 32 - 1),
        };
      else if (keys === "sqlInserts")
        inputs[g] = { sqlInserts: int("sqlInserts", spec.sqlInserts, MAX_SQL_ROWS) };
      else fail(at, `must be { text, seed } or { sqlInserts }, got the fields ${keys || "none"}`);
    }
  }
  if (raw.stdin !== undefined && (typeof raw.stdin !== "string" || !Object.hasOwn(inputs, raw.stdin)))
    fail(`${path}.stdin`, `must name one of the inputs, got ${describe(raw.stdin)}`);
  const env = raw.env ?? [];
  if (!Array.isArray(env) || env.some((e) => typeof e !== "string" || !e.includes("=")))
    fail(`${path}.env`, "must be an array of NAME=value strings");
  const program = join(root, argv[0] as string);
  let programSha256: string | null = null;
  try {
    programSha256 = createHash("sha256").update(readFileSync(program)).digest("hex");
  } catch {
    programSha256 = null;
  }
  return {
    argv: argv as string[],
    root,
    ...(raw.stdin !== undefined ? { stdin: raw.stdin as string } : {}),
    inputs,
    env: env as string[],
    programSha256,
  };
}

/** xorshift32: the generators' only source of variation */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** The bytes of a generated input. */
export function generateInput(spec: InputSpec): Uint8Array {
  if ("sqlInserts" in spec) {
    const lines = ["CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value INTEGER);", "BEGIN;"];
    for (let i = 1; i <= spec.sqlInserts; i++)
      lines.push(`INSERT INTO t(name, value) VALUES('row ${i}', ${(i * 7919) % 10007});`);
    lines.push("COMMIT;", "SELECT count(*), sum(value), max(length(name)) FROM t;");
    return new TextEncoder().encode(`${lines.join("\n")}\n`);
  }
  const next = xorshift(spec.seed);
  const words: string[] = [];
  for (let i = 0; i < 2000; i++) {
    let w = "";
    const len = 3 + (next() % 7);
    for (let j = 0; j < len; j++) w += String.fromCharCode(97 + (next() % 26));
    words.push(w);
  }
  const out = new Uint8Array(spec.text);
  let n = 0;
  while (n < spec.text) {
    const count = 3 + (next() % 8);
    let line = "";
    for (let i = 0; i < count; i++) line += (i > 0 ? " " : "") + words[next() % words.length];
    line += "\n";
    for (let i = 0; i < line.length && n < spec.text; i++) out[n++] = line.charCodeAt(i);
  }
  // the last line is cut at the size; end it with a newline so every tool reads whole lines
  if (spec.text > 0) out[spec.text - 1] = 10;
  return out;
}
