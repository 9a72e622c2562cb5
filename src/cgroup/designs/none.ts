// none: the baseline kernel. No filter code is compiled in; the cgroup hierarchy and cgroupfs still work (writes
// succeed and reads show them) but nothing is enforced: every syscall runs.
import type { Design } from "../design.ts";

export function noneDesign(): Design {
  return {
    id: "none",
    title: "No filter (baseline)",
    seed:
      'The baseline the RFC measures against: "I measured 5% more sys time for process on root level" ' +
      "(docs/sources.md#thread-2011, Sowa's performance note) — the sys time of a kernel without the subsystem.",
    expectation: "the baseline: the entry path of Linux 3.1 unchanged, and no policy is enforced",
    kernel: () => ({}),
    attach: () => {},
    cgroupCreated: () => {},
    cgroupRemoved: () => {},
    policyChanged: () => {},
    taskAttached: () => {},
    memoryBytes: () => 0,
  };
}
