// A parser for strace(1) text output: -f pid prefixes (`[pid N] ` and the bare `N  ` of -o),
// -t/-tt/-ttt/-r timestamps, -T durations, -y fd paths, <unfinished ...>/<... resumed> joining,
// signals and exits. It never throws on input: lines it cannot read land in `unparsed`.

import { straceSyscallNumber } from "../kernel/syscall-names-x86_64.ts";
import {
  readElement,
  readList,
  StraceSyntaxError,
  type StraceValue,
  straceInteger,
  ValueReader,
} from "./strace-value.ts";

export type { StraceValue } from "./strace-value.ts";
export { structField } from "./strace-value.ts";

export interface StraceResult {
  /** The return value; null for `?` (no return, or interrupted: then `errno` says why). */
  value: bigint | null;
  /** `ENOENT`, `EAGAIN`, `ERESTARTSYS`... */
  errno?: string;
  /** The parenthesised decoding: `No such file or directory`, `Timeout`, `[{fd=3, revents=POLLIN}]`. */
  text?: string;
  /** With -y: the path of a returned fd, `= 3</etc/passwd>`. */
  path?: string;
}

export interface StraceCall {
  /** 0 when the line had no pid prefix (no -f, or the first process of a -f log on stderr). */
  pid: number;
  /** 1-based line of the call (of its `<unfinished ...>` half when it was split). */
  line: number;
  /** Line of the `<... name resumed>` half. */
  resumedLine?: number;
  /** Line that continued this one after strace spliced `strace: Process N attached` into it. */
  continuedLine?: number;
  /** Seconds: since midnight (-t/-tt), since the epoch (-ttt), or since the previous line (-r). */
  time?: number;
  resumedTime?: number;
  name: string;
  /** x86_64 syscall number, -1 when the name is unknown. */
  nr: number;
  args: StraceValue[];
  /** null for a bare `= ?` and for a call whose result never appeared. */
  result: StraceResult | null;
  /** -T: seconds spent in the call. */
  duration?: number;
  /** The call never completed: left `<unfinished ...>` at death or end of log, or resumed as `<unfinished ...>) = ?`. */
  unfinished?: true;
}

export interface SignalEvent {
  kind: "signal";
  pid: number;
  line: number;
  time?: number;
  signal: string;
  /** The siginfo struct, or null when none was printed. */
  info: StraceValue | null;
  /** `--- stopped by SIGSTOP ---` */
  stopped: boolean;
}

export interface ExitEvent {
  kind: "exit";
  pid: number;
  line: number;
  time?: number;
  /** `+++ exited with N +++` */
  code: number | null;
  /** `+++ killed by SIGX +++` */
  signal: string | null;
  coreDumped: boolean;
  /** `+++ superseded by execve in pid N +++` (a non-leader thread called execve). */
  supersededBy?: number;
}

/** strace's own diagnostics: `strace: Process N attached`, `[ Process PID=N runs in 32 bit mode. ]`. */
export interface StraceMessage {
  pid: number;
  line: number;
  text: string;
}

export interface StraceUnparsed {
  line: number;
  /** The line, cut to UNPARSED_TEXT_MAX characters. */
  text: string;
  reason: string;
}

export interface StraceLog {
  /** In line order. */
  calls: StraceCall[];
  events: (SignalEvent | ExitEvent)[];
  unparsed: StraceUnparsed[];
  /** Pids in order of first appearance (0 stands for unprefixed lines). */
  processes: number[];
  messages: StraceMessage[];
  /** Call counts of names without an x86_64 number. */
  unknownNames: Map<string, number>;
}

export interface StraceParseOptions {
  /** Longer lines are reported unparsed without being read. Default 1 MiB of characters. */
  maxLineLength?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;
export const UNPARSED_TEXT_MAX = 1000;

const UNFINISHED = "<unfinished ...>";
const ATTACHED = /strace: Process \d+ attached$/;

interface Prefix {
  pid: number | null;
  time: number | undefined;
  body: string;
}

interface Pending {
  pid: number;
  line: number;
  time: number | undefined;
  name: string;
  head: string;
  text: string;
  continuedLine: number | undefined;
  /** the text of the continuation line */
  continuedText?: string;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function digitsEnd(s: string, i: number): number {
  while (isDigitAt(s, i)) i++;
  return i;
}

/** Splits `[pid N] ` / `N ` and a timestamp off a line. */
function readPrefix(line: string): Prefix {
  let p = 0;
  let pid: number | null = null;
  if (line.startsWith("[pid ")) {
    let q = 5;
    while (line.charCodeAt(q) === 32) q++;
    const e = digitsEnd(line, q);
    if (e > q && e - q <= 10 && line.charCodeAt(e) === 93) {
      pid = Number(line.slice(q, e));
      p = e + 1;
    }
  } else {
    const e = digitsEnd(line, 0);
    if (e > 0 && e <= 10 && line.charCodeAt(e) === 32) {
      pid = Number(line.slice(0, e));
      p = e;
    }
  }
  while (line.charCodeAt(p) === 32) p++;
  let time: number | undefined;
  const d = digitsEnd(line, p);
  if (d > p && d - p <= 12) {
    if (line.charCodeAt(d) === 58 && isDigitAt(line, d + 1)) {
      // HH:MM:SS[.frac]
      const m = digitsEnd(line, d + 1);
      if (line.charCodeAt(m) === 58 && isDigitAt(line, m + 1)) {
        let e = digitsEnd(line, m + 1);
        if (line.charCodeAt(e) === 46 && isDigitAt(line, e + 1)) e = digitsEnd(line, e + 1);
        if (line.charCodeAt(e) === 32 && e - m < 24) {
          time =
            Number(line.slice(p, d)) * 3600 +
            Number(line.slice(d + 1, m)) * 60 +
            Number(line.slice(m + 1, e));
          p = e;
        }
      }
    } else if (line.charCodeAt(d) === 46 && isDigitAt(line, d + 1)) {
      const e = digitsEnd(line, d + 1);
      if (line.charCodeAt(e) === 32 && e - d < 24) {
        time = Number(line.slice(p, e));
        p = e;
      }
    }
  }
  while (line.charCodeAt(p) === 32) p++;
  return { pid, time, body: line.slice(p) };
}

/** The text of balanced `( ... )` at the reader (strings honoured), without the parentheses. */
function readParenText(r: ValueReader): string {
  const s = r.s;
  const start = r.pos;
  let depth = 0;
  while (r.pos < s.length) {
    const c = s.charCodeAt(r.pos);
    if (c === 34) {
      r.pos++;
      while (r.pos < s.length && s.charCodeAt(r.pos) !== 34) r.pos += s.charCodeAt(r.pos) === 92 ? 2 : 1;
      if (r.pos >= s.length) break;
    } else if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) {
        r.pos++;
        return s.slice(start + 1, r.pos - 1);
      }
    }
    r.pos++;
  }
  return r.fail("unbalanced '(' in result");
}

/** `<0.000012>` */
function readDuration(r: ValueReader): number {
  r.expect("<");
  const start = r.pos;
  const e = digitsEnd(r.s, start);
  let end = e;
  if (r.s.charCodeAt(e) === 46) end = digitsEnd(r.s, e + 1);
  if (end === start || r.s.charCodeAt(end) !== 62 || end - start > 30) r.fail("bad duration");
  r.pos = end + 1;
  return Number(r.s.slice(start, end));
}

interface ParsedCall {
  name: string;
  args: StraceValue[];
  result: StraceResult | null;
  duration: number | undefined;
}

/** `name(args) = result [<duration>]`; with `open`, the text ends after the arguments. */
function parseCallText(text: string, open: boolean): ParsedCall {
  const r = new ValueReader(text);
  const name = r.ident();
  if (r.peek() !== 40) r.fail("expected '('");
  r.pos++;
  const { items: args } = readList(r, 41, 1, true);
  r.skipSpaces();
  if (open) {
    if (!r.atEnd()) r.fail("text after an unfinished call");
    return { name, args, result: null, duration: undefined };
  }
  if (r.peek() !== 61) r.fail(r.atEnd() ? "missing '= result'" : "expected '='");
  r.pos++;
  r.skipSpaces();
  let value: bigint | null = null;
  let path: string | undefined;
  if (r.peek() === 63) r.pos++;
  else {
    const num = r.numberText();
    value = straceInteger(r, num ?? r.fail("bad result"));
    if (r.peek() === 60) path = r.fdPath(); // -T durations are preceded by a space, fd paths are not
  }
  r.skipSpaces();
  let errno: string | undefined;
  const c = r.peek();
  if (c >= 65 && c <= 90) {
    errno = r.ident();
    r.skipSpaces();
  }
  let resultText: string | undefined;
  while (r.peek() === 40) {
    const t = readParenText(r);
    resultText = resultText === undefined ? t : `${resultText} (${t})`;
    r.skipSpaces();
  }
  let duration: number | undefined;
  if (r.peek() === 60) {
    duration = readDuration(r);
    r.skipSpaces();
  }
  if (!r.atEnd()) r.fail("unexpected text after the result");
  let result: StraceResult | null = null;
  if (value !== null || errno !== undefined || resultText !== undefined || path !== undefined) {
    result = { value };
    if (errno !== undefined) result.errno = errno;
    if (resultText !== undefined) result.text = resultText;
    if (path !== undefined) result.path = path;
  }
  return { name, args, result, duration };
}

function describe(e: unknown): string {
  if (e instanceof StraceSyntaxError) return e.message;
  if (e instanceof RangeError) return `parser limit: ${e.message}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

function clip(text: string): string {
  return text.length > UNPARSED_TEXT_MAX ? `${text.slice(0, UNPARSED_TEXT_MAX)}...` : text;
}

/** Where a StraceStream delivers what it reads. Calls arrive when complete: a split call at its `resumed` line. */
export interface StraceSink {
  call(c: StraceCall): void;
  event(e: SignalEvent | ExitEvent): void;
  unparsed(u: StraceUnparsed): void;
  message(m: StraceMessage): void;
  /** a pid seen for the first time (0 stands for unprefixed lines) */
  process(pid: number): void;
  /** called as each physical line is taken up, before anything it yields */
  line?(lineNo: number): void;
}

/** An error thrown by a sink callback: it passes through the parser's own error handling to push()'s caller. */
class SinkError {
  constructor(readonly error: unknown) {}
}

/**
 * The strace parser over a stream of lines: push them one at a time (without the newline), then end(). It holds
 * one line back (strace may splice "Process N attached" into a call line, whose rest is the next line) and the
 * unfinished calls, nothing else. Never throws on input: unreadable lines go to sink.unparsed.
 */
export class StraceStream {
  private readonly maxLen: number;
  private readonly pending = new Map<number, Pending>();
  private readonly live = new Set<number>();
  private readonly seen = new Set<number>();
  private held: string | null = null;
  private lineNo = 0;

  constructor(
    private readonly sink: StraceSink,
    options: StraceParseOptions = {},
  ) {
    this.maxLen = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** The next line of the log. */
  push(line: string): void {
    const prev = this.held;
    this.held = line;
    if (prev === null) return;
    if (this.take(prev, line)) this.held = null; // the line continued prev
  }

  /** The end of the log: the held line, then every call left unfinished. */
  end(): void {
    if (this.held !== null) this.take(this.held, undefined);
    this.held = null;
    for (const pid of [...this.pending.keys()]) this.flush(pid);
  }

  private deliver(c: StraceCall): void {
    try {
      this.sink.call(c);
    } catch (e) {
      throw new SinkError(e);
    }
  }

  private addProcess(pid: number): void {
    if (this.seen.has(pid)) return;
    this.seen.add(pid);
    this.sink.process(pid);
  }

  private bad(line: number, t: string, reason: string): void {
    this.sink.unparsed({ line, text: clip(t), reason });
  }

  private newCall(pid: number, line: number, time: number | undefined, p: ParsedCall): StraceCall {
    const call: StraceCall = {
      pid,
      line,
      name: p.name,
      nr: straceSyscallNumber(p.name),
      args: p.args,
      result: p.result,
    };
    if (time !== undefined) call.time = time;
    if (p.duration !== undefined) call.duration = p.duration;
    return call;
  }

  /** An unfinished call that will never be resumed: keep its arguments, no result. */
  private flush(pid: number): void {
    const u = this.pending.get(pid);
    if (u === undefined) return;
    this.pending.delete(pid);
    let head = u.head.trimEnd();
    if (head.endsWith(",")) head = head.slice(0, -1);
    try {
      const call = this.newCall(pid, u.line, u.time, parseCallText(`${head})`, true));
      call.unfinished = true;
      if (u.continuedLine !== undefined) call.continuedLine = u.continuedLine;
      this.deliver(call);
    } catch (e) {
      if (e instanceof SinkError) throw e.error;
      this.bad(u.line, u.text, `unfinished call never resumed, unreadable: ${describe(e)}`);
      if (u.continuedLine !== undefined)
        this.bad(u.continuedLine, u.continuedText ?? "", "continuation of an unreadable line");
    }
  }

  /** One physical line (`next`: the line after it, if any); true when it consumed `next` as its continuation. */
  private take(raw0: string, next: string | undefined): boolean {
    const lineNo = ++this.lineNo;
    this.sink.line?.(lineNo);
    const sink = this.sink;
    const pending = this.pending;
    const live = this.live;
    const maxLen = this.maxLen;
    let raw = raw0;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (raw.trim() === "") return false;
    if (raw.length > maxLen) {
      this.bad(lineNo, raw, `line longer than ${maxLen} characters`);
      return false;
    }
    let continuedLine: number | undefined;
    let continuedText: string | undefined;
    let consumed = false;
    const badHere = (reason: string): void => {
      this.bad(lineNo, raw, reason);
      if (continuedLine !== undefined) this.bad(continuedLine, continuedText!, reason);
    };
    try {
      const { pid: prefixPid, time, body: firstBody } = readPrefix(raw);
      let pid = 0;
      if (prefixPid !== null) {
        pid = prefixPid;
        live.add(pid);
      } else if (live.size === 1) {
        // On stderr strace drops the [pid N] prefix whenever a single process is traced.
        pid = live.values().next().value!;
      }
      this.addProcess(pid);
      let body = firstBody;
      // On stderr strace may print "strace: Process N attached" in the middle of a call line;
      // the rest of the call then follows on the next line.
      if (ATTACHED.test(body) && !body.startsWith("strace: ") && next !== undefined) {
        const k = body.lastIndexOf("strace: Process ");
        const child = Number(body.slice(k + 16, body.indexOf(" ", k + 16)));
        let nx = next;
        if (nx.endsWith("\r")) nx = nx.slice(0, -1);
        if (k + nx.length <= maxLen) {
          sink.message({ pid: child, line: lineNo, text: body.slice(k) });
          this.addProcess(child);
          body = body.slice(0, k) + nx;
          continuedLine = lineNo + 1;
          continuedText = next;
          this.lineNo++;
          consumed = true;
        }
      }

      if (body.startsWith("strace: ") || body.startsWith("[ Process PID=")) {
        const m = /^strace: Process (\d{1,10}) (?:attached|detached)/.exec(body);
        const msgPid = m ? Number(m[1]) : pid;
        if (m) this.addProcess(msgPid);
        sink.message({ pid: msgPid, line: lineNo, text: body });
        return consumed;
      }

      if (body.startsWith("--- ") && body.endsWith(" ---") && body.length >= 8) {
        const inner = body.slice(4, -4);
        const ev: SignalEvent = { kind: "signal", pid, line: lineNo, signal: "", info: null, stopped: false };
        if (time !== undefined) ev.time = time;
        const stopped = /^stopped by ([A-Z][A-Z0-9_+]*)$/.exec(inner);
        if (stopped) {
          ev.signal = stopped[1]!;
          ev.stopped = true;
        } else {
          const r = new ValueReader(inner);
          ev.signal = r.ident();
          r.skipSpaces();
          if (!r.atEnd()) {
            ev.info = readElement(r, 1);
            r.skipSpaces();
            if (!r.atEnd()) r.fail("unexpected text in signal line");
          }
        }
        sink.event(ev);
        return consumed;
      }

      if (body.startsWith("+++ ") && body.endsWith(" +++") && body.length >= 8) {
        const inner = body.slice(4, -4);
        const ev: ExitEvent = {
          kind: "exit",
          pid,
          line: lineNo,
          code: null,
          signal: null,
          coreDumped: false,
        };
        if (time !== undefined) ev.time = time;
        const exited = /^exited with (-?\d{1,10})$/.exec(inner);
        const killed = /^killed by ([A-Z][A-Z0-9_+]*)( \(core dumped\))?$/.exec(inner);
        const superseded = /^superseded by execve in pid (\d{1,10})$/.exec(inner);
        if (exited) ev.code = Number(exited[1]);
        else if (killed) {
          ev.signal = killed[1]!;
          ev.coreDumped = killed[2] !== undefined;
        } else if (superseded) ev.supersededBy = Number(superseded[1]);
        else {
          badHere("unknown +++ line");
          return consumed;
        }
        this.flush(pid);
        live.delete(pid);
        sink.event(ev);
        return consumed;
      }

      if (body.startsWith("<... ")) {
        const close = body.indexOf(" resumed>");
        if (close < 0) {
          badHere("malformed '<... resumed>'");
          return consumed;
        }
        const name = body.slice(5, close);
        let u = pending.get(pid);
        // The call may have started on an unprefixed line of the first process.
        if (u === undefined && pending.get(0)?.name === name) u = pending.get(0);
        if (u === undefined || u.name !== name) {
          badHere(
            u === undefined
              ? `'${name}' resumed without an unfinished call`
              : `'${name}' resumed but '${u.name}' is unfinished`,
          );
          return consumed;
        }
        pending.delete(u.pid);
        let rest = body.slice(close + 9);
        let head = u.head.trimEnd();
        const t = rest.trimStart();
        // A call cut short by the process's death: `<... read resumed> <unfinished ...>) = ?`
        const killed = t.startsWith(UNFINISHED);
        if (killed) {
          rest = t.slice(UNFINISHED.length);
          if (head.endsWith(",")) head = head.slice(0, -1);
        }
        let parsed: ParsedCall;
        try {
          parsed = parseCallText(head + rest, false);
        } catch (e) {
          const reason = `unfinished/resumed pair unreadable: ${describe(e)}`;
          this.bad(u.line, u.text, reason);
          if (u.continuedLine !== undefined) this.bad(u.continuedLine, u.continuedText ?? "", reason);
          badHere(reason);
          return consumed;
        }
        const call = this.newCall(pid, u.line, u.time, parsed);
        call.resumedLine = lineNo;
        if (killed) call.unfinished = true;
        if (u.continuedLine !== undefined) call.continuedLine = u.continuedLine;
        if (time !== undefined) call.resumedTime = time;
        if (continuedLine !== undefined) call.continuedLine = continuedLine;
        this.deliver(call);
        return consumed;
      }

      if (body.endsWith(UNFINISHED)) {
        const head = body.slice(0, -UNFINISHED.length);
        const m = /^[A-Za-z_][A-Za-z0-9_]*\(/.exec(head.slice(0, 64));
        if (!m) {
          badHere("unfinished line without 'name('");
          return consumed;
        }
        this.flush(pid);
        const p: Pending = {
          pid,
          line: lineNo,
          time,
          name: m[0].slice(0, -1),
          head,
          text: raw,
          continuedLine,
        };
        if (continuedText !== undefined) p.continuedText = continuedText;
        pending.set(pid, p);
        return consumed;
      }

      const call = this.newCall(pid, lineNo, time, parseCallText(body, false));
      if (continuedLine !== undefined) call.continuedLine = continuedLine;
      this.deliver(call);
    } catch (e) {
      if (e instanceof SinkError) throw e.error;
      badHere(describe(e));
    }
    return consumed;
  }
}

/** Parses strace output. Never throws; unreadable lines are listed in `unparsed`. */
export function parseStrace(input: string | Uint8Array, options: StraceParseOptions = {}): StraceLog {
  const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: false }).decode(input);
  const calls: StraceCall[] = [];
  const events: (SignalEvent | ExitEvent)[] = [];
  const unparsed: StraceUnparsed[] = [];
  const messages: StraceMessage[] = [];
  const processes: number[] = [];
  const unknownNames = new Map<string, number>();
  const stream = new StraceStream(
    {
      call: (c) => {
        if (c.nr < 0) unknownNames.set(c.name, (unknownNames.get(c.name) ?? 0) + 1);
        calls.push(c);
      },
      event: (e) => events.push(e),
      unparsed: (u) => unparsed.push(u),
      message: (m) => messages.push(m),
      process: (pid) => processes.push(pid),
    },
    options,
  );
  for (const line of text.split("\n")) stream.push(line);
  stream.end();
  calls.sort((a, b) => a.line - b.line);
  unparsed.sort((a, b) => a.line - b.line);
  const log = { calls, events, unparsed, processes, messages, unknownNames };
  nameInitialProcess(log);
  return log;
}

const FORKS = new Set(["clone", "clone3", "fork", "vfork"]);

/**
 * A -f log written to stderr has no prefix on the lines of the first process until it forks.
 * That process is the first prefixed pid that is not a child forked by the unprefixed lines.
 */
function nameInitialProcess(log: StraceLog): void {
  if (!log.processes.includes(0)) return;
  const children = new Set<number>();
  for (const c of log.calls) {
    if (c.pid === 0 && FORKS.has(c.name) && c.result !== null && c.result.value !== null) {
      children.add(Number(c.result.value));
    }
  }
  if (children.size === 0) return;
  const root = log.processes.find((p) => p !== 0 && !children.has(p));
  if (root === undefined) return;
  for (const c of log.calls) if (c.pid === 0) c.pid = root;
  for (const e of log.events) if (e.pid === 0) e.pid = root;
  for (const m of log.messages) if (m.pid === 0) m.pid = root;
  log.processes = [...new Set(log.processes.map((p) => (p === 0 ? root : p)))];
}
