import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, formatState, parseArg, parseState } from "../../web/url-state.ts";

describe("the page's state in the URL", () => {
  it("round-trips a teacher's link", () => {
    const s = {
      ...DEFAULT_STATE,
      design: "cgroup-tif",
      tif: ["TIF_SYSCALL_AUDIT"],
      filtered: true,
      b: "none",
      at: "sysret_check",
    };
    const hash = formatState(s);
    expect(hash).toBe(
      "#flavour=linux-3.1&design=cgroup-tif&tif=TIF_SYSCALL_AUDIT&depth=0&filtered=1&nr=110&b=none&at=sysret_check",
    );
    expect(parseState(hash)).toEqual(s);
  });

  it("a bad field is named and replaced by its default; nothing is thrown", () => {
    const problems: string[] = [];
    const s = parseState("#flavour=linux-9&depth=12&nr=-3&tif=TIF_X,<script>&design=a%20b", problems);
    expect(s.flavour).toBe("linux-3.1");
    expect(s.depth).toBe(0);
    expect(s.nr).toBe(110);
    expect(s.tif).toEqual(["TIF_X"]);
    expect(s.design).toBe("none");
    expect(problems).toEqual([
      "flavour 'linux-9' is not one of linux-3.1, linux-generic, linux-generic-pti",
      "depth '12' is not 0..3",
      "nr '-3' is not a syscall number 0..1023",
    ]);
  });

  it("arguments: decimal, hex, negative, or an error", () => {
    expect(parseArg("16")).toBe(16n);
    expect(parseArg("0x10")).toBe(16n);
    expect(parseArg("-1")).toBe(0xffff_ffff_ffff_ffffn);
    expect(parseArg("")).toBe(0n);
    expect(parseArg("1e3")).toBeNull();
  });
});
