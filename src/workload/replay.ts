// A parsed strace log as generated guest programs, one per traced process, and the replay script the kernel's
// replay backend answers them from (src/kernel/replay-backend.ts). Each recorded call becomes: its integer
// arguments loaded into rdi, rsi, rdx, r10, r8, r9, its x86_64 number into eax, `syscall`. The program then
// calls exit_group(0). Calls whose name has no x86_64 number are skipped and counted. docs/replay.md.
import { Assembler } from "../entry/assembler.ts";
import { errnoNumber } from "../kernel/errno-names.ts";
import type { ReplayCall, ReplayScript } from "../kernel/replay-backend.ts";
import { REPLAY_NR_SYSCALLS } from "../kernel/replay-backend.ts";
import {
  BYTES_FROM_PATH,
  BYTES_FROM_RESULT,
  type ReplayCosts,
  replayCallCost,
  replayCostClass,
} from "../measure/replay-costs.ts";
import type { StraceCall, StraceLog, StraceResult, StraceValue } from "./strace.ts";
import { USER_TEXT_BASE, type UserImage } from "./user-program.ts";

/** Argument registers of the x86_64 syscall ABI, in order. */
const ARG_REGS = ["%rdi", "%rsi", "%rdx", "%r10", "%r8", "%r9"] as const;

/** `addq $1, %r12`: REX.W 83 /0 ib with ModRM 0xc4 (r12 = 4 + REX.B) */
const ADDQ_1_R12 = Uint8Array.of(0x49, 0x83, 0xc4, 0x01);

/**
 * Most user instructions one recorded gap becomes (≈1.5 µs at 3.4 GHz, one cycle per addq). strace's ptrace stops
 * stretch every gap (tens of µs per traced call), so recorded gaps overstate the program's own user time; the cap
 * bounds that distortion and the emulation time. A gap is a `call` into a block of `addq $1, %r12` ending in `ret`.
 */
export const GAP_CAP_INSTRUCTIONS = 5000;

export interface ReplayGapOptions {
  /** cycles per second: recorded seconds → cycles */
  clockHz: number;
  /** cycles of one `addq $1, %r12` (the profile's alu class) */
  addCycles: number;
  /** default GAP_CAP_INSTRUCTIONS */
  cap?: number;
}

export interface ReplayBuildOptions {
  costs: ReplayCosts;
  /** turn recorded time between calls of a process into user instructions (off when absent) */
  gaps?: ReplayGapOptions;
}

export interface ReplayProgram {
  /** traced pid (0: lines without a pid prefix) */
  pid: number;
  image: UserImage;
  /** `addq` instructions the gaps execute in all */
  gapInstructions: number;
  /** gaps cut to the cap */
  cappedGaps: number;
}

export interface SkippedCall {
  line: number;
  pid: number;
  name: string;
  reason: string;
}

export interface ReplayPlan {
  /** processes[i] of the script runs programs[i] */
  script: ReplayScript;
  programs: ReplayProgram[];
  /** calls the parser produced */
  parsedCalls: number;
  /** calls in the script */
  replayedCalls: number;
  /** parsed calls left out: no x86_64 number, or a number outside the replay table */
  skipped: SkippedCall[];
  /** the recorded times were -r deltas (summed into absolute times for the gaps) */
  relativeTimes: boolean;
  /** recorded gaps became user instructions */
  gaps: boolean;
  /** most instructions per gap (0 without gaps) */
  gapCap: number;
}

/** An argument as an integer register value: numbers, pointers, fds, NULL; anything else 0. */
export function argValue(v: StraceValue): bigint {
  switch (v.kind) {
    case "int":
    case "pointer":
      return v.value;
    case "fd":
      return BigInt(v.fd);
    case "named":
      return argValue(v.value);
    case "changed":
      return argValue(v.before);
    default:
      return 0n;
  }
}

/** What the guest sees: the recorded value, -errno for a failure, 0 when nothing was recorded (`= ?`). */
export function recordedReturn(r: StraceResult | null): bigint {
  if (r === null) return 0n;
  if (r.errno !== undefined && (r.value === null || r.value < 0n)) {
    const e = errnoNumber(r.errno);
    if (e !== undefined) return BigInt(-e);
  }
  return BigInt.asIntN(64, r.value ?? 0n);
}

function copiedBytes(c: StraceCall, fromResult: boolean, fromPath: boolean): number {
  if (fromResult) {
    const v = c.result?.value;
    return c.result?.errno === undefined && v !== null && v !== undefined && v > 0n ? Number(v) : 0;
  }
  if (fromPath) {
    const s = c.args.find((a) => a.kind === "string");
    return s !== undefined && s.kind === "string" ? s.value.length + 1 : 0;
  }
  return 0;
}

/** The script entry of a recorded call: its number, what it returns, its modelled body cost, its line. */
export function replayCall(c: StraceCall, costs: ReplayCosts): ReplayCall {
  return replayCallOf(compactCall(c), costs);
}

/** What the replay needs of a recorded call, without its parsed arguments (kept for calls read ahead). */
export interface CompactCall {
  pid: number;
  line: number;
  nr: number;
  name: string;
  ret: bigint;
  /** bytes its body copies (replay-costs.ts) */
  copied: number;
  /** its machine code (replayCallCode) */
  code: Uint8Array;
}

export function compactCall(c: StraceCall): CompactCall {
  const cls = replayCostClass(c.name);
  return {
    pid: c.pid,
    line: c.line,
    nr: c.nr,
    name: c.name,
    ret: recordedReturn(c.result),
    copied: copiedBytes(c, BYTES_FROM_RESULT.has(cls), BYTES_FROM_PATH.has(cls)),
    code: replayCallCode(c),
  };
}

/** The script entry of a compacted call under `costs`. */
export function replayCallOf(c: CompactCall, costs: ReplayCosts): ReplayCall {
  return {
    nr: c.nr,
    name: c.name,
    ret: c.ret,
    cost: replayCallCost(costs, replayCostClass(c.name), c.copied),
    line: c.line,
  };
}

/** One instruction form of the replay programs, assembled once: its bytes, with its immediate as their tail. */
interface CodeForm {
  bytes: Uint8Array;
  immBytes: number;
}

const forms = new Map<string, CodeForm>();

/** The form assembled from `text` with a sentinel immediate, which must come out as the last immBytes bytes. */
function codeForm(text: (imm: string) => string, immBytes: number): CodeForm {
  const key = text("IMM");
  let f = forms.get(key);
  if (f !== undefined) return f;
  const sentinel = immBytes === 8 ? 0x1122334455667788n : immBytes === 4 ? 0x12345678n : 0n;
  const bytes = new Assembler({ base: USER_TEXT_BASE }).asm(text(`$${sentinel}`)).assemble().bytes;
  for (let k = 0; k < immBytes; k++)
    if (bytes[bytes.length - immBytes + k] !== Number((sentinel >> BigInt(8 * k)) & 0xffn))
      throw new Error(`replay: the immediate of '${key}' is not the tail of its encoding`);
  f = { bytes, immBytes };
  forms.set(key, f);
  return f;
}

function putForm(out: number[], f: CodeForm, imm: bigint): void {
  const n = f.bytes.length - f.immBytes;
  for (let k = 0; k < n; k++) out.push(f.bytes[k]!);
  if (f.immBytes === 0) return;
  const u = BigInt.asUintN(8 * f.immBytes, imm);
  const lo = Number(u & 0xffffffffn);
  for (let k = 0; k < 4; k++) out.push((lo >>> (8 * k)) & 0xff);
  if (f.immBytes === 8) {
    const hi = Number(u >> 32n);
    for (let k = 0; k < 4; k++) out.push((hi >>> (8 * k)) & 0xff);
  }
}

/**
 * The machine code of one recorded call, byte for byte what buildReplay assembles for it without gaps (argument
 * loads, `movl $nr, %eax`, `syscall`): each instruction form is assembled once, then its immediate is patched.
 */
export function replayCallCode(c: StraceCall): Uint8Array {
  const out: number[] = [];
  const n = Math.min(c.args.length, ARG_REGS.length);
  for (let k = 0; k < n; k++) {
    const v = BigInt.asIntN(64, argValue(c.args[k]!));
    const kind = v === 0n ? 0 : v >= -0x80000000n && v <= 0x7fffffffn ? 1 : 2;
    putForm(out, argForm(k, kind), v);
  }
  if (MOVL_EAX === undefined) MOVL_EAX = codeForm((i) => `movl ${i}, %eax`, 4);
  if (SYSCALL === undefined) SYSCALL = codeForm(() => "syscall", 0);
  putForm(out, MOVL_EAX, BigInt(c.nr));
  putForm(out, SYSCALL, 0n);
  return Uint8Array.from(out);
}

let MOVL_EAX: CodeForm | undefined;
let SYSCALL: CodeForm | undefined;
/** per argument register: xor (0), movq $imm32 (1), movabsq $imm64 (2) */
const ARG_FORMS: (CodeForm | undefined)[] = [];

function argForm(k: number, kind: number): CodeForm {
  const i = 3 * k + kind;
  const f = ARG_FORMS[i];
  if (f !== undefined) return f;
  const reg = ARG_REGS[k]!;
  const made =
    kind === 0
      ? codeForm(() => `xorl ${LOW32[reg]}, ${LOW32[reg]}`, 0)
      : kind === 1
        ? codeForm((imm) => `movq ${imm}, ${reg}`, 4)
        : codeForm((imm) => `movabsq ${imm}, ${reg}`, 8);
  ARG_FORMS[i] = made;
  return made;
}

/** A replay program's first instruction (`xorl %r12d, %r12d`) and its end (`exit_group(0)`, then `ud2`). */
export function replayProgramEnds(): { prologue: Uint8Array; epilogue: Uint8Array } {
  return {
    prologue: codeForm(() => "xorl %r12d, %r12d", 0).bytes,
    epilogue: codeForm(() => "movl $231, %eax\n  xorl %edi, %edi\n  syscall\n  ud2", 0).bytes,
  };
}

/** The low 32 bits of each argument register (a 32-bit write zeroes the upper half). */
const LOW32: Readonly<Record<string, string>> = {
  "%rdi": "%edi",
  "%rsi": "%esi",
  "%rdx": "%edx",
  "%r10": "%r10d",
  "%r8": "%r8d",
  "%r9": "%r9d",
};

/** The AT&T load of one 64-bit value: xor for 0, a sign-extended imm32 when it fits, else movabs. */
function loadImm(reg: string, value: bigint): string {
  const v = BigInt.asIntN(64, value);
  if (v === 0n) return `xorl ${LOW32[reg]}, ${LOW32[reg]}`;
  if (v >= -0x80000000n && v <= 0x7fffffffn) return `movq $${v}, ${reg}`;
  return `movabsq $${v}, ${reg}`;
}

/**
 * Absolute seconds per line with a timestamp. -r deltas (recognised by a first stamp of 0 and a later stamp below
 * its predecessor) are summed; a -t/-tt clock that wraps at midnight is carried over.
 */
function absoluteTimes(log: StraceLog): { at: Map<number, number>; relative: boolean } {
  const stamps: [number, number][] = [];
  for (const c of log.calls) {
    if (c.time !== undefined) stamps.push([c.line, c.time]);
    if (c.resumedLine !== undefined && c.resumedTime !== undefined)
      stamps.push([c.resumedLine, c.resumedTime]);
  }
  for (const e of log.events) if (e.time !== undefined) stamps.push([e.line, e.time]);
  stamps.sort((a, b) => a[0] - b[0]);
  let relative = false;
  if (stamps.length > 1 && stamps[0]![1] === 0) {
    for (let i = 1; i < stamps.length; i++) {
      const prev = stamps[i - 1]![1];
      if (stamps[i]![1] < prev && prev < 80_000) relative = true;
    }
  }
  const at = new Map<number, number>();
  let sum = 0;
  let offset = 0;
  let prev = -Infinity;
  for (const [line, t] of stamps) {
    if (relative) {
      sum += t;
      at.set(line, sum);
      continue;
    }
    if (t < prev - 43_200) offset += 86_400;
    prev = t;
    at.set(line, t + offset);
  }
  return { at, relative };
}

/** Builds the replay script and one guest program per traced process that has at least one replayable call. */
export function buildReplay(log: StraceLog, opts: ReplayBuildOptions): ReplayPlan {
  const skipped: SkippedCall[] = [];
  const byPid = new Map<number, StraceCall[]>();
  for (const c of log.calls) {
    if (c.nr < 0 || c.nr >= REPLAY_NR_SYSCALLS) {
      skipped.push({
        line: c.line,
        pid: c.pid,
        name: c.name,
        reason: c.nr < 0 ? "no x86_64 number" : `number ${c.nr} outside the table`,
      });
      continue;
    }
    const list = byPid.get(c.pid);
    if (list === undefined) byPid.set(c.pid, [c]);
    else list.push(c);
  }
  const { at, relative } = absoluteTimes(log);
  const gaps = opts.gaps;
  const cap = gaps?.cap ?? GAP_CAP_INSTRUCTIONS;
  if (
    gaps !== undefined &&
    (!(gaps.clockHz > 0) || !(gaps.addCycles > 0) || !Number.isInteger(cap) || cap < 0)
  )
    throw new Error("buildReplay: gaps need clockHz > 0, addCycles > 0 and an integer cap >= 0");

  const processes: { pid: number; calls: ReplayCall[] }[] = [];
  const programs: ReplayProgram[] = [];
  // log.calls is in line order, so Map insertion order is the order of each process's first call
  for (const [pid, calls] of byPid) {
    const script: ReplayCall[] = [];
    let body = "";
    let gapInstructions = 0;
    let cappedGaps = 0;
    let longest = 0;
    calls.forEach((c, i) => {
      script.push(replayCall(c, opts.costs));
      const loads = c.args.slice(0, ARG_REGS.length).map((a, k) => loadImm(ARG_REGS[k]!, argValue(a)));
      body += `${loads.map((l) => `  ${l}\n`).join("")}  movl $${c.nr}, %eax\n  syscall\n`;
      const next = calls[i + 1];
      if (gaps === undefined || next === undefined) return;
      const start = at.get(c.line);
      const nextStart = at.get(next.line);
      if (start === undefined || nextStart === undefined) return;
      const end =
        c.duration !== undefined
          ? start + c.duration
          : c.resumedLine !== undefined
            ? (at.get(c.resumedLine) ?? start)
            : start;
      // whole nanoseconds first: strace prints at most ns, and the difference of two stamps carries float noise
      const ns = Math.max(0, Math.round((nextStart - end) * 1e9));
      const want = Math.floor((ns * gaps.clockHz) / 1e9 / gaps.addCycles);
      const n = Math.min(want, cap);
      if (want > cap) cappedGaps++;
      if (n === 0) return;
      gapInstructions += n;
      longest = Math.max(longest, n);
      body += `  call gap_end - ${4 * n}\n`; // addq $1, %r12 is 4 bytes (REX.W 83 /0 ib)
    });
    // the block's addq run is written as bytes after assembly: assembling --gap-cap lines of text took seconds
    // per 10,000 (a 20-line log with --gap-cap 100000 took 98 s)
    const gapBlock = longest > 0 ? `gap:\n  .skip ${4 * longest}\ngap_end:\n  ret\n` : "";
    const a = new Assembler({ base: USER_TEXT_BASE });
    a.asm(`_start:\n  xorl %r12d, %r12d\n${body}  movl $231, %eax          # exit_group(0): the replay's own end
  xorl %edi, %edi\n  syscall\n  ud2\n${gapBlock}`);
    const assembled = a.assemble();
    if (longest > 0) {
      const from = Number(assembled.symbols.get("gap")! - assembled.base);
      for (let k = 0; k < longest; k++) assembled.bytes.set(ADDQ_1_R12, from + 4 * k);
    }
    processes.push({ pid, calls: script });
    programs.push({
      pid,
      image: {
        base: assembled.base,
        bytes: assembled.bytes,
        entry: assembled.symbols.get("_start")!,
        assembled,
      },
      gapInstructions,
      cappedGaps,
    });
  }
  return {
    script: { processes },
    programs,
    parsedCalls: log.calls.length,
    replayedCalls: processes.reduce((n, p) => n + p.calls.length, 0),
    skipped,
    relativeTimes: relative,
    gaps: gaps !== undefined,
    gapCap: gaps !== undefined ? cap : 0,
  };
}
