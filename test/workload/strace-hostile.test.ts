// issue 15: numbers strace never prints are syntax errors naming the number, not internal errors.
import { describe, expect, it } from "vitest";
import { parseStrace } from "../../src/workload/strace.ts";

describe("strace: bad numbers", () => {
  it("`100 getuid() = 08` is an unparsed line saying what is wrong", () => {
    const log = parseStrace("100 getuid() = 08\n");
    expect(log.calls).toEqual([]);
    expect(log.unparsed).toHaveLength(1);
    expect(log.unparsed[0]!.reason).toBe(
      "bad number '08' (a leading 0 means octal: digits 0-7 only) at column 12",
    );
  });

  it("an argument 0789 is kept raw or rejected, never an internal error", () => {
    const log = parseStrace(
      '100 chmod("/x", 0789) = 0\n100 lseek(3, -09, SEEK_SET) = -1 EINVAL (Invalid argument)\n',
    );
    for (const u of log.unparsed) expect(u.reason).not.toMatch(/internal error/);
    expect(log.calls.length + log.unparsed.length).toBe(2);
  });
});
