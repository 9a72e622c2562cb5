// The generic-entry (5.11+) per-task work words: SYSCALL_WORK_* bits of thread_info.syscall_work
// (include/linux/thread_info.h, include/linux/entry-common.h, [L5.15]) and the x86 thread_info of 5.x
// (arch/x86/include/asm/thread_info.h: { unsigned long flags; unsigned long syscall_work; u32 status; }).
// Here thread_info stays at the bottom of the THREAD_SIZE stack, as in the 3.1 model (5.x keeps it in
// task_struct, CONFIG_THREAD_INFO_IN_TASK); the entry code reaches it from cpu_current_top_of_stack.
import type { AddressSpace } from "../cpu/memory.ts";
import {
  TIF_SECCOMP,
  TIF_SYSCALL_AUDIT,
  TIF_SYSCALL_EMU,
  TIF_SYSCALL_TRACE,
  TIF_SYSCALL_TRACEPOINT,
} from "./tif.ts";

export const SYSCALL_WORK_BIT_SECCOMP = 0;
export const SYSCALL_WORK_BIT_SYSCALL_TRACEPOINT = 1;
export const SYSCALL_WORK_BIT_SYSCALL_TRACE = 2;
export const SYSCALL_WORK_BIT_SYSCALL_EMU = 3;
export const SYSCALL_WORK_BIT_SYSCALL_AUDIT = 4;
export const SYSCALL_WORK_BIT_SYSCALL_USER_DISPATCH = 5;
export const SYSCALL_WORK_BIT_SYSCALL_EXIT_TRAP = 6;

export const SYSCALL_WORK_SECCOMP = 1 << SYSCALL_WORK_BIT_SECCOMP;
export const SYSCALL_WORK_SYSCALL_TRACEPOINT = 1 << SYSCALL_WORK_BIT_SYSCALL_TRACEPOINT;
export const SYSCALL_WORK_SYSCALL_TRACE = 1 << SYSCALL_WORK_BIT_SYSCALL_TRACE;
export const SYSCALL_WORK_SYSCALL_EMU = 1 << SYSCALL_WORK_BIT_SYSCALL_EMU;
export const SYSCALL_WORK_SYSCALL_AUDIT = 1 << SYSCALL_WORK_BIT_SYSCALL_AUDIT;
export const SYSCALL_WORK_SYSCALL_USER_DISPATCH = 1 << SYSCALL_WORK_BIT_SYSCALL_USER_DISPATCH;
export const SYSCALL_WORK_SYSCALL_EXIT_TRAP = 1 << SYSCALL_WORK_BIT_SYSCALL_EXIT_TRAP;

/** ARCH_SYSCALL_WORK_ENTER / _EXIT: x86 defines none */
export const ARCH_SYSCALL_WORK_ENTER = 0;
export const ARCH_SYSCALL_WORK_EXIT = 0;

/** SECCOMP | TRACEPOINT | TRACE | EMU | AUDIT | USER_DISPATCH = 0x3f */
export const SYSCALL_WORK_ENTER =
  SYSCALL_WORK_SECCOMP |
  SYSCALL_WORK_SYSCALL_TRACEPOINT |
  SYSCALL_WORK_SYSCALL_TRACE |
  SYSCALL_WORK_SYSCALL_EMU |
  SYSCALL_WORK_SYSCALL_AUDIT |
  SYSCALL_WORK_SYSCALL_USER_DISPATCH |
  ARCH_SYSCALL_WORK_ENTER;

/** TRACEPOINT | TRACE | AUDIT | USER_DISPATCH | EXIT_TRAP = 0x76 */
export const SYSCALL_WORK_EXIT =
  SYSCALL_WORK_SYSCALL_TRACEPOINT |
  SYSCALL_WORK_SYSCALL_TRACE |
  SYSCALL_WORK_SYSCALL_AUDIT |
  SYSCALL_WORK_SYSCALL_USER_DISPATCH |
  SYSCALL_WORK_SYSCALL_EXIT_TRAP |
  ARCH_SYSCALL_WORK_EXIT;

export const SYSCALL_WORK_NAMES: Readonly<Record<number, string>> = {
  [SYSCALL_WORK_BIT_SECCOMP]: "SYSCALL_WORK_SECCOMP",
  [SYSCALL_WORK_BIT_SYSCALL_TRACEPOINT]: "SYSCALL_WORK_SYSCALL_TRACEPOINT",
  [SYSCALL_WORK_BIT_SYSCALL_TRACE]: "SYSCALL_WORK_SYSCALL_TRACE",
  [SYSCALL_WORK_BIT_SYSCALL_EMU]: "SYSCALL_WORK_SYSCALL_EMU",
  [SYSCALL_WORK_BIT_SYSCALL_AUDIT]: "SYSCALL_WORK_SYSCALL_AUDIT",
  [SYSCALL_WORK_BIT_SYSCALL_USER_DISPATCH]: "SYSCALL_WORK_SYSCALL_USER_DISPATCH",
  [SYSCALL_WORK_BIT_SYSCALL_EXIT_TRAP]: "SYSCALL_WORK_SYSCALL_EXIT_TRAP",
};

// x86 thread_info.flags bits of 5.15 that the generic exit path tests (the other 5.15 bits are not modelled).
export const TIF5_NOTIFY_RESUME = 1;
export const TIF5_SIGPENDING = 2;
export const TIF5_NEED_RESCHED = 3;
export const TIF5_SINGLESTEP = 4;
export const TIF5_UPROBE = 12;
export const TIF5_PATCH_PENDING = 13;
export const TIF5_NOTIFY_SIGNAL = 17;

/** EXIT_TO_USER_MODE_WORK: SIGPENDING | NOTIFY_RESUME | UPROBE | NEED_RESCHED | PATCH_PENDING | NOTIFY_SIGNAL */
export const EXIT_TO_USER_MODE_WORK =
  (1 << TIF5_SIGPENDING) |
  (1 << TIF5_NOTIFY_RESUME) |
  (1 << TIF5_UPROBE) |
  (1 << TIF5_NEED_RESCHED) |
  (1 << TIF5_PATCH_PENDING) |
  (1 << TIF5_NOTIFY_SIGNAL);

// struct thread_info of x86 5.x.
export const TI5_flags = 0;
export const TI5_syscall_work = 8;
export const TI5_status = 16;
export const THREAD_INFO5_SIZE = 24;

/**
 * 3.1 TIF bit → SYSCALL_WORK bit: the five syscall-work TIFs 5.11 moved into syscall_work
 * (set_syscall_work() replaced set_thread_flag() at each call site). Their 3.1 bit numbers are free in 5.15's flags.
 */
export const TIF_TO_SYSCALL_WORK: Readonly<Record<number, number>> = {
  [TIF_SYSCALL_TRACE]: SYSCALL_WORK_BIT_SYSCALL_TRACE,
  [TIF_SYSCALL_EMU]: SYSCALL_WORK_BIT_SYSCALL_EMU,
  [TIF_SYSCALL_AUDIT]: SYSCALL_WORK_BIT_SYSCALL_AUDIT,
  [TIF_SECCOMP]: SYSCALL_WORK_BIT_SECCOMP,
  [TIF_SYSCALL_TRACEPOINT]: SYSCALL_WORK_BIT_SYSCALL_TRACEPOINT,
};

/** A word of guest memory viewed as a bit set (the shape of Task.tif). */
export interface BitWord {
  get(): number;
  set(bit: number): void;
  clear(bit: number): void;
  test(bit: number): boolean;
}

function wordAt(kspace: AddressSpace, vaddr: number, what: string): BitWord {
  // thread_info is in a kernel data page (never code, never remapped): read and write its frame directly.
  const view = kspace.phys.view;
  const pa = kspace.physAddr(vaddr);
  const bitOk = (bit: number) => {
    if (!Number.isInteger(bit) || bit < 0 || bit > 31)
      throw new Error(`${what} bit ${bit} out of range 0..31`);
  };
  return {
    get: () => view.getUint32(pa, true),
    set: (bit) => {
      bitOk(bit);
      view.setUint32(pa, (view.getUint32(pa, true) | (1 << bit)) >>> 0, true);
    },
    clear: (bit) => {
      bitOk(bit);
      view.setUint32(pa, (view.getUint32(pa, true) & ~(1 << bit)) >>> 0, true);
    },
    test: (bit) => ((view.getUint32(pa, true) >>> bit) & 1) === 1,
  };
}

/** thread_info.syscall_work of the 5.x thread_info at `threadInfo`. */
export function syscallWorkWord(kspace: AddressSpace, threadInfo: number): BitWord {
  return wordAt(kspace, threadInfo + TI5_syscall_work, "SYSCALL_WORK");
}

/**
 * Task.tif on the generic flavour: thread_info.flags (5.x layout), except that the 3.1 syscall-work TIF bits read
 * and write their SYSCALL_WORK bits, so 3.1-era callers (prctl's seccomp, --tif, tests) keep working. get()
 * folds syscall_work back into those bit positions.
 */
export function genericTifWord(kspace: AddressSpace, threadInfo: number): BitWord {
  const flags = wordAt(kspace, threadInfo + TI5_flags, "TIF");
  const work = syscallWorkWord(kspace, threadInfo);
  const moved = Object.entries(TIF_TO_SYSCALL_WORK).map(([t, w]) => [Number(t), w] as const);
  return {
    get: () => {
      let v = flags.get();
      const w = work.get();
      for (const [t, b] of moved) if ((w >>> b) & 1) v |= 1 << t;
      return v >>> 0;
    },
    set: (bit) => {
      const w = TIF_TO_SYSCALL_WORK[bit];
      if (w !== undefined) work.set(w);
      else flags.set(bit);
    },
    clear: (bit) => {
      const w = TIF_TO_SYSCALL_WORK[bit];
      if (w !== undefined) work.clear(w);
      else flags.clear(bit);
    },
    test: (bit) => {
      const w = TIF_TO_SYSCALL_WORK[bit];
      return w !== undefined ? work.test(w) : flags.test(bit);
    },
  };
}
