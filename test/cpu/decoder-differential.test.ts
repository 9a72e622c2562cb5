// Differential test of src/cpu/decoder.ts (decodeForOracle) against iced-x86 on generated encodings.
import { afterAll, describe, expect, it } from "vitest";
import { decodeForOracle } from "../../src/cpu/decoder.ts";
import { CURATED, DEFAULT_RIP, hexBytes } from "./oracle/curated.ts";
import { Differential, describeResult } from "./oracle/differential.ts";
import { generateEncodings } from "./oracle/encodings.ts";
import { formatOracleInsn } from "./oracle/iced-oracle.ts";

const MIN_COMPARED = 100_000;

const diff = new Differential();
afterAll(() => diff.free());

function ours(bytes: Uint8Array, rip: bigint): string {
  try {
    return formatOracleInsn(decodeForOracle(bytes, rip));
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`;
  }
}

describe("decodeForOracle vs iced-x86", () => {
  it("agrees on the curated tricky encodings", () => {
    const failures: string[] = [];
    for (const c of CURATED) {
      const bytes = hexBytes(c.hex);
      const rip = c.rip ?? DEFAULT_RIP;
      const iced = formatOracleInsn(diff.iced(bytes, rip).insn);
      const got = ours(bytes, rip);
      if (iced !== c.iced) failures.push(`${c.name}: the iced adapter changed: ${iced} (table: ${c.iced})`);
      else if (got !== iced && !(c.optional === true && got === "#UD")) {
        failures.push(`${c.name}: ${c.hex} @0x${rip.toString(16)}\n  iced: ${iced}\n  ours: ${got}`);
      }
    }
    expect(
      failures,
      `${failures.length} of ${CURATED.length} curated cases differ:\n${failures.join("\n")}`,
    ).toEqual([]);
  });

  it(`agrees on at least ${MIN_COMPARED} generated encodings (created, prefix/REX-mutated, random)`, () => {
    const set = generateEncodings();
    const result = diff.run(set, decodeForOracle);
    expect(result.compared).toBeGreaterThanOrEqual(MIN_COMPARED);
    expect(result.mismatches, describeResult(result)).toBe(0);
  });

  it("returns null and never throws on truncated input", () => {
    // Every proper prefix of a long instruction is incomplete: #UD, not an exception or a read past the end.
    const full = hexBytes("66 2e 0f 1f 84 00 00 00 00 00");
    const failures: string[] = [];
    for (let n = 0; n < full.length; n++) {
      const got = ours(full.subarray(0, n), DEFAULT_RIP);
      if (got !== "#UD") failures.push(`${n} bytes: ${got}`);
    }
    expect(failures).toEqual([]);
  });
});
