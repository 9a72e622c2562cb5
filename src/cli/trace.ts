import { getDesign } from "../cgroup/designs/index.ts";
import { NATIVE_POISON } from "../cpu/natives.ts";
import { GPR_NAMES, RAX } from "../cpu/registers.ts";
import { disassemble } from "../entry/disassembler.ts";
import { Machine } from "../kernel/machine.ts";
import { NATIVE_NAMES } from "../kernel/native-costs.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../kernel/syscall-names-x86_64-3.1.ts";
import {
  _TIF_ALLWORK_MASK,
  _TIF_DO_NOTIFY_MASK,
  _TIF_SYSCALL_AUDIT,
  _TIF_WORK_MASK,
  _TIF_WORK_SYSCALL_ENTRY,
  _TIF_WORK_SYSCALL_EXIT,
  TIF_NAMES,
} from "../kernel/tif.ts";
import type { CostProfile } from "../measure/profile.ts";
import { resolveTif } from "../measure/run-workload.ts";
import { getWorkload } from "../workload/index.ts";
import { fmtInt } from "./output.ts";

export interface TraceOptions {
  workload: string;
  count: number;
  profile: CostProfile;
  tif: readonly string[];
  user: boolean;
  json: boolean;
  /** stop after this many syscalls (default: all of the run) */
  calls?: number;
  /** the filter design compiled in (default none); a file design must be resolved first (design-loader.ts) */
  design?: string;
}

export interface TraceRecord {
  /** which syscall of the run (1-based); 0 before the first */
  call: number;
  cpl: number;
  addr: string;
  symbol: string;
  bytes: string;
  text: string;
  cycles: number;
  changes: string[];
  note: string;
}

/** The masks the entry code tests, by value, so a `testl $imm` or an `andl %edi,%edx` can be explained. */
const MASKS: ReadonlyMap<number, string> = new Map([
  [_TIF_WORK_SYSCALL_ENTRY, "_TIF_WORK_SYSCALL_ENTRY"],
  [(_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT) >>> 0, "_TIF_WORK_SYSCALL_ENTRY & ~_TIF_SYSCALL_AUDIT"],
  [_TIF_ALLWORK_MASK, "_TIF_ALLWORK_MASK"],
  [(_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_AUDIT) >>> 0, "_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_AUDIT"],
  [_TIF_WORK_MASK, "_TIF_WORK_MASK"],
  [_TIF_WORK_SYSCALL_EXIT, "_TIF_WORK_SYSCALL_EXIT"],
  [_TIF_DO_NOTIFY_MASK, "_TIF_DO_NOTIFY_MASK"],
]);

export function tifBits(v: number): string {
  const names: string[] = [];
  for (let b = 0; b < 32; b++) {
    if ((v >>> b) & 1) names.push((TIF_NAMES[b] ?? `bit${b}`).replace(/^TIF_/, ""));
  }
  return names.length ? names.join("|") : "none";
}

const hex = (v: number | bigint) => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

interface Pending {
  kind: "mask" | "range" | "bit";
  mask: number;
  value: number;
  text: string;
}

/**
 * Single-steps a workload and records every kernel instruction of its syscalls: location, AT&T text,
 * cycles charged, registers changed, and the entry path's decisions spelled out.
 */
export function traceWorkload(opts: Omit<TraceOptions, "json">): TraceRecord[] {
  const workload = getWorkload(opts.workload);
  const image = workload.build({ count: opts.count, gap: 0 });
  const machine = Machine.boot({
    costs: opts.profile.costs,
    natives: opts.profile.natives,
    ...(opts.design !== undefined ? { design: getDesign(opts.design) } : {}),
  });
  const task = machine.createTask({ name: workload.name, image });
  for (const t of opts.tif.map(resolveTif)) task.tif.set(t.bit);
  const cpu = machine.cpu;
  machine.run({ maxInstructions: 0 }); // loads the first task's context (ret_from_fork)
  const labels = new Map<string, bigint>([...machine.kernelText.labels, ...image.assembled.labels]);
  const table = machine.symbols.get("sys_call_table");
  if (table !== undefined) labels.set("sys_call_table", table);
  const nativeNames = new Map<number, string>();
  for (const name of NATIVE_NAMES)
    nativeNames.set(Number(BigInt.asIntN(64, machine.symbols.get(name)!)), name);

  const records: TraceRecord[] = [];
  const before = new Int32Array(32);
  let call = 0;
  let pending: Pending | null = null;
  for (let steps = 0; steps < 1_000_000; steps++) {
    const rip = cpu.rip;
    const cpl = cpu.cpl;
    before.set(cpu.regs);
    const flagsBefore = cpu.getRflags();
    const gsBefore = cpu.gsBase;
    const cycles0 = cpu.cycles;
    const ripBig = BigInt.asUintN(64, BigInt(rip));
    const bytes = fetchBytes(cpu.space, rip);
    const line = disassemble(bytes, ripBig, { symbols: labels, count: 1 })[0]!;
    const isSyscall = line.text.startsWith("syscall");
    if (isSyscall) call++;
    if (opts.calls !== undefined && call > opts.calls) break;
    const native = nativeNames.get(rip);
    const result = machine.run({ maxInstructions: 1 });
    if ((cpl !== 0 && !opts.user && !isSyscall) || (call === 0 && !opts.user)) {
      if (result.reason !== "budget") break;
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
    const text = native && line.text === "ud2" ? `<native ${native}>` : line.text;
    if (isSyscall) {
      const nr = Number(BigInt.asIntN(64, BigInt.asUintN(64, readReg(before, RAX))));
      const name = SYSCALL_NAMES_X86_64_3_1[nr] ?? "?";
      note = `enter the kernel: ${name} (nr ${nr}), TI_flags = ${hex(task.tif.get())} [${tifBits(task.tif.get())}]`;
    } else if (native) {
      note = `native ${native} (C in Linux): returns rax=${hex(cpu.getReg(RAX))}`;
    }
    const m = /^(test|and)l \$0x([0-9a-f]+),/.exec(line.text);
    const andReg = /^andl %edi,%edx/.exec(line.text);
    const cmpMax = /^cmpq \$0x([0-9a-f]+),%rax/.exec(line.text);
    const bt = /^bt[lq]? \$0x([0-9a-f]+),%edx/.exec(line.text);
    if (m && MASKS.has(Number.parseInt(m[2]!, 16))) {
      const mask = Number.parseInt(m[2]!, 16);
      const flags = task.tif.get();
      pending = { kind: "mask", mask, value: (flags & mask) >>> 0, text: MASKS.get(mask)! };
    } else if (andReg) {
      const mask = before[2 * 7]! >>> 0; // %edi
      const value = cpu.regs[2 * 2]! >>> 0; // %edx after the and
      pending = { kind: "mask", mask, value, text: MASKS.get(mask) ?? hex(mask) };
    } else if (cmpMax) {
      const nr = BigInt.asIntN(64, BigInt.asUintN(64, readReg(before, RAX)));
      pending = { kind: "range", mask: Number.parseInt(cmpMax[1]!, 16), value: Number(nr), text: "" };
    } else if (bt) {
      const bit = Number.parseInt(bt[1]!, 16);
      pending = {
        kind: "bit",
        mask: bit,
        value: (before[2 * 2]! >>> bit) & 1,
        text: TIF_NAMES[bit] ?? `bit ${bit}`,
      };
    } else if (/^j[a-z]+ /.test(line.text) && !line.text.startsWith("jmp") && pending) {
      const next = BigInt.asUintN(64, ripBig + BigInt(line.length));
      const taken = BigInt.asUintN(64, BigInt(cpu.rip)) !== next;
      const target = taken ? (line.text.split(" ")[1] ?? "") : "fall through";
      if (pending.kind === "mask") {
        note = `flags & ${pending.text} = ${hex(pending.value)}${pending.value ? ` [${tifBits(pending.value)}]` : ""} → ${target}`;
      } else if (pending.kind === "range") {
        note = `nr ${pending.value} ${pending.value >= 0 && pending.value <= pending.mask ? "≤" : "outside 0.."} ${pending.mask} (__NR_syscall_max) → ${target}`;
      } else {
        note = `${pending.text} is ${pending.value ? "set" : "clear"} → ${target}`;
      }
      pending = null;
    }
    records.push({
      call,
      cpl,
      addr: hex(ripBig),
      symbol: native ?? line.symbol,
      bytes: line.bytes,
      text,
      cycles: cpu.cycles - cycles0,
      changes,
      note,
    });
    if (result.reason !== "budget") break;
  }
  return records;
}

/** Up to 15 instruction bytes at `rip`, fewer where the next page is unmapped. */
function fetchBytes(space: { readBytes(v: number, n: number): Uint8Array }, rip: number): Uint8Array {
  const toPageEnd = 4096 - (((rip % 4096) + 4096) % 4096);
  if (toPageEnd >= 15) return space.readBytes(rip, 15);
  try {
    return space.readBytes(rip, 15);
  } catch {
    return space.readBytes(rip, toPageEnd);
  }
}

function readReg(regs: Int32Array, r: number): bigint {
  return (BigInt(regs[2 * r + 1]! >>> 0) << 32n) | BigInt(regs[2 * r]! >>> 0);
}

export function runTrace(opts: TraceOptions): string {
  const records = traceWorkload(opts);
  if (opts.json) return JSON.stringify(records, null, 2);
  const out: string[] = [];
  let lastCall = -1;
  let sum = 0;
  const flush = () => {
    if (lastCall > 0) out.push(`  ── ${fmtInt(sum)} cycles in this syscall\n`);
  };
  for (const r of records) {
    if (r.call !== lastCall) {
      flush();
      lastCall = r.call;
      sum = 0;
      out.push(`syscall #${r.call}`);
    }
    sum += r.cycles;
    const where = (r.symbol || r.addr).padEnd(34);
    const cyc = String(r.cycles).padStart(5);
    const extra = [r.changes.join(" "), r.note].filter((s) => s !== "").join("   ");
    out.push(`${cyc}  ${r.cpl === 3 ? "u " : "k "}${where} ${r.text.padEnd(40)} ${extra}`.trimEnd());
  }
  flush();
  return out.join("\n");
}
