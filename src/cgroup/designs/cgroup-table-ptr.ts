// cgroup-table-ptr: Drewry's "sys_call_table pointer in the thread_info". Every task's thread_info holds the table
// its syscalls dispatch through (TI_sys_call_table, a field this model adds after 3.1's last one, uaccess_err at
// 88: offset 96). The "dispatch" hook replaces `call *sys_call_table(,%rax,8)` on the fast, audit and tracesys
// paths with a load of that pointer and an indirect call through it. The control plane keeps one copy of the
// table per distinct restricted policy, its denied entries pointing at a stub returning -SYSCALLS_DENIED_ERRNO;
// unrestricted tasks point at the kernel's own sys_call_table. There is no per-call test at all.
// The int $0x80 entry keeps its own ia32_sys_call_table: an ia32 call bypasses this design (docs/designs.md).
import type { Task } from "../../kernel/task.ts";
import { THREAD_INFO_SIZE } from "../../kernel/thread-info.ts";
import type { Design, DesignHost } from "../design.ts";
import type { Cgroup } from "../hierarchy.ts";

/** thread_info offset of the table pointer: the first free byte after 3.1's fields. */
export const TI_sys_call_table = THREAD_INFO_SIZE;

/**
 * %r11 is free at the dispatch (saved in the frame, not a C argument); %rcx already holds the 4th argument, so
 * thread_info is computed from %gs:kernel_stack as GET_THREAD_INFO does, folded into the load's displacement.
 */
const DISPATCH = [
  "movq %gs:kernel_stack, %r11",
  "movq TI_sys_call_table-(THREAD_SIZE-KERNEL_STACK_OFFSET)(%r11), %r11",
  "call *(%r11,%rax,8)",
].join("\n");

export function cgroupTablePtrDesign(): Design {
  let host: DesignHost | null = null;
  let nrSyscalls = 0;
  /** bitmap contents (hex) → its table; the all-allowed policy has none (sys_call_table itself) */
  const tables = new Map<string, { addr: number; users: Set<Cgroup> }>();
  const policyOf = new Map<Cgroup, string>();
  const free: number[] = [];
  const h = () => {
    if (host === null) throw new Error("cgroup-table-ptr: not attached");
    return host;
  };
  const keyOf = (cg: Cgroup) =>
    cg.deniedCount === 0 ? "" : Array.from(cg.bitmap, (b) => b.toString(16).padStart(2, "0")).join("");

  /** A copy of sys_call_table with cg's denied entries pointing at the stub. */
  function build(cg: Cgroup): number {
    const m = h().machine;
    const size = nrSyscalls * 8;
    const addr = free.pop() ?? m.kmalloc(size, 64);
    const orig = m.kspace.readBytes(m.sym("sys_call_table"), size);
    const view = new DataView(orig.buffer, orig.byteOffset, orig.byteLength);
    const stub = BigInt.asUintN(64, BigInt(m.sym("syscalls_table_denied")));
    for (const nr of cg.deniedList()) view.setBigUint64(nr * 8, stub, true);
    m.kspace.writeBytes(addr, orig);
    return addr;
  }

  /** `freed` takes a table nobody uses any more (policyChanged frees it only after re-pointing the tasks). */
  function release(cg: Cgroup, freed: number[] = free): void {
    const key = policyOf.get(cg);
    policyOf.delete(cg);
    if (key === undefined || key === "") return;
    const t = tables.get(key)!;
    t.users.delete(cg);
    if (t.users.size === 0) {
      tables.delete(key);
      freed.push(t.addr);
    }
  }

  /** cg's table (shared by every cgroup with the same bitmap), built on first use. */
  function track(cg: Cgroup, freed: number[] = free): void {
    release(cg, freed);
    const key = keyOf(cg);
    policyOf.set(cg, key);
    if (key === "") return;
    let t = tables.get(key);
    if (t === undefined) {
      t = { addr: build(cg), users: new Set() };
      tables.set(key, t);
    }
    t.users.add(cg);
  }

  function tableOf(cg: Cgroup): number {
    const key = policyOf.get(cg) ?? "";
    return key === "" ? h().machine.sym("sys_call_table") : tables.get(key)!.addr;
  }

  /** A single 8-byte store: a task dispatches through the old or the new table, never a mix. */
  function point(task: Task, cg: Cgroup): void {
    h().machine.kspace.write64(task.threadInfo + TI_sys_call_table, BigInt.asUintN(64, BigInt(tableOf(cg))));
  }

  return {
    id: "cgroup-table-ptr",
    title: "Per-thread sys_call_table pointer, one table per distinct policy",
    seed:
      "\"Another approach I've been toying with is putting a sys_call_table pointer in the thread_info and then " +
      'use it if the given flag is set." (Drewry, docs/sources.md#thread-2011)',
    expectation:
      "no per-call test: filtered and unfiltered tasks pay the same two extra loads at every depth; memory grows " +
      "with the number of distinct policies (one 310-entry table each)",
    kernel: (cfg) => {
      nrSyscalls = cfg.nrSyscalls;
      return {
        constants: { TI_sys_call_table: BigInt(TI_sys_call_table) },
        hooks: { dispatch: DISPATCH },
        extraText: [
          "# cgroup-table-ptr: the target of a denied entry in a per-policy table (a C function returning -errno).",
          "syscalls_table_denied:",
          "\tmovq $-SYSCALLS_DENIED_ERRNO, %rax",
          "\tret",
        ].join("\n"),
      };
    },
    attach(k: DesignHost) {
      host = k;
      nrSyscalls = k.hierarchy.nrSyscalls;
      for (const cg of k.hierarchy.all()) {
        track(cg);
        for (const t of cg.tasks) point(t, cg);
      }
    },
    cgroupCreated: (cg) => track(cg),
    cgroupRemoved: (cg) => release(cg),
    policyChanged(cgs) {
      const freed: number[] = [];
      for (const cg of cgs) track(cg, freed);
      for (const cg of cgs) for (const t of cg.tasks) point(t, cg);
      free.push(...freed);
    },
    taskAttached: (task, cg) => point(task, cg),
    memoryBytes: () => tables.size * nrSyscalls * 8,
  };
}
