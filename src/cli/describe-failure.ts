// The message and exit code of an error that reaches the top of a command (src/cli/exit-codes.ts): bad input and
// unusable paths exit 2, the guest limits 124/125, a full disk and anything unexpected 3 ("internal error").
import { GuestLimitError } from "../kernel/guest-limits.ts";
import { FilterFileError } from "../kernel/seccomp/filter-file.ts";
import { ExperimentError } from "../measure/experiment.ts";
import { InputFileError } from "../measure/input-file.ts";
import { ElfError } from "../workload/elf.ts";
import { EXIT_BUDGET, EXIT_INTERNAL, EXIT_TIMEOUT, EXIT_USAGE } from "./exit-codes.ts";
import { UsageError } from "./output.ts";

/** File-system errors the user can act on (a path that cannot be read or written) and what they mean. */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a component of the path is not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  ENAMETOOLONG: "path too long",
  ELOOP: "too many symbolic links",
};
/** The host ran out of room: not the user's input, and the run could not complete. */
const FS_FULL: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
};

/** The message and exit code of an error that reached the top. */
export function describeFailure(e: unknown): { message: string; code: number } {
  if (e instanceof GuestLimitError)
    return { message: e.message, code: e.kind === "budget" ? EXIT_BUDGET : EXIT_TIMEOUT };
  if (
    e instanceof UsageError ||
    e instanceof InputFileError ||
    e instanceof ElfError ||
    e instanceof ExperimentError ||
    e instanceof FilterFileError
  )
    return { message: e.message, code: EXIT_USAGE };
  const fs = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof fs.code === "string" && typeof fs.syscall === "string") {
    // Node's "ENOENT: no such file or directory, mkdir 'x'": name the operation, the path and the real reason
    // (mkdir -p under a read-only directory reports the EROFS/EACCES of the first directory it could not make)
    const where = fs.path !== undefined ? ` ${fs.path}` : "";
    if (Object.hasOwn(FS_REASONS, fs.code))
      return { message: `cannot ${fs.syscall}${where}: ${FS_REASONS[fs.code]}`, code: EXIT_USAGE };
    if (Object.hasOwn(FS_FULL, fs.code))
      return { message: `cannot ${fs.syscall}${where}: ${FS_FULL[fs.code]}`, code: EXIT_INTERNAL };
  }
  if (e instanceof Error) return { message: `internal error: ${e.message}`, code: EXIT_INTERNAL };
  return { message: `internal error: ${String(e)}`, code: EXIT_INTERNAL };
}
