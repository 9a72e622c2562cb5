// The cascadelake-2022 profiles: the Intel Cascade Lake server of A. Arora's (Oracle) 2022 getpid measurement
// (ORACLE SERVER X8-2L, CPUID 6:85:6, Linux 6.0-rc5, the generic entry), with PTI off (the CPU does not need
// it) and with PTI forced on. Run them with the linux-generic flavour. Every value states its source; "est."
// marks an engineering estimate. The instruction classes and most native bodies are carried over from
// sandybridge-2011, whose IPC divisor (1.47) was measured on this very machine; Skylake-SP-specific instruction
// tables are not restated in docs/sources.md. One value is fitted: mov_cr3 of the -pti profile (marked), so Hansen's
// KAISER+PCID delta no longer validates that profile; Reshetova's lmbench delta still does.
import type { CostProfileSpec, Sourced } from "../profile.ts";
import { sandybridge2011 } from "./sandybridge-2011.ts";

const ORACLE =
  "A. Arora (Oracle) 2022, getpid loop 283 cycles / 417 instructions, IPC 1.47 on this machine (docs/sources.md#entry-figures)";
const IPC = `kernel IPC 1.47 from ${ORACLE}`;
const SB = "sandybridge-2011";

/** A sandybridge-2011 value carried over unchanged, with its source. */
function carried(s: Sourced, why: string): Sourced {
  return { value: s.value, source: `= ${SB}'s value (${why}): ${s.source}` };
}

const classes = Object.fromEntries(
  Object.entries(sandybridge2011.classes).map(([k, v]) => [
    k,
    carried(
      v,
      "no Skylake-SP instruction table was found; Agner Fog lists the simple classes alike for both cores",
    ),
  ]),
) as CostProfileSpec["classes"];

classes.syscall = {
  value: 35,
  source:
    "= half of the ~70-cycle SYSCALL+SYSRET round trip with an empty handler measured on a Skylake Xeon E3-1270 v5, " +
    "the same core as Cascade Lake (J. Stecklina, x86.lol/generic/2019/07/04/kernel-entry.html; docs/sources.md#entry-figures " +
    "row 'Kernel entry round trip'); no published split, so split evenly",
};
classes.sysret = {
  value: 35,
  source: "= the other half of the ~70-cycle Skylake round trip; see classes.syscall",
};
classes.mov_cr3 = {
  value: 100,
  source:
    "Linux Documentation/arch/x86/pti.rst: a CR3 write is 'on the order of a hundred cycles' (docs/sources.md#entry-figures, #profile-modern); " +
    "the decoder prices MOV from CR3 in the same class",
};

const AGNER_SKL =
  "Agner Fog, Instruction tables (agner.org/optimize/instruction_tables.pdf), Intel Skylake section (the Cascade Lake " +
  "core); quoted as recalled: check against the PDF";
classes.sse = {
  value: 4,
  source: `${AGNER_SKL}: ADDSD/MULSD/ADDPS/MULPD latency 4, reciprocal throughput 0.5; CMPSD/CVT* priced the same (est.)`,
};
classes.sse_div = {
  value: 14,
  source: `${AGNER_SKL}: DIVSD/DIVPD latency 13-14 (the upper value); SQRTSD 15-16 and DIVSS/SQRTSS 11-12 priced the same (est.)`,
};

const natives = Object.fromEntries(
  Object.entries(sandybridge2011.natives).map(([k, v]) => [
    k,
    carried(
      v,
      `same instruction-count estimate, divided by the IPC measured on this machine; 5.x bodies not re-counted`,
    ),
  ]),
) as CostProfileSpec["natives"];

natives.syscall_trace_enter = {
  value: 27,
  source: `est.: ~40 instructions of the 5.x syscall_trace_enter (user-dispatch, ptrace and seccomp work tests, syscall_get_nr re-read, the audit_context test and the argument loads of syscall_enter_audit; Linux 5.15 kernel/entry/common.c) / ${IPC}; the kernel charges tracehook_report_syscall, secure_computing, trace_sys_enter and audit_syscall_entry on top`,
};
natives.syscall_trace_leave = {
  value: 20,
  source: `est.: prices the 5.x syscall_exit_work, which takes 3.1 syscall_trace_leave's role: ~30 instructions (the user-dispatch test, audit_syscall_exit's call, the EXIT_TRAP/EMU step test; Linux 5.15 kernel/entry/common.c) / ${IPC}; the kernel charges audit_syscall_exit, trace_sys_enter and tracehook_report_syscall on top`,
};
natives.do_notify_resume = carried(
  sandybridge2011.natives.do_notify_resume!,
  "prices 5.x's arch_do_signal_or_restart + tracehook_notify_resume, called from exit_to_user_mode_loop",
);

const common = {
  mitigations: {
    retpoline: {
      value: "off",
      source:
        "Cascade Lake has enhanced IBRS (IA32_ARCH_CAPABILITIES.IBRS_ALL), which Linux selects for spectre_v2 in place of " +
        "retpolines (spectre_v2=auto; Documentation/admin-guide/hw-vuln/spectre.rst; the sysfs file reads 'Mitigation: " +
        "Enhanced IBRS'), so apply_retpolines() leaves indirect calls as `call *%reg`",
    },
    returnThunk: {
      value: "none",
      source:
        "no return thunk: retbleed on a CPU with eIBRS is mitigated by eIBRS (Documentation/admin-guide/hw-vuln/" +
        "retbleed.rst, 'Mitigation: Enhanced IBRS'); spec_rstack_overflow (Safe RET) is AMD-only; Oracle's 6.0-rc5 " +
        "measurement (Arora 2022) predates the 2025 indirect-target-selection thunks",
    },
  },
  clockHz: {
    value: 3.865e9,
    source:
      "the clock of the Oracle getpid measurement: 283 cycles ≈ 73 ns at 3.865 GHz (docs/sources.md#entry-figures, derived)",
  },
  load: {
    value: 1,
    source:
      "L1-D hit (4-6 cycles load-to-use on Skylake-X/SP, Oracle blog citing the Intel SDM, docs/sources.md#memory-figures) hidden by the out-of-order core except on dependent chains; charged the 1-cycle minimum as in sandybridge-2011",
  },
  store: {
    value: 1,
    source: "L1-D hit through the store buffer, never on the critical path (as sandybridge-2011)",
  },
} satisfies Partial<CostProfileSpec>;

export const cascadelake2022: CostProfileSpec = {
  name: "cascadelake-2022",
  description:
    "Intel Cascade Lake server core (ORACLE SERVER X8-2L, ~3.9 GHz) running a 5.x/6.x kernel with the generic entry, " +
    "PTI off (the CPU is not vulnerable to Meltdown). Boot with flavour linux-generic. Memory accesses priced as L1 hits.",
  ...common,
  classes,
  natives,
  timing: "ooo",
  uarch: "skylake-server",
};

export const cascadelake2022Pti: CostProfileSpec = {
  name: "cascadelake-2022-pti",
  description:
    "cascadelake-2022 with page-table isolation forced on (pti=on): boot with flavour linux-generic and pti. " +
    "MOV CR3 is fitted to include the TLB refills a CR3 switch causes.",
  ...common,
  classes: {
    ...classes,
    mov_cr3: {
      value: 134,
      fitted: true,
      source:
        "fitted: D. Hansen's KAISER v2 cover letter (8 Nov 2017) lseek1 5.2 M/s -> 3.0 M/s with PCID, +141 ns per call " +
        "(docs/sources.md#entry-figures, #validation-targets item 6) = 545 cycles at clockHz, spread over the 4 CR3 instructions the linux-generic " +
        "PTI entry executes (2 reads, 2 writes; the decoder prices both as mov_cr3) after the 7 other PTI instructions " +
        "(~10 cycles): (545 - 10) / 4 = 134. The TLB refills a CR3 write causes are folded in; the model does not " +
        "simulate a TLB. Hansen's figure can no longer validate this profile; Reshetova's lmbench +125 ns still can",
    },
  },
  natives,
  timing: "ooo",
  uarch: "skylake-server",
};
