// The model next to the published per-syscall figures of docs/sources.md#validation-targets that the entry path, seccomp,
// audit and ptrace can reproduce. Every model value is a difference of exact cycle counts of the null workload
// (a getppid loop) run with and without the mechanism, converted to ns at the profile's clock.

import { SECCOMP_RET_ALLOW } from "../kernel/seccomp/actions.ts";
import { seccompPrepareFilter } from "../kernel/seccomp/checker.ts";
import { attachPrepared } from "../kernel/seccomp/filter-chain.ts";
import { OFFSET_ARGS } from "../kernel/seccomp/seccomp-data.ts";
import {
  BPF_ABS,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  bpfStmt,
  type SockFilter,
} from "../kernel/seccomp/sock-filter.ts";
import { CACHE_GEOMETRY_3_1, SECCOMP_MODE_FILTER } from "../kernel/seccomp-filter-mode.ts";
import { NR } from "../kernel/syscall-names-x86_64-3.1.ts";
import type { Task } from "../kernel/task.ts";
import { TIF_SECCOMP } from "../kernel/tif.ts";
import { FILTERS, type ModelSetup, VALIDATION_SETUPS } from "./calibrate-setups.ts";
import { compareDesigns } from "./compare.ts";
import { type CostProfile, getProfile } from "./profile.ts";
import { runWorkload } from "./run-workload.ts";

type Flavour = "linux-3.1" | "linux-generic";

/** One machine configuration for the null workload. */
interface Setup {
  profile: string;
  flavour?: Flavour;
  pti?: boolean;
  tif?: string[];
  /** seccomp filters stacked on the task, oldest first */
  filters?: SockFilter[][];
  seccompCache?: boolean;
  /** non-matching audit exit rules */
  auditRules?: number;
}

export interface ValidationRow {
  figure: string;
  /** the published value as printed, and its midpoint in `unit` */
  published: string;
  publishedValue: number;
  unit: "ns" | "cycles";
  source: string;
  /** model value in `unit` */
  model: number;
  /** how the model value is computed */
  how: string;
  /** fitted / derived-from notes: when the published figure cannot validate the model */
  note: string;
}

const COUNT = 200;
/** one trivial filter: `ret ALLOW` (cacheable) */
const ALLOW: SockFilter[] = [bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)];
/** a filter the 5.11 cache cannot skip (it loads an argument), 2 instructions */
const ALLOW_ARG: SockFilter[] = [bpfStmt(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARGS), ALLOW[0]!];

function installFilters(t: Task, progs: readonly SockFilter[][], cache: boolean): void {
  let head = t.seccompFilter;
  for (const p of progs) {
    const prepared = seccompPrepareFilter(p);
    if (!prepared.ok) throw new Error(`validation: filter rejected: ${prepared.reason}`);
    const a = attachPrepared(head, prepared.filter, CACHE_GEOMETRY_3_1);
    if (!a.ok) throw new Error(`validation: filter rejected: ${a.reason}`);
    head = a.head;
  }
  t.seccompFilter = head;
  t.seccompMode = SECCOMP_MODE_FILTER;
  t.seccompCache = cache;
  t.tif.set(TIF_SECCOMP);
}

/** Round-trip cycles per getppid of the null workload under `s`. */
export function nullCycles(s: Setup): number {
  const r = runWorkload({
    workload: "null",
    count: COUNT,
    profile: getProfile(s.profile),
    ...(s.flavour !== undefined ? { flavour: s.flavour } : {}),
    ...(s.pti === true ? { pti: true } : {}),
    ...(s.tif !== undefined ? { tif: s.tif } : {}),
    setup: (m, t) => {
      if (s.filters !== undefined) installFilters(t, s.filters, s.seccompCache ?? true);
      for (let i = 0; i < (s.auditRules ?? 0); i++)
        m.audit.addRule({ nr: NR.reboot, action: "always", filter: "exit" });
    },
  });
  if (r.exitCode !== 0) throw new Error("validation: the null workload did not exit cleanly");
  return r.cyclesPerCall;
}

const ns = (cycles: number, p: CostProfile) => (cycles / p.clockHz) * 1e9;

/** Every row, computed now (about 20 short runs). */
export function validationRows(): ValidationRow[] {
  const SB = getProfile("sandybridge-2011");
  const CL = getProfile("cascadelake-2022");
  const CLP = getProfile("cascadelake-2022-pti");
  const sb = (s: Omit<Setup, "profile"> = {}) => nullCycles({ profile: SB.name, ...s });
  const cl = (s: Omit<Setup, "profile"> = {}) =>
    nullCycles({ profile: CL.name, flavour: "linux-generic", ...s });
  const sbNone = sb();
  const clNone = cl();
  const rows: ValidationRow[] = [];
  const add = (r: ValidationRow) => rows.push(r);

  add({
    figure: "null syscall round trip, 2011 desktop (3.1 fast path)",
    published: "140-180 cycles",
    publishedValue: 160,
    unit: "cycles",
    source:
      "docs/sources.md#profile-2011: Lutomirski 2014 ~40 ns fast path; Sites 2016 Haswell 52 ns = 146 cycles",
    model: sbNone,
    how: "run -w null (sandybridge-2011, linux-3.1)",
    note: "",
  });
  add({
    figure: "null syscall round trip, Cascade Lake, generic entry, PTI off",
    published: "283 cycles",
    publishedValue: 283,
    unit: "cycles",
    source:
      "Arora (Oracle) 2022, getpid loop, X8-2L Cascade Lake, 6.0-rc5 (docs/sources.md#entry-figures, #validation-targets item 5)",
    model: clNone,
    how: "run -w null --flavour linux-generic -p cascadelake-2022",
    note: "cascadelake-2022's IPC divisor (1.47) comes from the same measurement",
  });
  const ptiOff = nullCycles({ profile: CLP.name, flavour: "linux-generic" });
  const ptiOn = nullCycles({ profile: CLP.name, flavour: "linux-generic", pti: true });
  add({
    figure: "PTI cost per syscall (lmbench null)",
    published: "+125 ns",
    publishedValue: 124.5,
    unit: "ns",
    source:
      "Reshetova 2019, lmbench lat_syscall null 0.0516 -> 0.1761 µs, Intel, CPU not stated (docs/sources.md#entry-figures, #validation-targets item 6)",
    model: ns(ptiOn - ptiOff, CLP),
    how: "run -w null --flavour linux-generic -p cascadelake-2022-pti, with --pti minus without",
    note: "",
  });
  add({
    figure: "PTI cost per syscall (KAISER+PCID, lseek)",
    published: "+141 ns",
    publishedValue: 141,
    unit: "ns",
    source:
      "Hansen 2017, will-it-scale lseek1 5.2 -> 3.0 M/s (docs/sources.md#entry-figures, #validation-targets item 6)",
    model: ns(ptiOn - ptiOff, CLP),
    how: "as above",
    note: "fitted: classes.mov_cr3 of cascadelake-2022-pti is chosen to give this figure; it cannot validate",
  });
  add({
    figure: "audit flag with no rules (auditsys semi-slow path)",
    published: "+20 ns",
    publishedValue: 20,
    unit: "ns",
    source:
      "Lutomirski Feb 2014, getpid >60 -> ~40 ns, laptop, CPU not stated (docs/sources.md#audit-figures, #validation-targets item 2)",
    model: ns(sb({ tif: ["audit"] }) - sbNone, SB),
    how: "run -w null --tif audit minus run -w null (sandybridge-2011)",
    note: "",
  });
  add({
    figure: "trivial allow filter on the old slow path (tracesys + IRET)",
    published: "+134 ns",
    publishedValue: 134,
    unit: "ns",
    source:
      "Lutomirski June 2014, '[RFC 0/5] Two-phase seccomp', VM, getpid ~70 -> ~204 ns (docs/sources.md#seccomp-figures, #validation-targets item 1)",
    model: ns(sb({ filters: [ALLOW], seccompCache: false }) - sbNone, SB),
    how: "null workload with one `ret ALLOW` filter, cache off (3.5-era), minus none (sandybridge-2011, linux-3.1)",
    note: "",
  });
  add({
    figure: "trivial allow filter with the two-phase fast path",
    published: "+13 ns",
    publishedValue: 13,
    unit: "ns",
    source: "Lutomirski 2014 v5, same VM (docs/sources.md#seccomp-figures, #validation-targets item 1)",
    model: ns(sb({ tif: ["audit"] }) - sbNone, SB),
    how: "3.1 has no two-phase seccomp; its analogue here is the auditsys semi-slow path (--tif audit minus none)",
    note: "analogue, not the same mechanism: the audit path also runs audit_syscall_entry/exit",
  });
  const oneCached = cl({ filters: [ALLOW] });
  add({
    figure: "seccomp entry cost = one bitmapped (cached) filter, Cascade Lake",
    published: "+47 ns",
    publishedValue: 47,
    unit: "ns",
    source:
      "lkp seccomp_benchmark, i9-10980XE Cascade Lake, 6.8-rc1: native 391 -> 1 bitmapped 438 ns (docs/sources.md#seccomp-figures, #validation-targets item 3)",
    model: ns(oneCached - clNone, CL),
    how: "null workload with one cached `ret ALLOW` filter minus none (cascadelake-2022, linux-generic)",
    note: "",
  });
  add({
    figure: "one bitmapped filter ≈ two (the 5.11 cache)",
    published: "0 ns (675 = 675)",
    publishedValue: 0,
    unit: "ns",
    source:
      "YiFei Zhu v5 cover letter, VM, Oct 2020 (docs/sources.md#seccomp-figures, #validation-targets item 3); lkp 438 vs 432 ns",
    model: ns(cl({ filters: [ALLOW, ALLOW] }) - oneCached, CL),
    how: "two cached `ret ALLOW` filters minus one (cascadelake-2022, linux-generic)",
    note: "",
  });
  const full1 = cl({ filters: [ALLOW_ARG] });
  add({
    figure: "seccomp per additional filter, JIT on",
    published: "+19-20 ns",
    publishedValue: 19.5,
    unit: "ns",
    source:
      "YiFei Zhu v5 (VM) per-filter estimate (docs/sources.md#seccomp-figures, #validation-targets item 3); lkp Cascade Lake 23-29 ns",
    model: ns(cl({ filters: [ALLOW_ARG, ALLOW_ARG] }) - full1, CL),
    how: "two uncacheable 2-instruction filters minus one (cascadelake-2022, linux-generic)",
    note: "derived: seccomp_filter_run is Kees Cook 2020's per-filter 17.5 ns, so per-filter figures only cross-check it",
  });
  const ptrace = compareDesigns({
    designs: ["ptrace"],
    depths: [0],
    workload: "null",
    count: COUNT,
    modes: ["filtered"],
    profile: SB,
  }).points[0]!.extraCyclesPerCall;
  add({
    figure: "ptrace stop per syscall (entry + exit stop)",
    published: "~13 µs",
    publishedValue: 13000,
    unit: "ns",
    source:
      "systrace-like project README, i5-4670 Haswell + KPTI, RET_TRACE + ptrace (docs/sources.md#ptrace-figures, #validation-targets item 8)",
    model: ns(ptrace, SB),
    how: "compare -d ptrace -w null --filtered --depth 0: extra cycles per call (sandybridge-2011, linux-3.1)",
    note: "",
  });
  add({
    figure: "audit with 42 exit rules, Cascade Lake",
    published: "+553 cycles",
    publishedValue: 553,
    unit: "cycles",
    source:
      "Arora (Oracle) 2022, getpid audit=0 283 -> 836 cycles with 42 AUDIT_FILTER_EXIT rules (docs/sources.md#audit-figures, #validation-targets item 5)",
    model: cl({ tif: ["audit"], auditRules: 42 }) - clNone,
    how: "null workload, audit flag and 42 non-matching exit rules, minus none (cascadelake-2022, linux-generic)",
    note: "audit_rule_check is derived from Babrou 2023's 5 % -> 24 % (10 rules), which the model reproduces by construction",
  });
  return rows;
}

// ---- the real-kernel table: captured measurements of the native probe next to the model ----

/** One set-up's captured measurement: trials of (ns per getppid, ns of the plain loop it is compared with). */
export interface CapturedSetup {
  id: string;
  label: string;
  command: string;
  trials: { ns: number; baseNs: number }[];
}

/** The file `syscall-lab calibrate` writes next to the profile (and the committed capture of this project's host). */
export interface RealCapture {
  capturedOn: {
    host: string;
    kernel: string;
    cpu: string;
    cpuMHz: number | null;
    cpus: number;
    date: string;
    compiler: string;
    strace: string;
  };
  method: string;
  mitigations: Record<string, string> | null;
  calibration: Record<string, { ns: number; baseNs?: number }>;
  crossChecks: Record<string, { ns: number }>;
  validation: CapturedSetup[];
}

/** The median of the trials' ratios (each trial: the set-up over the plain loop measured right before it). */
export function realRatio(s: CapturedSetup): number {
  const r = s.trials.map((t) => t.ns / t.baseNs).sort((a, b) => a - b);
  if (r.length === 0) throw new Error(`real-kernel capture: set-up ${s.id} has no trials`);
  return r[Math.floor(r.length / 2)]!;
}

export interface RealRow {
  id: string;
  label: string;
  real: number;
  model: number;
  /** model / real */
  ratio: number;
  spread: [number, number];
}

/** Cycles per getppid of the null workload with the model version of a set-up (linux-generic). */
export function modelSetupCycles(setup: ModelSetup | null, profile: CostProfile): number {
  if (setup === null || "filters" in setup) {
    const r = runWorkload({
      workload: "null",
      count: COUNT,
      profile,
      flavour: "linux-generic",
      setup: (_m, t) => {
        if (setup !== null) installFilters(t, setup.filters, true);
      },
    });
    if (r.exitCode !== 0) throw new Error("validation: the null workload did not exit cleanly");
    return r.cyclesPerCall;
  }
  const c = compareDesigns({
    designs: [setup.design],
    depths: [0],
    workload: "null",
    count: COUNT,
    modes: ["filtered"],
    profile,
    flavour: "linux-generic",
  });
  const p = c.points.find((x) => x.design === setup.design);
  if (p === undefined) throw new Error(`validation: design ${setup.design} did not run on linux-generic`);
  return p.cyclesPerCall;
}

/** Every captured validation set-up: real ratio, model ratio (vs the plain null workload), model / real. */
export function realKernelRows(capture: RealCapture, profile: CostProfile): RealRow[] {
  const base = modelSetupCycles(null, profile);
  const byId = new Map(VALIDATION_SETUPS.map((s) => [s.id, s]));
  return capture.validation.map((c) => {
    const s = byId.get(c.id);
    if (s === undefined) throw new Error(`real-kernel capture: unknown set-up "${c.id}"`);
    const real = realRatio(c);
    const model = modelSetupCycles(s.model(), profile) / base;
    const rs = c.trials.map((t) => t.ns / t.baseNs);
    return {
      id: c.id,
      label: s.label,
      real,
      model,
      ratio: model / real,
      spread: [Math.min(...rs), Math.max(...rs)],
    };
  });
}

/** The model's cycles per instruction of the JSET chain (1000 minus 100 instructions), as the JIT's code runs. */
export function modelJsetSlope(profile: CostProfile): number {
  const a = modelSetupCycles({ filters: FILTERS.jset(100) }, profile);
  const b = modelSetupCycles({ filters: FILTERS.jset(1000) }, profile);
  return (b - a) / 900;
}
