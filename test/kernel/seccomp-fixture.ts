// Filter-building helpers shared by the seccomp kernel tests: guest programs carry their filters as data.

import { SECCOMP_RET_ALLOW } from "../../src/kernel/seccomp/actions.ts";
import { OFFSET_NR } from "../../src/kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../../src/kernel/seccomp/sock-filter.ts";

export const LD_NR = bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR);
export const ret = (v: number) => bpfStmt(BPF_RET | BPF_K, v);
/** `nr == n ? action : ALLOW` */
export const onNr = (n: number, action: number): SockFilter[] => [
  LD_NR,
  bpfJump(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 1),
  ret(action),
  ret(SECCOMP_RET_ALLOW),
];

/** A sock_fprog at `label` (u16 len, pad, u64 pointer) and its instructions, as assembler data. */
export function fprog(label: string, f: readonly SockFilter[], len = f.length): string {
  const insns = f
    .map((i) => `.short ${i.code}\n.byte ${i.jt}\n.byte ${i.jf}\n.long 0x${(i.k >>> 0).toString(16)}`)
    .join("\n");
  return `.align 8\n${label}_insns:\n${insns}\n.align 8\n${label}:\n.short ${len}\n.zero 6\n.quad ${label}_insns\n`;
}
