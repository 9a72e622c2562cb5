// issue 14 item 3: threads. clone with CLONE_VM|CLONE_THREAD|… shares the mm, files and handlers; tgid vs tid;
// SETTLS, PARENT_SETTID, CHILD_CLEARTID (zeroed and woken at exit); exit vs exit_group; a leader that exits first;
// thread-directed signals; memory given back when the last thread goes; threads on two CPUs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel/machine.ts";
import { userImage } from "./user-program.ts";

/** CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID */
const THREAD_FLAGS = 0x3d0f00;

/** clone a thread running at `entry` on `stack` (a label at the top of its stack) with ptid = ctid = `tidWord`. */
function cloneThread(entry: string, stack: string, tidWord: string, flags = THREAD_FLAGS): string {
  return `
  movl $${flags}, %edi
  leaq ${stack}(%rip), %rsi
  leaq ${tidWord}(%rip), %rdx
  leaq ${tidWord}(%rip), %r10
  leaq tls_block(%rip), %r8
  movl $56, %eax
  syscall
  testq %rax, %rax
  jz ${entry}
  js fail`;
}

/** pthread_join's wait: FUTEX_WAIT on the CLEARTID word until the kernel has zeroed it. */
function joinOn(tidWord: string, tag: string): string {
  return `
join_${tag}:
  movl ${tidWord}(%rip), %edx
  testl %edx, %edx
  jz joined_${tag}
  leaq ${tidWord}(%rip), %rdi
  xorl %esi, %esi
  xorl %r10d, %r10d
  movl $202, %eax
  syscall
  movq %rax, join_ret_${tag}(%rip)
  jmp join_${tag}
joined_${tag}:`;
}

const FAIL = `
fail:
  movq %rax, %rdi
  negq %rdi
  movl $231, %eax
  syscall`;

function run(
  text: string,
  opts: { cpus?: number; hostRef?: boolean; max?: number; setup?: (m: Machine) => void } = {},
) {
  const m = Machine.boot({ ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}) });
  opts.setup?.(m);
  const img = userImage(text);
  const t = m.createTask({
    name: "threads",
    image: img,
    ...(opts.hostRef === false ? { hostRef: false } : {}),
  });
  const r = m.run({ maxInstructions: opts.max ?? 2_000_000 });
  const sym = (name: string) => Number(img.symbols.get(name)!);
  const q = (label: string) => BigInt.asIntN(64, t.space.read64(sym(label)));
  return { m, t, r, sym, q };
}

describe("clone of a thread", () => {
  const prog = `_start:
  ${cloneThread("thread", "stack_top", "tid_word")}
  movq %rax, ret_tid(%rip)
  ${joinOn("tid_word", "a")}
  movl $39, %eax
  syscall
  movq %rax, main_pid(%rip)
  movl $186, %eax
  syscall
  movq %rax, main_tid(%rip)
  movl $231, %eax
  movl $3, %edi
  syscall
thread:
  movl $39, %eax
  syscall
  movq %rax, t_pid(%rip)
  movl $186, %eax
  syscall
  movq %rax, t_tid(%rip)
  movl $110, %eax
  syscall
  movq %rax, t_ppid(%rip)
  movl $158, %eax
  movl $0x1003, %edi
  leaq t_fs(%rip), %rsi
  syscall
  movq %rsp, t_rsp(%rip)
  movq $7, shared(%rip)
  movl $60, %eax
  xorl %edi, %edi
  syscall
${FAIL}
.align 8
ret_tid: .quad 0
main_pid: .quad 0
main_tid: .quad 0
t_pid: .quad 0
t_tid: .quad 0
t_ppid: .quad -1
t_fs: .quad 0
t_rsp: .quad 0
shared: .quad 0
join_ret_a: .quad -99
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 4096
stack_top:
`;

  it("shares memory; getpid is the tgid, gettid its own; SETTLS, PARENT_SETTID; CLEARTID wakes the joiner", () => {
    const { m, t, r, q, sym } = run(prog);
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(3);
    expect(q("ret_tid")).toBe(2n);
    expect(q("main_pid")).toBe(1n);
    expect(q("main_tid")).toBe(1n);
    expect(q("t_pid")).toBe(1n); // the thread's getpid: its group's
    expect(q("t_tid")).toBe(2n);
    expect(q("t_ppid")).toBe(0n); // the group's parent (none: a host task)
    expect(q("t_fs")).toBe(BigInt(sym("tls_block")));
    expect(q("t_rsp")).toBe(BigInt(sym("stack_top")));
    expect(q("shared")).toBe(7n); // written by the thread, read in the shared mm
    expect(q("tid_word")).toBe(0n); // CLEARTID
    expect(q("join_ret_a")).toBe(0n); // the joiner slept and was woken by the exit (not EAGAIN)
    // the thread was reaped at its exit (autoreap); the process counts once
    expect(m.tasks).toEqual([t]);
    expect(m.reaped.threads).toBe(1);
    expect(m.reaped.tasks).toBe(0);
  });

  it("is refused as copy_process refuses it: THREAD without SIGHAND, SIGHAND without VM", () => {
    for (const flags of [0x10000 | 0x100, 0x800]) {
      const { t } = run(`_start:
  movl $${flags}, %edi
  xorl %esi, %esi
  movl $56, %eax
  syscall
  movq %rax, %rdi
  negq %rdi
  movl $60, %eax
  syscall`);
      expect(t.exitCode).toBe(22); // EINVAL
    }
  });

  it("exit_group from a thread ends every thread, the one asleep in a futex wait included", () => {
    const { m, t, r } = run(`_start:
  ${cloneThread("thread", "stack_top", "tid_word")}
  leaq forever(%rip), %rdi
  xorl %esi, %esi
  xorl %edx, %edx
  xorl %r10d, %r10d
  movl $202, %eax
  syscall
  movl $60, %eax
  movl $1, %edi
  syscall
thread:
  movl $231, %eax
  movl $42, %edi
  syscall
${FAIL}
.align 8
forever: .quad 0
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 1024
stack_top:
`);
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(42);
    expect(t.exited).toBe(true);
    expect(m.liveTasks).toBe(0);
  });

  it("a leader that exits first stays a zombie until its last thread has run to its end", () => {
    const { m, t, r, q } = run(
      `_start:
  ${cloneThread("thread", "stack_top", "tid_word")}
  movl $60, %eax
  movl $5, %edi
  syscall
thread:
  movl $39, %eax
  syscall
  movq %rax, t_pid(%rip)
  movq $9, shared(%rip)
  movl $60, %eax
  xorl %edi, %edi
  syscall
${FAIL}
.align 8
t_pid: .quad 0
shared: .quad 0
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 1024
stack_top:
`,
    );
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(5);
    expect(q("shared")).toBe(9n); // the thread ran after the leader's exit, in the mm the host still holds
    expect(q("t_pid")).toBe(1n);
    expect(m.reaped.threads).toBe(1);
  });

  it("gives back the kernel stack of every thread; the mm goes with the last one", () => {
    // a process (not held by the host) that starts and joins n threads one after the other
    const loop = (n: number) => `_start:
  movq $${n}, %r12
again:
  movq $0, tid_word(%rip)
  ${cloneThread("thread", "stack_top", "tid_word")}
  ${joinOn("tid_word", "a")}
  decq %r12
  jnz again
  movl $231, %eax
  xorl %edi, %edi
  syscall
thread:
  movl $60, %eax
  xorl %edi, %edi
  syscall
${FAIL}
.align 8
join_ret_a: .quad 0
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 1024
stack_top:
`;
    const boot = Machine.boot();
    const baseline = boot.phys.framesInUse;
    const few = run(loop(2), { hostRef: false });
    const many = run(loop(40), { hostRef: false });
    expect(many.t.exitCode).toBe(0);
    expect(many.m.reaped.threads).toBe(40);
    expect(many.m.phys.framesInUse).toBe(few.m.phys.framesInUse);
    expect(many.m.kspace.ptes.size).toBe(few.m.kspace.ptes.size);
    // nothing of the process is left but kernel-heap pages (task_structs): the user half and the page tables are free
    expect(many.t.space.ptes.size).toBe(0);
    expect(many.m.phys.framesInUse - baseline).toBeLessThanOrEqual(2);
  });
});

describe("wait4 and thread groups", () => {
  it("a parent sees its child process once every thread of it has ended, with the group's exit status", () => {
    const { t, r, q } = run(`_start:
  movl $57, %eax
  syscall
  testq %rax, %rax
  jz child
  js fail
  movq %rax, child_pid(%rip)
  movq $-1, %rdi
  leaq status(%rip), %rsi
  xorl %edx, %edx
  xorl %r10d, %r10d
  movl $61, %eax
  syscall
  movq %rax, waited(%rip)
  movl $231, %eax
  xorl %edi, %edi
  syscall
child:
  ${cloneThread("thread", "stack_top", "tid_word")}
  movl $60, %eax
  xorl %edi, %edi
  syscall
thread:
  movq $20, %r12
yield:
  movl $24, %eax
  syscall
  decq %r12
  jnz yield
  movl $231, %eax
  movl $7, %edi
  syscall
${FAIL}
.align 8
child_pid: .quad 0
waited: .quad 0
status: .quad -1
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 1024
stack_top:
`);
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(q("waited")).toBe(q("child_pid")); // the process (its leader's pid), never its thread
    expect(q("status") & 0xffffffffn).toBe(7n << 8n); // the group exit's code, though the leader had called exit(0)
  });
});

describe("exit_group and execve with threads running on another CPU", () => {
  // the thread spins in user mode on CPU 1 (no syscall, so only an IPI-like kill can stop it)
  const spinner = (mainBody: string, data = "") => `_start:
  ${cloneThread("thread", "stack_top", "tid_word")}
  movl $24, %eax
  syscall
  ${mainBody}
thread:
  incq spins(%rip)
  jmp thread
${FAIL}
.align 8
spins: .quad 0
tid_word: .quad 0
tls_block: .quad 0
${data}
.align 16
stack: .zero 1024
stack_top:
`;

  it("exit_group ends a thread spinning in user mode on the other CPU", () => {
    const { m, t, r, q } = run(
      spinner(`
  movq $3000, %rcx
wait_spins:
  decq %rcx
  jnz wait_spins
  movl $231, %eax
  movl $9, %edi
  syscall`),
      { cpus: 2 },
    );
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(9);
    expect(q("spins")).toBeGreaterThan(0n); // it did run, concurrently
    expect(m.liveTasks).toBe(0);
  });

  it("execve from the leader kills the other threads (de_thread) and runs the new image alone", () => {
    const hello = readFileSync(new URL("../fixtures/bin/hello.musl", import.meta.url));
    const { m, t, r } = run(
      spinner(
        `
  leaq path(%rip), %rdi
  leaq argv(%rip), %rsi
  xorl %edx, %edx
  movl $59, %eax
  syscall
  movq %rax, %rdi
  negq %rdi
  movl $231, %eax
  syscall`,
        `path: .asciz "/bin/hello"
.align 8
argv: .quad path, 0`,
      ),
      { cpus: 2, setup: (mm) => mm.vfs.addFile("/bin/hello", new Uint8Array(hello)) },
    );
    expect(r.reason).toBe("exited");
    expect(m.stdout).toBe("hello, world\n");
    expect(t.exitCode).toBe(0);
    expect(m.reaped.threads).toBe(1);
  });
});

describe("signals and threads", () => {
  it("tgkill reaches the one thread named: its handler runs there and its futex wait returns EINTR", () => {
    const { t, r, q } = run(`_start:
  leaq act(%rip), %rsi
  leaq handler(%rip), %rax
  movq %rax, (%rsi)
  leaq restorer(%rip), %rax
  movq %rax, 16(%rsi)
  movl $10, %edi
  xorl %edx, %edx
  movl $8, %r10d
  movl $13, %eax
  syscall
  ${cloneThread("thread", "stack_top", "tid_word")}
  movq %rax, %r13
  movl $24, %eax
  syscall
  movl $39, %eax
  syscall
  movq %rax, %rdi
  movq %r13, %rsi
  movl $10, %edx
  movl $234, %eax
  syscall
  movq %rax, kill_ret(%rip)
  ${joinOn("tid_word", "a")}
  movl $231, %eax
  xorl %edi, %edi
  syscall
thread:
  leaq word(%rip), %rdi
  movl $128, %esi
  xorl %edx, %edx
  xorl %r10d, %r10d
  movl $202, %eax
  syscall
  movq %rax, t_ret(%rip)
  movl $60, %eax
  xorl %edi, %edi
  syscall
handler:
  movl $186, %eax
  syscall
  movq %rax, handled_tid(%rip)
  ret
restorer:
  movl $15, %eax
  syscall
${FAIL}
.align 8
act: .quad 0, 0x04000000, 0, 0
kill_ret: .quad -99
t_ret: .quad 0
handled_tid: .quad 0
word: .quad 0
join_ret_a: .quad 0
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 4096
stack_top:
`);
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(q("kill_ret")).toBe(0n);
    expect(q("handled_tid")).toBe(2n);
    expect(q("t_ret")).toBe(-4n); // EINTR
  });

  it("a fatal signal sent to one thread (tgkill SIGTERM, default action) ends the whole group", () => {
    const { t, m } = run(`_start:
  ${cloneThread("thread", "stack_top", "tid_word")}
  movq %rax, %r13
  movl $39, %eax
  syscall
  movq %rax, %rdi
  movq %r13, %rsi
  movl $15, %edx
  movl $234, %eax
  syscall
  leaq forever(%rip), %rdi
  xorl %esi, %esi
  xorl %edx, %edx
  xorl %r10d, %r10d
  movl $202, %eax
  syscall
  movl $60, %eax
  movl $1, %edi
  syscall
thread:
  movl $24, %eax
  syscall
  jmp thread
${FAIL}
.align 8
forever: .quad 0
tid_word: .quad 0
tls_block: .quad 0
.align 16
stack: .zero 1024
stack_top:
`);
    expect(t.killedBy).toBe(15);
    expect(m.liveTasks).toBe(0);
  });
});

describe("threads on several CPUs", () => {
  it("spreads new threads over the CPUs, the least loaded first", () => {
    const m = Machine.boot({ cpus: 2 });
    const img = userImage(`_start:
  ${cloneThread("thread", "s1", "w1")}
  ${cloneThread("thread", "s2", "w2")}
  ${cloneThread("thread", "s3", "w3")}
  ${joinOn("w1", "a")}
  ${joinOn("w2", "b")}
  ${joinOn("w3", "c")}
  movl $231, %eax
  xorl %edi, %edi
  syscall
thread:
  movl $186, %eax
  syscall
  lock incq counter(%rip)
  movl $60, %eax
  xorl %edi, %edi
  syscall
${FAIL}
.align 8
counter: .quad 0
join_ret_a: .quad 0
join_ret_b: .quad 0
join_ret_c: .quad 0
w1: .quad 0
w2: .quad 0
w3: .quad 0
tls_block: .quad 0
.align 16
.zero 1024
s1:
.zero 1024
s2:
.zero 1024
s3:
`);
    const t = m.createTask({ name: "smp", image: img });
    const placed: number[] = [];
    const origCreate = m.createTask.bind(m);
    m.createTask = (o) => {
      const c = origCreate(o);
      placed.push(m.cpuOf(c));
      return c;
    };
    const r = m.run({ maxInstructions: 1_000_000 });
    expect(r.reason).toBe("exited");
    expect(t.exitCode).toBe(0);
    expect(placed).toEqual([1, 0, 1]);
    expect(t.space.read64(Number(img.symbols.get("counter")!))).toBe(3n); // the host holds the mm: read it
  });
});
