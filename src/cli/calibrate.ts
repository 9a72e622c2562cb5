import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calibratedProfile, measureHost } from "../measure/calibrate.ts";
import { buildProbe, findCompiler } from "../measure/calibrate-probe.ts";
import { compileProfile } from "../measure/profile.ts";
import type { RealCapture } from "../measure/validation.ts";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
import { UsageError } from "./output.ts";

/** calibrate's exit code when the host has no C compiler (nothing measured, nothing written): the table's 2. */
export const EXIT_NO_COMPILER = EXIT_USAGE;

export interface CalibrateResult {
  exitCode: number;
  message: string;
}

/**
 * `syscall-lab calibrate --out DIR`: build calibrate/probe.c, measure the primitives and the validation set-ups,
 * write DIR/calibrated.profile.json (a --profile file) and DIR/real.json (for validate --real --real-data).
 */
export function runCalibrate(outDir: string, progress: (line: string) => void): CalibrateResult {
  if (process.platform !== "linux")
    return {
      exitCode: EXIT_NO_COMPILER,
      message: `calibrate: the probe measures Linux system calls; this host runs ${process.platform}`,
    };
  const cc = findCompiler();
  if (cc === null)
    return {
      exitCode: EXIT_NO_COMPILER,
      message:
        "calibrate: no C compiler found (tried $CC, cc, gcc, clang); it is needed to build calibrate/probe.c. " +
        "Nothing was measured or written.",
    };
  progress(`building calibrate/probe.c with ${cc}`);
  const probe = buildProbe(cc);
  try {
    const capture = measureHost(probe, progress);
    const spec = calibratedProfile(capture);
    compileProfile(spec, "calibrate");
    mkdirSync(outDir, { recursive: true });
    const profilePath = join(outDir, "calibrated.profile.json");
    const realPath = join(outDir, "real.json");
    writeFileSync(profilePath, calibratedProfileText(capture));
    writeFileSync(realPath, `${JSON.stringify(capture, null, 2)}\n`);
    return {
      exitCode: EXIT_OK,
      message: [
        `wrote ${profilePath} (${spec.description.split(":")[0]})`,
        `wrote ${realPath} (the validation set-ups measured on this host)`,
        `next: syscall-lab validate --real --profile ${profilePath} --real-data ${realPath}`,
      ].join("\n"),
    };
  } finally {
    probe.dispose();
  }
}

/** The calibrated profile file's text, exactly as calibrate writes it (the committed fixture is checked against it). */
export function calibratedProfileText(capture: RealCapture): string {
  return `${JSON.stringify(calibratedProfile(capture), null, 2)}\n`;
}

/**
 * `syscall-lab calibrate --from FILE --out DIR`: rebuild DIR/calibrated.profile.json from a capture calibrate wrote
 * before (its calibration inputs only), measuring nothing; a profile change never strands an old capture.
 */
export function runCalibrateFrom(capture: RealCapture, capturePath: string, outDir: string): CalibrateResult {
  let text: string;
  try {
    text = calibratedProfileText(capture);
    compileProfile(JSON.parse(text), "calibrate");
  } catch (e) {
    throw new UsageError(`calibrate --from ${capturePath}: ${(e as Error).message}`);
  }
  mkdirSync(outDir, { recursive: true });
  const profilePath = join(outDir, "calibrated.profile.json");
  writeFileSync(profilePath, text);
  return {
    exitCode: 0,
    message: [
      `wrote ${profilePath} (from the calibration inputs of ${capturePath}; nothing measured)`,
      `next: syscall-lab validate --real --profile ${profilePath} --real-data ${capturePath}`,
    ].join("\n"),
  };
}
