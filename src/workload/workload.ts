import type { LoopOptions, UserImage } from "./user-program.ts";

/** A synthetic workload: a generated user program and how many syscalls one run makes. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  /** x86_64 names of the syscalls one loop iteration makes, in order */
  readonly syscallsPerIteration: readonly string[];
  /** x86_64 names of the syscalls made once before the loop (e.g. opening the file the loop reads) */
  readonly setupSyscalls?: readonly string[];
  build(opts: LoopOptions): UserImage;
}
