/**
 * Operand expressions of the AT&T assembler: numbers, symbols, unary `- + ~ !`, binary
 * `* / % << >> | & ^ + -` and parentheses, evaluated as 64-bit two's-complement integers.
 *
 * Precedence is GNU as's (as(1) "Infix Operators"), not C's: `* / % << >>` bind tightest, then
 * `| & ^ !`, then `+ -`; operators of one level associate left. So `1<<3+1` is 9 and
 * `6|1^3` is 4. `>>` is a logical shift and `/` `%` are signed, as in GNU as.
 */
export class ExpressionError extends Error {
}
const LEVELS = [
    ["+", "-"],
    ["|", "&", "^", "!"],
    ["*", "/", "%", "<<", ">>"],
];
const SYMBOL_START = /[A-Za-z_.$]/;
const SYMBOL_CHAR = /[A-Za-z0-9_.$]/;
function tokenize(text) {
    const tokens = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c === " " || c === "\t") {
            i++;
            continue;
        }
        if (c >= "0" && c <= "9") {
            const local = /^[0-9]+[fb](?![A-Za-z0-9_.$])/.exec(text.slice(i));
            if (local !== null) {
                // A numeric local label reference such as `1f` or `2b`; the assembler renames it.
                tokens.push({ kind: "sym", name: local[0] });
                i += local[0].length;
                continue;
            }
            const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)/.exec(text.slice(i));
            let lit = m[0];
            if (/^[0-9]+$/.test(lit) && lit.length > 1 && lit.startsWith("0")) {
                if (!/^[0-7]+$/.test(lit))
                    throw new ExpressionError(`bad octal number '${lit}'`);
                lit = `0o${lit.slice(1)}`;
            }
            const after = text[i + m[0].length];
            if (after !== undefined && SYMBOL_CHAR.test(after)) {
                throw new ExpressionError(`bad number '${text.slice(i).split(/[^A-Za-z0-9_.$]/)[0]}'`);
            }
            tokens.push({ kind: "num", value: BigInt(lit) });
            i += m[0].length;
            continue;
        }
        if (SYMBOL_START.test(c)) {
            let j = i + 1;
            while (j < text.length && SYMBOL_CHAR.test(text[j]))
                j++;
            tokens.push({ kind: "sym", name: text.slice(i, j) });
            i = j;
            continue;
        }
        if (c === "'" && text[i + 2] === "'") {
            tokens.push({ kind: "num", value: BigInt(text.charCodeAt(i + 1)) });
            i += 3;
            continue;
        }
        const two = text.slice(i, i + 2);
        if (two === "<<" || two === ">>") {
            tokens.push({ kind: "op", op: two });
            i += 2;
            continue;
        }
        if ("+-*/%|&^!~()".includes(c)) {
            tokens.push({ kind: "op", op: c });
            i++;
            continue;
        }
        throw new ExpressionError(`unexpected character '${c}'`);
    }
    return tokens;
}
class Parser {
    tokens;
    text;
    pos = 0;
    constructor(tokens, text) {
        this.tokens = tokens;
        this.text = text;
    }
    parse() {
        if (this.tokens.length === 0)
            throw new ExpressionError("empty expression");
        const e = this.binary(0);
        const t = this.tokens[this.pos];
        if (t !== undefined)
            throw new ExpressionError(`unexpected '${tokenText(t)}' in '${this.text}'`);
        return e;
    }
    binary(level) {
        if (level === LEVELS.length)
            return this.unary();
        let left = this.binary(level + 1);
        for (;;) {
            const t = this.tokens[this.pos];
            if (t === undefined || t.kind !== "op" || !LEVELS[level].includes(t.op))
                return left;
            this.pos++;
            const right = this.binary(level + 1);
            left = { kind: "binary", op: t.op, left, right };
        }
    }
    unary() {
        const t = this.tokens[this.pos++];
        if (t === undefined)
            throw new ExpressionError(`expression '${this.text}' ends early`);
        if (t.kind === "num")
            return { kind: "num", value: t.value };
        if (t.kind === "sym")
            return { kind: "sym", name: t.name };
        switch (t.op) {
            case "-":
            case "+":
            case "~":
            case "!":
                return { kind: "unary", op: t.op, arg: this.unary() };
            case "(": {
                const e = this.binary(0);
                const close = this.tokens[this.pos++];
                if (close === undefined || close.kind !== "op" || close.op !== ")") {
                    throw new ExpressionError(`missing ')' in '${this.text}'`);
                }
                return e;
            }
            default:
                throw new ExpressionError(`unexpected '${t.op}' in '${this.text}'`);
        }
    }
}
function tokenText(t) {
    return t.kind === "num" ? t.value.toString() : t.kind === "sym" ? t.name : t.op;
}
export function parseExpression(text) {
    return new Parser(tokenize(text), text.trim()).parse();
}
const wrap = (v) => BigInt.asIntN(64, v);
/** Evaluates to a signed 64-bit value. Throws ExpressionError naming an undefined symbol. */
export function evaluate(e, lookup) {
    switch (e.kind) {
        case "num":
            return wrap(e.value);
        case "sym": {
            const v = lookup(e.name);
            if (v === undefined)
                throw new ExpressionError(`undefined symbol '${e.name}'`);
            return wrap(v);
        }
        case "unary": {
            const a = evaluate(e.arg, lookup);
            switch (e.op) {
                case "-":
                    return wrap(-a);
                case "~":
                    return wrap(~a);
                case "!":
                    return a === 0n ? 1n : 0n;
                default:
                    return a;
            }
        }
        case "binary": {
            const a = evaluate(e.left, lookup);
            const b = evaluate(e.right, lookup);
            switch (e.op) {
                case "+":
                    return wrap(a + b);
                case "-":
                    return wrap(a - b);
                case "*":
                    return wrap(a * b);
                case "/":
                case "%":
                    if (b === 0n)
                        throw new ExpressionError("division by zero");
                    return wrap(e.op === "/" ? a / b : a % b);
                case "<<":
                    return b < 0n || b > 63n ? 0n : wrap(a << b);
                case ">>":
                    return b < 0n || b > 63n ? 0n : wrap(BigInt.asUintN(64, a) >> b);
                case "&":
                    return a & b;
                case "|":
                    return a | b;
                case "^":
                    return a ^ b;
                default:
                    // `!` as a binary operator is GNU as's "or not".
                    return wrap(a | ~b);
            }
        }
    }
}
/** Names of the symbols an expression refers to. */
export function symbolsOf(e, out = []) {
    switch (e.kind) {
        case "sym":
            out.push(e.name);
            break;
        case "unary":
            symbolsOf(e.arg, out);
            break;
        case "binary":
            symbolsOf(e.left, out);
            symbolsOf(e.right, out);
            break;
        default:
            break;
    }
    return out;
}
/** Rewrites symbol names (used for numeric local labels `1f`/`1b`). */
export function renameSymbols(e, rename) {
    switch (e.kind) {
        case "sym": {
            const name = rename(e.name);
            return name === e.name ? e : { kind: "sym", name };
        }
        case "unary":
            return { kind: "unary", op: e.op, arg: renameSymbols(e.arg, rename) };
        case "binary":
            return {
                kind: "binary",
                op: e.op,
                left: renameSymbols(e.left, rename),
                right: renameSymbols(e.right, rename),
            };
        default:
            return e;
    }
}
//# sourceMappingURL=expression.js.map