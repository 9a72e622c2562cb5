// The real-applications experiment end to end on the committed fixtures (experiments/real-applications-quick.json):
// app: points expand per design, policy and seccomp cache; a missing program is excluded with a message; the sweep
// runs them (the policy's allow set through cgroupfs, seccomp policies as filters) and report draws the figure.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/cli/report.ts";
import { generateInput } from "../../src/measure/application.ts";
import { expandPoints, loadExperiment, validateExperiment } from "../../src/measure/experiment.ts";
import { runSweep, type SweepResult } from "../../src/measure/sweep.ts";

const file = (name: string) => fileURLToPath(new URL(`../../experiments/${name}`, import.meta.url));
const quick = loadExperiment(file("real-applications-quick.json"));

describe("real-applications experiment", () => {
  it("expands app: points per design, policy and seccomp cache, excluding a program that is not there", () => {
    const { points, excluded } = expandPoints(quick);
    // per application: none, cgroup-composed (docker-default's allow set), two policies × cache on/off, ptrace
    expect(points).toHaveLength(14);
    const composed = points.find((p) => p.config.design === "cgroup-composed")!.config;
    expect(composed.policy).toBe("seccomp-policy:docker-default");
    expect(composed.policySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(points.filter((p) => p.config.design === "none").every((p) => p.config.policy === undefined)).toBe(
      true,
    );
    expect(excluded).toHaveLength(7);
    expect(excluded[0]!.reason).toBe(
      "not installed: /usr/bin/not-installed is not in " +
        `${fileURLToPath(new URL("../fixtures/root", import.meta.url)).replace(/\/$/, "")} ` +
        "(experiments/real-applications.setup.sh installs it)",
    );
  });

  it("generates its inputs deterministically", () => {
    const a = generateInput({ text: 4096, seed: 1 });
    expect(a).toEqual(generateInput({ text: 4096, seed: 1 }));
    expect(a).not.toEqual(generateInput({ text: 4096, seed: 2 }));
    expect(a[4095]).toBe(10);
    const sql = new TextDecoder().decode(generateInput({ sqlInserts: 3 }));
    expect(sql.split("\n").filter((l) => l.startsWith("INSERT"))).toHaveLength(3);
  });

  it.each([
    [{ "app:x": 1 }, 'axes.workloads[0]: "app:x" names no entry of "applications"'],
    [{ x: { argv: ["bin/x"] } }, "applications.x.argv[0]: must be the program's absolute guest path"],
    [{ x: { argv: ["/x"], inputs: { "/etc/x": { text: 1, seed: 1 } } } }, "must be a guest path under /tmp/"],
    [{ x: { argv: ["/x"], stdin: "/tmp/nope" } }, "applications.x.stdin: must name one of the inputs"],
    [{ x: { argv: ["/x"], inputs: { "/tmp/a": { text: 1 } } } }, "must be { text, seed } or { sqlInserts }"],
    [{ x: { argv: ["/x"], shell: true } }, "applications.x.shell: is not a field of an application"],
  ])("refuses bad applications: %j", (apps, message) => {
    const bad = "app:x" in apps;
    expect(() =>
      validateExperiment(
        {
          name: "t",
          ...(bad ? {} : { applications: apps }),
          axes: { designs: ["none"], depths: [1], workloads: ["app:x"] },
        },
        "t.json",
      ),
    ).toThrow(message);
  });

  it("refuses a policy that is not there, naming it", () => {
    expect(() =>
      validateExperiment(
        { name: "t", axes: { designs: ["seccomp-policy:nope"], depths: [1], workloads: ["null"] } },
        "t.json",
      ),
    ).toThrow('t.json: axes.designs[0]: seccomp-policy:nope: unknown policy "nope"');
  });

  it("runs end to end: same program behaviour under every design, the overhead against none, and the figure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "real-apps-"));
    const s = await runSweep({ experiment: quick, outDir: dir, jobs: 1 });
    expect(s.failed).toEqual([]);
    expect(s.ran).toBe(14);
    const rs = readFileSync(join(dir, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as SweepResult);
    const at = (design: string, app: string, cache = true) =>
      rs.find(
        (r) =>
          r.config.design === design && r.config.workload === `app:${app}` && r.config.seccompCache === cache,
      )!;
    for (const app of ["hello-dyn", "wc"]) {
      const none = at("none", app);
      // the program does the same thing under every design: same user cycles and calls
      for (const r of rs.filter((x) => x.config.workload === `app:${app}`)) {
        expect(r.userCycles).toBe(none.userCycles);
        expect(r.calls).toBe(none.calls);
        if (r.config.design !== "none") expect(r.probeDenied).toBe(true);
      }
      // the policy's filter costs more without the cache, ptrace most of all
      const docker = at("seccomp-policy:docker-default", app);
      const dockerNoCache = at("seccomp-policy:docker-default", app, false);
      expect(docker.sysCycles).toBeGreaterThan(none.sysCycles);
      expect(dockerNoCache.sysCycles).toBeGreaterThan(docker.sysCycles);
      expect(at("ptrace", app).sysOverheadPct).toBeGreaterThan(dockerNoCache.sysOverheadPct);
      expect(at("cgroup-composed", app).sysOverheadPct).toBeLessThan(docker.sysOverheadPct);
    }
    const out = mkdtempSync(join(tmpdir(), "real-apps-report-"));
    const report = await buildReport({
      dirs: [dir],
      outDir: out,
      figures: true,
      formats: ["svg", "png"],
      json: false,
    });
    expect(report.figures).toContain("overhead-by-application");
    expect(existsSync(join(out, "overhead-by-application.png"))).toBe(true);
    // the application table: none's run per program, and per design series its overheads, read from the results
    const t = report.applications!;
    expect(t.apps.map((a) => a.application)).toEqual(["hello-dyn", "wc"]);
    expect(t.apps[0]).toEqual({
      application: "hello-dyn",
      calls: at("none", "hello-dyn").calls,
      userCycles: at("none", "hello-dyn").userCycles,
      sysCycles: at("none", "hello-dyn").sysCycles,
    });
    const noCache = t.rows.find((r) => r.design === "seccomp docker-default (no cache)")!;
    expect(noCache.cells[1]).toEqual({
      totalOverheadPct: at("seccomp-policy:docker-default", "wc", false).totalOverheadPct,
      sysOverheadPct: at("seccomp-policy:docker-default", "wc", false).sysOverheadPct,
    });
    expect(t.rows.map((r) => r.design)).toContain("ptrace");
    expect(t.rows.some((r) => r.design.startsWith("ptrace") && r.design.includes("no cache"))).toBe(false);
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain(
      "| design | hello-dyn: total / sys | wc: total / sys |",
    );
  }, 600_000);
});
