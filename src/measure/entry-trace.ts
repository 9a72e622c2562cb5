// A recorded, instruction-by-instruction trace of system calls through the entry path, with the machine state
// after every step. `syscall-lab trace` prints it; the web stepper (web/) records one and seeks in it (stepping
// back is reading an earlier record, never re-running). Cycles are the CPU's own charges (cpu.cycles before and
// after each instruction), so a call's total is exactly what `run` reports for the same set-up.
import { getDesign } from "../cgroup/designs/index.ts";
import { NATIVE_POISON } from "../cpu/natives.ts";
import { GPR_NAMES, RAX } from "../cpu/registers.ts";
import type { AssembledLine } from "../entry/assembler.ts";
import { type DisasmLine, disassemble } from "../entry/disassembler.ts";
import { Machine } from "../kernel/machine.ts";
import { NATIVE_NAMES } from "../kernel/native-costs.ts";
import { PT_REGS_FIELDS, PT_REGS_SIZE } from "../kernel/pt-regs.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../kernel/task.ts";
import { TIF_NAMES } from "../kernel/tif.ts";
import { getWorkload } from "../workload/index.ts";
import { buildSyscallLoop, type UserImage } from "../workload/user-program.ts";
import { explainBranch, type FlagSetter, flagSetter, setsFlags, tifBits } from "./branch-notes.ts";
import { type Flavour, flavourBlocks, placeTask } from "./compare.ts";
import type { CostProfile } from "./profile.ts";
import { resolveTif } from "./run-workload.ts";

export { tifBits };

/** One set-up: the kernel, the task, and what it runs. */
export interface TraceSetup {
  profile: CostProfile;
  flavour?: Flavour;
  pti?: boolean;
  /** a built-in design id (or one registered from a design file), default none */
  design?: string;
  /** TIF flag names (resolveTif: "audit", "TIF_SYSCALL_AUDIT", …) set on the task before it starts */
  tif?: readonly string[];
  /** cgroup depth of the task (0 = the root) */
  depth?: number;
  /** the task's cgroup denies a call the program never makes (compare's "filtered") */
  filtered?: boolean;
  deniedErrno?: number;
  /** a workload by name (with `count` iterations) … */
  workload?: string;
  count?: number;
  /** … or one system call: number and up to six arguments (rdi rsi rdx r10 r8 r9) */
  syscall?: { nr: number; args?: readonly bigint[] };
}

export interface TraceLimits {
  /** record user-mode instructions too (default: only SYSCALL and the kernel's) */
  user?: boolean;
  /** stop after this many of the task's system calls */
  calls?: number;
  /** keep the machine state after every step (the web stepper) */
  snapshots?: boolean;
  /** instructions to execute at most (default 2,000,000) */
  maxSteps?: number;
}

/** Registers and the kernel data the stepper shows, after an instruction. */
export interface MachineState {
  /** rax … r15 (GPR_NAMES order) */
  regs: bigint[];
  rip: bigint;
  rflags: number;
  cpl: number;
  gsBase: bigint;
  kernelGsBase: bigint;
  cr3: number;
  /** thread_info.flags of the traced task */
  tif: number;
  /** the traced task's struct pt_regs at the top of its kernel stack, PT_REGS_FIELDS order */
  ptRegs: bigint[];
}

export interface TraceStep {
  /** which system call of the task (1-based); 0 before the first */
  call: number;
  cpl: number;
  /** true when another task (a ptrace supervisor) ran this instruction */
  other: boolean;
  addr: string;
  /** label+offset, or the native's name */
  symbol: string;
  /** the label alone */
  label: string;
  bytes: string;
  /** AT&T disassembly, or `<native name>` */
  text: string;
  /** the source line (symbolic names) when the kernel text has one */
  src: string;
  cycles: number;
  /** the traced task's cycles so far, this step included, by mode (SYSCALL counts as user: it starts at CPL 3) */
  userCycles: number;
  sysCycles: number;
  changes: string[];
  note: string;
  /** conditional jumps only: whether it jumped */
  taken?: boolean;
  state?: MachineState;
}

export interface ListingLine {
  kind: "comment" | "label" | "insn";
  text: string;
  /** instructions: their address, as in TraceStep.addr */
  addr?: string;
}

export interface EntryTrace {
  steps: TraceStep[];
  /** the state before the first recorded step (snapshots only) */
  initial: MachineState | null;
  /** the kernel's entry code as assembled: comments, labels and instructions with addresses */
  listing: ListingLine[];
  flavour: Flavour;
  pti: boolean;
  design: string;
  /** thread_info bit names: Linux's and the design's own (TIF_SYSCALL_CGROUP, …) */
  tifNames: Record<number, string>;
  /** the kernel oops that stopped the machine, if one did (e.g. a design's hook faulting) */
  fault: string | null;
  /** whether the run ended (the task exited or the limits were reached) rather than hitting maxSteps */
  complete: boolean;
}

const hex = (v: number | bigint) => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
const ARG_REGS = ["%rdi", "%rsi", "%rdx", "%r10", "%r8", "%r9"];

/** The user program of a one-call set-up: the call (after its arguments), once, then exit_group(0). */
export function oneCallImage(nr: number, args: readonly bigint[] = []): UserImage {
  if (!Number.isInteger(nr) || nr < 0 || nr > 0xffff) throw new Error(`syscall number ${nr}: not 0..65535`);
  if (args.length > 6) throw new Error(`syscall: at most 6 arguments, got ${args.length}`);
  const load = args.map((a, i) => `movabsq $${BigInt.asUintN(64, a)}, ${ARG_REGS[i]}`).join("\n");
  return buildSyscallLoop([{ nr, name: SYSCALL_NAMES_X86_64_3_1[nr] ?? `nr ${nr}`, args: load }], {
    count: 1,
    gap: 0,
  });
}

/** Boots the set-up's machine and creates its task (placed in its cgroup), not yet started. */
export function bootSetup(s: TraceSetup): { machine: Machine; task: Task; image: UserImage } {
  const flavour = s.flavour ?? "linux-3.1";
  const designId = s.design ?? "none";
  if (s.pti === true && flavour !== "linux-generic") throw new Error("pti needs the linux-generic flavour");
  const blocked = flavourBlocks(designId, flavour);
  if (blocked !== null) throw new Error(`design ${designId} cannot run on ${flavour}: ${blocked}`);
  const depth = s.depth ?? 0;
  if (!Number.isInteger(depth) || depth < 0 || depth > 8) throw new Error(`cgroup depth ${depth}: not 0..8`);
  const tifs = (s.tif ?? []).map(resolveTif);
  let image: UserImage;
  let name: string;
  if (s.syscall !== undefined) {
    image = oneCallImage(s.syscall.nr, s.syscall.args ?? []);
    name = SYSCALL_NAMES_X86_64_3_1[s.syscall.nr] ?? "call";
  } else {
    const w = getWorkload(s.workload ?? "null");
    image = w.build({ count: s.count ?? 1, gap: 0 });
    name = w.name;
  }
  const machine = Machine.boot({
    costs: s.profile.costs,
    natives: s.profile.natives,
    design: getDesign(designId),
    flavour,
    ...(s.pti === true ? { pti: true } : {}),
    ...(s.deniedErrno !== undefined ? { deniedErrno: s.deniedErrno } : {}),
  });
  const task = machine.createTask({ name, image });
  for (const t of tifs) task.tif.set(t.bit);
  placeTask(machine, task, depth, s.filtered === true ? "filtered" : "unfiltered");
  return { machine, task, image };
}

/** The entry code as the kernel was assembled: source comments and labels, and each instruction's address. */
export function entryListing(machine: Machine): ListingLine[] {
  const lines = machine.kernelText.lines;
  const out: ListingLine[] = [];
  let j = 0;
  for (const raw of machine.kernelSource.split("\n")) {
    const t = raw.trim();
    if (t === "") continue;
    if (t.startsWith("# natives")) break;
    if (t.startsWith("#")) {
      out.push({ kind: "comment", text: t });
      continue;
    }
    const label = /^([A-Za-z_.$][\w.$]*|\d+):\s*(.*)$/.exec(t);
    let rest = t;
    if (label) {
      out.push({ kind: "label", text: `${label[1]}:` });
      rest = label[2]!.trim();
      if (rest === "") continue;
    }
    const code = rest.replace(/\s+#.*$/, "").trim();
    if (code.startsWith(".")) continue;
    let k = j;
    while (k < lines.length && lines[k]!.text.trim() !== code) k++;
    if (k < lines.length) {
      out.push({ kind: "insn", text: code, addr: hex(lines[k]!.addr) });
      j = k + 1;
    }
  }
  return out;
}

/** Up to 15 instruction bytes at `rip`, fewer where the next page is unmapped. */
function fetchBytes(space: { readBytes(v: number, n: number): Uint8Array }, rip: number): Uint8Array {
  try {
    return space.readBytes(rip, 15);
  } catch {
    const toPageEnd = 4096 - (((rip % 4096) + 4096) % 4096);
    return space.readBytes(rip, toPageEnd);
  }
}

function readReg(regs: Int32Array, r: number): bigint {
  return (BigInt(regs[2 * r + 1]! >>> 0) << 32n) | BigInt(regs[2 * r]! >>> 0);
}

function snapshot(machine: Machine, task: Task): MachineState {
  const cpu = machine.cpu;
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(BigInt.asUintN(64, cpu.getReg(r)));
  const base = task.stackTop - PT_REGS_SIZE;
  const ptRegs = PT_REGS_FIELDS.map(([, off]) => {
    try {
      return BigInt.asUintN(64, machine.kspace.read64(base + off));
    } catch {
      return 0n;
    }
  });
  return {
    regs,
    rip: BigInt.asUintN(64, BigInt(cpu.rip)),
    rflags: cpu.getRflags(),
    cpl: cpu.cpl,
    gsBase: BigInt.asUintN(64, BigInt(cpu.gsBase)),
    kernelGsBase: BigInt.asUintN(64, BigInt(cpu.kernelGsBase)),
    cr3: cpu.cr3,
    tif: task.tif.get() >>> 0,
    ptRegs,
  };
}

/** Single-steps the set-up and records its system calls instruction by instruction. */
export function traceSetup(setup: TraceSetup, limits: TraceLimits = {}): EntryTrace {
  const { machine, task, image } = bootSetup(setup);
  const cpu = machine.cpu;
  machine.run({ maxInstructions: 0 }); // loads the first task's context (ret_from_fork)
  const labels = new Map<string, bigint>([...machine.kernelText.labels, ...image.assembled.labels]);
  const table = machine.symbols.get("sys_call_table");
  if (table !== undefined) labels.set("sys_call_table", table);
  // a section-end marker at do_syscall_64's address: name the code, not the marker
  labels.delete("__entry_text_end");
  const nativeNames = new Map<number, string>();
  for (const name of NATIVE_NAMES) {
    const a = machine.symbols.get(name);
    if (a !== undefined) nativeNames.set(Number(BigInt.asIntN(64, a)), name);
  }
  const source = new Map<number, AssembledLine>();
  for (const l of machine.kernelText.lines) source.set(Number(BigInt.asIntN(64, l.addr)), l);
  const tifNames: Record<number, string> = { ...TIF_NAMES };
  for (const [k, v] of machine.symbols)
    if (/^TIF_[A-Z0-9_]+$/.test(k) && v >= 0n && v < 32n && tifNames[Number(v)] === undefined)
      tifNames[Number(v)] = k;
  const reader = {
    tifNames,
    reg: (i: number) => BigInt.asUintN(64, cpu.getReg(i)),
    mem: (addr: bigint, n: 4 | 8): bigint | null => {
      try {
        const a = Number(BigInt.asIntN(64, addr));
        return n === 8
          ? BigInt.asUintN(64, machine.kspace.read64(a))
          : BigInt(machine.kspace.read32(a) >>> 0);
      } catch {
        return null;
      }
    },
  };

  const disasmCache = new Map<number, DisasmLine>();
  const steps: TraceStep[] = [];
  const before = new Int32Array(32);
  let initial: MachineState | null = null;
  let call = 0;
  let userCycles = 0;
  let sysCycles = 0;
  let pending: FlagSetter | null = null;
  let prevSrc = "";
  let complete = false;
  const maxSteps = limits.maxSteps ?? 2_000_000;
  for (let n = 0; n < maxSteps; n++) {
    const rip = cpu.rip;
    const cpl = cpu.cpl;
    let mine: boolean;
    try {
      mine = machine.current() === task;
    } catch {
      complete = true; // no task left to run: the traced one exited
      break;
    }
    before.set(cpu.regs);
    const flagsBefore = cpu.getRflags();
    const gsBefore = cpu.gsBase;
    const cycles0 = cpu.cycles;
    const ripBig = BigInt.asUintN(64, BigInt(rip));
    let line = disasmCache.get(rip);
    if (line === undefined) {
      // the BPF JIT compiles a filter when it first runs: name its image (and classic pcs) once it exists
      if (machine.seccompJit !== null) for (const [k, v] of machine.seccompJit.labels()) labels.set(k, v);
      line = disassemble(fetchBytes(cpu.space, rip), ripBig, { symbols: labels, count: 1 })[0]!;
      disasmCache.set(rip, line); // code is never written while traced: one decode per address
    }
    const isSyscall = line.text.startsWith("syscall");
    if (isSyscall && mine) call++;
    if (limits.calls !== undefined && call > limits.calls) {
      complete = true;
      break;
    }
    const native = nativeNames.get(rip);
    const src = cpl === 0 ? (source.get(rip)?.text ?? "") : "";
    const setter = setsFlags(line.text) ? flagSetter(line.text, src || line.text, prevSrc, reader) : null;
    const record = !(cpl !== 0 && !limits.user && !isSyscall) && !(call === 0 && !limits.user);
    if (record && limits.snapshots && initial === null) initial = snapshot(machine, task);
    const result = machine.run({ maxInstructions: 1 });
    const cycles = cpu.cycles - cycles0;
    if (mine && record) {
      if (cpl === 0) sysCycles += cycles;
      else userCycles += cycles;
    }
    if (setter !== null) pending = setter;
    if (cpl === 0) prevSrc = src || line.text;
    if (!record) {
      if (result.reason !== "budget") {
        complete = true;
        break;
      }
      continue;
    }
    const changes: string[] = [];
    const poisoned: string[] = [];
    for (let r = 0; r < 16; r++) {
      if (cpu.regs[2 * r] !== before[2 * r] || cpu.regs[2 * r + 1] !== before[2 * r + 1]) {
        const v = cpu.getReg(r);
        if (native !== undefined && v === NATIVE_POISON) poisoned.push(GPR_NAMES[r]!);
        else changes.push(`${GPR_NAMES[r]}=${hex(v)}`);
      }
    }
    if (poisoned.length) changes.push(`clobbered ${poisoned.join(",")}`);
    if (cpu.gsBase !== gsBefore) changes.push(`gs.base=${hex(cpu.gsBase)}`);
    const flagsAfter = cpu.getRflags();
    if (flagsAfter !== flagsBefore) changes.push(`rflags=${hex(flagsAfter)}`);
    if (cpu.cpl !== cpl) changes.push(`cpl=${cpu.cpl}`);

    let note = "";
    let taken: boolean | undefined;
    const text = native && line.text === "ud2" ? `<native ${native}>` : line.text;
    if (isSyscall) {
      const nr = Number(BigInt.asIntN(64, readReg(before, RAX)));
      const name = SYSCALL_NAMES_X86_64_3_1[nr] ?? "?";
      const flags = task.tif.get() >>> 0;
      note = `enter the kernel: ${name} (nr ${nr}), TI_flags = ${hex(flags)} [${tifBits(flags, tifNames)}]`;
    } else if (native) {
      note = `native ${native} (C in Linux): returns rax=${hex(cpu.getReg(RAX))}`;
    } else if (/^j[a-z]+ /.test(line.text) && !line.text.startsWith("jmp")) {
      const next = BigInt.asUintN(64, ripBig + BigInt(line.length));
      taken = BigInt.asUintN(64, BigInt(cpu.rip)) !== next;
      const target = line.text.split(" ")[1] ?? "";
      const jump = line.text.split(" ")[0]!;
      note = explainBranch(pending, jump, target, taken, flagsBefore);
      pending = null;
    }
    const symbol = native ?? line.symbol;
    steps.push({
      call,
      cpl,
      other: !mine,
      addr: hex(ripBig),
      symbol,
      label: symbol.replace(/\+0x[0-9a-f]+$/, ""),
      bytes: line.bytes,
      text,
      src,
      cycles,
      userCycles,
      sysCycles,
      changes,
      note,
      ...(taken !== undefined ? { taken } : {}),
      ...(limits.snapshots ? { state: snapshot(machine, task) } : {}),
    });
    if (result.reason !== "budget") {
      complete = true;
      break;
    }
  }
  return {
    steps,
    initial,
    listing: entryListing(machine),
    flavour: setup.flavour ?? "linux-3.1",
    pti: setup.pti === true,
    design: setup.design ?? "none",
    complete,
    tifNames,
    fault: machine.oops,
  };
}
