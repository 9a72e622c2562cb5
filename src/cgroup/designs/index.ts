// The catalogue of filter designs (docs/designs.md): id → factory. Add a design with one file and one line here.
import type { DesignFactory } from "../design.ts";
import { cgroupComposedDesign } from "./cgroup-composed.ts";
import { cgroupPerSetDesign } from "./cgroup-per-set.ts";
import { cgroupSowaDesign } from "./cgroup-sowa.ts";
import { cgroupSparseDesign } from "./cgroup-sparse.ts";
import { cgroupTablePtrDesign } from "./cgroup-table-ptr.ts";
import { cgroupTifDesign } from "./cgroup-tif.ts";
import { cgroupTifSemislowDesign } from "./cgroup-tif-semislow.ts";
import { cgroupWalkDesign } from "./cgroup-walk.ts";
import { noneDesign } from "./none.ts";
import { ptraceDesign, ptraceLogDesign } from "./ptrace.ts";
import { seccompBpfDesign } from "./seccomp-bpf.ts";
import { seccompBpfArgsDesign } from "./seccomp-bpf-args.ts";

// A null-prototype object, so `constructor` or `__proto__` is never a design id; lookups go through the Maps below.
export const DESIGNS: Readonly<Record<string, DesignFactory>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, DesignFactory>, {
    none: noneDesign,
    "cgroup-walk": cgroupWalkDesign,
    "cgroup-composed": cgroupComposedDesign,
    "cgroup-table-ptr": cgroupTablePtrDesign,
    "cgroup-per-set": cgroupPerSetDesign,
    "cgroup-sparse": () => cgroupSparseDesign(),
    "cgroup-tif": cgroupTifDesign,
    "cgroup-tif-semislow": cgroupTifSemislowDesign,
    "cgroup-sowa": cgroupSowaDesign,
    "seccomp-bpf": seccompBpfDesign,
    "seccomp-bpf-args": seccompBpfArgsDesign,
    ptrace: ptraceDesign,
    "ptrace-log": ptraceLogDesign,
  }),
);
const BUILT_IN = new Map<string, DesignFactory>(Object.entries(DESIGNS));

/** Designs loaded at run time from a researcher's own file (`--designs ./my-design.ts`), by id. */
const LOADED = new Map<string, DesignFactory>();

export function designIds(): string[] {
  return [...Object.keys(DESIGNS), ...LOADED.keys()];
}

/** Whether `id` names a built-in design (not one loaded from a file). */
export function isBuiltInDesign(id: string): boolean {
  return BUILT_IN.has(id);
}

/**
 * Registers a design the design loader (src/measure/design-file.ts) has already imported under its id. The same
 * factory may be registered twice; another design under a taken id is refused.
 */
export function registerDesign(id: string, factory: DesignFactory, from: string): void {
  if (BUILT_IN.has(id)) throw new Error(`design file ${from}: id "${id}" is already a built-in design`);
  const prev = LOADED.get(id);
  if (prev !== undefined && prev !== factory)
    throw new Error(`design file ${from}: id "${id}" is already taken by another design file`);
  LOADED.set(id, factory);
}

/** A fresh instance of the design `id`; Error naming the known ids otherwise. */
export function getDesign(id: string): ReturnType<DesignFactory> {
  const f = BUILT_IN.get(id) ?? LOADED.get(id);
  if (f === undefined) throw new Error(`unknown design "${id}" (known: ${designIds().join(", ")})`);
  return f();
}
