// File syscalls beyond src/kernel/syscalls/fs.ts that libc programs make: regular files (host files named with
// `exec --file`, files of the guest root, files created in the guest), /dev/urandom, pipes; readv/writev, pread64,
// lseek, the stat family (lower-layer objects report their host mode, owner, size and mtime), ioctl (no
// terminals: ENOTTY), fcntl (record locks: src/kernel/fs/file-lock.ts), dup2/dup3, pipe/pipe2, unlink, rename,
// readlink/readlinkat, pwrite64, fsync/fdatasync, truncate/ftruncate, fchown. read, write, open and openat handle
// the new file kinds here and pass every other file to fs.ts.
import type { Cpu } from "../../cpu/cpu.ts";
import { concatBytes, utf8Encode } from "../../cpu/text-bytes.ts";
import { entropyOf } from "../entropy.ts";
import {
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  EMFILE,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EPERM,
} from "../errno.ts";
import {
  F_GETLK,
  F_OFD_GETLK,
  F_OFD_SETLK,
  F_OFD_SETLKW,
  F_SETLK,
  F_SETLKW,
  fcntlGetlk,
  fcntlSetlk,
} from "../fs/file-lock.ts";
import { cacheToData, dataToCache } from "../fs/page-cache.ts";
import type { KernelContext } from "../kernel-context.ts";
import { unmapPastEof } from "../mm.ts";
import { argInt, argNum, argU32 } from "../native-args.ts";
import type { Task } from "../task.ts";
import { copyFromUser, copyToUser, strncpyFromUser } from "../uaccess.ts";
import {
  isDir,
  loadReg,
  type Node,
  type NodeMeta,
  NR_OPEN_DEFAULT,
  O_ACCMODE,
  O_RDONLY,
  O_WRONLY,
  type OpenFile,
  PATH_MAX,
  type Pipe,
  parentOf,
  type RegFile,
  regSize,
} from "../vfs.ts";
import { EACCES, EAGAIN, ENOTTY, EPIPE, ESPIPE, EXDEV } from "./errno-extra.ts";
import {
  AT_FDCWD,
  sys_open as fsOpen,
  sys_openat as fsOpenat,
  sys_read as fsRead,
  sys_write as fsWrite,
  O_CREAT,
  O_NOFOLLOW,
  selfOf,
} from "./fs.ts";
import { blockAndRetry, SIGPIPE, sendSignal } from "./signal.ts";

export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const AT_EMPTY_PATH = 0x1000;
export const AT_SYMLINK_NOFOLLOW = 0x100;
/** no automount point is triggered (nothing here automounts): accepted and ignored, as vfs_fstatat of 3.1 does */
export const AT_NO_AUTOMOUNT = 0x800;
const MAX_RW_COUNT = 0x7ffff000;
const UIO_MAXIOV = 1024;

/** A path argument from user memory (getname), or -errno. */
export function getUserPath(k: KernelContext, addr: number): string | number {
  return getPath(k, addr);
}

function getPath(k: KernelContext, addr: number): string | number {
  const s = strncpyFromUser(k.current().space, addr, PATH_MAX - 1);
  if (s === null) return -EFAULT;
  if (s === "toolong") return -ENAMETOOLONG;
  if (s === "") return -ENOENT;
  k.charge("copy_user_per_byte", s.length + 1);
  return s;
}

/** The directory a *at() path is relative to: "/" for absolute paths, the cwd for AT_FDCWD, else dfd's path. */
export function atDir(t: Task, dfd: number, path: string): string | number {
  if (path.startsWith("/") || dfd === AT_FDCWD) return t.cwd;
  const d = t.files.get(dfd >>> 0);
  if (d === undefined) return -EBADF;
  if (d.kind !== "dir") return -ENOTDIR;
  return d.path;
}

/** Some task holds the pipe's write end. */
function hasWriter(k: KernelContext, p: Pipe): boolean {
  return k.tasks.some(
    (t) => !t.exited && [...t.files.fds.values()].some((f) => f.pipe === p && f.accmode === 1),
  );
}

function hasReader(k: KernelContext, p: Pipe): boolean {
  return k.tasks.some(
    (t) => !t.exited && [...t.files.fds.values()].some((f) => f.pipe === p && f.accmode === 0),
  );
}

/**
 * Bytes for a read of up to `count` from f (every kind), -errno, or "block" when an empty pipe still has a writer.
 * Advances f_pos.
 */
function readCore(k: KernelContext, f: OpenFile, count: number): Uint8Array | number | "block" {
  if ((f.accmode & O_ACCMODE) === O_WRONLY) return -EBADF;
  switch (f.kind) {
    case "reg": {
      cacheToData(f.reg!);
      const data = f.reg!.data;
      const pos = f.pos ?? 0;
      const out = data.subarray(Math.min(pos, data.length), Math.min(pos + count, data.length));
      f.pos = pos + out.length;
      return out;
    }
    case "urandom":
      return entropyOf(k).bytes(Math.min(count, 1 << 20));
    case "pipe": {
      const p = f.pipe!;
      if (p.size === 0) {
        if (!hasWriter(k, p)) return new Uint8Array(0);
        return (f.flags ?? 0) & O_NONBLOCK ? -EAGAIN : "block";
      }
      const n = Math.min(count, p.size);
      const out = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const c = p.buf[0]!;
        const take = Math.min(c.length, n - done);
        out.set(c.subarray(0, take), done);
        done += take;
        if (take === c.length) p.buf.shift();
        else p.buf[0] = c.subarray(take);
      }
      p.size -= n;
      return out;
    }
    case "dir":
      return -EISDIR;
    case "null":
      return new Uint8Array(0);
    case "zero":
      return new Uint8Array(Math.min(count, 1 << 20));
    case "stdin":
      return k.input(count);
    case "mnt": {
      const pos = f.pos ?? 0;
      if (pos === 0 || f.seq === undefined) {
        const c = f.mnt!.fs.read(f.mnt!.rel);
        if (typeof c === "number") return c;
        f.seq = c;
      }
      const out = f.seq.subarray(Math.min(pos, f.seq.length), Math.min(pos + count, f.seq.length));
      f.pos = pos + out.length;
      return out;
    }
    default:
      return -EBADF;
  }
}

/** Bytes written of `data` to f (every kind) or -errno. */
function writeCore(k: KernelContext, t: Task, f: OpenFile, data: Uint8Array): number {
  if ((f.accmode & O_ACCMODE) === O_RDONLY) return -EBADF;
  switch (f.kind) {
    case "null":
    case "zero":
    case "urandom":
      return data.length;
    case "stdout":
    case "stderr":
      k.output(f.kind, data);
      return data.length;
    case "reg": {
      const r = f.reg!;
      const pos = (f.flags ?? 0) & O_APPEND ? r.data.length : (f.pos ?? 0);
      const end = pos + data.length;
      cacheToData(r);
      growTo(r, end);
      r.data.set(data, pos);
      dataToCache(r);
      f.pos = end;
      return data.length;
    }
    case "pipe": {
      const p = f.pipe!;
      if (!hasReader(k, p)) {
        sendSignal(t, SIGPIPE);
        return -EPIPE;
      }
      p.buf.push(data.slice());
      p.size += data.length;
      return data.length;
    }
    case "mnt": {
      const r = f.mnt!.fs.write(f.mnt!.rel, data, t);
      if (r < 0) return r;
      f.pos = (f.pos ?? 0) + r;
      return r;
    }
    default:
      return -EBADF;
  }
}

const isNew = (f: OpenFile) => f.kind === "reg" || f.kind === "urandom" || f.kind === "pipe";

/** ssize_t read(unsigned int fd, char __user *buf, size_t count) */
export function sys_read(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || !isNew(f)) return fsRead(k, cpu);
  const n = argNum(cpu, 2);
  const r = readCore(k, f, n < 0 || n > MAX_RW_COUNT ? MAX_RW_COUNT : n);
  if (r === "block") return blockAndRetry(k, t);
  if (typeof r === "number") return r;
  if (!copyToUser(t.space, argNum(cpu, 1), r)) return -EFAULT;
  k.charge("copy_user_per_byte", r.length);
  return r.length;
}

/** ssize_t write(unsigned int fd, const char __user *buf, size_t count) */
export function sys_write(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || !isNew(f)) return fsWrite(k, cpu);
  if ((f.accmode & O_ACCMODE) === O_RDONLY) return -EBADF;
  const n = argNum(cpu, 2);
  const data = copyFromUser(t.space, argNum(cpu, 1), n < 0 || n > MAX_RW_COUNT ? MAX_RW_COUNT : n);
  if (data === null) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  return writeCore(k, t, f, data);
}

/** iovecs as [base, len] pairs, or -errno. */
function readIovecs(t: Task, addr: number, cnt: number): Array<[number, number]> | number {
  if (cnt < 0 || cnt > UIO_MAXIOV) return -EINVAL;
  const b = copyFromUser(t.space, addr, 16 * cnt);
  if (b === null) return -EFAULT;
  const v = new DataView(b.buffer);
  const out: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = Number(v.getBigInt64(16 * i, true));
    const len = Number(v.getBigInt64(16 * i + 8, true));
    if (len < 0) return -EINVAL;
    total += len;
    if (total > MAX_RW_COUNT) return -EINVAL;
    out.push([base, len]);
  }
  return out;
}

/** ssize_t readv(unsigned long fd, const struct iovec __user *vec, unsigned long vlen) */
export function sys_readv(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  const iov = readIovecs(t, argNum(cpu, 1), argInt(cpu, 2));
  if (typeof iov === "number") return iov;
  const total = iov.reduce((a, [, l]) => a + l, 0);
  const r = readCore(k, f, total);
  if (r === "block") return blockAndRetry(k, t);
  if (typeof r === "number") return r;
  let off = 0;
  for (const [base, len] of iov) {
    if (off >= r.length) break;
    const part = r.subarray(off, off + len);
    if (!copyToUser(t.space, base, part)) return off > 0 ? off : -EFAULT;
    off += part.length;
  }
  k.charge("copy_user_per_byte", r.length);
  return r.length;
}

/** ssize_t writev(unsigned long fd, const struct iovec __user *vec, unsigned long vlen): one write of the gathered bytes. */
export function sys_writev(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || (f.accmode & O_ACCMODE) === O_RDONLY) return -EBADF;
  const iov = readIovecs(t, argNum(cpu, 1), argInt(cpu, 2));
  if (typeof iov === "number") return iov;
  const parts: Uint8Array[] = [];
  for (const [base, len] of iov) {
    const d = copyFromUser(t.space, base, len);
    if (d === null) return -EFAULT;
    parts.push(d);
  }
  const data = concatBytes(parts);
  k.charge("copy_user_per_byte", data.length);
  if (data.length === 0) return 0;
  return writeCore(k, t, f, data);
}

/** pread64/pwrite64's checks (FMODE_PREAD/PWRITE: regular files only): the file, position and count, or -errno. */
function positioned(
  t: Task,
  cpu: Cpu,
  deniedMode: number,
): { f: OpenFile; r: RegFile; pos: number; count: number } | number {
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || (f.accmode & O_ACCMODE) === deniedMode) return -EBADF;
  if (f.kind !== "reg") return f.kind === "dir" ? -EISDIR : -ESPIPE;
  const pos = argNum(cpu, 3);
  if (pos < 0) return -EINVAL;
  return { f, r: f.reg!, pos, count: Math.min(Math.max(argNum(cpu, 2), 0), MAX_RW_COUNT) };
}

/** ssize_t pread64(unsigned int fd, char __user *buf, size_t count, loff_t pos): regular files only. */
export function sys_pread64(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const a = positioned(t, cpu, O_WRONLY);
  if (typeof a === "number") return a;
  cacheToData(a.r);
  const d = a.r.data;
  const out = d.subarray(Math.min(a.pos, d.length), Math.min(a.pos + a.count, d.length));
  if (!copyToUser(t.space, argNum(cpu, 1), out)) return -EFAULT;
  k.charge("copy_user_per_byte", out.length);
  return out.length;
}

/** Grows r to `end` bytes (zero-filled) if it is shorter. */
function growTo(r: RegFile, end: number): void {
  if (end <= r.data.length) return;
  const grown = new Uint8Array(end);
  grown.set(r.data);
  r.data = grown;
}

/**
 * ssize_t pwrite64(unsigned int fd, const char __user *buf, size_t count, loff_t pos): regular files only; f_pos
 * stays. With O_APPEND the data goes to the end of the file all the same (a Linux quirk pwrite(2) documents).
 */
export function sys_pwrite64(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const a = positioned(t, cpu, O_RDONLY);
  if (typeof a === "number") return a;
  const data = copyFromUser(t.space, argNum(cpu, 1), a.count);
  if (data === null) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  if (data.length === 0) return 0;
  const r = a.r;
  const pos = (a.f.flags ?? 0) & O_APPEND ? r.data.length : a.pos;
  cacheToData(r);
  growTo(r, pos + data.length);
  r.data.set(data, pos);
  dataToCache(r);
  return data.length;
}

/**
 * long fsync(unsigned int fd) and fdatasync: the overlay lives in memory, as tmpfs does (noop_fsync), so there is
 * nothing to write back; files without an fsync operation (pipes, the devices, the host's standard streams) EINVAL.
 */
function doFsync(k: KernelContext, cpu: Cpu): number {
  const f = k.current().files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  return f.kind === "reg" || f.kind === "dir" ? 0 : -EINVAL;
}
export const sys_fsync = doFsync;
export const sys_fdatasync = doFsync;

/**
 * do_truncate on a regular file: shrink, or grow with zeros; shared mappings see the new size (pages wholly past
 * the new end are unmapped everywhere, truncate_pagecache).
 */
function truncateReg(k: KernelContext, r: RegFile, length: number): void {
  cacheToData(r);
  if (length < r.data.length) r.data = r.data.slice(0, length);
  else growTo(r, length);
  dataToCache(r);
  unmapPastEof(k.tasks, r);
}

/** long ftruncate(unsigned int fd, unsigned long length): a regular file open for writing. */
export function sys_ftruncate(k: KernelContext, cpu: Cpu): number {
  const f = k.current().files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  const length = argNum(cpu, 1);
  if (length < 0) return -EINVAL;
  if (f.kind !== "reg" || (f.accmode & O_ACCMODE) === O_RDONLY) return -EINVAL;
  const e = loadReg(f.reg!);
  if (e < 0) return e;
  truncateReg(k, f.reg!, length);
  return 0;
}

/** long truncate(const char __user *path, long length) */
export function sys_truncate(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  const length = argNum(cpu, 1);
  if (length < 0) return -EINVAL;
  const r = k.vfs.lookup(t.cwd, path, { self: selfOf(t) });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node === undefined) return r.error ?? -ENOENT;
  if (isDir(r.node)) return -EISDIR;
  if (r.node.type !== "reg") return -EINVAL;
  if (!r.node.file.writable || !mayWrite(t, r.node.meta)) return -EACCES;
  const e = loadReg(r.node.file);
  if (e < 0) return e;
  truncateReg(k, r.node.file, length);
  return 0;
}

/** A task other than root writes a file of the guest root only where the host mode lets it (owner or other bits). */
function mayWrite(t: Task, meta: NodeMeta | undefined): boolean {
  if (meta === undefined || t.creds.fsuid === 0) return true;
  const bits = t.creds.fsuid === meta.uid ? meta.perm >> 6 : meta.perm;
  return (bits & 2) !== 0;
}

/**
 * long fchown(unsigned int fd, uid_t user, gid_t group): chown_common's rules: -1 keeps an id; only root
 * (CAP_CHOWN) changes the owner or gives the file a group other than its own. The new ids show in stat.
 */
export function sys_fchown(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  if (f.kind !== "reg") return f.kind === "dir" ? 0 : -EPERM;
  const r = f.reg!;
  const cur = r.owner ?? { uid: f.meta?.uid ?? 0, gid: f.meta?.gid ?? 0 };
  const uid = argU32(cpu, 1);
  const gid = argU32(cpu, 2);
  const next = { uid: uid === 0xffffffff ? cur.uid : uid, gid: gid === 0xffffffff ? cur.gid : gid };
  if (t.creds.fsuid !== 0 && (next.uid !== cur.uid || next.gid !== cur.gid || t.creds.fsuid !== cur.uid))
    return -EPERM;
  r.owner = next;
  return 0;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** off_t lseek(unsigned int fd, off_t offset, unsigned int whence) */
export function sys_lseek(k: KernelContext, cpu: Cpu): number {
  const f = k.current().files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  const off = argNum(cpu, 1);
  const whence = argU32(cpu, 2);
  if (f.kind === "pipe" || f.kind === "stdin" || f.kind === "stdout" || f.kind === "stderr") return -ESPIPE;
  if (f.kind === "null" || f.kind === "zero" || f.kind === "urandom") return 0; // the devices ignore the position
  const size = f.kind === "reg" ? f.reg!.data.length : f.kind === "mnt" ? (f.seq?.length ?? 0) : 0;
  let pos: number;
  if (whence === SEEK_SET) pos = off;
  else if (whence === SEEK_CUR) pos = (f.pos ?? 0) + off;
  else if (whence === SEEK_END) pos = size + off;
  else return -EINVAL;
  if (pos < 0) return -EINVAL;
  f.pos = pos;
  return pos;
}

const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** struct stat (x86_64, 144 bytes) for a file kind: mode, size, rdev; inode numbers are stable per path. */
function statBytes(
  mode: number,
  size: number,
  rdev: number,
  ino: number,
  uid = 0,
  meta?: NodeMeta,
): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, 0x16n, true); // st_dev
  v.setBigUint64(8, BigInt(ino), true);
  v.setBigUint64(16, mode & S_IFDIR ? 2n : 1n, true); // st_nlink
  v.setUint32(24, meta !== undefined ? (mode & 0o170000) | meta.perm : mode, true);
  v.setUint32(28, meta?.uid ?? uid, true);
  v.setUint32(32, meta?.gid ?? 0, true);
  v.setBigUint64(40, BigInt(rdev), true);
  v.setBigInt64(48, BigInt(size), true);
  v.setBigInt64(56, 4096n, true); // st_blksize
  v.setBigInt64(64, BigInt(Math.ceil(size / 512)), true);
  if (meta !== undefined) {
    v.setBigUint64(16, BigInt(meta.nlink), true);
    v.setBigInt64(64, BigInt(meta.blocks), true);
    // st_atim, st_mtim, st_ctim (seconds, nanoseconds): the host file's
    for (const [at, ts] of [
      [72, meta.atime],
      [88, meta.mtime],
      [104, meta.ctime],
    ] as const) {
      v.setBigInt64(at, BigInt(ts.sec), true);
      v.setBigInt64(at + 8, BigInt(ts.nsec), true);
    }
  }
  return b;
}

/** st_uid and st_gid as fchown left them. */
function withOwner(b: Uint8Array, r: RegFile): Uint8Array {
  if (r.owner === undefined) return b;
  const v = new DataView(b.buffer);
  v.setUint32(28, r.owner.uid, true);
  v.setUint32(32, r.owner.gid, true);
  return b;
}

export function inoOf(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619) >>> 0;
  return (h % 1_000_000) + 2;
}

const RDEV: Record<string, number> = { null: 0x103, zero: 0x105, urandom: 0x109 };

export function statOfFile(f: OpenFile): Uint8Array {
  switch (f.kind) {
    case "reg":
      return withOwner(statBytes(S_IFREG | 0o644, regSize(f.reg!), 0, inoOf(f.path), 0, f.meta), f.reg!);
    case "pipe":
      return statBytes(S_IFIFO | 0o600, 0, 0, 0x1000 + (f.accmode & 1));
    case "dir":
      return statBytes(S_IFDIR | 0o755, f.meta?.size ?? 4096, 0, inoOf(f.path), 0, f.meta);
    case "mnt":
      return statBytes(S_IFREG | 0o644, 0, 0, inoOf(f.path));
    case "null":
    case "zero":
    case "urandom":
      return statBytes(S_IFCHR | 0o666, 0, RDEV[f.kind]!, inoOf(f.path));
    default:
      // the standard streams: pipes to the host (not terminals)
      return statBytes(S_IFIFO | 0o600, 0, 0, 3 + ["stdin", "stdout", "stderr"].indexOf(f.kind));
  }
}

export function statOfNode(path: string, n: Node): Uint8Array {
  if (n.type === "dir") return statBytes(S_IFDIR | 0o755, n.meta?.size ?? 4096, 0, inoOf(path), 0, n.meta);
  if (isDir(n)) return statBytes(S_IFDIR | 0o755, 4096, 0, inoOf(path));
  if (n.type === "reg")
    return withOwner(statBytes(S_IFREG | 0o644, regSize(n.file), 0, inoOf(path), 0, n.meta), n.file);
  if (n.type === "lnk")
    return statBytes(S_IFLNK | 0o777, utf8Encode(n.target).length, 0, inoOf(path), 0, n.meta);
  if (n.type === "chr") return statBytes(S_IFCHR | 0o666, 0, RDEV[n.kind]!, inoOf(path));
  return statBytes(S_IFREG | 0o644, 0, 0, inoOf(path));
}

function putStat(t: Task, addr: number, b: Uint8Array): number {
  if (!copyToUser(t.space, addr, b)) return -EFAULT;
  return 0;
}

/** long newfstat(unsigned int fd, struct stat __user *statbuf) */
export function sys_newfstat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  return putStat(t, argNum(cpu, 1), statOfFile(f));
}

function statPath(
  k: KernelContext,
  t: Task,
  dir: string,
  path: string,
  buf: number,
  nofollow = false,
): number {
  const r = k.vfs.lookup(dir, path, { self: selfOf(t), nofollow });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node === undefined) return r.error ?? -ENOENT;
  return putStat(t, buf, statOfNode(r.path, r.node));
}

/** long newstat(const char __user *filename, struct stat __user *statbuf) */
export function sys_newstat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  return statPath(k, t, t.cwd, path, argNum(cpu, 1));
}

/** long newlstat(const char __user *filename, struct stat __user *statbuf): a final symlink is not followed */
export function sys_newlstat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  return statPath(k, t, t.cwd, path, argNum(cpu, 1), true);
}

/** long newfstatat(int dfd, const char __user *filename, struct stat __user *statbuf, int flag) */
export function sys_newfstatat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const dfd = argInt(cpu, 0);
  const flag = argInt(cpu, 3);
  if ((flag & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const raw = strncpyFromUser(t.space, argNum(cpu, 1), PATH_MAX - 1);
  if (raw === null) return -EFAULT;
  if (raw === "toolong") return -ENAMETOOLONG;
  if (raw === "" && flag & AT_EMPTY_PATH) {
    if (dfd === AT_FDCWD) return statPath(k, t, t.cwd, ".", argNum(cpu, 2));
    const f = t.files.get(dfd >>> 0);
    if (f === undefined) return -EBADF;
    return putStat(t, argNum(cpu, 2), statOfFile(f));
  }
  if (raw === "") return -ENOENT;
  k.charge("copy_user_per_byte", raw.length + 1);
  const dir = atDir(t, dfd, raw);
  if (typeof dir === "number") return dir;
  return statPath(k, t, dir, raw, argNum(cpu, 2), (flag & AT_SYMLINK_NOFOLLOW) !== 0);
}

/** long ioctl(unsigned int fd, unsigned int cmd, unsigned long arg): no file here is a terminal. */
export function sys_ioctl(k: KernelContext, cpu: Cpu): number {
  return k.current().files.get(argU32(cpu, 0)) === undefined ? -EBADF : -ENOTTY;
}

export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
export const FD_CLOEXEC = 1;

function installFrom(t: Task, f: OpenFile, min: number): number {
  for (let fd = Math.max(0, min); fd < NR_OPEN_DEFAULT; fd++) {
    if (!t.files.fds.has(fd)) {
      t.files.set(fd, f);
      return fd;
    }
  }
  return -EMFILE;
}

/** The OFD lock commands came with Linux 3.15: the 3.1 kernel's do_fcntl does not know them (EINVAL). */
function hasOfdLocks(k: KernelContext): boolean {
  return "flavour" in k && (k as { flavour: string }).flavour === "linux-generic";
}

/** long fcntl(unsigned int fd, unsigned int cmd, unsigned long arg) */
export function sys_fcntl(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const fd = argU32(cpu, 0);
  const f = t.files.get(fd);
  if (f === undefined) return -EBADF;
  const arg = argNum(cpu, 2);
  switch (argU32(cpu, 1)) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (arg < 0 || arg >= NR_OPEN_DEFAULT) return -EINVAL;
      const nfd = installFrom(t, f, arg);
      if (nfd >= 0) t.files.setCloexec(nfd, argU32(cpu, 1) === F_DUPFD_CLOEXEC);
      return nfd;
    }
    case F_GETFD:
      return t.files.cloexec.has(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      t.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return (f.accmode & O_ACCMODE) | (f.flags ?? 0);
    case F_SETFL:
      f.flags = ((f.flags ?? 0) & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
      return 0;
    case F_GETLK:
      return fcntlGetlk(k, t, f, F_GETLK, arg);
    case F_SETLK:
    case F_SETLKW:
      return fcntlSetlk(k, t, f, argU32(cpu, 1), arg);
    case F_OFD_GETLK:
      return hasOfdLocks(k) ? fcntlGetlk(k, t, f, F_OFD_GETLK, arg) : -EINVAL;
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
      return hasOfdLocks(k) ? fcntlSetlk(k, t, f, argU32(cpu, 1), arg) : -EINVAL;
    default:
      return -EINVAL;
  }
}

function doDup2(t: Task, oldfd: number, newfd: number, cloexec = false): number {
  const f = t.files.get(oldfd);
  if (f === undefined) return -EBADF;
  if (newfd >= NR_OPEN_DEFAULT) return -EBADF;
  if (oldfd === newfd) return newfd;
  t.files.set(newfd, f);
  t.files.setCloexec(newfd, cloexec);
  return newfd;
}

/** long dup2(unsigned int oldfd, unsigned int newfd) */
export function sys_dup2(k: KernelContext, cpu: Cpu): number {
  return doDup2(k.current(), argU32(cpu, 0), argU32(cpu, 1));
}

/** long dup3(unsigned int oldfd, unsigned int newfd, int flags) */
export function sys_dup3(k: KernelContext, cpu: Cpu): number {
  const flags = argInt(cpu, 2);
  if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  if (argU32(cpu, 0) === argU32(cpu, 1)) return -EINVAL;
  return doDup2(k.current(), argU32(cpu, 0), argU32(cpu, 1), (flags & O_CLOEXEC) !== 0);
}

function doPipe(k: KernelContext, cpu: Cpu, flags: number): number {
  const t = k.current();
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  const pipe: Pipe = { buf: [], size: 0 };
  const extra = flags & O_NONBLOCK;
  const r = installFrom(t, { kind: "pipe", path: "pipe:", accmode: 0, pipe, flags: extra }, 0);
  if (r < 0) return r;
  const w = installFrom(t, { kind: "pipe", path: "pipe:", accmode: 1, pipe, flags: extra }, 0);
  if (w < 0) {
    t.files.close(r);
    return w;
  }
  t.files.setCloexec(r, (flags & O_CLOEXEC) !== 0);
  t.files.setCloexec(w, (flags & O_CLOEXEC) !== 0);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, r, true);
  new DataView(out.buffer).setInt32(4, w, true);
  if (!copyToUser(t.space, argNum(cpu, 0), out)) {
    t.files.close(r);
    t.files.close(w);
    return -EFAULT;
  }
  return 0;
}

/** long pipe(int __user *fildes) */
export const sys_pipe = (k: KernelContext, cpu: Cpu): number => doPipe(k, cpu, 0);
/** long pipe2(int __user *fildes, int flags) */
export const sys_pipe2 = (k: KernelContext, cpu: Cpu): number => doPipe(k, cpu, argInt(cpu, 1));

/** Plain VFS directories where files may be created or removed (not sysfs, procfs, /dev or mounts). */
function creatable(k: KernelContext, t: Task, dirPath: string): number {
  const d = k.vfs.node(dirPath);
  if (d === undefined) return -ENOENT;
  if (!isDir(d)) return -ENOTDIR;
  if (d.type === "mnt" || dirPath === "/sys" || dirPath.startsWith("/sys/") || dirPath.startsWith("/proc"))
    return -EACCES;
  if (dirPath === "/dev") return -EACCES;
  if (t.creds.fsuid !== 0 && dirPath !== "/tmp") return -EACCES;
  return 0;
}

/** open of a regular file (or O_CREAT of a new one); other nodes are fs.ts's. Returns null to delegate. */
function openReg(k: KernelContext, t: Task, dir: string, path: string, flags: number): number | null {
  const r = k.vfs.lookup(dir, path, { self: selfOf(t), nofollow: (flags & (O_NOFOLLOW | O_EXCL)) !== 0 });
  if (r.notDirOnWay) return null;
  if (r.error !== undefined) return null;
  let n = r.node;
  if (n === undefined) {
    if ((flags & O_CREAT) === 0 || k.vfs.mountOf(r.path) !== undefined) return null;
    const e = creatable(k, t, parentOf(r.path));
    if (e < 0) return e;
    k.vfs.addFile(r.path, new Uint8Array(0), true);
    n = k.vfs.node(r.path)!;
  } else if (flags & O_CREAT && flags & O_EXCL) return -EEXIST;
  if (n.type !== "reg") return null;
  const acc = flags & O_ACCMODE;
  if (acc !== O_RDONLY && !n.file.writable) return -EACCES;
  // a file of the guest root: a task other than root writes only where the host mode lets it (owner or other bits)
  if (acc !== O_RDONLY && !mayWrite(t, n.meta)) return -EACCES;
  if (flags & O_TRUNC && acc !== O_RDONLY) truncateReg(k, n.file, 0);
  else {
    const e = loadReg(n.file);
    if (e < 0) return e;
  }
  const f: OpenFile = {
    kind: "reg",
    path: r.path,
    accmode: acc,
    reg: n.file,
    pos: 0,
    flags: flags & (O_APPEND | O_NONBLOCK),
    ...(n.meta !== undefined ? { meta: n.meta } : {}),
  };
  const fd = installFrom(t, f, 0);
  if (fd >= 0) t.files.setCloexec(fd, (flags & O_CLOEXEC) !== 0);
  return fd;
}

/** long open(const char __user *filename, int flags, umode_t mode) */
export function sys_open(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const s = strncpyFromUser(t.space, argNum(cpu, 0), PATH_MAX - 1);
  if (typeof s !== "string" || s === "") return fsOpen(k, cpu);
  const r = openReg(k, t, t.cwd, s, argInt(cpu, 1));
  if (r === null) return fsOpen(k, cpu);
  k.charge("copy_user_per_byte", s.length + 1);
  return r;
}

/** long openat(int dfd, const char __user *filename, int flags, umode_t mode) */
export function sys_openat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const s = strncpyFromUser(t.space, argNum(cpu, 1), PATH_MAX - 1);
  if (typeof s !== "string" || s === "") return fsOpenat(k, cpu);
  const dir = atDir(t, argInt(cpu, 0), s);
  if (typeof dir === "number") return fsOpenat(k, cpu);
  const r = openReg(k, t, dir, s, argInt(cpu, 2));
  if (r === null) return fsOpenat(k, cpu);
  k.charge("copy_user_per_byte", s.length + 1);
  return r;
}

/** long unlink(const char __user *pathname): regular files in plain directories. */
export function sys_unlink(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  const r = k.vfs.lookup(t.cwd, path, { nofollow: true });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node === undefined) return r.error ?? -ENOENT;
  if (isDir(r.node)) return -EISDIR;
  if (r.node.type !== "reg" && r.node.type !== "lnk") return -EPERM;
  const e = creatable(k, t, parentOf(r.path));
  if (e < 0) return e;
  k.vfs.remove(r.path);
  return 0;
}

/** long rename(const char __user *oldname, const char __user *newname): regular files between plain directories. */
export function sys_rename(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const from = getPath(k, argNum(cpu, 0));
  if (typeof from === "number") return from;
  const to = getPath(k, argNum(cpu, 1));
  if (typeof to === "number") return to;
  const a = k.vfs.lookup(t.cwd, from, { nofollow: true });
  const b = k.vfs.lookup(t.cwd, to, { nofollow: true });
  if (a.notDirOnWay || b.notDirOnWay) return -ENOTDIR;
  if (a.node === undefined) return -ENOENT;
  if (a.node.type !== "reg") return isDir(a.node) ? -EPERM : -EXDEV;
  if (b.node !== undefined && isDir(b.node)) return -EISDIR;
  for (const p of [parentOf(a.path), parentOf(b.path)]) {
    const e = creatable(k, t, p);
    if (e < 0) return e;
  }
  if (a.path === b.path) return 0;
  k.vfs.place(b.path, a.node);
  k.vfs.remove(a.path);
  return 0;
}

function doReadlink(k: KernelContext, t: Task, dir: string, path: string, buf: number, size: number): number {
  if (size <= 0) return -EINVAL;
  const r = k.vfs.lookup(dir, path, { self: selfOf(t), nofollow: true });
  if (r.notDirOnWay) return -ENOTDIR;
  const n = r.node;
  if (n === undefined) return r.error ?? -ENOENT;
  if (n.type !== "lnk") return -EINVAL;
  const bytes = utf8Encode(n.target);
  const out = bytes.subarray(0, Math.min(size, bytes.length));
  if (!copyToUser(t.space, buf, out)) return -EFAULT;
  k.charge("copy_user_per_byte", out.length);
  return out.length;
}

/** long readlink(const char __user *path, char __user *buf, int bufsiz): /proc/self/exe, cwd, root, and the links of the guest root. */
export function sys_readlink(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  return doReadlink(k, t, t.cwd, path, argNum(cpu, 1), argInt(cpu, 2));
}

/** long readlinkat(int dfd, const char __user *pathname, char __user *buf, int bufsiz) */
export function sys_readlinkat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 1));
  if (typeof path === "number") return path;
  const dir = atDir(t, argInt(cpu, 0), path);
  if (typeof dir === "number") return dir;
  return doReadlink(k, t, dir, path, argNum(cpu, 2), argInt(cpu, 3));
}
