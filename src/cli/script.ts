// `syscall-lab script FILE`: a scenario of one command per line run against a booted machine (docs/scripts.md).
// The whole file is parsed first; a malformed line stops everything before the machine boots (exit 2). Each
// command prints one line (line number, command, result); `expect` lines check the previous command's result.
import { getDesign } from "../cgroup/designs/index.ts";
import { CgroupHostApi } from "../cgroup/host-api.ts";
import * as errno from "../kernel/errno.ts";
import { Machine } from "../kernel/machine.ts";
import { syscallNumber } from "../kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../kernel/task.ts";
import { flavourBlocks } from "../measure/compare.ts";
import {
  type CallOutcome,
  MBOX_STRINGS_SIZE,
  type ScriptedArg,
  ScriptedTasks,
} from "../workload/scripted-task.ts";

export const DEFAULT_SCRIPT_DESIGN = "cgroup-composed";

import { errnoName, errnoNumber } from "../kernel/errno-names.ts";
import { GuestLimitError } from "../kernel/guest-limits.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";

export { ERRNO_NAMES, errnoName } from "../kernel/errno-names.ts";

export interface ScriptOptions {
  /** filter design id (overrides a `# design:` directive); default cgroup-composed */
  design?: string;
  /** what a denied call returns, positive errno (overrides `# errno:`); default ENOSYS */
  deniedErrno?: number;
  /** the file name, for messages */
  file?: string;
  /** the kernel's entry code (default linux-3.1) */
  flavour?: "linux-3.1" | "linux-generic";
  /** page-table isolation (linux-generic only) */
  pti?: boolean;
}

export interface ScriptResult {
  output: string;
  /** failed expectations */
  failures: number;
  /** 0 all expectations hold, 1 some failed, 2 the script is malformed (nothing ran) */
  exitCode: number;
  /** the same as data (`script --json`) */
  json: ScriptJson;
}

/** `script --json`: each command with its result and expectations, or the errors of a malformed file. */
export interface ScriptJson {
  file: string;
  design: string | null;
  deniedErrno: string | null;
  errors: string[];
  steps: {
    line: number;
    command: string;
    result: string;
    expect: { line: number; text: string; ok: boolean }[];
  }[];
  commands: number;
  expectations: number;
  failures: number;
}

interface Token {
  /** the value (a string's content without quotes and escapes) */
  value: string;
  quoted: boolean;
}

type Command =
  | { kind: "mkdir" | "rmdir" | "cat"; path: string }
  | { kind: "write"; path: string; value: string }
  | { kind: "spawn"; name: string; cgroup: string | null }
  | { kind: "move"; name: string; cgroup: string }
  | { kind: "fork"; name: string; child: string }
  | { kind: "call"; name: string; nr: bigint; args: ScriptedArg[] };

interface Step {
  line: number;
  /** the command as printed: its tokens joined by one space */
  echo: string;
  cmd: Command;
  expects: { line: number; text: string }[];
}

const USAGE: Readonly<Record<string, string>> = {
  mkdir: "mkdir PATH",
  rmdir: "rmdir PATH",
  write: "write PATH VALUE",
  cat: "cat PATH",
  spawn: "spawn NAME [CGROUP]",
  move: "move NAME CGROUP",
  fork: "fork NAME CHILD",
  call: "call NAME SYSCALL [ARG…] (at most 6 ARGs)",
  expect: "expect RESULT",
};

/** A quoted string as the runner prints it: backslash escapes for `"`, `\`, newline, tab and other controls. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const render = (t: Token) => (t.quoted ? quote(t.value) : t.value);

/** Split a line into tokens; `#` at the start of a token begins a comment. A string or an error message. */
function tokenize(line: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    // the same whitespace that ends a token (\s: BOM, VT, FF, NBSP, U+2028 too), or empty tokens forever
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "#") break;
    if (ch === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= line.length) return "unterminated string";
        const c = line[i]!;
        if (c === '"') break;
        if (c === "\\") {
          const e = line[i + 1];
          if (e === "n") v += "\n";
          else if (e === "t") v += "\t";
          else if (e === "0") v += "\0";
          else if (e === '"' || e === "\\") v += e;
          else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            v += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
            i += 2;
          } else return `bad escape '\\${e ?? ""}' in string`;
          i += 2;
          continue;
        }
        v += c;
        i++;
      }
      i++;
      if (i < line.length && !/\s/.test(line[i]!)) return "a string must be followed by a space";
      out.push({ value: v, quoted: true });
      continue;
    }
    let j = i;
    while (j < line.length && !/\s/.test(line[j]!)) j++;
    out.push({ value: line.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

/** An integer as C writes it (decimal, 0x hex, 0 octal), optionally signed, within 64 bits (signed or unsigned). */
function parseInteger(s: string): bigint | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]+|[0-9]+)$/.exec(s);
  if (m === null || /^0[0-9]/.test(m[2]!) !== /^0[0-7]+$/.test(m[2]!)) return null;
  const d = m[2]!;
  const mag = /^0[0-7]+$/.test(d) ? BigInt(`0o${d.slice(1)}`) : BigInt(d);
  const v = m[1] === "-" ? -mag : mag;
  return v < -(1n << 63n) || v >= 1n << 64n ? null : v;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

interface Parsed {
  steps: Step[];
  design: string | null;
  deniedErrno: number | null;
  errors: string[];
}

function parse(text: string, where: string): Parsed {
  const steps: Step[] = [];
  const errors: string[] = [];
  const tasks = new Map<string, number>(); // name → line that created it
  let design: string | null = null;
  let deniedErrno: number | null = null;
  let lastCommandAt = 0; // the last line holding a command, well-formed or not
  const lines = text.split("\n");
  const parseLine = (raw: string, n: number): undefined => {
    const fail = (msg: string): undefined => {
      errors.push(`${where}:${n}: ${msg}`);
    };
    const trimmed = raw.trim();
    if (/^#\s*(design|errno)\s*:/i.test(trimmed)) {
      if (lastCommandAt > 0)
        return fail("directives (# design: / # errno:) must come before the first command");
      const pairs = [...trimmed.matchAll(/(\w+)\s*:\s*(\S+)/g)];
      for (const [, key, val] of pairs) {
        const k = key!.toLowerCase();
        if (k === "design") {
          try {
            getDesign(val!);
            design = val!;
          } catch (e) {
            fail((e as Error).message);
          }
        } else if (k === "errno") {
          const v = errnoNumber(val!.toUpperCase());
          if (v === undefined) fail(`unknown errno '${val}' (e.g. ENOSYS, EPERM)`);
          else deniedErrno = v;
        } else fail(`unknown directive '${key}' (design, errno)`);
      }
      return;
    }
    const toks = tokenize(raw);
    if (typeof toks === "string") return fail(toks);
    if (toks.length === 0) return;
    const [head, ...args] = toks;
    const verb = head!.value;
    const lastCommandParsed = steps.length > 0 && steps.at(-1)!.line === lastCommandAt;
    if (verb !== "expect" || head!.quoted) lastCommandAt = n;
    if (head!.quoted || !Object.hasOwn(USAGE, verb))
      return fail(`unknown command '${render(head!)}' (${Object.keys(USAGE).join(", ")})`);
    const arity = (min: number, max: number) => {
      if (args.length >= min && args.length <= max) return true;
      const count = min === max ? `${min}` : `${min} to ${max}`;
      fail(`${verb} takes ${count} argument${count === "1" ? "" : "s"}: ${USAGE[verb]}`);
      return false;
    };
    const taskRef = (t: Token): string | null => {
      if (t.quoted || !tasks.has(t.value)) {
        fail(`unknown task '${t.value}' (spawn or fork it on an earlier line)`);
        return null;
      }
      return t.value;
    };
    const newTask = (t: Token): string | null => {
      if (t.quoted || !NAME_RE.test(t.value)) {
        fail(`bad task name '${t.value}' (a letter or _, then letters, digits, _ . -)`);
        return null;
      }
      const at = tasks.get(t.value);
      if (at !== undefined) {
        fail(`task '${t.value}' already exists (line ${at})`);
        return null;
      }
      tasks.set(t.value, n);
      return t.value;
    };
    const push = (cmd: Command) =>
      steps.push({ line: n, echo: toks.map(render).join(" "), cmd, expects: [] });
    switch (verb) {
      case "expect": {
        if (args.length === 0) return fail(`expect needs a result: ${USAGE.expect}`);
        const prev = steps.at(-1);
        if (lastCommandAt === 0) return fail("expect before any command");
        if (prev === undefined || !lastCommandParsed) return; // its command is malformed (reported there)
        prev.expects.push({ line: n, text: args.map(render).join(" ") });
        return;
      }
      case "mkdir":
      case "rmdir":
      case "cat":
        if (arity(1, 1)) push({ kind: verb, path: args[0]!.value });
        return;
      case "write":
        if (arity(2, 2)) push({ kind: "write", path: args[0]!.value, value: args[1]!.value });
        return;
      case "spawn": {
        if (!arity(1, 2)) return;
        const name = newTask(args[0]!);
        if (name !== null) push({ kind: "spawn", name, cgroup: args[1]?.value ?? null });
        return;
      }
      case "move": {
        if (!arity(2, 2)) return;
        const name = taskRef(args[0]!);
        if (name !== null) push({ kind: "move", name, cgroup: args[1]!.value });
        return;
      }
      case "fork": {
        if (!arity(2, 2)) return;
        const name = taskRef(args[0]!);
        const child = name !== null ? newTask(args[1]!) : null;
        if (name !== null && child !== null) push({ kind: "fork", name, child });
        return;
      }
      case "call": {
        if (!arity(2, 8)) return;
        const name = taskRef(args[0]!);
        const sc = args[1]!;
        let nr: bigint | null = null;
        if (!sc.quoted) {
          nr = parseInteger(sc.value);
          if (nr === null && !/^[+-]?[0-9]/.test(sc.value)) {
            const k = syscallNumber(sc.value);
            if (k === undefined)
              return fail(`unknown syscall '${sc.value}' (an x86_64 name of Linux 3.1, or a number)`);
            nr = BigInt(k);
          }
        }
        if (nr === null) return fail(`bad syscall '${render(sc)}' (an x86_64 name or an integer)`);
        const callArgs: ScriptedArg[] = [];
        let strBytes = 0;
        for (const a of args.slice(2)) {
          if (a.quoted) {
            strBytes += Buffer.byteLength(a.value, "utf8") + 1;
            callArgs.push({ string: a.value });
            continue;
          }
          const v = parseInteger(a.value);
          if (v === null)
            return fail(
              `bad number '${a.value}' (decimal, 0x hex or 0 octal within 64 bits, or a "quoted string")`,
            );
          callArgs.push(v);
        }
        if (strBytes > MBOX_STRINGS_SIZE)
          return fail(`string arguments take ${strBytes} bytes, at most ${MBOX_STRINGS_SIZE}`);
        if (name !== null) push({ kind: "call", name, nr, args: callArgs });
        return;
      }
    }
  };
  lines.forEach((raw, idx) => {
    parseLine(raw, idx + 1);
  });
  return { steps, design, deniedErrno, errors };
}

function renderCall(o: CallOutcome): string {
  switch (o.kind) {
    case "returned":
      return o.value < 0n && o.value >= -4095n ? `= -1 ${errnoName(Number(-o.value))}` : `= ${o.value}`;
    case "exited":
      return `exited ${o.status}`;
    case "killed":
      return `killed by signal ${o.signal}`;
    case "unfinished":
      return `error: no result after ${o.instructions} instructions`;
    case "oops":
      return `error: kernel oops: ${o.message}`;
  }
}

/** Parse `text`, and if it is well-formed boot a machine and run it. Never throws for bad input. */
export function runScript(text: string, opts: ScriptOptions = {}): ScriptResult {
  const where = opts.file ?? "script";
  const p = parse(text, where);
  const designId = opts.design ?? p.design ?? DEFAULT_SCRIPT_DESIGN;
  const denied = opts.deniedErrno ?? p.deniedErrno ?? errno.ENOSYS;
  let design: ReturnType<typeof getDesign> | null = null;
  try {
    design = getDesign(designId);
  } catch (e) {
    p.errors.unshift(`${where}: ${(e as Error).message}`);
  }
  if (!Number.isInteger(denied) || denied <= 0 || denied > 4095)
    p.errors.unshift(`${where}: bad denied errno ${denied}`);
  const flavour = opts.flavour ?? "linux-3.1";
  if (opts.pti === true && flavour !== "linux-generic")
    p.errors.unshift("--pti needs --flavour linux-generic");
  const blocked = design !== null ? flavourBlocks(design.id, flavour) : null;
  if (blocked !== null)
    p.errors.unshift(`${where}: design ${designId} cannot be built into ${flavour}: ${blocked}`);
  if (p.errors.length > 0 || design === null)
    return {
      output: `${p.errors.join("\n")}\n`,
      failures: 0,
      exitCode: EXIT_USAGE,
      json: {
        file: where,
        design: design?.id ?? null,
        deniedErrno: null,
        errors: p.errors,
        steps: [],
        commands: 0,
        expectations: 0,
        failures: 0,
      },
    };

  const m = Machine.boot({ design, deniedErrno: denied, flavour, pti: opts.pti === true });
  const api = new CgroupHostApi(m);
  const scripted = new ScriptedTasks(m);
  const tasks = new Map<string, Task | null>(); // null: its spawn failed
  const ok = (r: number) => (r === 0 ? "ok" : errnoName(-r));
  const tasksFile = (cg: string) => `${cg.replace(/\/+$/, "")}/tasks`;
  const live = (name: string): Task | string => {
    const t = tasks.get(name);
    if (t === undefined || t === null) return `error: no task ${name} (its spawn failed)`;
    if (t.exited) return `error: ${name} has exited`;
    return t;
  };
  const exec = (c: Command): string => {
    switch (c.kind) {
      case "mkdir":
        return ok(api.mkdir(c.path));
      case "rmdir":
        return ok(api.rmdir(c.path));
      case "write":
        return ok(api.write(c.path, c.value));
      case "cat": {
        const r = api.read(c.path);
        return typeof r === "number" ? errnoName(-r) : quote(r.replace(/\n$/, ""));
      }
      case "spawn": {
        if (c.cgroup !== null) {
          const probe = api.read(tasksFile(c.cgroup));
          if (typeof probe === "number") {
            tasks.set(c.name, null);
            return errnoName(-probe);
          }
        }
        const t = scripted.spawn(c.name);
        tasks.set(c.name, t);
        if (c.cgroup !== null) api.move(t, c.cgroup);
        return `pid ${t.pid}`;
      }
      case "move": {
        const t = live(c.name);
        if (typeof t === "string") return t;
        return ok(api.write(tasksFile(c.cgroup), t.pid));
      }
      case "fork": {
        const t = live(c.name);
        if (typeof t === "string") {
          tasks.set(c.child, null);
          return t;
        }
        const child = scripted.spawn(c.child, t);
        tasks.set(c.child, child);
        return `pid ${child.pid}`;
      }
      case "call": {
        const t = live(c.name);
        if (typeof t === "string") return t;
        return renderCall(scripted.call(t, c.nr, c.args));
      }
    }
  };

  const lineWidth = Math.max(3, String(p.steps.at(-1)?.line ?? 0).length);
  const cmdWidth = Math.min(60, Math.max(0, ...p.steps.map((s) => s.echo.length)));
  const out: string[] = [
    `# ${opts.file ?? "script"}: design ${design.id}${flavour === "linux-3.1" ? "" : `, kernel ${flavour}${opts.pti === true ? " with PTI" : ""}`}, denied calls return -${errnoName(denied)}`,
  ];
  let expectations = 0;
  let failures = 0;
  const steps: ScriptJson["steps"] = [];
  for (const s of p.steps) {
    let result: string;
    try {
      result = exec(s.cmd);
    } catch (e) {
      if (e instanceof GuestLimitError) throw e; // the run ends: exit 124/125, not one failed step
      result = `error: ${(e as Error).message}`;
    }
    out.push(`${String(s.line).padStart(lineWidth)}  ${s.echo.padEnd(cmdWidth)}  ${result}`.trimEnd());
    steps.push({
      line: s.line,
      command: s.echo,
      result,
      expect: s.expects.map((e) => ({ line: e.line, text: e.text, ok: e.text === result })),
    });
    for (const e of s.expects) {
      expectations++;
      if (e.text === result) continue;
      failures++;
      out.push(`FAIL line ${e.line}: expected ${e.text}, got ${result}`);
    }
  }
  out.push(`${p.steps.length} commands, ${expectations} expectations, ${failures} failed`);
  return {
    output: `${out.join("\n")}\n`,
    failures,
    exitCode: failures > 0 ? EXIT_FAILED : EXIT_OK,
    json: {
      file: where,
      design: design.id,
      deniedErrno: errnoName(denied),
      errors: [],
      steps,
      commands: p.steps.length,
      expectations,
      failures,
    },
  };
}
