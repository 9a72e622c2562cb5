// `syscall-lab` as a child process, for the tests and scripts/doc-blocks.ts. Under vitest it runs the compiled
// JavaScript that test/setup/build-cli.ts builds once per run (the form the package publishes: no tsx transform in
// every process); elsewhere the TypeScript sources through scripts/dev-cli.js.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The entry module `node` runs: the compiled CLI of this test run, or the sources through tsx. */
export const CLI_ENTRY = process.env.SYSCALL_LAB_TEST_CLI ?? join(ROOT, "scripts", "dev-cli.js");

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** added to the inherited environment */
  env?: Record<string, string>;
  cwd?: string;
  /** standard input; none (an empty pipe) when absent */
  input?: string;
  timeout?: number;
  maxBuffer?: number;
  /**
   * Reuse the result of an earlier run of the same command in this test run (any test file). Only for commands
   * whose output is a pure function of the arguments, the environment given here, the working directory and
   * the repository's files: the doc blocks, `start`, `paths`. The cache lives for one `vitest run`.
   */
  cache?: boolean;
}

function environment(o: CliOptions): NodeJS.ProcessEnv {
  return { ...process.env, ...o.env };
}

function cacheFile(args: readonly string[], o: CliOptions): string | null {
  const dir = process.env.SYSCALL_LAB_TEST_CLI_CACHE;
  if (!o.cache || dir === undefined) return null;
  const key = JSON.stringify({
    entry: CLI_ENTRY,
    args,
    env: o.env ?? {},
    cwd: o.cwd ?? ROOT,
    input: o.input ?? "",
  });
  return join(dir, `${createHash("sha256").update(key).digest("hex")}.json`);
}

function cached(file: string | null): CliRun | null {
  if (file === null) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CliRun;
  } catch {
    return null;
  }
}

function remember(file: string | null, r: CliRun): CliRun {
  // only complete runs are kept: a run that timed out or was killed is never reused
  if (file !== null && r.status !== null) {
    mkdirSync(join(file, ".."), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, file); // atomic: a concurrent reader sees the whole result or none
  }
  return r;
}

/** Runs `syscall-lab ARGS` and waits for it. */
export function cli(args: readonly string[], o: CliOptions = {}): CliRun {
  const file = cacheFile(args, o);
  const hit = cached(file);
  if (hit !== null) return hit;
  const r = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    encoding: "utf8",
    env: environment(o),
    cwd: o.cwd ?? ROOT,
    input: o.input ?? "",
    timeout: o.timeout ?? 240_000,
    maxBuffer: o.maxBuffer ?? 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== "ETIMEDOUT") throw r.error;
  return remember(file, { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });
}

/** Runs `syscall-lab ARGS` without blocking the test's thread, so that concurrent tests run their commands at once. */
export function cliAsync(args: readonly string[], o: CliOptions = {}): Promise<CliRun> {
  const file = cacheFile(args, o);
  const hit = cached(file);
  if (hit !== null) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      env: environment(o),
      cwd: o.cwd ?? ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: o.timeout ?? 240_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (status, signal) =>
      resolve(
        remember(file, {
          status,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        }),
      ),
    );
    child.stdin.end(o.input ?? "");
  });
}
