// Path queries over the VFS that dynamically linked programs make (ld.so, glibc, python's import system):
// access/faccessat/faccessat2 (fs/open.c do_faccessat), getdents64 (fs/readdir.c) and the getxattr family
// (fs/xattr.c; no attributes here), and statx (fs/stat.c, linux-generic only). Permission checks follow
// generic_permission for the task's fsuid: root may read and write anything and execute a regular file with any x
// bit; others get the owner or "other" bits of the object's mode (groups are not modelled).
import type { Cpu } from "../../cpu/cpu.ts";
import { utf8Encode } from "../../cpu/text-bytes.ts";
import { EACCES, EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum, argU32 } from "../native-args.ts";
import type { Task } from "../task.ts";
import { copyToUser, strncpyFromUser } from "../uaccess.ts";
import { isDir, type Node, normalize, PATH_MAX } from "../vfs.ts";
import { atDir, getUserPath, inoOf, statOfFile, statOfNode } from "./file-io.ts";
import { selfOf } from "./fs.ts";

export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EACCESS = 0x200;
const AT_EMPTY_PATH = 0x1000;

/** The permission bits a node has (overlay objects: directories 0755, files 0644, devices 0666). */
function permOf(n: Node): { perm: number; uid: number } {
  if (n.type === "dir" || n.type === "reg" || n.type === "lnk")
    if (n.meta !== undefined) return { perm: n.meta.perm, uid: n.meta.uid };
  if (n.type === "chr") return { perm: 0o666, uid: 0 };
  if (n.type === "lnk") return { perm: 0o777, uid: 0 };
  return { perm: isDir(n) ? 0o755 : 0o644, uid: 0 };
}

function permits(t: Task, n: Node, mode: number): boolean {
  const { perm, uid } = permOf(n);
  if (t.creds.fsuid === 0) {
    // root: read and write always; execute needs an x bit somewhere (or a directory)
    return (mode & X_OK) === 0 || isDir(n) || (perm & 0o111) !== 0;
  }
  const bits = t.creds.fsuid === uid ? (perm >> 6) & 7 : perm & 7;
  return (mode & bits) === mode;
}

function doAccess(
  k: KernelContext,
  t: Task,
  dfd: number,
  pathAddr: number,
  mode: number,
  flags: number,
): number {
  if ((mode & ~7) !== 0) return -EINVAL;
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const path = getUserPath(k, pathAddr);
  if (typeof path === "number") return path;
  const dir = atDir(t, dfd, path);
  if (typeof dir === "number") return dir;
  const r = k.vfs.lookup(dir, path, { self: selfOf(t), nofollow: (flags & AT_SYMLINK_NOFOLLOW) !== 0 });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node === undefined) return r.error ?? -ENOENT;
  return permits(t, r.node, mode) ? 0 : -EACCES;
}

/** long access(const char __user *filename, int mode) */
export function sys_access(k: KernelContext, cpu: Cpu): number {
  return doAccess(k, k.current(), -100, argNum(cpu, 0), argInt(cpu, 1), 0);
}

/** long faccessat(int dfd, const char __user *filename, int mode) */
export function sys_faccessat(k: KernelContext, cpu: Cpu): number {
  return doAccess(k, k.current(), argInt(cpu, 0), argNum(cpu, 1), argInt(cpu, 2), 0);
}

/** long faccessat2(int dfd, const char __user *filename, int mode, int flags) (5.8+) */
export function sys_faccessat2(k: KernelContext, cpu: Cpu): number {
  return doAccess(k, k.current(), argInt(cpu, 0), argNum(cpu, 1), argInt(cpu, 2), argInt(cpu, 3));
}

const DT_CHR = 2;
const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;

function dtOf(n: Node | undefined): number {
  if (n === undefined) return 0;
  if (isDir(n)) return DT_DIR;
  if (n.type === "lnk") return DT_LNK;
  if (n.type === "chr") return DT_CHR;
  return DT_REG;
}

/**
 * long getdents64(unsigned int fd, struct linux_dirent64 __user *dirent, unsigned int count): ".", ".." and the
 * directory's names in sorted order, listed at the first call; f_pos counts the entries returned. Each record is
 * d_ino, d_off, d_reclen, d_type, the NUL-terminated name, padded to 8 bytes; -EINVAL when the first does not fit.
 */
export function sys_getdents64(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const f = t.files.get(argU32(cpu, 0));
  if (f === undefined) return -EBADF;
  if (f.kind !== "dir") return -ENOTDIR;
  const self = selfOf(t);
  f.dirents ??= [".", "..", ...k.vfs.list(f.path, self)];
  const count = argU32(cpu, 2);
  let pos = f.pos ?? 0;
  const out = new Uint8Array(Math.min(count, 1 << 20));
  const v = new DataView(out.buffer);
  let used = 0;
  while (pos < f.dirents.length) {
    const name = f.dirents[pos]!;
    const nb = utf8Encode(name);
    const reclen = (19 + nb.length + 1 + 7) & ~7;
    if (used + reclen > out.length) {
      if (used === 0) return -EINVAL;
      break;
    }
    const p = name === "." ? f.path : name === ".." ? normalize(f.path, "..") : normalize(f.path, name);
    const n = k.vfs.node(p, self);
    v.setBigUint64(used, BigInt(inoOf(p)), true);
    v.setBigUint64(used + 8, BigInt(pos + 1), true);
    v.setUint16(used + 16, reclen, true);
    out[used + 18] = dtOf(n);
    out.set(nb, used + 19);
    used += reclen;
    pos++;
  }
  if (!copyToUser(t.space, argNum(cpu, 1), out.subarray(0, used))) return -EFAULT;
  k.charge("copy_user_per_byte", used);
  f.pos = pos;
  return used;
}

/** ENODATA: the object has no such extended attribute */
export const ENODATA = 61;

function doGetxattr(k: KernelContext, t: Task, pathAddr: number, nofollow: boolean): number {
  const path = getUserPath(k, pathAddr);
  if (typeof path === "number") return path;
  const r = k.vfs.lookup(t.cwd, path, { self: selfOf(t), nofollow });
  if (r.notDirOnWay) return -ENOTDIR;
  if (r.node === undefined) return r.error ?? -ENOENT;
  return -ENODATA;
}

/**
 * ssize_t getxattr(const char __user *pathname, const char __user *name, void __user *value, size_t size): no
 * object here carries extended attributes (the guest root's xattrs, ACLs and security labels are not exposed), so
 * an existing path answers -ENODATA as ext4 does for an attribute that is not set.
 */
export function sys_getxattr(k: KernelContext, cpu: Cpu): number {
  return doGetxattr(k, k.current(), argNum(cpu, 0), false);
}

/** ssize_t lgetxattr(…): getxattr without following a final symlink */
export function sys_lgetxattr(k: KernelContext, cpu: Cpu): number {
  return doGetxattr(k, k.current(), argNum(cpu, 0), true);
}

/** ssize_t fgetxattr(int fd, …): -ENODATA for any open descriptor */
export function sys_fgetxattr(k: KernelContext, cpu: Cpu): number {
  return k.current().files.get(argU32(cpu, 0)) === undefined ? -EBADF : -ENODATA;
}

const AT_STATX_SYNC_TYPE = 0x6000;
const AT_NO_AUTOMOUNT = 0x800;
/** STATX_BASIC_STATS: type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks */
const STATX_BASIC_STATS = 0x7ff;
const STATX_RESERVED = 0x80000000;

/** struct statx (256 bytes, include/uapi/linux/stat.h) with the fields of a struct stat (x86_64, 144 bytes). */
function statxOfStat(st: Uint8Array): Uint8Array {
  const s = new DataView(st.buffer, st.byteOffset, st.byteLength);
  const out = new Uint8Array(256);
  const v = new DataView(out.buffer);
  v.setUint32(0, STATX_BASIC_STATS, true); // stx_mask
  v.setUint32(4, Number(s.getBigInt64(56, true)), true); // stx_blksize
  v.setUint32(16, Number(s.getBigUint64(16, true)), true); // stx_nlink
  v.setUint32(20, s.getUint32(28, true), true); // stx_uid
  v.setUint32(24, s.getUint32(32, true), true); // stx_gid
  v.setUint16(28, s.getUint32(24, true) & 0xffff, true); // stx_mode
  v.setBigUint64(32, s.getBigUint64(8, true), true); // stx_ino
  v.setBigInt64(40, s.getBigInt64(48, true), true); // stx_size
  v.setBigInt64(48, s.getBigInt64(64, true), true); // stx_blocks
  // stx_atime 64, stx_btime 80 (not reported: its mask bit is clear), stx_ctime 96, stx_mtime 112
  for (const [from, to] of [
    [72, 64],
    [104, 96],
    [88, 112],
  ] as const) {
    v.setBigInt64(to, s.getBigInt64(from, true), true);
    v.setUint32(to + 8, Number(s.getBigInt64(from + 8, true)), true);
  }
  const rdev = Number(s.getBigUint64(40, true));
  v.setUint32(128, (rdev >> 8) & 0xfff, true); // stx_rdev_major (old_encode_dev)
  v.setUint32(132, rdev & 0xff, true);
  const dev = Number(s.getBigUint64(0, true));
  v.setUint32(136, (dev >> 8) & 0xfff, true);
  v.setUint32(140, dev & 0xff, true);
  return out;
}

/**
 * long statx(int dfd, const char __user *filename, unsigned flags, unsigned int mask, struct statx __user *buffer)
 * (4.11+, fs/stat.c): the basic stats whatever the mask asks (as a file system without btime answers); the
 * linux-generic table only.
 */
export function sys_statx(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const dfd = argInt(cpu, 0);
  const flags = argInt(cpu, 2);
  const mask = argU32(cpu, 3);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) !== 0)
    return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((mask & STATX_RESERVED) !== 0) return -EINVAL;
  const raw = strncpyFromUser(t.space, argNum(cpu, 1), PATH_MAX - 1);
  if (raw === null) return -EFAULT;
  if (raw === "toolong") return -ENAMETOOLONG;
  let st: Uint8Array;
  if (raw === "" && flags & AT_EMPTY_PATH) {
    const dir = dfd === -100 ? undefined : t.files.get(dfd >>> 0);
    if (dfd !== -100 && dir === undefined) return -EBADF;
    if (dir !== undefined) st = statOfFile(dir);
    else {
      const n = k.vfs.node(t.cwd, selfOf(t));
      if (n === undefined) return -ENOENT;
      st = statOfNode(t.cwd, n);
    }
  } else {
    if (raw === "") return -ENOENT;
    k.charge("copy_user_per_byte", raw.length + 1);
    const dir = atDir(t, dfd, raw);
    if (typeof dir === "number") return dir;
    const r = k.vfs.lookup(dir, raw, { self: selfOf(t), nofollow: (flags & AT_SYMLINK_NOFOLLOW) !== 0 });
    if (r.notDirOnWay) return -ENOTDIR;
    if (r.node === undefined) return r.error ?? -ENOENT;
    st = statOfNode(r.path, r.node);
  }
  const out = statxOfStat(st);
  if (!copyToUser(t.space, argNum(cpu, 4), out)) return -EFAULT;
  return 0;
}
