// The cost entries threads (issue 14) add to every built-in profile, kept apart from the profile files as
// ptrace-stop.ts does: the work of waking one task that sleeps in a futex wait.
import type { CostProfileSpec, Sourced } from "../profile.ts";

/** Arora 2022's kernel IPC (docs/sources.md#entry-figures): getpid loop 283 cycles / 417 instructions. */
const IPC = 1.47;
/** est. per LOCK-prefixed read-modify-write on an L1-resident line (the built-in profiles' figure) */
const LOCKED = 20;
/** est. instructions of wake_futex + try_to_wake_up for a task of the local run queue */
const TTWU_INSNS = 280;

/** The additions for a built-in profile. */
export function threadEntries(_spec: CostProfileSpec): Record<string, Sourced> {
  const value = Math.round(TTWU_INSNS / IPC) + 2 * LOCKED;
  return {
    try_to_wake_up: {
      value,
      source:
        `est.: ~${TTWU_INSNS} instructions to wake one futex waiter (wake_futex: __unqueue_futex, get_task_struct, ` +
        `wake_up_state -> try_to_wake_up: select_task_rq, ttwu_queue -> ttwu_do_activate -> activate_task -> ` +
        `enqueue_task_fair with update_curr and the rbtree insert, check_preempt_curr; Linux 3.1 kernel/futex.c, ` +
        `kernel/sched.c, kernel/sched_fair.c) / IPC ${IPC} (Arora 2022, docs/sources.md#entry-figures) = ` +
        `${Math.round(TTWU_INSNS / IPC)}, + 2 atomics (p->pi_lock, the rq lock) at ${LOCKED} (est., L1-resident line) ` +
        `= ${value}. Charged to the waker per task woken; the wakee's switch-in is natives.context_switch`,
    },
  };
}

/** `spec` with the thread entries added (for the built-in profiles). */
export function withThreadEntries(spec: CostProfileSpec): CostProfileSpec {
  return { ...spec, natives: { ...spec.natives, ...threadEntries(spec) } };
}
