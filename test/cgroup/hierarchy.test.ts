import { describe, expect, it } from "vitest";
import { type Cgroup, CgroupHierarchy, type WriterStep } from "../../src/cgroup/hierarchy.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { EBUSY, EEXIST, EINVAL, ENOENT, EPERM, ERANGE, ESRCH } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { EXIT, userImage } from "../kernel/user-program.ts";

const NR = 310;
const h = () => new CgroupHierarchy({ nrSyscalls: NR });
const mk = (x: CgroupHierarchy, p: string) => {
  const c = x.mkdir(p);
  if (typeof c === "number") throw new Error(`mkdir ${p}: ${c}`);
  return c;
};

describe("syscalls cgroup semantics (Sowa's patch)", () => {
  it("the root starts with every syscall allowed", () => {
    const x = h();
    expect(x.root.allowedList()).toHaveLength(NR);
    expect(x.root.deniedList()).toEqual([]);
    expect(x.root.path).toBe("/");
    expect(x.root.depth).toBe(0);
  });

  it("deny propagates to every descendant", () => {
    const x = h();
    const a = mk(x, "/a");
    const b = mk(x, "/a/b");
    const c = mk(x, "/a/b/c");
    const s = mk(x, "/s");
    expect(x.deny(a, 83)).toBe(0);
    for (const cg of [a, b, c]) expect(cg.allowed(83)).toBe(false);
    expect(x.root.allowed(83)).toBe(true);
    expect(s.allowed(83)).toBe(true);
    expect(c.deniedList()).toEqual([83]);
    expect(c.deniedCount).toBe(1);
  });

  it("allow does not propagate", () => {
    const x = h();
    const a = mk(x, "/a");
    expect(x.deny(a, 39)).toBe(0);
    const b = mk(x, "/a/b");
    expect(b.allowed(39)).toBe(false);
    expect(x.deny(x.root, 40)).toBe(0);
    // root allows 40 again: only the root changes
    expect(x.allow(x.root, 40)).toBe(0);
    expect(x.root.allowed(40)).toBe(true);
    expect(a.allowed(40)).toBe(false);
    expect(b.allowed(40)).toBe(false);
    expect(x.allow(a, 40)).toBe(0);
    expect(a.allowed(40)).toBe(true);
    expect(b.allowed(40)).toBe(false);
  });

  it("allow fails with EPERM when the parent denies", () => {
    const x = h();
    const a = mk(x, "/a");
    const b = mk(x, "/a/b");
    x.deny(a, 2);
    expect(x.allow(b, 2)).toBe(-EPERM);
    expect(b.allowed(2)).toBe(false);
    expect(x.allow(a, 2)).toBe(0); // the root allows it
    expect(x.allow(b, 2)).toBe(0);
    expect(b.allowed(2)).toBe(true);
  });

  it("ERANGE for a number outside the table; EINVAL for a write that is not a number", () => {
    const m = Machine.boot();
    const api = new CgroupHostApi(m);
    expect(m.hierarchy.deny(m.hierarchy.root, NR)).toBe(-ERANGE);
    expect(m.hierarchy.allow(m.hierarchy.root, -1)).toBe(-ERANGE);
    expect(api.write("/syscalls.deny", 310)).toBe(-ERANGE);
    expect(api.write("/syscalls.deny", 309)).toBe(0);
    for (const bad of ["abc", "", "1 2", "-1", "0x10", "1.5"])
      expect(api.write("/syscalls.deny", bad), bad).toBe(-EINVAL);
    expect(api.write("/syscalls.deny", " 12\n")).toBe(0);
    expect(api.read("/syscalls.deny")).toBe("12 309\n");
  });

  it("mkdir copies the parent's current set", () => {
    const x = h();
    const a = mk(x, "/a");
    x.deny(a, 5);
    x.deny(a, 300);
    const b = mk(x, "/a/b");
    expect(b.deniedList()).toEqual([5, 300]);
    expect(b.deniedCount).toBe(2);
    expect(b.depth).toBe(2);
    expect(b.path).toBe("/a/b");
    expect(x.mkdir("/a/b")).toBe(-EEXIST);
    expect(x.mkdir("/a/tasks")).toBe(-EEXIST);
    expect(x.mkdir("/nope/x")).toBe(-ENOENT);
  });

  it("rmdir: EBUSY with children or tasks, ENOENT, EINVAL for the root", () => {
    const m = Machine.boot();
    const api = new CgroupHostApi(m);
    expect(api.mkdir("/a")).toBe(0);
    expect(api.mkdir("/a/b")).toBe(0);
    expect(api.rmdir("/a")).toBe(-EBUSY);
    const t = m.createTask({ name: "t", image: userImage(`_start:\n${EXIT(0)}`) });
    api.move(t, "/a/b");
    expect(api.rmdir("/a/b")).toBe(-EBUSY);
    api.move(t, "/");
    expect(api.rmdir("/a/b")).toBe(0);
    expect(api.rmdir("/a/b")).toBe(-ENOENT);
    expect(api.rmdir("/")).toBe(-EINVAL);
    expect(api.rmdir("/a")).toBe(0);
    expect(m.hierarchy.root.children).toEqual([]);
  });

  it("an exited task leaves its cgroup", () => {
    const m = Machine.boot();
    const api = new CgroupHostApi(m);
    api.mkdir("/a");
    const t = m.createTask({ name: "t", image: userImage(`_start:\n${EXIT(0)}`) });
    api.move(t, "/a");
    expect(api.read("/a/tasks")).toBe(`${t.pid}\n`);
    m.run();
    expect(api.read("/a/tasks")).toBe("");
    expect(api.rmdir("/a")).toBe(0);
  });

  it("fork: the child starts in its parent's cgroup; a task without a parent in the root", () => {
    const m = Machine.boot();
    const api = new CgroupHostApi(m);
    api.mkdir("/a");
    api.mkdir("/a/b");
    const img = userImage(`_start:\n${EXIT(0)}`);
    const p = m.createTask({ name: "p", image: img });
    expect(m.hierarchy.cgroupOf(p)).toBe(m.hierarchy.root);
    api.move(p, "/a/b");
    const c = m.createTask({ name: "c", image: img, parent: p });
    expect(m.hierarchy.cgroupOf(c).path).toBe("/a/b");
    expect(api.read("/a/b/tasks")).toBe(`${p.pid}\n${c.pid}\n`);
  });

  it("moving tasks with the host API and by writing a pid to tasks / cgroup.procs", () => {
    const m = Machine.boot();
    const api = new CgroupHostApi(m);
    api.mkdir("/x");
    api.mkdir("/y");
    const img = userImage(`_start:\n${EXIT(0)}`);
    const t = m.createTask({ name: "t", image: img });
    api.move(t, "/x");
    expect(m.hierarchy.cgroupOf(t).path).toBe("/x");
    expect(api.write("/y/tasks", t.pid)).toBe(0);
    expect(m.hierarchy.cgroupOf(t).path).toBe("/y");
    expect(api.write("/sys/fs/cgroup/syscalls/x/cgroup.procs", `${t.pid}\n`)).toBe(0);
    expect(m.hierarchy.cgroupOf(t).path).toBe("/x");
    expect(api.read("/y/tasks")).toBe("");
    expect(api.write("/y/tasks", 999)).toBe(-ESRCH);
    expect(api.write("/y/tasks", "pid")).toBe(-EINVAL);
    expect(api.write("/nope/tasks", 1)).toBe(-ENOENT);
  });
});

describe("the writers' mutex (syscalls_cgroup_bitmaps_mutex)", () => {
  /** Advance generator g by one step; its result when done. */
  const step = (g: Generator<WriterStep, number>) => g.next();

  it("allow checks the parent's bit then sets its own, under the mutex; a concurrent deny waits", () => {
    const x = h();
    const a = mk(x, "/a");
    const b = mk(x, "/a/b");
    x.deny(b, 7); // b denies 7 itself; a still allows it
    const allow = x.allowSteps(b, 7, "cpu0");
    const deny = x.denySteps(a, 7, "cpu1");
    expect(step(allow).value).toBe("locked");
    expect(step(allow).value).toBe("checked-parent"); // a allows 7
    // cpu1's deny of 7 on a (which must reach b) cannot start before cpu0 is done
    expect(step(deny).value).toBe("blocked");
    expect(x.mutex.contended).toBe(1);
    expect(step(allow).value).toBe("set");
    expect(step(allow)).toEqual({ done: true, value: 0 });
    expect(step(deny).value).toBe("locked");
    const seen: Cgroup[] = [];
    for (let s = step(deny); s.done !== true; s = step(deny)) {
      expect(s.value).toBe("cleared");
      seen.push(a);
    }
    expect(seen).toHaveLength(2); // a, then b
    // serialised: the deny came last and reached b
    expect(a.allowed(7)).toBe(false);
    expect(b.allowed(7)).toBe(false);
    expect(x.mutex.locked).toBe(false);
  });

  it("the host API refuses to run while a writer holds the mutex", () => {
    const x = h();
    const g = x.denySteps(x.root, 1, "cpu1");
    step(g);
    expect(() => x.allow(x.root, 1)).toThrow(/mutex is held/);
    g.return(0);
    expect(x.mutex.locked).toBe(false);
    expect(x.allow(x.root, 1)).toBe(0);
  });
});
