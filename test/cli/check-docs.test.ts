// docs/ci.md's job-summary example is what `check --format github` writes to $GITHUB_STEP_SUMMARY, and the JUnit
// file of the same run has the failing point. Regenerate the block with: UPDATE_CI_DOC=1 npx vitest run test/cli/check-docs.test.ts
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../src/cli/check.ts";
import { resolveDesignList, setAnnounce } from "../../src/cli/design-loader.ts";
import { getProfile } from "../../src/measure/profile.ts";

setAnnounce(() => {});
const BLOCK =
  /(<!-- summary: examples\/ci\/bytemap-lowered\.json -->\n```markdown\n)([\s\S]*?)(```\n<!-- \/summary -->)/;

describe("docs/ci.md: the GitHub job summary and JUnit of a failing gate", () => {
  it("is what the command writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "check-docs-"));
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "");
    const junit = join(dir, "junit.xml");
    const before = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = summary;
    let r: ReturnType<typeof runCheck>;
    try {
      r = runCheck({
        baseline: "examples/ci/bytemap-lowered.json",
        tolerancePct: 0,
        update: false,
        profile: getProfile("sandybridge-2011"),
        json: false,
        format: "github",
        junit,
        designs: await resolveDesignList("./examples/designs/cgroup-bytemap.ts"),
      });
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    }
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(
      "::error file=examples/ci/bytemap-lowered.json,title=syscall-lab check%3A regression::",
    );
    const md = readFileSync(summary, "utf8");
    const doc = readFileSync("docs/ci.md", "utf8");
    if (process.env.UPDATE_CI_DOC === "1")
      writeFileSync(
        "docs/ci.md",
        doc.replace(BLOCK, (_m, a, _b, c) => `${a}${md}${c}`),
      );
    expect(BLOCK.exec(doc)?.[2]).toBe(md);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('tests="24" failures="1"');
    expect(xml).toContain('<failure message="cgroup-bytemap sowa-micro depth=2 filtered: ');
  });
});
