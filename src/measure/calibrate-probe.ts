// The native probe (calibrate/probe.c) on the user's machine: find a C compiler, build the probe from the committed
// source into a temporary directory, run its modes with a time limit each, and parse their one-line answers.
// Used by `syscall-lab calibrate` and by scripts/capture-real-kernel.ts; the tests never need a compiler.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** calibrate/probe.c, found from this file in the source tree and in the built package alike. */
export function probeSourcePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "calibrate", "probe.c");
    if (existsSync(p)) return p;
    dir = resolve(dir, "..");
  }
  throw new Error("calibrate/probe.c not found next to the package");
}

/** The first C compiler on PATH ($CC first), or null. */
export function findCompiler(): string | null {
  const candidates = [process.env.CC, "cc", "gcc", "clang"].filter(
    (c): c is string => c !== undefined && c !== "",
  );
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (r.status === 0) return c;
  }
  return null;
}

export interface Probe {
  compiler: string;
  path: string;
  dir: string;
  /** one mode's answer; throws with the probe's stderr on failure */
  run(args: readonly string[], timeoutMs?: number): ProbeAnswer;
  /** runs `cmd` (e.g. strace) with the probe's path appended to `prefix` */
  runUnder(prefix: readonly string[], args: readonly string[], timeoutMs?: number): ProbeAnswer;
  dispose(): void;
}

export interface ProbeAnswer {
  /** ns per operation: the minimum over the probe's repeats */
  ns: number;
  /** `filter` mode: the plain getppid loop timed in the same process before the filter went on */
  baseNs?: number;
}

function parse(out: string, what: string): ProbeAnswer {
  const ns = /^ns_per_op ([0-9.]+)$/m.exec(out);
  if (ns === null) throw new Error(`probe ${what}: no "ns_per_op" line in its output`);
  const base = /^base_ns_per_op ([0-9.]+)$/m.exec(out);
  return { ns: Number(ns[1]), ...(base !== null ? { baseNs: Number(base[1]) } : {}) };
}

/** Builds the probe with `compiler` (-O2) in a fresh temporary directory. */
export function buildProbe(compiler: string): Probe {
  const dir = mkdtempSync(join(tmpdir(), "syscall-lab-probe-"));
  const path = join(dir, "probe");
  const b = spawnSync(compiler, ["-O2", "-o", path, probeSourcePath()], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (b.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the probe with ${compiler} failed:\n${b.stderr || b.error?.message || ""}`);
  }
  const exec = (cmd: string, argv: readonly string[], timeoutMs: number, what: string): ProbeAnswer => {
    const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: timeoutMs });
    if (r.error !== undefined) throw new Error(`probe ${what}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`probe ${what} exited ${r.status}: ${r.stderr.trim()}`);
    return parse(r.stdout, what);
  };
  return {
    compiler,
    path,
    dir,
    run: (args, timeoutMs = 120_000) => exec(path, args, timeoutMs, args.join(" ")),
    runUnder: (prefix, args, timeoutMs = 300_000) =>
      exec(
        prefix[0]!,
        [...prefix.slice(1), path, ...args],
        timeoutMs,
        [...prefix, "probe", ...args].join(" "),
      ),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The CPU's vulnerability mitigations: every file of /sys/devices/system/cpu/vulnerabilities. */
export function readMitigations(
  dir = "/sys/devices/system/cpu/vulnerabilities",
): Record<string, string> | null {
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch {
    return null;
  }
  const out: Record<string, string> = {};
  for (const f of files) {
    try {
      out[f] = readFileSync(join(dir, f), "utf8").trim();
    } catch {
      out[f] = "(unreadable)";
    }
  }
  return out;
}

/** What identifies the host: name, kernel, CPU model and MHz (from /proc/cpuinfo when readable). */
export function hostInfo(): {
  host: string;
  kernel: string;
  cpu: string;
  cpuMHz: number | null;
  cpus: number;
} {
  let cpu = "unknown";
  let mhz: number | null = null;
  let cpus = 0;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? cpu;
    const m = /^cpu MHz\s*:\s*([0-9.]+)$/m.exec(info);
    mhz = m !== null ? Number(m[1]) : null;
    cpus = (info.match(/^processor\s*:/gm) ?? []).length;
  } catch {
    // not Linux: leave unknown
  }
  const un = spawnSync("uname", ["-r"], { encoding: "utf8" });
  return { host: hostname(), kernel: un.status === 0 ? un.stdout.trim() : "unknown", cpu, cpuMHz: mhz, cpus };
}
