import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";

/**
 * Colour only for a terminal that wants it: chalk itself ignores NO_COLOR, Node's hasColors() honours
 * NO_COLOR, FORCE_COLOR=0 and TERM=dumb.
 */
export function makeChalk(json: boolean): ChalkInstance {
  const out = process.stdout;
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  const useColor = !json && !noColor && out.isTTY === true && out.hasColors?.() === true;
  return new Chalk({ level: useColor ? 1 : 0 });
}

export function table(
  head: string[],
  rows: (string | number)[][],
  align?: ("left" | "right")[],
  colWidths?: (number | null)[],
): string {
  const t = new Table({
    head,
    style: { head: [], border: [] },
    colAligns: align ?? head.map((_, i) => (i === 0 ? "left" : "right")),
    ...(colWidths ? { colWidths, wordWrap: true } : {}),
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}

/** Integer with thousands separators; cycles are exact so no rounding is involved. */
export function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Cycles: whole numbers as they are, a timing model's fractional per-instruction shares to two decimals. */
export function fmtCycles(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

export function fmtFixed(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A usage or input error: printed as one line, exit code 2. */
export class UsageError extends Error {}

export function parsePositiveInt(name: string, value: string, max = 1e9): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a positive integer, got '${value}'`);
  const n = Number(value);
  if (n < 1 || n > max) throw new UsageError(`${name} must be from 1 to ${max}, got ${value}`);
  return n;
}

export function parseNonNegativeInt(name: string, value: string, max = 1e9): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a non-negative integer, got '${value}'`);
  const n = Number(value);
  if (n > max) throw new UsageError(`${name} must be at most ${max}, got ${value}`);
  return n;
}
