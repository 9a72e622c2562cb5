// Block JIT, text helpers for the generated JavaScript: literals and rewriting calls in a template body.

/** A number as a JavaScript literal (negative numbers and -0 in parentheses). */
export function lit(v: number): string {
  return v < 0 || Object.is(v, -0) ? `(${v})` : String(v);
}

/** Rewrites every call `name(args)` for which `f` returns a replacement (args split at top-level commas). */
export function rewriteCalls(src: string, name: string, f: (args: string[]) => string | undefined): string {
  let out = "";
  let at = 0;
  for (;;) {
    const i = src.indexOf(`${name}(`, at);
    if (i < 0) return out + src.slice(at);
    const before = i > 0 ? src[i - 1]! : " ";
    if (/[\w$.]/.test(before)) {
      out += src.slice(at, i + name.length + 1);
      at = i + name.length + 1;
      continue;
    }
    const args: string[] = [];
    let depth = 0;
    let j = i + name.length + 1;
    let start = j;
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") {
        if (depth === 0) break;
        depth--;
      } else if (c === "," && depth === 0) {
        args.push(src.slice(start, j).trim());
        start = j + 1;
      }
    }
    const lastArg = src.slice(start, j).trim();
    if (lastArg !== "") args.push(lastArg);
    const rep = f(args);
    out += src.slice(at, i) + (rep ?? src.slice(i, j + 1));
    at = j + 1;
  }
}

/** An argument that may be dropped (no call, no assignment: evaluating it has no effect). */
export function pure(arg: string): boolean {
  return !/[(=]/.test(arg);
}

const VALUES = new Map<string, unknown>();
/** The value of a constant expression (digits and operators only: CONST_EXPR), remembered. */
export function evaluate(expr: string): unknown {
  let v = VALUES.get(expr);
  if (v === undefined && !VALUES.has(expr)) {
    v = new Function(`return (${expr});`)();
    if (VALUES.size >= 1 << 16) VALUES.clear();
    VALUES.set(expr, v);
  }
  return v;
}
