// issue 15 / issue 11 item 3: exited and reaped tasks give back their memory; kernel stacks live in the shared
// kernel half; the task and memory limits reach the guest as EAGAIN and ENOMEM.
import { describe, expect, it } from "vitest";
import { runExec } from "../../src/cli/exec.ts";
import { PAGE_SIZE } from "../../src/cpu/memory.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { TASK_STRUCT_SIZE } from "../../src/kernel/task-struct.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { userImage } from "./user-program.ts";

const profile = getProfile("sandybridge-2011");
const HOSTILE = "test/fixtures/bin/hostile/";

/** fork → the child exits at once → wait4, `n` times (raw syscalls: no libc), then exit(0). Counts in r12. */
function forkWaitLoop(n: number): string {
  return `_start:
  movq $${n}, %r12
again:
  movl $57, %eax
  syscall
  testq %rax, %rax
  jz child
  js fail
  movq $-1, %rdi
  xorl %esi, %esi
  xorl %edx, %edx
  xorl %r10d, %r10d
  movl $61, %eax
  syscall
  testq %rax, %rax
  js fail
  decq %r12
  jnz again
  movl $60, %eax
  xorl %edi, %edi
  syscall
child:
  movl $60, %eax
  xorl %edi, %edi
  syscall
fail:
  movq %rax, %rdi
  negq %rdi
  movl $60, %eax
  syscall
`;
}

function runLoop(n: number) {
  const m = Machine.boot();
  const t = m.createTask({ name: "loop", image: userImage(forkWaitLoop(n)) });
  const r = m.run({ maxInstructions: 50_000_000 });
  return { m, t, r };
}

describe("task lifecycle: reaped tasks give everything back", () => {
  it("20,000 short-lived processes (fork, exit, wait4) run to the end; memory and kernel mappings stay flat", () => {
    // before: ENOMEM after 249 iterations (reaped children kept their frames and kernel stacks)
    const small = runLoop(10);
    const big = runLoop(20_000);
    expect(big.r.reason).toBe("exited");
    expect(big.t.exitCode).toBe(0);
    expect(big.m.reaped.tasks).toBe(20_000);
    expect(big.m.tasks).toEqual([big.t]);
    // the same frames in use, the same kernel mappings, the same run queue after 20,000 as after 10 children
    expect(big.m.phys.framesInUse).toBe(small.m.phys.framesInUse);
    expect(big.m.kspace.ptes.size).toBe(small.m.kspace.ptes.size);
    expect(big.m.sched.runQueue).toEqual([big.t]);
    expect(big.m.reaped.perSyscall.get(60)?.calls).toBe(20_000);
  }, 600_000); // about 16 s of CPU

  it("kernel stacks are mapped once, in the shared kernel half: a task's page tables hold only its user half", () => {
    const { m } = runLoop(3);
    const t = m.createTask({ name: "x", image: userImage(forkWaitLoop(1)) });
    expect([...t.space.ptes.keys()].every((vpn) => vpn >= 0)).toBe(true);
    // yet the kernel sees its stack and task_struct through it
    expect(t.space.lookup(t.threadInfo)).not.toBe(0);
    expect(t.space.lookup(t.stackTop - 8)).not.toBe(0);
    expect(t.space.lookup(t.taskStruct)).not.toBe(0);
    // a stack mapped after the space was made is seen at once (no copy into existing spaces)
    const later = m.createTask({ name: "y", image: userImage(forkWaitLoop(1)) });
    expect(t.space.lookup(later.threadInfo)).toBe(m.kspace.lookup(later.threadInfo));
  });

  it("a reaped task's kernel stack is unmapped and its task_struct slot reused", () => {
    const m = Machine.boot();
    const t = m.createTask({ name: "p", image: userImage(forkWaitLoop(2)) });
    m.run({ maxInstructions: 1_000_000 });
    expect(t.exitCode).toBe(0);
    const pages = m.kspace.ptes.size;
    m.releaseTask(t);
    expect(m.kspace.lookup(t.threadInfo)).toBe(0);
    expect(m.kspace.ptes.size).toBe(pages - 8192 / PAGE_SIZE);
    const u = m.createTask({ name: "q", image: userImage(forkWaitLoop(1)) });
    expect(u.taskStruct).toBe(t.taskStruct);
  });

  it("the glibc-free C program of the report reaps 1,000 children (natively unlimited; here it stopped at 249)", () => {
    const r = runExec({ program: `${HOSTILE}fork-wait`, args: ["1000"], profile });
    expect(r.stdout).toBe("reaped 1000 children\n");
    expect(r.exitCode).toBe(0);
    expect(r.tasks).toBe(1001);
  });
});

/** fork until fork fails, yielding after each fork so that the child runs and exits; children are never waited
 *  for; the parent keeps -errno in r13, the
 *  number of children in r12, then calls sched_yield for ever (the zombies stay). */
const FORK_NO_WAIT = `_start:
  xorl %r12d, %r12d
again:
  movl $57, %eax
  syscall
  testq %rax, %rax
  jz child
  js failed
  incq %r12
  movl $24, %eax
  syscall
  jmp again
child:
  movl $60, %eax
  movl $7, %edi
  syscall
failed:
  movq %rax, %r13
spin:
  movl $24, %eax
  syscall
  jmp spin
`;

function zombies(maxTasks: number) {
  const m = Machine.boot({ limits: { maxTasks } });
  const t = m.createTask({ name: "parent", image: userImage(FORK_NO_WAIT) });
  // the parent spins once fork has failed: run until every child has exited and the parent is spinning
  for (let i = 0; i < 100; i++) {
    m.run({ maxInstructions: 2_000_000 });
    if (m.tasks.length === maxTasks && m.tasks.every((c) => c === t || c.exited)) break;
  }
  return { m, t, children: m.tasks.filter((c) => c !== t) };
}

describe("task lifecycle: memory goes back at exit, not at reaping", () => {
  it("children that exit and are never waited for: zombies count toward the task limit (EAGAIN), memory stays flat", () => {
    const few = zombies(16);
    const many = zombies(4096);
    for (const z of [few, many]) {
      expect(z.children.length).toBe(z.m.limits.maxTasks - 1);
      expect(z.children.every((c) => c.exited && c.exitCode === 7)).toBe(true);
      expect(z.m.cpu.getReg(13)).toBe(BigInt.asUintN(64, -11n)); // fork: -EAGAIN
      expect(z.m.cpu.getReg(12)).toBe(BigInt(z.m.limits.maxTasks - 1));
      // a zombie has no user pages and no kernel stack left
      expect(z.children.every((c) => c.space.ptes.size === 0 && z.m.kspace.lookup(c.threadInfo) === 0)).toBe(
        true,
      );
    }
    // 4,080 more zombies cost only their task_structs (kernel heap pages): before, each kept its user pages, page
    // tables and kernel stack (≥ 5 frames)
    const heapPages = Math.ceil(((4096 - 16) * TASK_STRUCT_SIZE) / PAGE_SIZE) + 1;
    expect(many.m.phys.framesInUse - few.m.phys.framesInUse).toBeLessThanOrEqual(heapPages);
    expect(many.m.kspace.ptes.size - few.m.kspace.ptes.size).toBeLessThanOrEqual(heapPages);
  }, 300_000);

  it("zombies whose parent exits are reaped by init: their accounting moves to `reaped`", () => {
    const m = Machine.boot({ limits: { maxTasks: 40 } });
    const t = m.createTask({
      name: "parent",
      image: userImage(
        FORK_NO_WAIT.replace(
          "spin:\n  movl $24, %eax\n  syscall\n  jmp spin",
          "  movl $60, %eax\n  xorl %edi, %edi\n  syscall",
        ),
      ),
    });
    const r = m.run({ maxInstructions: 10_000_000 });
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(m.tasks).toEqual([t]); // the host-created parent stays until the host releases it
    expect(m.reaped.tasks).toBe(39);
    expect(m.reaped.perSyscall.get(60)?.calls).toBe(39);
  });
});

describe("guest limits: EAGAIN and ENOMEM", () => {
  it("limits.maxTasks: fork returns EAGAIN at the limit of live tasks (RLIMIT_NPROC-like)", () => {
    const r = runExec({ program: `${HOSTILE}fork-limit`, args: [], profile, limits: { maxTasks: 10 } });
    expect(r.stdout).toBe("fork failed after 9 children: Resource temporarily unavailable\nreaped 9\n");
    expect(r.exitCode).toBe(0);
  });

  it("limits.memoryBytes: mmap returns ENOMEM when guest memory runs out; the program goes on", () => {
    const r = runExec({
      program: `${HOSTILE}mmap-limit`,
      args: [],
      profile,
      limits: { memoryBytes: 32 << 20 },
    });
    expect(r.stdout).toMatch(/^mmap: (\d+) MiB, then Out of memory\n$/);
    const mib = Number(/(\d+) MiB/.exec(r.stdout)![1]);
    expect(mib).toBeGreaterThan(20);
    expect(mib).toBeLessThan(32);
    expect(r.exitCode).toBe(0);
  });

  it("brk past guest memory returns the old break (no host error)", () => {
    const m = Machine.boot({ limits: { memoryBytes: 16 << 20 } });
    const t = m.createTask({
      name: "brk",
      image: userImage(`_start:
  movl $12, %eax
  xorl %edi, %edi
  syscall
  movq %rax, %rbx
  leaq 0x2000000(%rax), %rdi
  movl $12, %eax
  syscall
  cmpq %rax, %rbx
  sete %dil
  movzbl %dil, %edi
  movl $60, %eax
  syscall
`),
    });
    m.run({ maxInstructions: 100_000 });
    expect(t.exitCode).toBe(1);
  });
});
