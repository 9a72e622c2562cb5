// The fuzz targets: one per input format, each an input generator (fast-check arbitraries over mutated real
// samples, hostile seeds and random bytes) and a run function calling the real parser / validator / command.
// A run either returns (accepted, or a clean error: a result that reports bad input, a known input-error class) or
// throws an unexpected exception: a host exception, a finding.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import fc from "fast-check";
import { getDesign } from "../../src/cgroup/designs/index.ts";
import { registerCommands } from "../../src/cli/commands.ts";
import { describeFailure } from "../../src/cli/describe-failure.ts";
import { EXIT_INTERNAL } from "../../src/cli/exit-codes.ts";
import { runScript } from "../../src/cli/script.ts";
import { Cpu } from "../../src/cpu/cpu.ts";
import { UNIT_COSTS } from "../../src/cpu/insn-class.ts";
import { AddressSpace, PhysicalMemory, PTE_NX, PTE_U, PTE_W } from "../../src/cpu/memory.ts";
import { RSP } from "../../src/cpu/registers.ts";
import { GuestLimitError, setDefaultGuestLimits } from "../../src/kernel/guest-limits.ts";
import { Machine } from "../../src/kernel/machine.ts";
import { seccompPrepareFilter } from "../../src/kernel/seccomp/checker.ts";
import { FilterFileError, parseFilterBytes } from "../../src/kernel/seccomp/filter-file.ts";
import { runFilter } from "../../src/kernel/seccomp/interpreter.ts";
import { ExperimentError, expandPoints, validateExperiment } from "../../src/measure/experiment.ts";
import { checkAgainst, readBaseline } from "../../src/measure/gate.ts";
import { InputFileError } from "../../src/measure/input-file.ts";
import { compileProfile, getProfile } from "../../src/measure/profile.ts";
import { buildTables, loadSweep } from "../../src/measure/report.ts";
import { planReplay } from "../../src/measure/run-replay.ts";
import { ElfError, loadPlan, parseElf } from "../../src/workload/elf.ts";
import { parseStrace } from "../../src/workload/strace.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, ROOT));
const readText = (p: string) => read(p).toString("utf8");

export type Outcome = "accepted" | "clean";

export interface FuzzTarget {
  name: string;
  /** relative share of the campaign's batches */
  weight: number;
  /** inputs per batch: fast targets run many per batch, slow ones (a machine per input) few */
  batch: number;
  seeds: readonly unknown[];
  arb: fc.Arbitrary<unknown>;
  run(input: unknown): Outcome | Promise<Outcome>;
}

// ---- generators ----

/** Characters the hostile cases are made of: every Unicode space, controls, quotes, brackets, digits, BOM. */
const HOSTILE_CHARS = [
  "\uFEFF",
  "\v",
  "\f",
  "\u00A0",
  "\u2028",
  "\u2029",
  "\u0085",
  "\u3000",
  "\0",
  "\r",
  "\t",
  "\n",
  " ",
  '"',
  "'",
  "\\",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  "<",
  ">",
  "=",
  "|",
  ",",
  ":",
  "#",
  "-",
  "0",
  "08",
  "0x",
  "9",
  "e308",
  "1e308",
  "NaN",
  "-1",
  "18446744073709551616",
  "__proto__",
  "constructor",
  "toString",
  "...",
  "/*",
  "*/",
  "\u{1F600}",
];

/** Edits of a sample: insert a hostile token, delete a range, duplicate a range, swap in a random string. */
function mutated(corpus: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({
    kind: fc.integer({ min: 0, max: 4 }),
    at: fc.nat(),
    len: fc.nat({ max: 64 }),
    token: fc.oneof(fc.constantFrom(...HOSTILE_CHARS), fc.string({ maxLength: 8, unit: "binary" })),
  });
  return fc.tuple(fc.constantFrom(...corpus), fc.array(edit, { maxLength: 8 })).map(([s, edits]) => {
    let out = s;
    for (const e of edits) {
      const at = out.length === 0 ? 0 : e.at % (out.length + 1);
      if (e.kind === 0) out = out.slice(0, at) + e.token + out.slice(at);
      else if (e.kind === 1) out = out.slice(0, at) + out.slice(at + e.len);
      else if (e.kind === 2) out = out.slice(0, at) + out.slice(at, at + e.len).repeat(3) + out.slice(at);
      else if (e.kind === 3) out = out.slice(0, at) + e.token.repeat(1 + (e.len % 16)) + out.slice(at + 1);
      else out = out.slice(0, at) + out.slice(at).replace(/\d+/, e.token);
    }
    return out;
  });
}

function mutatedBytes(corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({
    at: fc.nat(),
    len: fc.nat({ max: 16 }),
    v: fc.integer({ min: 0, max: 255 }),
    kind: fc.nat({ max: 3 }),
  });
  return fc.tuple(fc.constantFrom(...corpus), fc.array(edit, { maxLength: 12 })).map(([b, edits]) => {
    const out = Uint8Array.from(b);
    for (const e of edits) {
      if (out.length === 0) break;
      const at = e.at % out.length;
      if (e.kind === 0) out[at] = e.v;
      else if (e.kind === 1) out[at] = out[at]! ^ (1 << (e.v & 7));
      else if (e.kind === 2) out.fill(e.v, at, at + e.len);
      else out.fill(0xff, at, at + e.len);
    }
    return out;
  });
}

/** Structured JSON with hostile leaves: huge, negative, non-finite-as-text numbers, prototype keys, deep nesting. */
const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(
      0,
      -1,
      1e308,
      -1e308,
      1e-320,
      2 ** 53 + 1,
      1_000_000,
      1_000_000_000,
      0.5,
      null,
      true,
      "",
      "x",
    ),
    fc.constantFrom("__proto__", "constructor", "toString", "none", "sandybridge-2011", "filtered", "null"),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 12 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "constructor")),
      tie("value"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

/** A sample JSON object with some of its fields replaced by hostile values. */
function mutatedJson(sample: unknown): fc.Arbitrary<string> {
  const paths: string[][] = [];
  const walk = (v: unknown, p: string[]) => {
    paths.push(p);
    if (v !== null && typeof v === "object")
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        if (paths.length < 400) walk(x, [...p, k]);
  };
  walk(sample, []);
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), hostileJsonValue, fc.boolean()), { maxLength: 4 })
    .map((edits) => {
      const copy = structuredClone(sample) as Record<string, unknown>;
      let root: unknown = copy;
      for (const [path, v, del] of edits) {
        if (path.length === 0) {
          root = v;
          continue;
        }
        let o = root as Record<string, unknown> | null;
        for (const k of path.slice(0, -1))
          o = o !== null && typeof o === "object" ? (o[k] as Record<string, unknown>) : null;
        if (o === null || typeof o !== "object") continue;
        const last = path.at(-1)!;
        if (del) delete o[last];
        else
          Object.defineProperty(o, last, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return JSON.stringify(root);
    });
}

const textOf = (corpus: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: mutated(corpus) },
    { weight: 2, arbitrary: fc.string({ maxLength: 400, unit: "binary" }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: fc.constantFrom(...HOSTILE_CHARS) }) },
  );

// ---- per-input scratch files (formats that are read from a path) ----

const SCRATCH = join("/dev/shm", `syscall-lab-fuzz-${process.pid}`);
function scratchFile(name: string, content: string | Uint8Array): string {
  mkdirSync(SCRATCH, { recursive: true });
  const p = join(SCRATCH, name);
  writeFileSync(p, content);
  return p;
}
export function removeScratch(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
}

/** Known input-error classes: a clean rejection. Anything else thrown is a host exception. */
function clean(e: unknown): Outcome {
  if (
    e instanceof ElfError ||
    e instanceof FilterFileError ||
    e instanceof ExperimentError ||
    e instanceof InputFileError ||
    e instanceof GuestLimitError
  )
    return "clean";
  const f = describeFailure(e);
  if (f.code !== EXIT_INTERNAL) return "clean";
  throw e;
}

/** Validators of the model's own files report bad input as Error with a message that names the file or field. */
function cleanMessage(e: unknown, pattern: RegExp): Outcome {
  if (
    e instanceof Error &&
    !(e instanceof TypeError) &&
    !(e instanceof RangeError) &&
    pattern.test(e.message)
  )
    return "clean";
  return clean(e);
}

// ---- corpora ----

const STRACE_LOGS = ["ls.log", "pipe.log", "signal.log", "fork.log", "bracket.log", "edge.log"].map((f) =>
  readText(`test/fixtures/strace/${f}`),
);
const STRACE_LINES = STRACE_LOGS.flatMap((l) => l.split("\n").filter((x) => x !== ""));
const STRACE_CORPUS = [
  ...STRACE_LINES.slice(0, 300),
  ...STRACE_LOGS.map((l) => l.split("\n").slice(0, 30).join("\n")),
];
const SCENARIOS = [
  "sowa-semantics",
  "fork-and-move",
  "denied-calls",
  "denied-calls-eperm",
  "not-enforced",
].map((f) => readText(`examples/scripts/${f}.scen`));
const BPF_TEXT = [readText("examples/bpf/getppid-errno.ddd"), readText("examples/bpf/bad.ddd")];
const PROFILE = JSON.parse(JSON.stringify(getProfile("sandybridge-2011").spec)) as unknown;
const EXPERIMENT = JSON.parse(readText("experiments/2011-question.json")) as unknown;
const BASELINE = JSON.parse(readText("bench/baseline.json")) as unknown;
const ELF_CORPUS = ["hello.musl", "cat.musl", "forkpipe.musl", "hostile/fork-wait"].map(
  (f) => new Uint8Array(read(`test/fixtures/bin/${f}`)),
);
const RESULT_LINE = {
  id: "0123456789abcdef",
  experiment: "fuzz",
  config: {
    design: "cgroup-walk",
    workload: "sowa-micro",
    depth: 1,
    mode: "filtered",
    profile: "sandybridge-2011",
    flavour: "linux-3.1",
    count: 200,
    gap: 0,
    denied: 1,
    errno: "ENOSYS",
  },
  cyclesPerCall: 512.5,
  sysCyclesPerCall: 400,
  baselineCyclesPerCall: 480,
  sysOverheadPct: 6.6,
  totalOverheadPct: 6.7,
};

// ---- targets ----

let straceRuns = 0;
const strace: FuzzTarget = {
  name: "strace",
  weight: 4,
  batch: 400,
  seeds: [
    "100 getuid() = 08",
    '100 chmod("/x", 0789) = 0',
    "\uFEFF100 getpid() = 1",
    '100 read(3, "\\x", 1) = 1',
  ],
  arb: textOf(STRACE_CORPUS),
  run(input) {
    const log = parseStrace(input as string);
    // planning a replay (the generated programs, --gaps at the largest cap) for one log in ten
    if (log.calls.length > 0 && (input as string).length < 4000 && straceRuns++ % 10 === 0) {
      try {
        planReplay(log, getProfile("sandybridge-2011"), true, 100_000);
      } catch (e) {
        return cleanMessage(e, /^(replay|buildReplay):/);
      }
    }
    return "accepted";
  },
};

const bpf: FuzzTarget = {
  name: "bpf",
  weight: 4,
  batch: 600,
  seeds: [new Uint8Array(0), new Uint8Array(8), "1\n6 0 0 0\n", "4096\n", "ld [0]\n"],
  arb: fc.oneof(
    textOf(BPF_TEXT),
    mutatedBytes([new Uint8Array(Buffer.from("0600000000000000200000000000000015000100", "hex"))]),
    fc.uint8Array({ maxLength: 96 }),
  ),
  run(input) {
    const bytes = typeof input === "string" ? new TextEncoder().encode(input) : (input as Uint8Array);
    let prog: ReturnType<typeof parseFilterBytes>;
    try {
      prog = parseFilterBytes(bytes);
    } catch (e) {
      return clean(e);
    }
    const r = seccompPrepareFilter(prog.prog);
    if (!r.ok) return "clean";
    const data = new Uint32Array(16);
    data[0] = 39;
    data[1] = 0xc000003e;
    runFilter(r.filter, data);
    return "accepted";
  },
};

const scenario: FuzzTarget = {
  name: "scenario",
  weight: 2,
  batch: 10,
  seeds: [
    `\uFEFF${SCENARIOS[0]}`,
    SCENARIOS[1]!.replace(/ /g, "\v"),
    SCENARIOS[1]!.replace(/ /g, "\f"),
    SCENARIOS[1]!.replace(/ /g, "\u00A0"),
    SCENARIOS[1]!.replace(/\n/g, "\u2028"),
    "constructor a b\n",
    "__proto__\n",
  ],
  arb: textOf(SCENARIOS.map((s) => s.slice(0, 600))),
  run(input) {
    const r = runScript(input as string, { file: "fuzz.scen" });
    if (![0, 1, 2].includes(r.exitCode)) throw new Error(`script exit code ${r.exitCode}`);
    return r.exitCode === 2 ? "clean" : "accepted";
  },
};

const profile: FuzzTarget = {
  name: "profile",
  weight: 3,
  batch: 300,
  seeds: [
    JSON.stringify({ ...(PROFILE as object), load: { value: 1e308, source: "x" } }),
    JSON.stringify({ ...(PROFILE as object), __proto__: { x: 1 } }),
    "{}",
    "null",
  ],
  arb: fc.oneof(mutatedJson(PROFILE), textOf([JSON.stringify(PROFILE).slice(0, 500)])),
  run(input) {
    let json: unknown;
    try {
      json = JSON.parse(input as string);
    } catch {
      return "clean";
    }
    try {
      const p = compileProfile(json as never, "fuzz");
      for (const v of [...Object.values(p.costs.classes), ...Object.values(p.natives), p.clockHz])
        if (!Number.isFinite(v)) throw new Error(`accepted a non-finite cost ${v}`);
      return "accepted";
    } catch (e) {
      return cleanMessage(e, /^cost profile/);
    }
  },
};

const experiment: FuzzTarget = {
  name: "experiment",
  weight: 2,
  batch: 60,
  seeds: [JSON.stringify({ ...(EXPERIMENT as object), axes: { depths: [1000000] } }), "{}", "[]"],
  arb: fc.oneof(mutatedJson(EXPERIMENT), textOf([JSON.stringify(EXPERIMENT).slice(0, 600)])),
  run(input) {
    let json: unknown;
    try {
      json = JSON.parse(input as string);
    } catch {
      return "clean";
    }
    try {
      const exp = validateExperiment(json, "fuzz.json", "/tmp");
      expandPoints(exp);
      return "accepted";
    } catch (e) {
      return clean(e);
    }
  },
};

let currentBaseline: ReturnType<typeof readBaseline> | undefined;
const baseline: FuzzTarget = {
  name: "baseline",
  weight: 2,
  batch: 60,
  seeds: [
    JSON.stringify({ ...(BASELINE as object), points: {} }),
    JSON.stringify({ ...(BASELINE as object), points: null }),
    JSON.stringify({ ...(BASELINE as object), points: { x: -1 } }),
  ],
  arb: mutatedJson(BASELINE),
  run(input) {
    currentBaseline ??= readBaseline(fileURLPath("bench/baseline.json"));
    const current = currentBaseline;
    let base: ReturnType<typeof readBaseline>;
    try {
      base = readBaseline(scratchFile("baseline.json", input as string));
    } catch (e) {
      return cleanMessage(e, /baseline/);
    }
    checkAgainst(base, current, 0);
    return "accepted";
  },
};

const resultsLine: FuzzTarget = {
  name: "results-line",
  weight: 2,
  batch: 60,
  seeds: ["{}", JSON.stringify({ ...RESULT_LINE, cyclesPerCall: "x" })],
  arb: fc
    .array(fc.oneof(mutatedJson(RESULT_LINE), textOf([JSON.stringify(RESULT_LINE)])), {
      minLength: 1,
      maxLength: 4,
    })
    .map((lines) => `${lines.join("\n")}\n`),
  run(input) {
    mkdirSync(SCRATCH, { recursive: true });
    scratchFile("results.jsonl", input as string);
    let sweep: ReturnType<typeof loadSweep>;
    try {
      sweep = loadSweep(SCRATCH);
    } catch (e) {
      return cleanMessage(e, /results|summary/);
    }
    buildTables(sweep.results);
    return "accepted";
  },
};

const designId: FuzzTarget = {
  name: "design-id",
  weight: 2,
  batch: 800,
  seeds: ["constructor", "__proto__", "toString", "hasOwnProperty", "", "none"],
  arb: fc.oneof(
    fc.string({ maxLength: 24 }),
    fc.constantFrom("constructor", "__proto__", "toString", "valueOf", "cgroup-walk", "none", "seccomp-bpf"),
  ),
  run(input) {
    let d: ReturnType<typeof getDesign>;
    try {
      d = getDesign(input as string);
    } catch (e) {
      return cleanMessage(e, /design/);
    }
    if (typeof d.kernel !== "function") throw new Error(`getDesign('${input}') returned a non-design`);
    return "accepted";
  },
};

const elf: FuzzTarget = {
  name: "elf",
  weight: 3,
  batch: 400,
  seeds: [new Uint8Array(0), Uint8Array.from(Buffer.from("7f454c46", "hex")), ELF_CORPUS[0]!.slice(0, 64)],
  arb: fc.oneof(
    { weight: 5, arbitrary: mutatedBytes(ELF_CORPUS) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  ),
  run(input) {
    const bytes = input as Uint8Array;
    try {
      const img = parseElf(bytes);
      loadPlan(bytes, img);
      return "accepted";
    } catch (e) {
      return clean(e);
    }
  },
};

/** Guest instruction bytes at CPL 3 on a bare CPU (decoder and interpreter; faults end the run). */
const insnBytes: FuzzTarget = {
  name: "insn-bytes",
  weight: 4,
  batch: 200,
  seeds: [
    Uint8Array.of(0xeb, 0xfe), // jmp . (a pure loop: the budget ends it)
    Uint8Array.of(0x0f, 0x05), // syscall with no kernel
    Uint8Array.of(0xf3, 0x48, 0xab), // rep stos with whatever rcx holds
    Uint8Array.of(0x0f, 0x0b), // ud2
    Uint8Array.of(0xcd, 0x80),
  ],
  arb: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  run(input) {
    const phys = new PhysicalMemory({ maxBytes: 1024 * 1024 });
    const space = new AddressSpace(phys, 0x1000);
    phys.allocFrame();
    space.map(0x400000, 0x1000, PTE_U | PTE_W);
    space.map(0x600000, 0x2000, PTE_U | PTE_W | PTE_NX);
    space.writeBytes(0x400000, input as Uint8Array);
    const cpu = new Cpu({ space, costs: UNIT_COSTS });
    cpu.cpl = 3;
    cpu.setRip(0x400000);
    cpu.setReg(RSP, 0x602000);
    cpu.run(2000);
    return "accepted";
  },
};

/** Guest instruction bytes as a user program on a booted kernel: syscalls with random arguments, faults, signals. */
let guestMachine: Machine | null = null;
let guestRuns = 0;
const guestBytes: FuzzTarget = {
  name: "guest-program",
  weight: 2,
  batch: 15,
  seeds: [
    // mov $57, %eax; syscall; jmp back: a fork bomb
    Uint8Array.of(0xb8, 57, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7),
    // mov $9, %eax; mov $-1, %rsi; syscall; jmp back: a failing mmap loop
    Uint8Array.of(0xb8, 9, 0, 0, 0, 0x48, 0xc7, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x05, 0xeb, 0xf0),
    // mov $1, %eax; mov $1, %edi; mov $65536, %edx; syscall; jmp back: a write flood from address 0
    Uint8Array.of(0xb8, 1, 0, 0, 0, 0xbf, 1, 0, 0, 0, 0xba, 0, 0, 1, 0, 0x0f, 0x05, 0xeb, 0xed),
  ],
  arb: fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 48 }),
    // a syscall with random registers: mov $nr,%eax; mov $a,%edi; mov $b,%esi; mov $c,%edx; syscall; then bytes
    fc
      .tuple(fc.nat({ max: 330 }), fc.integer(), fc.integer(), fc.integer(), fc.uint8Array({ maxLength: 16 }))
      .map(([nr, a, b, c, tail]) => {
        const out = new Uint8Array(22 + tail.length);
        const dv = new DataView(out.buffer);
        out[0] = 0xb8;
        dv.setUint32(1, nr, true);
        out[5] = 0xbf;
        dv.setInt32(6, a, true);
        out[10] = 0xbe;
        dv.setInt32(11, b, true);
        out[15] = 0xba;
        dv.setInt32(16, c, true);
        out[20] = 0x0f;
        out[21] = 0x05;
        out.set(tail, 22);
        return out;
      }),
  ),
  run(input) {
    // a machine serves many programs; a pure user loop cannot be killed (no timer interrupt), so a program still
    // running after its budget retires the machine
    if (guestMachine === null || guestRuns++ >= 200) {
      guestMachine = Machine.boot({
        limits: { memoryBytes: 32 * 1024 * 1024, maxTasks: 16 },
        output: () => {},
      });
      guestRuns = 0;
    }
    const m = guestMachine;
    const t = m.createTask({
      name: "fuzz",
      image: { base: 0x400000n, bytes: input as Uint8Array, entry: 0x400000n },
    });
    const r = m.run({ maxInstructions: 3000 });
    if (r.reason === "fault") throw new Error(`kernel oops: ${m.oops}`);
    const alive = m.tasks.filter((x) => !x.exited);
    if (alive.length > 0) {
      for (const x of alive) m.kill(x, 9);
      m.run({ maxInstructions: 3000 });
    }
    if (m.tasks.some((x) => !x.exited)) guestMachine = null;
    else for (const x of [...m.tasks]) m.releaseTask(x);
    void t;
    return "accepted";
  },
};

/** Command lines through the real command definitions, in process, with small guest limits. */
const CLI_WORDS = {
  commands: [
    ["run"],
    ["trace"],
    ["exec"],
    ["script"],
    ["replay"],
    ["bpf", "check"],
    ["bpf", "run"],
    ["profile", "show"],
    ["demo"],
  ],
  options: [
    "-w",
    "--workload",
    "-n",
    "--count",
    "-g",
    "--gap",
    "-p",
    "--profile",
    "--tif",
    "--flavour",
    "--pti",
    "--json",
    "-d",
    "--design",
    "--errno",
    "--cgroup",
    "--deny",
    "--file",
    "--stdin",
    "--env",
    "--gaps",
    "--gap-cap",
    "--cgroup-deny",
    "--nr",
    "--arch",
    "--args",
    "--ip",
    "--calls",
    "--user",
    "--max-insns",
    "--timeout",
    "--memory",
    "--",
    "-",
  ],
  values: [
    "null",
    "sowa-micro",
    "lat-null",
    "constructor",
    "__proto__",
    "toString",
    "/dev/zero",
    "/dev/null",
    "/tmp",
    "/nonexistent",
    "-1",
    "0",
    "1",
    "08",
    "1e308",
    "NaN",
    "999999999999999999999",
    "",
    " ",
    "\uFEFF",
    "audit",
    "trace",
    "linux-generic",
    "linux-3.1",
    "ENOSYS",
    "EPERM",
    "cgroup-walk",
    "seccomp-bpf",
    "x86_64",
    "i386",
    "1,2,3",
    "a:b",
    "/x:/y:rw",
    "test/fixtures/bin/hello.musl",
    "test/fixtures/bin/hostile/loop",
    "test/fixtures/bin/hostile/write-flood",
    "test/fixtures/bin/hostile/forkbomb",
    "examples/bpf/bad.ddd",
    "examples/scripts/denied-calls.scen",
    "test/fixtures/strace/fork.log",
    "16M",
    "1G",
    "2e9",
    "0.01",
  ],
};
const cliArgv = fc
  .tuple(
    fc.constantFrom(...CLI_WORDS.commands),
    fc.array(
      fc.oneof(
        fc.constantFrom(...CLI_WORDS.options),
        fc.constantFrom(...CLI_WORDS.values),
        fc.string({ maxLength: 6 }),
      ),
      {
        maxLength: 8,
      },
    ),
  )
  .map(([cmd, rest]) => [...cmd, ...rest]);

const HAS_LIMITS = new Set(["run", "trace", "exec", "script", "replay"]);
const cli: FuzzTarget = {
  name: "cli-args",
  weight: 1,
  batch: 3,
  seeds: [
    ["bpf", "check", "/dev/zero"],
    ["exec", "test/fixtures/bin/hostile/loop", "--stdin", "/dev/zero"],
    ["exec", "--design", "constructor", "test/fixtures/bin/hello.musl"],
    ["script", "--design", "__proto__", "examples/scripts/denied-calls.scen"],
    ["replay", "--gaps", "--gap-cap", "100000", "test/fixtures/strace/fork.log"],
    ["run", "-w", "constructor"],
  ],
  arb: cliArgv,
  async run(input) {
    // relative fixture paths are relative to the repository
    const root = fileURLPath(".");
    const argv = (input as string[]).map((a) => (/^(test|examples)\//.test(a) ? root + a : a));
    // small limits: appended after the generated words (a generated --max-insns is validated first)
    if (HAS_LIMITS.has(argv[0]!)) argv.push("--max-insns", "200000", "--timeout", "2", "--memory", "32M");
    const program = new Command()
      .name("syscall-lab")
      .exitOverride()
      .configureOutput({
        writeOut: () => {},
        writeErr: () => {},
      });
    registerCommands(program);
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = (() => true) as typeof out;
    process.stderr.write = (() => true) as typeof err;
    const code = process.exitCode;
    try {
      await program.parseAsync(["node", "syscall-lab", ...argv]);
      const c = process.exitCode ?? 0;
      if (c === EXIT_INTERNAL) throw new Error(`exit code 3 for ${JSON.stringify(argv)}`);
      return c === 0 || c === 1 ? "accepted" : "clean";
    } catch (e) {
      if (e instanceof Error && e.name === "CommanderError") return "clean";
      return clean(e);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      process.exitCode = code;
      setDefaultGuestLimits({});
    }
  },
};

function fileURLPath(p: string): string {
  return new URL(p, ROOT).pathname;
}

export const TARGETS: readonly FuzzTarget[] = [
  strace,
  bpf,
  scenario,
  profile,
  experiment,
  baseline,
  resultsLine,
  designId,
  elf,
  insnBytes,
  guestBytes,
  cli,
];
