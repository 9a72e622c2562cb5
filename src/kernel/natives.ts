// The natives of the kernel text: name → implementation. Syscall bodies are bound in sys_call_table by syscall
// name (SYSCALL_IMPLS); every other table entry points at sys_ni_syscall.
import { native_audit_syscall_entry, native_audit_syscall_exit } from "./audit.ts";
import { ENOSYS } from "./errno.ts";
import type { KernelContext, NativeFn } from "./kernel-context.ts";
import type { NativeName } from "./native-costs.ts";
import { native_syscall_trace_enter, native_syscall_trace_leave } from "./ptrace.ts";
import type { SyscallName } from "./syscall-names-x86_64-3.1.ts";
import { sys_getegid, sys_geteuid, sys_getgid, sys_getuid, sys_setuid } from "./syscalls/cred.ts";
import { sys_exit, sys_exit_group } from "./syscalls/exit.ts";
import {
  sys_chdir,
  sys_close,
  sys_dup,
  sys_getcwd,
  sys_mkdir,
  sys_open,
  sys_openat,
  sys_read,
  sys_rmdir,
  sys_umask,
  sys_write,
} from "./syscalls/fs.ts";
import { sys_clock_gettime, sys_getpid, sys_getppid, sys_gettid, sys_newuname } from "./syscalls/info.ts";
import { sys_brk } from "./syscalls/mm.ts";
import { sys_prctl } from "./syscalls/prctl.ts";
import {
  _TIF_MCE_NOTIFY,
  _TIF_NOTIFY_RESUME,
  _TIF_USER_RETURN_NOTIFY,
  TIF_MCE_NOTIFY,
  TIF_NOTIFY_RESUME,
  TIF_SIGPENDING,
  TIF_USER_RETURN_NOTIFY,
} from "./tif.ts";

/** long sched_yield(void): schedule() now; 0 when the task runs again. */
function sys_sched_yield(k: KernelContext): number | undefined {
  return k.scheduleFromNative(0) ? undefined : 0;
}

/**
 * do_notify_resume(regs, oldset): deliver a pending signal (every signal here has the default action: terminate)
 * and clear the notify bits, so int_signal's loop ends.
 */
function do_notify_resume(k: KernelContext): undefined {
  const t = k.current();
  if (t.tif.test(TIF_SIGPENDING)) {
    t.tif.clear(TIF_SIGPENDING);
    const sig = t.pendingSignals.shift();
    if (t.pendingSignals.length > 0) t.tif.set(TIF_SIGPENDING);
    if (sig !== undefined) {
      k.doExit(0, sig);
      return undefined;
    }
  }
  const notify = _TIF_NOTIFY_RESUME | _TIF_USER_RETURN_NOTIFY | _TIF_MCE_NOTIFY;
  if (t.tif.get() & notify) {
    t.tif.clear(TIF_NOTIFY_RESUME);
    t.tif.clear(TIF_USER_RETURN_NOTIFY);
    t.tif.clear(TIF_MCE_NOTIFY);
  }
  return undefined;
}

export const NATIVES: Readonly<Record<NativeName, NativeFn>> = {
  sys_ni_syscall: () => -ENOSYS,
  syscall_trace_enter: native_syscall_trace_enter,
  syscall_trace_leave: native_syscall_trace_leave,
  audit_syscall_entry: native_audit_syscall_entry,
  audit_syscall_exit: native_audit_syscall_exit,
  schedule: (k) => {
    k.scheduleFromNative(0);
    return undefined;
  },
  // finish_task_switch(): nothing left to finish in this model
  schedule_tail: () => undefined,
  do_notify_resume,
  sys_read,
  sys_write,
  sys_open,
  sys_openat,
  sys_mkdir,
  sys_rmdir,
  sys_close,
  sys_dup,
  sys_getcwd,
  sys_chdir,
  sys_umask,
  sys_getpid,
  sys_getppid,
  sys_gettid,
  sys_getuid,
  sys_geteuid,
  sys_getgid,
  sys_getegid,
  sys_setuid,
  sys_newuname,
  sys_brk,
  sys_clock_gettime,
  sys_sched_yield,
  sys_prctl,
  sys_exit,
  sys_exit_group,
};

/** sys_call_table entries with a body: syscall name → native. */
export const SYSCALL_IMPLS: Partial<Record<SyscallName, NativeName>> = {
  read: "sys_read",
  write: "sys_write",
  open: "sys_open",
  openat: "sys_openat",
  mkdir: "sys_mkdir",
  rmdir: "sys_rmdir",
  close: "sys_close",
  dup: "sys_dup",
  getcwd: "sys_getcwd",
  chdir: "sys_chdir",
  umask: "sys_umask",
  getpid: "sys_getpid",
  getppid: "sys_getppid",
  gettid: "sys_gettid",
  getuid: "sys_getuid",
  geteuid: "sys_geteuid",
  getgid: "sys_getgid",
  getegid: "sys_getegid",
  setuid: "sys_setuid",
  uname: "sys_newuname",
  brk: "sys_brk",
  clock_gettime: "sys_clock_gettime",
  sched_yield: "sys_sched_yield",
  prctl: "sys_prctl",
  exit: "sys_exit",
  exit_group: "sys_exit_group",
};
