// Node side of user cost profiles: read a JSON file and compile it (src/measure/profile.ts stays free of node:fs,
// so the page in web/ can bundle it).

import { INPUT_LIMITS, readInputText } from "./input-file.ts";
import type { CostProfile } from "./profile.ts";
import { parseProfileFile } from "./profile.ts";

/** Reads a user profile: a JSON file in the CostProfileSpec form. */
export function loadProfileFile(path: string): CostProfile {
  const text = readInputText(path, { what: "cost profile file", maxBytes: INPUT_LIMITS.text });
  return parseProfileFile(text, path);
}
