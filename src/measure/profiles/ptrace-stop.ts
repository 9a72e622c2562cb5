// What a ptrace stop and a switch between tasks cost beyond the kernel instructions (issue 10, item 3): the cost
// entries ptrace_stop, switch_refill, switch_fpu and ptrace_log_per_stop of the built-in profiles, kept apart from the profile files so
// the per-instruction and per-native tables stay as they are. Each value restates its source or derivation here.
//
// The path of one stop on a real kernel: the tracee's ptrace_stop() queues SIGCHLD and wakes the tracer with a
// synchronous wake-up (kernel/exit.c __wake_up_parent -> __wake_up_sync_key), so wake_affine runs the tracer on the
// tracee's own CPU, which is about to become free: no IPI and no idle exit on the critical path. The tracee
// switches to the tracer (schedule + context_switch + the tracer's refill); the tracer's wait4 returns, it reads
// the registers and resumes the tracee with PTRACE_SYSCALL (ptrace_resume -> wake_up_state), then sleeps in wait4:
// a second switch, back to the tracee, with the tracee's refill. On this project's 2-CPU host a stop cost about as
// much pinned to one CPU (taskset -c 0) as unpinned (docs/cost-profiles.md, "ptrace stop"), which supports the
// one-CPU path. The remote variant (the tracer on another, idle CPU) would add the idle-state exit
// latency of the target, e.g. intel_idle's Skylake-SP table (drivers/idle/intel_idle.c skx_cstates: C1 exit
// latency 2 µs, C1E 10 µs, C6 133 µs); with MWAIT idle the waker only sets TIF_NEED_RESCHED on a polling CPU
// (kernel/sched/core.c set_nr_if_polling), with HLT idle it sends a reschedule IPI. Not charged: see the docs.
import type { CostProfileSpec, Sourced } from "../profile.ts";

/** One published measurement the switch refill is derived from. */
const PIPE_PROCESS_VS_THREAD =
  "published pipe ping-pong, Linux 6.6 on an Intel Core i7 11th generation (ddumbying.vercel.app/experiments/" +
  "ctx-switch-overhead): 4,820 ns per round trip between two processes, 2,140 ns between two threads of one " +
  "process, 100,000 iterations. The processes differ from the threads only in the address space, so " +
  "(4,820 - 2,140) / 2 = 1,340 ns per switch is switch_mm and the cache/TLB refill it causes. A secondary source " +
  "(a personal measurement page, one machine); a pipe ping-pong is a primitive, not one of the validation set-ups";

/** Bytes of strace's log line written per stop ("getppid()" padded to column 40, " = 1234\n"; 48 per call). */
const LINE_BYTES_PER_STOP = 24;

const IPC = 1.47;

/** strace's work per stop, counted on this project's host (a count of calls, no timing). */
const STRACE_COUNTS =
  "counted on this project's host (strace 6.1, Linux 6.18) for `strace -f -o /dev/null` over a getppid loop, " +
  "with an LD_PRELOAD shim (calibrate/strace-counts) counting strace's own wait4 and ptrace calls and /proc/self/io's " +
  "syscw at its exit: " +
  "per stop 2 wait4 (one of them returns no stop: there is one stop per PTRACE_SYSCALL), 1 " +
  "PTRACE_GET_SYSCALL_INFO, 1 PTRACE_SYSCALL and 1 write of the log (syscw; strace fflush()es its output, e.g. " +
  "in line_ended(), strace src/strace.c), 48 bytes written per call; so a second wait4 " +
  "and a write per stop beyond a supervisor";

/** strace 6.1's own user-space instructions per stop (decoding, formatting, stdio), counted (see below). */
const STRACE_USER_INSNS_PER_STOP = 2272;
const STRACE_USER_COUNT =
  "counted on this project's host with valgrind --tool=callgrind on `strace -f -o /dev/null` over the probe's getppid " +
  "loop (strace 6.1, glibc 2.36): 6,924,519 instructions under `probe null 1100 1` minus 1,926,507 under `probe " +
  "null 100 1`, over the 2,200 extra stops (PTRACE_SYSCALL calls) the shim counted between the two = 2,272; most of " +
  "it is vfprintf, stdio's xsputn and strace's decoders (calibrate/strace-counts/count.sh; its output is " +
  "test/fixtures/real-kernel/strace-counts.txt)";

/** The entries for a profile whose context_switch already contains one CR3 write of `movCr3` cycles. */
function entries(p: {
  clockHz: number;
  clockName: string;
  tracehook: number;
  contextSwitch: number;
  movCr3: number;
  fpu: Sourced;
  roundTrip: number;
  sysWrite: number;
  copyPerByte: number;
}): Record<"ptrace_stop" | "switch_refill" | "switch_fpu" | "ptrace_log_per_stop", Sourced> {
  const refill = Math.round(1340e-9 * p.clockHz) - p.movCr3;
  const wait = Math.round(250 / IPC);
  const format = Math.round(STRACE_USER_INSNS_PER_STOP / IPC);
  const bytes = LINE_BYTES_PER_STOP * p.copyPerByte;
  const log = 2 * p.roundTrip + wait + p.sysWrite + bytes + format;
  return {
    ptrace_log_per_stop: {
      value: log,
      source:
        `derived: what strace 6.1 does at each stop beyond a supervisor's wait4 + PTRACE_GET_SYSCALL_INFO (or ` +
        `GETREGS) + PTRACE_SYSCALL (natives.ptrace_tracer_per_stop): ${STRACE_COUNTS}. Priced as 2 syscall round ` +
        `trips of the tracer at ${p.roundTrip} cycles (as in ptrace_tracer_per_stop) + the second wait4's do_wait ` +
        `scan that finds no stop, est. ~250 instructions (kernel/exit.c do_wait, wait_consider_task) / IPC 1.47 = ` +
        `${wait} + natives.sys_write ${p.sysWrite} + ${LINE_BYTES_PER_STOP} bytes at copy_user_per_byte ` +
        `${p.copyPerByte} = ${bytes} + strace's own user-space work, ${STRACE_USER_INSNS_PER_STOP} instructions per ` +
        `stop (${STRACE_USER_COUNT}) / IPC 1.47 = ${format}: ${log}. The do_wait count is an estimate; the IPC is ` +
        `Arora 2022's kernel IPC (docs/sources.md#entry-figures), taken for strace's user code too`,
    },
    ptrace_stop: {
      value: p.tracehook - 2 * p.contextSwitch,
      source:
        `derived: natives.tracehook_report_syscall ${p.tracehook} (the tracee's side of a stop: ptrace_stop, SIGCHLD, ` +
        `both wake-ups with try_to_wake_up's run-queue work, two schedule() pick-next parts, two switches) minus its ` +
        `two natives.context_switch ${p.contextSwitch}: a guest tracer's switches are real switches, which the ` +
        `scheduler charges (context_switch, switch_fpu, switch_refill) where they happen`,
    },
    switch_refill: {
      value: refill,
      source:
        `derived: 1,340 ns per switch between address spaces at ${p.clockName} = ${refill + p.movCr3} cycles, ` +
        `minus the CR3 write classes.mov_cr3 ${p.movCr3} already in natives.context_switch = ${refill}. From: ` +
        PIPE_PROCESS_VS_THREAD +
        `. Charged once per switch that changes CR3 (the scheduler; two per stop of a modelled tracer)`,
    },
    switch_fpu: p.fpu,
  };
}

/** The additions for a built-in profile (sandybridge-2011: Linux 3.1; the others: a 5.x/6.x kernel). */
export function ptraceStopEntries(spec: CostProfileSpec): Record<string, Sourced> {
  const n = spec.natives;
  const base = {
    clockHz: spec.clockHz.value,
    clockName: `clockHz ${spec.clockHz.value / 1e9} GHz`,
    tracehook: n.tracehook_report_syscall!.value,
    contextSwitch: n.context_switch!.value,
    // the tracer's syscall round trip inside ptrace_tracer_per_stop (sandybridge-2011's null 194 - getppid 26)
    roundTrip: 168,
    sysWrite: n.sys_write!.value,
    copyPerByte: n.copy_user_per_byte!.value,
  };
  if (spec.name === "sandybridge-2011") {
    return entries({
      ...base,
      movCr3: spec.classes.mov_cr3.value,
      fpu: {
        value: 0,
        source:
          "Linux 3.1 switches the FPU lazily (arch/x86/kernel/process_64.c __switch_to -> __unlazy_fpu saves only " +
          "when TS_USEDFPU is set; the next task's state is restored by the #NM trap when it touches the FPU): the " +
          "syscall loops and tracers modelled here do not, so nothing is charged",
      },
    });
  }
  return entries({
    ...base,
    movCr3: spec.classes.mov_cr3.value,
    fpu: {
      value: 300,
      source:
        "est.: since 4.x the FPU is switched eagerly (arch/x86/kernel/fpu: switch_fpu_prepare's XSAVES on the way " +
        "out, XRSTORS before the return to user, Linux 5.x/6.x arch/x86/include/asm/fpu/sched.h); the Skylake-SP " +
        "XSAVE area with AVX-512 is 2,696 bytes (CPUID leaf 0xD), 42 cache lines written and read; ~150 cycles " +
        "each way (L1 bandwidth plus the microcoded init/modified tracking) is an engineering estimate, not a " +
        "measured figure",
    },
  });
}

/** `spec` with the ptrace stop entries added (for the built-in profiles). */
export function withPtraceStopEntries(spec: CostProfileSpec): CostProfileSpec {
  return { ...spec, natives: { ...spec.natives, ...ptraceStopEntries(spec) } };
}
