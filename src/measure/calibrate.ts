// `syscall-lab calibrate`: measure the host's primitives with the native probe and turn them into a profile that
// starts from cascadelake-2022 and replaces exactly five values, each labelled "calibrated on HOST, DATE" with the
// arithmetic that produced it. The validation set-ups are measured too (for `validate --real`), never used here.
import { spawnSync } from "node:child_process";
import { hostInfo, type Probe, readMitigations } from "./calibrate-probe.ts";
import { CALIBRATION_INPUTS, CROSS_CHECKS, VALIDATION_SETUPS } from "./calibrate-setups.ts";
import { type CostProfileSpec, getProfile, type MitigationsSpec, type Sourced } from "./profile.ts";
import { type CapturedSetup, modelSetupCycles, type RealCapture } from "./validation.ts";

/** Trials per validation set-up (each a probe run with its own plain-loop reference). */
export const TRIALS = 3;

function straceVersion(): string {
  const r = spawnSync("strace", ["-V"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? (r.stdout.split("\n")[0] ?? "").trim() : "not installed";
}

/** Runs every primitive and validation set-up; `progress` gets one line per step. */
export function measureHost(probe: Probe, progress: (line: string) => void = () => {}): RealCapture {
  const info = hostInfo();
  const strace = straceVersion();
  const calibration: RealCapture["calibration"] = {};
  for (const c of CALIBRATION_INPUTS) {
    progress(`calibration input ${c.id}: probe ${c.probe.join(" ")}`);
    // an input timed in another process gets a plain loop timed just before it, as the validation trials do
    const base = c.probe[0] === "pipe-pingpong" ? probe.run(["null", "2000", "201"]).ns : undefined;
    const r = probe.run(c.probe);
    calibration[c.id] = base !== undefined ? { ns: r.ns, baseNs: base } : r;
  }
  const crossChecks: RealCapture["crossChecks"] = {};
  for (const c of CROSS_CHECKS) {
    progress(`cross-check ${c.id}: probe ${c.probe.join(" ")}`);
    crossChecks[c.id] = { ns: probe.run(c.probe).ns };
  }
  const validation: CapturedSetup[] = [];
  for (const s of VALIDATION_SETUPS) {
    if (s.under?.[0] === "strace" && strace === "not installed") {
      progress(`validation ${s.id}: skipped (strace is not installed)`);
      continue;
    }
    const trials: CapturedSetup["trials"] = [];
    for (let i = 0; i < TRIALS; i++) {
      progress(`validation ${s.id} (trial ${i + 1}/${TRIALS})`);
      if (s.under === undefined && s.probe[0] === "filter") {
        const a = probe.run(s.probe);
        trials.push({ ns: a.ns, baseNs: a.baseNs! });
      } else {
        const base = probe.run(["null", "2000", "201"]).ns;
        const a = s.under !== undefined ? probe.runUnder(s.under, s.probe) : probe.run(s.probe);
        trials.push({ ns: a.ns, baseNs: base });
      }
    }
    const command = [...(s.under ?? []), "probe", ...s.probe].join(" ");
    validation.push({ id: s.id, label: s.label, command, trials });
  }
  return {
    capturedOn: { ...info, date: new Date().toISOString(), compiler: probe.compiler, strace },
    method:
      "calibrate/probe.c built with -O2; each figure is the fastest of R timed runs of N getppid calls (or ping-pong " +
      "round trips); a ratio is a set-up over the plain getppid loop timed just before it (in the same process for " +
      "filters); a validation ratio is the median over the trials",
    mitigations: readMitigations(),
    calibration,
    crossChecks,
    validation,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * The profile's retpoline and return thunk from the host's /sys/devices/system/cpu/vulnerabilities (captured in
 * `cap.mitigations`), as arch/x86/kernel/cpu/bugs.c words them: spectre_v2 "Mitigation: Retpolines" is the generic
 * retpoline (__x86_indirect_thunk_<reg>); spec_rstack_overflow "Mitigation: Safe RET" is srso_return_thunk. Any
 * other wording (eIBRS, "LFENCE", retbleed's untrained return thunk, ITS's aligned thunks) is not one of the
 * modelled forms and leaves the profile's call or return plain; the source says which wording it read.
 */
export function hostMitigations(cap: RealCapture, on: string): MitigationsSpec {
  const read = (file: string): string | null => cap.mitigations?.[file] ?? null;
  const v2 = read("spectre_v2");
  const srso = read("spec_rstack_overflow");
  const said = (file: string, text: string | null) =>
    text === null ? `${file} was not captured` : `${file} reads "${text}"`;
  const retpoline = v2 !== null && /\bRetpolines\b/.test(v2);
  const safeRet = srso !== null && /\bSafe RET\b/.test(srso);
  return {
    retpoline: {
      value: retpoline ? "on" : "off",
      source:
        `${on}: ${said("spectre_v2", v2)}` +
        (retpoline
          ? ": indirect calls go through __x86_indirect_thunk_<reg> (arch/x86/lib/retpoline.S)"
          : ": not the generic retpoline, so the call into a BPF JIT image stays `call *%rax`"),
    },
    returnThunk: {
      value: safeRet ? "srso" : "none",
      source:
        `${on}: ${said("spec_rstack_overflow", srso)}` +
        (safeRet
          ? ": returns go through srso_return_thunk (arch/x86/lib/retpoline.S; bpf_jit_comp.c emit_return)"
          : "; no modelled return thunk, so a BPF JIT image returns with `ret`"),
    },
  };
}

/**
 * The calibrated profile: cascadelake-2022 with clockHz, classes.sysret, natives.switch_refill,
 * natives.ptrace_tracer_per_stop and natives.ptrace_log_per_stop set from the calibration inputs only (the null
 * round trip and the pipe ping-pong); the JSET slope checks the timing model's price of the JIT code (jsetSlope).
 */
export function calibratedProfile(cap: RealCapture): CostProfileSpec {
  const base = getProfile("cascadelake-2022");
  const spec = base.spec;
  const on = `calibrated on ${cap.capturedOn.host}, ${cap.capturedOn.date.slice(0, 10)}`;
  const need = (id: string) => {
    const v = cap.calibration?.[id];
    if (v === undefined) throw new Error(`calibration: input "${id}" was not measured`);
    return v;
  };
  const mhz = cap.capturedOn.cpuMHz;
  const clockHz: Sourced =
    mhz !== null && mhz > 0
      ? { value: mhz * 1e6, source: `${on}: /proc/cpuinfo "cpu MHz" ${mhz}` }
      : { ...spec.clockHz, source: `${on}: the host's clock is unknown; ${spec.clockHz.source}` };
  const hz = clockHz.value;
  const cyc = (ns: number) => (ns * hz) / 1e9;

  // null round trip: what the host's getppid costs beyond the model's path goes to the return to user mode
  const nullNs = need("null").ns;
  const modelNull = modelSetupCycles(null, base);
  const nullDelta = cyc(nullNs) - modelNull;
  const sysret = Math.max(0, round(spec.classes.sysret.value + nullDelta));
  // the JSET chains set nothing (see jsetSlope): the JIT's code is priced by the timing model, which they check
  // pipe ping-pong: half a round trip is one write, one read, one wake-up and one switch between processes
  // with a plain loop timed just before it, the round trip is taken at the null input's speed (the host's load
  // varies between inputs; captures before 2026-12-08 have no such loop and are used as measured)
  const pipe = need("pipe-pingpong");
  const rtNs = pipe.baseNs !== undefined ? (pipe.ns * nullNs) / pipe.baseNs : pipe.ns;
  const rtHow =
    pipe.baseNs !== undefined
      ? `${pipe.ns.toFixed(0)} ns per round trip against a plain loop of ${pipe.baseNs.toFixed(1)} ns timed before ` +
        `it, i.e. ${rtNs.toFixed(0)} ns at the null input's ${nullNs.toFixed(1)} ns`
      : `${rtNs.toFixed(0)} ns per round trip`;
  const n = spec.natives;
  const hostSyscall = (body: number) => cyc(nullNs) - n.sys_getppid!.value + body;
  const known =
    hostSyscall(n.sys_write!.value) +
    hostSyscall(n.sys_read!.value) +
    n.schedule!.value +
    n.context_switch!.value +
    n.switch_fpu!.value;
  const refill = Math.max(0, round(cyc(rtNs / 2) - known));
  const tracer = round(n.ptrace_tracer_per_stop!.value + 3 * Math.max(0, nullDelta));
  const logger = round(n.ptrace_log_per_stop!.value + 2 * Math.max(0, nullDelta));

  return {
    ...spec,
    name: `calibrated-${cap.capturedOn.host}`,
    description:
      `${on} (${cap.capturedOn.cpu}, Linux ${cap.capturedOn.kernel}, ${cap.capturedOn.cpus} CPUs): cascadelake-2022 ` +
      `with five values set from the host's primitives (null syscall, pipe ping-pong; the JSET chain slope checks ` +
      `the timing model's price of the BPF JIT's code and sets nothing); boot with ` +
      `flavour linux-generic. Calibration inputs: ${CALIBRATION_INPUTS.map((c) => c.id).join(", ")}. ` +
      `Validation set-ups (never used here): ${VALIDATION_SETUPS.map((s) => s.id).join(", ")}.`,
    clockHz,
    mitigations: hostMitigations(cap, on),
    classes: {
      ...spec.classes,
      sysret: {
        value: sysret,
        fitted: true,
        source:
          `${on}: the null round trip measured ${nullNs.toFixed(1)} ns = ${cyc(nullNs).toFixed(0)} cycles against the ` +
          `model's ${modelNull.toFixed(0)}; the difference ${nullDelta.toFixed(0)} is put on the return to user mode ` +
          `(where the host's exit mitigations run: ${mitigationSummary(cap)}), ${spec.classes.sysret.value} + ` +
          `${nullDelta.toFixed(0)} = ${sysret}. Calibrated on the null primitive, which is not a validation set-up`,
      },
    },
    natives: {
      ...n,
      switch_refill: {
        value: refill,
        fitted: true,
        source:
          `${on}: pipe ping-pong ${rtHow}; half of it, ${cyc(rtNs / 2).toFixed(0)} ` +
          `cycles, minus a write and a read at the host's syscall cost (${hostSyscall(n.sys_write!.value).toFixed(0)} + ` +
          `${hostSyscall(n.sys_read!.value).toFixed(0)}), natives.schedule ${n.schedule!.value}, natives.context_switch ` +
          `${n.context_switch!.value} and natives.switch_fpu ${n.switch_fpu!.value} = ${refill}: everything else a ` +
          `switch between processes costs on this host (the wake-up's run-queue work included, so a ptrace stop ` +
          `counts it twice, ~200 cycles); calibrated on the pipe primitive`,
      },
      ptrace_tracer_per_stop: {
        value: tracer,
        source:
          `derived, ${on}: cascadelake-2022's ${n.ptrace_tracer_per_stop!.value} with its three syscall round trips ` +
          `at the host's cost: + 3 × ${Math.max(0, nullDelta).toFixed(0)} = ${tracer}`,
      },
      ptrace_log_per_stop: {
        value: logger,
        source:
          `derived, ${on}: cascadelake-2022's ${n.ptrace_log_per_stop!.value} with its two syscall round trips ` +
          `(strace's second wait4 and its write) at the host's cost: + 2 × ${Math.max(0, nullDelta).toFixed(0)} = ${logger}`,
      },
    },
  };
}

/**
 * The host's JSET-chain slope: ns per BPF instruction between the 100- and the 1000-instruction chain, each net of
 * the plain loop timed just before it in the same process. With bpf_jit_enable=1 this is the JIT's
 * `test $k,%eax; jne` pair, which the model runs as code priced by the timing model: the slope checks that price
 * and sets no profile value (natives.seccomp_bpf_insn stays the interpreter's, for bpf_jit_enable=0).
 */
export function jsetSlope(cap: RealCapture): { ns: number; cycles: number | null } {
  const a = cap.calibration?.["jset-100"];
  const b = cap.calibration?.["jset-1000"];
  if (a === undefined || b === undefined)
    throw new Error(`calibration: input "${a === undefined ? "jset-100" : "jset-1000"}" was not measured`);
  if (a.baseNs === undefined || b.baseNs === undefined)
    throw new Error("calibration: the JSET inputs need the plain loop timed before them (baseNs)");
  const ns = (b.ns - b.baseNs - (a.ns - a.baseNs)) / 900;
  const mhz = cap.capturedOn.cpuMHz;
  return { ns, cycles: mhz !== null && mhz > 0 ? (ns * mhz) / 1e3 : null };
}

function mitigationSummary(cap: RealCapture): string {
  if (cap.mitigations === null) return "mitigations unknown";
  const on = Object.entries(cap.mitigations).filter(([, v]) => !/^Not affected$/.test(v));
  return on.length === 0 ? "no mitigations in effect" : on.map(([k, v]) => `${k}: ${v}`).join("; ");
}
