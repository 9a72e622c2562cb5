// seccomp filter mode (SECCOMP_MODE_FILTER, merged in Linux 3.5) on the 3.1 kernel: installing a filter with
// prctl(PR_SET_SECCOMP, 2, &fprog), the check syscall_trace_enter runs, and fork inheritance. The filters
// themselves are the 6.x model of src/kernel/seccomp/ (checker, actions, the 5.11 constant-allow cache); the
// TRACE action keeps 3.5's semantics (no re-check of the filters after the tracer).
import type { Cpu } from "../cpu/cpu.ts";
import { RAX, RDI, RDX, RSI, RSP } from "../cpu/registers.ts";
import { EACCES, EFAULT, EINVAL, ENOSYS } from "./errno.ts";
import type { KernelContext } from "./kernel-context.ts";
import * as P from "./pt-regs.ts";
import { chargeHostTracerStop } from "./ptrace-stop.ts";
import { appendRecord } from "./record-log.ts";
import { errnoOf, resolveAction } from "./seccomp/actions.ts";
import type { CacheGeometry } from "./seccomp/cache.ts";
import { seccompCacheCheckAllow } from "./seccomp/cache.ts";
import { seccompPrepareFilter } from "./seccomp/checker.ts";
import { attachPrepared, type SeccompFilterNode, seccompRunFilters } from "./seccomp/filter-chain.ts";
import { SECCOMP_SD_RESERVE, type SeccompJit } from "./seccomp/jit-image.ts";
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  SECCOMP_DATA_SIZE,
  SECCOMP_DATA_WORDS,
} from "./seccomp/seccomp-data.ts";
import { BPF_MAXINSNS, SOCK_FILTER_SIZE, type SockFilter } from "./seccomp/sock-filter.ts";
import { ptraceSeccompEvent } from "./syscalls/ptrace.ts";
import { forceSigSeccomp } from "./syscalls/signal.ts";
import type { Task, TracerStop } from "./task.ts";
import { TI_status, TS_COMPAT } from "./thread-info.ts";
import { TIF_SECCOMP } from "./tif.ts";
import { copyFromUser } from "./uaccess.ts";

export const SECCOMP_MODE_FILTER = 2;
/** SIGSYS on x86 */
export const SIGSYS = 31;
/** si_code of a SIGSYS sent by SECCOMP_RET_TRAP */
export const SYS_SECCOMP = 1;
/** struct sock_fprog on x86_64: u16 len, 6 bytes of padding, struct sock_filter *filter */
export const SOCK_FPROG_SIZE = 16;

/** The cache bitmaps sized for this kernel's tables: NR_syscalls 310 (x86_64) and IA32_NR_syscalls 347. */
export const CACHE_GEOMETRY_3_1: CacheGeometry = { nativeNr: 310, compatNr: 347 };

/**
 * seccomp_attach_user_filter(): copy the sock_fprog and its program from user memory, check, attach to the
 * current task's chain. 0 or -errno; on error the chain is unchanged. Order as in 6.x seccomp_prepare_filter:
 * EFAULT (fprog), EINVAL (length), EACCES (neither no_new_privs nor CAP_SYS_ADMIN, which euid 0 has here),
 * EFAULT (program), EINVAL (checker), ENOMEM (path length, at attach). `log`: SECCOMP_FILTER_FLAG_LOG.
 */
export function seccompAttachUserFilter(k: KernelContext, fprogAddr: number, log = false): number {
  const t = k.current();
  const hdr = copyFromUser(t.space, fprogAddr, SOCK_FPROG_SIZE);
  if (hdr === null) return -EFAULT;
  k.charge("copy_user_per_byte", SOCK_FPROG_SIZE);
  const hv = new DataView(hdr.buffer, hdr.byteOffset, hdr.byteLength);
  const len = hv.getUint16(0, true);
  const ptr = hv.getBigUint64(8, true);
  if (len === 0 || len > BPF_MAXINSNS) return -EINVAL;
  if (!t.noNewPrivs && t.creds.euid !== 0) return -EACCES;
  const bytes = ptr > BigInt(Number.MAX_SAFE_INTEGER) ? null : copyFromUser(t.space, Number(ptr), len * 8);
  if (bytes === null) return -EFAULT;
  k.charge("copy_user_per_byte", len * SOCK_FILTER_SIZE);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prog: SockFilter[] = [];
  for (let i = 0; i < len; i++) {
    const o = i * SOCK_FILTER_SIZE;
    prog.push({
      code: v.getUint16(o, true),
      jt: v.getUint8(o + 2),
      jf: v.getUint8(o + 3),
      k: v.getUint32(o + 4, true),
    });
  }
  const prepared = seccompPrepareFilter(prog);
  if (!prepared.ok) return -prepared.errno;
  const attached = attachPrepared(t.seccompFilter, prepared.filter, CACHE_GEOMETRY_3_1, log);
  if (!attached.ok) return -attached.errno;
  t.seccompFilter = attached.head;
  return 0;
}

/** AUDIT_ARCH_I386 while an int $0x80 call is active (TS_COMPAT, syscall_get_arch), else AUDIT_ARCH_X86_64. */
function archOf(k: KernelContext, t: Task): number {
  return k.kspace.read32(t.threadInfo + TI_status) & TS_COMPAT ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

const X86_64_ARGS = [P.RDI, P.RSI, P.RDX, P.R10, P.R8, P.R9];
const IA32_ARGS = [P.RBX, P.RCX, P.RDX, P.RSI, P.RDI, P.RBP];

/**
 * populate_seccomp_data() from the pt_regs frame at `regs`: nr = (int) orig_ax, arch, instruction_pointer = the
 * user RIP of the frame, args from di, si, dx, r10, r8, r9 (ia32: bx, cx, dx, si, di, bp). 16 LE words.
 */
export function buildSeccompData(k: KernelContext, t: Task, regs: number): Uint32Array {
  const ks = k.kspace;
  const d = new Uint32Array(SECCOMP_DATA_WORDS);
  const arch = archOf(k, t);
  d[0] = ks.read32(regs + P.ORIG_RAX);
  d[1] = arch;
  d[2] = ks.read32(regs + P.RIP);
  d[3] = ks.read32(regs + P.RIP + 4);
  const slots = arch === AUDIT_ARCH_I386 ? IA32_ARGS : X86_64_ARGS;
  for (let i = 0; i < 6; i++) {
    d[4 + 2 * i] = ks.read32(regs + slots[i]!);
    d[5 + 2 * i] = ks.read32(regs + slots[i]! + 4);
  }
  return d;
}

const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

function setReturn(k: KernelContext, regs: number, value: number): void {
  k.kspace.write64(regs + P.RAX, BigInt.asUintN(64, BigInt(value)));
}

/**
 * The filter-mode half of __secure_computing(): run the task's filters over the call's seccomp_data (through
 * the 5.11 cache when the task's kernel has it on) and act. Returns 0 to run the call, -1 to skip it (its
 * return value is already in RAX of the frame), or null when the task was killed (control left it).
 *
 * With the BPF JIT (k.seccompJit) and a cache miss the filters run as machine code: seccomp_data goes on the
 * kernel stack, the CPU is sent to seccomp_run_filters with a return address into __seccomp_filter_done, and
 * this returns SECCOMP_DEFERRED; `resume` then finishes the caller's work with the 0 / -1 / null above.
 */
export function seccompFilterCheck(
  k: KernelContext,
  regs: number,
  resume?: (r: number | null) => number | undefined,
): number | null {
  const t = k.current();
  k.charge("seccomp_data_populate");
  const data = buildSeccompData(k, t, regs);
  if (t.seccompCache) k.charge("seccomp_cache_check");
  const jit = k.seccompJit;
  if (jit && resume && t.seccompFilter) {
    if (t.seccompCache && seccompCacheCheckAllow(t.seccompFilter.cache, data[0]! | 0, data[1]!)) return 0;
    callRunFilters(k, jit, t, regs, data, resume);
    return SECCOMP_DEFERRED;
  }
  const run = seccompRunFilters(t.seccompFilter, data, t.seccompCache);
  if (!run.cacheHit) {
    k.charge("seccomp_filter_run", run.filtersRun);
    k.charge("seccomp_bpf_insn", run.insns);
  }
  return seccompAct(k, t, regs, data, run.ret, run.match);
}

/** A check whose filters now run as guest code; the caller returns at once (its native ends without a RET). */
export const SECCOMP_DEFERRED = -0x5ecc;

interface PendingCheck {
  regs: number;
  data: Uint32Array;
  resume: (r: number | null) => number | undefined;
}

const pending = new WeakMap<Task, PendingCheck>();

/**
 * The call into seccomp_run_filters(sd, f): struct seccomp_data is written below the stack pointer, the return
 * address above it is __seccomp_filter_done, and the CPU continues at the routine (no RET ends this native).
 */
function callRunFilters(
  k: KernelContext,
  jit: SeccompJit,
  t: Task,
  regs: number,
  data: Uint32Array,
  resume: (r: number | null) => number | undefined,
): void {
  const cpu = k.cpu;
  const head = jit.filterAddr(t.seccompFilter!);
  const rsp = Number(BigInt.asIntN(64, cpu.getReg(RSP)));
  const sd = rsp - SECCOMP_SD_RESERVE;
  k.kspace.writeBytes(sd, new Uint8Array(data.buffer, data.byteOffset, SECCOMP_DATA_SIZE));
  k.kspace.write64(sd - 8, BigInt.asUintN(64, BigInt(jit.doneAddr)));
  cpu.setReg(RSP, BigInt.asUintN(64, BigInt(sd - 8)));
  cpu.setReg(RDI, BigInt.asUintN(64, BigInt(sd)));
  cpu.setReg(RSI, BigInt.asUintN(64, BigInt(head)));
  pending.set(t, { regs, data, resume });
  cpu.redirect(jit.runFiltersAddr);
}

/**
 * __seccomp_filter_done (native): seccomp_run_filters returned here with ret in eax and the matching struct
 * seccomp_filter in rdx. Drops seccomp_data off the stack, acts on the result as __seccomp_filter does, and
 * hands the outcome to the interrupted caller, whose return value this native returns.
 */
export function native_seccomp_filter_done(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const p = pending.get(t);
  if (p === undefined) throw new Error("__seccomp_filter_done: no seccomp check in progress");
  pending.delete(t);
  const ret = Number(cpu.getReg(RAX) & 0xffffffffn);
  const match = k.seccompJit!.nodeAt(Number(BigInt.asIntN(64, cpu.getReg(RDX))));
  const rsp = Number(BigInt.asIntN(64, cpu.getReg(RSP)));
  cpu.setReg(RSP, BigInt.asUintN(64, BigInt(rsp + SECCOMP_SD_RESERVE)));
  return p.resume(seccompAct(k, t, p.regs, p.data, ret, match));
}

/** The action part of __seccomp_filter for the winning value `ret` of filter `match`. */
function seccompAct(
  k: KernelContext,
  t: Task,
  regs: number,
  data: Uint32Array,
  ret: number,
  match: SeccompFilterNode | null,
): number | null {
  const act = resolveAction(ret);
  const nr = data[0]! | 0;
  const arch = data[1]!;
  const ip = u64(data[2]!, data[3]!);
  const log = (signal: number) => appendRecord(t.seccompLog, { nr, arch, ip, ret, signal }, t.droppedRecords);
  // seccomp_log at `skip:`: an ERRNO, TRAP, TRACE or USER_NOTIF result is logged only when the matching filter
  // was attached with SECCOMP_FILTER_FLAG_LOG; LOG and the kills always are (the default actions_logged sysctl)
  const skip = (): number => {
    if (match?.log) log(0);
    return -1;
  };
  switch (act.action) {
    case "ALLOW":
      return 0;
    case "LOG":
      log(0);
      return 0;
    case "ERRNO":
      setReturn(k, regs, -errnoOf(act.data));
      return skip();
    case "USER_NOTIF":
      // no listener exists: SECCOMP_FILTER_FLAG_NEW_LISTENER is not modelled
      setReturn(k, regs, -ENOSYS);
      return skip();
    case "TRAP":
      // syscall_rollback (the handler sees RAX = the syscall number), then force_sig_seccomp: SIGSYS is delivered
      // on the way out, to the task's handler on a real rt_sigframe, or by its default action (the task dies)
      k.kspace.write64(regs + P.RAX, k.kspace.read64(regs + P.ORIG_RAX));
      forceSigSeccomp(t, {
        signo: SIGSYS,
        code: SYS_SECCOMP,
        errno: act.data,
        callAddr: ip,
        syscall: nr,
        arch,
      });
      return skip();
    case "TRACE":
      // a tracer task with PTRACE_O_TRACESECCOMP: the event stop switches away (null: control left this task);
      // the tracee resumes with the number the tracer left in orig_rax
      if (t.tracer === null && ptraceSeccompEvent(k, t, act.data)) return null;
      return traceEvent(k, t, regs, data, act.data) < 0 ? skip() : 0;
    default:
      // KILL_THREAD, KILL_PROCESS and unknown actions: do_exit(SIGSYS) for this single-threaded task
      log(SIGSYS);
      k.doExit(0, SIGSYS);
      return null;
  }
}

/** SECCOMP_RET_TRACE: -ENOSYS without a tracer; else a PTRACE_EVENT_SECCOMP stop, then skip if nr < 0. */
function traceEvent(k: KernelContext, t: Task, regs: number, data: Uint32Array, msg: number): number {
  if (t.tracer === null) {
    setReturn(k, regs, -ENOSYS);
    return -1;
  }
  chargeHostTracerStop(k);
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(u64(data[4 + 2 * i]!, data[5 + 2 * i]!));
  const stop: TracerStop = { kind: "seccomp", nr: data[0]! | 0, args, data: msg };
  appendRecord(t.stops, stop, t.droppedRecords);
  const act = t.tracer(stop, t);
  if (act?.skip) k.kspace.write64(regs + P.ORIG_RAX, -1n);
  else if (act?.nr !== undefined) k.kspace.write64(regs + P.ORIG_RAX, BigInt.asUintN(64, BigInt(act.nr)));
  if (act?.ret !== undefined) k.kspace.write64(regs + P.RAX, BigInt.asUintN(64, BigInt(act.ret)));
  return BigInt.asIntN(64, k.kspace.read64(regs + P.ORIG_RAX)) < 0n ? -1 : 0;
}

/** copy_process: the child gets the parent's mode, filter chain (shared) and no_new_privs; TIF_SECCOMP with them. */
export function inheritSeccomp(parent: Task, child: Task): void {
  child.seccompMode = parent.seccompMode;
  child.seccompFilter = parent.seccompFilter;
  child.noNewPrivs = parent.noNewPrivs;
  if (child.seccompMode !== 0) child.tif.set(TIF_SECCOMP);
}

/** The installed filter programs, newest first (for inspection). */
export function filterLengths(t: Task): number[] {
  const out: number[] = [];
  for (let f = t.seccompFilter; f; f = f.prev) out.push(f.prog.len);
  return out;
}
