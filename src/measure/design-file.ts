// Node side of loading a researcher's own design file (`--designs ./my-design.ts`): import the module, then let
// the catalogue register it (src/cgroup/designs/index.ts registerDesignModule). Kept out of src/cgroup so the
// emulator's layers bundle for the browser.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { registerDesignModule } from "../cgroup/designs/index.ts";

/** Imports the design file at `path` (this executes it) and registers its design; returns the design's id. */
export async function loadDesignFile(path: string): Promise<string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`cannot load design file ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return registerDesignModule(path, mod);
}
