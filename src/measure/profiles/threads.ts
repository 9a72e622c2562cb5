// The cost entries threads (issue 14) add to every built-in profile, kept apart from the profile files as
// ptrace-stop.ts does: the work of waking one task that sleeps in a futex wait, and clone split into the part
// every clone does (natives.sys_clone, now a thread's price) and dup_mmap, charged only when the child gets its
// own copy of the mm — so clone of a process costs exactly the profile's former sys_clone.
import type { CostProfileSpec, Sourced } from "../profile.ts";

/** Arora 2022's kernel IPC (docs/sources.md#entry-figures): getpid loop 283 cycles / 417 instructions. */
const IPC = 1.47;
/** est. per LOCK-prefixed read-modify-write on an L1-resident line (the built-in profiles' figure) */
const LOCKED = 20;
/** est. instructions of wake_futex + try_to_wake_up for a task of the local run queue */
const TTWU_INSNS = 280;

/** est. instructions of copy_process for a thread (CLONE_VM|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD) */
const THREAD_CLONE_INSNS = 6000;
/** est. atomics in it (refcounts of the shared mm, files, fs, sighand, signal, creds; pid and task-list locks) */
const THREAD_CLONE_ATOMICS = 30;

/** The additions for a built-in profile. */
export function threadEntries(spec: CostProfileSpec): Record<string, Sourced> {
  const value = Math.round(TTWU_INSNS / IPC) + 2 * LOCKED;
  const clone = Math.round(THREAD_CLONE_INSNS / IPC) + THREAD_CLONE_ATOMICS * LOCKED;
  const former = spec.natives.sys_clone!.value;
  return {
    sys_clone: {
      value: clone,
      source:
        `est.: ~${THREAD_CLONE_INSNS} instructions of clone for a thread (copy_process: dup_task_struct with the ` +
        `kernel stack and the task_struct copy, copy_creds, sched_fork, copy_files/copy_fs/copy_sighand/` +
        `copy_signal/copy_mm taking references on the shared structures, copy_thread, alloc_pid, attach_pid, ` +
        `wake_up_new_task; Linux 3.1 kernel/fork.c) / IPC ${IPC} = ${Math.round(THREAD_CLONE_INSNS / IPC)}, + ` +
        `${THREAD_CLONE_ATOMICS} atomics at ${LOCKED} = ${clone}. A clone that copies the mm adds natives.dup_mmap`,
    },
    dup_mmap: {
      value: former - clone,
      source:
        `derived: the profile's clone of a process (${former}: ${spec.natives.sys_clone!.source}) minus ` +
        `natives.sys_clone ${clone} = ${former - clone}; charged by clone when the child does not share the mm, so ` +
        `that clone costs ${former} as before`,
    },
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
