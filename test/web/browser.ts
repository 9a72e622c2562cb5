// Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, and the built page served by
// the same static server as `syscall-lab web`. Outside CI a missing Chromium skips the tests (with the reason);
// in CI (CI=true) it fails them.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { type StaticServer, serveStatic } from "../../src/cli/static-server.ts";
import { buildWeb } from "../../src/cli/web.ts";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p)) ?? null;
export const SKIP_REASON =
  CHROMIUM === null && process.env.CI !== "true"
    ? "browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)"
    : null;

export interface Session {
  /** a persistent context on a fresh profile directory (playwright's form of --user-data-dir) */
  browser: BrowserContext;
  server: StaticServer;
  close(): Promise<void>;
}

/** Builds the site into a temporary folder, serves it under a sub-path (as GitHub Pages would), launches Chromium. */
export async function openSession(base = "/syscall-lab/"): Promise<Session> {
  if (CHROMIUM === null)
    throw new Error("Chromium not found at /usr/bin/chromium (CI must install it: .ci/run)");
  const site = mkdtempSync(join(tmpdir(), "syscall-lab-web-"));
  await buildWeb(site);
  const server = await serveStatic(site, 0, base);
  const profile = mkdtempSync(join(tmpdir(), "syscall-lab-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    server,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
