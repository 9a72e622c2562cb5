// Compares a decoder's normalised output with iced-x86's over an EncodingSet and summarises the disagreements.
import { Code, Decoder, DecoderOptions, Instruction } from "iced-x86";
import { type EncodingSet, SOURCE_NAMES } from "./encodings.ts";
import { bytesHex, formatOracleInsn, icedToOracle, type OracleInsn } from "./iced-oracle.ts";
import { isRequiredInstruction } from "./supported-codes.ts";

export type DecodeUnderTest = (bytes: Uint8Array, rip: bigint) => OracleInsn | null;

export interface Mismatch {
  bytes: string;
  rip: bigint;
  source: string;
  /** iced Code name, or "invalid". */
  icedCode: string;
  iced: string;
  ours: string;
}

export interface DifferentialResult {
  compared: number;
  /** Encodings iced decodes as a required instruction (ours must agree exactly). */
  required: number;
  mismatches: number;
  first: Mismatch | null;
  /** Shortest example of each (iced Code, kind of disagreement) group, most frequent group first. */
  groups: { key: string; count: number; example: Mismatch }[];
}

/** Shape of the disagreement, so one decoder bug maps to one group. */
function mismatchKind(iced: string, ours: string): string {
  if (ours.startsWith("threw")) return "threw";
  if (ours === "#UD") return "ours #UD";
  if (iced === "#UD") return "iced #UD";
  const [icedLen, icedMn] = iced.split(" ");
  const [ourLen, ourMn] = ours.split(" ");
  if (icedLen !== ourLen) return "length";
  if (icedMn !== ourMn) return "mnemonic";
  return "operands";
}

export class Differential {
  private readonly instr = new Instruction();
  private decoder: Decoder | null = null;

  /** iced's normalised decoding of one byte string (its own Decoder: for small tables). */
  iced(bytes: Uint8Array, rip: bigint): { insn: OracleInsn | null; required: boolean; code: string } {
    const d = new Decoder(64, bytes, DecoderOptions.None);
    try {
      d.ip = rip;
      d.decodeOut(this.instr);
      if (this.instr.isInvalid) return { insn: null, required: false, code: "invalid" };
      return {
        insn: icedToOracle(this.instr),
        required: isRequiredInstruction(this.instr),
        code: Code[this.instr.code] ?? "?",
      };
    } finally {
      d.free();
    }
  }

  run(set: EncodingSet, decode: DecodeUnderTest): DifferentialResult {
    this.decoder?.free();
    const decoder = new Decoder(64, set.bytes, DecoderOptions.None);
    this.decoder = decoder;
    const instr = this.instr;
    const groups = new Map<string, { count: number; example: Mismatch }>();
    let mismatches = 0;
    let required = 0;
    let first: Mismatch | null = null;
    for (let i = 0; i < set.count; i++) {
      const start = set.offsets[i]!;
      const bytes = set.bytes.subarray(start, set.offsets[i + 1]!);
      const rip = set.rips[i]!;
      decoder.position = start;
      decoder.ip = rip;
      decoder.decodeOut(instr);
      const icedValid = !instr.isInvalid;
      const mustAgree = icedValid && isRequiredInstruction(instr);
      if (mustAgree) required++;
      let ours: string;
      try {
        ours = formatOracleInsn(decode(bytes, rip));
      } catch (e) {
        ours = `threw ${e instanceof Error ? e.message : String(e)}`;
      }
      if (ours === "#UD" && !mustAgree) continue;
      const iced = icedValid ? formatOracleInsn(icedToOracle(instr)) : "#UD";
      if (ours === iced) continue;
      mismatches++;
      const icedCode = icedValid ? (Code[instr.code] ?? "?") : "invalid";
      const m: Mismatch = {
        bytes: bytesHex(bytes),
        rip,
        source: SOURCE_NAMES[set.sources[i]!]!,
        icedCode,
        iced,
        ours,
      };
      first ??= m;
      const key = `${icedCode} / ${mismatchKind(iced, ours)}`;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { count: 1, example: m });
      else {
        g.count++;
        if (m.bytes.length < g.example.bytes.length) g.example = m;
      }
    }
    const sorted = [...groups.entries()]
      .map(([key, g]) => ({ key, count: g.count, example: g.example }))
      .sort((a, b) => b.count - a.count);
    return { compared: set.count, required, mismatches, first, groups: sorted };
  }

  free(): void {
    this.decoder?.free();
    this.decoder = null;
    this.instr.free();
  }
}

export function describeMismatch(m: Mismatch): string {
  return [
    `bytes: ${m.bytes}   (rip 0x${m.rip.toString(16)}, ${m.source}, iced Code ${m.icedCode})`,
    `  iced: ${m.iced}`,
    `  ours: ${m.ours}`,
  ].join("\n");
}

export function describeResult(r: DifferentialResult, maxGroups = 25): string {
  const lines = [`${r.mismatches} mismatches in ${r.compared} encodings compared (${r.required} required).`];
  if (r.first !== null) lines.push("First mismatch:", describeMismatch(r.first));
  if (r.groups.length > 0) {
    lines.push(`Groups (iced Code / kind: count, shortest example) — ${r.groups.length} groups:`);
    for (const g of r.groups.slice(0, maxGroups)) {
      lines.push(`- ${g.key}: ${g.count}   ${g.example.bytes} @0x${g.example.rip.toString(16)}`);
      lines.push(`    iced: ${g.example.iced}`, `    ours: ${g.example.ours}`);
    }
  }
  return lines.join("\n");
}
