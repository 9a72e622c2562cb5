import { describe, expect, it } from "vitest";
import { collapsedStacks, type FlameFrame, flameSvg } from "../../src/measure/flame.ts";

const frames: FlameFrame[] = [
  { stack: ["big", "entry", "system_call"], cycles: 900 },
  { stack: ["big", "exit", "irq_return"], cycles: 100 },
  { stack: ["small", "entry", "system_call"], cycles: 10 },
];
/** the width of the bar titled `label` */
const width = (svg: string, label: string) =>
  Number(new RegExp(`<title>${label}</title><rect x="[\\d.]+" y="\\d+" width="([\\d.]+)"`).exec(svg)![1]);

describe("flameSvg and the collapsed stacks (flame.ts)", () => {
  it("by default each panel fills the width; with commonScale the panels compare by length", () => {
    const own = flameSvg(frames, "t", 1020);
    expect(width(own, "big: 1000 cycles")).toBe(999);
    expect(width(own, "small: 10 cycles")).toBe(999);
    expect(own).toContain("one panel per design;");
    const common = flameSvg(frames, "t", 1020, { commonScale: true, footer: "a panel per set-up" });
    expect(width(common, "big: 1000 cycles")).toBe(999);
    // 10 of 1000 cycles on 1000 px, less the 1 px gap
    expect(width(common, "small: 10 cycles")).toBe(9);
    expect(common).toContain(">a panel per set-up</text>");
    // a panel's name too long for its bar is written beside it, not cut to nothing
    expect(common).toMatch(/<text x="26\.00" y="\d+" font-weight="bold">small: 10 cycles<\/text>/);
  });

  it("collapsed stacks: frames joined by ';', spaces and ';' inside a frame replaced", () => {
    expect(collapsedStacks([{ stack: ["a b", "c;d", "syscall (user)"], cycles: 35 }])).toBe(
      "a_b;c_d;syscall_(user) 35\n",
    );
  });
});
