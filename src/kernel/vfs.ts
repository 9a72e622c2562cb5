// A minimal in-memory VFS: a directory tree ("/", "/tmp", "/dev", "/sys/fs/cgroup", plus directories made with
// mkdir), the character devices /dev/null and /dev/zero, mounted file systems (cgroupfs at
// /sys/fs/cgroup/syscalls) and per-task file descriptor tables. Enough for the syscalls the workloads use.
import type { Task } from "./task.ts";

export type FileKind =
  | "stdin"
  | "stdout"
  | "stderr"
  | "null"
  | "zero"
  | "urandom"
  | "dir"
  | "mnt"
  | "reg"
  | "pipe";

/** A regular file's content (a host file named with `exec --file`, or a file created in the guest). */
export interface RegFile {
  data: Uint8Array;
  /** writes allowed (`--file host:guest:rw`, or created in the guest) */
  writable: boolean;
}

/** A pipe's buffer; readers see end of file once no task holds its write end. */
export interface Pipe {
  buf: Uint8Array[];
  /** bytes in buf */
  size: number;
}

export interface OpenFile {
  kind: FileKind;
  /** path it was opened by (for dirs and devices) */
  path: string;
  /** O_ACCMODE bits: 0 read, 1 write, 2 read/write */
  accmode: number;
  /** kind "mnt": the file system and the path inside it */
  mnt?: { fs: MountedFs; rel: string };
  /** kind "mnt": file position (shared by dup'd descriptors, as f_pos) */
  pos?: number;
  /** kind "mnt": the content generated at the first read (seq_file), re-generated at position 0 */
  seq?: Uint8Array;
  /** kind "reg": the file (pos is its f_pos) */
  reg?: RegFile;
  /** kind "pipe": the pipe; accmode tells the end (0 read, 1 write) */
  pipe?: Pipe;
  /** f_flags above O_ACCMODE (O_APPEND, O_NONBLOCK, …) as fcntl(F_GETFL) reports them */
  flags?: number;
}

/**
 * A file system mounted in the VFS (cgroupfs). Paths are relative to the mount point, "/" being its root.
 * Every object is owned by root: directories 0755, files 0644.
 */
export interface MountedFs {
  readonly name: string;
  stat(rel: string): "dir" | "file" | undefined;
  /** 0 or -errno */
  mkdir(rel: string): number;
  /** 0 or -errno */
  rmdir(rel: string): number;
  /** the whole content of a file now, or -errno */
  read(rel: string): Uint8Array | number;
  /** a write of `data` by `writer`: bytes accepted or -errno */
  write(rel: string, data: Uint8Array, writer: Task): number;
}

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_DIRECTORY = 0o200000;
export const NR_OPEN_DEFAULT = 1024; // RLIMIT_NOFILE soft limit
export const PATH_MAX = 4096;

export type Node =
  | { type: "dir" }
  | { type: "chr"; kind: "null" | "zero" | "urandom" }
  | { type: "reg"; file: RegFile }
  /** an object of a mounted file system (`mount` is its mount point) */
  | { type: "mnt"; kind: "dir" | "file"; fs: MountedFs; mount: string; rel: string };

export class Vfs {
  readonly nodes = new Map<string, Node>();
  /** mount point → file system; the mount point must be an existing directory */
  readonly mounts = new Map<string, MountedFs>();

  constructor() {
    for (const d of ["/", "/tmp", "/dev", "/sys", "/sys/fs", "/sys/fs/cgroup", "/proc"]) this.mkdir(d);
    this.nodes.set("/dev/null", { type: "chr", kind: "null" });
    this.nodes.set("/dev/zero", { type: "chr", kind: "zero" });
    this.nodes.set("/dev/urandom", { type: "chr", kind: "urandom" });
  }

  /** Host API: a regular file at `path` (missing parent directories are created). */
  addFile(path: string, data: Uint8Array, writable = false): void {
    const p = normalize("/", path);
    if (p === "/") throw new Error("vfs.addFile: / is a directory");
    if (this.mountOf(p) !== undefined) throw new Error(`vfs.addFile: ${p} is inside a mounted file system`);
    const dirs: string[] = [];
    for (let q = parentOf(p); q !== "/"; q = parentOf(q)) dirs.unshift(q);
    for (const d of dirs) {
      const n = this.nodes.get(d);
      if (n === undefined) this.mkdir(d);
      else if (n.type !== "dir") throw new Error(`vfs.addFile: ${d} is not a directory`);
    }
    if (this.nodes.get(p)?.type === "dir") throw new Error(`vfs.addFile: ${p} is a directory`);
    this.nodes.set(p, { type: "reg", file: { data, writable } });
  }

  /** Host API (e.g. cgroupfs): create a directory; its parent must exist. */
  mkdir(path: string): void {
    const p = normalize("/", path);
    if (p !== "/" && this.nodes.get(parentOf(p))?.type !== "dir")
      throw new Error(`vfs.mkdir: no parent for ${p}`);
    this.nodes.set(p, { type: "dir" });
  }

  /** Host API: mount `fs` on the existing directory `path`. */
  mount(path: string, fs: MountedFs): void {
    const p = normalize("/", path);
    if (this.nodes.get(p)?.type !== "dir") throw new Error(`vfs.mount: ${p} is not a directory`);
    this.mounts.set(p, fs);
  }

  /** The mount containing absolute path p, with p relative to it. */
  mountOf(p: string): { mount: string; fs: MountedFs; rel: string } | undefined {
    for (const [m, fs] of this.mounts) {
      if (p === m) return { mount: m, fs, rel: "/" };
      if (p.startsWith(`${m}/`)) return { mount: m, fs, rel: p.slice(m.length) };
    }
    return undefined;
  }

  /** The node at absolute path p (mounted file systems included). */
  node(p: string): Node | undefined {
    const m = this.mountOf(p);
    if (m === undefined) return this.nodes.get(p);
    const kind = m.fs.stat(m.rel);
    return kind === undefined ? undefined : { type: "mnt", kind, fs: m.fs, mount: m.mount, rel: m.rel };
  }

  lookup(cwd: string, path: string): { path: string; node: Node | undefined; notDirOnWay: boolean } {
    const p = normalize(cwd, path);
    let notDirOnWay = false;
    for (let q = parentOf(p); ; q = parentOf(q)) {
      const n = this.node(q);
      if (n !== undefined && !isDir(n)) notDirOnWay = true;
      if (q === "/") break;
    }
    return { path: p, node: this.node(p), notDirOnWay };
  }

  /** Plain directories (not mounted objects) directly under p. */
  hasChildren(p: string): boolean {
    const prefix = p === "/" ? "/" : `${p}/`;
    for (const k of this.nodes.keys()) if (k !== p && k.startsWith(prefix)) return true;
    return this.mounts.has(p);
  }
}

export function isDir(n: Node): boolean {
  return n.type === "dir" || (n.type === "mnt" && n.kind === "dir");
}

/** Absolute, with "." and ".." resolved ("/.." is "/"). */
export function normalize(cwd: string, path: string): string {
  const parts = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
  const out: string[] = [];
  for (const s of parts) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return `/${out.join("/")}`;
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** A task's descriptor table; dup'd descriptors share the OpenFile. */
export class FdTable {
  readonly fds = new Map<number, OpenFile>();
  /** descriptors with FD_CLOEXEC (closed by execve) */
  readonly cloexec = new Set<number>();

  static standard(): FdTable {
    const t = new FdTable();
    t.fds.set(0, { kind: "stdin", path: "/dev/stdin", accmode: O_RDONLY });
    t.fds.set(1, { kind: "stdout", path: "/dev/stdout", accmode: O_WRONLY });
    t.fds.set(2, { kind: "stderr", path: "/dev/stderr", accmode: O_WRONLY });
    return t;
  }

  clone(): FdTable {
    const t = new FdTable();
    for (const [k, v] of this.fds) t.fds.set(k, v);
    for (const fd of this.cloexec) t.cloexec.add(fd);
    return t;
  }

  get(fd: number): OpenFile | undefined {
    return this.fds.get(fd);
  }

  /** FD_CLOEXEC of `fd` (fcntl F_SETFD, O_CLOEXEC). */
  setCloexec(fd: number, on: boolean): void {
    if (on) this.cloexec.add(fd);
    else this.cloexec.delete(fd);
  }

  /** The lowest free descriptor, or -1 at the limit. */
  install(f: OpenFile): number {
    for (let fd = 0; fd < NR_OPEN_DEFAULT; fd++) {
      if (!this.fds.has(fd)) {
        this.fds.set(fd, f);
        return fd;
      }
    }
    return -1;
  }

  close(fd: number): boolean {
    this.cloexec.delete(fd);
    return this.fds.delete(fd);
  }
}
