// The workload names alone, for help texts that must not load the workloads (each pulls in the assembler).
// test/workload/workloads.test.ts checks this list against WORKLOADS.
export const WORKLOAD_NAMES: readonly string[] = [
  "null",
  "sowa-micro",
  "unixbench-syscall",
  "lat-null",
  "lat-read",
  "lat-write",
  "lat-stat",
  "lat-fstat",
  "lat-open",
];
