// struct syscalls_cgroup in guest kernel memory, as the bitmap designs keep it (this model's layout):
//   0 parent (struct syscalls_cgroup *, 0 for the root)   8 id (u32)   12 depth (u32)
//  16 syscalls_bitmap: ceil(NR_syscalls / 64) unsigned longs, bit set = allowed (bit n of the bitmap is bit
//     n & 63 of long n >> 6, i.e. byte n >> 3, bit n & 7: what `btl %eax, SCG_syscalls_bitmap(%reg)` tests).
// A task reaches its struct through task_struct.cgroups (TSK_cgroups; 3.1's task->cgroups → css_set → css chain
// collapsed into one pointer), written by the design on every attach.
import type { Machine } from "../kernel/machine.ts";
import type { Task } from "../kernel/task.ts";
import { TSK_cgroups } from "../kernel/task-struct.ts";
import type { Cgroup } from "./hierarchy.ts";

export const SCG_parent = 0;
export const SCG_id = 8;
export const SCG_depth = 12;
export const SCG_syscalls_bitmap = 16;

export function scgSize(nrSyscalls: number): number {
  return SCG_syscalls_bitmap + Math.ceil(nrSyscalls / 64) * 8;
}

/** The assembler symbols for the layout (a design passes them as DesignKernelParts.constants). */
export const SCG_CONSTANTS: Readonly<Record<string, bigint>> = {
  SCG_parent: BigInt(SCG_parent),
  SCG_id: BigInt(SCG_id),
  SCG_depth: BigInt(SCG_depth),
  SCG_syscalls_bitmap: BigInt(SCG_syscalls_bitmap),
};

/**
 * One kmalloc'd struct per cgroup. Freed structs go on a free list and are reused (the kernel heap here is a
 * bump allocator), so memoryBytes() counts live structs only.
 */
export class ScgStructs {
  private readonly m: Machine;
  private readonly size: number;
  private readonly addr = new Map<Cgroup, number>();
  private readonly free: number[] = [];

  constructor(m: Machine, nrSyscalls: number) {
    this.m = m;
    this.size = scgSize(nrSyscalls);
  }

  /** Allocate and fill the struct of `cg` (its parent's must exist); `bits` is the bitmap to store. */
  create(cg: Cgroup, bits: Uint8Array): number {
    const a = this.free.pop() ?? this.m.kmalloc(this.size, 64);
    const ks = this.m.kspace;
    ks.writeBytes(a, new Uint8Array(this.size));
    const parent = cg.parent === null ? 0 : this.of(cg.parent);
    ks.write64(a + SCG_parent, BigInt.asUintN(64, BigInt(parent)));
    ks.write32(a + SCG_id, cg.id);
    ks.write32(a + SCG_depth, cg.depth);
    this.addr.set(cg, a);
    this.writeBitmap(cg, bits);
    return a;
  }

  remove(cg: Cgroup): void {
    const a = this.addr.get(cg);
    if (a === undefined) return;
    this.addr.delete(cg);
    this.free.push(a);
  }

  of(cg: Cgroup): number {
    const a = this.addr.get(cg);
    if (a === undefined) throw new Error(`no struct syscalls_cgroup for ${cg.path}`);
    return a;
  }

  writeBitmap(cg: Cgroup, bits: Uint8Array): void {
    this.m.kspace.writeBytes(this.of(cg) + SCG_syscalls_bitmap, bits);
  }

  /** task->cgroups = the struct of cg */
  pointTask(task: Task, cg: Cgroup): void {
    this.m.kspace.write64(task.taskStruct + TSK_cgroups, BigInt.asUintN(64, BigInt(this.of(cg))));
  }

  memoryBytes(): number {
    return this.addr.size * this.size;
  }
}
