// --max-insns, --timeout and --memory: the bounds of every command that runs guest code. They become the process
// defaults of Machine.boot (src/kernel/guest-limits.ts), so each machine the command boots runs under them; the
// time limit is one deadline for the whole command.
import type { Command } from "commander";
import { ENGINES, type Engine, setDefaultEngine } from "../cpu/jit/engine.ts";
import { type GuestLimits, setDefaultGuestLimits } from "../kernel/guest-limits.ts";
import { UsageError } from "./output.ts";

/** Instructions per machine unless --max-insns says otherwise (about a minute of host time). */
export const DEFAULT_MAX_INSNS = 2_000_000_000;
/** Seconds of wall-clock time per command unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_S = 600;
/** Guest physical memory bounds for --memory. */
const MIN_MEMORY = 16 * 1024 * 1024;
const MAX_MEMORY = 1024 * 1024 * 1024;

export interface GuestLimitCliOptions {
  maxInsns?: string;
  timeout?: string;
  memory?: string;
  engine?: string;
}

/** `scope` "point": `sweep`, where each point's machine has its own time limit (a sweep is resumable). */
export function addGuestLimitOptions(cmd: Command, scope: "command" | "point" = "command"): Command {
  const per = scope === "point" ? "point" : "machine";
  return cmd
    .option(
      "--max-insns <n>",
      `instruction budget per ${per}; past it: "stopped by the instruction budget", exit 125 (default ${DEFAULT_MAX_INSNS.toExponential()})`,
    )
    .option(
      "--timeout <seconds>",
      `wall-clock limit of ${scope === "point" ? "each point" : "the command"}; past it: "stopped by the time limit", exit 124 (default ${DEFAULT_TIMEOUT_S})`,
    )
    .option(
      "--memory <size>",
      "guest physical memory, e.g. 64M or 1G (default 256M; mmap/brk/fork get ENOMEM past it)",
    )
    .option(
      "--engine <engine>",
      "interp (the interpreter) or jit (basic blocks compiled to JavaScript): the same cycles and counts (default: $SYSCALL_LAB_ENGINE, else jit)",
    );
}

/** The engine --engine or SYSCALL_LAB_ENGINE asks for (undefined: the built-in default). */
export function parseEngine(v: string | undefined, from: string): Engine | undefined {
  if (v === undefined || v === "") return undefined;
  if (!(ENGINES as readonly string[]).includes(v))
    throw new UsageError(`${from} must be one of ${ENGINES.join(", ")}, got '${v}'`);
  return v as Engine;
}

export function parseMaxInsns(v: string): number {
  const m = /^(\d{1,16})(?:e(\d{1,2}))?$/i.exec(v.replace(/_/g, ""));
  const n = m === null ? Number.NaN : Number(m[1]) * 10 ** Number(m[2] ?? 0);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--max-insns must be a positive integer (e.g. 1000000 or 2e9), got '${v}'`);
  return n;
}

export function parseTimeout(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--timeout must be a number of seconds, got '${v}'`);
  const s = Number(v);
  if (!(s > 0) || s > 7 * 86400) throw new UsageError(`--timeout must be from 0 to 604800 seconds, got ${v}`);
  return s;
}

export function parseMemory(v: string): number {
  const m = /^(\d{1,10})([KMG]i?B?)?$/i.exec(v);
  if (m === null) throw new UsageError(`--memory must be a size such as 64M or 1G, got '${v}'`);
  const unit = (m[2] ?? "").charAt(0).toUpperCase();
  const n = Number(m[1]) * (unit === "K" ? 1024 : unit === "M" ? 1024 ** 2 : unit === "G" ? 1024 ** 3 : 1);
  if (n < MIN_MEMORY || n > MAX_MEMORY) throw new UsageError(`--memory must be from 16M to 1G, got ${v}`);
  if (n % 4096 !== 0) throw new UsageError(`--memory must be a multiple of 4 KiB, got ${v}`);
  return n;
}

/** The limits the options ask for, with the defaults; `startedAt` (performance.now()) starts the time limit. */
export function guestLimitsOf(o: GuestLimitCliOptions, startedAt = performance.now()): GuestLimits {
  const timeoutMs = (o.timeout !== undefined ? parseTimeout(o.timeout) : DEFAULT_TIMEOUT_S) * 1000;
  return {
    maxInstructions: o.maxInsns !== undefined ? parseMaxInsns(o.maxInsns) : DEFAULT_MAX_INSNS,
    timeoutMs,
    deadline: startedAt + timeoutMs,
    ...(o.memory !== undefined ? { memoryBytes: parseMemory(o.memory) } : {}),
  };
}

/** A sweep's limits: the same options and defaults, each point's machine timed from its own boot. */
export function pointLimitsOf(o: GuestLimitCliOptions): {
  maxInstructions: number;
  timeoutMs: number;
  memoryBytes?: number;
} {
  const { deadline: _whole, ...perMachine } = guestLimitsOf(o);
  return perMachine as { maxInstructions: number; timeoutMs: number; memoryBytes?: number };
}

/** Sets the process defaults from the command's options (called before its action). */
export function applyGuestLimitOptions(o: GuestLimitCliOptions): void {
  setDefaultGuestLimits(guestLimitsOf(o));
  const engine =
    parseEngine(o.engine, "--engine") ?? parseEngine(process.env.SYSCALL_LAB_ENGINE, "SYSCALL_LAB_ENGINE");
  if (engine !== undefined) setDefaultEngine(engine);
}
