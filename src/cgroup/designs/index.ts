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

export const DESIGNS: Readonly<Record<string, DesignFactory>> = {
  none: noneDesign,
  "cgroup-walk": cgroupWalkDesign,
  "cgroup-composed": cgroupComposedDesign,
  "cgroup-table-ptr": cgroupTablePtrDesign,
  "cgroup-per-set": cgroupPerSetDesign,
  "cgroup-sparse": () => cgroupSparseDesign(),
  "cgroup-tif": cgroupTifDesign,
  "cgroup-tif-semislow": cgroupTifSemislowDesign,
  "cgroup-sowa": cgroupSowaDesign,
};

export function designIds(): string[] {
  return Object.keys(DESIGNS);
}

/** A fresh instance of the design `id`; Error naming the known ids otherwise. */
export function getDesign(id: string): ReturnType<DesignFactory> {
  const f = DESIGNS[id];
  if (f === undefined) throw new Error(`unknown design "${id}" (known: ${designIds().join(", ")})`);
  return f();
}
