// Every probe of the real-kernel differential fixtures, run as JIT code: the emulated CPU executes
// seccomp_run_filters and each filter's x86-64 image, and the result must be the interpreter's 32-bit value and
// the kernel's recorded outcome.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resolveAction } from "../../../src/kernel/seccomp/actions.ts";
import {
  type SeccompFilterNode,
  seccompAttachFilter,
  seccompRunFilters,
} from "../../../src/kernel/seccomp/filter-chain.ts";
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  makeSeccompData,
} from "../../../src/kernel/seccomp/seccomp-data.ts";
import { decodeCase, type FixtureFile } from "../../fixtures/seccomp/fixture-format.ts";
import { STUB_IP_32, STUB_IP_64 } from "../../fixtures/seccomp/generate.ts";
import { predictCase } from "../../fixtures/seccomp/predict.ts";
import { JitRunner } from "./jit-run.ts";

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/seccomp/kernel-fixtures.json", import.meta.url), "utf8"),
) as FixtureFile;

describe(`JIT verdicts on the differential fixtures (Linux ${fixture.kernel})`, () => {
  it("every probe: the JIT's value equals the interpreter's, and the outcome is the kernel's", () => {
    const runner = new JitRunner();
    // chains with the same filters share their nodes, so each distinct prefix is compiled (and decoded) once
    const nodes = new Map<string, SeccompFilterNode>();
    const mismatches: string[] = [];
    let probes = 0;
    for (const enc of fixture.cases) {
      const { c, kernel } = decodeCase(enc);
      const predictions = predictCase(c);
      // the chain as predict builds it: only the installs the kernel accepted
      let head: SeccompFilterNode | null = null;
      let key = "";
      predictions[0]?.inst.forEach((errno, i) => {
        if (errno !== 0) return;
        key += `|${JSON.stringify(enc.filters[i])}`;
        const known = nodes.get(key);
        if (known !== undefined) {
          head = known;
          return;
        }
        const r = seccompAttachFilter(head, c.filters[i]!);
        if (r.ok) {
          head = r.head;
          nodes.set(key, r.head);
        }
      });
      if (head === null) continue;
      c.probes.forEach((p, i) => {
        const arch = p.bits === 64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
        const ip = p.bits === 64 ? STUB_IP_64 : STUB_IP_32;
        const data = makeSeccompData({ nr: p.nr, arch, instructionPointer: ip, args: p.args });
        const interp = seccompRunFilters(head, data, false);
        const jit = runner.run(head!, data);
        probes++;
        if (jit.ret !== interp.ret || jit.match !== interp.match)
          mismatches.push(
            `case ${c.id} probe ${i}: jit 0x${jit.ret.toString(16)} interp 0x${interp.ret.toString(16)}`,
          );
        // the interpreter's outcome is checked against the kernel's by differential.test.ts; here the same text
        // must come from the JIT's value
        if (
          resolveAction(jit.ret).action !== predictions[i]!.action?.action ||
          predictions[i]!.outcome !== kernel[i]!.outcome
        )
          mismatches.push(`case ${c.id} probe ${i}: kernel ${kernel[i]!.outcome}`);
      });
    }
    expect(probes).toBeGreaterThan(1000);
    expect(mismatches).toEqual([]);
  }, 180_000);
});
