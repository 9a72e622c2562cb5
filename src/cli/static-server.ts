// A small static file server for the built web page (`syscall-lab web`, and the browser tests): 127.0.0.1 only,
// GET and HEAD only, paths confined to the site folder, files up to 32 MiB, at most 64 connections, 10 s per request.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".ico": "image/x-icon",
};

const MAX_FILE = 32 * 1024 * 1024;

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1:`port` (0: any free port) under the URL prefix `base` ("/" or "/syscall-lab/"). */
export function serveStatic(dir: string, port: number, base = "/"): Promise<StaticServer> {
  const root = resolve(dir);
  if (!existsSync(join(root, "index.html")))
    throw new Error(`no web site in ${dir} (run: npm run build:web)`);
  const server = createServer((req, res) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    if (!path.startsWith(base)) {
      res.writeHead(404).end("not found");
      return;
    }
    const rel = normalize(path.slice(base.length) || "index.html");
    const file = resolve(root, rel.endsWith("/") ? `${rel}index.html` : rel);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      res.writeHead(404).end("not found");
      return;
    }
    if (size > MAX_FILE) {
      res.writeHead(413).end("too large");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": size,
      "Cache-Control": "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  server.maxConnections = 64;
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const addr = server.address();
      const p = typeof addr === "object" && addr !== null ? addr.port : port;
      ok({
        server,
        url: `http://127.0.0.1:${p}${base}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
