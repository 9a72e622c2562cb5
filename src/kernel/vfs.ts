// A minimal in-memory VFS: a directory tree ("/", "/tmp", "/dev", "/sys/fs/cgroup", plus directories made with
// mkdir), the character devices /dev/null, /dev/zero and /dev/urandom, symbolic links, mounted file systems
// (cgroupfs at /sys/fs/cgroup/syscalls), a synthetic /proc/self, and per-task file descriptor tables. With a
// lower layer (`setLower`: a host directory, read-only, src/kernel/fs/host-dir.ts) the tree is an overlay: what
// the guest creates, writes or removes lives here and is discarded with the machine; /tmp, /dev, /proc and /sys
// never show the lower layer. Path resolution (`lookup`) walks component by component and follows symlinks
// inside the guest tree, so ".." and absolute link targets stop at the guest's "/".
import { inodeOf, removeOfdLocks, removePosixLocks } from "./fs/file-lock.ts";
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
  /** the owner fchown set (stat shows it instead of the host's or the overlay's default) */
  owner?: { uid: number; gid: number };
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
  /** kinds "reg" and "dir" of the lower layer: the host's stat fields */
  meta?: NodeMeta;
  /** kind "dir": the entries getdents64 returns, listed at its first call (f_pos indexes them) */
  dirents?: string[];
  /** descriptors (in every table) that refer to this description (f_count); its OFD locks go when it drops to 0 */
  refs?: number;
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

export interface Timespec {
  sec: number;
  nsec: number;
}

/** The metadata a lower-layer object brings (stat fields); overlay objects have none and get the defaults. */
export interface NodeMeta {
  /** permission bits and set-id bits (no S_IFMT) */
  perm: number;
  uid: number;
  gid: number;
  size: number;
  /** st_atim, st_mtim, st_ctim: seconds and nanoseconds, exact */
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  nlink: number;
  /** st_blocks (512-byte units) */
  blocks: number;
}

export type Node =
  /** opaque: hides the lower layer's directory of the same path (every directory made in the guest) */
  | { type: "dir"; opaque?: boolean; meta?: NodeMeta }
  | { type: "chr"; kind: "null" | "zero" | "urandom" }
  | { type: "reg"; file: RegFile; meta?: NodeMeta }
  | { type: "lnk"; target: string; meta?: NodeMeta }
  /** an object of a mounted file system (`mount` is its mount point) */
  | { type: "mnt"; kind: "dir" | "file"; fs: MountedFs; mount: string; rel: string };

/** What a lower layer reports about one object (lstat: a symlink is itself). */
export interface LowerEntry {
  kind: "dir" | "reg" | "lnk";
  meta: NodeMeta;
}

/**
 * The read-only lower layer of the guest root. Paths are canonical guest paths ("/usr/lib/x"): absolute, no "."
 * or "..", and no component that is a symlink (the VFS resolves those itself before asking).
 */
export interface LowerFs {
  /** for messages: what the layer is (the host directory) */
  readonly name: string;
  /** the object at p, or undefined (absent, or a kind the guest may not see: devices, FIFOs, sockets) */
  entry(p: string): LowerEntry | undefined;
  /** a symlink's target as stored */
  readlink(p: string): string | undefined;
  /** a regular file's bytes, or -errno (EFBIG past the layer's size limit, EIO when the host refuses) */
  read(p: string): Uint8Array | number;
  /** the names in directory p that `entry` would report */
  list(p: string): string[];
}

/** A regular file of the lower layer: read on first use, then private to the guest (copy-up is free). */
export class LowerFile implements RegFile {
  private bytes: Uint8Array | undefined;
  writable = true;
  constructor(
    private readonly lower: LowerFs,
    private readonly path: string,
    private readonly hostSize: number,
  ) {}
  /** 0, or -errno when the lower layer cannot deliver the bytes (then `data` must not be read) */
  load(): number {
    if (this.bytes !== undefined) return 0;
    const r = this.lower.read(this.path);
    if (typeof r === "number") return r;
    this.bytes = r;
    return 0;
  }
  get data(): Uint8Array {
    if (this.bytes === undefined && this.load() < 0) return new Uint8Array(0);
    return this.bytes!;
  }
  set data(v: Uint8Array) {
    this.bytes = v;
  }
  get size(): number {
    return this.bytes?.length ?? this.hostSize;
  }
}

/** A regular file's size without reading a lower file's bytes. */
export function regSize(f: RegFile): number {
  return f instanceof LowerFile ? f.size : f.data.length;
}

/** A regular file's bytes are in memory (a lower file read now): 0 or -errno. */
export function loadReg(f: RegFile): number {
  return f instanceof LowerFile ? f.load() : 0;
}

/** Who is looking a path up: /proc/self and /proc/PID are that task's. */
export interface ProcSelf {
  pid: number;
  /** the executable's path (readlink /proc/self/exe) */
  exe: string | undefined;
  cwd: string;
  /** the text of /proc/self/maps, made when it is opened */
  maps?: () => string;
}

export interface LookupResult {
  /** the canonical path (symlinks resolved; the last one too unless nofollow) */
  path: string;
  node: Node | undefined;
  /** a component before the last is not a directory */
  notDirOnWay: boolean;
  /** -ELOOP: more than MAXSYMLINKS links on the way; -ENOENT: a directory on the way is missing */
  error?: number;
}

/** MAXSYMLINKS of fs/namei.c (Linux 4.2+) */
export const MAXSYMLINKS = 40;
const ELOOP = 40;
const ENOENT = 2;
/** guest directories that never show the lower layer (tmpfs, devtmpfs, procfs, sysfs) */
const SHADOWED = ["/tmp", "/dev", "/proc", "/sys"];

export class Vfs {
  /** the overlay: objects created, written or looked up (lower objects are cached here once seen) */
  readonly nodes = new Map<string, Node>();
  /** mount point → file system; the mount point must be an existing directory */
  readonly mounts = new Map<string, MountedFs>();
  /** lower-layer paths the guest removed (whiteouts) */
  readonly removed = new Set<string>();
  /** the read-only lower layer (the guest root), if any */
  lower: LowerFs | null = null;

  constructor() {
    this.nodes.set("/", { type: "dir" });
    for (const d of ["/tmp", "/dev", "/sys", "/sys/fs", "/sys/fs/cgroup", "/proc"]) this.mkdir(d);
    // the modes of a booted system's mounts: tmpfs /tmp 1777 (sticky, anyone may create), procfs and sysfs 0555
    for (const [d, perm, size] of [
      ["/tmp", 0o1777, 40],
      ["/proc", 0o555, 0],
      ["/sys", 0o555, 0],
    ] as const) {
      const zero = { sec: 0, nsec: 0 };
      const meta = { perm, uid: 0, gid: 0, size, atime: zero, mtime: zero, ctime: zero, nlink: 2, blocks: 0 };
      this.nodes.set(d, { type: "dir", opaque: true, meta });
    }
    this.nodes.set("/dev/null", { type: "chr", kind: "null" });
    this.nodes.set("/dev/zero", { type: "chr", kind: "zero" });
    this.nodes.set("/dev/urandom", { type: "chr", kind: "urandom" });
  }

  /** Host API: the read-only layer under the overlay (the guest root); set before any task runs. */
  setLower(lower: LowerFs): void {
    this.lower = lower;
    const root = lower.entry("/");
    this.nodes.set("/", root !== undefined ? { type: "dir", meta: root.meta } : { type: "dir" });
  }

  /**
   * Host API: a regular file at `path` (missing parent directories are created); `meta`: the stat fields it shows
   * (`exec --file` passes the host file's, so its mtime is the host's), else the overlay defaults.
   */
  addFile(path: string, data: Uint8Array, writable = false, meta?: NodeMeta): void {
    const p = normalize("/", path);
    if (p === "/") throw new Error("vfs.addFile: / is a directory");
    if (this.mountOf(p) !== undefined) throw new Error(`vfs.addFile: ${p} is inside a mounted file system`);
    const dirs: string[] = [];
    for (let q = parentOf(p); q !== "/"; q = parentOf(q)) dirs.unshift(q);
    for (const d of dirs) {
      const n = this.node(d);
      if (n === undefined) this.mkdir(d);
      else if (!isDir(n)) throw new Error(`vfs.addFile: ${d} is not a directory`);
    }
    if (this.node(p)?.type === "dir") throw new Error(`vfs.addFile: ${p} is a directory`);
    this.removed.delete(p);
    this.nodes.set(
      p,
      meta !== undefined
        ? { type: "reg", file: { data, writable }, meta }
        : { type: "reg", file: { data, writable } },
    );
  }

  /** Host API (e.g. cgroupfs): create a directory (opaque: it hides any lower one); its parent must exist. */
  mkdir(path: string): void {
    const p = normalize("/", path);
    const parent = p === "/" ? undefined : this.node(parentOf(p));
    if (p !== "/" && (parent === undefined || !isDir(parent)))
      throw new Error(`vfs.mkdir: no parent for ${p}`);
    this.nodes.set(p, { type: "dir", opaque: true });
  }

  /** Removes the object at canonical path p (unlink, rmdir, the old name of a rename). */
  remove(p: string): void {
    this.nodes.delete(p);
    if (this.lower !== null) this.removed.add(p);
  }

  /** Places `n` at canonical path p (creation, the new name of a rename). */
  place(p: string, n: Node): void {
    this.removed.delete(p);
    this.nodes.set(p, n);
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

  /** The lower layer may show p: no overlay object or whiteout above it hides it. */
  private lowerVisible(p: string): boolean {
    if (this.lower === null || this.removed.has(p)) return false;
    for (const s of SHADOWED) if (p === s || p.startsWith(`${s}/`)) return false;
    for (let q = parentOf(p); ; q = parentOf(q)) {
      const n = this.nodes.get(q);
      if (n !== undefined && (n.type !== "dir" || n.opaque === true)) return false;
      if (this.removed.has(q)) return false;
      if (q === "/") return true;
    }
  }

  /** The node at canonical path p (mounted file systems and the lower layer included; symlinks not followed). */
  node(p: string, self?: ProcSelf): Node | undefined {
    const m = this.mountOf(p);
    if (m !== undefined) {
      const kind = m.fs.stat(m.rel);
      return kind === undefined ? undefined : { type: "mnt", kind, fs: m.fs, mount: m.mount, rel: m.rel };
    }
    if (self !== undefined && p.startsWith("/proc/")) return procNode(p, self);
    const n = this.nodes.get(p);
    if (n !== undefined || !this.lowerVisible(p)) return n;
    const lower = this.lower!;
    const e = lower.entry(p);
    if (e === undefined) return undefined;
    let made: Node;
    if (e.kind === "dir") made = { type: "dir", meta: e.meta };
    else if (e.kind === "lnk") made = { type: "lnk", target: lower.readlink(p) ?? "", meta: e.meta };
    else made = { type: "reg", file: new LowerFile(lower, p, e.meta.size), meta: e.meta };
    this.nodes.set(p, made);
    return made;
  }

  /**
   * Resolves `path` against `cwd` component by component (path_lookupat): symlinks are followed, the last one only
   * unless `nofollow`; ".." of "/" is "/", so no path leaves the guest tree.
   */
  lookup(cwd: string, path: string, opts: { nofollow?: boolean; self?: ProcSelf } = {}): LookupResult {
    const todo = (path.startsWith("/") ? path : `${cwd}/${path}`)
      .split("/")
      .filter((x) => x !== "" && x !== ".");
    todo.reverse(); // a stack: the next component is last
    const stack: string[] = [];
    let links = 0;
    const here = () => `/${stack.join("/")}`;
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (c === "..") {
        stack.pop();
        continue;
      }
      const cur = here();
      const dir = this.node(cur, opts.self);
      if (dir === undefined)
        return {
          path: joinPath(cur, [c, ...todo.reverse()]),
          node: undefined,
          notDirOnWay: false,
          error: -ENOENT,
        };
      if (!isDir(dir))
        return { path: joinPath(cur, [c, ...todo.reverse()]), node: undefined, notDirOnWay: true };
      stack.push(c);
      const last = todo.length === 0;
      const n = this.node(here(), opts.self);
      if (n?.type === "lnk" && (!last || opts.nofollow !== true)) {
        if (++links > MAXSYMLINKS)
          return { path: here(), node: undefined, notDirOnWay: false, error: -ELOOP };
        stack.pop();
        if (n.target.startsWith("/")) stack.length = 0;
        const parts = n.target.split("/").filter((x) => x !== "" && x !== ".");
        for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
      }
    }
    const p = here();
    return { path: p, node: this.node(p, opts.self), notDirOnWay: false };
  }

  /** The names in directory p (overlay, mounts and the lower layer; "." and ".." not included). */
  list(p: string, self?: ProcSelf): string[] {
    const names = new Set<string>();
    const m = this.mountOf(p);
    if (m !== undefined) return [];
    if (p === "/proc" && self !== undefined) names.add("self").add(String(self.pid));
    if (self !== undefined && /^\/proc\/\d+$/.test(p)) return PROC_PID_ENTRIES.slice();
    if (this.lowerVisible(p) || (p === "/" && this.lower !== null)) {
      for (const name of this.lower!.list(p)) if (!this.removed.has(joinPath(p, [name]))) names.add(name);
    }
    const prefix = p === "/" ? "/" : `${p}/`;
    for (const k of this.nodes.keys())
      if (k !== p && k.startsWith(prefix) && !k.slice(prefix.length).includes("/"))
        names.add(k.slice(prefix.length));
    for (const k of this.mounts.keys())
      if (k.startsWith(prefix) && !k.slice(prefix.length).includes("/")) names.add(k.slice(prefix.length));
    return [...names].filter((n) => this.node(joinPath(p, [n]), self) !== undefined).sort();
  }

  /** Directory p has an entry (rmdir's ENOTEMPTY). */
  hasChildren(p: string): boolean {
    return this.list(p).length > 0 || this.mounts.has(p);
  }
}

const PROC_PID_ENTRIES = ["cwd", "exe", "maps", "root"];

/**
 * /proc/self and /proc/PID of the looking task: exe, cwd and root are links ("/proc/self/root" is the guest's "/"),
 * maps a read-only file made at each lookup.
 */
function procNode(p: string, self: ProcSelf): Node | undefined {
  const parts = p.split("/").slice(2);
  if (parts[0] === "self") return parts.length === 1 ? { type: "lnk", target: String(self.pid) } : undefined;
  if (parts[0] !== String(self.pid)) return undefined;
  if (parts.length === 1) return { type: "dir", opaque: true };
  if (parts.length > 2) return undefined;
  switch (parts[1]) {
    case "exe":
      return self.exe === undefined ? undefined : { type: "lnk", target: normalize("/", self.exe) };
    case "cwd":
      return { type: "lnk", target: self.cwd };
    case "root":
      return { type: "lnk", target: "/" };
    case "maps":
      return self.maps === undefined
        ? undefined
        : { type: "reg", file: { data: new TextEncoder().encode(self.maps()), writable: false } };
    default:
      return undefined;
  }
}

function joinPath(dir: string, parts: string[]): string {
  return normalize(dir, parts.join("/"));
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

/**
 * A task's descriptor table (files_struct); dup'd descriptors share the OpenFile. The table is the owner of the
 * POSIX record locks its tasks set: closing any descriptor of a file drops them (src/kernel/fs/file-lock.ts).
 */
export class FdTable {
  readonly fds = new Map<number, OpenFile>();
  /** descriptors with FD_CLOEXEC (closed by execve) */
  readonly cloexec = new Set<number>();

  static standard(): FdTable {
    const t = new FdTable();
    t.set(0, { kind: "stdin", path: "/dev/stdin", accmode: O_RDONLY });
    t.set(1, { kind: "stdout", path: "/dev/stdout", accmode: O_WRONLY });
    t.set(2, { kind: "stderr", path: "/dev/stderr", accmode: O_WRONLY });
    return t;
  }

  clone(): FdTable {
    const t = new FdTable();
    for (const [k, v] of this.fds) t.set(k, v);
    for (const fd of this.cloexec) t.cloexec.add(fd);
    return t;
  }

  get(fd: number): OpenFile | undefined {
    return this.fds.get(fd);
  }

  /** fd_install: `fd` refers to f now; a file it referred to before is closed (dup2's replaced descriptor). */
  set(fd: number, f: OpenFile): void {
    const old = this.fds.get(fd);
    f.refs = (f.refs ?? 0) + 1;
    this.fds.set(fd, f);
    if (old !== undefined) this.release(old);
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
        this.set(fd, f);
        return fd;
      }
    }
    return -1;
  }

  close(fd: number): boolean {
    this.cloexec.delete(fd);
    const f = this.fds.get(fd);
    if (f === undefined) return false;
    this.fds.delete(fd);
    this.release(f);
    return true;
  }

  /** filp_close: this table's POSIX locks on the file go; fput: at the last reference, the OFD locks too. */
  private release(f: OpenFile): void {
    const inode = inodeOf(f);
    removePosixLocks(inode, this);
    f.refs = (f.refs ?? 1) - 1;
    if (f.refs <= 0) removeOfdLocks(inode, f);
  }
}
