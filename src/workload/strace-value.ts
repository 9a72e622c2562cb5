// The value grammar of strace's argument printing: strings, numbers, flag sets, structs, arrays,
// bit sets, decoded fds, calls such as makedev(0x8, 0x1), `name=value` fields and `=>` in/out pairs.
// Anything else that is balanced up to the next `,` or closer becomes a `raw` node.

interface ValueBase {
  /** A trailing `/* ... *\/` comment, without the delimiters. */
  comment?: string;
}

/** A decimal or octal (leading 0, as strace prints modes) number. */
export interface IntValue extends ValueBase {
  kind: "int";
  value: bigint;
}
/** A quoted string; `truncated` when strace appended `...` (the -s limit). Escapes are decoded, one char per byte. */
export interface StringValue extends ValueBase {
  kind: "string";
  value: string;
  truncated: boolean;
}
/** `A|B|0644`, or a single symbolic constant such as AT_FDCWD or SEEK_SET. */
export interface FlagsValue extends ValueBase {
  kind: "flags";
  flags: string[];
}
/** `{...}`; named fields are `named` nodes. `truncated` when a `...` element was printed. */
export interface StructValue extends ValueBase {
  kind: "struct";
  fields: StraceValue[];
  truncated: boolean;
}
export interface ArrayValue extends ValueBase {
  kind: "array";
  items: StraceValue[];
  truncated: boolean;
}
/** `[SIGINT SIGTERM]`, `~[RTMIN RT_1]`, CPU sets `[0 1]`: space-separated members. */
export interface BitSetValue extends ValueBase {
  kind: "bitset";
  negated: boolean;
  bits: string[];
}
/** A hex literal: strace prints addresses in hex and counts in decimal. */
export interface PointerValue extends ValueBase {
  kind: "pointer";
  value: bigint;
}
export interface NullValue extends ValueBase {
  kind: "null";
}
/** `3</etc/passwd>` (strace -y); AT_FDCWD</tmp> has fd -100. */
export interface FdValue extends ValueBase {
  kind: "fd";
  fd: number;
  path: string;
}
export interface NamedValue extends ValueBase {
  kind: "named";
  name: string;
  value: StraceValue;
}
/** `makedev(0x8, 0x1)`, `inet_addr("127.0.0.1")`, `htons(80)`. */
export interface CallValue extends ValueBase {
  kind: "call";
  name: string;
  args: StraceValue[];
}
/** An in/out argument printed `before => after` (or `after <= before`, kept in print order). */
export interface ChangedValue extends ValueBase {
  kind: "changed";
  before: StraceValue;
  after: StraceValue;
}
export interface RawValue extends ValueBase {
  kind: "raw";
  text: string;
}

export type StraceValue =
  | IntValue
  | StringValue
  | FlagsValue
  | StructValue
  | ArrayValue
  | BitSetValue
  | PointerValue
  | NullValue
  | FdValue
  | NamedValue
  | CallValue
  | ChangedValue
  | RawValue;

/** The value of field `name` of a struct node, or undefined. */
export function structField(v: StraceValue, name: string): StraceValue | undefined {
  if (v.kind !== "struct") return undefined;
  for (const f of v.fields) if (f.kind === "named" && f.name === name) return f.value;
  return undefined;
}

/** Thrown inside the parser only; the line parser turns it into an `unparsed` entry. */
export class StraceSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** Nesting limit: bounds recursion and the rescans of the raw fallback (each level rescans once). */
export const MAX_DEPTH = 48;
/** Numbers longer than this stay raw: BigInt parsing of huge digit strings is superlinear. */
const MAX_DIGITS = 64;

const AT_FDCWD = -100;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** A cursor over one line (or one joined unfinished+resumed call). */
export class ValueReader {
  pos = 0;
  constructor(readonly s: string) {}

  fail(message: string): never {
    throw new StraceSyntaxError(`${message} at column ${this.pos + 1}`, this.pos);
  }

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }
  peek(k = 0): number {
    return this.s.charCodeAt(this.pos + k);
  }
  startsWith(t: string): boolean {
    return this.s.startsWith(t, this.pos);
  }
  skipSpaces(): void {
    while (this.pos < this.s.length && (this.peek() === 32 || this.peek() === 9)) this.pos++;
  }
  expect(t: string): void {
    if (!this.startsWith(t)) this.fail(`expected '${t}'`);
    this.pos += t.length;
  }

  ident(): string {
    const start = this.pos;
    if (!isIdentStart(this.peek())) this.fail("expected a name");
    this.pos++;
    while (isIdentChar(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** A number token's text (`-12`, `0x1f`, `0644`), or null if none starts here. */
  numberText(): string | null {
    const start = this.pos;
    let p = this.pos;
    if (this.s.charCodeAt(p) === 45) p++;
    if (!isDigit(this.s.charCodeAt(p))) return null;
    if (
      this.s.charCodeAt(p) === 48 &&
      (this.s.charCodeAt(p + 1) | 0x20) === 120 &&
      isHex(this.s.charCodeAt(p + 2))
    ) {
      p += 2;
      while (isHex(this.s.charCodeAt(p))) p++;
    } else {
      while (isDigit(this.s.charCodeAt(p))) p++;
    }
    if (p - start > MAX_DIGITS) return null;
    this.pos = p;
    return this.s.slice(start, p);
  }

  /** A quoted string with C escapes, then an optional `...`. */
  quoted(): StringValue {
    this.expect('"');
    let out = "";
    let run = this.pos;
    const s = this.s;
    for (;;) {
      if (this.pos >= s.length) this.fail("unterminated string");
      const c = s.charCodeAt(this.pos);
      if (c === 34) break;
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += s.slice(run, this.pos);
      this.pos++;
      const e = s.charCodeAt(this.pos);
      if (Number.isNaN(e)) this.fail("unterminated escape");
      this.pos++;
      switch (e) {
        case 110:
          out += "\n";
          break;
        case 116:
          out += "\t";
          break;
        case 114:
          out += "\r";
          break;
        case 118:
          out += "\v";
          break;
        case 102:
          out += "\f";
          break;
        case 97:
          out += "\x07";
          break;
        case 98:
          out += "\b";
          break;
        case 120: {
          let v = 0;
          let n = 0;
          while (n < 2 && isHex(s.charCodeAt(this.pos))) {
            v = v * 16 + Number.parseInt(s[this.pos]!, 16);
            this.pos++;
            n++;
          }
          if (n === 0) this.fail("bad \\x escape");
          out += String.fromCharCode(v);
          break;
        }
        default:
          if (e >= 48 && e <= 55) {
            let v = e - 48;
            let n = 1;
            while (n < 3 && s.charCodeAt(this.pos) >= 48 && s.charCodeAt(this.pos) <= 55) {
              v = v * 8 + (s.charCodeAt(this.pos) - 48);
              this.pos++;
              n++;
            }
            out += String.fromCharCode(v & 0xff);
          } else {
            out += String.fromCharCode(e); // \" \\ and anything strace might add
          }
      }
      run = this.pos;
    }
    out += s.slice(run, this.pos);
    this.pos++;
    const truncated = this.startsWith("...");
    if (truncated) this.pos += 3;
    return { kind: "string", value: out, truncated };
  }

  /** `<...>` after an fd (strace -y); `->` inside socket addresses and nested `<char 136:0>` are allowed. */
  fdPath(): string {
    this.expect("<");
    const start = this.pos;
    let depth = 1;
    while (this.pos < this.s.length) {
      const c = this.peek();
      if (c === 60) depth++;
      else if (c === 62 && this.s.charCodeAt(this.pos - 1) !== 45) {
        depth--;
        if (depth === 0) {
          const path = this.s.slice(start, this.pos);
          this.pos++;
          return path;
        }
      }
      this.pos++;
    }
    return this.fail("unterminated <path>");
  }

  comment(): string {
    this.expect("/*");
    const end = this.s.indexOf("*/", this.pos);
    if (end < 0) this.fail("unterminated comment");
    const text = this.s.slice(this.pos, end).trim();
    this.pos = end + 2;
    return text;
  }

  /**
   * Skips a balanced stretch up to (not including) a `,` or closer at depth 0, honouring strings
   * and comments. Returns its trimmed text.
   */
  rawUntilDelimiter(): string {
    const start = this.pos;
    const s = this.s;
    let depth = 0;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 34) {
        this.pos++;
        while (this.pos < s.length && s.charCodeAt(this.pos) !== 34)
          this.pos += s.charCodeAt(this.pos) === 92 ? 2 : 1;
        if (this.pos >= s.length) this.fail("unterminated string");
        this.pos++;
        continue;
      }
      if (c === 47 && s.charCodeAt(this.pos + 1) === 42) {
        this.comment();
        continue;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && depth === 0) break;
      this.pos++;
    }
    if (depth !== 0) this.fail("unbalanced brackets");
    const text = s.slice(start, this.pos).trim();
    if (text === "") this.fail("expected a value");
    return text;
  }
}

/** True if the reader is at a list delimiter: `,`, a closer, or the end. */
function atDelimiter(r: ValueReader): boolean {
  if (r.atEnd()) return true;
  const c = r.peek();
  return c === 44 || c === 41 || c === 93 || c === 125;
}

/**
 * One list element: a value with its comment and `=>` suffix, or (if the element is not in the
 * grammar) a raw node covering it. Returns null for a bare `...` element.
 */
export function readElement(r: ValueReader, depth: number): StraceValue | null {
  if (depth > MAX_DEPTH) r.fail("nesting too deep");
  r.skipSpaces();
  if (r.startsWith("...")) {
    const save = r.pos;
    r.pos += 3;
    r.skipSpaces();
    if (atDelimiter(r)) return null;
    r.pos = save;
  }
  const start = r.pos;
  let v: StraceValue;
  try {
    v = readSuffixed(r, depth);
    r.skipSpaces();
    if (!atDelimiter(r)) r.fail("unexpected text after value");
  } catch (e) {
    if (!(e instanceof StraceSyntaxError)) throw e;
    r.pos = start;
    v = { kind: "raw", text: r.rawUntilDelimiter() };
  }
  return v;
}

function readSuffixed(r: ValueReader, depth: number): StraceValue {
  let v = readAtom(r, depth);
  r.skipSpaces();
  if (r.startsWith("/*")) {
    v.comment = r.comment();
    r.skipSpaces();
  }
  if (r.startsWith("=>") || r.startsWith("<=")) {
    r.pos += 2;
    r.skipSpaces();
    const after = readSuffixed(r, depth + 1);
    v = { kind: "changed", before: v, after };
  }
  return v;
}

function readAtom(r: ValueReader, depth: number): StraceValue {
  const c = r.peek();
  if (c === 34) return r.quoted();
  if (c === 123) {
    r.pos++;
    const { items, truncated } = readList(r, 125, depth + 1);
    return { kind: "struct", fields: items, truncated };
  }
  if (c === 91) return readBracket(r, false, depth);
  if (c === 126 && r.peek(1) === 91) {
    r.pos++;
    return readBracket(r, true, depth);
  }
  const num = r.numberText();
  if (num !== null) {
    if (r.peek() === 124) return readFlags(r, num);
    const hex = num.includes("x") || num.includes("X");
    const value = straceInteger(r, num);
    if (r.peek() === 60) return { kind: "fd", fd: Number(value), path: r.fdPath() };
    return hex ? { kind: "pointer", value } : { kind: "int", value };
  }
  if (isIdentStart(c)) {
    const save = r.pos;
    const name = r.ident();
    const n = r.peek();
    if (n === 40) {
      r.pos++;
      const { items } = readList(r, 41, depth + 1);
      return { kind: "call", name, args: items };
    }
    if (n === 61 && r.peek(1) !== 62) {
      r.pos++;
      r.skipSpaces();
      const value = readElement(r, depth + 1) ?? { kind: "raw", text: "..." };
      return { kind: "named", name, value };
    }
    if (n === 60 && name === "AT_FDCWD") return { kind: "fd", fd: AT_FDCWD, path: r.fdPath() };
    if (n === 124) {
      r.pos = save;
      return readFlags(r, null);
    }
    if (name === "NULL") return { kind: "null" };
    return { kind: "flags", flags: [name] };
  }
  return r.fail("unexpected character");
}

/** A number as strace prints it: decimal, 0x hex, or octal with a leading 0 (modes); `08` is a syntax error. */
export function straceInteger(r: ValueReader, num: string): bigint {
  const neg = num[0] === "-";
  const u = neg ? num.slice(1) : num;
  const octal = u.length > 1 && u[0] === "0" && u[1] !== "x" && u[1] !== "X";
  if (octal && !/^[0-7]+$/.test(u)) {
    r.pos -= num.length; // the column of the number, not of what follows it
    r.fail(`bad number '${num}' (a leading 0 means octal: digits 0-7 only)`);
  }
  const v = BigInt(octal ? `0o${u.slice(1)}` : u);
  return neg ? -v : v;
}

/** `A|B|0644`: members are names or numbers. `first` is an already-read leading number. */
function readFlags(r: ValueReader, first: string | null): FlagsValue {
  const flags: string[] = [];
  if (first !== null) flags.push(first);
  else flags.push(r.ident());
  while (r.peek() === 124) {
    r.pos++;
    const n = r.numberText();
    flags.push(n ?? r.ident());
  }
  return { kind: "flags", flags };
}

/** After `[` or `~[`: a bit set if the contents are space-separated words, else an array. */
function readBracket(r: ValueReader, negated: boolean, depth: number): StraceValue {
  r.expect("[");
  const start = r.pos;
  const bits: string[] = [];
  let p = start;
  const s = r.s;
  while (p < s.length && isIdentChar(s.charCodeAt(p))) {
    const w = p;
    while (p < s.length && isIdentChar(s.charCodeAt(p))) p++;
    bits.push(s.slice(w, p));
    if (s.charCodeAt(p) === 32 && isIdentChar(s.charCodeAt(p + 1))) p++;
  }
  const isBitSet =
    s.charCodeAt(p) === 93 &&
    (negated || bits.length > 1 || (bits.length === 1 && !isDigit(s.charCodeAt(start))));
  if (isBitSet) {
    r.pos = p + 1;
    return { kind: "bitset", negated, bits };
  }
  const { items, truncated } = readList(r, 93, depth + 1);
  return { kind: "array", items, truncated };
}

/**
 * Elements separated by `,` up to the closer `close` (consumed). A `...` element sets `truncated`;
 * with `keepEllipsis` it is also kept as a raw "..." node (syscall arguments keep their positions).
 */
export function readList(
  r: ValueReader,
  close: number,
  depth: number,
  keepEllipsis = false,
): { items: StraceValue[]; truncated: boolean } {
  const items: StraceValue[] = [];
  let truncated = false;
  r.skipSpaces();
  if (r.peek() === close) {
    r.pos++;
    return { items, truncated };
  }
  for (;;) {
    const v = readElement(r, depth);
    if (v === null) {
      truncated = true;
      if (keepEllipsis) items.push({ kind: "raw", text: "..." });
    } else items.push(v);
    r.skipSpaces();
    const c = r.peek();
    if (c === 44) {
      r.pos++;
      continue;
    }
    if (c === close) {
      r.pos++;
      return { items, truncated };
    }
    r.fail(r.atEnd() ? `missing '${String.fromCharCode(close)}'` : "unexpected closer");
  }
}
