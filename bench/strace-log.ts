// A deterministic `strace -f -tt -T -o` log of a build-like run, for the replay bench: a driver process forks
// `processes - 1` compilers, keeps up to three of them running at once (their lines interleave, some calls split
// into `<unfinished ...>` / `<... resumed>` pairs), and waits for each; every compiler execs, maps, opens, reads,
// stats, writes and exits. About `lines` lines in all. The same options give the same bytes on every host.
// CLI: npx tsx bench/strace-log.ts OUT [LINES] [PROCESSES]
import { closeSync, openSync, writeSync } from "node:fs";

export interface StraceLogOptions {
  lines: number;
  processes: number;
  seed?: number;
}

const ROOT = 4000;

/** Writes the log to `path`; returns the number of lines written. */
export function writeStraceLog(path: string, o: StraceLogOptions): number {
  let seed = (o.seed ?? 1) >>> 0;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const fd = openSync(path, "w");
  let buf: string[] = [];
  let lines = 0;
  let usec = 8 * 3600 * 1e6;
  const emit = (pid: number, text: string) => {
    usec += 7 + rand(40);
    const s = Math.floor(usec / 1e6);
    const hh = String(Math.floor(s / 3600) % 24).padStart(2, "0");
    const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
    const ss = String(s % 60).padStart(2, "0");
    buf.push(`${pid}  ${hh}:${mm}:${ss}.${String(usec % 1e6).padStart(6, "0")} ${text}\n`);
    lines++;
    if (buf.length >= 4096) {
      writeSync(fd, buf.join(""));
      buf = [];
    }
  };
  const dur = () => ` <0.0000${10 + rand(89)}>`;
  const hex = () => `0x7f${rand(0xfffffff).toString(16).padStart(7, "0")}000`;
  const files = [
    "/usr/include/stdio.h",
    "/usr/include/stdlib.h",
    "/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h",
  ];
  // one call of a compiler: [name, args, result] (the result text after '= ')
  const body = (pid: number, i: number): [string, string, string] => {
    const f = files[rand(files.length)]!;
    switch (rand(12)) {
      case 0:
        return ["openat", `AT_FDCWD, "${f}", O_RDONLY|O_CLOEXEC`, "3"];
      case 1:
        return [
          "newfstatat",
          `3, "", {st_mode=S_IFREG|0644, st_size=${1000 + rand(90000)}, ...}, AT_EMPTY_PATH`,
          "0",
        ];
      case 2:
        return ["read", `3, "#include <features.h>\\n"..., 4096`, String(1 + rand(4096))];
      case 3:
        return ["close", "3", "0"];
      case 4:
        return ["mmap", "NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0", hex()];
      case 5:
        return ["munmap", `${hex()}, 8192`, "0"];
      case 6:
        return [
          "openat",
          `AT_FDCWD, "/usr/local/include/${f.slice(13)}", O_RDONLY|O_NOCTTY`,
          "-1 ENOENT (No such file or directory)",
        ];
      case 7:
        return ["write", `4, "\\t.file\\t\\"x${i}.c\\"\\n"..., ${64 + rand(4000)}`, String(64 + rand(4000))];
      case 8:
        return ["brk", hex(), hex()];
      case 9:
        return ["getpid", "", String(pid)];
      case 10:
        return ["lseek", `3, ${rand(9000)}, SEEK_SET`, String(rand(9000))];
      default:
        return ["rt_sigprocmask", "SIG_SETMASK, [], NULL, 8", "0"];
    }
  };
  interface Child {
    pid: number;
    left: number;
    started: boolean;
    pending: [string, string, string] | null;
  }
  const perChild = Math.max(4, Math.floor(o.lines / Math.max(1, o.processes)) - 7);
  emit(ROOT, `execve("/usr/bin/make", ["make", "-j3"], 0x7ffd5ee1a2d8 /* 30 vars */) = 0${dur()}`);
  emit(ROOT, `brk(NULL) = ${hex()}${dur()}`);
  let next = ROOT + 1;
  let forked = 0;
  const active: Child[] = [];
  let waiting = false;
  const step = (c: Child) => {
    if (c.pending !== null) {
      const [name, , ret] = c.pending;
      emit(c.pid, `<... ${name} resumed>) = ${ret}${dur()}`);
      c.pending = null;
      return;
    }
    if (!c.started) {
      emit(
        c.pid,
        `execve("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", ["cc1", "-quiet", "x${c.pid}.c"], 0x7ffc3b2f1e40 /* 30 vars */) = 0${dur()}`,
      );
      c.started = true;
      return;
    }
    if (c.left === 0) {
      emit(c.pid, "exit_group(0) = ?");
      emit(c.pid, "+++ exited with 0 +++");
      active.splice(active.indexOf(c), 1);
      if (waiting) {
        emit(ROOT, `<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${c.pid}${dur()}`);
        waiting = false;
      } else
        emit(ROOT, `wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${c.pid}${dur()}`);
      return;
    }
    const call = body(c.pid, c.left);
    c.left--;
    if (active.length > 1 && rand(10) === 0) {
      const [name, args] = call;
      emit(c.pid, `${name}(${args} <unfinished ...>`);
      c.pending = call;
    } else emit(c.pid, `${call[0]}(${call[1]}) = ${call[2]}${dur()}`);
  };
  while (forked < o.processes - 1 || active.length > 0) {
    if (forked < o.processes - 1 && active.length < 3 && !waiting) {
      const pid = next++;
      forked++;
      emit(
        ROOT,
        `clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f5c1a2b3a10) = ${pid}${dur()}`,
      );
      active.push({ pid, left: perChild, started: false, pending: null });
      continue;
    }
    if (!waiting && active.length === 3) {
      emit(ROOT, "wait4(-1,  <unfinished ...>");
      waiting = true;
    }
    step(active[rand(active.length)]!);
  }
  emit(ROOT, "exit_group(0) = ?");
  emit(ROOT, "+++ exited with 0 +++");
  writeSync(fd, buf.join(""));
  closeSync(fd);
  return lines;
}

if (process.argv[1]?.endsWith("strace-log.ts")) {
  const [out, lines, procs] = process.argv.slice(2);
  if (out === undefined) {
    console.error("usage: npx tsx bench/strace-log.ts OUT [LINES] [PROCESSES]");
    process.exit(2);
  }
  const n = writeStraceLog(out, { lines: Number(lines ?? 1_000_000), processes: Number(procs ?? 4000) });
  console.log(`${out}: ${n} lines`);
}
