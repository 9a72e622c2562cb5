import { describe, expect, it } from "vitest";
import { designIds } from "../../src/cgroup/designs/index.ts";
import { flavourBlocks, placeTask } from "../../src/measure/compare.ts";
import { traceSetup } from "../../src/measure/entry-trace.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";

const sandy = getProfile("sandybridge-2011");
const cascade = getProfile("cascadelake-2022");

describe("the recorded entry-path trace", () => {
  it("one call's cycles are run's cycles per call, user and kernel split by CPL", () => {
    for (const [design, filtered, tif] of [
      ["none", false, []],
      ["cgroup-tif", true, []],
      ["cgroup-sowa", true, []],
      ["none", false, ["audit"]],
    ] as const) {
      const t = traceSetup({ profile: sandy, design, filtered, tif, syscall: { nr: 110 } }, { calls: 1 });
      const last = t.steps[t.steps.length - 1]!;
      const r = runWorkload({
        workload: "null",
        count: 1,
        profile: sandy,
        design,
        tif,
        setup: (m, task) => placeTask(m, task, 0, filtered ? "filtered" : "unfiltered"),
      });
      expect(last.userCycles + last.sysCycles, design).toBe(r.cyclesPerCall);
      expect(last.userCycles).toBe(t.steps[0]!.cycles); // the SYSCALL instruction, at CPL 3
      expect(t.steps.reduce((n, s) => n + s.cycles, 0)).toBe(r.cyclesPerCall);
    }
  });

  it("every conditional branch explains itself, on both flavours, for every design", () => {
    const cases: {
      flavour: "linux-3.1" | "linux-generic";
      design: string;
      tif: string[];
      filtered: boolean;
    }[] = [];
    for (const flavour of ["linux-3.1", "linux-generic"] as const)
      for (const design of designIds())
        if (flavourBlocks(design, flavour) === null) cases.push({ flavour, design, tif: [], filtered: true });
    for (const tif of [["audit"], ["trace"], ["need_resched"], ["sigpending"], ["audit", "trace"]])
      cases.push({ flavour: "linux-3.1", design: "none", tif, filtered: false });
    cases.push({ flavour: "linux-generic", design: "none", tif: ["audit"], filtered: false });
    let branches = 0;
    for (const c of cases) {
      const profile = c.flavour === "linux-3.1" ? sandy : cascade;
      const t = traceSetup({ profile, ...c, syscall: { nr: 110 } }, { calls: 1 });
      for (const s of t.steps.filter((x) => x.cpl === 0 && /^j(?!mp)[a-z]+ /.test(x.text))) {
        branches++;
        expect(s.taken, `${c.design} ${s.symbol}`).toBeTypeOf("boolean");
        expect(s.note, `${c.flavour} ${c.design} ${c.tif} ${s.symbol} ${s.text}`).toMatch(/→ /);
      }
    }
    expect(branches).toBeGreaterThan(150);
  });

  it("the branches the issue named: jae sysret_signal and jb sysret_audit", () => {
    const t = traceSetup({ profile: sandy, tif: ["audit"], syscall: { nr: 110 } }, { calls: 1 });
    const note = (jump: RegExp) => t.steps.find((s) => jump.test(s.text))?.note;
    expect(note(/^jae sysret_signal/)).toBe("TIF_NEED_RESCHED is clear → sysret_signal");
    expect(note(/^jb sysret_audit/)).toBe("TIF_SYSCALL_AUDIT is set → sysret_audit");
  });

  it("the 5.x opportunistic-SYSRET checks say why", () => {
    const t = traceSetup({ profile: cascade, flavour: "linux-generic", syscall: { nr: 110 } }, { calls: 1 });
    const notes = t.steps.map((s) => s.note).join("\n");
    expect(notes).toContain("%r11 0x400011 = %rcx 0x400011 → fall through (SYSRET returns to RCX");
    expect(notes).toContain("CS(%rsp) 0x33 = __USER_CS 0x33 → fall through (SYSRET can only load __USER_CS)");
    expect(notes).toContain("syscall_work & SYSCALL_WORK_ENTER = 0x0 → fall through");
  });

  it("a design's own TIF bit is named by the design's constant", () => {
    const t = traceSetup(
      { profile: sandy, design: "cgroup-tif", filtered: true, syscall: { nr: 110 } },
      { calls: 1 },
    );
    expect(t.steps[0]!.note).toContain("[SYSCALL_CGROUP]");
    expect(t.steps.some((s) => s.note.startsWith("bit 110 of SCG_syscalls_bitmap(%rcx) is set"))).toBe(true);
  });

  it("the listing is the assembled source: comments, labels, and every executed entry instruction", () => {
    const t = traceSetup(
      { profile: sandy, tif: ["audit"], syscall: { nr: 110 } },
      { calls: 1, snapshots: true },
    );
    const addrs = new Set(t.listing.filter((l) => l.kind === "insn").map((l) => l.addr));
    expect(t.listing.some((l) => l.kind === "comment" && l.text.includes("edi: flag mask"))).toBe(true);
    expect(t.listing.some((l) => l.kind === "label" && l.text === "sysret_check:")).toBe(true);
    for (const s of t.steps.filter((x) => x.cpl === 0 && !x.text.startsWith("<native")))
      expect(addrs.has(s.addr), `${s.symbol}`).toBe(true);
    // snapshots: the state after each step, pt_regs filled in by SAVE_ARGS
    const atTest = t.steps.find((s) => s.text.startsWith("testl"))!;
    expect(atTest.state!.cpl).toBe(0);
    expect(atTest.state!.ptRegs[15]).toBe(110n); // orig_rax
    expect(t.initial!.cpl).toBe(3);
    expect(t.steps[0]!.state!.gsBase).toBe(t.initial!.gsBase); // SYSCALL does not swap GS; swapgs does
    expect(t.steps[1]!.state!.gsBase).not.toBe(t.initial!.gsBase);
  });

  it("a bad set-up is refused with the reason", () => {
    expect(() => traceSetup({ profile: cascade, flavour: "linux-generic", design: "cgroup-tif" })).toThrow(
      /cannot run on linux-generic/,
    );
    expect(() => traceSetup({ profile: sandy, syscall: { nr: 70000 } })).toThrow(/not 0..65535/);
    expect(() =>
      traceSetup({ profile: sandy, syscall: { nr: 1, args: [1n, 2n, 3n, 4n, 5n, 6n, 7n] } }),
    ).toThrow(/at most 6/);
  });
});
