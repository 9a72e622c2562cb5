import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, LockedError, lockDir } from "../../src/measure/result-dir.ts";

describe("result directory lock", () => {
  it("a held lock is refused with its holder; another host's lock says which file to delete", () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const release = lockDir(dir, "sweep a.json");
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), command: "sweep a.json" });
    expect(() => lockDir(dir, "sweep b.json")).toThrow(LockedError);
    release();
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, host: "elsewhere", started: "t", command: "sweep" }),
    );
    expect(() => lockDir(dir, "x")).toThrow(
      `${dir} is in use by another sweep (pid 1 on host elsewhere, since t: sweep); wait for it to finish, or sweep into another directory; if that sweep is gone, delete ${join(dir, LOCK_FILE)}`,
    );
  });

  it("an unreadable or dead holder's lock is stale: taken over, with a notice", () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    writeFileSync(join(dir, LOCK_FILE), "garbage");
    const notes: string[] = [];
    lockDir(dir, "x", (m) => notes.push(m))();
    expect(notes).toEqual([`removing an unreadable lock file ${join(dir, LOCK_FILE)}`]);
    const pid = Number(
      spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout,
    );
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), started: "t", command: "sweep" }),
    );
    notes.length = 0;
    lockDir(dir, "x", (m) => notes.push(m))();
    expect(notes).toEqual([
      `removing the stale lock of pid ${pid} (no longer running) in ${join(dir, LOCK_FILE)}`,
    ]);
  });
});
