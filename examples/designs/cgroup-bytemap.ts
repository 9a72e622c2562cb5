// A design written outside the catalogue, as a researcher would: one file, loaded with
//   syscall-lab compare --designs ./examples/designs/cgroup-bytemap.ts
// Idea: like cgroup-composed, but one byte per syscall instead of one bit, so the check is a plain
// `cmpb $0, (%rcx,%rax)` rather than `btl %eax, bitmap(%rcx)` (BT with a memory operand is microcoded on Sandy
// Bridge). It costs 8x the memory per cgroup. In sandybridge-2011 both instructions are one "alu" plus one load,
// so the model prices them the same: what the comparison shows is the memory trade-off, not a speed-up — a
// profile that priced BT m,r separately would be needed to see one.
// A design file imports the package's API by name (docs/api.md): in this repository tsconfig.json maps
// "syscall-lab" to src/index.ts; in a project, `npm i -D syscall-lab` provides it.
import { type Cgroup, type Design, type DesignHost, type Task, TSK_cgroups } from "syscall-lab";

export default function cgroupBytemapDesign(): Design {
  let host: DesignHost | null = null;
  const table = new Map<Cgroup, number>(); // cgroup → kernel address of its byte table (1 = allowed)
  const h = () => {
    if (host === null) throw new Error("cgroup-bytemap: not attached");
    return host;
  };
  const write = (cg: Cgroup) => {
    const k = h();
    const bytes = new Uint8Array(k.hierarchy.nrSyscalls);
    for (let nr = 0; nr < bytes.length; nr++) bytes[nr] = cg.allowed(nr) ? 1 : 0;
    k.machine.kspace.writeBytes(table.get(cg)!, bytes);
  };
  const create = (cg: Cgroup) => {
    table.set(cg, h().machine.kmalloc(h().hierarchy.nrSyscalls, 64));
    write(cg);
  };
  const point = (task: Task, cg: Cgroup) =>
    h().machine.kspace.write64(task.taskStruct + TSK_cgroups, BigInt.asUintN(64, BigInt(table.get(cg)!)));
  // %rax = nr (already range-checked), %rcx is free at both hook points; the table address comes from
  // current->cgroups, never from the frame (the audit path reaches the fast-path hook with %rcx reloaded).
  const check = (deny: string) =>
    [
      "movq %gs:current_task, %rcx",
      "movq TSK_cgroups(%rcx), %rcx",
      "cmpb $0, (%rcx,%rax)",
      `je ${deny}`,
    ].join("\n");
  return {
    id: "cgroup-bytemap",
    title: "Composed per-cgroup byte map, one byte compare",
    seed: 'as cgroup-composed: "setting bits in all descendants … enables us to have constant overhead" (seed)',
    expectation:
      "constant cost at every depth like cgroup-composed, slightly cheaper per call, 8x the memory",
    kernel: () => ({
      hooks: {
        fastpath_after_range_check: check("bytemap_denied_sysret"),
        tracesys_after_trace_enter: check("bytemap_denied_iret"),
      },
      extraText: [
        "bytemap_denied_sysret:",
        "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
        "\tjmp ret_from_sys_call",
        "bytemap_denied_iret:",
        "\tmovq $-SYSCALLS_DENIED_ERRNO, RAX-ARGOFFSET(%rsp)",
        "\tjmp int_ret_from_sys_call",
      ].join("\n"),
    }),
    attach(k) {
      host = k;
      for (const cg of k.hierarchy.all()) create(cg);
      for (const cg of k.hierarchy.all()) for (const t of cg.tasks) point(t, cg);
    },
    cgroupCreated: create,
    cgroupRemoved: (cg) => void table.delete(cg),
    policyChanged: (cgs) => {
      for (const cg of cgs) write(cg);
    },
    taskAttached: point,
    memoryBytes: () => table.size * h().hierarchy.nrSyscalls,
  };
}
