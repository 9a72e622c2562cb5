// The calls a streamed replay's first pass parsed, kept for its replay pass so that no line is parsed twice
// (docs/replay.md, "Long logs"): each call the replay pass takes, compacted (CompactCall: its number, result,
// copied bytes and machine code), in binary records on an unlinked temporary file. Memory holds one 1 MiB buffer
// and the table of call names; the disk holds about 60 bytes per call (a log line is longer), and the file goes
// away with its descriptor, even if the process is killed.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompactCall } from "../workload/replay.ts";

const CHUNK = 1 << 20;
/** fixed part of a record: line at delivery, pid, line, copied (f64), ret (i64), name, nr, code length (u16) */
const FIXED = 8 * 5 + 2 * 3;

/** One spilled call and the log line the parser had taken up when it delivered the call. */
export interface SpilledCall {
  call: CompactCall;
  atLine: number;
}

export interface SpillReader {
  /** the next call, or null after the last */
  next(): SpilledCall | null;
}

/** Spilled calls, written once (add, then finish) and read any number of times. */
export class CallSpill {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private written = 0;
  private finished = false;
  private closed = false;
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  count = 0;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), "syscall-lab-replay-"));
    const path = join(dir, "calls.bin");
    this.fd = openSync(path, "w+", 0o600);
    unlinkSync(path);
    rmSync(dir, { recursive: true, force: true });
  }

  add(c: CompactCall, atLine: number): void {
    if (this.finished) throw new Error("CallSpill: add after finish");
    if (c.code.length > 0xffff) throw new Error(`CallSpill: ${c.code.length} bytes of code for one call`);
    if (this.used + FIXED + c.code.length > CHUNK) this.flush();
    let name = this.nameIndex.get(c.name);
    if (name === undefined) {
      name = this.names.length;
      if (name > 0xffff) throw new Error("CallSpill: more than 65,536 call names");
      this.names.push(c.name);
      this.nameIndex.set(c.name, name);
    }
    const b = this.buf;
    let o = this.used;
    b.writeDoubleLE(atLine, o);
    b.writeDoubleLE(c.pid, o + 8);
    b.writeDoubleLE(c.line, o + 16);
    b.writeDoubleLE(c.copied, o + 24);
    b.writeBigInt64LE(BigInt.asIntN(64, c.ret), o + 32);
    b.writeUInt16LE(name, o + 40);
    b.writeUInt16LE(c.nr, o + 42);
    b.writeUInt16LE(c.code.length, o + 44);
    o += FIXED;
    b.set(c.code, o);
    this.used = o + c.code.length;
    this.count++;
  }

  finish(): void {
    if (this.finished) return;
    this.flush();
    this.finished = true;
  }

  /** A reader from the first call on (positional reads: readers do not disturb each other). */
  reader(): SpillReader {
    if (!this.finished) throw new Error("CallSpill: read before finish");
    if (this.closed) throw new Error("CallSpill: read after close");
    const buf = Buffer.allocUnsafe(CHUNK);
    let filePos = 0;
    let have = 0;
    let at = 0;
    const fill = () => {
      const keep = have - at;
      buf.copy(buf, 0, at, have);
      const n = this.written - filePos;
      const want = Math.min(CHUNK - keep, n);
      let got = 0;
      while (got < want) got += readSync(this.fd, buf, keep + got, want - got, filePos + got);
      filePos += want;
      have = keep + want;
      at = 0;
    };
    return {
      next: () => {
        if (have - at < FIXED || have - at < FIXED + buf.readUInt16LE(at + 44)) {
          fill();
          if (have - at < FIXED) return null;
        }
        const o = at;
        const len = buf.readUInt16LE(o + 44);
        const call: CompactCall = {
          pid: buf.readDoubleLE(o + 8),
          line: buf.readDoubleLE(o + 16),
          nr: buf.readUInt16LE(o + 42),
          name: this.names[buf.readUInt16LE(o + 40)]!,
          ret: buf.readBigInt64LE(o + 32),
          copied: buf.readDoubleLE(o + 24),
          code: new Uint8Array(buf.subarray(o + FIXED, o + FIXED + len)),
        };
        at = o + FIXED + len;
        return { call, atLine: buf.readDoubleLE(o) };
      },
    };
  }

  /** Closes the file (its space goes back to the file system). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    let done = 0;
    while (done < this.used)
      done += writeSync(this.fd, this.buf, done, this.used - done, this.written + done);
    this.written += this.used;
    this.used = 0;
  }
}
