// Reading an input file with a size limit: a regular file only (a FIFO or /dev/zero would block or grow without
// bound), refused with its path and the limit when larger.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export class InputFileError extends Error {}

/** The file's bytes as UTF-8 text; InputFileError naming `what` and the path when it cannot be read or is too big. */
export function readLimitedText(path: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new InputFileError(`cannot read ${what} ${path}: ${fsReason(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(`${what} ${path} is not a regular file`);
    if (st.size > maxBytes)
      throw new InputFileError(
        `${what} ${path} is ${st.size.toLocaleString("en-US")} bytes, more than the limit of ${maxBytes.toLocaleString("en-US")}`,
      );
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** A file-system error as "read-only file system (EROFS)" rather than Node's "EROFS: …, open '…'". */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === "string") return `${REASONS[code] ?? "error"} (${code})`;
  return e instanceof Error ? e.message : String(e);
}
