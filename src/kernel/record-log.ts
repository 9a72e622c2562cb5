/**
 * The per-task logs (audit records, ptrace stops, tracepoint hits) keep the newest RECORD_LOG_CAP entries, so a
 * run of millions of audited syscalls does not grow host memory without bound. Dropped entries are counted.
 */
export const RECORD_LOG_CAP = 65_536;

export function appendRecord<T>(log: T[], record: T, dropped: { count: number }): void {
  log.push(record);
  if (log.length > RECORD_LOG_CAP) {
    const n = log.length - RECORD_LOG_CAP / 2;
    log.splice(0, n);
    dropped.count += n;
  }
}
