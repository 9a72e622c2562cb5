// The one design loader of every command (docs/architecture.md, "Design code is loaded only from the command line or
// an experiment run with sweep"): a design id resolves through the catalogue's Maps; a path is checked (extension,
// a regular file, size) and hashed *before* it is imported, so a rejected file's top-level code never runs.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DesignFactory } from "../cgroup/design.ts";
import { designIds, isBuiltInDesign, registerDesign } from "../cgroup/designs/index.ts";
import { UsageError } from "./output.ts";

/** Largest design file accepted: the built-in designs are all under 20 KiB. */
export const MAX_DESIGN_FILE_BYTES = 1 << 20;
const EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

export interface ResolvedDesign {
  /** the id every other module uses (a file design's id is the one its factory reports) */
  id: string;
  /** the file it came from, as given on the command line (absent for a built-in design) */
  file?: string;
  /** sha256 of the file's bytes, hex (absent for a built-in design) */
  sha256?: string;
}

/** A spec names a file when it has a directory part or a module extension; anything else is an id. */
export function isDesignPath(spec: string): boolean {
  return spec.includes("/") || spec.includes("\\") || EXTENSIONS.includes(extname(spec));
}

/** Checks a design file without running it: extension, a regular file, size; returns its bytes' hash. */
export function inspectDesignFile(path: string): { abs: string; sha256: string; bytes: number } {
  const ext = extname(path);
  if (!EXTENSIONS.includes(ext))
    throw new UsageError(
      `design file ${path}: expected a ${EXTENSIONS.join(", ")} module, got '${ext || "no extension"}'`,
    );
  const abs = resolve(path);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `design file ${path}: ${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}`,
    );
  }
  if (!st.isFile()) throw new UsageError(`design file ${path}: not a regular file`);
  if (st.size > MAX_DESIGN_FILE_BYTES)
    throw new UsageError(
      `design file ${path}: ${st.size} bytes, more than the ${MAX_DESIGN_FILE_BYTES} allowed`,
    );
  if (st.size === 0) throw new UsageError(`design file ${path}: empty file`);
  const bytes = readFileSync(abs);
  return { abs, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
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
        throw new UsageError(
          `design file ${path}: id ${JSON.stringify(d.id)} is not a design id (letters, digits, . _ -)`,
        );
      return { id: d.id, factory: f };
    }
  }
  throw new UsageError(`design file ${path} exports no design factory (a function returning a Design)`);
}

/** Imports a module; TypeScript through tsx when this process runs compiled JavaScript (the published CLI). */
async function importModule(abs: string, ext: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(abs).href;
  const typescript = ext === ".ts" || ext === ".mts";
  if (!typescript || import.meta.url.endsWith(".ts")) return (await import(url)) as Record<string, unknown>;
  let api: { tsImport: (spec: string, parent: string) => Promise<unknown> };
  try {
    api = (await import("tsx/esm/api")) as typeof api;
  } catch {
    throw new UsageError(
      `design file ${abs}: loading TypeScript needs the tsx package (npm i tsx), or compile the design to .js`,
    );
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

const loaded = new Map<string, ResolvedDesign>(); // absolute path → what it resolved to

/** What the loader says before it runs a file: stderr by default; tests replace it. */
export let announce = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};
export function setAnnounce(fn: (msg: string) => void): void {
  announce = fn;
}

/**
 * A design id or a design file path → the id to use, with the file's hash. A path is validated before anything
 * in it runs; the CLI says on stderr which file it executes. Unknown ids (prototype names included) are usage errors.
 */
export async function resolveDesign(spec: string): Promise<ResolvedDesign> {
  if (!isDesignPath(spec)) {
    if (!isBuiltInDesign(spec) && !designIds().includes(spec))
      throw new UsageError(
        `unknown design "${spec}" (known: ${designIds().join(", ")}, or a design file ./my-design.ts)`,
      );
    for (const r of loaded.values()) if (r.id === spec) return r;
    return { id: spec };
  }
  const { abs, sha256 } = inspectDesignFile(spec);
  const done = loaded.get(abs);
  if (done !== undefined && done.sha256 === sha256) return done;
  announce(`executing design file ${spec} (a design file is code that runs with your privileges)`);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(abs, extname(spec));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot load design file ${spec}: ${(e as Error).message.split("\n")[0]}`);
  }
  const { id, factory } = factoryOf(mod, spec);
  try {
    registerDesign(id, factory, spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const r: ResolvedDesign = { id, file: spec, sha256 };
  loaded.set(abs, r);
  return r;
}

/** A comma-separated list of ids and paths ("all" stays "all"); every path is loaded. */
export async function resolveDesignList(spec: string): Promise<ResolvedDesign[]> {
  const items = spec.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`empty design in the list '${spec}'`);
  const out: ResolvedDesign[] = [];
  for (const item of items) out.push(item === "all" ? { id: "all" } : await resolveDesign(item));
  return out;
}
