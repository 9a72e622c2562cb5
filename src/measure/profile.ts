// Cost profiles: the data that turns executed instructions and natives into simulated cycles.
// A profile is written as a CostProfileSpec, in which every number carries its source; compileProfile
// validates it and builds the CostTable the CPU charges from.
import {
  type CostTable,
  INSN_CLASSES,
  type InsnClass,
  NO_MITIGATIONS,
  type SpeculationMitigations,
} from "../cpu/insn-class.ts";
import type { TimingSpec } from "../cpu/timing/timing-model.ts";
import { compileUarch, INSN_FORMS, type InsnForm, type UarchTiming } from "../cpu/timing/uarch.ts";
import { NATIVE_NAMES, type NativeName, WORK_COST_NAMES } from "../kernel/native-costs.ts";
import { cascadelake2022, cascadelake2022Pti } from "./profiles/cascadelake-2022.ts";
import { withPtraceStopEntries } from "./profiles/ptrace-stop.ts";
import { sandybridge2011 } from "./profiles/sandybridge-2011.ts";
import { skylakeServerUarch } from "./profiles/skylake-server-uarch.ts";
import { withThreadEntries } from "./profiles/threads.ts";

/** A number and where it comes from: a citation, or a derivation from cited figures. */
export interface Sourced {
  value: number;
  source: string;
  /** true if the value was chosen to make an end-to-end figure come out; that figure can then not validate */
  fitted?: boolean;
}

/** One row of a µarch table: µops in uops.info notation ("1*p06+1*p15"), fused-domain µops, latency, source. */
export interface FormRow {
  uops: string;
  fused: number;
  latency: number;
  source: string;
}

/** A microarchitecture's table for the out-of-order timing model (src/cpu/timing/uarch.ts), every value sourced. */
export interface UarchSpec {
  name: string;
  description: string;
  issueWidth: Sourced;
  loadLatency: Sourced;
  loadPorts: string;
  storeAddressPorts: string;
  storeDataPorts: string;
  /** the source of the three port sets above */
  portsSource: string;
  mispredictPenalty: Sourced;
  returnStackEntries: Sourced;
  /** 1: compare-and-branch pairs macro-fuse (with the rules the source names), 0: they do not */
  macroFusion: Sourced;
  forms: Record<InsnForm, FormRow>;
}

/** A choice among named values and where it comes from. */
export interface SourcedChoice<T extends string> {
  value: T;
  source: string;
}

/**
 * The speculation mitigations the profiled machine's kernel runs with, as the kernel reports them in
 * /sys/devices/system/cpu/vulnerabilities: `retpoline` "on" when spectre_v2 says "Mitigation: Retpolines"
 * (indirect calls through __x86_indirect_thunk_<reg>), `returnThunk` "srso" when spec_rstack_overflow says
 * "Mitigation: Safe RET" (returns through srso_return_thunk). They decide how seccomp_run_filters calls a
 * BPF JIT image and how the image returns (src/kernel/seccomp/jit-image.ts). Absent: neither.
 */
export interface MitigationsSpec {
  retpoline: SourcedChoice<"on" | "off">;
  returnThunk: SourcedChoice<"none" | "srso">;
}

const MITIGATION_CHOICES = { retpoline: ["on", "off"], returnThunk: ["none", "srso"] } as const;

/** The µarch tables a profile's `uarch` may name. */
export const UARCH_TABLES: ReadonlyMap<string, UarchSpec> = new Map([
  [skylakeServerUarch.name, skylakeServerUarch],
]);

/** How a profile prices blocks: "flat" (per-class costs, the default) or "ooo" with a µarch table. */
export type TimingName = "flat" | "ooo";

/** The data-file form of a profile (also the JSON form accepted by `--profile FILE`). */
export interface CostProfileSpec {
  name: string;
  description: string;
  /** core clock in Hz, used to convert cycles to time */
  clockHz: Sourced;
  /** cycles per retired instruction of each class */
  classes: Record<InsnClass, Sourced>;
  /** cycles added per memory read operand access */
  load: Sourced;
  /** cycles added per memory write operand access */
  store: Sourced;
  /** cycles of each native's modelled body (per call) and of each work cost (per unit), exactly PRICED_NAMES */
  natives: Record<string, Sourced>;
  /** the timing model: "flat" (absent means flat) or "ooo", which needs `uarch` */
  timing?: TimingName;
  /** the µarch table of the "ooo" model: a name of UARCH_TABLES */
  uarch?: string;
  /** retpoline and return thunk of the profiled kernel (absent: neither) */
  mitigations?: MitigationsSpec;
}

export interface CostProfile {
  readonly name: string;
  readonly description: string;
  readonly clockHz: number;
  readonly costs: CostTable;
  readonly natives: Readonly<Record<string, number>>;
  readonly spec: CostProfileSpec;
  /** the µarch table of the "ooo" model, or null for "flat" */
  readonly uarch: UarchSpec | null;
}

/**
 * The names a profile must price, exactly: the kernel's natives (cost per call) and its work costs (cost per
 * unit, charged from inside natives). src/kernel/native-costs.ts is the single list.
 */
export const PRICED_NAMES: readonly PricedName[] = [...NATIVE_NAMES, ...WORK_COST_NAMES];

export type PricedName = NativeName | (typeof WORK_COST_NAMES)[number];

const SPEC_KEYS = [
  "name",
  "description",
  "clockHz",
  "classes",
  "load",
  "store",
  "natives",
  "timing",
  "uarch",
  "mitigations",
] as const;
const SOURCED_KEYS = ["value", "source", "fitted"] as const;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function describeValue(x: unknown): string {
  if (typeof x === "number" || typeof x === "boolean" || x === null || x === undefined) return String(x);
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return Array.isArray(x) ? "an array" : `a ${typeof x}`;
}

/**
 * Largest accepted cost of one instruction class, load or store, and of one native's modelled work, in cycles.
 * The built-in profiles top out at 336 (a class) and 74,000 (a native); these bounds sit orders of magnitude above
 * them and keep every sum of costs over a run's instruction budget far inside exact double arithmetic (2^53).
 */
export const MAX_CLASS_CYCLES = 1_000_000;
export const MAX_NATIVE_CYCLES = 100_000_000;
/** Accepted clock rates: 1 MHz to 1 THz. */
export const MIN_CLOCK_HZ = 1e6;
export const MAX_CLOCK_HZ = 1e12;

function checkSourced(
  x: unknown,
  field: string,
  fail: (msg: string) => never,
  max = MAX_CLASS_CYCLES,
): Sourced {
  if (!isRecord(x)) fail(`${field} must be an object { value, source, fitted? } (got ${describeValue(x)})`);
  for (const k of Object.keys(x)) {
    if (!(SOURCED_KEYS as readonly string[]).includes(k)) fail(`${field}.${k} is not a known field`);
  }
  const { value, source, fitted } = x;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(`${field}.value must be a finite number >= 0 (got ${describeValue(value)})`);
  }
  if (value > max) fail(`${field}.value ${value} is absurd: at most ${max} is accepted`);
  if (typeof source !== "string" || source.trim() === "") {
    fail(`${field}.source must be a non-empty string naming the citation or derivation`);
  }
  if (fitted !== undefined && typeof fitted !== "boolean") {
    fail(`${field}.fitted must be true or false (got ${describeValue(fitted)})`);
  }
  return fitted === undefined ? { value, source } : { value, source, fitted };
}

function checkTable<K extends string>(
  x: unknown,
  field: string,
  keys: readonly K[],
  fail: (msg: string) => never,
  max = MAX_CLASS_CYCLES,
): Record<K, Sourced> {
  if (!isRecord(x)) fail(`${field} must be an object keyed by name (got ${describeValue(x)})`);
  for (const k of Object.keys(x)) {
    if (!(keys as readonly string[]).includes(k)) fail(`${field}.${k} is not a known name`);
  }
  const out = {} as Record<K, Sourced>;
  for (const k of keys) {
    if (!Object.hasOwn(x, k)) fail(`${field}.${k} is missing`);
    out[k] = checkSourced(x[k], `${field}.${k}`, fail, max);
  }
  return out;
}

function checkMitigations(x: unknown, fail: (msg: string) => never): MitigationsSpec {
  if (!isRecord(x))
    fail(`mitigations must be an object { retpoline, returnThunk } (got ${describeValue(x)})`);
  for (const k of Object.keys(x)) {
    if (!Object.hasOwn(MITIGATION_CHOICES, k)) fail(`mitigations.${k} is not a known field`);
  }
  const one = <K extends keyof typeof MITIGATION_CHOICES>(k: K) => {
    const field = `mitigations.${k}`;
    const v = x[k];
    if (!isRecord(v)) fail(`${field} must be an object { value, source } (got ${describeValue(v)})`);
    for (const kk of Object.keys(v))
      if (kk !== "value" && kk !== "source") fail(`${field}.${kk} is not a known field`);
    const choices: readonly string[] = MITIGATION_CHOICES[k];
    if (typeof v.value !== "string" || !choices.includes(v.value))
      fail(
        `${field}.value must be one of ${choices.map((c) => `"${c}"`).join(", ")} (got ${describeValue(v.value)})`,
      );
    if (typeof v.source !== "string" || v.source.trim() === "")
      fail(`${field}.source must be a non-empty string naming the citation or derivation`);
    return Object.freeze({ value: v.value, source: v.source }) as SourcedChoice<
      (typeof MITIGATION_CHOICES)[K][number]
    >;
  };
  return Object.freeze({ retpoline: one("retpoline"), returnThunk: one("returnThunk") });
}

function freezeSpec(spec: CostProfileSpec): CostProfileSpec {
  for (const s of [
    spec.clockHz,
    spec.load,
    spec.store,
    ...Object.values(spec.classes),
    ...Object.values(spec.natives),
  ]) {
    Object.freeze(s);
  }
  Object.freeze(spec.classes);
  Object.freeze(spec.natives);
  return Object.freeze(spec);
}

/**
 * Validates a spec (every class and every native present, no unknown names, every value finite and >= 0
 * with a non-empty source) and builds the profile. Errors are one line and name the offending field.
 */
export function compileProfile(spec: CostProfileSpec, origin?: string): CostProfile {
  const raw: unknown = spec;
  const label = (): string => {
    const name = isRecord(raw) && typeof raw.name === "string" && raw.name !== "" ? `"${raw.name}"` : "";
    return ["cost profile", name, origin ? `(${origin})` : ""].filter((s) => s !== "").join(" ");
  };
  const fail = (msg: string): never => {
    throw new Error(`${label()}: ${msg}`);
  };
  if (!isRecord(raw)) return fail(`must be an object (got ${describeValue(raw)})`);
  for (const k of Object.keys(raw)) {
    if (!(SPEC_KEYS as readonly string[]).includes(k)) fail(`${k} is not a known field`);
  }
  if (typeof raw.name !== "string" || raw.name.trim() === "") fail("name must be a non-empty string");
  if (typeof raw.description !== "string") fail("description must be a string");
  const clockHz = checkSourced(raw.clockHz, "clockHz", fail, MAX_CLOCK_HZ);
  if (clockHz.value < MIN_CLOCK_HZ) fail(`clockHz.value must be at least ${MIN_CLOCK_HZ} (1 MHz)`);
  const checked: CostProfileSpec = {
    name: raw.name as string,
    description: raw.description as string,
    clockHz,
    classes: checkTable(raw.classes, "classes", INSN_CLASSES, fail),
    load: checkSourced(raw.load, "load", fail),
    store: checkSourced(raw.store, "store", fail),
    natives: checkTable(raw.natives, "natives", PRICED_NAMES, fail, MAX_NATIVE_CYCLES),
  };
  const timingName = raw.timing ?? "flat";
  if (timingName !== "flat" && timingName !== "ooo") {
    fail(`timing must be "flat" or "ooo" (got ${describeValue(raw.timing)})`);
  }
  let uarch: UarchSpec | null = null;
  if (timingName === "ooo") {
    const known = [...UARCH_TABLES.keys()].join(", ");
    if (typeof raw.uarch !== "string")
      fail(`uarch must name a µarch table when timing is "ooo" (known: ${known})`);
    uarch = UARCH_TABLES.get(raw.uarch as string) ?? null;
    if (uarch === null) fail(`uarch "${raw.uarch as string}" is not a known µarch table (known: ${known})`);
    checked.timing = "ooo";
    checked.uarch = raw.uarch as string;
  } else if (raw.uarch !== undefined) {
    fail('uarch is only read when timing is "ooo"');
  }
  let mitigations: SpeculationMitigations = NO_MITIGATIONS;
  if (raw.mitigations !== undefined) {
    checked.mitigations = checkMitigations(raw.mitigations, fail);
    const retpoline = checked.mitigations.retpoline.value === "on";
    const returnThunk = checked.mitigations.returnThunk.value;
    // none of them: the cost table stays exactly what it was without the field
    if (retpoline || returnThunk !== "none") mitigations = Object.freeze({ retpoline, returnThunk });
  }
  const classes = Object.freeze(
    Object.fromEntries(INSN_CLASSES.map((c) => [c, checked.classes[c].value])) as Record<InsnClass, number>,
  );
  const timing: TimingSpec =
    uarch === null ? { model: "flat" } : { model: "ooo", uarch: uarchTiming(uarch, fail) };
  const costs: CostTable = Object.freeze({
    classes,
    load: checked.load.value,
    store: checked.store.value,
    ...(uarch === null ? {} : { timing }),
    ...(mitigations === NO_MITIGATIONS ? {} : { mitigations }),
  });
  const natives = Object.freeze(Object.fromEntries(PRICED_NAMES.map((n) => [n, checked.natives[n].value])));
  return Object.freeze({
    name: checked.name,
    description: checked.description,
    clockHz: clockHz.value,
    costs,
    natives,
    spec: freezeSpec(checked),
    uarch,
  });
}

/** The numbers of a µarch table, checked (every form present, port strings valid). */
export function uarchTiming(u: UarchSpec, fail: (msg: string) => never): UarchTiming {
  const forms = {} as Record<InsnForm, { uops: string; fused: number; latency: number }>;
  for (const f of INSN_FORMS) {
    const r = u.forms[f];
    if (r === undefined) fail(`µarch table ${u.name}: form ${f} is missing`);
    forms[f] = { uops: r.uops, fused: r.fused, latency: r.latency };
  }
  const t: UarchTiming = {
    name: u.name,
    issueWidth: u.issueWidth.value,
    loadLatency: u.loadLatency.value,
    loadPorts: u.loadPorts,
    storeAddressPorts: u.storeAddressPorts,
    storeDataPorts: u.storeDataPorts,
    mispredictPenalty: u.mispredictPenalty.value,
    returnStackEntries: u.returnStackEntries.value,
    macroFusion: u.macroFusion.value !== 0,
    forms,
  };
  try {
    compileUarch(t);
  } catch (e) {
    fail((e as Error).message);
  }
  return Object.freeze(t);
}

const BUILT_IN: readonly CostProfileSpec[] = [sandybridge2011, cascadelake2022, cascadelake2022Pti]
  .map(withPtraceStopEntries)
  .map(withThreadEntries);
let registry: Map<string, CostProfile> | undefined;

function builtIns(): Map<string, CostProfile> {
  registry ??= new Map(BUILT_IN.map((s) => [s.name, compileProfile(s, "built-in")]));
  return registry;
}

/** Names of the built-in profiles, sorted. */
export function listProfiles(): string[] {
  return [...builtIns().keys()].sort();
}

/** A built-in profile by name; throws an Error listing the known names if there is none. */
export function getProfile(name: string): CostProfile {
  const p = builtIns().get(name);
  if (!p) {
    throw new Error(`unknown cost profile "${name}"; known profiles: ${listProfiles().join(", ")}`);
  }
  return p;
}

/** Compiles the text of a user profile (a JSON file in the CostProfileSpec form); `path` names it in errors. */
export function parseProfileFile(text: string, path: string): CostProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`cost profile file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return compileProfile(json as CostProfileSpec, path);
}

export interface ProfileRow {
  key: string;
  cycles: number;
  source: string;
  fitted: boolean;
}

/** Every priced value as a row keyed by its field path in the spec (classes.X, load, store, natives.X). */
export function describeProfile(p: CostProfile): ProfileRow[] {
  const row = (key: string, s: Sourced): ProfileRow => ({
    key,
    cycles: s.value,
    source: s.source,
    fitted: s.fitted === true,
  });
  const timing: ProfileRow[] =
    p.uarch === null
      ? []
      : [
          {
            key: `timing ooo, uarch ${p.uarch.name}`,
            cycles: 0,
            source: `blocks priced by the out-of-order model with the ${p.uarch.name} µarch table (docs/cost-profiles.md, "Out-of-order timing"); the classes of serialising, microcoded and locked instructions below still price those`,
            fitted: false,
          },
        ];
  const m = p.spec.mitigations;
  const mitigations: ProfileRow[] =
    m === undefined
      ? []
      : [
          {
            key: `mitigations.retpoline ${m.retpoline.value}`,
            cycles: 0,
            source: m.retpoline.source,
            fitted: false,
          },
          {
            key: `mitigations.returnThunk ${m.returnThunk.value}`,
            cycles: 0,
            source: m.returnThunk.source,
            fitted: false,
          },
        ];
  return [
    ...timing,
    ...mitigations,
    ...INSN_CLASSES.map((c) => row(`classes.${c}`, p.spec.classes[c])),
    row("load", p.spec.load),
    row("store", p.spec.store),
    ...PRICED_NAMES.map((n) => row(`natives.${n}`, p.spec.natives[n])),
  ];
}

function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The profile as a Markdown table (the form docs/cost-profiles.md embeds). */
export function profileMarkdownTable(p: CostProfile): string {
  const lines = [
    "| key | cycles | fitted | source |",
    "|---|---:|---|---|",
    `| clockHz | ${p.clockHz} Hz | ${p.spec.clockHz.fitted ? "yes" : "no"} | ${cell(p.spec.clockHz.source)} |`,
    ...describeProfile(p).map(
      (r) => `| ${r.key} | ${r.cycles} | ${r.fitted ? "yes" : "no"} | ${cell(r.source)} |`,
    ),
  ];
  return lines.join("\n");
}

/** A µarch table as Markdown (the form docs/cost-profiles.md embeds). */
export function uarchMarkdownTable(u: UarchSpec): string {
  const lines = [
    "| row | µops (ports) | fused µops | latency | source |",
    "|---|---|---:|---:|---|",
    `| issueWidth | | ${u.issueWidth.value} | | ${cell(u.issueWidth.source)} |`,
    `| loadLatency | ${u.loadPorts} | | ${u.loadLatency.value} | ${cell(u.loadLatency.source)} |`,
    `| store | ${u.storeAddressPorts}+${u.storeDataPorts} | | | ${cell(u.portsSource)} |`,
    `| mispredictPenalty | | | ${u.mispredictPenalty.value} | ${cell(u.mispredictPenalty.source)} |`,
    `| returnStackEntries | | ${u.returnStackEntries.value} | | ${cell(u.returnStackEntries.source)} |`,
    `| macroFusion | | ${u.macroFusion.value} | | ${cell(u.macroFusion.source)} |`,
    ...INSN_FORMS.map((f) => {
      const r = u.forms[f];
      return `| ${f} | ${r.uops === "" ? "—" : r.uops} | ${r.fused} | ${r.latency} | ${cell(r.source)} |`;
    }),
  ];
  return lines.join("\n");
}
