// seccomp-bpf: the cgroup's policy as a classic-BPF seccomp filter. No entry-code change: the control plane puts
// a filter on every task whose cgroup denies something (TIF_SECCOMP, filter mode) and takes it off when the
// cgroup denies nothing, so an unfiltered task runs 3.1's fast path unchanged. The filter is libseccomp's linear
// shape: check the arch, load nr, one `jeq` per denied number returning SECCOMP_RET_ERRNO | deniedErrno.
//
// A control plane that swaps a running task's filter is this model's, not the kernel's (a filter can never be
// removed); it stands for a supervisor that installs the right filter before exec. One filter node per distinct
// policy is shared by every task with that policy; filters a task installed itself stay stacked on top of it.
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from "../../kernel/seccomp/actions.ts";
import { seccompPrepareFilter } from "../../kernel/seccomp/checker.ts";
import { attachPrepared, type SeccompFilterNode } from "../../kernel/seccomp/filter-chain.ts";
import { AUDIT_ARCH_X86_64, OFFSET_ARCH, OFFSET_NR } from "../../kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../../kernel/seccomp/sock-filter.ts";
import { SECCOMP_MODE_STRICT } from "../../kernel/seccomp.ts";
import { CACHE_GEOMETRY_3_1 } from "../../kernel/seccomp-filter-mode.ts";
import type { Task } from "../../kernel/task.ts";
import type { Design, DesignHost } from "../design.ts";
import { taskSyncPlane } from "../task-sync-plane.ts";
import { designFilterBytes, restackFilters } from "./restack-filters.ts";

export const LD_NR = bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR);
export const RET_ALLOW = bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
export const retErrno = (errno: number): SockFilter => bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | errno);

/**
 * The arch check (calls of another arch, i.e. int $0x80, are allowed: the hierarchy's numbers are x86_64 ones,
 * and every design but cgroup-sparse leaves that entry unfiltered), then `ld nr`.
 */
export const PROLOGUE: readonly SockFilter[] = [
  bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH),
  bpfJump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
  RET_ALLOW,
  LD_NR,
];

/** One `jeq #nr, 0, 1; ret ERRNO` pair per denied number (A = nr), then `ret ALLOW`. */
export function denyList(denied: readonly number[], errno: number): SockFilter[] {
  const out: SockFilter[] = [];
  for (const nr of denied) out.push(bpfJump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), retErrno(errno));
  out.push(RET_ALLOW);
  return out;
}

/** The seccomp-bpf design's program: PROLOGUE + denyList. */
export function denyFilter(denied: readonly number[], errno: number): SockFilter[] {
  return [...PROLOGUE, ...denyList(denied, errno)];
}

export interface SeccompDesignSpec {
  id: string;
  title: string;
  seed: string;
  expectation: string;
  /** the program for a cgroup denying `denied` (non-empty) */
  program(denied: readonly number[], errno: number): SockFilter[];
}

/** The control plane shared by seccomp-bpf and seccomp-bpf-args. */
export function seccompCgroupDesign(spec: SeccompDesignSpec): Design {
  let host: DesignHost | null = null;
  const byPolicy = new Map<string, SeccompFilterNode>();
  const designNodes = new WeakSet<SeccompFilterNode>();
  const h = () => {
    if (host === null) throw new Error(`${spec.id}: not attached`);
    return host;
  };

  const nodeFor = (denied: readonly number[]): SeccompFilterNode => {
    const key = denied.join(",");
    let n = byPolicy.get(key);
    if (n === undefined) {
      const prepared = seccompPrepareFilter(spec.program(denied, h().deniedErrno));
      if (!prepared.ok) throw new Error(`${spec.id}: generated filter rejected: ${prepared.reason}`);
      const attached = attachPrepared(null, prepared.filter, CACHE_GEOMETRY_3_1);
      if (!attached.ok) throw new Error(`${spec.id}: generated filter rejected: ${attached.reason}`);
      n = attached.head;
      byPolicy.set(key, n);
      designNodes.add(n);
    }
    return n;
  };

  /** Re-base the task's own filters on the filter of its cgroup's policy (or on nothing). */
  const sync = (task: Task): void => {
    if (task.exited || task.seccompMode === SECCOMP_MODE_STRICT) return; // modes do not mix
    const denied = h().hierarchy.cgroupOf(task).deniedList();
    restackFilters(task, denied.length > 0 ? nodeFor(denied) : null, designNodes, spec.id);
  };

  return {
    id: spec.id,
    title: spec.title,
    seed: spec.seed,
    expectation: spec.expectation,
    kernel: () => ({}),
    ...taskSyncPlane((k) => {
      host = k;
    }, sync),
    memoryBytes() {
      return host === null ? 0 : designFilterBytes(host.machine.tasks, designNodes);
    },
  };
}

export function seccompBpfDesign(): Design {
  return seccompCgroupDesign({
    id: "seccomp-bpf",
    title: "seccomp-bpf filter per filtered task (linear jeq list, 5.11 cache by BootOptions.seccompCache)",
    seed:
      '"Have you considered supporting ftrace filters?" (Drewry, docs/sources.md#thread-2011): his seccomp ' +
      "filter patchset, which became seccomp-bpf (classic BPF over struct seccomp_data, Linux 3.5)",
    expectation:
      "unfiltered tasks pay nothing; filtered tasks pay tracesys, IRET and the filter (one bitmap test per allowed " +
      "call with the 5.11 cache, one jeq per denied number without it)",
    program: denyFilter,
  });
}
