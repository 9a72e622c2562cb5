// The message and exit code of an error that reaches the top of a command (src/cli/exit-codes.ts): bad input and
// unusable paths exit 2, the guest limits 124/125, a full disk and anything unexpected 3 ("internal error").

import { InterpError } from "../kernel/exec.ts";
import { GuestLimitError } from "../kernel/guest-limits.ts";
import { FilterFileError } from "../kernel/seccomp/filter-file.ts";
import { ExperimentError } from "../measure/experiment.ts";
import { fsErrorKind, fsReason } from "../measure/fs-errors.ts";
import { InputFileError } from "../measure/input-file.ts";
import { ElfError } from "../workload/elf.ts";
import { EXIT_BUDGET, EXIT_INTERNAL, EXIT_TIMEOUT, EXIT_USAGE } from "./exit-codes.ts";
import { UsageError } from "./output.ts";

/** The message and exit code of an error that reached the top. */
export function describeFailure(e: unknown): { message: string; code: number } {
  if (e instanceof GuestLimitError)
    return { message: e.message, code: e.kind === "budget" ? EXIT_BUDGET : EXIT_TIMEOUT };
  if (
    e instanceof UsageError ||
    e instanceof InputFileError ||
    e instanceof ElfError ||
    e instanceof InterpError ||
    e instanceof ExperimentError ||
    e instanceof FilterFileError
  )
    return { message: e.message, code: EXIT_USAGE };
  const fs = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof fs.code === "string" && typeof fs.syscall === "string") {
    // Node's "ENOENT: no such file or directory, mkdir 'x'": name the operation, the path and the real reason
    // (mkdir -p under a read-only directory reports the EROFS/EACCES of the first directory it could not make)
    const where = fs.path !== undefined ? ` ${fs.path}` : "";
    const kind = fsErrorKind(fs);
    if (kind !== null)
      return {
        message: `cannot ${fs.syscall}${where}: ${fsReason(fs)}`,
        code: kind === "user" ? EXIT_USAGE : EXIT_INTERNAL,
      };
  }
  if (e instanceof Error) return { message: `internal error: ${e.message}`, code: EXIT_INTERNAL };
  return { message: `internal error: ${String(e)}`, code: EXIT_INTERNAL };
}
