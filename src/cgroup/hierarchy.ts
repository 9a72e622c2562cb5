// The syscalls cgroup hierarchy, host side, with the semantics of Łukasz Sowa's published patch
// (docs/sources.md#sowa-cgroup): bit set = allowed; the root starts all-allowed; mkdir copies the
// parent's bitmap; deny clears the bit in the cgroup and every descendant; allow sets it in the cgroup only and
// fails with EPERM when the parent denies it. Writers are serialised by one global mutex (or, for comparison, by
// the RFC's per-cgroup seqlock, or not at all), and allow/deny are written as explicit steps (generators) so a
// test can interleave two writers the way two CPUs would; on an SMP machine a guest write runs one step per
// invocation of the write native (see `stepwise`).
import { EBUSY, EEXIST, EINVAL, ENOENT, ENOTDIR, EPERM, ERANGE } from "../kernel/errno.ts";
import type { Task } from "../kernel/task.ts";
import { Mutex, SeqLock } from "./mutex.ts";

/**
 * ERESTARTNOINTR (include/linux/errno.h, kernel-internal, never seen by user space): the write has not finished
 * and its native must run again with the same arguments (the machine re-enters it; a preemption point).
 */
export const ERESTARTNOINTR = 513;

/**
 * How writers of the bitmaps are synchronised. `mutex`: Sowa's published patch (one global
 * syscalls_cgroup_bitmaps_mutex held across check-then-set and across a deny's whole walk). `seqlock-per-cgroup`:
 * the RFC of the thread (write_seqlock of the one cgroup whose bit changes, nothing across cgroups). `none`.
 */
export type SyncStrategy = "mutex" | "seqlock-per-cgroup" | "none";
export const SYNC_STRATEGIES: readonly SyncStrategy[] = ["mutex", "seqlock-per-cgroup", "none"];

/** The control files of every cgroup directory. */
export const CGROUP_FILES = ["tasks", "cgroup.procs", "syscalls.allow", "syscalls.deny"] as const;
export type CgroupFile = (typeof CGROUP_FILES)[number];

/** Who hears about changes (the active design); called after the change, with the writers' mutex held. */
export interface CgroupListener {
  cgroupCreated(cg: Cgroup): void;
  cgroupRemoved(cg: Cgroup): void;
  policyChanged(cgs: readonly Cgroup[]): void;
  taskAttached(task: Task, cg: Cgroup, from: Cgroup | null): void;
  /** the task exited and left its cgroup (cgroup_exit) */
  taskExited?(task: Task, cg: Cgroup): void;
}

/** What a writer reports between its steps (a test drives two writers step by step). */
export type WriterStep =
  | "blocked" // the mutex is held by another writer: retry
  | "locked" // got the mutex
  | "seq-locked" // seqlock-per-cgroup: inside write_seqlock of the cgroup about to change
  | "checked-parent" // allow: read the parent's bit
  | "set" // allow: set the bit in the cgroup
  | "cleared"; // deny: cleared the bit in one cgroup (the cgroup itself, then each descendant)

export class Cgroup {
  readonly id: number;
  readonly name: string;
  /** "/a/b" relative to the mount; the root is "/" */
  readonly path: string;
  parent: Cgroup | null;
  readonly children: Cgroup[] = [];
  readonly tasks = new Set<Task>();
  /** root 0 */
  readonly depth: number;
  /** NR_syscalls bits, bit set = allowed (syscalls_bitmap); little-endian bit order as the kernel's bitmaps */
  readonly bitmap: Uint8Array;
  /** number of denied syscalls (deny_bit_count of the patch) */
  deniedCount: number;
  readonly nrSyscalls: number;
  /** false once removed */
  online = true;
  /** the RFC's scg->seqlock (used by the `seqlock-per-cgroup` strategy only) */
  readonly seqlock: SeqLock;

  constructor(id: number, name: string, parent: Cgroup | null, nrSyscalls: number) {
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.depth = parent === null ? 0 : parent.depth + 1;
    this.path = parent === null ? "/" : parent.path === "/" ? `/${name}` : `${parent.path}/${name}`;
    this.nrSyscalls = nrSyscalls;
    this.seqlock = new SeqLock(`${this.path}:seqlock`);
    this.bitmap = new Uint8Array(Math.ceil(nrSyscalls / 8));
    if (parent === null) {
      for (let nr = 0; nr < nrSyscalls; nr++) this.bitmap[nr >> 3]! |= 1 << (nr & 7);
      this.deniedCount = 0;
    } else {
      this.bitmap.set(parent.bitmap);
      this.deniedCount = parent.deniedCount;
    }
  }

  allowed(nr: number): boolean {
    return nr >= 0 && nr < this.nrSyscalls && ((this.bitmap[nr >> 3]! >> (nr & 7)) & 1) === 1;
  }

  allowedList(): number[] {
    const out: number[] = [];
    for (let nr = 0; nr < this.nrSyscalls; nr++) if (this.allowed(nr)) out.push(nr);
    return out;
  }

  deniedList(): number[] {
    const out: number[] = [];
    for (let nr = 0; nr < this.nrSyscalls; nr++) if (!this.allowed(nr)) out.push(nr);
    return out;
  }

  /** this cgroup and every descendant, parents before children */
  *subtree(): Generator<Cgroup> {
    yield this;
    for (const c of this.children) yield* c.subtree();
  }

  /** this cgroup, its parent, … the root */
  *ancestry(): Generator<Cgroup> {
    for (let c: Cgroup | null = this; c !== null; c = c.parent) yield c;
  }

  /** set_bit / clear_bit; keeps deniedCount */
  setBit(nr: number, allowed: boolean): void {
    const was = this.allowed(nr);
    if (was === allowed) return;
    if (allowed) this.bitmap[nr >> 3]! |= 1 << (nr & 7);
    else this.bitmap[nr >> 3]! &= ~(1 << (nr & 7));
    this.deniedCount += allowed ? -1 : 1;
  }
}

export interface CgroupHierarchyOptions {
  /** bits per bitmap: NR_syscalls of the syscall table */
  nrSyscalls: number;
  /** writer synchronisation (default `mutex`, the published patch) */
  sync?: SyncStrategy;
}

/** Parse a cgroupfs path ("/a/b", "a/b/", "/") into its components; "." and ".." are not cgroup names. */
function components(path: string): string[] | null {
  const parts = path.split("/").filter((s) => s !== "");
  return parts.some((s) => s === "." || s === "..") ? null : parts;
}

export class CgroupHierarchy {
  readonly root: Cgroup;
  readonly nrSyscalls: number;
  /** syscalls_cgroup_bitmaps_mutex: serialises every writer of bitmaps and of the tree */
  readonly mutex = new Mutex("syscalls_cgroup_bitmaps_mutex");
  listener: CgroupListener | null = null;
  readonly sync: SyncStrategy;
  /**
   * Set by an SMP machine: the guest writer running now (its current task), or null for the host. A guest
   * allow/deny then advances its writer by one step per call and returns -ERESTARTNOINTR until it is done.
   */
  stepwise: (() => unknown) | null = null;
  /** every step a stepwise writer takes, as it takes it (for tests that show an interleaving) */
  onStep: ((writer: unknown, step: WriterStep | "done") => void) | null = null;
  private readonly inFlight = new Map<unknown, Generator<WriterStep, number>>();
  private nextId = 1;
  private readonly taskCg = new Map<Task, Cgroup>();

  constructor(opts: CgroupHierarchyOptions) {
    if (!Number.isInteger(opts.nrSyscalls) || opts.nrSyscalls <= 0)
      throw new Error(`CgroupHierarchy: bad nrSyscalls ${opts.nrSyscalls}`);
    this.nrSyscalls = opts.nrSyscalls;
    this.sync = opts.sync ?? "mutex";
    if (!SYNC_STRATEGIES.includes(this.sync))
      throw new Error(`CgroupHierarchy: bad sync strategy ${this.sync}`);
    this.root = new Cgroup(this.nextId++, "", null, opts.nrSyscalls);
  }

  lookup(path: string): Cgroup | undefined {
    const parts = components(path);
    if (parts === null) return undefined;
    let cg: Cgroup = this.root;
    for (const p of parts) {
      const c = cg.children.find((x) => x.name === p);
      if (c === undefined) return undefined;
      cg = c;
    }
    return cg;
  }

  /** Every cgroup, parents before children. */
  all(): Cgroup[] {
    return [...this.root.subtree()];
  }

  /** mkdir: a new cgroup copying its parent's bitmap. ENOENT (no parent), EEXIST, ENOTDIR (parent is a file). */
  mkdir(path: string): Cgroup | number {
    const parts = components(path);
    if (parts === null) return -EINVAL;
    if (parts.length === 0) return -EEXIST;
    const name = parts[parts.length - 1]!;
    const parentParts = parts.slice(0, -1);
    if (parentParts.length > 0 && (CGROUP_FILES as readonly string[]).includes(parentParts.at(-1)!)) {
      const gp = this.lookup(`/${parentParts.slice(0, -1).join("/")}`);
      if (gp !== undefined) return -ENOTDIR;
    }
    const parent = this.lookup(`/${parentParts.join("/")}`);
    if (parent === undefined) return -ENOENT;
    if ((CGROUP_FILES as readonly string[]).includes(name)) return -EEXIST;
    if (parent.children.some((c) => c.name === name)) return -EEXIST;
    if (this.mustWait()) return -ERESTARTNOINTR;
    const me = {};
    this.treeLock(me);
    try {
      const cg = new Cgroup(this.nextId++, name, parent, this.nrSyscalls);
      parent.children.push(cg);
      this.listener?.cgroupCreated(cg);
      return cg;
    } finally {
      this.treeUnlock(me);
    }
  }

  /** rmdir: EBUSY with tasks or children, ENOENT, EINVAL for the root. */
  rmdir(path: string): number {
    const parts = components(path);
    if (parts === null) return -EINVAL;
    if (parts.length === 0) return -EINVAL;
    const cg = this.lookup(path);
    if (cg === undefined) {
      const parent = this.lookup(`/${parts.slice(0, -1).join("/")}`);
      if (parent !== undefined && (CGROUP_FILES as readonly string[]).includes(parts.at(-1)!))
        return -ENOTDIR;
      return -ENOENT;
    }
    if (cg.tasks.size > 0 || cg.children.length > 0) return -EBUSY;
    if (this.mustWait()) return -ERESTARTNOINTR;
    const me = {};
    this.treeLock(me);
    try {
      const p = cg.parent!;
      p.children.splice(p.children.indexOf(cg), 1);
      cg.online = false;
      this.listener?.cgroupRemoved(cg);
      return 0;
    } finally {
      this.treeUnlock(me);
    }
  }

  private rangeCheck(nr: number): number {
    return Number.isInteger(nr) && nr >= 0 && nr < this.nrSyscalls ? 0 : -ERANGE;
  }

  /**
   * The allow write as steps. `mutex`: lock, check the parent's bit, set the cgroup's own bit, unlock.
   * `seqlock-per-cgroup`: check the parent's bit (no lock), write_seqlock(cg), set, write_sequnlock. `none`: check,
   * set. Returns 0, -EPERM (the parent denies it) or -ERANGE. `owner` identifies the writer to the locks.
   */
  *allowSteps(cg: Cgroup, nr: number, owner: unknown = {}): Generator<WriterStep, number> {
    const r = this.rangeCheck(nr);
    if (r !== 0) return r;
    const global = this.sync === "mutex";
    if (global) while (!this.mutex.tryLock(owner)) yield "blocked";
    try {
      if (global) yield "locked";
      const parentAllows = cg.parent === null || cg.parent.allowed(nr);
      yield "checked-parent";
      if (!parentAllows) return -EPERM;
      const changed = !cg.allowed(nr);
      if (this.sync === "seqlock-per-cgroup") {
        while (!cg.seqlock.tryWriteLock(owner)) yield "blocked";
        try {
          yield "seq-locked";
          cg.setBit(nr, true);
        } finally {
          cg.seqlock.writeUnlock(owner);
        }
      } else cg.setBit(nr, true);
      yield "set";
      if (changed) this.listener?.policyChanged([cg]);
      return 0;
    } finally {
      if (global) this.mutex.unlock(owner);
    }
  }

  /**
   * The deny write as steps: (lock,) clear the bit in the cgroup, then in each descendant, (unlock). With
   * `seqlock-per-cgroup` each clear is inside that cgroup's write_seqlock. 0 or -ERANGE.
   */
  *denySteps(cg: Cgroup, nr: number, owner: unknown = {}): Generator<WriterStep, number> {
    const r = this.rangeCheck(nr);
    if (r !== 0) return r;
    const global = this.sync === "mutex";
    if (global) while (!this.mutex.tryLock(owner)) yield "blocked";
    try {
      if (global) yield "locked";
      const touched: Cgroup[] = [];
      for (const c of cg.subtree()) {
        if (c.allowed(nr)) touched.push(c);
        if (this.sync === "seqlock-per-cgroup") {
          while (!c.seqlock.tryWriteLock(owner)) yield "blocked";
          try {
            yield "seq-locked";
            c.setBit(nr, false);
          } finally {
            c.seqlock.writeUnlock(owner);
          }
        } else c.setBit(nr, false);
        yield "cleared";
      }
      if (touched.length > 0) this.listener?.policyChanged(touched);
      return 0;
    } finally {
      if (global) this.mutex.unlock(owner);
    }
  }

  allow(cg: Cgroup, nr: number): number {
    return this.write(cg, nr, "allow");
  }

  deny(cg: Cgroup, nr: number): number {
    return this.write(cg, nr, "deny");
  }

  /** Host writers run to the end; a stepwise (guest, SMP) writer takes one step per call. */
  private write(cg: Cgroup, nr: number, op: "allow" | "deny"): number {
    const who = this.stepwise?.() ?? null;
    if (who === null) return runToEnd(op === "allow" ? this.allowSteps(cg, nr) : this.denySteps(cg, nr), op);
    let g = this.inFlight.get(who);
    if (g === undefined) {
      g = op === "allow" ? this.allowSteps(cg, nr, who) : this.denySteps(cg, nr, who);
      this.inFlight.set(who, g);
    }
    const s = g.next();
    if (s.done === true) {
      this.inFlight.delete(who);
      this.onStep?.(who, "done");
      return s.value;
    }
    this.onStep?.(who, s.value);
    return -ERESTARTNOINTR;
  }

  /** A stepwise writer must not take the tree lock while another writer holds it: it retries instead. */
  mustWait(): boolean {
    return this.sync === "mutex" && this.mutex.locked && (this.stepwise?.() ?? null) !== null;
  }

  private treeLock(me: unknown): void {
    if (this.sync === "mutex") this.mutex.lock(me);
  }

  private treeUnlock(me: unknown): void {
    if (this.sync === "mutex") this.mutex.unlock(me);
  }

  /** Move (or place, at creation) a task; the listener hears of it unless the task is already there. */
  attach(task: Task, cg: Cgroup): void {
    if (!cg.online) throw new Error(`attach: cgroup ${cg.path} was removed`);
    const from = this.taskCg.get(task) ?? null;
    if (from === cg) return;
    const me = {};
    this.treeLock(me);
    try {
      from?.tasks.delete(task);
      cg.tasks.add(task);
      this.taskCg.set(task, cg);
      this.listener?.taskAttached(task, cg, from);
    } finally {
      this.treeUnlock(me);
    }
  }

  /** cgroup_exit: an exited task leaves its cgroup (so rmdir no longer sees it). */
  exit(task: Task): void {
    const g = this.inFlight.get(task);
    if (g !== undefined) {
      // a writer killed mid-write: its generator's finally blocks release what it holds
      this.inFlight.delete(task);
      g.return(0);
    }
    const cg = this.taskCg.get(task);
    if (cg === undefined) return;
    cg.tasks.delete(task);
    this.taskCg.delete(task);
    this.listener?.taskExited?.(task, cg);
  }

  cgroupOf(task: Task): Cgroup {
    const cg = this.taskCg.get(task);
    if (cg === undefined)
      throw new Error(`task ${task.pid} is in no cgroup (exited, or not created by Machine)`);
    return cg;
  }
}

/** Run a writer to completion on the host: it must never find the mutex held (host API misuse otherwise). */
function runToEnd(g: Generator<WriterStep, number>, what: string): number {
  for (;;) {
    const s = g.next();
    if (s.done === true) return s.value;
    if (s.value === "blocked") {
      g.return(0);
      throw new Error(`${what}: syscalls_cgroup_bitmaps_mutex is held by an unfinished writer`);
    }
  }
}
