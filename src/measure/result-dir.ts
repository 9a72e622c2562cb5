// A sweep's output directory: created with a clear error, held by one sweep at a time (DIR/.sweep.lock with the
// holder's pid and host), written through temporary files removed on every error, appended in whole lines only.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fsReason } from "./fs-errors.ts";

export const LOCK_FILE = ".sweep.lock";

/** A file-system failure on an output path: the message names the path and the reason. */
export class OutputError extends Error {}

/** mkdir -p with an error naming the directory ("read-only file system (EROFS)"). */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot create output directory ${dir}: ${fsReason(realMkdirError(dir, e))}`);
  }
}

/** Node's recursive mkdir reports ENOENT for a read-only parent: a plain mkdir below the deepest existing one tells. */
function realMkdirError(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") return e;
  let child = resolve(dir);
  let parent = dirname(child);
  while (parent !== child && !existsSync(parent)) {
    child = parent;
    parent = dirname(parent);
  }
  try {
    mkdirSync(child);
    rmdirSync(child);
  } catch (real) {
    return real;
  }
  return e;
}

/** Writes `content` to `path` through `path.tmp-PID` and a rename; the temporary file is removed on any error. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "w");
    writeSync(fd, typeof content === "string" ? Buffer.from(content, "utf8") : content);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw new OutputError(`cannot write ${path}: ${fsReason(e)}`);
  }
}

/** An append-only file of whole lines: a failed write is cut back to the last whole line, never left torn. */
export class LineAppender {
  private readonly fd: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "a");
    } catch (e) {
      throw new OutputError(`cannot open ${path} for appending: ${fsReason(e)}`);
    }
  }

  append(line: string): void {
    const before = fstatSync(this.fd).size;
    try {
      writeSync(this.fd, Buffer.from(`${line}\n`, "utf8"));
      fsyncSync(this.fd);
    } catch (e) {
      try {
        ftruncateSync(this.fd, before);
      } catch {
        // the reader drops a torn last line too
      }
      throw new OutputError(`cannot append to ${this.path}: ${fsReason(e)}`);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** Temporary files (NAME.tmp-PID) of processes that no longer run: a kill between write and rename leaves them. */
function removeDeadTemporaries(dir: string, notice?: (msg: string) => void): void {
  for (const name of readdirSync(dir)) {
    const m = /\.tmp-(\d+)$/.exec(name);
    if (m === null || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      notice?.(`removed ${join(dir, name)}, left by pid ${m[1]} (no longer running)`);
    } catch {
      // gone already
    }
  }
}

/** A second sweep into a held directory: the message names the holder and how to clear a stale lock. */
export class LockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes DIR/.sweep.lock (created exclusively). A lock held by a live process, or by another host, is a
 * LockedError; a lock whose holder on this host no longer runs (or an unreadable lock file) is stale and taken
 * over, with `onStale` told. Returns the release function.
 */
export function lockDir(dir: string, command: string, onStale?: (msg: string) => void): () => void {
  const file = join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx");
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      removeDeadTemporaries(dir, onStale);
      return () => {
        try {
          const now = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
          if (now.pid === me.pid && now.host === me.host) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new OutputError(`cannot create ${file}: ${fsReason(e)}`);
    }
    let held: LockInfo | null = null;
    try {
      const j = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
      if (typeof j.pid === "number" && typeof j.host === "string") held = j;
    } catch {
      held = null;
    }
    if (held !== null && (held.host !== me.host || alive(held.pid))) {
      const where = held.host === me.host ? `pid ${held.pid}` : `pid ${held.pid} on host ${held.host}`;
      throw new LockedError(
        `${dir} is in use by another sweep (${where}, since ${held.started}: ${held.command}); wait for it to finish, or sweep into another directory${held.host === me.host ? "" : `; if that sweep is gone, delete ${file}`}`,
      );
    }
    onStale?.(
      held === null
        ? `removing an unreadable lock file ${file}`
        : `removing the stale lock of pid ${held.pid} (no longer running) in ${file}`,
    );
    try {
      unlinkSync(file);
    } catch {
      // another sweep took it over first: try again
    }
  }
  throw new LockedError(`${dir}: could not take ${file} (another sweep keeps taking it)`);
}
