// A kernel mutex as the control plane sees it (syscalls_cgroup_bitmaps_mutex of Sowa's patch): one owner at a
// time; a writer that finds it held does not get it and must retry (in the kernel: sleep until mutex_unlock).
// Contention is counted so a two-CPU test can show that writers were serialised.

export class Mutex {
  readonly name: string;
  /** current holder (any object identifying the writer), null when free */
  owner: unknown = null;
  acquisitions = 0;
  /** failed attempts: a writer found the mutex held by another */
  contended = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** mutex_trylock(): true if `owner` now holds it. Re-locking by the holder is a host error (no recursion). */
  tryLock(owner: unknown): boolean {
    if (this.owner === owner) throw new Error(`${this.name}: recursive lock`);
    if (this.owner !== null) {
      this.contended++;
      return false;
    }
    this.owner = owner;
    this.acquisitions++;
    return true;
  }

  /** mutex_lock() for a caller that cannot wait (the single-threaded host API): Error if held. */
  lock(owner: unknown): void {
    if (!this.tryLock(owner)) throw new Error(`${this.name}: held by another writer`);
  }

  unlock(owner: unknown): void {
    if (this.owner !== owner) throw new Error(`${this.name}: unlock by a non-owner`);
    this.owner = null;
  }

  get locked(): boolean {
    return this.owner !== null;
  }
}

/**
 * A seqlock as the RFC's control plane used it (`write_seqlock(&scg->seqlock)` around one set_bit/clear_bit of one
 * cgroup): the writer side takes the embedded spinlock and makes `sequence` odd; readers may retry on an odd or
 * changed sequence. It orders writers of *one* cgroup only: a check of the parent's bit followed by a set of
 * the child's bit is two critical sections on two locks, with nothing held in between.
 */
export class SeqLock {
  readonly name: string;
  /** even: no writer inside; odd: a writer is between write_seqlock and write_sequnlock */
  sequence = 0;
  owner: unknown = null;
  contended = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** write_seqlock as a try: false (counted) when another writer is inside. */
  tryWriteLock(owner: unknown): boolean {
    if (this.owner === owner) throw new Error(`${this.name}: recursive write_seqlock`);
    if (this.owner !== null) {
      this.contended++;
      return false;
    }
    this.owner = owner;
    this.sequence++;
    return true;
  }

  writeUnlock(owner: unknown): void {
    if (this.owner !== owner) throw new Error(`${this.name}: write_sequnlock by a non-owner`);
    this.sequence++;
    this.owner = null;
  }

  /** read_seqbegin (without the spin): the sequence a reader starts from */
  readBegin(): number {
    return this.sequence;
  }

  /** read_seqretry: the read must be repeated (a writer was inside or came in between) */
  readRetry(start: number): boolean {
    return (start & 1) === 1 || this.sequence !== start;
  }
}
