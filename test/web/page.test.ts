// The web stepper in a real Chromium: it runs the emulator itself, and its cycle counts are `run`'s.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { designIds } from "../../src/cgroup/designs/index.ts";
import { flavourBlocks, placeTask } from "../../src/measure/compare.ts";
import { getProfile } from "../../src/measure/profile.ts";
import { runWorkload } from "../../src/measure/run-workload.ts";
import { openSession, type Session, SKIP_REASON } from "./browser.ts";

// What the callbacks below touch inside the page (this file is type-checked without the DOM library).
declare const location: { hash: string };
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number; scrollTo(x: number, y: number): void };

if (SKIP_REASON) console.warn(SKIP_REASON);
// Screenshots are taken on every run; they replace the docs' images only when asked (UPDATE_SCREENSHOTS=1), so a
// test run leaves the checkout as it was.
const IMG = process.env.UPDATE_SCREENSHOTS === "1" ? "docs/img" : mkdtempSync(join(tmpdir(), "web-shots-"));

type Flavour = "linux-3.1" | "linux-generic" | "linux-generic-pti";

/** `syscall-lab run --workload null --count 1` for the page's set-up: cycles of the one getppid call. */
function runCycles(flavour: Flavour, design: string, tif: string[], filtered: boolean, depth = 0): number {
  const generic = flavour !== "linux-3.1";
  const pti = flavour === "linux-generic-pti";
  const r = runWorkload({
    workload: "null",
    count: 1,
    profile: getProfile(generic ? (pti ? "cascadelake-2022-pti" : "cascadelake-2022") : "sandybridge-2011"),
    design,
    tif,
    flavour: generic ? "linux-generic" : "linux-3.1",
    pti,
    setup: (m, t) => placeTask(m, t, depth, filtered ? "filtered" : "unfiltered"),
  });
  return r.cyclesPerCall;
}

async function loads(page: Page): Promise<number> {
  return Number((await page.getAttribute("body", "data-loads")) ?? "0");
}

/** Sets the fragment (as a shared link would) and waits until the page recorded the new set-up. */
async function open(page: Page, hash: string): Promise<void> {
  const before = await loads(page);
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? "0") > n, before);
}

async function cycles(page: Page, side = 0): Promise<number> {
  // the exact count (the text shows a timing model's fractions to two decimals)
  return Number(await page.locator(".side .total").nth(side).getAttribute("data-cycles"));
}

async function pathOf(page: Page, side = 0): Promise<string> {
  return (await page.locator(".side .path").nth(side).getAttribute("data-path")) ?? "";
}

describe.skipIf(SKIP_REASON !== null)("web stepper in Chromium", () => {
  let s: Session;
  let page: Page;
  beforeAll(async () => {
    mkdirSync(IMG, { recursive: true });
    s = await openSession();
    page = await s.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(s.server.url);
    await page.waitForSelector("body[data-loads]");
    expect(errors).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it("steps a null syscall to SYSRET with run's cycle count, and steps back", async () => {
    await open(page, "#flavour=linux-3.1&design=none&nr=110");
    expect(await page.textContent("#pos")).toMatch(/^step 0 of \d+$/);
    await page.keyboard.press("ArrowRight");
    expect(await page.textContent(".side .insn-now")).toContain("syscall");
    await page.click("#last");
    const end = await cycles(page);
    expect(end).toBe(runCycles("linux-3.1", "none", [], false));
    expect(await page.textContent(".side .insn-now")).toContain("sysretq");
    expect(await pathOf(page)).toBe("fast");
    const last = Number(/\((\d+) cycles?\)/.exec((await page.textContent(".side .insn-now")) ?? "")![1]);
    await page.keyboard.press("ArrowLeft");
    expect(await cycles(page)).toBe(end - last);
    expect(await page.textContent(".side .insn-now")).not.toContain("sysretq");
  });

  it("TIF_SYSCALL_AUDIT sends the call down the audit semi-slow path", async () => {
    await open(page, "#flavour=linux-3.1&design=none&nr=110");
    await page.click("#tif-count");
    await page.check('input[name=tif][value="TIF_SYSCALL_AUDIT"]');
    await page.waitForFunction(() => location.hash.includes("TIF_SYSCALL_AUDIT"));
    await page.selectOption("#label", "auditsys");
    await page.click("#run-to");
    expect(await page.textContent(".side .insn-now")).toMatch(/^auditsys: /);
    expect(await pathOf(page)).toBe("audit");
    expect(await page.textContent(".side .decisions")).toContain("→ auditsys");
    await page.screenshot({ path: `${IMG}/web-audit.png` });
    await page.keyboard.press("End");
    expect(await cycles(page)).toBe(runCycles("linux-3.1", "none", ["TIF_SYSCALL_AUDIT"], false));
  });

  it("switching the design re-runs it: cgroup-tif sends a filtered task down the slow path", async () => {
    await open(page, "#flavour=linux-3.1&design=none&nr=110&filtered=1");
    await page.selectOption("#design", "cgroup-tif");
    await page.waitForFunction(() => location.hash.includes("design=cgroup-tif"));
    await page.click("#last");
    expect(await pathOf(page)).toBe("slow");
    expect(await page.textContent(".side .insn-now")).toContain("iretq");
    expect(await cycles(page)).toBe(runCycles("linux-3.1", "cgroup-tif", [], true));
  });

  it("a shared link opens the set-up side by side, stopped at its label", async () => {
    // a fresh tab, as a student following the teacher's link
    const page = await s.browser.newPage();
    await page.goto(`${s.server.url}#flavour=linux-3.1&design=cgroup-tif&filtered=1&b=none&at=sysret_check`);
    await page.waitForSelector("body[data-loads]");
    expect(await page.locator(".side").count()).toBe(2);
    const now = await page.locator(".side .insn-now").allTextContents();
    expect(now.some((t) => t.startsWith("sysret_check: "))).toBe(true);
    // instructions only one side executes are marked in its listing
    expect(await page.locator(".side").nth(0).locator(".listing .only").count()).toBeGreaterThan(10);
    await page.screenshot({ path: `${IMG}/web-side-by-side.png` });
    await page.click("#last");
    expect(await cycles(page, 0)).toBe(runCycles("linux-3.1", "cgroup-tif", [], true));
    expect(await cycles(page, 1)).toBe(runCycles("linux-3.1", "none", [], true));
    await page.close();
  });

  it("the page's cycles equal run's for every design and flavour on the null workload", async () => {
    const flavours: Flavour[] = ["linux-3.1", "linux-generic", "linux-generic-pti"];
    const seen: string[] = [];
    for (const f of flavours) {
      for (const d of designIds()) {
        if (flavourBlocks(d, f === "linux-3.1" ? "linux-3.1" : "linux-generic") !== null) continue;
        // the page records in Chromium's process while Node computes run's figure
        const before = await loads(page);
        await page.evaluate((h) => {
          location.hash = h;
        }, `#flavour=${f}&design=${d}&filtered=1&nr=110&step=100000`);
        const cli = runCycles(f, d, [], true);
        await page.waitForFunction((n) => Number(document.body.dataset.loads ?? "0") > n, before);
        expect(await cycles(page), `${f} ${d}`).toBe(cli);
        seen.push(`${f}/${d}`);
      }
    }
    expect(seen.length).toBe(23);
  });

  it("the step view at 1280×720 and on a phone-size screen, and the flame graph", async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = false; })");
    await open(page, "#flavour=linux-3.1&design=none&nr=110&at=system_call");
    expect(await page.textContent(".side .gs")).toContain("per-cpu area");
    await page.screenshot({ path: `${IMG}/web-swapgs.png` });
    await open(page, "#flavour=linux-3.1&design=none&nr=110&at=sysret_check");
    await page.screenshot({ path: `${IMG}/web-step.png` });
    await open(page, "#flavour=linux-generic-pti&design=seccomp-bpf&filtered=1&nr=110&at=syscall_enter_work");
    expect(await pathOf(page)).toBe("slow");
    await page.screenshot({ path: `${IMG}/web-generic-pti.png` });
    await page.click("#flame");
    await page.waitForSelector("body[data-flame]");
    expect(await page.locator("#flame-out svg g").count()).toBeGreaterThan(5);
    await page.locator("#flame-out").screenshot({ path: `${IMG}/web-flame.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, "#flavour=linux-3.1&design=cgroup-tif&filtered=1&b=none&at=tracesys");
    const overflow = await page.evaluate(() => {
      window.scrollTo(0, 0);
      return document.documentElement.scrollWidth - window.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${IMG}/web-phone.png` });
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});
