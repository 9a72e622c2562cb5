// `syscall-lab bpf check FILE` and `syscall-lab bpf run FILE --nr N ...`: a classic-BPF seccomp filter file
// checked as seccomp(SECCOMP_SET_MODE_FILTER) would, and run over one seccomp_data.
import { formatAction, resolveAction } from "../kernel/seccomp/actions.ts";
import { seccompPrepareFilter } from "../kernel/seccomp/checker.ts";
import { FilterFileError, parseFilterBytes } from "../kernel/seccomp/filter-file.ts";
import { type RunStats, runFilter } from "../kernel/seccomp/interpreter.ts";
import { ARCH_BY_NAME, archName, makeSeccompData } from "../kernel/seccomp/seccomp-data.ts";
import type { SockFilter } from "../kernel/seccomp/sock-filter.ts";
import { INPUT_LIMITS, InputFileError, readInputFile } from "../measure/input-file.ts";

export interface BpfCommandResult {
  output: string;
  /** 0 accepted / ran, 1 rejected by the checker, 2 unreadable or malformed file or bad option */
  exitCode: number;
}

export interface BpfCheckOptions {
  json?: boolean;
}

export interface BpfRunOptions {
  nr: number | string;
  /** `x86_64` (default), `i386`, or an AUDIT_ARCH_* number */
  arch?: string | number;
  /** up to 6 values; a string may be a comma-separated list (`--args 1,0x10`) */
  args?: readonly (bigint | number | string)[] | string;
  ip?: bigint | number | string;
  json?: boolean;
}

function readFilter(file: string): { prog: SockFilter[]; format: string } | BpfCommandResult {
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(file, { what: "filter", maxBytes: INPUT_LIMITS.filter, allowStdin: true });
  } catch (e) {
    if (e instanceof InputFileError) return { output: e.message, exitCode: 2 };
    throw e;
  }
  try {
    return parseFilterBytes(bytes);
  } catch (e) {
    if (e instanceof FilterFileError) return { output: `${file}: ${e.message}`, exitCode: 2 };
    throw e;
  }
}

const isResult = (x: unknown): x is BpfCommandResult =>
  typeof x === "object" && x !== null && "exitCode" in x;

export function bpfCheck(file: string, opts: BpfCheckOptions = {}): BpfCommandResult {
  const read = readFilter(file);
  if (isResult(read)) return opts.json ? { ...read, output: JSON.stringify({ error: read.output }) } : read;
  const res = seccompPrepareFilter(read.prog);
  if (opts.json) {
    const body = res.ok
      ? {
          result: "ok",
          format: read.format,
          instructions: read.prog.length,
          ebpfInstructions: res.filter.ebpfLen,
        }
      : { result: res.errnoName, errno: res.errno, stage: res.stage, pc: res.pc, reason: res.reason };
    return { output: JSON.stringify(body), exitCode: res.ok ? 0 : 1 };
  }
  if (res.ok) return { output: "ok", exitCode: 0 };
  return { output: `${res.errnoName}\n${res.stage}: ${res.reason}`, exitCode: 1 };
}

class OptionError extends Error {}

function parseBig(name: string, v: bigint | number | string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new OptionError(`${name}: ${v} is not an integer`);
    return BigInt(v);
  }
  const t = v.trim();
  if (!/^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t))
    throw new OptionError(`${name}: ${JSON.stringify(v)} is not a number`);
  return t.startsWith("-") ? -BigInt(t.slice(1)) : BigInt(t);
}

function parseRunOptions(o: BpfRunOptions): { nr: number; arch: number; args: bigint[]; ip: bigint } {
  const nr = parseBig("--nr", o.nr);
  if (nr < -0x80000000n || nr > 0xffffffffn) throw new OptionError(`--nr: ${nr} does not fit in 32 bits`);
  let arch: number;
  if (o.arch === undefined) arch = ARCH_BY_NAME.x86_64!;
  else if (typeof o.arch === "string" && Object.hasOwn(ARCH_BY_NAME, o.arch)) arch = ARCH_BY_NAME[o.arch]!;
  else {
    const a = parseBig("--arch", o.arch);
    if (a < 0n || a > 0xffffffffn)
      throw new OptionError(`--arch: expected x86_64, i386 or a 32-bit AUDIT_ARCH value`);
    arch = Number(a);
  }
  const list = typeof o.args === "string" ? o.args.split(",") : (o.args ?? []);
  if (list.length > 6) throw new OptionError(`--args: at most 6 values, got ${list.length}`);
  const args = list.map((a, i) => BigInt.asUintN(64, parseBig(`--args[${i}]`, a)));
  const ip = BigInt.asUintN(64, o.ip === undefined ? 0n : parseBig("--ip", o.ip));
  return { nr: Number(BigInt.asIntN(32, nr)), arch, args, ip };
}

export function bpfRun(file: string, opts: BpfRunOptions): BpfCommandResult {
  let p: ReturnType<typeof parseRunOptions>;
  try {
    p = parseRunOptions(opts);
  } catch (e) {
    if (e instanceof OptionError) return { output: e.message, exitCode: 2 };
    throw e;
  }
  const read = readFilter(file);
  if (isResult(read)) return opts.json ? { ...read, output: JSON.stringify({ error: read.output }) } : read;
  const res = seccompPrepareFilter(read.prog);
  if (!res.ok) {
    if (opts.json)
      return { output: JSON.stringify({ result: res.errnoName, reason: res.reason }), exitCode: 1 };
    return { output: `filter rejected: ${res.errnoName}\n${res.stage}: ${res.reason}`, exitCode: 1 };
  }
  const data = makeSeccompData({ nr: p.nr, arch: p.arch, instructionPointer: p.ip, args: p.args });
  const stats: RunStats = { insns: 0 };
  const action = resolveAction(runFilter(res.filter, data, stats));
  if (opts.json)
    return {
      output: JSON.stringify({
        action: action.action,
        data: action.data,
        ret: `0x${action.ret.toString(16).padStart(8, "0")}`,
        unknownAction: action.unknown,
        instructions: stats.insns,
        nr: p.nr,
        arch: archName(p.arch),
      }),
      exitCode: 0,
    };
  return {
    output: `${formatAction(action)}\n${stats.insns} instruction${stats.insns === 1 ? "" : "s"}`,
    exitCode: 0,
  };
}
