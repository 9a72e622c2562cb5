// Regenerates the profile tables embedded in docs/cost-profiles.md between
//   <!-- profile-table:NAME:begin --> … <!-- profile-table:NAME:end -->
// from the profile data (test/measure/profile.test.ts checks they match). Run: npx tsx scripts/profile-tables.ts
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getProfile, profileMarkdownTable } from "../src/measure/profile.ts";

const path = fileURLToPath(new URL("../docs/cost-profiles.md", import.meta.url));
const before = readFileSync(path, "utf8");
const after = before.replace(
  /(<!-- profile-table:([\w.-]+):begin -->\n)[\s\S]*?(\n<!-- profile-table:\2:end -->)/g,
  (_m, open: string, name: string, close: string) =>
    `${open}${profileMarkdownTable(getProfile(name))}${close}`,
);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? "docs/cost-profiles.md: up to date" : "docs/cost-profiles.md: tables updated");
