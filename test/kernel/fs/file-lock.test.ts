// fcntl record locks: the lock list rules of src/kernel/fs/file-lock.ts (split, merge, unlock, conflicts, deadlock,
// release on close), and the two-process fixture test/fixtures/src/filelock.c against its native run.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExec } from "../../../src/cli/exec.ts";
import {
  F_RDLCK,
  F_UNLCK,
  F_WRLCK,
  type LockRequest,
  locksOf,
  OFFSET_MAX,
  setLock,
  testLock,
} from "../../../src/kernel/fs/file-lock.ts";
import { FdTable, type OpenFile, type RegFile } from "../../../src/kernel/vfs.ts";
import { getProfile } from "../../../src/measure/profile.ts";

const req = (owner: object, type: number, start: number, end: bigint | number, ofd = false): LockRequest => ({
  owner,
  ofd,
  pid: 1,
  type,
  start: BigInt(start),
  end: BigInt(end),
});
const ranges = (inode: object) => locksOf(inode).map((l) => [l.type, Number(l.start), l.end]);

describe("the lock list (posix_lock_inode)", () => {
  it("a lock of the other type splits the owner's lock; one of the same type merges with adjacent ones", () => {
    const inode = {};
    const a = {};
    expect(setLock(inode, req(a, F_RDLCK, 0, 99)).kind).toBe("ok");
    setLock(inode, req(a, F_WRLCK, 10, 19));
    expect(ranges(inode)).toEqual([
      [F_RDLCK, 0, 9n],
      [F_WRLCK, 10, 19n],
      [F_RDLCK, 20, 99n],
    ]);
    setLock(inode, req(a, F_RDLCK, 10, 19));
    expect(ranges(inode)).toEqual([[F_RDLCK, 0, 99n]]);
    setLock(inode, req(a, F_UNLCK, 50, OFFSET_MAX));
    expect(ranges(inode)).toEqual([[F_RDLCK, 0, 49n]]);
    setLock(inode, req(a, F_RDLCK, 50, OFFSET_MAX));
    expect(ranges(inode)).toEqual([[F_RDLCK, 0, OFFSET_MAX]]);
    setLock(inode, req(a, F_UNLCK, 0, OFFSET_MAX));
    expect(locksOf(inode)).toEqual([]);
  });
  it("owners conflict on overlapping ranges when one lock writes; an owner never conflicts with itself", () => {
    const inode = {};
    const [a, b] = [{}, {}];
    setLock(inode, req(a, F_RDLCK, 0, 9));
    expect(setLock(inode, req(b, F_RDLCK, 5, 5)).kind).toBe("ok");
    const c = setLock(inode, req(b, F_WRLCK, 9, 20));
    expect(c.kind).toBe("conflict");
    expect(testLock(inode, req(b, F_WRLCK, 9, 20))?.owner).toBe(a);
    expect(testLock(inode, req(a, F_WRLCK, 0, 4))).toBe(null);
    expect(testLock(inode, req(b, F_WRLCK, 10, 20))).toBe(null);
    // a POSIX and an OFD lock of one owner object are still two owners
    expect(setLock(inode, req(a, F_WRLCK, 0, 0, true)).kind).toBe("conflict");
  });
  it("F_SETLKW: a wait that closes a cycle of waiting owners is a deadlock; a dead waiter's record is ignored", () => {
    const inode = {};
    const [a, b, c] = [{}, {}, {}];
    setLock(inode, req(a, F_WRLCK, 0, 0));
    setLock(inode, req(b, F_WRLCK, 1, 1));
    setLock(inode, req(c, F_WRLCK, 2, 2));
    expect(setLock(inode, req(a, F_WRLCK, 1, 1), true).kind).toBe("conflict"); // a waits for b
    expect(setLock(inode, req(b, F_WRLCK, 2, 2), true).kind).toBe("conflict"); // b waits for c
    expect(setLock(inode, req(c, F_WRLCK, 0, 0), true).kind).toBe("deadlock"); // c → a → b → c
    let alive = true;
    expect(setLock(inode, req(b, F_WRLCK, 2, 2), true, () => alive).kind).toBe("conflict");
    alive = false;
    expect(setLock(inode, req(c, F_WRLCK, 0, 0), true).kind).toBe("conflict");
  });
  it("closing any descriptor of the file drops the table's POSIX locks; OFD locks go with the last descriptor", () => {
    const file: RegFile = { data: new Uint8Array(10), writable: true };
    const open = (): OpenFile => ({ kind: "reg", path: "/tmp/x", accmode: 2, reg: file, pos: 0 });
    const t = new FdTable();
    const f1 = open();
    const f2 = open();
    t.set(3, f1);
    t.set(4, f2);
    setLock(file, req(t, F_WRLCK, 0, 0));
    setLock(file, req(f1, F_WRLCK, 5, 5, true));
    const child = t.clone(); // fork: the child's table is another owner; the descriptions are shared
    t.close(4);
    expect(ranges(file)).toEqual([[F_WRLCK, 5, 5n]]);
    t.close(3);
    expect(locksOf(file)).toHaveLength(1);
    child.close(3);
    expect(locksOf(file)).toEqual([]);
  });
});

const FIX = new URL("../../fixtures/", import.meta.url).pathname;
const expected = (name: string) => ({
  stdout: readFileSync(`${FIX}expected/${name}.stdout`, "utf8"),
  status: Number(readFileSync(`${FIX}expected/${name}.status`, "utf8").trim()),
});

describe("filelock: two processes lock one file (native run recorded in test/fixtures/expected)", () => {
  for (const bin of ["filelock", "filelock.musl"]) {
    it(`${bin} posix on linux-3.1 (no OFD locks in 3.1: the POSIX part only)`, () => {
      const r = runExec({
        program: `${FIX}bin/${bin}`,
        args: ["posix"],
        profile: getProfile("sandybridge-2011"),
      });
      const e = expected("filelock-posix");
      expect(r.stdout).toBe(e.stdout);
      expect(r.exitCode).toBe(e.status);
    });
  }
  it("filelock.musl on linux-3.1 with the OFD part: F_OFD_* are EINVAL there, as in 3.1's do_fcntl", () => {
    const r = runExec({
      program: `${FIX}bin/filelock.musl`,
      args: [],
      profile: getProfile("sandybridge-2011"),
    });
    expect(r.stdout).toContain("ofd: setlk F_WRLCK [0,+5) on a = EINVAL\n");
    expect(r.exitCode).toBe(0);
  });
});
