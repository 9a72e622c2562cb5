import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SYSCALLS_X86_64, straceSyscallNumber } from "../../src/kernel/syscall-names-x86_64.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../../src/kernel/syscall-names-x86_64-3.1.ts";
import { parseStrace, type StraceCall, StraceStream, structField } from "../../src/workload/strace.ts";

const FIXTURES = new URL("../fixtures/strace/", import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), "utf8");

function one(line: string): StraceCall {
  const log = parseStrace(line);
  expect(log.unparsed).toEqual([]);
  expect(log.calls).toHaveLength(1);
  return log.calls[0]!;
}

describe("syscall names", () => {
  it("agree with the 3.1 table for 0-309 and know modern syscalls", () => {
    SYSCALL_NAMES_X86_64_3_1.forEach((name, nr) => {
      expect(SYSCALLS_X86_64[name]).toBe(nr);
    });
    expect(straceSyscallNumber("newfstatat")).toBe(262);
    expect(straceSyscallNumber("getrandom")).toBe(318);
    expect(straceSyscallNumber("statx")).toBe(332);
    expect(straceSyscallNumber("rseq")).toBe(334);
    expect(straceSyscallNumber("pidfd_open")).toBe(434);
    expect(straceSyscallNumber("clone3")).toBe(435);
    expect(straceSyscallNumber("close_range")).toBe(436);
    expect(straceSyscallNumber("openat2")).toBe(437);
    expect(straceSyscallNumber("faccessat2")).toBe(439);
    expect(straceSyscallNumber("epoll_pwait2")).toBe(441);
    expect(straceSyscallNumber("mseal")).toBe(462);
    expect(straceSyscallNumber("syscall_0x1c8")).toBe(0x1c8);
    expect(straceSyscallNumber("syscall_456")).toBe(456);
    expect(straceSyscallNumber("frobnicate")).toBe(-1);
    expect(straceSyscallNumber("toString")).toBe(-1);
  });
});

describe("line prefixes", () => {
  it("reads [pid N] and bare pid prefixes", () => {
    expect(one("[pid  1234] close(3) = 0").pid).toBe(1234);
    expect(one("1234  close(3) = 0").pid).toBe(1234);
    expect(one("close(3) = 0").pid).toBe(0);
  });
  it("reads -t, -tt, -ttt and -r timestamps as seconds", () => {
    expect(one("01:02:03 close(3) = 0").time).toBe(3723);
    expect(one("01:02:03.250000 close(3) = 0").time).toBe(3723.25);
    expect(one("1700000000.123456 close(3) = 0").time).toBe(1700000000.123456);
    expect(one("     0.000123 close(3) = 0").time).toBe(0.000123);
    const c = one("[pid 7] 10:00:00.500000 close(3) = 0");
    expect([c.pid, c.time]).toEqual([7, 36000.5]);
    expect(one("77      0.000045 close(3) = 0").time).toBe(0.000045);
  });
  it("reads -T durations", () => {
    expect(one("close(3) = 0 <0.000012>").duration).toBe(0.000012);
  });
});

describe("values", () => {
  it("decodes string escapes and truncation", () => {
    const c = one('write(1, "a\\n\\t\\"\\\\\\x41\\0\\177\\101z"..., 12) = 12');
    expect(c.args[1]).toEqual({ kind: "string", value: 'a\n\t"\\A\0\x7fAz', truncated: true });
    expect(c.args[2]).toEqual({ kind: "int", value: 12n });
  });
  it("reads structs with flags, octal modes and ellipsis", () => {
    const c = one('newfstatat(AT_FDCWD, "/x", {st_mode=S_IFREG|0644, st_size=1234, ...}, 0) = 0');
    expect(c.args[0]).toEqual({ kind: "flags", flags: ["AT_FDCWD"] });
    const st = c.args[2]!;
    expect(st.kind === "struct" && st.truncated).toBe(true);
    expect(structField(st, "st_mode")).toEqual({ kind: "flags", flags: ["S_IFREG", "0644"] });
    expect(structField(st, "st_size")).toEqual({ kind: "int", value: 1234n });
  });
  it("reads arrays, bit sets and negated bit sets", () => {
    expect(one("pipe2([3, 4], 0) = 0").args[0]).toEqual({
      kind: "array",
      items: [
        { kind: "int", value: 3n },
        { kind: "int", value: 4n },
      ],
      truncated: false,
    });
    const e = one('execve("/bin/ls", ["ls", "-l"], 0x7ffd00 /* 3 vars */) = 0');
    expect(e.args[1]!.kind === "array" && e.args[1]!.items.length).toBe(2);
    expect(e.args[2]).toEqual({ kind: "pointer", value: 0x7ffd00n, comment: "3 vars" });
    const m = one("rt_sigprocmask(SIG_BLOCK, [SIGINT SIGTERM], ~[RTMIN RT_1], 8) = 0");
    expect(m.args[1]).toEqual({ kind: "bitset", negated: false, bits: ["SIGINT", "SIGTERM"] });
    expect(m.args[2]).toEqual({ kind: "bitset", negated: true, bits: ["RTMIN", "RT_1"] });
    expect(one("rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0").args[1]).toEqual({
      kind: "array",
      items: [],
      truncated: false,
    });
    expect(one("x([CHLD]) = 0").args[0]).toEqual({ kind: "bitset", negated: false, bits: ["CHLD"] });
  });
  it("reads pointers, NULL, named args, nested structs and calls", () => {
    const c = one("clone(child_stack=NULL, flags=CLONE_VM|SIGCHLD, child_tidptr=0x7f0000000a10) = 1235");
    expect(c.args[0]).toEqual({ kind: "named", name: "child_stack", value: { kind: "null" } });
    expect(c.args[1]).toEqual({
      kind: "named",
      name: "flags",
      value: { kind: "flags", flags: ["CLONE_VM", "SIGCHLD"] },
    });
    expect(c.args[2]).toEqual({
      kind: "named",
      name: "child_tidptr",
      value: { kind: "pointer", value: 0x7f0000000a10n },
    });
    const s = one(
      'connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    ).args[1]!;
    expect(structField(s, "sin_port")).toEqual({
      kind: "call",
      name: "htons",
      args: [{ kind: "int", value: 80n }],
    });
    const p = one("poll([{fd=3, events=POLLIN|POLLPRI}, {fd=4, events=POLLOUT}], 2, 0) = 0 (Timeout)");
    const arr = p.args[0]!;
    expect(arr.kind === "array" && structField(arr.items[1]!, "fd")).toEqual({ kind: "int", value: 4n });
  });
  it("reads => in/out annotations", () => {
    const c = one("getsockname(3, {sa_family=AF_UNIX}, [128 => 110]) = 0");
    expect(c.args[2]).toEqual({
      kind: "array",
      items: [{ kind: "changed", before: { kind: "int", value: 128n }, after: { kind: "int", value: 110n } }],
      truncated: false,
    });
    const m = one("recvmsg(3, {msg_namelen=128 => 16, msg_flags=0}, 0) = 5").args[1]!;
    expect(structField(m, "msg_namelen")?.kind).toBe("changed");
  });
  it("reads -y decoded fds, including AT_FDCWD and sockets", () => {
    const c = one('openat(AT_FDCWD</tmp>, "x", O_RDONLY) = 3</tmp/x>');
    expect(c.args[0]).toEqual({ kind: "fd", fd: -100, path: "/tmp" });
    expect(c.result).toEqual({ value: 3n, path: "/tmp/x" });
    expect(one("read(3</etc/passwd>, 0x1, 1) = 1").args[0]).toEqual({
      kind: "fd",
      fd: 3,
      path: "/etc/passwd",
    });
    expect(one("write(4<TCP:[1.2.3.4:5->6.7.8.9:10]>, 0x1, 1) = 1").args[0]).toEqual({
      kind: "fd",
      fd: 4,
      path: "TCP:[1.2.3.4:5->6.7.8.9:10]",
    });
    expect(one("ioctl(1</dev/pts/0<char 136:0>>, TCGETS, 0x1) = 0").args[0]).toEqual({
      kind: "fd",
      fd: 1,
      path: "/dev/pts/0<char 136:0>",
    });
  });
  it("keeps expressions it does not model as raw nodes", () => {
    const c = one("wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 31021");
    expect(c.args[0]).toEqual({ kind: "int", value: -1n });
    const a = c.args[1]!;
    expect(a.kind === "array" && a.items[0]).toEqual({
      kind: "struct",
      fields: [{ kind: "raw", text: "WIFEXITED(s) && WEXITSTATUS(s) == 0" }],
      truncated: false,
    });
    expect(
      one("prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0").nr,
    ).toBe(302);
    expect(one("restart_syscall(<... resuming interrupted read ...>) = 0").args[0]).toEqual({
      kind: "raw",
      text: "<... resuming interrupted read ...>",
    });
  });
});

describe("results", () => {
  it.each([
    ["= 0", { value: 0n }],
    ["= 0x55d000", { value: 0x55d000n }],
    [
      "= -1 ENOENT (No such file or directory)",
      { value: -1n, errno: "ENOENT", text: "No such file or directory" },
    ],
    [
      "= -1 EAGAIN (Resource temporarily unavailable)",
      { value: -1n, errno: "EAGAIN", text: "Resource temporarily unavailable" },
    ],
    ["= 0 (Timeout)", { value: 0n, text: "Timeout" }],
    ["= 1 ([{fd=3, revents=POLLIN}])", { value: 1n, text: "[{fd=3, revents=POLLIN}]" }],
    ["= 0x1 (flags FD_CLOEXEC)", { value: 1n, text: "flags FD_CLOEXEC" }],
    [
      "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
      { value: null, errno: "ERESTARTSYS", text: "To be restarted if SA_RESTART is set" },
    ],
    ["= 3</etc/passwd>", { value: 3n, path: "/etc/passwd" }],
  ])("f(1) %s", (res, expected) => {
    expect(one(`f(1) ${res}`).result).toEqual(expected);
  });
  it("gives null for = ?", () => {
    expect(one("exit_group(0) = ?").result).toBeNull();
  });
});

describe("unfinished and resumed", () => {
  it("joins the halves, keeping both lines and times", () => {
    const log = parseStrace(
      [
        "100 0.5 wait4(-1,  <unfinished ...>",
        '101 0.6 write(1, "x", 1 <unfinished ...>',
        "101 0.7 <... write resumed>) = 1 <0.000010>",
        "100 0.8 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101 <0.3>",
      ].join("\n"),
    );
    expect(log.unparsed).toEqual([]);
    expect(log.calls.map((c) => [c.name, c.line, c.resumedLine, c.time, c.resumedTime, c.duration])).toEqual([
      ["wait4", 1, 4, 0.5, 0.8, 0.3],
      ["write", 2, 3, 0.6, 0.7, 0.00001],
    ]);
    expect(log.calls[0]!.args).toHaveLength(4);
    expect(log.calls[0]!.result).toEqual({ value: 101n });
  });
  it("keeps a call whose process died mid-call as unfinished with no result", () => {
    const log = parseStrace(
      [
        "7 read(3,  <unfinished ...>",
        "8 exit_group(0) = ?",
        "7 <... read resumed> <unfinished ...>) = ?",
        "9 pause( <unfinished ...>",
        "9 +++ killed by SIGKILL +++",
      ].join("\n"),
    );
    expect(log.unparsed).toEqual([]);
    const read = log.calls.find((c) => c.name === "read")!;
    expect([read.resumedLine, read.result, read.unfinished, read.args]).toEqual([
      3,
      null,
      true,
      [{ kind: "int", value: 3n }],
    ]);
    const pause = log.calls.find((c) => c.name === "pause")!;
    expect([pause.unfinished, pause.result, pause.line]).toEqual([true, null, 4]);
  });
  it("reports a resumed line with no unfinished call", () => {
    const log = parseStrace("5 <... read resumed>) = 0");
    expect(log.calls).toEqual([]);
    expect(log.unparsed[0]!.reason).toMatch(/without an unfinished call/);
  });
});

describe("signals and exits", () => {
  it("reads signal lines with siginfo", () => {
    const log = parseStrace(
      "12 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=13, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---",
    );
    const ev = log.events[0]!;
    expect(ev.kind === "signal" && [ev.pid, ev.signal, ev.stopped]).toEqual([12, "SIGCHLD", false]);
    expect(ev.kind === "signal" && structField(ev.info!, "si_pid")).toEqual({ kind: "int", value: 13n });
  });
  it("reads exits, kills and core dumps", () => {
    const log = parseStrace(
      ["+++ exited with 0 +++", "+++ killed by SIGKILL +++", "+++ killed by SIGSEGV (core dumped) +++"].join(
        "\n",
      ),
    );
    expect(log.events.map((e) => (e.kind === "exit" ? [e.code, e.signal, e.coreDumped] : null))).toEqual([
      [0, null, false],
      [null, "SIGKILL", false],
      [null, "SIGSEGV", true],
    ]);
  });
});

describe("bad input", () => {
  it.each([
    ["garbage", "hello world"],
    ["unbalanced quote", 'write(1, "abc, 3) = 3'],
    ["unbalanced bracket", "read(3, [1, 2, 3) = 3"],
    ["missing result", "close(3)"],
    ["trailing junk", "close(3) = 0 junk"],
  ])("reports %s with a reason", (_, line) => {
    const log = parseStrace(`close(1) = 0\n${line}\nclose(2) = 0`);
    expect(log.calls.map((c) => c.line)).toEqual([1, 3]);
    expect(log.unparsed).toHaveLength(1);
    expect(log.unparsed[0]!.line).toBe(2);
    expect(log.unparsed[0]!.reason.length).toBeGreaterThan(0);
  });
  it("rejects over-long lines without reading them", () => {
    const log = parseStrace(`f(${"1,".repeat(100)}1) = 0`, { maxLineLength: 50 });
    expect(log.unparsed[0]!.reason).toMatch(/longer than 50/);
  });
  it("survives deep nesting and huge lines quickly", () => {
    const t0 = performance.now();
    const lines = [
      `f(${"[".repeat(200_000)}) = 0`,
      `f(${"{a=".repeat(100_000)}) = 0`,
      `f("${"\\x".repeat(100_000)}`,
      `f(${"a ".repeat(200_000)}) = 0`,
    ];
    const log = parseStrace(lines.join("\n"));
    expect(log.calls.length + log.unparsed.length).toBe(4);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it("accepts bytes", () => {
    const log = parseStrace(
      new Uint8Array([0x63, 0x6c, 0x6f, 0x73, 0x65, 0x28, 0x33, 0x29, 0x20, 0x3d, 0x20, 0x30, 0xff]),
    );
    expect(log.unparsed).toHaveLength(1);
  });
});

const FIXTURE_COUNTS: Record<
  string,
  { calls: Record<string, number>; signals: number; exits: number; pairs: number; pids: number[] }
> = {
  "ls.log": {
    calls: {
      read: 13,
      getdents64: 2,
      lseek: 3,
      getxattr: 28,
      munmap: 1,
      set_robust_list: 1,
      newfstatat: 31,
      getrandom: 1,
      write: 1,
      ioctl: 2,
      lgetxattr: 14,
      exit_group: 1,
      execve: 1,
      close: 31,
      openat: 44,
      arch_prctl: 1,
      mprotect: 5,
      access: 2,
      socket: 4,
      rseq: 1,
      mmap: 30,
      set_tid_address: 1,
      statfs: 2,
      pread64: 2,
      futex: 1,
      prlimit64: 1,
      connect: 4,
      brk: 3,
      statx: 14,
    },
    signals: 0,
    exits: 1,
    pairs: 0,
    pids: [31011],
  },
  "pipe.log": {
    calls: {
      getpid: 1,
      clone: 2,
      getppid: 1,
      read: 6,
      munmap: 3,
      rt_sigaction: 7,
      getgid: 1,
      set_robust_list: 4,
      getegid: 1,
      fadvise64: 1,
      pipe2: 1,
      newfstatat: 32,
      rt_sigreturn: 2,
      getrandom: 2,
      getuid: 1,
      write: 2,
      exit_group: 3,
      execve: 2,
      close: 28,
      openat: 32,
      arch_prctl: 2,
      mprotect: 6,
      access: 2,
      rseq: 2,
      mmap: 30,
      set_tid_address: 2,
      pread64: 4,
      futex: 1,
      prlimit64: 2,
      brk: 6,
      wait4: 3,
      dup2: 2,
      geteuid: 2,
    },
    signals: 2,
    exits: 3,
    pairs: 18,
    pids: [31020, 31021, 31022],
  },
  "signal.log": {
    calls: {
      getpid: 1,
      rt_sigprocmask: 2,
      clone: 1,
      getppid: 1,
      read: 1,
      rt_sigaction: 8,
      munmap: 1,
      getgid: 1,
      set_robust_list: 2,
      getegid: 1,
      newfstatat: 4,
      rt_sigreturn: 1,
      getrandom: 1,
      kill: 2,
      getuid: 1,
      execve: 1,
      close: 2,
      openat: 2,
      arch_prctl: 1,
      mprotect: 3,
      access: 1,
      rseq: 1,
      set_tid_address: 1,
      mmap: 8,
      pread64: 2,
      prlimit64: 1,
      brk: 3,
      wait4: 3,
      geteuid: 2,
      rt_sigsuspend: 1,
    },
    signals: 3,
    exits: 2,
    pairs: 3,
    pids: [31227, 31228],
  },
  "fork.log": {
    calls: {
      getpid: 1,
      rt_sigprocmask: 2,
      clone: 2,
      getppid: 1,
      read: 1,
      rt_sigaction: 11,
      munmap: 1,
      getgid: 1,
      set_robust_list: 3,
      getegid: 1,
      newfstatat: 4,
      rt_sigreturn: 2,
      getrandom: 1,
      getuid: 1,
      write: 2,
      exit_group: 3,
      execve: 1,
      close: 6,
      openat: 4,
      arch_prctl: 1,
      mprotect: 3,
      access: 1,
      rseq: 1,
      set_tid_address: 1,
      mmap: 8,
      fcntl: 2,
      pread64: 2,
      prlimit64: 1,
      brk: 3,
      wait4: 4,
      dup2: 2,
      geteuid: 2,
      rt_sigsuspend: 1,
    },
    signals: 2,
    exits: 3,
    pairs: 20,
    pids: [31399, 31400, 31401],
  },
  "bracket.log": {
    calls: {
      getpid: 1,
      clone: 2,
      getppid: 1,
      read: 6,
      munmap: 3,
      rt_sigaction: 7,
      getgid: 1,
      set_robust_list: 4,
      getegid: 1,
      fadvise64: 1,
      pipe2: 1,
      newfstatat: 32,
      rt_sigreturn: 2,
      getrandom: 2,
      getuid: 1,
      write: 2,
      exit_group: 3,
      execve: 2,
      close: 28,
      openat: 32,
      arch_prctl: 2,
      mprotect: 6,
      access: 2,
      rseq: 2,
      mmap: 30,
      set_tid_address: 2,
      pread64: 4,
      futex: 1,
      prlimit64: 2,
      brk: 6,
      wait4: 3,
      dup2: 2,
      geteuid: 2,
    },
    signals: 2,
    exits: 3,
    pairs: 20,
    pids: [31242, 31243, 31244],
  },
};

describe("recorded fixtures", () => {
  for (const [file, want] of Object.entries(FIXTURE_COUNTS)) {
    it(`${file} parses completely with the expected counts`, () => {
      const log = parseStrace(fixture(file));
      expect(log.unparsed).toEqual([]);
      const counts: Record<string, number> = {};
      for (const c of log.calls) counts[c.name] = (counts[c.name] ?? 0) + 1;
      expect(counts).toEqual(want.calls);
      expect(log.events.filter((e) => e.kind === "signal")).toHaveLength(want.signals);
      expect(log.events.filter((e) => e.kind === "exit")).toHaveLength(want.exits);
      expect(log.calls.filter((c) => c.resumedLine !== undefined)).toHaveLength(want.pairs);
      expect(log.processes).toEqual(want.pids);
      expect(log.unknownNames.size).toBe(0);
      expect(log.calls.every((c) => c.nr >= 0 && c.unfinished === undefined)).toBe(true);
    });
  }

  it("ls.log carries -tt times, -T durations and errno results", () => {
    const log = parseStrace(fixture("ls.log"));
    expect(log.calls.every((c) => c.time !== undefined)).toBe(true);
    expect(log.calls.filter((c) => c.duration === undefined).map((c) => c.name)).toEqual(["exit_group"]);
    expect(log.calls.filter((c) => c.result?.errno === "ENOENT").length).toBeGreaterThan(0);
    expect(log.calls[0]!.args[1]).toMatchObject({
      kind: "array",
      items: [{ value: "ls" }, { value: "-la" }, { value: "/usr" }],
    });
  });

  it("signal.log has the kill and the core dump", () => {
    const log = parseStrace(fixture("signal.log"));
    const exits = log.events.filter((e) => e.kind === "exit");
    expect(exits.map((e) => [e.signal, e.coreDumped])).toEqual([
      ["SIGTERM", false],
      ["SIGSEGV", true],
    ]);
  });

  it("fork.log decodes -y paths", () => {
    const log = parseStrace(fixture("fork.log"));
    expect(log.calls.some((c) => c.args[0]?.kind === "fd" && c.args[0].fd === -100)).toBe(true);
    expect(log.calls.some((c) => c.result?.path === "/dev/null")).toBe(true);
    expect(log.calls.find((c) => c.result?.errno === "ERESTARTNOHAND")?.result?.value).toBeNull();
  });

  it("bracket.log splices the attach message out of the clone line", () => {
    const log = parseStrace(fixture("bracket.log"));
    const clones = log.calls.filter((c) => c.name === "clone");
    expect(clones.map((c) => [c.pid, c.line, c.continuedLine, c.result?.value])).toEqual([
      [31242, 50, 51, 31243n],
      [31242, 84, 85, 31244n],
    ]);
    expect(log.messages.map((m) => m.pid)).toEqual([31243, 31244]);
  });

  it("edge.log: superseded, stopped, unknown names, killed mid-call, one junk line", () => {
    const log = parseStrace(fixture("edge.log"));
    expect(log.unparsed.map((u) => u.line)).toEqual([13]);
    expect(log.unknownNames).toEqual(new Map([["frobnicate", 1]]));
    expect(log.calls.find((c) => c.name === "syscall_0x1c8")?.nr).toBe(456);
    expect(log.calls.filter((c) => c.unfinished).map((c) => c.name)).toEqual(["futex", "rt_sigsuspend"]);
    expect(log.events.map((e) => e.kind)).toEqual(["exit", "signal", "signal", "exit"]);
  });
});

describe("StraceStream", () => {
  it("lets an error of its sink through (a reader's failure is not an unparsed line)", () => {
    const boom = new Error("sink failed");
    const s = new StraceStream({
      call: () => {
        throw boom;
      },
      event: () => {},
      unparsed: () => {},
      message: () => {},
      process: () => {},
    });
    s.push("getpid() = 1");
    expect(() => s.push("")).toThrow(boom);
    const t = new StraceStream({
      call: () => {
        throw boom;
      },
      event: () => {},
      unparsed: () => {},
      message: () => {},
      process: () => {},
    });
    t.push("1 read(0, <unfinished ...>");
    expect(() => t.end()).toThrow(boom); // the unfinished call flushed at the end
  });
});
