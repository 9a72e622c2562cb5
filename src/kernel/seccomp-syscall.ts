// seccomp(2) (kernel/seccomp.c do_seccomp, 6.x; x86_64 number 317): SECCOMP_SET_MODE_STRICT,
// SECCOMP_SET_MODE_FILTER with its flags, SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES. Only the
// linux-generic flavour's table reaches it: 3.1's table ends at 309 and is not extended.
import type { Cpu } from "../cpu/cpu.ts";
import { EFAULT, EINVAL, ESRCH } from "./errno.ts";
import type { KernelContext } from "./kernel-context.ts";
import { argNum, argU32 } from "./native-args.ts";
import { ACTION_VALUE } from "./seccomp/actions.ts";
import {
  prctlSetSeccomp,
  SECCOMP_MODE_DISABLED,
  SECCOMP_MODE_FILTER,
  SECCOMP_MODE_STRICT,
} from "./seccomp.ts";
import type { Task } from "./task.ts";
import { TIF_SECCOMP } from "./tif.ts";
import { copyFromUser, copyToUser } from "./uaccess.ts";

export const SECCOMP_SET_MODE_STRICT = 0;
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_GET_ACTION_AVAIL = 2;
export const SECCOMP_GET_NOTIF_SIZES = 3;

export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_LOG = 1 << 1;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;

/**
 * The flags this model accepts. The kernel's mask also has NEW_LISTENER and WAIT_KILLABLE_RECV (which needs
 * NEW_LISTENER); listener fds are not modelled, so both fail with EINVAL here. SPEC_ALLOW has no effect (no
 * speculation mitigation is modelled). TSYNC gives every thread of the caller's group the caller's new filter
 * chain, or fails with the tid of a thread that cannot take it (TSYNC_ESRCH: with -ESRCH instead).
 */
export const SECCOMP_FILTER_FLAG_MASK =
  SECCOMP_FILTER_FLAG_TSYNC |
  SECCOMP_FILTER_FLAG_LOG |
  SECCOMP_FILTER_FLAG_SPEC_ALLOW |
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH;

/** EOPNOTSUPP (include/uapi/asm-generic/errno.h) */
export const EOPNOTSUPP = 95;

/** struct seccomp_notif_sizes: seccomp_notif 80, seccomp_notif_resp 24, seccomp_data 64 (u16 each) */
export const SECCOMP_NOTIF_SIZES = [80, 24, 64] as const;

const SUPPORTED_ACTIONS: ReadonlySet<number> = new Set(Object.values(ACTION_VALUE).map((v) => v >>> 0));

/** seccomp_get_action_avail(): the u32 at `uaction` is one of the SECCOMP_RET_* actions. */
function getActionAvail(k: KernelContext, uaction: number): number {
  const b = copyFromUser(k.current().space, uaction, 4);
  if (b === null) return -EFAULT;
  k.charge("copy_user_per_byte", 4);
  const action = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  return SUPPORTED_ACTIONS.has(action) ? 0 : -EOPNOTSUPP;
}

/** seccomp_get_notif_sizes(): the three sizes, 6 bytes. */
function getNotifSizes(k: KernelContext, usizes: number): number {
  const out = new Uint8Array(6);
  const v = new DataView(out.buffer);
  for (const [i, n] of SECCOMP_NOTIF_SIZES.entries()) v.setUint16(2 * i, n, true);
  if (!copyToUser(k.current().space, usizes, out)) return -EFAULT;
  k.charge("copy_user_per_byte", out.length);
  return 0;
}

/**
 * seccomp_set_mode_filter(flags, filter): the flag check, then prctl's path (seccompAttachUserFilter's EFAULT,
 * EINVAL, EACCES, checker EINVAL and ENOMEM). 0 on success, with TSYNC too. 6.x checks the mode after preparing
 * the filter and prctl before; a task in strict mode is killed by calling seccomp(2), so the order is unobservable.
 */
function setModeFilter(k: KernelContext, flags: number, uargs: number): number {
  if ((flags & ~SECCOMP_FILTER_FLAG_MASK) !== 0) return -EINVAL;
  if ((flags & SECCOMP_FILTER_FLAG_TSYNC) === 0)
    return prctlSetSeccomp(k, SECCOMP_MODE_FILTER, uargs, (flags & SECCOMP_FILTER_FLAG_LOG) !== 0);
  const t = k.current();
  // seccomp_can_sync_threads looks at the chains before the new filter is attached; its failure comes after the
  // filter's own errors (6.x prepares the filter first), so the attach is undone when a thread cannot sync
  const blocker = cannotSync(t);
  const before = { filter: t.seccompFilter, mode: t.seccompMode, tif: t.tif.test(TIF_SECCOMP) };
  const r = prctlSetSeccomp(k, SECCOMP_MODE_FILTER, uargs, (flags & SECCOMP_FILTER_FLAG_LOG) !== 0);
  if (r !== 0) return r;
  if (blocker !== null) {
    t.seccompFilter = before.filter;
    t.seccompMode = before.mode;
    if (!before.tif) t.tif.clear(TIF_SECCOMP);
    return flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH ? -ESRCH : blocker.pid;
  }
  // seccomp_sync_threads: every other thread shares the caller's chain (and its no_new_privs)
  for (const o of t.group.threads) {
    if (o === t || o.exited) continue;
    o.seccompFilter = t.seccompFilter;
    if (t.noNewPrivs) o.noNewPrivs = true;
    o.seccompMode = SECCOMP_MODE_FILTER;
    o.tif.set(TIF_SECCOMP);
  }
  return 0;
}

/**
 * seccomp_can_sync_threads: the first other thread of the group that is in strict mode, or in filter mode with a
 * chain that is not an ancestor of (a tail of) the caller's; null when all can take the caller's chain.
 */
function cannotSync(t: Task): Task | null {
  for (const o of t.group.threads) {
    if (o === t || o.exited || o.seccompMode === SECCOMP_MODE_DISABLED) continue;
    if (o.seccompMode !== SECCOMP_MODE_FILTER) return o;
    let ancestor = o.seccompFilter === null;
    for (let f = t.seccompFilter; f !== null && !ancestor; f = f.prev)
      if (f === o.seccompFilter) ancestor = true;
    if (!ancestor) return o;
  }
  return null;
}

/** long seccomp(unsigned int op, unsigned int flags, void __user *uargs) */
export function sys_seccomp(k: KernelContext, cpu: Cpu): number {
  const op = argU32(cpu, 0);
  const flags = argU32(cpu, 1);
  const uargs = argNum(cpu, 2);
  switch (op) {
    case SECCOMP_SET_MODE_STRICT:
      if (flags !== 0 || uargs !== 0) return -EINVAL;
      return prctlSetSeccomp(k, SECCOMP_MODE_STRICT, 0);
    case SECCOMP_SET_MODE_FILTER:
      return setModeFilter(k, flags, uargs);
    case SECCOMP_GET_ACTION_AVAIL:
      if (flags !== 0) return -EINVAL;
      return getActionAvail(k, uargs);
    case SECCOMP_GET_NOTIF_SIZES:
      if (flags !== 0) return -EINVAL;
      return getNotifSizes(k, uargs);
    default:
      return -EINVAL;
  }
}
