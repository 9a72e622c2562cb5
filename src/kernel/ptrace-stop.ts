// The price of one ptrace stop of a host-modelled tracer (Task.tracer: the `ptrace` and `ptrace-log` designs, and
// SECCOMP_RET_TRACE with a host tracer). The stop itself is not executed as guest code, so its switches are charged
// here: tracehook_report_syscall (the tracee's kernel work, both wake-ups and two switches' kernel work) and, for each
// of the two switches between the tracee's and the tracer's address spaces, the cache/TLB refill and the FPU state
// switch. A guest tracer (a traced task whose tracer is another guest task) is charged ptrace_stop instead and pays
// its switches where the scheduler really switches (src/kernel/sched.ts), so nothing is counted twice.
import type { KernelContext } from "./kernel-context.ts";

/** The two switches of one stop: to the tracer and back to the tracee. */
export const SWITCHES_PER_STOP = 2;

export function chargeHostTracerStop(k: KernelContext): void {
  k.charge("tracehook_report_syscall");
  k.charge("switch_refill", SWITCHES_PER_STOP);
  k.charge("switch_fpu", SWITCHES_PER_STOP);
}
