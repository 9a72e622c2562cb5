// The one loader of a researcher's own design file, for every command and every sweep worker (docs/architecture.md,
// "Design code is loaded only from the command line or an experiment run with sweep"). A path is checked (module
// extension, a regular file, size) and its bytes hashed *before* it is imported, so a rejected file's top-level
// code never runs, and the hash is the one a sweep records as the point's provenance. Node only: the browser
// bundle (web/) never reaches this module.
import { createHash } from "node:crypto";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DesignFactory } from "../cgroup/design.ts";
import { registerDesign } from "../cgroup/designs/index.ts";
import { InputFileError, readInputFile } from "./input-file.ts";

/** Largest design file accepted: the built-in designs are all under 20 KiB. */
export const MAX_DESIGN_FILE_BYTES = 1 << 20;
export const DESIGN_FILE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs"];

/** A design file that cannot be used: bad path, extension or size, a load failure, or no design exported. */
export class DesignFileError extends InputFileError {}

export interface ResolvedDesign {
  /** the id every other module uses (a file design's id is the one its factory reports) */
  id: string;
  /** the file it came from, as given (absent for a built-in design) */
  file?: string;
  /** sha256 of the file's bytes, hex (absent for a built-in design) */
  sha256?: string;
}

/** Whether a design entry names a file (a module extension) rather than a built-in id. */
export function isDesignFile(spec: string): boolean {
  return DESIGN_FILE_EXTENSIONS.includes(extname(spec));
}

/** A command-line spec names a file when it has a directory part or a module extension; anything else is an id. */
export function isDesignPath(spec: string): boolean {
  return spec.includes("/") || spec.includes("\\") || isDesignFile(spec);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Checks a design file without running it: extension, a regular file, size; returns its bytes' hash. */
export function inspectDesignFile(path: string): { abs: string; sha256: string; bytes: number } {
  const ext = extname(path);
  if (!DESIGN_FILE_EXTENSIONS.includes(ext))
    throw new DesignFileError(
      `design file ${path}: expected a ${DESIGN_FILE_EXTENSIONS.join(", ")} module, got '${ext || "no extension"}'`,
      path,
    );
  let bytes: Buffer;
  try {
    bytes = readInputFile(path, { what: "design file", maxBytes: MAX_DESIGN_FILE_BYTES });
  } catch (e) {
    if (e instanceof InputFileError) throw new DesignFileError(e.message, path);
    throw e;
  }
  if (bytes.length === 0) throw new DesignFileError(`design file ${path}: empty file`, path);
  return { abs: resolve(path), sha256: sha256Hex(bytes), bytes: bytes.length };
}

/** The first export that is a factory returning something shaped like a Design. */
function factoryOf(mod: Record<string, unknown>, path: string): { id: string; factory: DesignFactory } {
  const candidates = [mod.default, ...Object.values(mod)].filter(
    (x): x is DesignFactory => typeof x === "function",
  );
  for (const f of candidates) {
    let d: ReturnType<DesignFactory>;
    try {
      d = f();
    } catch {
      continue;
    }
    if (d && typeof d.id === "string" && typeof d.kernel === "function" && typeof d.attach === "function") {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(d.id))
        throw new DesignFileError(
          `design file ${path}: id ${JSON.stringify(d.id)} is not a design id (letters, digits, . _ -)`,
          path,
        );
      return { id: d.id, factory: f };
    }
  }
  throw new DesignFileError(
    `design file ${path} exports no design factory (a function returning a Design)`,
    path,
  );
}

/** Imports a module; TypeScript through tsx when this process runs compiled JavaScript (the published CLI). */
async function importModule(abs: string, path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(abs).href;
  const ext = extname(abs);
  const typescript = ext === ".ts" || ext === ".mts";
  if (!typescript || import.meta.url.endsWith(".ts")) return (await import(url)) as Record<string, unknown>;
  let api: { tsImport: (spec: string, parent: string) => Promise<unknown> };
  try {
    api = (await import("tsx/esm/api")) as typeof api;
  } catch {
    throw new DesignFileError(
      `design file ${path}: loading TypeScript needs the tsx package (npm i tsx), or compile the design to .js`,
      path,
    );
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

export interface LoadDesignOptions {
  /** told which file is about to run, before it runs (the CLI prints it on stderr) */
  announce?: ((path: string) => void) | undefined;
  /** the hash the caller recorded for this file (a sweep's provenance): a file that no longer matches is refused */
  expectSha256?: string | undefined;
}

const loaded = new Map<string, ResolvedDesign>(); // absolute path → what it resolved to (per thread)

function changed(path: string, was: string, now: string): DesignFileError {
  return new DesignFileError(
    `design file ${path} changed while in use (sha256 ${was.slice(0, 12)}… → ${now.slice(0, 12)}…): run again`,
    path,
  );
}

/**
 * Validates, hashes, imports and registers the design file at `path` (this executes it), once per file content
 * and thread; returns its design id and hash. DesignFileError naming the path otherwise.
 */
export async function loadDesignFile(path: string, o: LoadDesignOptions = {}): Promise<ResolvedDesign> {
  const { abs, sha256 } = inspectDesignFile(path);
  if (o.expectSha256 !== undefined && o.expectSha256 !== sha256) throw changed(path, o.expectSha256, sha256);
  const done = loaded.get(abs);
  if (done !== undefined && done.sha256 === sha256) return done;
  o.announce?.(path);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(abs, path);
  } catch (e) {
    if (e instanceof DesignFileError) throw e;
    throw new DesignFileError(
      `cannot load design file ${path}: ${(e as Error).message.split("\n")[0]}`,
      path,
    );
  }
  // the bytes imported are the bytes hashed unless the file was rewritten in between: check again
  const after = inspectDesignFile(path).sha256;
  if (after !== sha256) throw changed(path, sha256, after);
  const { id, factory } = factoryOf(mod, path);
  try {
    registerDesign(id, factory, path);
  } catch (e) {
    throw new DesignFileError((e as Error).message, path);
  }
  const r: ResolvedDesign = { id, file: path, sha256 };
  loaded.set(abs, r);
  return r;
}

/** The design a file loaded in this thread registered under `id`, if any. */
export function loadedDesignById(id: string): ResolvedDesign | undefined {
  for (const r of loaded.values()) if (r.id === id) return r;
  return undefined;
}
