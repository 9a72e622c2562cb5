// `syscall-lab bpf check FILE` and `syscall-lab bpf run FILE --nr N ...`: a classic-BPF seccomp filter file
// checked as seccomp(SECCOMP_SET_MODE_FILTER) would, and run over one seccomp_data.
import { disassemble } from "../entry/disassembler.ts";
import { BPF_JIT_BASE } from "../kernel/layout.ts";
import {
  formatAction,
  resolveAction,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
} from "../kernel/seccomp/actions.ts";
import { bpfConvertFilter, convertedStackDepth, formatBpfInsn } from "../kernel/seccomp/bpf-convert.ts";
import { bpfIntJitCompile, insnAtOffset } from "../kernel/seccomp/bpf-jit-x86.ts";
import { seccompPrepareFilter } from "../kernel/seccomp/checker.ts";
import { attachPrepared } from "../kernel/seccomp/filter-chain.ts";
import { FilterFileError, parseFilterBytes } from "../kernel/seccomp/filter-file.ts";
import { type RunStats, runFilter } from "../kernel/seccomp/interpreter.ts";
import { imageLabels } from "../kernel/seccomp/jit-image.ts";
import { ARCH_BY_NAME, archName, makeSeccompData, OFFSET_ARGS } from "../kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../kernel/seccomp/sock-filter.ts";
import { CACHE_GEOMETRY_3_1, SECCOMP_MODE_FILTER } from "../kernel/seccomp-filter-mode.ts";
import { TIF_SECCOMP } from "../kernel/tif.ts";
import { INPUT_LIMITS, InputFileError, readInputFile } from "../measure/input-file.ts";
import { type CostProfile, getProfile } from "../measure/profile.ts";
import { runWorkload } from "../measure/run-workload.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";

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
    if (e instanceof InputFileError) return { output: e.message, exitCode: EXIT_USAGE };
    throw e;
  }
  try {
    return parseFilterBytes(bytes);
  } catch (e) {
    if (e instanceof FilterFileError) return { output: `${file}: ${e.message}`, exitCode: EXIT_USAGE };
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
    return { output: JSON.stringify(body), exitCode: res.ok ? EXIT_OK : EXIT_FAILED };
  }
  if (res.ok) return { output: "ok", exitCode: EXIT_OK };
  return { output: `${res.errnoName}\n${res.stage}: ${res.reason}`, exitCode: EXIT_FAILED };
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
    if (e instanceof OptionError) return { output: e.message, exitCode: EXIT_USAGE };
    throw e;
  }
  const read = readFilter(file);
  if (isResult(read)) return opts.json ? { ...read, output: JSON.stringify({ error: read.output }) } : read;
  const res = seccompPrepareFilter(read.prog);
  if (!res.ok) {
    if (opts.json)
      return { output: JSON.stringify({ result: res.errnoName, reason: res.reason }), exitCode: EXIT_FAILED };
    return {
      output: `filter rejected: ${res.errnoName}\n${res.stage}: ${res.reason}`,
      exitCode: EXIT_FAILED,
    };
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
      exitCode: EXIT_OK,
    };
  return {
    output: `${formatAction(action)}\n${stats.insns} instruction${stats.insns === 1 ? "" : "s"}`,
    exitCode: EXIT_OK,
  };
}

export interface BpfJitOptions {
  json?: boolean;
}

/**
 * `syscall-lab bpf jit FILE`: the filter as the kernel runs it with bpf_jit_enable=1: the eBPF of
 * bpf_convert_filter and the x86-64 image of the JIT (AT&T), each line with the classic pc it came from.
 */
export function bpfJit(file: string, opts: BpfJitOptions = {}): BpfCommandResult {
  const read = readFilter(file);
  if (isResult(read)) return opts.json ? { ...read, output: JSON.stringify({ error: read.output }) } : read;
  const res = seccompPrepareFilter(read.prog);
  if (!res.ok) {
    if (opts.json)
      return { output: JSON.stringify({ result: res.errnoName, reason: res.reason }), exitCode: EXIT_FAILED };
    return {
      output: `filter rejected: ${res.errnoName}\n${res.stage}: ${res.reason}`,
      exitCode: EXIT_FAILED,
    };
  }
  const ebpf = bpfConvertFilter(res.filter);
  const image = bpfIntJitCompile(ebpf, convertedStackDepth(ebpf));
  const name = "bpf_prog_1_seccomp";
  const base = BigInt.asUintN(64, BigInt(BPF_JIT_BASE));
  const labels = imageLabels(name, BPF_JIT_BASE, ebpf, image, new Map());
  const lines = disassemble(image.bytes, base);
  const pcOf = (addr: bigint): number => {
    const i = insnAtOffset(image, Number(addr - base));
    return i < 0 ? -1 : ebpf[i]!.line;
  };
  const x86 = disassemble(image.bytes, base, { symbols: labels });
  if (opts.json)
    return {
      output: JSON.stringify({
        ebpf: ebpf.map((x) => ({ pc: x.line, insn: formatBpfInsn(x) })),
        image: {
          symbol: name,
          addr: `0x${base.toString(16)}`,
          bytes: image.bytes.length,
          passes: image.passes,
        },
        x86: x86.map((l) => ({
          pc: pcOf(l.addr),
          offset: Number(l.addr - base),
          bytes: l.bytes,
          insn: l.text,
        })),
      }),
      exitCode: EXIT_OK,
    };
  const pcCol = (pc: number) => (pc < 0 ? "   -" : String(pc).padStart(4));
  const out: string[] = [];
  out.push(`eBPF (bpf_convert_filter): ${ebpf.length} instructions`);
  out.push("  pc  insn");
  for (const x of ebpf) out.push(`${pcCol(x.line)}  ${formatBpfInsn(x)}`);
  out.push("");
  out.push(
    `x86-64 (arch/x86/net/bpf_jit_comp.c, Linux 6.18): ${image.bytes.length} bytes after ${image.passes} passes, ` +
      `${lines.length} instructions at ${name} = 0x${base.toString(16)}`,
  );
  out.push("  pc  offset  bytes                     insn");
  for (const l of x86)
    out.push(
      `${pcCol(pcOf(l.addr))}  ${`+${Number(l.addr - base)}`.padEnd(6)}  ${l.bytes.padEnd(24)}  ${l.text}`,
    );
  return { output: out.join("\n"), exitCode: EXIT_OK };
}

/** The filter of `bpf cost`: load args[0], compare it with `checks` values that never match, then ALLOW. */
export function argCheckFilter(checks: number): SockFilter[] {
  const f: SockFilter[] = [bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARGS)];
  for (let i = 0; i < checks; i++) f.push(bpfJump(BPF_JMP | BPF_JEQ | BPF_K, 0x10000 + i, checks - i, 0));
  f.push(bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  f.push(bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1));
  return f;
}

/** The real ratios of issue 10 (a getppid loop on this project's capture host kind, Linux 6.18). */
const REAL_RATIO: Readonly<Record<number, number>> = { 50: 1.4, 200: 1.53 };

export interface BpfCostOptions {
  checks?: readonly number[];
  profile?: string;
  json?: boolean;
}

/**
 * `syscall-lab bpf cost`: getppid round-trip cycles (the null workload) on linux-generic with a filter of N
 * argument checks, with the JIT and with the interpreter model, against no filter.
 */
export function bpfCost(opts: BpfCostOptions = {}): BpfCommandResult {
  const checks = opts.checks ?? [1, 50, 200];
  for (const n of checks)
    if (!Number.isInteger(n) || n < 1 || n > 250)
      return { output: `--checks: ${n} is not an integer from 1 to 250`, exitCode: EXIT_USAGE };
  let profile: CostProfile;
  try {
    profile = getProfile(opts.profile ?? "cascadelake-2022");
  } catch (e) {
    return { output: (e as Error).message, exitCode: EXIT_USAGE };
  }
  const cycles = (filter: SockFilter[] | null, jit: boolean): number => {
    const r = runWorkload({
      workload: "null",
      count: 200,
      profile,
      flavour: "linux-generic",
      bpfJit: jit,
      setup: (_m, t) => {
        if (filter === null) return;
        const p = seccompPrepareFilter(filter);
        if (!p.ok) throw new Error(p.reason);
        const a = attachPrepared(null, p.filter, CACHE_GEOMETRY_3_1);
        if (!a.ok) throw new Error(a.reason);
        t.seccompFilter = a.head;
        t.seccompMode = SECCOMP_MODE_FILTER;
        t.tif.set(TIF_SECCOMP);
      },
    });
    return r.cyclesPerCall;
  };
  const none = cycles(null, true);
  const rows = checks.map((n) => {
    const f = argCheckFilter(n);
    const on = cycles(f, true);
    const off = cycles(f, false);
    return {
      checks: n,
      jit: on,
      interpreter: off,
      ratioJit: on / none,
      ratioInterpreter: off / none,
      real: REAL_RATIO[n] ?? null,
    };
  });
  if (opts.json) return { output: JSON.stringify({ profile: profile.name, none, rows }), exitCode: EXIT_OK };
  const fx = (x: number) => `${x.toFixed(2)}×`;
  const out = [
    `getppid round trip, linux-generic + ${profile.name}, filter = ld args[0]; N × jeq (no match); ret ALLOW`,
    `no filter: ${none.toFixed(1)} cycles`,
    "   N   JIT cycles  ratio   interpreter cycles  ratio   real ratio",
    ...rows.map((r) =>
      `${String(r.checks).padStart(4)}  ${r.jit.toFixed(1).padStart(11)}  ${fx(r.ratioJit).padStart(5)}  ${r.interpreter
        .toFixed(1)
        .padStart(
          19,
        )}  ${fx(r.ratioInterpreter).padStart(5)}  ${r.real === null ? "-" : fx(r.real)}`.trimEnd(),
    ),
  ];
  return { output: out.join("\n"), exitCode: EXIT_OK };
}
