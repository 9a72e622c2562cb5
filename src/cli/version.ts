// The tool's version: package.json's, found by walking up from this module (src/cli/ in a clone, dist/src/cli/
// in the published package), so it is read from the same file npm installs.
import { readFileSync } from "node:fs";

let cached: string | undefined;

function findVersion(): string {
  for (let up = "../"; up.length <= 12; up += "../") {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "syscall-lab" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}

export function toolVersion(): string {
  cached ??= findVersion();
  return cached;
}
