// seccomp-bpf-args: seccomp-bpf's filter plus an argument check in front of the deny list: read only on fd 0-2,
// and no write to fd > 2 (the example rules of Drewry's 2011 changelog, `sys_read: fd == 0`, `sys_write: fd == 1
// || fd == 2`, loosened to the three standard descriptors). A filter that loads an argument is not
// constant-allow for read and write, so the 5.11 cache cannot skip it for those two; every other number still
// hits. fd is an unsigned int in both calls, so only the low word of args[0] is tested.

import { argOffset } from "../../kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../../kernel/seccomp/sock-filter.ts";
import { NR } from "../../kernel/syscall-names-x86_64-3.1.ts";
import type { Design } from "../design.ts";
import { denyList, LD_NR, PROLOGUE, retErrno, seccompCgroupDesign } from "./seccomp-bpf.ts";

/** The highest fd read and write may use. */
export const MAX_STD_FD = 2;

/** PROLOGUE; read or write with fd > 2 → ERRNO; then seccomp-bpf's deny list. */
export function argsFilter(denied: readonly number[], errno: number): SockFilter[] {
  return [
    ...PROLOGUE,
    bpfJump(BPF_JMP | BPF_JEQ | BPF_K, NR.read, 1, 0),
    bpfJump(BPF_JMP | BPF_JEQ | BPF_K, NR.write, 0, 4), // neither: on to the deny list (A still holds nr)
    bpfStmt(BPF_LD | BPF_W | BPF_ABS, argOffset(0)),
    bpfJump(BPF_JMP | BPF_JGT | BPF_K, MAX_STD_FD, 0, 1),
    retErrno(errno),
    LD_NR,
    ...denyList(denied, errno),
  ];
}

export function seccompBpfArgsDesign(): Design {
  return seccompCgroupDesign({
    id: "seccomp-bpf-args",
    title: "seccomp-bpf with an argument check (read/write only on fd 0-2)",
    seed:
      '"Have you considered supporting ftrace filters?" (Drewry, docs/sources.md#thread-2011): the filters of his ' +
      "patchset test arguments (its changelog's example: `sys_read: fd == 0`, `sys_write: fd == 1 || fd == 2`)",
    expectation:
      "what argument filtering costs: read and write always run the filter (the cache cannot help a filter that " +
      "loads an argument); other calls cost what seccomp-bpf costs",
    program: argsFilter,
  });
}
