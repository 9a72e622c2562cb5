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
  /** an strace log (replay holds it in memory: ~3 KB per line) */
  trace: 256 * 1024 * 1024,
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
