// The CLI side of the one design loader (src/measure/design-file.ts does the validation, hashing, import and
// registration): a design id resolves through the catalogue's Maps, a path is loaded after the CLI has said on
// stderr which file it executes, and every refusal is a usage error (exit 2).
import { designIds, isBuiltInDesign } from "../cgroup/designs/index.ts";
import {
  DesignFileError,
  isDesignPath,
  loadDesignFile,
  loadedDesignById,
  type ResolvedDesign,
} from "../measure/design-file.ts";
import { ensurePolicyDesign, isPolicyDesign, PolicyFileError } from "../measure/policy-file.ts";
import { UsageError } from "./output.ts";

export {
  inspectDesignFile,
  isDesignPath,
  MAX_DESIGN_FILE_BYTES,
  type ResolvedDesign,
} from "../measure/design-file.ts";

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
  // a seccomp policy is data: read, parsed and compiled, never executed
  if (isPolicyDesign(spec)) {
    try {
      const p = ensurePolicyDesign(spec);
      return { id: spec, file: p.path, sha256: p.sha256 };
    } catch (e) {
      if (e instanceof PolicyFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (!isDesignPath(spec)) {
    if (!isBuiltInDesign(spec) && !designIds().includes(spec))
      throw new UsageError(
        `unknown design "${spec}" (known: ${designIds().join(", ")}, seccomp-policy:NAME|FILE, or a design file ./my-design.ts)`,
      );
    return loadedDesignById(spec) ?? { id: spec };
  }
  try {
    return await loadDesignFile(spec, {
      announce: (path) =>
        announce(`executing design file ${path} (a design file is code that runs with your privileges)`),
    });
  } catch (e) {
    if (e instanceof DesignFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** A comma-separated list of ids and paths ("all" stays "all"); every path is loaded. */
export async function resolveDesignList(spec: string): Promise<ResolvedDesign[]> {
  const items = spec.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`empty design in the list '${spec}'`);
  const out: ResolvedDesign[] = [];
  for (const item of items) out.push(item === "all" ? { id: "all" } : await resolveDesign(item));
  return out;
}
