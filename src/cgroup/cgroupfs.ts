// cgroupfs for the syscalls hierarchy, mounted at /sys/fs/cgroup/syscalls: one directory per cgroup holding
// `tasks`, `cgroup.procs`, `syscalls.allow` and `syscalls.deny`. Writes take one decimal number (surrounding
// whitespace such as the "\n" of `echo` is stripped, as cgroup_write_X64 does with strstrip); reads give
// syscalls.* as numbers separated by single spaces plus "\n" (the format Sowa adopted in the thread) and
// tasks / cgroup.procs as one pid per line (cgroup_pidlist_show).

import { latin1Decode } from "../cpu/text-bytes.ts";
import { E2BIG, EACCES, EINVAL, ESRCH } from "../kernel/errno.ts";
import type { Task } from "../kernel/task.ts";
import type { MountedFs } from "../kernel/vfs.ts";
import {
  CGROUP_FILES,
  type Cgroup,
  type CgroupFile,
  type CgroupHierarchy,
  ERESTARTNOINTR,
} from "./hierarchy.ts";

export const CGROUPFS_MOUNT = "/sys/fs/cgroup/syscalls";

/** CGROUP_LOCAL_BUFFER_SIZE: a write of this many bytes or more fails with E2BIG (3.1 cgroup_write_X64). */
const LOCAL_BUFFER_SIZE = 64;

const enc = new TextEncoder();

function split(h: CgroupHierarchy, rel: string): { cg: Cgroup; file: CgroupFile } | undefined {
  const i = rel.lastIndexOf("/");
  const name = rel.slice(i + 1);
  if (!(CGROUP_FILES as readonly string[]).includes(name)) return undefined;
  const cg = h.lookup(rel.slice(0, i) || "/");
  return cg === undefined ? undefined : { cg, file: name as CgroupFile };
}

/** One decimal number, whitespace around it ignored; null if the text is anything else. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!/^[0-9]+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** The content a read of `file` in `cg` returns. */
export function cgroupFileText(cg: Cgroup, file: CgroupFile): string {
  switch (file) {
    case "syscalls.allow":
      return `${cg.allowedList().join(" ")}\n`;
    case "syscalls.deny":
      return `${cg.deniedList().join(" ")}\n`;
    case "tasks":
    case "cgroup.procs":
      return [...cg.tasks]
        .map((t) => t.pid)
        .sort((a, b) => a - b)
        .map((p) => `${p}\n`)
        .join("");
  }
}

export class CgroupFs implements MountedFs {
  readonly name = "cgroup";
  private readonly h: CgroupHierarchy;
  private readonly findTask: (pid: number) => Task | undefined;

  /** findTask: a live task by pid (ESRCH when undefined) */
  constructor(h: CgroupHierarchy, findTask: (pid: number) => Task | undefined) {
    this.h = h;
    this.findTask = findTask;
  }

  stat(rel: string): "dir" | "file" | undefined {
    if (this.h.lookup(rel) !== undefined) return "dir";
    return split(this.h, rel) !== undefined ? "file" : undefined;
  }

  mkdir(rel: string): number {
    const r = this.h.mkdir(rel);
    return typeof r === "number" ? r : 0;
  }

  rmdir(rel: string): number {
    return this.h.rmdir(rel);
  }

  read(rel: string): Uint8Array | number {
    const f = split(this.h, rel);
    if (f === undefined) return -EINVAL;
    return enc.encode(cgroupFileText(f.cg, f.file));
  }

  write(rel: string, data: Uint8Array, writer: Task): number {
    const f = split(this.h, rel);
    if (f === undefined) return -EINVAL;
    if (data.length >= LOCAL_BUFFER_SIZE) return -E2BIG;
    const r = writeCgroupFile(this.h, f.cg, f.file, latin1Decode(data), writer, this.findTask);
    return r < 0 ? r : data.length;
  }
}

/**
 * A write of `text` to `file` of `cg`: 0 or -errno. tasks / cgroup.procs: pid 0 is the writer itself; a writer
 * whose euid is not 0 may move only tasks whose uid or suid equals it (EACCES, 3.1 attach_task_by_pid).
 */
export function writeCgroupFile(
  h: CgroupHierarchy,
  cg: Cgroup,
  file: CgroupFile,
  text: string,
  writer: Task | null,
  findTask: (pid: number) => Task | undefined,
): number {
  const n = parseNumber(text);
  if (n === null) return -EINVAL;
  switch (file) {
    case "syscalls.allow":
      return h.allow(cg, n);
    case "syscalls.deny":
      return h.deny(cg, n);
    case "tasks":
    case "cgroup.procs": {
      const t = n === 0 ? writer : findTask(n);
      if (t === null || t === undefined || t.exited) return -ESRCH;
      if (writer !== null) {
        const e = writer.creds.euid;
        if (e !== 0 && e !== t.creds.uid && e !== t.creds.suid) return -EACCES;
      }
      // A guest mover on an SMP machine waits (restarts) while another writer holds the tree mutex.
      if (h.mustWait()) return -ERESTARTNOINTR;
      h.attach(t, cg);
      return 0;
    }
  }
}
