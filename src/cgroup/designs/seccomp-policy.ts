// seccomp-policy:NAME: a real filter policy (Docker's default profile, systemd's @system-service, browser-like, or
// the user's own policy or compiled filter) as the filter every task outside the root cgroup runs: the container or
// service a supervisor confined before exec. A task in the root cgroup is unconfined and runs the fast path
// (unless the root cgroup denies numbers itself: then only seccomp-bpf's deny filter). A cgroup that also denies numbers through syscalls.deny gets seccomp-bpf's deny filter stacked on top of the
// policy (stacked filters: the most restrictive action wins), so the design still answers the cgroup's own policy.
//
// As in seccomp-bpf, swapping a running task's filters is this model's control plane, not the kernel's (a filter
// can never be removed); one filter node per distinct deny list is shared by every task with that list.
import { seccompPrepareFilter } from "../../kernel/seccomp/checker.ts";
import { attachPrepared, type SeccompFilterNode } from "../../kernel/seccomp/filter-chain.ts";
import type { SockFilter } from "../../kernel/seccomp/sock-filter.ts";
import { SECCOMP_MODE_STRICT } from "../../kernel/seccomp.ts";
import { CACHE_GEOMETRY_3_1 } from "../../kernel/seccomp-filter-mode.ts";
import type { Task } from "../../kernel/task.ts";
import type { Design, DesignHost } from "../design.ts";
import { taskSyncPlane } from "../task-sync-plane.ts";
import { designFilterBytes, restackFilters } from "./restack-filters.ts";
import { denyFilter } from "./seccomp-bpf.ts";

export const SECCOMP_POLICY_PREFIX = "seccomp-policy:";

/** A policy ready to install: its compiled program, and what it is (for the catalogue's words). */
export interface CompiledPolicyFilter {
  /** the design id: seccomp-policy:NAME */
  id: string;
  /** one line: where the policy comes from and its size */
  title: string;
  program: readonly SockFilter[];
}

export function seccompPolicyDesign(p: CompiledPolicyFilter): Design {
  let host: DesignHost | null = null;
  const h = () => {
    if (host === null) throw new Error(`${p.id}: not attached`);
    return host;
  };
  const prepare = (prog: readonly SockFilter[], what: string) => {
    const r = seccompPrepareFilter(prog);
    if (!r.ok) throw new Error(`${p.id}: ${what} rejected by the kernel's checker: ${r.reason}`);
    return r.filter;
  };
  const policyFilter = prepare(p.program, "the policy's filter");
  let policyNode: SeccompFilterNode | null = null;
  const withDeny = new Map<string, SeccompFilterNode>();
  const designNodes = new WeakSet<SeccompFilterNode>();
  const attach = (under: SeccompFilterNode | null, prog: ReturnType<typeof prepare>): SeccompFilterNode => {
    const r = attachPrepared(under, prog, CACHE_GEOMETRY_3_1);
    if (!r.ok) throw new Error(`${p.id}: attaching the filter failed: ${r.reason}`);
    designNodes.add(r.head);
    return r.head;
  };
  const nodeFor = (denied: readonly number[]): SeccompFilterNode => {
    policyNode ??= attach(null, policyFilter);
    if (denied.length === 0) return policyNode;
    const key = denied.join(",");
    let n = withDeny.get(key);
    if (n === undefined) {
      n = attach(policyNode, prepare(denyFilter(denied, h().deniedErrno), "the cgroup's deny filter"));
      withDeny.set(key, n);
    }
    return n;
  };

  const denyOnly = new Map<string, SeccompFilterNode>();
  const denyOnlyFor = (denied: readonly number[]): SeccompFilterNode => {
    const key = denied.join(",");
    let n = denyOnly.get(key);
    if (n === undefined) {
      n = attach(null, prepare(denyFilter(denied, h().deniedErrno), "the cgroup's deny filter"));
      denyOnly.set(key, n);
    }
    return n;
  };

  /** Re-base the task's own filters on its cgroup's: the policy outside the root cgroup, nothing inside it. */
  const sync = (task: Task): void => {
    if (task.exited || task.seccompMode === SECCOMP_MODE_STRICT) return;
    const k = h();
    const cg = k.hierarchy.cgroupOf(task);
    const denied = cg.deniedList();
    // the root cgroup is not confined by the policy, but what it denies through syscalls.deny is still denied
    const base = cg !== k.hierarchy.root ? nodeFor(denied) : denied.length > 0 ? denyOnlyFor(denied) : null;
    restackFilters(task, base, designNodes, p.id);
  };

  return {
    id: p.id,
    title: p.title,
    seed:
      "issue 14 item 5: real filter policies as designs (Docker's default seccomp profile, systemd's " +
      "SystemCallFilter=@system-service, a browser-sandbox-like allowlist with argument checks)",
    expectation:
      "what a real policy costs a real program: a linear libseccomp-shaped chain of hundreds of rules, run for " +
      "every call the 5.11 cache cannot answer (calls whose rules test arguments, and every call without it)",
    kernel: () => ({}),
    ...taskSyncPlane((k) => {
      host = k;
    }, sync),
    memoryBytes() {
      return host === null ? 0 : designFilterBytes(host.machine.tasks, designNodes);
    },
  };
}
