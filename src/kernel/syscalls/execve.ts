// execve (fs/exec.c do_execve + fs/binfmt_elf.c load_elf_binary of 3.1; a PT_INTERP's ld.so comes from the VFS,
// a missing one is ENOENT as on Linux): the calling task keeps
// its pid, descriptors (but FD_CLOEXEC ones), blocked mask and ignored signals; its user half is replaced by the
// program from the VFS. Like stub_execve's `jmp int_ret_from_sys_call`, the new image is entered by IRET: the
// native hands the start registers to do_notify_resume (TIF_NOTIFY_RESUME), which writes them to pt_regs.

import type { Cpu } from "../../cpu/cpu.ts";
import { PAGE_SIZE } from "../../cpu/memory.ts";
import { FIXED1, IF } from "../../cpu/rflags.ts";
import { latin1Encode, utf8Decode } from "../../cpu/text-bytes.ts";
import { ElfError } from "../../workload/elf.ts";
import { E2BIG, EACCES, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR } from "../errno.ts";
import { exePathOf, InterpError, prepareExec, setExePath } from "../exec.ts";
import {
  isScript,
  maxScriptDepth,
  parseScriptLine,
  type ScriptFlavour,
  scriptArgv,
  scriptDepthErrno,
} from "../fs/binfmt-script.ts";
import { cacheToData } from "../fs/page-cache.ts";
import type { KernelContext } from "../kernel-context.ts";
import { resetMm } from "../mm.ts";
import { argNum } from "../native-args.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";
import { copyFromUser, strncpyFromUser } from "../uaccess.ts";
import { isDir, loadReg, PATH_MAX } from "../vfs.ts";
import { procOf } from "./process.ts";
import { isPtraced } from "./ptrace.ts";
import { flushSignalHandlers, SIGKILL, SIGTRAP, sendSignal, setResumeRegs } from "./signal.ts";

export const ENOEXEC = 8;
/** one argument or environment string, NUL included (MAX_ARG_STRLEN = 32 pages) */
export const MAX_ARG_STRLEN = 32 * PAGE_SIZE;
const USER_VPN_END = TASK_SIZE_MAX / PAGE_SIZE;

/** copy_strings: a NULL-terminated array of string pointers (NULL array = empty), or -errno. */
function copyStrings(k: KernelContext, t: Task, arr: number, budget: { left: number }): string[] | number {
  const out: string[] = [];
  if (arr === 0) return out;
  for (let i = 0; ; i++) {
    const p = copyFromUser(t.space, arr + 8 * i, 8);
    if (p === null) return -EFAULT;
    const ptr = new DataView(p.buffer).getBigUint64(0, true);
    budget.left -= 8;
    if (ptr === 0n) break;
    if (ptr >= BigInt(TASK_SIZE_MAX)) return -EFAULT;
    const s = strncpyFromUser(t.space, Number(ptr), MAX_ARG_STRLEN - 1);
    if (s === null) return -EFAULT;
    if (s === "toolong") return -E2BIG;
    budget.left -= s.length + 1;
    if (budget.left < 0) return -E2BIG;
    k.charge("copy_user_per_byte", s.length + 9);
    out.push(utf8Decode(latin1Encode(s)));
  }
  return out;
}

/** exec_mmap: every user page of the old image, brk heap, mmaps and stack, unmapped in contiguous runs. */
function dropUserHalf(t: Task): void {
  const vpns = [...t.space.ptes.keys()].filter((v) => v >= 0 && v < USER_VPN_END).sort((a, b) => a - b);
  let i = 0;
  while (i < vpns.length) {
    let j = i + 1;
    while (j < vpns.length && vpns[j] === vpns[j - 1]! + 1) j++;
    t.space.unmap(vpns[i]! * PAGE_SIZE, (j - i) * PAGE_SIZE);
    i = j;
  }
}

/**
 * open_exec + search_binary_handler: the file at `name` (relative to the cwd), and while it is a `#!` script the
 * interpreter it names (binfmt_script, src/kernel/fs/binfmt-script.ts), with argv rewritten; the bytes of the ELF
 * file to load, its canonical path (/proc/self/exe) and the bytes of interpreter names and arguments copied, or
 * -errno. `exec --root` opens its program with it too.
 */
export function openExec(
  k: KernelContext,
  t: Pick<Task, "cwd" | "pid">,
  name: string,
  argv: string[],
): { bytes: Uint8Array; path: string; argv: string[]; copied: number } | number {
  let copied = 0;
  const flavour: ScriptFlavour =
    "flavour" in k && (k as { flavour: string }).flavour === "linux-generic" ? "linux-generic" : "linux-3.1";
  let file = name;
  let args = argv;
  for (let depth = 0; ; depth++) {
    if (file === "") return -ENOENT; // getname of an empty interpreter name (5.x: "#!" and nothing)
    const r = k.vfs.lookup(t.cwd, file, {
      self: { pid: t.pid, exe: "space" in t ? exePathOf(t as Task) : undefined, cwd: t.cwd },
    });
    if (r.notDirOnWay) return -ENOTDIR;
    if (r.error !== undefined) return r.error;
    const n = r.node;
    if (n === undefined) return -ENOENT;
    if (isDir(n) || n.type !== "reg") return -EACCES; // may_open's S_ISREG test (open_exec)
    const le = loadReg(n.file);
    if (le < 0) return le;
    cacheToData(n.file); // stores through shared mappings of the file are in what is loaded
    const bytes = n.file.data;
    // 5.8+ exec_binprm: no handler runs for a sixth rewrite, whatever the file is
    if (flavour === "linux-generic" && depth > maxScriptDepth(flavour)) return scriptDepthErrno(flavour);
    if (!isScript(bytes)) return { bytes, path: r.path, argv: args, copied };
    // 3.1 load_script: recursion_depth > BINPRM_MAX_RECURSION declines the file, and no handler is left
    if (flavour === "linux-3.1" && depth > maxScriptDepth(flavour)) return scriptDepthErrno(flavour);
    const line = parseScriptLine(bytes, flavour);
    if (typeof line === "number") return line;
    // bprm->interp: the path the script was opened by (the name execve was given for the first one)
    args = scriptArgv(line, file, args);
    copied += line.name.length + (line.arg?.length ?? 0) + 2; // copy_string_kernel of the name and argument
    file = line.name;
  }
}

/** long execve(const char __user *filename, const char __user *const __user *argv, … *envp) */
export function sys_execve(k: KernelContext, cpu: Cpu): number | undefined {
  const t = k.current();
  const name = strncpyFromUser(t.space, argNum(cpu, 0), PATH_MAX - 1);
  if (name === null) return -EFAULT;
  if (name === "toolong") return -ENAMETOOLONG;
  if (name === "") return -ENOENT;
  k.charge("copy_user_per_byte", name.length + 1);
  // argv + envp strings and pointers: at most half the exec stack (the limit prepareExec enforces)
  const budget = { left: 0x80000 };
  const argv0 = copyStrings(k, t, argNum(cpu, 1), budget);
  if (typeof argv0 === "number") return argv0;
  let argv = argv0;
  const envp = copyStrings(k, t, argNum(cpu, 2), budget);
  if (typeof envp === "number") return envp;
  const found = openExec(k, t, name, argv);
  if (typeof found === "number") return found;
  const { bytes, path: exePath } = found;
  if (found.copied > 0) k.charge("copy_user_per_byte", found.copied);
  argv = found.argv;
  let loader: ReturnType<typeof prepareExec>;
  try {
    loader = prepareExec(k, {
      bytes,
      path: name,
      argv,
      envp,
      uid: t.creds.uid,
      gid: t.creds.gid,
    });
  } catch (e) {
    if (e instanceof ElfError) return -ENOEXEC;
    if (e instanceof InterpError) return e.errno;
    if (e instanceof Error && e.message.includes("E2BIG")) return -E2BIG;
    throw e;
  }
  // a thread other than its group's leader would take over the leader's pid (de_thread's exchange): not modelled
  if (t !== t.group.leader && t.group.live > 1) return -EINVAL;
  // the point of no return (flush_old_exec): a failure from here on kills the task; de_thread first
  k.deThread();
  dropUserHalf(t);
  resetMm(t);
  let loaded: ReturnType<typeof loader>;
  try {
    loaded = loader(t.space);
  } catch {
    k.doExit(0, SIGKILL);
    return undefined;
  }
  t.startBrk = loaded.brk;
  t.brk = loaded.brk;
  t.fsBase = 0;
  cpu.fsBase = 0;
  procOf(t).clearChildTid = 0;
  procOf(t).robustList = 0;
  procOf(t).gsBase = 0;
  for (const fd of [...t.files.cloexec]) t.files.close(fd);
  flushSignalHandlers(t);
  setExePath(t, exePath);
  // start_thread + ELF_PLAT_INIT: every general register 0, RSP at argc, RIP = e_entry, IF set
  const regs = new Array<bigint>(18).fill(0n);
  regs[15] = BigInt(loaded.rsp);
  regs[16] = BigInt(loaded.entry);
  regs[17] = BigInt(IF | FIXED1);
  setResumeRegs(t, regs);
  // a traced task stops with SIGTRAP after a successful exec (legacy, without PTRACE_O_TRACEEXEC)
  if (isPtraced(t)) sendSignal(t, SIGTRAP);
  return 0;
}
