// Every file the tool reads (programs, logs, filters, scenarios, profiles, experiments, baselines, results) goes
// through here: a regular file, or standard input when `-` is given, read up to a size limit. Character devices,
// FIFOs, sockets and directories are refused before anything is read: /dev/zero never ends and a FIFO with no
// writer blocks forever.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { fsReason } from "./fs-errors.ts";

/** Size limits by kind of input, in bytes. */
export const INPUT_LIMITS = {
  /** a static ELF executable, a --file or --stdin payload */
  program: 256 * 1024 * 1024,
  /** an strace log held in memory (standard input, or replay --gaps: ~3 KB per line) */
  trace: 256 * 1024 * 1024,
  /** an strace log replay streams (read twice, line by line, never held) */
  traceStream: 16 * 1024 * 1024 * 1024,
  /** a classic-BPF filter: raw (at most 4096 instructions) or text */
  filter: 1024 * 1024,
  /** a scenario, profile, experiment or design file */
  text: 16 * 1024 * 1024,
  /** a baseline or a results.jsonl */
  results: 256 * 1024 * 1024,
} as const;

/** A file that cannot be used as input: missing, unreadable, not a regular file, or over its size limit. */
export class InputFileError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export interface ReadInputOptions {
  /** what the file is, for messages ("--stdin", "strace log") */
  what: string;
  /** largest accepted size in bytes */
  maxBytes: number;
  /** `-` reads standard input (whatever it is: pipe, terminal, file) */
  allowStdin?: boolean;
}

const KIND_OF: readonly [number, string][] = [
  [constants.S_IFCHR, "a character device"],
  [constants.S_IFIFO, "a FIFO"],
  [constants.S_IFSOCK, "a socket"],
  [constants.S_IFDIR, "a directory"],
  [constants.S_IFBLK, "a block device"],
];

function fmtSize(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(0)} MiB` : `${n} bytes`;
}

/** Reads from `fd` until end of file, failing once more than `max` bytes arrive. */
function readAll(fd: number, max: number, tooBig: () => never): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      // a non-blocking standard input with nothing yet: wait a little (the reader has nothing else to do)
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > max) tooBig();
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks, total);
}

/** The whole file (or standard input for `-`), at most `maxBytes`; InputFileError naming the path otherwise. */
export function readInputFile(path: string, o: ReadInputOptions): Buffer {
  const tooBig = (): never => {
    throw new InputFileError(
      `${o.what} ${path}: larger than the ${fmtSize(o.maxBytes)} limit for this input`,
      path,
    );
  };
  if (path === "-" && o.allowStdin === true) return readAll(0, o.maxBytes, tooBig);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(`${o.what} ${path}: ${fsReason(e as NodeJS.ErrnoException)}`, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = KIND_OF.find(([bit]) => (st.mode & constants.S_IFMT) === bit)?.[1] ?? "not a regular file";
      const hint = o.allowStdin === true ? " (use - to read standard input)" : "";
      throw new InputFileError(`${o.what} ${path}: ${kind}, not a regular file${hint}`, path);
    }
    if (st.size > o.maxBytes) tooBig();
    return readAll(fd, o.maxBytes, tooBig);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(`${o.what} ${path}: ${fsReason(e as NodeJS.ErrnoException)}`, path);
  } finally {
    closeSync(fd);
  }
}

/** The file as UTF-8 text (see readInputFile). */
export function readInputText(path: string, o: ReadInputOptions): string {
  return readInputFile(path, o).toString("utf8");
}

/** The lines of an input, one at a time: next() is null after the last. */
export interface LineReader {
  next(): string | null;
  close(): void;
}

/** A reader over lines already in memory (text.split("\n"), as the parsers split). */
export function linesOfText(text: string): LineReader {
  let pos = 0;
  let done = false;
  return {
    next: () => {
      if (done) return null;
      const nl = text.indexOf("\n", pos);
      if (nl < 0) {
        done = true;
        return text.slice(pos);
      }
      const line = text.slice(pos, nl);
      pos = nl + 1;
      return line;
    },
    close: () => {},
  };
}

/**
 * A file's lines read as they are asked for (64 KiB at a time, UTF-8), with the checks of readInputFile; the
 * lines are those of text.split("\n"). A line longer than maxLineLength is cut to maxLineLength + 1 characters
 * (its reader reports it as too long) and the rest of it is skipped, so memory stays bounded by the longest line
 * kept. `-` (with allowStdin) reads standard input whole first, up to maxBytes.
 */
export function openInputLines(path: string, o: ReadInputOptions & { maxLineLength: number }): LineReader {
  if (path === "-" && o.allowStdin === true) return linesOfText(readInputText(path, o));
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(`${o.what} ${path}: ${fsReason(e as NodeJS.ErrnoException)}`, path);
  }
  const fail = (e: unknown): never => {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(`${o.what} ${path}: ${fsReason(e as NodeJS.ErrnoException)}`, path);
  };
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = KIND_OF.find(([bit]) => (st.mode & constants.S_IFMT) === bit)?.[1] ?? "not a regular file";
      const hint = o.allowStdin === true ? " (use - to read standard input)" : "";
      throw new InputFileError(`${o.what} ${path}: ${kind}, not a regular file${hint}`, path);
    }
    if (st.size > o.maxBytes)
      throw new InputFileError(
        `${o.what} ${path}: larger than the ${fmtSize(o.maxBytes)} limit for this input`,
        path,
      );
  } catch (e) {
    close();
    fail(e);
  }
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const buf = Buffer.allocUnsafe(1 << 16);
  const cap = o.maxLineLength + 1;
  let total = 0;
  let text = "";
  let pos = 0;
  let partial = "";
  let skipping = false;
  let eof = false;
  let finished = false;
  const fill = (): void => {
    let n = 0;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      close();
      fail(e);
    }
    total += n;
    if (total > o.maxBytes) {
      close();
      throw new InputFileError(
        `${o.what} ${path}: larger than the ${fmtSize(o.maxBytes)} limit for this input`,
        path,
      );
    }
    if (n === 0) {
      eof = true;
      text = decoder.decode();
      close();
    } else text = decoder.decode(buf.subarray(0, n), { stream: true });
    pos = 0;
  };
  return {
    next: () => {
      if (finished) return null;
      for (;;) {
        const nl = text.indexOf("\n", pos);
        if (nl >= 0) {
          let line = skipping ? partial : partial + text.slice(pos, nl);
          if (line.length > cap) line = line.slice(0, cap);
          partial = "";
          skipping = false;
          pos = nl + 1;
          return line;
        }
        if (!skipping) {
          partial += text.slice(pos);
          if (partial.length > cap) {
            partial = partial.slice(0, cap);
            skipping = true;
          }
        }
        pos = text.length;
        if (eof) {
          finished = true;
          const line = partial;
          partial = "";
          return line;
        }
        fill();
      }
    },
    close,
  };
}
