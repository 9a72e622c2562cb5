/*
 * syscall-lab's native probe: measures primitive syscall-path costs on the host it runs on.
 * Built by `syscall-lab calibrate` (and scripts/capture-real-kernel.ts) with the host's C compiler:
 *   cc -O2 -o probe calibrate/probe.c
 * Every mode prints "ns_per_op <value>": the minimum over REPEATS timed runs of N operations each. `filter` first
 * times the plain getppid loop in the same process and prints it as "base_ns_per_op <value>". An optional last
 * argument R sets REPEATS (default 201).
 *
 *   probe null N                   getppid (raw SYSCALL instruction) in a loop, no filter
 *   probe filter KIND M N          install seccomp filter(s) of KIND (size M), then the getppid loop
 *       KIND: cached   M × `ret ALLOW` filters (the 5.11 action cache skips them)
 *             allowall 1 filter `ld args[0]; ret ALLOW` (loads an argument, so the cache cannot skip it; M unused)
 *             nr       1 filter: ld nr; M × (jeq #K, never equal → next); ret ALLOW (nr-only: cacheable)
 *             args     1 filter: M × (ld args[0]; jeq #K, never equal → next); ret ALLOW
 *             jset     1 filter: ld args[0]; M × (jset #bit, never set → next); ret ALLOW
 *             strace   strace --seccomp-bpf's shape tracing only openat: arch check, x32 check, jeq openat → TRACE
 *   probe ptrace-pingpong N        a tracee executes int3 N times; the tracer waitpid()s each SIGTRAP stop and
 *                                  resumes it with PTRACE_CONT (one ptrace stop and resume per op)
 *   probe ptrace-syscall N         a tracee calls getppid N times under PTRACE_SYSCALL; the tracer takes both stops
 *                                  of each call with waitpid + PTRACE_GETREGS + PTRACE_SYSCALL (per getppid)
 *   probe pipe-pingpong N          two processes pass one byte back and forth over two pipes (per round trip)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each figure is the minimum over REPEATS timed runs: on a shared host the minimum is the run least disturbed by
 * other load (preemption, interrupts only ever add time). */
#define MAX_REPEATS 1001
static int REPEATS = 201;
#define MAX_INSNS 4096

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long raw_getppid(void) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
  return ret;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double minimum(double *v, int n) {
  qsort(v, n, sizeof v[0], cmp_double);
  return v[0];
}

static double time_getppid(long n) {
  double runs[MAX_REPEATS];
  for (long i = 0; i < n / 10 + 1; i++) raw_getppid(); /* warm up */
  for (int r = 0; r < REPEATS; r++) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) raw_getppid();
    runs[r] = (now_ns() - t0) / (double)n;
  }
  return minimum(runs, REPEATS);
}

static struct sock_filter prog[MAX_INSNS];
static int plen;

static void emit(unsigned short code, unsigned char jt, unsigned char jf, unsigned int k) {
  if (plen >= MAX_INSNS) {
    fprintf(stderr, "probe: filter longer than %d instructions\n", MAX_INSNS);
    exit(2);
  }
  prog[plen++] = (struct sock_filter){code, jt, jf, k};
}

#define ARG0_LO offsetof(struct seccomp_data, args[0])

static void install(void) {
  struct sock_fprog fp = {(unsigned short)plen, prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) {
    fprintf(stderr, "probe: seccomp(SECCOMP_SET_MODE_FILTER, %d insns): %s\n", plen, strerror(errno));
    exit(3);
  }
  plen = 0;
}

/* Builds and installs the filter(s) of `kind` with size m. */
static void build_filters(const char *kind, long m) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("probe: PR_SET_NO_NEW_PRIVS");
    exit(3);
  }
  if (strcmp(kind, "cached") == 0) {
    for (long i = 0; i < m; i++) {
      emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
      install();
    }
  } else if (strcmp(kind, "allowall") == 0) {
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LO);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    install();
  } else if (strcmp(kind, "nr") == 0) {
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
    for (long i = 0; i < m; i++) emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1000 + i);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    install();
  } else if (strcmp(kind, "args") == 0) {
    for (long i = 0; i < m; i++) {
      emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LO);
      emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0xdead0000u + (unsigned)i);
    }
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    install();
  } else if (strcmp(kind, "jset") == 0) {
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LO);
    for (long i = 0; i < m; i++) emit(BPF_JMP | BPF_JSET | BPF_K, 0, 0, 0x80000000u);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    install();
  } else if (strcmp(kind, "strace") == 0) {
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    emit(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRACE);
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
    emit(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x40000000u);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRACE);
    emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_openat);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRACE);
    emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    install();
  } else {
    fprintf(stderr, "probe: unknown filter kind '%s'\n", kind);
    exit(2);
  }
}

static void do_wait(pid_t pid, int *status) {
  if (waitpid(pid, status, __WALL) != pid) {
    perror("probe: waitpid");
    exit(3);
  }
}

/* One timed run of the ptrace ping-pong (int3 stops) or the PTRACE_SYSCALL supervisor; ns per op. */
static double ptrace_run(long n, int syscall_mode) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("probe: fork");
    exit(3);
  }
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(3);
    raise(SIGSTOP);
    for (long i = 0; i < n; i++) {
      if (syscall_mode)
        raw_getppid();
      else
        __asm__ volatile("int3");
    }
    _exit(0);
  }
  int status;
  do_wait(pid, &status);
  if (!WIFSTOPPED(status)) {
    fprintf(stderr, "probe: tracee did not stop (PTRACE_TRACEME refused?)\n");
    exit(3);
  }
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  struct user_regs_struct regs;
  long ops = 0;
  double t0 = now_ns();
  int req = syscall_mode ? PTRACE_SYSCALL : PTRACE_CONT;
  ptrace(req, pid, 0, 0);
  for (;;) {
    do_wait(pid, &status);
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (syscall_mode) {
      ptrace(PTRACE_GETREGS, pid, 0, &regs);
      if (regs.orig_rax == SYS_getppid) ops++;
    } else if (WSTOPSIG(status) == SIGTRAP) {
      ops++;
    }
    ptrace(req, pid, 0, 0);
  }
  double t = now_ns() - t0;
  if (syscall_mode) ops /= 2; /* entry and exit stop of each getppid */
  if (ops != n) {
    fprintf(stderr, "probe: expected %ld traced operations, saw %ld\n", n, ops);
    exit(3);
  }
  return t / (double)n;
}

static double pipe_run(long n) {
  int ab[2], ba[2];
  char c = 0;
  if (pipe(ab) != 0 || pipe(ba) != 0) {
    perror("probe: pipe");
    exit(3);
  }
  pid_t pid = fork();
  if (pid == 0) {
    for (long i = 0; i < n; i++) {
      if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1) _exit(3);
    }
    _exit(0);
  }
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
      perror("probe: pipe ping-pong");
      exit(3);
    }
  }
  double t = now_ns() - t0;
  int status;
  waitpid(pid, &status, 0);
  close(ab[0]);
  close(ab[1]);
  close(ba[0]);
  close(ba[1]);
  return t / (double)n;
}

static long parse_count(const char *s, const char *what) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 100000000) {
    fprintf(stderr, "probe: %s must be an integer in 1..100000000 (got '%s')\n", what, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: probe null N [R] | filter KIND M N [R] | ptrace-pingpong N [R] | ptrace-syscall N [R] | pipe-pingpong N [R]\n");
    return 2;
  }
  const char *mode = argv[1];
  int need = strcmp(mode, "filter") == 0 ? 5 : 3;
  if (argc == need + 1) REPEATS = (int)parse_count(argv[need], "R");
  if (REPEATS > MAX_REPEATS || argc > need + 1) {
    fprintf(stderr, "probe: R must be at most %d, and nothing may follow it\n", MAX_REPEATS);
    return 2;
  }
  double v;
  if (strcmp(mode, "null") == 0) {
    v = time_getppid(parse_count(argv[2], "N"));
  } else if (strcmp(mode, "filter") == 0) {
    if (argc < 5) {
      fprintf(stderr, "usage: probe filter KIND M N [R]\n");
      return 2;
    }
    long m = parse_count(argv[3], "M"), n = parse_count(argv[4], "N");
    printf("base_ns_per_op %.3f\n", time_getppid(n));
    build_filters(argv[2], m);
    v = time_getppid(n);
  } else if (strcmp(mode, "ptrace-pingpong") == 0 || strcmp(mode, "ptrace-syscall") == 0) {
    long n = parse_count(argv[2], "N");
    int sys = strcmp(mode, "ptrace-syscall") == 0;
    double runs[MAX_REPEATS];
    for (int r = 0; r < REPEATS; r++) runs[r] = ptrace_run(n, sys);
    v = minimum(runs, REPEATS);
  } else if (strcmp(mode, "pipe-pingpong") == 0) {
    long n = parse_count(argv[2], "N");
    double runs[MAX_REPEATS];
    for (int r = 0; r < REPEATS; r++) runs[r] = pipe_run(n);
    v = minimum(runs, REPEATS);
  } else {
    fprintf(stderr, "probe: unknown mode '%s'\n", mode);
    return 2;
  }
  printf("ns_per_op %.3f\n", v);
  return 0;
}
