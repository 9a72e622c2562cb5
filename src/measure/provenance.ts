// Where a result came from: the tool's version and git commit, and SHA-256 content hashes of the cost profile
// (its resolved spec) and of a design file. A sweep keys resume on them, so an edited design or profile is
// measured again; `report` refuses to merge points whose version or contents differ.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { arch, availableParallelism, cpus, hostname, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultEngine } from "../cpu/jit/engine.ts";
import { inspectDesignFile, isDesignFile } from "./design-file.ts";
import { canonical } from "./experiment.ts";
import { isPolicyDesign, loadPolicy } from "./policy-file.ts";
import { type CostProfile, getProfile } from "./profile.ts";
import { loadProfileFile } from "./profile-file.ts";

/** What every result line records about the code and the data that produced it. */
export interface Provenance {
  /** syscall-lab's version (package.json) */
  version: string;
  /** the checkout's git commit, null outside a git checkout (an installed package) */
  commit: string | null;
  /** SHA-256 of the cost profile's resolved spec (canonical JSON) */
  profileSha256: string;
  /** SHA-256 of the design file's bytes; null for a built-in design (its code is the tool's own) */
  designSha256: string | null;
}

/** The fields a resume and a merge compare: everything but the commit (recorded, reported, not keyed). */
export const KEYED_FIELDS = ["version", "profileSha256", "designSha256"] as const;

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The package root: the nearest directory above this module holding package.json (src/ or dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("syscall-lab: no package.json above src/measure/provenance.ts");
    dir = up;
  }
}

let cachedVersion: string | undefined;
export function toolVersion(): string {
  cachedVersion ??= (
    JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }
  ).version;
  return cachedVersion;
}

let cachedCommit: { commit: string | null; dirty: boolean } | undefined;
/** HEAD of the tool's own checkout and whether tracked files differ from it; null when git or .git is absent. */
export function gitCommit(): { commit: string | null; dirty: boolean } {
  if (cachedCommit !== undefined) return cachedCommit;
  const root = packageRoot();
  const git = (args: string[]) =>
    spawnSync("git", args, {
      cwd: root,
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    });
  const head = existsSync(join(root, ".git")) ? git(["rev-parse", "HEAD"]) : null;
  if (head === null || head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) {
    cachedCommit = { commit: null, dirty: false };
  } else {
    const st = git(["status", "--porcelain", "--untracked-files=no"]);
    cachedCommit = { commit: head.stdout.trim(), dirty: st.status === 0 && st.stdout.trim() !== "" };
  }
  return cachedCommit;
}

/** A profile by experiment name: a built-in name or an absolute .json path. */
export function resolveProfile(name: string): CostProfile {
  return name.endsWith(".json") ? loadProfileFile(name) : getProfile(name);
}

/** SHA-256 of a profile's resolved spec: the same values and sources give the same hash, whatever the file's layout. */
export function profileSha256(profile: CostProfile): string {
  return sha256(canonical(profile.spec));
}

/**
 * SHA-256 of a design file's bytes, as the design loader (src/measure/design-file.ts) validates and hashes them
 * before it imports the file; null for a built-in id. Only the file itself is hashed, not what it imports.
 */
export function designSha256(design: string): string | null {
  if (isPolicyDesign(design)) return loadPolicy(design).sha256;
  if (!isDesignFile(design)) return null;
  return inspectDesignFile(design).sha256;
}

/** Host, runtime and tool: summary.json's `environment` (gem5's config dump is the model). */
export function environment(): Record<string, unknown> {
  const g = gitCommit();
  return {
    tool: "syscall-lab",
    version: toolVersion(),
    commit: g.commit,
    dirty: g.dirty,
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    osRelease: release(),
    arch: arch(),
    host: hostname(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    // the engine every machine of the run used (workers are given the main thread's): same cycles, not same speed
    engine: defaultEngine(),
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    date: new Date().toISOString(),
  };
}
