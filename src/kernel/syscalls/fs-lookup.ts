// Path queries over the VFS that dynamically linked programs make (ld.so, glibc, python's import system):
// access/faccessat/faccessat2 (fs/open.c do_faccessat), getdents64 (fs/readdir.c) and the getxattr family
// (fs/xattr.c; no attributes here). Permission checks follow
// generic_permission for the task's fsuid: root may read and write anything and execute a regular file with any x
// bit; others get the owner or "other" bits of the object's mode (groups are not modelled).
import type { Cpu } from "../../cpu/cpu.ts";
import { utf8Encode } from "../../cpu/text-bytes.ts";
import { EACCES, EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum, argU32 } from "../native-args.ts";
import type { Task } from "../task.ts";
import { copyToUser } from "../uaccess.ts";
import { isDir, type Node, normalize } from "../vfs.ts";
import { atDir, getUserPath, inoOf } from "./file-io.ts";
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
