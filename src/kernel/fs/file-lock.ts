// POSIX record locks and open file description locks (fs/locks.c): the byte-range locks of fcntl F_SETLK,
// F_SETLKW, F_GETLK and, on kernels from 3.15, F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK. A POSIX lock's owner is
// the descriptor table (current->files: threads that share it share their locks, a forked child has its own);
// an OFD lock's owner is the open file description. A POSIX lock goes when its owner closes any descriptor of
// the file (locks_remove_posix, so also at exit and at execve's close-on-exec); an OFD lock when the last
// descriptor of its description closes (locks_remove_file). Each owner's locks on a file never overlap: a new
// lock splits the owner's locks of the other type and merges with adjacent or overlapping ones of its own type
// (posix_lock_inode). Offsets are bigints: l_start and l_len are 64-bit.
import { EBADF, EFAULT, EINVAL } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { blockAndRetry } from "../syscalls/signal.ts";
import type { Task } from "../task.ts";
import { copyFromUser, copyToUser } from "../uaccess.ts";
import { O_ACCMODE, O_RDONLY, O_WRONLY, type OpenFile, regSize } from "../vfs.ts";

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;
/** the end of a lock that runs to end of file (and beyond): OFFSET_MAX of fs.h */
export const OFFSET_MAX = (1n << 63n) - 1n;

export interface FileLock {
  /** the descriptor table (POSIX) or the open file description (OFD) */
  readonly owner: object;
  readonly ofd: boolean;
  /** fl_pid: the tgid of the process that set a POSIX lock; F_OFD_GETLK reports -1 */
  readonly pid: number;
  readonly type: number;
  /** first and last byte, inclusive (fl_start, fl_end) */
  readonly start: bigint;
  readonly end: bigint;
}

/** A request for the range [start, end] of `type` (F_UNLCK: an unlock) by `owner`. */
export interface LockRequest {
  owner: object;
  ofd: boolean;
  pid: number;
  type: number;
  start: bigint;
  end: bigint;
}

/** the locks of each inode (inode->i_flock), in the order they were set */
const inodeLocks = new WeakMap<object, FileLock[]>();
/** a blocked F_SETLKW's owner → the owner of the lock it waits for (blocked_list, for deadlock detection) */
const waitingFor = new WeakMap<object, { blocker: object; alive: () => boolean }>();

/** inode objects of files that have no object of their own here (directories, devices): one per path */
const pathInodes = new Map<string, object>();

/** The object that stands for f's inode: a regular file's RegFile (it outlives unlink), a pipe's buffer. */
export function inodeOf(f: OpenFile): object {
  if (f.reg !== undefined) return f.reg;
  if (f.pipe !== undefined) return f.pipe;
  let o = pathInodes.get(f.path);
  if (o === undefined) {
    o = {};
    pathInodes.set(f.path, o);
  }
  return o;
}

/** posix_same_owner: two OFD locks of one description, or two POSIX locks of one table. */
function sameOwner(a: { owner: object; ofd: boolean }, b: { owner: object; ofd: boolean }): boolean {
  return a.ofd === b.ofd && a.owner === b.owner;
}

/** posix_locks_conflict: different owners, overlapping ranges, and one of them a write lock. */
function conflicts(held: FileLock, req: LockRequest): boolean {
  if (sameOwner(held, req)) return false;
  if (held.end < req.start || req.end < held.start) return false;
  return held.type === F_WRLCK || req.type === F_WRLCK;
}

/** posix_test_lock (F_GETLK): the first lock that would block `req`, or null. */
export function testLock(inode: object, req: LockRequest): FileLock | null {
  for (const l of inodeLocks.get(inode) ?? []) if (conflicts(l, req)) return l;
  return null;
}

/**
 * posix_locks_deadlock: the owner of the conflicting lock waits (transitively) for a lock `req`'s owner holds.
 * Only POSIX locks take part (an OFD owner is not a process that could deadlock itself).
 */
function wouldDeadlock(blocker: FileLock, req: LockRequest): boolean {
  if (req.ofd || blocker.ofd) return false;
  let owner: object = blocker.owner;
  // each owner waits for at most one other, so a walk longer than the number of waiters is a cycle not via req
  for (let depth = 0; depth < 10_000; depth++) {
    const w = waitingFor.get(owner);
    if (w === undefined || !w.alive()) return false;
    if (w.blocker === req.owner) return true;
    owner = w.blocker;
  }
  return false;
}

export type SetLockResult =
  | { kind: "ok" }
  /** F_SETLK: -EAGAIN; F_SETLKW: the caller blocks and tries again */
  | { kind: "conflict"; with: FileLock }
  /** F_SETLKW only: granting the wait would close a cycle of waiting owners (-EDEADLK) */
  | { kind: "deadlock" };

/**
 * posix_lock_inode: set or remove `req` on `inode`. `wait` (F_SETLKW) records the wait for deadlock detection;
 * `alive` tells whether the waiting task still exists (a record of a task that died is ignored).
 */
export function setLock(
  inode: object,
  req: LockRequest,
  wait = false,
  alive: () => boolean = () => true,
): SetLockResult {
  waitingFor.delete(req.owner);
  const locks = inodeLocks.get(inode) ?? [];
  if (req.type !== F_UNLCK) {
    const c = locks.find((l) => conflicts(l, req));
    if (c !== undefined) {
      if (!wait) return { kind: "conflict", with: c };
      if (wouldDeadlock(c, req)) return { kind: "deadlock" };
      waitingFor.set(req.owner, { blocker: c.owner, alive });
      return { kind: "conflict", with: c };
    }
  }
  // the list keeps each owner's locks together, sorted by start, where its first lock was (else at the end)
  const out: FileLock[] = [];
  const mine: FileLock[] = [];
  let start = req.start;
  let end = req.end;
  let at = -1;
  for (const l of locks) {
    if (!sameOwner(l, req)) {
      out.push(l);
      continue;
    }
    if (at < 0) at = out.length;
    const touches = l.end + 1n >= start && l.start <= (end === OFFSET_MAX ? end : end + 1n);
    if (req.type !== F_UNLCK && l.type === req.type && touches) {
      // same type, overlapping or adjacent: merged into the new lock
      if (l.start < start) start = l.start;
      if (l.end > end) end = l.end;
      continue;
    }
    if (l.end < req.start || l.start > req.end) {
      mine.push(l);
      continue;
    }
    // another type (or an unlock) over part of l: the parts of l outside the request stay
    if (l.start < req.start) mine.push({ ...l, end: req.start - 1n });
    if (l.end > req.end) mine.push({ ...l, start: req.end + 1n });
  }
  if (req.type !== F_UNLCK)
    mine.push({ owner: req.owner, ofd: req.ofd, pid: req.pid, type: req.type, start, end });
  mine.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  out.splice(at < 0 ? out.length : at, 0, ...mine);
  if (out.length === 0) inodeLocks.delete(inode);
  else inodeLocks.set(inode, out);
  return { kind: "ok" };
}

/** locks_remove_posix: `owner` closed a descriptor of `inode`; every POSIX lock it holds there goes. */
export function removePosixLocks(inode: object, owner: object): void {
  dropWhere(inode, (l) => !l.ofd && l.owner === owner);
}

/** locks_remove_file: the last descriptor of open file description `ofd` closed; its OFD locks go. */
export function removeOfdLocks(inode: object, ofd: object): void {
  dropWhere(inode, (l) => l.ofd && l.owner === ofd);
}

function dropWhere(inode: object, gone: (l: FileLock) => boolean): void {
  const locks = inodeLocks.get(inode);
  if (locks === undefined) return;
  const keep = locks.filter((l) => !gone(l));
  if (keep.length === 0) inodeLocks.delete(inode);
  else if (keep.length !== locks.length) inodeLocks.set(inode, keep);
}

/** The locks on `inode` now (tests, /proc/locks-like reports). */
export function locksOf(inode: object): readonly FileLock[] {
  return inodeLocks.get(inode) ?? [];
}

// fcntl commands (include/asm-generic/fcntl.h); the OFD ones exist from Linux 3.15
export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_OFD_GETLK = 36;
export const F_OFD_SETLK = 37;
export const F_OFD_SETLKW = 38;
export const EDEADLK = 35;
export const EOVERFLOW = 75;
const EAGAIN = 11;
/** sizeof(struct flock) on x86_64: l_type, l_whence (shorts), l_start, l_len (off_t at 8, 16), l_pid (int at 24) */
const FLOCK_SIZE = 32;

interface Flock {
  type: number;
  whence: number;
  start: bigint;
  len: bigint;
  pid: number;
}

function readFlock(t: Task, addr: number): Flock | null {
  const b = copyFromUser(t.space, addr, FLOCK_SIZE);
  if (b === null) return null;
  const v = new DataView(b.buffer, b.byteOffset);
  return {
    type: v.getInt16(0, true),
    whence: v.getInt16(2, true),
    start: v.getBigInt64(8, true),
    len: v.getBigInt64(16, true),
    pid: v.getInt32(24, true),
  };
}

/** flock_to_posix_lock: the byte range [start, end] the request names, or -errno. */
function rangeOf(f: OpenFile, l: Flock): { start: bigint; end: bigint } | number {
  let base: bigint;
  if (l.whence === 0) base = 0n;
  else if (l.whence === 1) base = BigInt(f.pos ?? 0);
  else if (l.whence === 2) base = BigInt(f.reg !== undefined ? regSize(f.reg) : 0);
  else return -EINVAL;
  if (l.start > OFFSET_MAX - base) return -EOVERFLOW;
  let start = base + l.start;
  if (start < 0n) return -EINVAL;
  let end: bigint;
  if (l.len > 0n) {
    if (l.len - 1n > OFFSET_MAX - start) return -EOVERFLOW;
    end = start + l.len - 1n;
  } else if (l.len < 0n) {
    if (start + l.len < 0n) return -EINVAL;
    end = start - 1n;
    start += l.len;
  } else end = OFFSET_MAX;
  return { start, end };
}

const isOfd = (cmd: number) => cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;

/** fcntl_getlk (F_GETLK, F_OFD_GETLK): the first lock that would block the described one, or l_type F_UNLCK. */
export function fcntlGetlk(k: KernelContext, t: Task, f: OpenFile, cmd: number, addr: number): number {
  k.charge("posix_lock_file");
  const l = readFlock(t, addr);
  if (l === null) return -EFAULT;
  if (l.type !== F_RDLCK && l.type !== F_WRLCK) return -EINVAL;
  const r = rangeOf(f, l);
  if (typeof r === "number") return r;
  const ofd = isOfd(cmd);
  if (ofd && l.pid !== 0) return -EINVAL;
  const c = testLock(inodeOf(f), { owner: ofd ? f : t.files, ofd, pid: t.tgid, type: l.type, ...r });
  const out = new Uint8Array(FLOCK_SIZE);
  const v = new DataView(out.buffer);
  v.setInt16(0, l.type, true);
  v.setInt16(2, l.whence, true);
  v.setBigInt64(8, l.start, true);
  v.setBigInt64(16, l.len, true);
  v.setInt32(24, l.pid, true);
  if (c === null) v.setInt16(0, F_UNLCK, true);
  else {
    v.setInt16(0, c.type, true);
    v.setInt16(2, 0, true); // SEEK_SET
    v.setBigInt64(8, c.start, true);
    v.setBigInt64(16, c.end === OFFSET_MAX ? 0n : c.end - c.start + 1n, true);
    v.setInt32(24, c.ofd ? -1 : c.pid, true);
  }
  return copyToUser(t.space, addr, out) ? 0 : -EFAULT;
}

/**
 * fcntl_setlk (F_SETLK, F_SETLKW and the OFD forms): -EAGAIN on a conflict, or for the waiting forms a block
 * (undefined: the call runs again when the task is next scheduled) or -EDEADLK when the wait would close a cycle.
 */
export function fcntlSetlk(
  k: KernelContext,
  t: Task,
  f: OpenFile,
  cmd: number,
  addr: number,
): number | undefined {
  k.charge("posix_lock_file");
  const l = readFlock(t, addr);
  if (l === null) return -EFAULT;
  if (l.type !== F_RDLCK && l.type !== F_WRLCK && l.type !== F_UNLCK) return -EINVAL;
  const r = rangeOf(f, l);
  if (typeof r === "number") return r;
  const acc = f.accmode & O_ACCMODE;
  if ((l.type === F_RDLCK && acc === O_WRONLY) || (l.type === F_WRLCK && acc === O_RDONLY)) return -EBADF;
  const ofd = isOfd(cmd);
  if (ofd && l.pid !== 0) return -EINVAL;
  const wait = cmd === F_SETLKW || cmd === F_OFD_SETLKW;
  const req = { owner: ofd ? f : t.files, ofd, pid: t.tgid, type: l.type, ...r };
  const res = setLock(inodeOf(f), req, wait, () => !t.exited);
  if (res.kind === "ok") return 0;
  if (res.kind === "deadlock") return -EDEADLK;
  if (!wait) return -EAGAIN;
  const b = blockAndRetry(k, t);
  if (b !== undefined) waitingFor.delete(req.owner); // nobody else can run: the wait ends here
  return b;
}
