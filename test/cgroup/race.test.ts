// The race the thread names ("there would need to be synchronization between checking the parent bit during an
// ALLOW write, and someone changing the parent bit to a DENY"): an allow of a child racing a deny of its parent
// must never end with the child allowing what its parent denies. Host level: every interleaving of the writers'
// steps. Machine level: guest writers on two CPUs through cgroupfs, and a filtered task seeing a deny land.
import { describe, expect, it } from "vitest";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import {
  type Cgroup,
  CgroupHierarchy,
  type SyncStrategy,
  type WriterStep,
} from "../../src/cgroup/hierarchy.ts";
import { CgroupHostApi } from "../../src/cgroup/host-api.ts";
import { ENOSYS } from "../../src/kernel/errno.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { NR } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { EXIT, userImage } from "../kernel/user-program.ts";

const NRS = 310;
const X = NR.getppid;

/** Cgroups of the hierarchy where a child allows `nr` while its parent denies it. */
function violations(h: CgroupHierarchy, nr: number): string[] {
  return h
    .all()
    .filter((c) => c.parent !== null && c.allowed(nr) && !c.parent.allowed(nr))
    .map((c) => c.path);
}

/** /p allows X, /p/c denies it (so the child's allow has something to do). */
function twoLevels(sync: SyncStrategy) {
  const h = new CgroupHierarchy({ nrSyscalls: NRS, sync });
  const p = h.mkdir("/p") as Cgroup;
  const c = h.mkdir("/p/c") as Cgroup;
  expect(h.deny(p, X)).toBe(0);
  expect(h.allow(p, X)).toBe(0);
  expect([p.allowed(X), c.allowed(X)]).toEqual([true, false]);
  return { h, p, c };
}

interface Outcome {
  schedule: string;
  bad: string[];
  results: number[];
}

/**
 * Every interleaving of allow(/p/c, X) by writer A and deny(/p, X) by writer B. A schedule is the string of
 * writers that took each step; a blocked writer is not scheduled again until the other has moved (spinning on a
 * held lock changes nothing).
 */
function allInterleavings(sync: SyncStrategy): Outcome[] {
  const out: Outcome[] = [];
  const replay = (prefix: string) => {
    const { h, p, c } = twoLevels(sync);
    const gens = [h.allowSteps(c, X, "A"), h.denySteps(p, X, "B")];
    const done: (number | null)[] = [null, null];
    const last: (WriterStep | null)[] = [null, null];
    const trace: string[] = [];
    const step = (i: number) => {
      const s = gens[i]!.next();
      const w = i === 0 ? "A" : "B";
      if (s.done === true) {
        done[i] = s.value;
        trace.push(`${w}:done(${s.value})`);
      } else {
        last[i] = s.value;
        trace.push(`${w}:${s.value}`);
      }
    };
    for (const ch of prefix) step(ch === "A" ? 0 : 1);
    return { h, done, last, trace };
  };
  const explore = (prefix: string) => {
    const { h, done, last, trace } = replay(prefix);
    const movable = [0, 1].filter(
      (i) => done[i] === null && !(last[i] === "blocked" && prefix.at(-1) === (i === 0 ? "A" : "B")),
    );
    if (done[0] !== null && done[1] !== null) {
      out.push({ schedule: trace.join(" "), bad: violations(h, X), results: done as number[] });
      return;
    }
    if (movable.length === 0) throw new Error(`deadlock after ${trace.join(" ")}`);
    for (const i of movable) explore(prefix + (i === 0 ? "A" : "B"));
  };
  explore("");
  return out;
}

describe("allow(child) racing deny(parent), every interleaving of their steps (host)", () => {
  it("with the writers' mutex, no interleaving leaves the child allowing what the parent denies", () => {
    const all = allInterleavings("mutex");
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const o of all) expect(o.bad, o.schedule).toEqual([]);
    // both orders happen: allow first (then the deny clears it again) and deny first (allow gets EPERM)
    expect(new Set(all.map((o) => o.results[0]))).toEqual(new Set([0, -1]));
  });

  for (const sync of ["none", "seqlock-per-cgroup"] as const) {
    it(`with ${sync}, some interleaving leaves the child allowing what the parent denies`, () => {
      const all = allInterleavings(sync);
      const bad = all.filter((o) => o.bad.length > 0);
      expect(bad.length, `${all.length} interleavings, none broke the invariant`).toBeGreaterThan(0);
      // the broken one is the thread's: A checks /p, B clears /p and /p/c, A sets /p/c
      const first = bad[0]!;
      expect(first.bad, first.schedule).toEqual(["/p/c"]);
      expect(first.schedule).toMatch(/A:checked-parent.*B:cleared.*B:cleared.*A:set/);
    });
  }
});

// ---- machine level: guest tasks on two CPUs ----

const CGROOT = "/sys/fs/cgroup/syscalls";

/** open(path, O_WRONLY); write(fd, text); close(fd); the write's result at `result`; exit(0). */
function writerProgram(path: string, text: string, delay = 0): string {
  return `_start:
${"nop\n".repeat(delay)}leaq path(%rip), %rdi
movl $1, %esi
movl $${NR.open}, %eax
syscall
movq %rax, %r12
movq %r12, %rdi
leaq val(%rip), %rsi
movl $${text.length}, %edx
movl $${NR.write}, %eax
syscall
movq %rax, result(%rip)
movq %r12, %rdi
movl $${NR.close}, %eax
syscall
${EXIT(0)}
.align 8
result: .quad 0
path: .ascii "${path}\\0"
val: .ascii "${text}"
`;
}

describe("a deny written on CPU 1 lands on a filtered task running on CPU 0", () => {
  it("every getppid before the deny succeeds, every one after it returns -ENOSYS", () => {
    const CALLS = 60;
    const m = Machine.boot({ cpus: 2, design: getDesign("cgroup-composed") });
    const api = new CgroupHostApi(m);
    const loop = `_start:
leaq results(%rip), %rbx
movl $${CALLS}, %r12d
1:
movl $${X}, %eax
syscall
movq %rax, (%rbx)
addq $8, %rbx
decl %r12d
jnz 1b
${EXIT(0)}
.align 8
results: .zero ${8 * CALLS}
`;
    const fimg = userImage(loop);
    const filtered = m.createTask({ name: "filtered", image: fimg, cpu: 0 });
    const wimg = userImage(writerProgram(`${CGROOT}/jail/syscalls.deny`, `${X}`, 500));
    const writer = m.createTask({ name: "writer", image: wimg, cpu: 1 });
    expect(api.mkdir("/jail")).toBe(0);
    api.move(filtered, "/jail");
    // a logical clock: instructions retired by both CPUs
    const clock = () => m.cpus[0]!.instret + m.cpus[1]!.instret;
    const entries: number[] = [];
    m.cpus[0]!.addProbe(m.sym("system_call"), () => entries.push(clock()));
    let published = -1;
    const design = m.hierarchy.listener!;
    m.hierarchy.listener = {
      cgroupCreated: (c) => design.cgroupCreated(c),
      cgroupRemoved: (c) => design.cgroupRemoved(c),
      taskAttached: (t, c, f) => design.taskAttached(t, c, f),
      policyChanged: (cgs) => {
        design.policyChanged(cgs);
        published = clock(); // the guest bitmap the data plane tests now denies X
      },
    };
    const steps: string[] = [];
    m.hierarchy.onStep = (_w, s) => steps.push(s);
    const r = m.run({ quantum: 10 });
    expect(r.reason).toBe("exited");
    expect([filtered.exitCode, writer.exitCode]).toEqual([0, 0]);
    expect(Number(writer.space.read64(Number(wimg.symbols.get("result")!)))).toBe(3);
    expect(steps).toEqual(["locked", "cleared", "done"]);
    const results = Array.from({ length: CALLS }, (_, i) =>
      Number(BigInt.asIntN(64, filtered.space.read64(Number(fimg.symbols.get("results")!) + 8 * i))),
    );
    const firstDenied = results.indexOf(-ENOSYS);
    expect(firstDenied, results.join(" ")).toBeGreaterThan(0);
    // monotonic: allowed (the parent's pid, 0 here) up to a point, then denied for good
    expect(results.slice(0, firstDenied).every((v) => v === 0)).toBe(true);
    expect(results.slice(firstDenied).every((v) => v === -ENOSYS)).toBe(true);
    expect(published).toBeGreaterThan(0);
    entries.push(Number.POSITIVE_INFINITY); // the exit call bounds the last getppid
    results.forEach((v, i) => {
      // call i runs between its entry and the next entry
      if (entries[i + 1]! < published) expect(v, `call ${i} ended before the deny was published`).toBe(0);
      if (entries[i]! > published) expect(v, `call ${i} began after the deny was published`).toBe(-ENOSYS);
    });
  });
});

describe("two guest writers on two CPUs: allow /p/c racing deny /p", () => {
  /** One race: CPU 0 allows X in /p/c, CPU 1 denies X in /p; `delay` > 0 starts B later, < 0 starts A later. */
  function race(sync: SyncStrategy, quantum: number, delay: number) {
    const m = Machine.boot({ cpus: 2, cgroupSync: sync, design: getDesign("cgroup-composed") });
    const api = new CgroupHostApi(m);
    expect(api.mkdir("/p")).toBe(0);
    expect(api.mkdir("/p/c")).toBe(0);
    expect(api.write("/p/syscalls.deny", X)).toBe(0);
    expect(api.write("/p/syscalls.allow", X)).toBe(0);
    const a = m.createTask({
      name: "allow",
      image: userImage(writerProgram(`${CGROOT}/p/c/syscalls.allow`, `${X}`, Math.max(0, -delay))),
      cpu: 0,
    });
    const b = m.createTask({
      name: "deny",
      image: userImage(writerProgram(`${CGROOT}/p/syscalls.deny`, `${X}`, Math.max(0, delay))),
      cpu: 1,
    });
    const trace: string[] = [];
    m.hierarchy.onStep = (w, s) => trace.push(`${w === a ? "A" : "B"}:${s}`);
    const r = m.run({ quantum });
    expect(r.reason).toBe("exited");
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    return {
      bad: violations(m.hierarchy, X),
      trace: trace.join(" "),
      contended: m.hierarchy.mutex.contended,
    };
  }

  const DELAYS = Array.from({ length: 13 }, (_, k) => k - 6);

  it("with the mutex the invariant holds for every start offset and quantum; the writers contend", () => {
    let contended = 0;
    for (const q of [1, 2, 3])
      for (const k of DELAYS) {
        const o = race("mutex", q, k);
        expect(o.bad, `quantum ${q}, delay ${k}: ${o.trace}`).toEqual([]);
        contended += o.contended;
      }
    expect(contended).toBeGreaterThan(0);
  });

  it("with no lock some offset breaks it (the check-then-set is preempted by the deny)", () => {
    const broken: string[] = [];
    for (const q of [1, 2, 3])
      for (const k of DELAYS) {
        const o = race("none", q, k);
        if (o.bad.length > 0) broken.push(`quantum ${q}, delay ${k}: ${o.trace}`);
      }
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0]).toMatch(/A:checked-parent.*B:cleared B:cleared.*A:set/);
  });
});
