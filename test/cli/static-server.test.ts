import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, serveStatic } from "../../src/cli/static-server.ts";

function get(
  url: string,
  method = "GET",
  path?: string,
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((ok, fail) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: path ?? u.pathname, method }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () =>
        ok({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

describe("the static server of syscall-lab web", () => {
  let s: StaticServer;
  const root = mkdtempSync(join(tmpdir(), "site-"));
  beforeAll(async () => {
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), "<!doctype html><p>hi</p>");
    writeFileSync(join(root, "assets", "a.wasm"), "\0asm");
    writeFileSync(join(tmpdir(), "secret.txt"), "no");
    s = await serveStatic(root, 0, "/base/");
  });
  afterAll(async () => {
    await s.close();
  });

  it("serves the site under its base path on 127.0.0.1, with types", async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/base\/$/);
    const index = await get(s.url);
    expect(index.status).toBe(200);
    expect(index.type).toContain("text/html");
    expect((await get(`${s.url}assets/a.wasm`)).type).toBe("application/wasm");
  });

  it("refuses what is outside the site, other methods and other prefixes", async () => {
    expect((await get(s.url, "GET", "/base/../secret.txt")).status).toBe(404);
    expect([403, 404]).toContain((await get(s.url, "GET", "/base/%2e%2e/%2e%2e/secret.txt")).status);
    expect((await get(s.url, "GET", "/base/..%2f..%2fsecret.txt")).status).toBe(403);
    expect((await get(s.url, "POST")).status).toBe(405);
    expect((await get(s.url, "GET", "/other/index.html")).status).toBe(404);
    expect((await get(s.url, "GET", "/base/missing.js")).status).toBe(404);
  });

  it("says what to do when the site is not built", () => {
    expect(() => serveStatic(join(root, "assets"), 0)).toThrow(/npm run build:web/);
  });
});
