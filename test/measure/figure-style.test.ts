import { describe, expect, it } from "vitest";
import { DESIGNS } from "../../src/cgroup/designs/index.ts";
import { designScales, designStyle } from "../../src/measure/figure-style.ts";

describe("design styles", () => {
  it("every built-in design has its own colour and a marker; the style never depends on the list", () => {
    const ids = Object.keys(DESIGNS);
    const colours = ids.map((d) => designStyle(d).color);
    expect(new Set(colours).size).toBe(ids.length);
    const a = designScales(["ptrace", "none", "cgroup-walk"]);
    const b = designScales(["cgroup-walk", "ptrace"]);
    expect(a.color.range[a.color.domain.indexOf("ptrace")]).toBe(
      b.color.range[b.color.domain.indexOf("ptrace")],
    );
    expect(a.shape.range[a.shape.domain.indexOf("cgroup-walk")]).toBe(
      b.shape.range[b.shape.domain.indexOf("cgroup-walk")],
    );
  });

  it("a design of one's own gets a style from its id, the same each time, not a built-in's colour", () => {
    const s = designStyle("my-bitmap");
    expect(designStyle("my-bitmap")).toEqual(s);
    expect(Object.keys(DESIGNS).map((d) => designStyle(d).color)).not.toContain(s.color);
    // prototype names are ids like any other
    expect(designStyle("constructor").color).toMatch(/^#[0-9A-F]{6}$/i);
  });
});
