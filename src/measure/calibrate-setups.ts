// The real-kernel set-ups: each is one way of running getppid in a loop on a real kernel (the native probe,
// calibrate/probe.c, alone or under strace) and the same set-up in the model. A set-up is either a calibration
// input (its measurement sets a value of a calibrated profile) or a validation set-up (only ever compared); the
// two lists are disjoint, which a test checks.
import { SECCOMP_RET_ALLOW, SECCOMP_RET_TRACE } from "../kernel/seccomp/actions.ts";
import { AUDIT_ARCH_X86_64, OFFSET_ARCH, OFFSET_ARGS, OFFSET_NR } from "../kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfJump,
  bpfStmt,
  type SockFilter,
} from "../kernel/seccomp/sock-filter.ts";

const NR_OPENAT = 257;

/** How the model runs a set-up: seccomp filters on the null workload, or a ptrace design over it. */
export type ModelSetup = { filters: SockFilter[][] } | { design: "ptrace" | "ptrace-log" };

export interface RealSetup {
  id: string;
  label: string;
  /** the probe's arguments; `under` runs it under that command (strace) */
  probe: string[];
  under?: string[];
  /** the model's version of the set-up */
  model: () => ModelSetup;
}

const ret = (k: number) => bpfStmt(BPF_RET | BPF_K, k);
const ld = (off: number) => bpfStmt(BPF_LD | BPF_W | BPF_ABS, off);

/** probe.c's filter kinds, built with the model's own BPF helpers (the same instructions). */
export const FILTERS = {
  cached: (m: number): SockFilter[][] => Array.from({ length: m }, () => [ret(SECCOMP_RET_ALLOW)]),
  allowall: (): SockFilter[][] => [[ld(OFFSET_ARGS), ret(SECCOMP_RET_ALLOW)]],
  nr: (m: number): SockFilter[][] => [
    [
      ld(OFFSET_NR),
      ...Array.from({ length: m }, (_, i) => bpfJump(BPF_JMP | BPF_JEQ | BPF_K, 1000 + i, 0, 0)),
      ret(SECCOMP_RET_ALLOW),
    ],
  ],
  args: (m: number): SockFilter[][] => [
    [
      ...Array.from({ length: m }, (_, i) => [
        ld(OFFSET_ARGS),
        bpfJump(BPF_JMP | BPF_JEQ | BPF_K, (0xdead0000 + i) >>> 0, 0, 0),
      ]).flat(),
      ret(SECCOMP_RET_ALLOW),
    ],
  ],
  jset: (m: number): SockFilter[][] => [
    [
      ld(OFFSET_ARGS),
      ...Array.from({ length: m }, () => bpfJump(BPF_JMP | BPF_JSET | BPF_K, 0x80000000, 0, 0)),
      ret(SECCOMP_RET_ALLOW),
    ],
  ],
  strace: (): SockFilter[][] => [
    [
      ld(OFFSET_ARCH),
      bpfJump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      ret(SECCOMP_RET_TRACE),
      ld(OFFSET_NR),
      bpfJump(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 0, 1),
      ret(SECCOMP_RET_TRACE),
      bpfJump(BPF_JMP | BPF_JEQ | BPF_K, NR_OPENAT, 0, 1),
      ret(SECCOMP_RET_TRACE),
      ret(SECCOMP_RET_ALLOW),
    ],
  ],
};

/** getppid calls per timed run and timed runs per measurement (the probe keeps the fastest run). */
const LOOP = ["2000", "201"];
const TRACED_LOOP = ["200", "21"];

export const VALIDATION_SETUPS: readonly RealSetup[] = [
  {
    id: "cached",
    label: "one cached `ret ALLOW` filter",
    probe: ["filter", "cached", "1", ...LOOP],
    model: () => ({ filters: FILTERS.cached(1) }),
  },
  {
    id: "stacked-4",
    label: "4 stacked allow filters",
    probe: ["filter", "cached", "4", ...LOOP],
    model: () => ({ filters: FILTERS.cached(4) }),
  },
  {
    id: "stacked-16",
    label: "16 stacked allow filters",
    probe: ["filter", "cached", "16", ...LOOP],
    model: () => ({ filters: FILTERS.cached(16) }),
  },
  {
    id: "strace-seccomp-bpf",
    label: "strace -f --seccomp-bpf -e trace=openat (getppid not stopped)",
    probe: ["null", ...LOOP],
    under: ["strace", "-f", "--seccomp-bpf", "-e", "trace=openat", "-o", "/dev/null"],
    model: () => ({ filters: FILTERS.strace() }),
  },
  {
    id: "args-50",
    label: "one filter, 50 argument checks (ld arg; jeq)",
    probe: ["filter", "args", "50", ...LOOP],
    model: () => ({ filters: FILTERS.args(50) }),
  },
  {
    id: "args-200",
    label: "one filter, 200 argument checks",
    probe: ["filter", "args", "200", "1000", "201"],
    model: () => ({ filters: FILTERS.args(200) }),
  },
  {
    id: "allow-all",
    label: "allow-all filter the cache cannot skip (ld arg; ret ALLOW)",
    probe: ["filter", "allowall", "1", ...LOOP],
    model: () => ({ filters: FILTERS.allowall() }),
  },
  {
    id: "nr-100",
    label: "one filter, 100 nr compares (nr only: cacheable)",
    probe: ["filter", "nr", "100", ...LOOP],
    model: () => ({ filters: FILTERS.nr(100) }),
  },
  {
    id: "strace",
    label: "strace -f -o /dev/null (every call stopped and logged)",
    probe: ["null", ...TRACED_LOOP],
    under: ["strace", "-f", "-o", "/dev/null"],
    model: () => ({ design: "ptrace-log" }),
  },
  {
    id: "ptrace-supervisor",
    label: "ptrace supervisor: PTRACE_SYSCALL, GETREGS at each stop",
    probe: ["ptrace-syscall", "1000", "21"],
    model: () => ({ design: "ptrace" }),
  },
];

/** The primitives `calibrate` measures; none of them is a validation set-up. */
export const CALIBRATION_INPUTS = [
  { id: "null", label: "null syscall round trip (getppid)", probe: ["null", ...LOOP] },
  {
    id: "jset-100",
    label: "JSET chain, 100 instructions (slope, short end)",
    probe: ["filter", "jset", "100", ...LOOP],
  },
  {
    id: "jset-1000",
    label: "JSET chain, 1000 instructions (slope, long end)",
    probe: ["filter", "jset", "1000", "1000", "101"],
  },
  {
    id: "pipe-pingpong",
    label: "pipe ping-pong round trip (two processes)",
    probe: ["pipe-pingpong", "2000", "21"],
  },
] as const;

/** Measured by `calibrate` but used for nothing but a cross-check printed next to the model. */
export const CROSS_CHECKS = [
  {
    id: "ptrace-pingpong",
    label: "ptrace ping-pong (int3 stop, PTRACE_CONT)",
    probe: ["ptrace-pingpong", "1000", "21"],
  },
] as const;
