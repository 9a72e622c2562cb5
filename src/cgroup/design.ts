// The Design interface: one syscall-filter design of the 2011 thread (docs/designs.md) as a kernel build choice
// (instructions at the entry code's hook points, its own kernel text/data/natives, constant overrides) plus the
// control plane that keeps its kernel data in step with the cgroup hierarchy. docs/designs.md describes it.
import type { Cpu } from "../cpu/cpu.ts";
import type { EntryHooks } from "../entry/linux-3.1.ts";
import type { KernelContext } from "../kernel/kernel-context.ts";
import type { Machine } from "../kernel/machine.ts";
import type { Task } from "../kernel/task.ts";
import type { Cgroup, CgroupHierarchy, CgroupListener } from "./hierarchy.ts";

/** What the kernel tells a design when it asks for its build-time parts. */
export interface DesignBuildConfig {
  /** errno a denied call returns (ENOSYS by default; EPERM as an option); also the assembler symbol SYSCALLS_DENIED_ERRNO */
  readonly deniedErrno: number;
  /** NR_syscalls of the table (310 for x86_64 3.1): bitmaps are this many bits */
  readonly nrSyscalls: number;
}

/** Build-time parts of the kernel a design compiles in (every field optional: `none` has none). */
export interface DesignKernelParts {
  /** AT&T text spliced at the entry code's hook points (src/entry/linux-3.1.ts HookPoint) */
  hooks?: EntryHooks;
  /** the design's own kernel code, appended to the kernel text; its labels are usable from hooks */
  extraText?: string;
  /** the design's own kernel data, assembled at DESIGN_DATA_BASE (RW, NX); its labels are symbols */
  extraData?: string;
  /** symbols defined before assembly: override entry-code constants (e.g. _TIF_WORK_SYSCALL_ENTRY) or add new ones */
  constants?: Readonly<Record<string, bigint>>;
  /** extra C functions (e.g. syscalls_cgroup_perm): a `ud2` stub labelled `name` is added to the kernel text and
   *  bound like the kernel's natives; BootOptions.natives[name], when given, overrides `cost` */
  natives?: readonly DesignNative[];
}

export interface DesignNative {
  name: string;
  /** cycles per call (state the derivation where the native is defined) */
  cost: number;
  fn: (k: KernelContext, cpu: Cpu) => number | bigint | undefined;
}

/** What a design's control plane may touch. */
export interface DesignHost {
  /** kmalloc, kspace (guest kernel memory), symbols, tasks */
  readonly machine: Machine;
  readonly hierarchy: CgroupHierarchy;
  /** what a denied call returns, as a positive errno */
  readonly deniedErrno: number;
}

/**
 * A filter design. The cgroup core calls the control-plane methods *after* it applied a change to the host-side
 * hierarchy, while it still holds the writers' mutex (so the design's kernel data changes inside the same
 * critical section as the hierarchy's).
 */
export interface Design extends CgroupListener {
  /** "none", "cgroup-walk", … */
  readonly id: string;
  readonly title: string;
  /** the passage of the 2011 thread (docs/sources.md#thread-2011) or of the published patch it models: a quote + where */
  readonly seed: string;
  /** what the design should show (docs/designs.md), one sentence */
  readonly expectation: string;
  /** Build-time parts, compiled into the kernel at boot. */
  kernel(cfg: DesignBuildConfig): DesignKernelParts;
  /** Once, after boot, before any task exists: allocate kernel data for the root (and any existing cgroups). */
  attach(k: DesignHost): void;
  cgroupCreated(cg: Cgroup): void;
  cgroupRemoved(cg: Cgroup): void;
  /** these cgroups' allowed sets changed (a deny lists the cgroup and every descendant) */
  policyChanged(cgs: readonly Cgroup[]): void;
  /** createTask / fork (from = null), move (from = the old cgroup) */
  taskAttached(task: Task, cg: Cgroup, from: Cgroup | null): void;
  /** bytes of guest kernel memory the design's data structures use now */
  memoryBytes(): number;
}

/** A design file exports one of these: each boot gets fresh design state. */
export type DesignFactory = () => Design;
