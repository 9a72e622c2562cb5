// The guest's stdout and stderr, written to the host's as the guest writes them. The writes are synchronous, so a
// slow reader (a pipe into `less`) holds the guest back instead of the host buffering without bound.
import { writeSync } from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `bytes` to `fd`; waits while a non-blocking pipe is full; false once the reader has gone. */
function writeAll(fd: number, bytes: Uint8Array): boolean {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      if (code === "EPIPE") return false;
      throw e;
    }
  }
  return true;
}

/** An output sink for Machine.boot: fd 1 and 2 of the host; a closed reader drops the rest of that stream. */
export function hostOutputSink(): (stream: "stdout" | "stderr", bytes: Uint8Array) => void {
  const open = { stdout: true, stderr: true };
  return (stream, bytes) => {
    if (open[stream]) open[stream] = writeAll(stream === "stdout" ? 1 : 2, bytes);
  };
}
