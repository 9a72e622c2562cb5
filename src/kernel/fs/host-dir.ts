// A host directory as the read-only lower layer of the guest root (`exec --root DIR`). Node only: the CLI builds
// it, the kernel sees the LowerFs interface. Nothing outside DIR is reachable through it: every path it is asked
// about is canonical (the VFS resolves "..", "." and symlinks inside the guest tree), and it checks each
// component itself with lstat, so a host symlink is reported as a link and never followed by the host. Regular
// files, directories and symlinks are visible; devices, FIFOs and sockets are not. Reads are bounded: a file at
// most `maxFileBytes`, all files together at most `maxTotalBytes` (EFBIG past either).
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
} from "node:fs";
import { join } from "node:path";
import type { LowerEntry, LowerFs, NodeMeta, Timespec } from "../vfs.ts";

const EIO = 5;
const EFBIG = 27;

export interface HostDirLimits {
  /** largest file the guest may read (default 256 MiB) */
  maxFileBytes?: number;
  /** bytes read from the host over the machine's life (default 1 GiB) */
  maxTotalBytes?: number;
}

/** The root directory given to --root is unusable: missing, not a directory, unreadable. */
export class HostRootError extends Error {}

export class HostDirFs implements LowerFs {
  readonly name: string;
  private readonly maxFile: number;
  private readonly maxTotal: number;
  private readBytes = 0;
  /** lstat results by canonical guest path (null: absent or hidden) */
  private readonly cache = new Map<string, LowerEntry | null>();

  constructor(dir: string, limits: HostDirLimits = {}) {
    let st: Stats;
    try {
      st = lstatSync(dir);
      if (st.isSymbolicLink()) st = lstatSync(join(dir, "."));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new HostRootError(
        `--root ${dir}: ${code === "ENOENT" ? "no such directory" : code === "EACCES" ? "permission denied" : (e as Error).message}`,
      );
    }
    if (!st.isDirectory()) throw new HostRootError(`--root ${dir}: not a directory`);
    try {
      readdirSync(dir);
    } catch (e) {
      throw new HostRootError(
        `--root ${dir}: cannot list it (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    this.name = dir;
    this.maxFile = limits.maxFileBytes ?? 256 * 1024 * 1024;
    this.maxTotal = limits.maxTotalBytes ?? 1024 * 1024 * 1024;
  }

  private host(p: string): string {
    return join(this.name, p);
  }

  entry(p: string): LowerEntry | undefined {
    const hit = this.cache.get(p);
    if (hit !== undefined) return hit ?? undefined;
    let e: LowerEntry | null = null;
    // the parent must be a real directory of the layer: a symlinked component is never walked through by the host
    const parent = p === "/" ? null : p.slice(0, Math.max(1, p.lastIndexOf("/")));
    if (parent === null || this.entry(parent)?.kind === "dir") {
      try {
        const st = lstatSync(this.host(p), { bigint: true });
        const kind = st.isDirectory() ? "dir" : st.isFile() ? "reg" : st.isSymbolicLink() ? "lnk" : null;
        if (kind !== null) e = { kind, meta: metaOf(st) };
      } catch {
        e = null;
      }
    }
    this.cache.set(p, e);
    return e ?? undefined;
  }

  readlink(p: string): string | undefined {
    if (this.entry(p)?.kind !== "lnk") return undefined;
    try {
      return readlinkSync(this.host(p), "utf8");
    } catch {
      return undefined;
    }
  }

  read(p: string): Uint8Array | number {
    if (this.entry(p)?.kind !== "reg") return -EIO;
    let fd: number;
    try {
      fd = openSync(this.host(p), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return -EIO;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return -EIO;
      if (st.size > this.maxFile || this.readBytes + st.size > this.maxTotal) return -EFBIG;
      const out = new Uint8Array(st.size);
      let off = 0;
      while (off < out.length) {
        const n = readSync(fd, out, off, out.length - off, off);
        if (n === 0) break;
        off += n;
      }
      this.readBytes += off;
      return off === out.length ? out : out.slice(0, off);
    } catch {
      return -EIO;
    } finally {
      closeSync(fd);
    }
  }

  list(p: string): string[] {
    if (this.entry(p)?.kind !== "dir") return [];
    try {
      return readdirSync(this.host(p)).filter(
        (n) => this.entry(p === "/" ? `/${n}` : `${p}/${n}`) !== undefined,
      );
    } catch {
      return [];
    }
  }
}

/** The stat fields of a host file as the guest sees them (`exec --file`), or undefined when lstat fails. */
export function hostFileMeta(path: string): NodeMeta | undefined {
  try {
    return metaOf(lstatSync(path, { bigint: true }));
  } catch {
    return undefined;
  }
}

/** The stat fields, times to the nanosecond (lstat with bigint: a double of milliseconds loses the nanoseconds). */
function metaOf(st: BigIntStats): NodeMeta {
  const ts = (ns: bigint): Timespec => ({
    sec: Number(ns / 1_000_000_000n),
    nsec: Number(ns % 1_000_000_000n),
  });
  return {
    perm: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    atime: ts(st.atimeNs),
    mtime: ts(st.mtimeNs),
    ctime: ts(st.ctimeNs),
    nlink: Number(st.nlink),
    blocks: Number(st.blocks),
  };
}
