// The `#!` interpreter line (fs/binfmt_script.c load_script): a file starting with "#!" is run by the interpreter
// it names, with argv = [interpreter, optional argument, the script path as given to execve, argv[1…]]. The
// first BINPRM_BUF_SIZE bytes are parsed, whose size and handling differ between the two kernels modelled:
// - Linux 3.1 (BINPRM_BUF_SIZE 128): the buffer's last byte is made NUL, the line ends at the first '\n' or there
//   (a longer line is silently cut), trailing blanks are dropped, the name runs to the first blank or NUL, and
//   everything after the blanks that follow it is one argument; five nested scripts at most (a recursion_depth
//   above BINPRM_MAX_RECURSION 4 is declined), then ENOEXEC.
// - Linux 5.1+ (linux-generic, BINPRM_BUF_SIZE 256, "exec: load_script: Do not exec truncated interpreter path"):
//   without a '\n' in the buffer the line is accepted only if a blank or NUL ends the name inside it, otherwise
//   ENOEXEC (a truncated interpreter path is never executed); exec_binprm gives up with ELOOP after five rewrites.
// A blank is ' ' or '\t'. The name may be relative (opened from the cwd, as open_exec does).
import { utf8Decode } from "../../cpu/text-bytes.ts";

const ENOEXEC = 8;
const ELOOP = 40;

export type ScriptFlavour = "linux-3.1" | "linux-generic";

/** BINPRM_BUF_SIZE (include/uapi/linux/binfmts.h): 128 through 5.0, 256 from 5.1. */
export function binprmBufSize(flavour: ScriptFlavour): number {
  return flavour === "linux-generic" ? 256 : 128;
}

/**
 * The deepest rewrite allowed: 3.1 declines a script whose recursion_depth (scripts before it) is above
 * BINPRM_MAX_RECURSION 4; 5.8+ exec_binprm stops before handling the file at depth 6. Both run at most five nested
 * scripts.
 */
export function maxScriptDepth(flavour: ScriptFlavour): number {
  return flavour === "linux-generic" ? 5 : 4;
}

/** The errno once the interpreters nest deeper than maxScriptDepth (3.1: no handler left, ENOEXEC; 5.x: ELOOP). */
export function scriptDepthErrno(flavour: ScriptFlavour): number {
  return flavour === "linux-generic" ? -ELOOP : -ENOEXEC;
}

/** The file starts with "#!" (only then is it load_script's). */
export function isScript(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21;
}

export interface ScriptLine {
  /** the interpreter path (its bytes decoded as UTF-8, as execve's argument strings are here) */
  name: string;
  /** the optional argument, the whole rest of the line (blanks inside it kept) */
  arg: string | null;
}

const blank = (c: number) => c === 0x20 || c === 0x09;

/** The interpreter line of a file starting with "#!", or -ENOEXEC when it names no (untruncated) interpreter. */
export function parseScriptLine(bytes: Uint8Array, flavour: ScriptFlavour): ScriptLine | number {
  const size = binprmBufSize(flavour);
  // bprm->buf: the first BINPRM_BUF_SIZE bytes, NUL-padded when the file is shorter
  const buf = new Uint8Array(size);
  buf.set(bytes.subarray(0, size));
  let end: number; // i_end: one past the line
  const nl = buf.indexOf(0x0a);
  if (flavour === "linux-generic") {
    const last = size - 1; // buf_end
    if (nl >= 0) end = nl;
    else {
      let i = 2;
      while (i <= last && blank(buf[i]!)) i++;
      if (i > last) return -ENOEXEC; // the whole buffer is blanks
      let term = i;
      while (term <= last && !blank(buf[term]!) && buf[term] !== 0) term++;
      if (term > last) return -ENOEXEC; // the interpreter path may be truncated
      end = last;
    }
  } else {
    buf[size - 1] = 0;
    end = nl >= 0 ? nl : size - 1;
  }
  while (end > 2 && blank(buf[end - 1]!)) end--;
  let i = 2;
  while (i < end && blank(buf[i]!)) i++;
  if (i >= end) return -ENOEXEC; // no interpreter name
  // a NUL where the name should start: 3.1 says ENOEXEC; 5.x goes on with the name "" (open_exec: ENOENT)
  if (buf[i] === 0) return flavour === "linux-generic" ? { name: "", arg: null } : -ENOEXEC;
  const nameStart = i;
  while (i < end && !blank(buf[i]!) && buf[i] !== 0) i++;
  const name = text(buf.subarray(nameStart, i));
  if (i >= end || buf[i] === 0) return { name, arg: null };
  while (i < end && blank(buf[i]!)) i++;
  if (i >= end || buf[i] === 0) return { name, arg: null };
  // the argument is a C string: it stops at a NUL inside the line
  let argEnd = i;
  while (argEnd < end && buf[argEnd] !== 0) argEnd++;
  return { name, arg: text(buf.subarray(i, argEnd)) };
}

/** argv after load_script: remove_arg_zero, then the script path, the argument and the name pushed in front. */
export function scriptArgv(line: ScriptLine, scriptPath: string, argv: readonly string[]): string[] {
  return [line.name, ...(line.arg !== null ? [line.arg] : []), scriptPath, ...argv.slice(1)];
}

const text = (b: Uint8Array): string => utf8Decode(b);
