// exit / exit_group (kernel/exit.c) and mm_release's CLEARTID (kernel/fork.c): exit ends the calling thread,
// exit_group every thread of its group (do_group_exit → zap_other_threads).
import type { Cpu } from "../../cpu/cpu.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt } from "../native-args.ts";
import type { Task } from "../task.ts";
import { copyToUser } from "../uaccess.ts";
import { futexWakeAddr } from "./futex.ts";
import { procOf } from "./process.ts";

/** void exit(int error_code): the calling thread ends; the exit status is error_code & 0xff. */
export function sys_exit(k: KernelContext, cpu: Cpu): undefined {
  k.doExit(argInt(cpu, 0) & 0xff, null);
  return undefined;
}

/** void exit_group(int error_code): every thread of the group ends with this status. */
export function sys_exit_group(k: KernelContext, cpu: Cpu): undefined {
  k.doGroupExit(argInt(cpu, 0) & 0xff, null);
  return undefined;
}

/**
 * mm_release: a task with clear_child_tid set (CLONE_CHILD_CLEARTID, set_tid_address) whose mm other tasks still
 * use gets 0 written to that word and one waiter of it woken (FUTEX_WAKE, shared key) — what pthread_join waits
 * for. A fault writing the word is ignored, as put_user's result is.
 */
export function mmRelease(k: KernelContext, t: Task, mmShared: boolean): void {
  const p = procOf(t);
  const at = p.clearChildTid;
  if (at === 0) return;
  p.clearChildTid = 0;
  if (!mmShared) return;
  if (copyToUser(t.space, at, new Uint8Array(4))) futexWakeAddr(k, t, at);
}
