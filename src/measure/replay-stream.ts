// Replay of an strace log as a stream (docs/replay.md, "Long logs"): the log is read line by line and never held.
// The first pass (summarizeStrace) keeps per process only the line of its last replayable call, plus the calls
// strace split (`<unfinished ...>` … `<... resumed>`) and the counts the report needs; with `spill`, it also
// writes every call the replay will take, compacted, to a CallSpill, so that the replay reads them back instead of
// parsing the log a second time. The second pass
// runs inside the replay (the backend's ReplayFeed): each call read becomes a script entry and its machine code,
// appended to its task's program at the same address buildReplay gives it; a task is created when the log first
// shows its process and released (user memory, kernel stack, page tables) at its exit. A split call is taken up
// at its first line, in log order, from the first pass. Results are those of replayLog, exactly (gaps excepted:
// --gaps needs every timestamp first and runs through replayLog).
import { PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../cpu/memory.ts";
import { USER_STACK_SIZE, USER_STACK_TOP } from "../kernel/layout.ts";
import type { Machine } from "../kernel/machine.ts";
import { REPLAY_NR_SYSCALLS, type ReplayBackend, type ReplayFeed } from "../kernel/replay-backend.ts";
import type { Task } from "../kernel/task.ts";
import { type CompactCall, compactCall, replayCallOf, replayProgramEnds } from "../workload/replay.ts";
import { type StraceCall, StraceStream, type StraceUnparsed } from "../workload/strace.ts";
import { USER_TEXT_BASE } from "../workload/user-program.ts";
import type { LineReader } from "./input-file.ts";
import type { ReplayCosts } from "./replay-costs.ts";
import { replayCosts } from "./replay-costs.ts";
import { CallSpill, type SpilledCall, type SpillReader } from "./replay-spill.ts";
import type { ReplayCallRow, ReplayReport, ReplayRunOptions, ReplayTaskRow } from "./run-replay.ts";
import { addCallRows, bootReplayMachine, REPLAY_CGROUP, replayCgroup } from "./run-replay.ts";

const FORKS = new Set(["clone", "clone3", "fork", "vfork"]);

/** Calls the second pass reads ahead at a time. */
const FEED_BATCH = 256;

/** Unparsed lines a streamed replay keeps for its report (all are counted). */
export const STREAM_UNPARSED_KEPT = 10_000;

/** What the first pass keeps of a log: counts, and per process the line of its last replayable call. */
export interface StraceSummary {
  lines: number;
  parsedCalls: number;
  replayedCalls: number;
  /** parsed calls left out (no x86_64 number, or outside the table): per name */
  skipped: Map<string, number>;
  skippedCalls: number;
  unparsed: StraceUnparsed[];
  unparsedCount: number;
  events: number;
  messages: number;
  /** the pid the unprefixed lines belong to (parseStrace's nameInitialProcess), or null */
  root: number | null;
  /** pid (after root) → line of its last replayable call */
  lastLine: Map<number, number>;
  /** replayable calls strace split over lines, by their first line (compacted: no parsed arguments) */
  split: Map<number, CompactCall>;
  /** processes with a replayable call */
  processes: number;
  /** the calls the replay takes (summarizeStrace's `spill`), else null: the replay parses the log again */
  spill: CallSpill | null;
}

const replayable = (c: StraceCall) => c.nr >= 0 && c.nr < REPLAY_NR_SYSCALLS;

/** The first pass: reads every line once and keeps only what the second needs. */
export function summarizeStrace(
  lines: LineReader,
  options: { maxLineLength?: number; spill?: boolean } = {},
): StraceSummary {
  const spill = options.spill === true ? new CallSpill() : null;
  const s: StraceSummary = {
    lines: 0,
    parsedCalls: 0,
    replayedCalls: 0,
    skipped: new Map(),
    skippedCalls: 0,
    unparsed: [],
    unparsedCount: 0,
    events: 0,
    messages: 0,
    root: null,
    lastLine: new Map(),
    split: new Map(),
    processes: 0,
    spill,
  };
  const order: number[] = [];
  const children = new Set<number>();
  const stream = new StraceStream(
    {
      call: (c) => {
        s.parsedCalls++;
        if (c.pid === 0 && FORKS.has(c.name) && c.result !== null && c.result.value !== null)
          children.add(Number(c.result.value));
        if (!replayable(c)) {
          s.skippedCalls++;
          s.skipped.set(c.name, (s.skipped.get(c.name) ?? 0) + 1);
          return;
        }
        s.replayedCalls++;
        if (c.line > (s.lastLine.get(c.pid) ?? 0)) s.lastLine.set(c.pid, c.line);
        if (c.resumedLine !== undefined || c.unfinished === true) s.split.set(c.line, compactCall(c));
        else if (spill !== null) spill.add(compactCall(c), s.lines); // the replay pass takes it here
      },
      event: () => {
        s.events++;
      },
      unparsed: (u) => {
        s.unparsedCount++;
        if (s.unparsed.length < STREAM_UNPARSED_KEPT) s.unparsed.push(u);
      },
      message: () => {
        s.messages++;
      },
      process: (pid) => order.push(pid),
      line: (n) => {
        s.lines = n;
      },
    },
    options,
  );
  try {
    for (let l = lines.next(); l !== null; l = lines.next()) stream.push(l);
    stream.end();
    spill?.finish();
  } catch (e) {
    spill?.close();
    throw e;
  } finally {
    lines.close();
  }
  s.unparsed.sort((a, b) => a.line - b.line);
  if (order.includes(0) && children.size > 0) {
    const root = order.find((p) => p !== 0 && !children.has(p));
    if (root !== undefined) {
      s.root = root;
      const zero = s.lastLine.get(0);
      if (zero !== undefined) {
        s.lastLine.delete(0);
        s.lastLine.set(root, Math.max(zero, s.lastLine.get(root) ?? 0));
      }
    }
  }
  s.processes = s.lastLine.size;
  return s;
}

/** One traced process during the second pass. */
interface StreamProc {
  proc: number;
  pid: number;
  task: Task;
  /** where its next call's code goes (offset from USER_TEXT_BASE) */
  codeEnd: number;
  /** pages mapped for its code */
  pagesMapped: number;
  /** pages below this one were run through and are unmapped */
  pagesFreed: number;
  /** code offsets of its calls from number `startsBase` on */
  starts: number[];
  startsBase: number;
  calls: number;
}

/** The second pass: reads the log on as the replay needs calls (ReplayFeed). */
class StreamFeed implements ReplayFeed {
  readonly procs = new Map<number, StreamProc>();
  /** calls read so far */
  pushed = 0;
  /** processes whose last call read was denied: their next call must be written before they run on */
  private readonly needNext = new Set<number>();
  private readonly stream: StraceStream | null;
  /** with a spill: its reader, the call read ahead, and the split calls' first lines in order */
  private readonly spilled: SpillReader | null;
  private ahead: SpilledCall | null = null;
  private readonly splitLines: number[];
  private splitAt = 0;
  private done = false;
  private readonly ends = replayProgramEnds();
  readonly firstLine = new Map<number, number>();
  readonly nameOf = new Map<number, string>();

  constructor(
    private readonly machine: Machine,
    private readonly backend: ReplayBackend,
    private readonly summary: StraceSummary,
    private readonly lines: LineReader | null,
    private readonly costs: ReplayCosts,
    private readonly deny: ReadonlySet<number>,
    private readonly onTask: (t: Task, pid: number) => void,
  ) {
    this.spilled = summary.spill?.reader() ?? null;
    this.ahead = this.spilled?.next() ?? null;
    this.splitLines = [...summary.split.keys()].sort((a, b) => a - b);
    if (this.spilled === null && lines === null)
      throw new Error("replay: no log to read and no spilled calls");
    this.stream =
      this.spilled !== null
        ? null
        : new StraceStream({
            call: (c) => {
              if (c.resumedLine === undefined && c.unfinished !== true && replayable(c))
                this.take(compactCall(c));
            },
            event: () => {},
            unparsed: () => {},
            message: () => {},
            process: () => {},
            line: (n) => {
              const c = this.summary.split.get(n);
              if (c !== undefined) this.take(c);
            },
          });
  }

  more(): boolean {
    const before = this.pushed;
    if (this.spilled !== null) {
      // the takes of one log line at a time, as the parsing loop below makes them: the split call that starts on
      // the line (at its line callback), then the calls the parser delivered after taking the line up
      while (!this.done && (this.pushed - before < FEED_BATCH || this.needNext.size > 0)) {
        const split = this.splitLines[this.splitAt];
        const ahead = this.ahead;
        if (ahead === null && split === undefined) {
          this.done = true;
          break;
        }
        const n =
          ahead === null ? split! : split === undefined ? ahead.atLine : Math.min(split, ahead.atLine);
        if (split === n) {
          this.take(this.summary.split.get(n)!);
          this.splitAt++;
        }
        while (this.ahead !== null && this.ahead.atLine === n) {
          this.take(this.ahead.call);
          this.ahead = this.spilled.next();
        }
      }
      return this.pushed > before;
    }
    const stream = this.stream!;
    const lines = this.lines!;
    // a batch at a time: each append to a program drops the decoded instructions of its page, so fewer, larger
    // appends decode less (reading ahead creates tasks earlier, which changes no result: a task waits in the run
    // queue until the log's order picks it)
    while (!this.done && (this.pushed - before < FEED_BATCH || this.needNext.size > 0)) {
      const l = lines.next();
      if (l === null) {
        stream.end();
        lines.close();
        this.done = true;
      } else stream.push(l);
    }
    return this.pushed > before;
  }

  /** Writes `bytes` at the end of the process's program, mapping its pages as it grows. */
  private write(p: StreamProc, bytes: Uint8Array): void {
    const end = p.codeEnd + bytes.length;
    const pages = Math.ceil(end / PAGE_SIZE);
    if (pages > p.pagesMapped) {
      p.task.space.map(
        Number(USER_TEXT_BASE) + p.pagesMapped * PAGE_SIZE,
        (pages - p.pagesMapped) * PAGE_SIZE,
        PTE_U | PTE_W,
      );
      p.pagesMapped = pages;
    }
    p.task.space.writeBytes(Number(USER_TEXT_BASE) + p.codeEnd, bytes);
    p.codeEnd = end;
  }

  /**
   * Unmaps the pages of a program its task has run through (the code before its current call's; programs never
   * branch back), so that a process with millions of calls holds a few pages, not all its code.
   */
  private dropRun(p: StreamProc): void {
    const cur = this.backend.entered(p.proc) - 1;
    if (cur <= p.startsBase) return;
    const k = cur - p.startsBase;
    const page = Math.floor(p.starts[k]! / PAGE_SIZE);
    p.starts = p.starts.slice(k);
    p.startsBase = cur;
    if (page <= p.pagesFreed) return;
    p.task.space.unmap(Number(USER_TEXT_BASE) + p.pagesFreed * PAGE_SIZE, (page - p.pagesFreed) * PAGE_SIZE);
    p.pagesFreed = page;
  }

  /** A process whose task has exited and been released: nothing of it is kept. */
  forget(pid: number): void {
    this.procs.delete(pid);
  }

  private take(c: CompactCall): void {
    const pid = c.pid === 0 && this.summary.root !== null ? this.summary.root : c.pid;
    let p = this.procs.get(pid);
    if (p === undefined) {
      const proc = this.backend.addProcess(pid);
      const task = this.machine.createTask({
        name: `pid ${pid}`,
        // the layout createTask gives a flat image: the program at USER_TEXT_BASE, a zeroed stack
        image: (space) => {
          space.map(USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_U | PTE_W | PTE_NX);
          return { entry: Number(USER_TEXT_BASE), rsp: USER_STACK_TOP - 64, brk: Number(USER_TEXT_BASE) };
        },
      });
      this.backend.bind(task, proc);
      p = { proc, pid, task, codeEnd: 0, pagesMapped: 0, pagesFreed: 0, starts: [], startsBase: 0, calls: 0 };
      this.procs.set(pid, p);
      this.write(p, this.ends.prologue);
      this.onTask(task, pid);
    }
    const last = this.summary.lastLine.get(pid) === c.line;
    this.dropRun(p);
    p.starts.push(p.codeEnd);
    this.write(p, c.code);
    if (last) this.write(p, this.ends.epilogue);
    this.needNext.delete(p.proc);
    if (this.deny.has(c.nr) && !last) this.needNext.add(p.proc);
    this.backend.push(p.proc, replayCallOf(c, this.costs), last);
    p.calls++;
    this.pushed++;
    if (!this.firstLine.has(c.nr)) {
      this.firstLine.set(c.nr, c.line);
      this.nameOf.set(c.nr, c.name);
    }
  }
}

/**
 * Replays a log streamed from `lines` (the second pass; `summary` is the first's): the report replayLog gives for
 * the whole log, without holding it. Gaps are not available here.
 */
export function replayStream(
  summary: StraceSummary,
  /** the log again (null when the summary has the calls spilled: then it is not read again) */
  lines: LineReader | null,
  opts: Omit<ReplayRunOptions, "plan" | "after" | "gaps" | "gapCap"> & {
    /** runs after the machine stopped (every replayed task released by then) */
    after?: (machine: Machine) => void;
  },
): ReplayReport {
  if (summary.replayedCalls === 0) throw new Error("replay: the trace has no replayable call");
  const { machine, design, deny, tifs } = bootReplayMachine(opts, null);
  const backend = machine.replay!;
  const api = deny.length > 0 ? replayCgroup(machine, deny) : null;
  const taskRows: ReplayTaskRow[] = [];
  const rowOf = new Map<Task, ReplayTaskRow>();
  const feed = new StreamFeed(
    machine,
    backend,
    summary,
    lines,
    replayCosts(opts.profile),
    new Set(deny),
    (t, pid) => {
      for (const f of tifs) t.tif.set(f.bit);
      api?.move(t, REPLAY_CGROUP);
      const row: ReplayTaskRow = {
        pid,
        taskPid: t.pid,
        calls: 0,
        userCycles: 0,
        sysCycles: 0,
        exitCode: null,
        killedBy: null,
      };
      taskRows.push(row);
      rowOf.set(t, row);
    },
  );
  const rows = new Map<number, ReplayCallRow>();
  let userCycles = 0;
  let sysCycles = 0;
  let entered = 0;
  let killed = 0;
  let firstKill = "";
  /** a task's figures, once it has exited (or at the end, for one that never did) */
  const fold = (t: Task, proc: number) => {
    addCallRows(rows, backend, t, feed.nameOf);
    userCycles += t.acct.userCycles;
    sysCycles += t.acct.sysCycles;
    entered += backend.entered(proc);
    const row = rowOf.get(t)!;
    row.calls = backend.callCount(proc);
    row.userCycles = t.acct.userCycles;
    row.sysCycles = t.acct.sysCycles;
    row.exitCode = t.exitCode;
    row.killedBy = t.killedBy;
    if (t.killedBy !== null) {
      killed++;
      if (firstKill === "")
        firstKill = `pid ${row.pid}: signal ${t.killedBy}${t.fault !== null ? `, ${t.fault.detail}` : ""}`;
    }
    rowOf.delete(t);
  };
  backend.onExit = (t, proc) => {
    const pid = rowOf.get(t)!.pid;
    fold(t, proc);
    feed.forget(pid);
    machine.releaseTask(t);
  };
  backend.setFeed(feed);
  try {
    if (!feed.more()) throw new Error("replay: the trace has no replayable call");
    const result = machine.run({ maxInstructions: Number.MAX_SAFE_INTEGER });
    if (result.reason === "fault")
      throw new Error(`replay: the machine stopped: ${machine.oops ?? result.stop.kind}`);
    if (result.reason !== "exited") throw new Error(`replay: the run ended early (${result.reason})`);
  } finally {
    lines?.close();
  }
  opts.after?.(machine);
  // a task that did not reach its final exit_group through sys_replay (killed): its figures as they stand
  for (const p of feed.procs.values()) if (rowOf.has(p.task)) fold(p.task, p.proc);
  if (killed > 0)
    throw new Error(
      `replay: ${killed} replayed task(s) were killed (first: ${firstKill}; guest memory ran out, or the log was read out of step)`,
    );
  const calls = [...rows.values()].sort(
    (a, b) => (feed.firstLine.get(a.nr) ?? Infinity) - (feed.firstLine.get(b.nr) ?? Infinity) || a.nr - b.nr,
  );
  const skipped: Record<string, number> = Object.create(null);
  for (const [name, n] of summary.skipped) skipped[name] = n;
  const report: ReplayReport = {
    design: design.id,
    profile: opts.profile.name,
    flavour: machine.flavour,
    pti: machine.pti,
    processes: taskRows.length,
    parsedCalls: summary.parsedCalls,
    replayedCalls: summary.replayedCalls,
    skipped,
    skippedCalls: summary.skippedCalls,
    unparsedCount: summary.unparsedCount,
    unparsed: summary.unparsed,
    denied: entered - backend.served,
    cgroupDeny: deny,
    gaps: { enabled: false, instructions: 0, capped: 0, capInstructions: 0, relativeTimes: false },
    calls,
    callSysCycles: calls.reduce((n, r) => n + r.sysCycles, 0),
    callCycles: calls.reduce((n, r) => n + r.cycles, 0),
    userCycles,
    sysCycles,
    totalCycles: userCycles + sysCycles,
    contextSwitches: machine.scheds.reduce((n, s) => n + s.switches, 0),
    mismatches: backend.mismatches,
    tasks: taskRows,
  };
  // the caller never saw the machine (no `after` hook): its RAM goes to the next boot
  if (opts.after === undefined) machine.release();
  return report;
}
