// File syscalls over the minimal VFS (src/kernel/vfs.ts): read, write, open, openat, close, dup, getcwd, chdir,
// umask, mkdir, rmdir. Objects of a mounted file system (cgroupfs) are owned by root, directories 0755 and files
// 0644, so only fsuid 0 may write, create or remove there (EACCES otherwise).
import type { Cpu } from "../../cpu/cpu.ts";
import { latin1Encode } from "../../cpu/text-bytes.ts";
import {
  EACCES,
  EBADF,
  EBUSY,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  EMFILE,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  ERANGE,
} from "../errno.ts";
import { exePathOf } from "../exec.ts";
import { procMaps } from "../fs/proc-maps.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum, argU32 } from "../native-args.ts";
import type { Task } from "../task.ts";
import { copyFromUser, copyToUser, strncpyFromUser } from "../uaccess.ts";
import {
  isDir,
  normalize,
  O_ACCMODE,
  O_DIRECTORY,
  O_RDONLY,
  O_WRONLY,
  type OpenFile,
  PATH_MAX,
  type ProcSelf,
  parentOf,
} from "../vfs.ts";
import { ELOOP } from "./errno-extra.ts";

/** The task as /proc/self shows it to its own lookups. */
export function selfOf(t: Task): ProcSelf {
  return { pid: t.pid, exe: exePathOf(t), cwd: t.cwd, maps: () => procMaps(t) };
}

export const O_NOFOLLOW = 0o400000;
/** O_PATH (2.6.39): a descriptor for the path only; open of a symlink with O_NOFOLLOW|O_PATH gives the link */
export const O_PATH = 0o10000000;

export const O_CREAT = 0o100;
/** AT_FDCWD: openat's "relative to the working directory" */
export const AT_FDCWD = -100;

/** MAX_RW_COUNT: a single read/write moves at most INT_MAX rounded down to a page (fs/read_write.c). */
const MAX_RW_COUNT = 0x7ffff000;

function rwCount(cpu: Cpu): number {
  const n = argNum(cpu, 2); // size_t
  return n < 0 || n > MAX_RW_COUNT ? MAX_RW_COUNT : n;
}

/** ssize_t read(unsigned int fd, char __user *buf, size_t count) */
export function sys_read(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || (f.accmode & O_ACCMODE) === O_WRONLY) return -EBADF;
  const buf = argNum(cpu, 1);
  const count = rwCount(cpu);
  let data: Uint8Array;
  switch (f.kind) {
    case "dir":
      return -EISDIR;
    case "null":
      return 0;
    case "zero":
      data = new Uint8Array(Math.min(count, 1 << 20));
      break;
    case "stdin":
      data = k.input(count);
      break;
    case "mnt": {
      // seq_file: the content is generated at a read from position 0 and served from f_pos
      const pos = f.pos ?? 0;
      if (pos === 0 || f.seq === undefined) {
        const c = f.mnt!.fs.read(f.mnt!.rel);
        if (typeof c === "number") return c;
        f.seq = c;
      }
      data = f.seq.subarray(Math.min(pos, f.seq.length), Math.min(pos + count, f.seq.length));
      if (!copyToUser(t.space, buf, data)) return -EFAULT;
      k.charge("copy_user_per_byte", data.length);
      f.pos = pos + data.length;
      return data.length;
    }
    default:
      // fds 1 and 2 are write-only here
      return -EBADF;
  }
  if (!copyToUser(t.space, buf, data)) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  return data.length;
}

/** ssize_t write(unsigned int fd, const char __user *buf, size_t count) */
export function sys_write(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined || (f.accmode & O_ACCMODE) === 0) return -EBADF;
  const count = rwCount(cpu);
  // write_null / write_zero accept everything without touching the buffer
  if (f.kind === "null" || f.kind === "zero") return count;
  const data = copyFromUser(t.space, argNum(cpu, 1), count);
  if (data === null) return -EFAULT;
  k.charge("copy_user_per_byte", data.length);
  if (f.kind === "stdout" || f.kind === "stderr") k.output(f.kind, data);
  else if (f.kind === "mnt") {
    const r = f.mnt!.fs.write(f.mnt!.rel, data, t);
    if (r < 0) return r;
    f.pos = (f.pos ?? 0) + r;
    return r;
  } else return -EBADF;
  return data.length;
}

function getPath(k: KernelContext, addr: number): string | number {
  const s = strncpyFromUser(k.current().space, addr, PATH_MAX - 1);
  if (s === null) return -EFAULT;
  if (s === "toolong") return -ENAMETOOLONG;
  if (s === "") return -ENOENT;
  k.charge("copy_user_per_byte", s.length + 1);
  return s;
}

/** do_sys_open over the VFS: existing devices, directories and mounted files; O_CREAT creates nothing. */
function doOpen(k: KernelContext, t: Task, dir: string, path: string, flags: number): number {
  const r = k.vfs.lookup(dir, path, { self: selfOf(t), nofollow: (flags & O_NOFOLLOW) !== 0 });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.error !== undefined && r.error !== -ENOENT) return r.error;
  if (r.node?.type === "lnk") return -ELOOP; // O_NOFOLLOW on a symlink
  if (r.node === undefined) {
    // cgroupfs directories have no create operation (vfs_create: -EACCES); elsewhere nothing is creatable here
    if (flags & O_CREAT && k.vfs.node(parentOf(r.path))?.type === "mnt") return -EACCES;
    return -ENOENT;
  }
  const n = r.node;
  let f: OpenFile;
  if (isDir(n)) {
    if ((flags & O_ACCMODE) !== O_RDONLY) return -EISDIR;
    f = { kind: "dir", path: r.path, accmode: 0, ...(n.type === "dir" && n.meta ? { meta: n.meta } : {}) };
  } else {
    if (flags & O_DIRECTORY) return -ENOTDIR;
    if (n.type === "mnt") {
      if ((flags & O_ACCMODE) !== O_RDONLY && t.creds.fsuid !== 0) return -EACCES;
      f = { kind: "mnt", path: r.path, accmode: flags & O_ACCMODE, mnt: { fs: n.fs, rel: n.rel }, pos: 0 };
    } else if (n.type === "chr") {
      f = { kind: n.kind, path: r.path, accmode: flags & O_ACCMODE };
    } else return -EISDIR;
  }
  const fd = t.files.install(f);
  if (fd >= 0) t.files.setCloexec(fd, (flags & 0o2000000) !== 0); // O_CLOEXEC
  return fd < 0 ? -EMFILE : fd;
}

/** long open(const char __user *filename, int flags, umode_t mode) */
export function sys_open(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  return doOpen(k, t, t.cwd, path, argInt(cpu, 1));
}

/** long openat(int dfd, const char __user *filename, int flags, umode_t mode): dfd = AT_FDCWD or a directory fd. */
export function sys_openat(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 1));
  if (typeof path === "number") return path;
  const flags = argInt(cpu, 2);
  if (path.startsWith("/")) return doOpen(k, t, "/", path, flags);
  const dfd = argInt(cpu, 0);
  if (dfd === AT_FDCWD) return doOpen(k, t, t.cwd, path, flags);
  const d = t.files.get(dfd >>> 0);
  if (d === undefined) return -EBADF;
  if (d.kind !== "dir") return -ENOTDIR;
  return doOpen(k, t, d.path, path, flags);
}

/** long close(unsigned int fd) */
export function sys_close(k: KernelContext, cpu: Cpu): number {
  return k.current().files.close(argU32(cpu, 0)) ? 0 : -EBADF;
}

/** long dup(unsigned int fildes) */
export function sys_dup(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  const fd = t.files.install(f);
  return fd < 0 ? -EMFILE : fd;
}

/** long getcwd(char __user *buf, unsigned long size): the length including the NUL. */
export function sys_getcwd(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const bytes = latin1Encode(`${t.cwd}\0`);
  const size = argNum(cpu, 1);
  if (size < 0) return -EINVAL;
  if (bytes.length > size) return -ERANGE;
  if (!copyToUser(t.space, argNum(cpu, 0), bytes)) return -EFAULT;
  return bytes.length;
}

/** long chdir(const char __user *filename) */
export function sys_chdir(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  const r = k.vfs.lookup(t.cwd, path, { self: selfOf(t) });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.error !== undefined) return r.error;
  if (r.node === undefined) return -ENOENT;
  if (!isDir(r.node)) return -ENOTDIR;
  t.cwd = r.path;
  return 0;
}

/** long umask(int mask): the previous mask */
export function sys_umask(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const old = t.umask;
  t.umask = argInt(cpu, 0) & 0o777;
  return old;
}

/** The last component of a mkdir/rmdir path must be a name ("." gives EEXIST/EINVAL, ".." EEXIST/ENOTEMPTY). */
function lastComponent(path: string): string {
  const parts = path.split("/").filter((x) => x !== "");
  return parts.at(-1) ?? "/";
}

/** long mkdir(const char __user *pathname, umode_t mode): plain directories, or a cgroup under cgroupfs. */
export function sys_mkdir(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  const last = lastComponent(path);
  const r = k.vfs.lookup(t.cwd, path, { nofollow: true });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node !== undefined || last === "." || last === ".." || last === "/") return -EEXIST;
  if (r.error !== undefined && r.error !== -ENOENT) return r.error;
  const parent = k.vfs.node(parentOf(r.path));
  if (parent === undefined) return -ENOENT;
  if (!isDir(parent)) return -ENOTDIR;
  if (parent.type === "mnt") {
    if (t.creds.fsuid !== 0) return -EACCES;
    return parent.fs.mkdir(normalize("/", `${parent.rel}/${last}`));
  }
  // sysfs and procfs have no mkdir operation (vfs_mkdir: -EPERM); /tmp is world-writable, the rest root's 0755
  if (r.path.startsWith("/sys/") || r.path.startsWith("/proc/")) return -EPERM;
  if (t.creds.fsuid !== 0 && parentOf(r.path) !== "/tmp") return -EACCES;
  k.vfs.mkdir(r.path);
  return 0;
}

/** long rmdir(const char __user *pathname) */
export function sys_rmdir(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const path = getPath(k, argNum(cpu, 0));
  if (typeof path === "number") return path;
  const last = lastComponent(path);
  if (last === ".") return -EINVAL;
  if (last === "..") return -ENOTEMPTY;
  const r = k.vfs.lookup(t.cwd, path, { nofollow: true });
  if (r.notDirOnWay) return -ENOTDIR;
  const n = r.node;
  if (n === undefined) return r.error ?? -ENOENT;
  if (!isDir(n)) return -ENOTDIR;
  // a mount point, or "/", is busy
  if (r.path === "/" || k.vfs.mounts.has(r.path) || (n.type === "mnt" && n.rel === "/")) return -EBUSY;
  if (n.type === "mnt") {
    if (t.creds.fsuid !== 0) return -EACCES;
    return n.fs.rmdir(n.rel);
  }
  if (k.vfs.hasChildren(r.path)) return -ENOTEMPTY;
  if (t.creds.fsuid !== 0 && parentOf(r.path) !== "/tmp") return -EACCES;
  k.vfs.remove(r.path);
  return 0;
}
