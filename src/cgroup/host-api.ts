// The host's way to drive cgroupfs (tests, experiments): the same operations a guest performs with mkdir, rmdir,
// open/write/read on /sys/fs/cgroup/syscalls, with the same results, as root, without running guest code.

import { EINVAL, EISDIR, ENOENT } from "../kernel/errno.ts";
import type { Machine } from "../kernel/machine.ts";
import type { Task } from "../kernel/task.ts";
import { normalize } from "../kernel/vfs.ts";
import { CGROUPFS_MOUNT, cgroupFileText, writeCgroupFile } from "./cgroupfs.ts";
import { CGROUP_FILES, type Cgroup, type CgroupFile } from "./hierarchy.ts";

/** A path relative to the mount ("/a/b", "a/b") or absolute under it ("/sys/fs/cgroup/syscalls/a/b"). */
function rel(path: string): string {
  const p = normalize("/", path);
  if (p === CGROUPFS_MOUNT) return "/";
  return p.startsWith(`${CGROUPFS_MOUNT}/`) ? p.slice(CGROUPFS_MOUNT.length) : p;
}

export class CgroupHostApi {
  private readonly m: Machine;

  constructor(m: Machine) {
    this.m = m;
  }

  /** 0 or -errno (EEXIST, ENOENT, ENOTDIR) */
  mkdir(path: string): number {
    const r = this.m.hierarchy.mkdir(rel(path));
    return typeof r === "number" ? r : 0;
  }

  /** 0 or -errno (EBUSY with tasks or children, ENOENT, EINVAL for the root) */
  rmdir(path: string): number {
    return this.m.hierarchy.rmdir(rel(path));
  }

  /** Write `value` to a control file ("/a/syscalls.deny"): 0 or -errno (EINVAL, ERANGE, EPERM, ESRCH, ENOENT). */
  write(path: string, value: string | number): number {
    const f = this.file(path);
    if (typeof f === "number") return f;
    return writeCgroupFile(this.m.hierarchy, f.cg, f.file, String(value), null, (pid) =>
      this.m.tasks.find((t) => t.pid === pid && !t.exited),
    );
  }

  /** The content of a control file, or -errno. */
  read(path: string): string | number {
    const f = this.file(path);
    if (typeof f === "number") return f;
    return cgroupFileText(f.cg, f.file);
  }

  /** Move a task into the cgroup at `path` (as writing its pid to `tasks`); Error if there is no such cgroup. */
  move(task: Task, path: string): void {
    const cg = this.m.hierarchy.lookup(rel(path));
    if (cg === undefined) throw new Error(`move: no cgroup ${path}`);
    this.m.hierarchy.attach(task, cg);
  }

  private file(path: string): { cg: Cgroup; file: CgroupFile } | number {
    const p = rel(path);
    if (this.m.hierarchy.lookup(p) !== undefined) return -EISDIR;
    const i = p.lastIndexOf("/");
    const name = p.slice(i + 1);
    const cg = this.m.hierarchy.lookup(p.slice(0, i) || "/");
    if (cg === undefined) return -ENOENT;
    if (!(CGROUP_FILES as readonly string[]).includes(name)) return name === "" ? -EINVAL : -ENOENT;
    return { cg, file: name as CgroupFile };
  }
}
