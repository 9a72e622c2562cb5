import { LAT_SYSCALL_WORKLOADS } from "./lat-syscall.ts";
import { nullWorkload } from "./null.ts";
import { sowaMicroWorkload } from "./sowa-micro.ts";
import { unixbenchSyscallWorkload } from "./unixbench-syscall.ts";
import type { Workload } from "./workload.ts";

export type { Workload } from "./workload.ts";

export const WORKLOADS: readonly Workload[] = [
  nullWorkload,
  sowaMicroWorkload,
  unixbenchSyscallWorkload,
  ...LAT_SYSCALL_WORKLOADS,
];

export function getWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) {
    throw new Error(`unknown workload '${name}' (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
  }
  return w;
}
