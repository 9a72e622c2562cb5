// Modelled body costs of replayed syscalls (syscall-lab replay): the kernel work of a call the replay backend
// does not perform, priced per syscall class. A class is either derived from a native of the active cost profile
// (so a `--profile FILE` flows through) or an estimate in the profile style: instructions of the Linux 3.1 code
// path / the measured kernel IPC 1.47, + 20 cycles per atomic. Kept out of the profile because a profile must
// price exactly PRICED_NAMES (docs/cost-profiles.md). Time a call spends blocked (wait4, read on an empty pipe,
// nanosleep) is not CPU time and is not priced; page faults are not modelled. docs/replay.md lists the table.
import type { CostProfile } from "./profile.ts";

const IPC =
  "/ kernel IPC 1.47 (sandybridge-2011's derivations: A. Arora (Oracle) 2022, docs/sources.md#entry-figures)";
const LOCKED = "20 per LOCK-prefixed read-modify-write (est., as sandybridge-2011)";

export const REPLAY_COST_CLASSES = [
  "getter",
  "time",
  "info",
  "fd",
  "io",
  "open",
  "path",
  "path_modify",
  "mmap",
  "munmap",
  "mprotect",
  "brk",
  "signal",
  "kill",
  "poll",
  "sleep",
  "wait",
  "yield",
  "fork",
  "exec",
  "exit",
  "other",
] as const;

export type ReplayCostClass = (typeof REPLAY_COST_CLASSES)[number];

/** A class priced as a native of the profile (`native`), or as a fixed estimate (`value`). */
export type ReplayClassCost = { native: string; source: string } | { value: number; source: string };

export const REPLAY_CLASS_COSTS: Readonly<Record<ReplayCostClass, ReplayClassCost>> = {
  getter: {
    native: "sys_getpid",
    source: "= natives.sys_getpid: a read of a task or cred field through a short call chain",
  },
  time: {
    native: "sys_clock_gettime",
    source:
      "= natives.sys_clock_gettime: a clocksource read and a small copy_to_user (a traced call is not a vDSO call)",
  },
  info: {
    native: "sys_newuname",
    source:
      "= natives.sys_newuname: a small struct copied between kernel and user under a lock or a field update " +
      "(prlimit64, set_robust_list, rseq, arch_prctl, sysinfo, getrandom of a few bytes)",
  },
  fd: {
    native: "sys_close",
    source:
      "= natives.sys_close: fget/fdtable work on one descriptor (close, dup*, fcntl, lseek, fstat, ioctl, fsync)",
  },
  io: {
    native: "sys_read",
    source:
      "= natives.sys_read: vfs_read/vfs_write around the copy; the bytes transferred (the call's non-negative " +
      "result) are charged on top at natives.copy_user_per_byte",
  },
  open: {
    native: "sys_openat",
    source:
      "= natives.sys_openat: a path walk and a new struct file and descriptor (open*, creat, pipe*, socket, " +
      "eventfd2, epoll_create1, memfd_create); the path bytes are charged at natives.copy_user_per_byte",
  },
  path: {
    native: "sys_chdir",
    source:
      "= natives.sys_chdir: an RCU-walk lookup of a short path with a permission check and no new file " +
      "(stat family, access, readlink, statfs, getcwd, chmod); the path bytes are charged at natives.copy_user_per_byte",
  },
  path_modify: {
    native: "sys_rmdir",
    source:
      "= natives.sys_rmdir: a parent lookup and a dentry change under i_mutex (unlink, rename, mkdir, link, " +
      "symlink); the path bytes are charged at natives.copy_user_per_byte",
  },
  mmap: {
    value: 760,
    source: `est.: ~1,000 instructions (do_mmap_pgoff: get_unmapped_area, vma_merge or kmem_cache_alloc of a vma, vma_link, mmap_sem down/up; Linux 3.1 mm/mmap.c) ${IPC} = 680, + 4 atomics at ${LOCKED}; pages are faulted in later, and faults are not modelled`,
  },
  munmap: {
    value: 900,
    source: `est.: ~1,200 instructions (do_munmap: find_vma, split of a partial vma, unmap_region with zap_page_range and the TLB flush, free_pgtables, remove_vma; Linux 3.1 mm/mmap.c, mm/memory.c) ${IPC} = 816, + 4 atomics at ${LOCKED}`,
  },
  mprotect: {
    value: 520,
    source: `est.: ~700 instructions (mprotect_fixup with a vma split or merge and change_protection over a few PTEs; Linux 3.1 mm/mprotect.c; madvise, msync, mlock priced the same) ${IPC} = 476, + 2 atomics at ${LOCKED}`,
  },
  brk: { native: "sys_brk", source: "= natives.sys_brk" },
  signal: {
    value: 83,
    source: `est.: ~70 instructions (do_sigaction / sigprocmask under siglock, a sigaction or sigset copy; rt_sigreturn's restore_sigcontext priced the same; Linux 3.1 kernel/signal.c) ${IPC} = 48, + siglock at ${LOCKED}, + the REP startup of the copy 15 (see natives.copy_user_per_byte)`,
  },
  kill: {
    value: 352,
    source: `est.: ~400 instructions (find_task_by_vpid, check_kill_permission, send_signal with a sigqueue allocation, complete_signal and signal_wake_up; Linux 3.1 kernel/signal.c) ${IPC} = 272, + 4 atomics at ${LOCKED}`,
  },
  poll: {
    value: 244,
    source: `est.: ~300 instructions with a few descriptors (poll_initwait, fget and f_op->poll per fd, the result copy; epoll_wait, select priced the same; Linux 3.1 fs/select.c) ${IPC} = 204, + 2 atomics at ${LOCKED}; time asleep is not CPU time`,
  },
  sleep: {
    value: 210,
    source: `est.: ~250 instructions up to the sleep (futex: get_futex_key, the hash-bucket lock, queue_me; nanosleep's hrtimer set-up; rt_sigsuspend, pause; Linux 3.1 kernel/futex.c, kernel/hrtimer.c) ${IPC} = 170, + 2 atomics at ${LOCKED}; the replay does not block, so no schedule() or switch is charged`,
  },
  wait: {
    value: 800,
    source: `est.: ~1,000 instructions (do_wait: the child-list walk under tasklist_lock, wait_task_zombie with release_task of the reaped child; Linux 3.1 kernel/exit.c) ${IPC} = 680, + 6 atomics at ${LOCKED}; time asleep is not CPU time`,
  },
  yield: { native: "sys_sched_yield", source: "= natives.sys_sched_yield (no switch happens in the replay)" },
  fork: {
    value: 30200,
    source: `est.: ~40,000 instructions for copy_process of a small single-threaded process (dup_task_struct, copy_files, copy_sighand, dup_mm copying ~30 vmas and their page tables, wake_up_new_task; Linux 3.1 kernel/fork.c) ${IPC} = 27,200, + ~150 atomics at ${LOCKED} = 3,000; copy-on-write faults afterwards are not modelled. The process structure is not re-created: the replay returns the recorded child pid`,
  },
  exec: {
    value: 72000,
    source: `est.: ~100,000 instructions for execve of a dynamically linked binary (do_execve: bprm set-up and argument copy, search_binary_handler, load_elf_binary mapping the segments and the interpreter, flush_old_exec with exec_mmap tearing down the old mm, setup_arg_pages; Linux 3.1 fs/exec.c, fs/binfmt_elf.c) ${IPC} = 68,000, + ~200 atomics at ${LOCKED} = 4,000`,
  },
  exit: {
    native: "sys_exit_group",
    source:
      "= natives.sys_exit_group: the replayed exit/exit_group returns its recorded value and the process goes on; " +
      "the teardown (natives.do_exit) is paid once, by the exit that really ends the replayed task",
  },
  other: {
    value: 204,
    source: `est.: an unclassified call priced as ~300 instructions (a copy-light call with one lookup and no path walk) ${IPC}`,
  },
};

/** The per-byte price of copies: the profile's natives.copy_user_per_byte. */
export const REPLAY_PER_BYTE_NATIVE = "copy_user_per_byte";

const CLASS_MEMBERS: Readonly<Record<Exclude<ReplayCostClass, "other">, readonly string[]>> = {
  getter: [
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getpgrp",
    "getpgid",
    "getsid",
    "getresuid",
    "getresgid",
    "getgroups",
    "umask",
    "set_tid_address",
    "getcpu",
    "personality",
    "getpriority",
    "sched_getscheduler",
  ],
  time: ["clock_gettime", "clock_getres", "gettimeofday", "time"],
  info: [
    "uname",
    "sysinfo",
    "getrlimit",
    "setrlimit",
    "prlimit64",
    "getrusage",
    "times",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "arch_prctl",
    "prctl",
    "capget",
    "getrandom",
    "sched_getaffinity",
    "sched_setaffinity",
  ],
  fd: [
    "close",
    "close_range",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "lseek",
    "fstat",
    "fstatfs",
    "ioctl",
    "fsync",
    "fdatasync",
    "flock",
    "fadvise64",
    "fchdir",
    "fchmod",
    "fchown",
    "ftruncate",
    "epoll_ctl",
    "shutdown",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
  ],
  io: [
    "read",
    "write",
    "pread64",
    "pwrite64",
    "readv",
    "writev",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "getdents",
    "getdents64",
    "recvfrom",
    "sendto",
    "recvmsg",
    "sendmsg",
    "sendfile",
    "splice",
    "tee",
    "copy_file_range",
  ],
  open: [
    "open",
    "openat",
    "openat2",
    "creat",
    "pipe",
    "pipe2",
    "socket",
    "socketpair",
    "eventfd",
    "eventfd2",
    "epoll_create",
    "epoll_create1",
    "memfd_create",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "inotify_init",
    "inotify_init1",
    "accept",
    "accept4",
    "connect",
    "bind",
    "listen",
  ],
  path: [
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "statfs",
    "getcwd",
    "chdir",
    "chroot",
    "chmod",
    "fchmodat",
    "chown",
    "lchown",
    "fchownat",
    "utimensat",
    "truncate",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
  ],
  path_modify: [
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "mknod",
    "mknodat",
  ],
  mmap: ["mmap", "mremap"],
  munmap: ["munmap"],
  mprotect: ["mprotect", "madvise", "msync", "mlock", "munlock", "mincore", "pkey_mprotect"],
  brk: ["brk"],
  signal: ["rt_sigaction", "rt_sigprocmask", "sigaltstack", "rt_sigpending", "rt_sigreturn"],
  kill: ["kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"],
  poll: ["poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2"],
  sleep: [
    "futex",
    "nanosleep",
    "clock_nanosleep",
    "pause",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "alarm",
    "setitimer",
    "getitimer",
  ],
  wait: ["wait4", "waitid"],
  yield: ["sched_yield"],
  fork: ["clone", "clone3", "fork", "vfork"],
  exec: ["execve", "execveat"],
  exit: ["exit", "exit_group"],
};

const CLASS_OF = new Map<string, ReplayCostClass>(
  Object.entries(CLASS_MEMBERS).flatMap(([cls, names]) => names.map((n) => [n, cls as ReplayCostClass])),
);

/** The class of a syscall name as strace prints it; `other` when unclassified. */
export function replayCostClass(name: string): ReplayCostClass {
  return CLASS_OF.get(name) ?? "other";
}

/** Cycles per class and per copied byte, resolved against one cost profile. */
export interface ReplayCosts {
  readonly profile: string;
  readonly perClass: Readonly<Record<ReplayCostClass, number>>;
  readonly perByte: number;
}

export function replayCosts(profile: CostProfile): ReplayCosts {
  const native = (n: string): number => {
    const v = profile.natives[n];
    if (v === undefined) throw new Error(`replay costs: profile ${profile.name} has no native '${n}'`);
    return v;
  };
  const perClass = Object.fromEntries(
    REPLAY_COST_CLASSES.map((c) => {
      const e = REPLAY_CLASS_COSTS[c];
      return [c, "native" in e ? native(e.native) : e.value];
    }),
  ) as Record<ReplayCostClass, number>;
  return { profile: profile.name, perClass, perByte: native(REPLAY_PER_BYTE_NATIVE) };
}

/** Classes whose bytes are the call's result (bytes transferred) and classes whose bytes are a path argument. */
export const BYTES_FROM_RESULT: ReadonlySet<ReplayCostClass> = new Set(["io"]);
export const BYTES_FROM_PATH: ReadonlySet<ReplayCostClass> = new Set(["open", "path", "path_modify", "exec"]);

/** Cycles of one replayed call's body: its class plus copied bytes, rounded as the kernel rounds charges. */
export function replayCallCost(costs: ReplayCosts, cls: ReplayCostClass, bytes: number): number {
  return Math.round(costs.perClass[cls] + Math.max(0, bytes) * costs.perByte);
}
