// Modelled cost (cycles) of each kernel native: the C code of Linux that runs here as TypeScript. The values in
// DEFAULT_NATIVE_COSTS are unit placeholders; src/measure supplies the sourced
// profile under the same names. Work-dependent parts are charged per unit on top (names ending in `_per_*`).

export type NativeCosts = Readonly<Record<string, number>>;

/** Natives bound at kernel text addresses (each has a label of the same name in the kernel text). */
export const NATIVE_NAMES = [
  "sys_ni_syscall",
  "syscall_trace_enter",
  "syscall_trace_leave",
  "audit_syscall_entry",
  "audit_syscall_exit",
  "schedule",
  "schedule_tail",
  "do_notify_resume",
  "sys_read",
  "sys_write",
  "sys_open",
  "sys_openat",
  "sys_mkdir",
  "sys_rmdir",
  "sys_close",
  "sys_dup",
  "sys_getcwd",
  "sys_chdir",
  "sys_umask",
  "sys_getpid",
  "sys_getppid",
  "sys_gettid",
  "sys_getuid",
  "sys_geteuid",
  "sys_getgid",
  "sys_getegid",
  "sys_setuid",
  "sys_newuname",
  "sys_brk",
  "sys_clock_gettime",
  "sys_sched_yield",
  "sys_prctl",
  "sys_exit",
  "sys_exit_group",
  "sys_mmap",
  "sys_munmap",
  "sys_mprotect",
  "sys_mremap",
  "sys_arch_prctl",
  "sys_set_tid_address",
  "sys_set_robust_list",
  "sys_futex",
  "sys_prlimit64",
  "sys_gettimeofday",
  "sys_time",
  "sys_nanosleep",
  "sys_rt_sigaction",
  "sys_rt_sigprocmask",
  "sys_rt_sigreturn",
  "sys_kill",
  "sys_tkill",
  "sys_tgkill",
  "sys_readv",
  "sys_writev",
  "sys_pread64",
  "sys_lseek",
  "sys_newfstat",
  "sys_newstat",
  "sys_newlstat",
  "sys_newfstatat",
  "sys_ioctl",
  "sys_fcntl",
  "sys_dup2",
  "sys_dup3",
  "sys_pipe",
  "sys_pipe2",
  "sys_unlink",
  "sys_rename",
  "sys_readlink",
  "sys_fork",
  "sys_vfork",
  "sys_clone",
  "sys_wait4",
  "sys_execve",
  "sys_ptrace",
  "sys_seccomp",
  // the guest root and dynamic linking (appended last, so no earlier native moves)
  "sys_access",
  "sys_faccessat",
  "sys_faccessat2",
  "sys_getdents64",
  "sys_readlinkat",
  "sys_getrandom",
  "sys_sched_getaffinity",
  "sys_sysinfo",
  "sys_getxattr",
  "sys_lgetxattr",
  "sys_fgetxattr",
  "sys_statx",
  // files for applications that keep a database (issue 14; appended last, so no earlier native moves)
  "sys_pwrite64",
  "sys_fsync",
  "sys_fdatasync",
  "sys_truncate",
  "sys_ftruncate",
  "sys_fchown",
  "sys_msync",
] as const;

export type NativeName = (typeof NATIVE_NAMES)[number];

/** Costs charged with cpu.charge() from inside natives, per unit of work. */
export const WORK_COST_NAMES = [
  "copy_user_per_byte", // copy_from_user / copy_to_user, per byte
  "do_exit", // tearing down a task (on top of sys_exit / a fatal signal)
  "secure_computing", // __secure_computing's own work (strict list scan; filter mode's dispatch on the action)
  "seccomp_data_populate", // filter mode: struct seccomp_data built from pt_regs, once per checked call
  "seccomp_cache_check", // filter mode, 5.11 cache: the constant-allow bitmap test, once per checked call
  "seccomp_filter_run", // filter mode: per filter run (the loop step, the call into the program, its prologue)
  "seccomp_bpf_insn", // filter mode: per classic BPF instruction executed
  "tracehook_report_syscall", // one ptrace stop, the tracee's side (the tracer's time: ptrace_tracer_per_stop)
  "ptrace_tracer_per_stop", // a user-space supervisor's own work per stop (charged by the `ptrace` design)
  "trace_sys_enter", // a syscall tracepoint hit (enter or exit)
  "audit_rule_check", // one audit rule evaluated by audit_filter_syscall (entry or exit list), only when rules exist
  "audit_log_exit", // one audit record emitted (audit_log_exit: the SYSCALL record formatted and queued)
  "context_switch", // switch_mm + __switch_to work inside schedule when it switches
  // ptrace stop and switch mechanisms (issue 10; values in src/measure/profiles/ptrace-stop.ts)
  "ptrace_stop", // one ptrace stop of a guest tracer, the tracee's side without the switches (the scheduler charges those)
  "switch_refill", // after a switch between address spaces: switch_mm's effects, the refill of caches and TLB
  "switch_fpu", // after a switch between user tasks: the FPU/SIMD state save and restore (eager FPU, 4.x+)
  "ptrace_log_per_stop", // a strace-like logger's work per stop beyond a supervisor's (its extra wait4, the line, its write)
  // threads (issue 14)
  "try_to_wake_up", // a futex wake of one sleeping task (wake_futex → wake_up_state), charged to the waker
  "dup_mmap", // clone without CLONE_VM: the copy of the mm (natives.sys_clone prices a thread's clone)
  // record locks (issue 14)
  "posix_lock_file", // one fcntl F_GETLK/F_SETLK/F_SETLKW (and OFD) request on top of sys_fcntl: the flock copy and the inode's lock list
] as const;

/** Placeholders (1 cycle per call, copies free) until a sourced profile is passed as BootOptions.natives. */
export const DEFAULT_NATIVE_COSTS: NativeCosts = Object.fromEntries([
  ...NATIVE_NAMES.map((n) => [n, 1]),
  ...WORK_COST_NAMES.map((n) => [n, n === "copy_user_per_byte" ? 0 : 1]),
]);

/** Cost of `name` in `costs`, falling back to the default; an unknown name is a host error. */
export function nativeCost(costs: NativeCosts, name: string): number {
  const c = costs[name] ?? DEFAULT_NATIVE_COSTS[name];
  if (c === undefined) throw new Error(`no native cost for '${name}'`);
  return c;
}
