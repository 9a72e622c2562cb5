// futex(2) (kernel/futex.c; the operations of 5.x, PI excepted): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP,
// WAIT_BITSET, WAKE_BITSET, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME, timeouts on the simulated clock. A waiter
// sleeps (TASK_INTERRUPTIBLE: not picked by the scheduler) until a wake, a signal (-EINTR) or its deadline
// (-ETIMEDOUT). The futex key is (mm, address) for a private futex and the physical address of the word for a
// shared one (get_futex_key; Linux keys shared anonymous memory by (mm, address) too, but marks it apart from
// the private key, so a private wake never wakes a shared waiter: the same holds here). Waiters of one key are
// woken in the order they queued (the hash bucket's plist, all at one priority).
import type { Cpu } from "../../cpu/cpu.ts";
import { type AddressSpace, PTE_U } from "../../cpu/memory.ts";
import { EFAULT, EINVAL, ENOSYS } from "../errno.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt, argNum, argU32 } from "../native-args.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";
import { copyFromUser, copyToUser } from "../uaccess.ts";
import { EAGAIN } from "./errno-extra.ts";
import { nowNs } from "./process.ts";

export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
export const ETIMEDOUT = 110;
export const EINTR = 4;

interface Waiter {
  task: Task;
  key: string;
  bitset: number;
}

/** The futex hash of one machine (keyed by its kernel space): waiters per key in queueing order. */
interface FutexHash {
  queues: Map<string, Waiter[]>;
}

const hashes = new WeakMap<AddressSpace, FutexHash>();
/** the waiter a sleeping task is queued as (at most one: a task waits on one futex at a time) */
const waiting = new WeakMap<Task, Waiter>();

function hashOf(k: KernelContext): FutexHash {
  let h = hashes.get(k.kspace);
  if (h === undefined) {
    h = { queues: new Map() };
    hashes.set(k.kspace, h);
  }
  return h;
}

/** get_futex_key: a private key names the mm and the address, a shared key the word's physical address. */
function futexKey(t: Task, uaddr: number, priv: boolean): string | number {
  if ((uaddr & 3) !== 0) return -EINVAL;
  const pa = lookupPa(t.space, uaddr);
  if (pa === null) return -EFAULT;
  return priv ? `p${t.space.cr3}:${uaddr}` : `s${pa}`;
}

/** The physical address of a user word, null when it is not a mapped user page (get_user_pages_fast fails). */
function lookupPa(space: AddressSpace, va: number): number | null {
  if (va < 0 || va + 4 > TASK_SIZE_MAX) return null;
  const pte = space.lookup(va);
  if (pte === 0 || (pte & PTE_U) === 0) return null;
  return space.physAddr(va);
}

function readU32(t: Task, uaddr: number): number | null {
  const b = copyFromUser(t.space, uaddr, 4);
  if (b === null) return null;
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

function enqueue(h: FutexHash, w: Waiter): void {
  let q = h.queues.get(w.key);
  if (q === undefined) {
    q = [];
    h.queues.set(w.key, q);
  }
  q.push(w);
  waiting.set(w.task, w);
}

function unqueue(h: FutexHash, w: Waiter): void {
  const q = h.queues.get(w.key);
  if (q === undefined) return;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  if (q.length === 0) h.queues.delete(w.key);
  waiting.delete(w.task);
}

/** wake_futex: off the queue, runnable again, returning `rax` from its futex call. */
function wakeWaiter(k: KernelContext, h: FutexHash, w: Waiter, rax: number): void {
  unqueue(h, w);
  // try_to_wake_up's own work, charged to the waker (a timeout's or a signal's wake-up is not priced)
  if (rax === 0) k.charge("try_to_wake_up");
  k.wakeUp(w.task, rax);
}

/** mm_release's futex wake of the CLEARTID word: one waiter of the shared key. */
export function futexWakeAddr(k: KernelContext, t: Task, uaddr: number): number {
  const key = futexKey(t, uaddr, false);
  return typeof key === "number" ? key : wake(k, key, 1, FUTEX_BITSET_MATCH_ANY);
}

/**
 * A sleeping task leaves its futex wait early: a signal (-EINTR), its timeout (-ETIMEDOUT), or its death (the
 * task is only dequeued). Returns whether it was waiting.
 */
export function futexCancelWait(k: KernelContext, t: Task, rax: number | null): boolean {
  const w = waiting.get(t);
  if (w === undefined) return false;
  if (rax === null) unqueue(hashOf(k), w);
  else wakeWaiter(k, hashOf(k), w, rax);
  return true;
}

/** futex_wake: wake up to nr waiters of `key` whose bitset meets `bitset` (nr ≤ 0 still wakes one, as Linux). */
function wake(k: KernelContext, key: string, nr: number, bitset: number): number {
  const h = hashOf(k);
  const q = h.queues.get(key);
  if (q === undefined) return 0;
  let woken = 0;
  for (const w of [...q]) {
    if ((w.bitset & bitset) === 0) continue;
    wakeWaiter(k, h, w, 0);
    if (++woken >= nr) break;
  }
  return woken;
}

/** Reads a struct timespec; null on a bad address, -EINVAL when out of range. */
function readTimespecNs(t: Task, at: number): number | null {
  const b = copyFromUser(t.space, at, 16);
  if (b === null) return null;
  const v = new DataView(b.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
  return Number(sec) * 1e9 + Number(nsec);
}

/** futex_wait: sleep on `key` while *uaddr == val; the deadline is absolute simulated ns (null: none). */
function futexWait(
  k: KernelContext,
  cpu: Cpu,
  t: Task,
  uaddr: number,
  val: number,
  key: string,
  bitset: number,
  deadlineNs: number | null,
): number | undefined {
  if (bitset === 0) return -EINVAL;
  const cur = readU32(t, uaddr);
  if (cur === null) return -EFAULT;
  if (cur !== val) return -EAGAIN; // EWOULDBLOCK
  if (deadlineNs !== null && deadlineNs <= nowNs(k, cpu)) return -ETIMEDOUT;
  enqueue(hashOf(k), { task: t, key, bitset });
  t.sleepDeadlineNs = deadlineNs;
  k.sleepCurrent(0);
  return undefined;
}

/** The FUTEX_OP_* operation of FUTEX_WAKE_OP on the old value; null for an unknown op. */
function wakeOpNew(op: number, oldval: number, oparg: number): number | null {
  switch (op) {
    case 0: // FUTEX_OP_SET
      return oparg;
    case 1: // FUTEX_OP_ADD
      return (oldval + oparg) | 0;
    case 2: // FUTEX_OP_OR
      return oldval | oparg;
    case 3: // FUTEX_OP_ANDN
      return oldval & ~oparg;
    case 4: // FUTEX_OP_XOR
      return oldval ^ oparg;
    default:
      return null;
  }
}

/** The FUTEX_OP_CMP_* comparison of FUTEX_WAKE_OP (signed); null for an unknown comparison. */
function wakeOpCmp(cmp: number, oldval: number, cmparg: number): boolean | null {
  switch (cmp) {
    case 0:
      return oldval === cmparg;
    case 1:
      return oldval !== cmparg;
    case 2:
      return oldval < cmparg;
    case 3:
      return oldval <= cmparg;
    case 4:
      return oldval > cmparg;
    case 5:
      return oldval >= cmparg;
    default:
      return null;
  }
}

/**
 * long futex(u32 __user *uaddr, int op, u32 val, struct timespec __user *utime (or u32 val2), u32 __user *uaddr2,
 * u32 val3). The PI operations are -ENOSYS (no task here asks for priority inheritance).
 */
export function sys_futex(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const uaddr = argNum(cpu, 0);
  const opArg = argInt(cpu, 1);
  const val = argU32(cpu, 2);
  const utime = argNum(cpu, 3);
  const uaddr2 = argNum(cpu, 4);
  const val3 = argU32(cpu, 5);
  const priv = (opArg & FUTEX_PRIVATE_FLAG) !== 0;
  const clockRt = (opArg & FUTEX_CLOCK_REALTIME) !== 0;
  const cmd = opArg & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  // 4.5+: CLOCK_REALTIME is accepted by WAIT, WAIT_BITSET and WAIT_REQUEUE_PI only
  if (clockRt && cmd !== FUTEX_WAIT && cmd !== FUTEX_WAIT_BITSET && cmd !== 11) return -ENOSYS;
  const key = futexKey(t, uaddr, priv);
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (typeof key === "number") return key;
      let deadline: number | null = null;
      if (utime !== 0) {
        const ns = readTimespecNs(t, utime);
        if (ns === null) return -EFAULT;
        if (ns < 0) return ns;
        // FUTEX_WAIT's timeout is relative; WAIT_BITSET's absolute (every clock here counts from boot)
        deadline = cmd === FUTEX_WAIT ? nowNs(k, cpu) + ns : ns;
      }
      return futexWait(
        k,
        cpu,
        t,
        uaddr,
        val,
        key,
        cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3,
        deadline,
      );
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      if (typeof key === "number") return key;
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
      if (bitset === 0) return -EINVAL;
      return wake(k, key, val | 0, bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if (typeof key === "number") return key;
      const key2 = futexKey(t, uaddr2, priv);
      if (typeof key2 === "number") return key2;
      const nrWake = val | 0;
      const nrRequeue = utime | 0;
      if (nrWake < 0 || nrRequeue < 0) return -EINVAL;
      if (cmd === FUTEX_CMP_REQUEUE) {
        const cur = readU32(t, uaddr);
        if (cur === null) return -EFAULT;
        if (cur !== val3) return -EAGAIN;
      }
      const h = hashOf(k);
      const q = [...(h.queues.get(key) ?? [])];
      let done = 0;
      let requeued = 0;
      for (const w of q) {
        if (done < nrWake) {
          wakeWaiter(k, h, w, 0);
          done++;
        } else if (requeued < nrRequeue) {
          if (key2 === key) break;
          unqueue(h, w);
          enqueue(h, { task: w.task, key: key2, bitset: w.bitset });
          requeued++;
        } else break;
      }
      return done + requeued;
    }
    case FUTEX_WAKE_OP: {
      if (typeof key === "number") return key;
      const key2 = futexKey(t, uaddr2, priv);
      if (typeof key2 === "number") return key2;
      // encoded op: op 31..28 (bit 31 FUTEX_OP_OPARG_SHIFT), cmp 27..24, oparg 23..12, cmparg 11..0 (signed)
      const op = (val3 >>> 28) & 7;
      const shift = (val3 >>> 31) & 1;
      const cmp = (val3 >>> 24) & 15;
      let oparg = (val3 << 8) >> 20;
      const cmparg = (val3 << 20) >> 20;
      if (shift) {
        if (oparg < 0 || oparg > 31) oparg &= 31; // 4.x clamps a bad shift (and warns)
        oparg = 1 << oparg;
      }
      const old = readU32(t, uaddr2);
      if (old === null) return -EFAULT;
      const oldval = old | 0;
      const next = wakeOpNew(op, oldval, oparg);
      const hit = wakeOpCmp(cmp, oldval, cmparg);
      if (next === null || hit === null) return -ENOSYS;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, next, true);
      if (!copyToUser(t.space, uaddr2, b)) return -EFAULT;
      let woken = wake(k, key, val | 0, FUTEX_BITSET_MATCH_ANY);
      if (hit) woken += wake(k, key2, utime | 0, FUTEX_BITSET_MATCH_ANY);
      return woken;
    }
    default:
      // FUTEX_LOCK_PI … FUTEX_CMP_REQUEUE_PI, and unknown commands
      return -ENOSYS;
  }
}
