// The same static programs run natively, under QEMU user mode (`qemu-x86_64`, Debian's qemu-user) and under
// `syscall-lab exec` (the published command, compiled dist/): CPU seconds of each whole process (user + system, from
// /usr/bin/time), best of RUNS, all in one run so the ratios share the machine's load. Skipped with a message when
// qemu-x86_64 is not installed. Programs: the committed static fixtures test/fixtures/bin/checksum.musl (CPU-bound)
// and sowa-getuid.musl with 10^6 iterations of syscall(SYS_getuid) (syscall-bound); sources in test/fixtures/src/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BenchRecord, repoRoot, writeSuiteResults } from "./results.ts";

const RUNS = 3;
const root = repoRoot();
const bin = join(root, "bin", "syscall-lab.js");
const fixtures = join(root, "test", "fixtures", "bin");

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, cmd);
    if (dir !== "" && existsSync(p)) return p;
  }
  return undefined;
}

/** CPU seconds (user + system) of one child process and its standard output. */
function cpuSeconds(argv: string[]): { seconds: number; stdout: string } {
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", ...argv], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`qemu bench: ${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  const [u, s] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds: u! + s!, stdout: r.stdout };
}

function best(argv: string[]): { seconds: number; stdout: string } {
  let b = cpuSeconds(argv);
  for (let i = 1; i < RUNS; i++) {
    const r = cpuSeconds(argv);
    if (r.seconds < b.seconds) b = r;
  }
  return b;
}

const qemu = onPath("qemu-x86_64");
const notes = [`CPU seconds from /usr/bin/time (user + system), best of ${RUNS} runs, whole processes`];
const records: BenchRecord[] = [];
if (qemu === undefined) {
  console.log("qemu bench: skipped — qemu-x86_64 is not installed (Debian: apt-get install qemu-user)");
  notes.push("skipped: qemu-x86_64 not installed");
} else if (!existsSync(join(root, "dist", "src", "cli", "main.js"))) {
  console.error("qemu bench: dist/ is not built (npm run build)");
  process.exit(1);
} else {
  for (const [name, target, argv] of [
    [
      "CPU-bound (checksum over 16 MiB, many small calls)",
      "≤ 10× QEMU",
      [join(fixtures, "checksum.musl"), "16384"],
    ],
    [
      "syscall-bound (1 M getuid through syscall())",
      "≤ 2× QEMU",
      [join(fixtures, "sowa-getuid.musl"), "1000000"],
    ],
  ] as const) {
    const prog = [...argv];
    const native = best(prog);
    const q = best([qemu, ...prog]);
    const lab = best([process.execPath, bin, "exec", "--json", "--", ...prog]);
    const insns = (JSON.parse(lab.stdout) as { instructions: number }).instructions;
    const mips = insns / 1e6 / lab.seconds;
    console.log(
      `${name}\n  native ${native.seconds.toFixed(3)} s, qemu-x86_64 ${q.seconds.toFixed(3)} s, syscall-lab exec ` +
        `${lab.seconds.toFixed(2)} s CPU → ${(lab.seconds / q.seconds).toFixed(1)}× QEMU, ` +
        `${native.seconds >= 0.01 ? `${(lab.seconds / native.seconds).toFixed(0)}× native` : "native below the 10 ms resolution"}; ` +
        `${mips.toFixed(1)} guest MIPS per CPU s`,
    );
    records.push({
      suite: "qemu",
      name,
      hz: 1 / lab.seconds,
      meanNs: lab.seconds * 1e9,
      rme: 0,
      samples: RUNS,
      extra: {
        nativeCpuSeconds: native.seconds,
        qemuCpuSeconds: q.seconds,
        syscallLabCpuSeconds: lab.seconds,
        vsQemu: lab.seconds / q.seconds,
        guestInstructions: insns,
        guestMipsPerCpuSecond: mips,
        target,
      },
    });
  }
}
writeSuiteResults("qemu", records, notes);
