// `syscall-lab web`: serve the browser stepper (web/, built by `npm run build:web` into dist-web/) on 127.0.0.1.
// The page runs the emulator itself; the server only hands out files.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { parsePositiveInt, UsageError } from "./output.ts";
import { serveStatic } from "./static-server.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Builds the static site with Vite (a dev dependency) into `outDir`. */
export async function buildWeb(outDir = join(REPO, "dist-web")): Promise<void> {
  const { build } = await import("vite");
  await build({
    configFile: join(REPO, "web", "vite.config.ts"),
    build: { outDir, emptyOutDir: true },
    logLevel: "warn",
  });
}

export function registerWeb(program: Command): void {
  program
    .command("web")
    .description("serve the interactive entry-path stepper (the emulator runs in your browser) on 127.0.0.1")
    .option("--port <n>", "TCP port", "8013")
    .option("--dir <folder>", "the built site (npm run build:web)", join(REPO, "dist-web"))
    .option("--build", "build the site first (needs the dev dependencies)")
    .action(async (o: { port: string; dir: string; build?: boolean }) => {
      const port = parsePositiveInt("--port", o.port, 65535);
      if (o.build || !existsSync(join(o.dir, "index.html"))) {
        process.stderr.write(`building the web page into ${o.dir} …\n`);
        try {
          await buildWeb(o.dir);
        } catch (e) {
          throw new UsageError(`cannot build the web page: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      let s: Awaited<ReturnType<typeof serveStatic>>;
      try {
        s = await serveStatic(o.dir, port);
      } catch (e) {
        throw new UsageError(`cannot serve on 127.0.0.1:${port}: ${(e as Error).message}`);
      }
      process.stdout.write(`syscall-lab web: ${s.url} (Ctrl-C stops)\n`);
      await new Promise<void>((done) => {
        process.once("SIGINT", () => void s.close().then(done));
        process.once("SIGTERM", () => void s.close().then(done));
      });
    });
}
