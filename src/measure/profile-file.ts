// Node side of user cost profiles: read a JSON file and compile it (src/measure/profile.ts stays free of node:fs,
// so the page in web/ can bundle it).
import { readFileSync } from "node:fs";
import type { CostProfile } from "./profile.ts";
import { parseProfileFile } from "./profile.ts";

/** Reads a user profile: a JSON file in the CostProfileSpec form. */
export function loadProfileFile(path: string): CostProfile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read cost profile file ${path}: ${(e as Error).message}`);
  }
  return parseProfileFile(text, path);
}
