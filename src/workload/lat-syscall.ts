import { buildSyscallLoop, type SyscallStep } from "./user-program.ts";
import type { Workload } from "./workload.ts";

// lmbench's lat_syscall (lmbench3 src/lat_syscall.c): null, read, write, stat, fstat and open. As there, read
// takes one byte from /dev/zero, write puts one byte to /dev/null, stat and open/close use a path, fstat an fd
// opened once before the loop.
const DATA = 'dev_zero:\n  .ascii "/dev/zero\\0"\ndev_null:\n  .ascii "/dev/null\\0"';
const O_RDONLY = 0;
const O_WRONLY = 1;

/** open(path, flags) once before the loop; the fd stays in %rbx. */
const openOnce = (path: string, flags: number) =>
  `leaq ${path}(%rip), %rdi\nmovl $${flags}, %esi\nxorl %edx, %edx\nmovl $2, %eax\nsyscall\nmovq %rax, %rbx`;

function lat(name: string, description: string, steps: SyscallStep[], prologue = ""): Workload {
  return {
    name: `lat-${name}`,
    description,
    syscallsPerIteration: steps.map((s) => s.name),
    setupSyscalls: prologue === "" ? [] : ["open"],
    build: (opts) => buildSyscallLoop(steps, opts, DATA, prologue),
  };
}

const buf = "leaq -256(%rsp), %rsi";

export const LAT_SYSCALL_WORKLOADS: readonly Workload[] = [
  lat("null", "getppid() (lmbench lat_syscall null)", [{ nr: 110, name: "getppid" }]),
  lat(
    "read",
    "read(fd, buf, 1) from /dev/zero (lmbench lat_syscall read)",
    [{ nr: 0, name: "read", args: `movq %rbx, %rdi\n${buf}\nmovl $1, %edx` }],
    openOnce("dev_zero", O_RDONLY),
  ),
  lat(
    "write",
    "write(fd, buf, 1) to /dev/null (lmbench lat_syscall write)",
    [{ nr: 1, name: "write", args: `movq %rbx, %rdi\n${buf}\nmovl $1, %edx` }],
    openOnce("dev_null", O_WRONLY),
  ),
  lat("stat", 'stat("/dev/null", &st) (lmbench lat_syscall stat)', [
    { nr: 4, name: "stat", args: `leaq dev_null(%rip), %rdi\n${buf}` },
  ]),
  lat(
    "fstat",
    "fstat(fd, &st) of /dev/null (lmbench lat_syscall fstat)",
    [{ nr: 5, name: "fstat", args: `movq %rbx, %rdi\n${buf}` }],
    openOnce("dev_null", O_RDONLY),
  ),
  lat("open", 'open("/dev/null", O_RDONLY) then close (lmbench lat_syscall open)', [
    {
      nr: 2,
      name: "open",
      args: `leaq dev_null(%rip), %rdi\nmovl $${O_RDONLY}, %esi\nxorl %edx, %edx`,
      after: "movq %rax, %rbx",
    },
    { nr: 3, name: "close", args: "movq %rbx, %rdi" },
  ]),
];
