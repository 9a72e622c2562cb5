// What a file-system error means, in words: the one table behind every "cannot read/write PATH: REASON" message.
// Node's own text ("ENOENT: no such file or directory, open 'x'") repeats the path and hides the reason's meaning.

/** Errors the user can act on: a path that cannot be read or written. */
const USER_REASONS: ReadonlyMap<string, string> = new Map([
  ["ENOENT", "no such file or directory"],
  ["EACCES", "permission denied"],
  ["EPERM", "operation not permitted"],
  ["EROFS", "read-only file system"],
  ["ENOTDIR", "a component of the path is not a directory"],
  ["EISDIR", "is a directory"],
  ["EEXIST", "already exists"],
  ["ENAMETOOLONG", "path too long"],
  ["ELOOP", "too many symbolic links"],
]);

/** The host ran out of room: not the user's input, and the run could not complete. */
const HOST_REASONS: ReadonlyMap<string, string> = new Map([
  ["ENOSPC", "no space left on device"],
  ["EDQUOT", "disk quota exceeded"],
  ["EMFILE", "too many open files"],
  ["ENFILE", "too many open files in the system"],
  ["EIO", "input/output error"],
]);

function codeOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A file-system error as "read-only file system" rather than Node's "EROFS: …, open '…'". */
export function fsReason(e: unknown): string {
  const code = codeOf(e);
  if (code !== undefined) return USER_REASONS.get(code) ?? HOST_REASONS.get(code) ?? code;
  return e instanceof Error ? e.message : String(e);
}

/** How a file-system error is to be reported: the user's path ("user"), the host's failure ("host"), or neither. */
export function fsErrorKind(e: unknown): "user" | "host" | null {
  const code = codeOf(e);
  if (code === undefined) return null;
  if (USER_REASONS.has(code)) return "user";
  if (HOST_REASONS.has(code)) return "host";
  return null;
}
