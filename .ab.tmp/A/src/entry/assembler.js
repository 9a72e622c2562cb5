/**
 * A small two-pass-and-relax assembler for AT&T x86-64 as GNU as reads Linux's entry_64.S.
 * Statements are parsed when added; `assemble()` lays them out, resolving forward references
 * and choosing short or near branches by iterating until every label address is stable.
 */
import { AttSyntaxError, parseOperand, splitLine, splitStatement } from "./att-parser.js";
import { ExpressionError, evaluate, parseExpression, renameSymbols, symbolsOf, } from "./expression.js";
import { EncodeError, encode, resolveMnemonic, } from "./instruction-encoder.js";
export class AssemblerError extends Error {
    name = "AssemblerError";
}
const DATA_WIDTH = {
    ".byte": 1,
    ".word": 2,
    ".short": 2,
    ".value": 2,
    ".long": 4,
    ".int": 4,
    ".quad": 8,
    ".8byte": 8,
};
const IGNORED_DIRECTIVES = new Set([
    ".globl",
    ".global",
    ".text",
    ".data",
    ".section",
    ".type",
    ".size",
    ".code64",
    ".local",
    ".hidden",
    ".file",
    ".ident",
]);
/** Recommended multi-byte NOPs (SDM Vol. 2B, NOP, Table 4-12), used to pad code for `.align`. */
const NOPS = [
    [],
    [0x90],
    [0x66, 0x90],
    [0x0f, 0x1f, 0x00],
    [0x0f, 0x1f, 0x40, 0x00],
    [0x0f, 0x1f, 0x44, 0x00, 0x00],
    [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
    [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
    [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];
const SYMBOL_NAME = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;
const MAX_PASSES = 64;
/** After this many passes an item may only grow, which guarantees the relaxation terminates. */
const FREE_PASSES = 4;
function toBigInt(v, what) {
    if (typeof v === "bigint")
        return v;
    if (!Number.isSafeInteger(v))
        throw new AssemblerError(`${what}: ${v} is not an integer`);
    return BigInt(v);
}
function parseStringLiteral(text) {
    const t = text.trim();
    if (!/^".*"$/s.test(t))
        throw new AttSyntaxError(`expected a string literal, got '${t}'`);
    const out = [];
    const body = t.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
        let c = body.charCodeAt(i);
        if (body[i] === "\\") {
            const e = body[++i];
            const simple = { n: 10, t: 9, r: 13, b: 8, f: 12, "\\": 92, '"': 34, "'": 39 };
            if (e !== undefined && simple[e] !== undefined)
                c = simple[e];
            else if (e === "x") {
                const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
                if (m === null)
                    throw new AttSyntaxError(`bad \\x escape in ${t}`);
                c = Number.parseInt(m[0], 16);
                i += m[0].length;
            }
            else if (e !== undefined && /[0-7]/.test(e)) {
                const m = /^[0-7]{1,3}/.exec(body.slice(i));
                c = Number.parseInt(m[0], 8) & 0xff;
                i += m[0].length - 1;
            }
            else
                throw new AttSyntaxError(`bad escape '\\${e ?? ""}' in ${t}`);
        }
        if (c > 0xff)
            throw new AttSyntaxError(`non-byte character in ${t}`);
        out.push(c);
    }
    return out;
}
export class Assembler {
    base;
    externals = new Map();
    items = [];
    labelNames = new Set();
    equs = new Map();
    localCounts = new Map();
    lineNo = 0;
    constructor(opts) {
        this.base = BigInt.asUintN(64, toBigInt(opts.base, "base"));
        for (const [name, value] of opts.symbols ?? []) {
            this.externals.set(name, BigInt.asIntN(64, toBigInt(value, `symbol ${name}`)));
        }
    }
    /** Defines a constant symbol. */
    equ(name, value) {
        const src = this.nextSource(`.equ ${name}, ${value}`);
        this.defineEqu(src, name, BigInt.asIntN(64, toBigInt(value, src.text)));
        return this;
    }
    /** Defines a label at the current address. */
    label(name) {
        this.defineLabel(this.nextSource(`${name}:`), name);
        return this;
    }
    /** Adds exactly one AT&T statement (an instruction or a directive). */
    i(stmt) {
        const src = this.nextSource(stmt.trim().replace(/\s+/g, " "));
        const pieces = this.guard(src, () => splitLine(stmt));
        if (pieces.length !== 1 || pieces[0].labels.length > 0) {
            throw this.error(src, "i() takes exactly one statement; use asm() for labels and several statements");
        }
        this.statement({ line: src.line, text: pieces[0].statement });
        return this;
    }
    /** Adds many lines: `label:`, instructions, directives, `# comments`, `;`-separated statements. */
    asm(text) {
        for (const rawLine of text.split("\n")) {
            const line = ++this.lineNo;
            const pieces = this.guard({ line, text: rawLine.trim() }, () => splitLine(rawLine));
            for (const piece of pieces) {
                for (const label of piece.labels)
                    this.defineLabel({ line, text: `${label}:` }, label);
                if (piece.statement !== "")
                    this.statement({ line, text: piece.statement });
            }
        }
        return this;
    }
    quad(...v) {
        return this.data(8, ".quad", v);
    }
    long(...v) {
        return this.data(4, ".long", v);
    }
    word(...v) {
        return this.data(2, ".word", v);
    }
    byte(...v) {
        return this.data(1, ".byte", v);
    }
    zero(n) {
        const src = this.nextSource(`.zero ${n}`);
        if (!Number.isSafeInteger(n) || n < 0)
            throw this.error(src, "size must be a non-negative integer");
        this.items.push({ ...src, kind: "bytes", bytes: new Uint8Array(n) });
        return this;
    }
    align(n) {
        const src = this.nextSource(`.align ${n}`);
        this.pushAlign(src, n, undefined);
        return this;
    }
    ascii(s) {
        const src = this.nextSource(`.ascii ${JSON.stringify(s)}`);
        const bytes = new Uint8Array(s.length);
        for (let k = 0; k < s.length; k++) {
            const c = s.charCodeAt(k);
            if (c > 0xff)
                throw this.error(src, "non-byte character");
            bytes[k] = c;
        }
        this.items.push({ ...src, kind: "bytes", bytes });
        return this;
    }
    /** Address after everything added so far, or undefined while a referenced symbol is still undefined. */
    get here() {
        try {
            return BigInt.asUintN(64, this.base + BigInt(this.assemble().bytes.length));
        }
        catch {
            return undefined;
        }
    }
    assemble() {
        const n = this.items.length;
        const sizes = new Int32Array(n).fill(-1);
        const minLength = new Int32Array(n);
        let labels;
        for (let pass = 0; pass < MAX_PASSES; pass++) {
            if (pass >= FREE_PASSES)
                minLength.set(sizes);
            const result = this.layout(labels, minLength, false);
            const stable = labels !== undefined &&
                result.labels.size === labels.size &&
                [...result.labels].every(([k, v]) => labels.get(k) === v) &&
                result.sizes.every((s, k) => s === sizes[k]);
            sizes.set(result.sizes);
            labels = result.labels;
            if (stable)
                return this.layout(labels, minLength, true).assembled;
        }
        throw new AssemblerError(`branch relaxation did not converge in ${MAX_PASSES} passes`);
    }
    // --- parsing -------------------------------------------------------------------------------
    nextSource(text) {
        return { line: ++this.lineNo, text };
    }
    error(src, what) {
        return new AssemblerError(`line ${src.line}: ${src.text}: ${what}`);
    }
    guard(src, f) {
        try {
            return f();
        }
        catch (e) {
            if (e instanceof AssemblerError)
                throw e;
            if (e instanceof AttSyntaxError || e instanceof ExpressionError || e instanceof EncodeError) {
                throw this.error(src, e.message);
            }
            throw this.error(src, `internal error: ${e.message ?? String(e)}`);
        }
    }
    checkNewSymbol(src, name) {
        if (!SYMBOL_NAME.test(name))
            throw this.error(src, `bad symbol name '${name}'`);
        if (this.labelNames.has(name) || this.equs.has(name) || this.externals.has(name)) {
            throw this.error(src, `symbol '${name}' is already defined`);
        }
    }
    defineLabel(src, name) {
        if (/^[0-9]+$/.test(name)) {
            const k = this.localCounts.get(name) ?? 0;
            this.localCounts.set(name, k + 1);
            const internal = `${name}:${k}`;
            this.labelNames.add(internal);
            this.items.push({ ...src, kind: "label", name: internal });
            return;
        }
        this.checkNewSymbol(src, name);
        this.labelNames.add(name);
        this.items.push({ ...src, kind: "label", name });
    }
    defineEqu(src, name, value) {
        this.checkNewSymbol(src, name);
        this.equs.set(name, { ...src, value });
    }
    /** Rewrites `1f`/`1b` references to the internal names of numeric local labels. */
    localRefs(src, e) {
        return renameSymbols(e, (name) => {
            const m = /^([0-9]+)([fb])$/.exec(name);
            if (m === null)
                return name;
            const count = this.localCounts.get(m[1]) ?? 0;
            if (m[2] === "b") {
                if (count === 0)
                    throw this.error(src, `no local label '${m[1]}:' before '${name}'`);
                return `${m[1]}:${count - 1}`;
            }
            return `${m[1]}:${count}`;
        });
    }
    expr(src, text) {
        return this.localRefs(src, this.guard(src, () => parseExpression(text)));
    }
    data(width, directive, values) {
        const src = this.nextSource(`${directive} ${values.map(String).join(", ")}`);
        const exprs = values.map((v) => {
            if (typeof v === "string")
                return this.expr(src, v);
            return { kind: "num", value: toBigInt(v, src.text) };
        });
        this.items.push({ ...src, kind: "data", width, values: exprs });
        return this;
    }
    pushAlign(src, boundary, fill) {
        if (!Number.isSafeInteger(boundary) || boundary < 1 || (boundary & (boundary - 1)) !== 0) {
            throw this.error(src, "alignment must be a power of two");
        }
        this.items.push({ ...src, kind: "align", boundary, fill });
    }
    constant(src, text) {
        const e = this.expr(src, text);
        const v = this.guard(src, () => evaluate(e, (name) => this.constantValue(name, new Set())));
        if (v < 0n || v > 0xffffffffn)
            throw this.error(src, `value ${v} out of range`);
        return Number(v);
    }
    constantValue(name, seen) {
        const ext = this.externals.get(name);
        if (ext !== undefined)
            return ext;
        const equ = this.equs.get(name);
        if (equ === undefined)
            return undefined;
        if (typeof equ.value === "bigint")
            return equ.value;
        if (seen.has(name))
            return undefined;
        seen.add(name);
        return evaluate(equ.value, (n) => this.constantValue(n, seen));
    }
    statement(src) {
        const text = src.text;
        const assign = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=\s*(.+)$/.exec(text);
        if (assign !== null) {
            this.defineEqu(src, assign[1], this.expr(src, assign[2]));
            return;
        }
        if (text.startsWith(".")) {
            this.directive(src);
            return;
        }
        const syntax = this.guard(src, () => splitStatement(text));
        const operands = this.guard(src, () => syntax.operands.map(parseOperand)).map((op) => this.operandLocalRefs(src, op));
        const first = operands[0];
        const direct = first !== undefined && first.kind === "mem" && first.bare && !first.indirect;
        const spec = resolveMnemonic(syntax.mnemonic, operands.length, direct);
        if (spec === undefined)
            throw this.error(src, `unknown mnemonic '${syntax.mnemonic}'`);
        if (spec.form !== "branch" && operands.some((o) => o.indirect)) {
            if (!(spec.form === "generic" && (spec.groups[0] === "Jmp" || spec.groups[0] === "Call"))) {
                throw this.error(src, "'*' is only allowed on jmp/call operands");
            }
        }
        let rep;
        let lock = false;
        for (const p of syntax.prefixes) {
            if (p === "lock")
                lock = true;
            else
                rep = p === "repne" || p === "repnz" ? "repne" : "rep";
        }
        if (rep !== undefined && spec.form !== "string")
            throw this.error(src, `'${rep}' needs a string instruction`);
        this.items.push({ ...src, kind: "insn", spec, operands, lock, rep });
    }
    operandLocalRefs(src, op) {
        if (op.kind === "imm")
            return { ...op, expr: this.localRefs(src, op.expr) };
        if (op.kind === "mem" && op.disp !== undefined)
            return { ...op, disp: this.localRefs(src, op.disp) };
        return op;
    }
    directive(src) {
        const m = /^(\.[A-Za-z0-9_]+)\s*(.*)$/.exec(src.text);
        if (m === null)
            throw this.error(src, "bad directive");
        const name = m[1].toLowerCase();
        const args = m[2];
        const list = () => this.guard(src, () => splitLineArgs(args));
        const width = DATA_WIDTH[name];
        if (width !== undefined) {
            const values = list().map((a) => this.expr(src, a));
            if (values.length === 0)
                throw this.error(src, `${name} needs at least one value`);
            this.items.push({ ...src, kind: "data", width, values });
            return;
        }
        switch (name) {
            case ".equ":
            case ".set": {
                const [sym, value, ...rest] = list();
                if (sym === undefined || value === undefined || rest.length > 0) {
                    throw this.error(src, `${name} takes a name and a value`);
                }
                this.defineEqu(src, sym, this.expr(src, value));
                return;
            }
            case ".align":
            case ".balign":
            case ".p2align": {
                const [a, fill] = list();
                if (a === undefined)
                    throw this.error(src, `${name} needs an alignment`);
                const v = this.constant(src, a);
                if (name === ".p2align" && v > 30)
                    throw this.error(src, "alignment too large");
                this.pushAlign(src, name === ".p2align" ? 2 ** v : v, fill === undefined ? undefined : this.constant(src, fill) & 0xff);
                return;
            }
            case ".zero":
            case ".skip":
            case ".space": {
                const [count, fill] = list();
                if (count === undefined)
                    throw this.error(src, `${name} needs a size`);
                const bytes = new Uint8Array(this.constant(src, count));
                if (fill !== undefined)
                    bytes.fill(this.constant(src, fill) & 0xff);
                this.items.push({ ...src, kind: "bytes", bytes });
                return;
            }
            case ".ascii":
            case ".asciz":
            case ".string": {
                const out = [];
                for (const s of list()) {
                    out.push(...this.guard(src, () => parseStringLiteral(s)));
                    if (name !== ".ascii")
                        out.push(0);
                }
                this.items.push({ ...src, kind: "bytes", bytes: Uint8Array.from(out) });
                return;
            }
            default:
                if (IGNORED_DIRECTIVES.has(name))
                    return;
                throw this.error(src, `unknown directive '${name}'`);
        }
    }
    // --- layout --------------------------------------------------------------------------------
    layout(previous, minLength, emit) {
        const labels = new Map();
        const newSizes = new Int32Array(this.items.length);
        const chunks = [];
        const lines = [];
        let offset = 0;
        let pendingLabel;
        for (let k = 0; k < this.items.length; k++) {
            const item = this.items[k];
            const addr = BigInt.asUintN(64, this.base + BigInt(offset));
            if (item.kind === "label") {
                labels.set(item.name, addr);
                if (!item.name.includes(":"))
                    pendingLabel ??= item.name;
                continue;
            }
            const lookup = (name) => this.symbolValue(item, name, labels, previous, addr, new Set());
            let bytes;
            switch (item.kind) {
                case "insn":
                    bytes = this.guard(item, () => this.encodeInsn(item, lookup, addr, minLength[k]));
                    break;
                case "data":
                    bytes = this.guard(item, () => dataBytes(item.width, item.values, lookup, emit));
                    break;
                case "bytes":
                    bytes = item.bytes;
                    break;
                case "align": {
                    const pad = (item.boundary - (offset % item.boundary)) % item.boundary;
                    bytes = new Uint8Array(pad);
                    if (item.fill !== undefined)
                        bytes.fill(item.fill);
                    else
                        for (let p = 0; p < pad; p += 8)
                            bytes.set(NOPS[Math.min(8, pad - p)], p);
                    break;
                }
            }
            newSizes[k] = bytes.length;
            offset += bytes.length;
            if (emit) {
                chunks.push(bytes);
                const line = { addr, size: bytes.length, text: item.text };
                if (pendingLabel !== undefined)
                    line.label = pendingLabel;
                lines.push(line);
            }
            pendingLabel = undefined;
        }
        if (!emit)
            return { labels, sizes: newSizes };
        const out = new Uint8Array(offset);
        let at = 0;
        for (const c of chunks) {
            out.set(c, at);
            at += c.length;
        }
        const publicLabels = new Map([...labels].filter(([name]) => !name.includes(":")));
        const symbols = new Map(publicLabels);
        for (const [name, equ] of this.equs) {
            const v = this.guard(equ, () => typeof equ.value === "bigint"
                ? equ.value
                : evaluate(equ.value, (n) => this.symbolValue(equ, n, labels, labels, 0n, new Set([name]))));
            symbols.set(name, v);
        }
        return {
            labels,
            sizes: newSizes,
            assembled: { base: this.base, bytes: out, symbols, labels: publicLabels, lines },
        };
    }
    symbolValue(src, name, current, previous, here, seen) {
        const label = current.get(name) ?? previous?.get(name);
        if (label !== undefined)
            return BigInt.asIntN(64, label);
        if (this.labelNames.has(name))
            return BigInt.asIntN(64, here);
        const equ = this.equs.get(name);
        if (equ !== undefined) {
            if (typeof equ.value === "bigint")
                return equ.value;
            if (seen.has(name))
                throw this.error(src, `symbol '${name}' is defined in terms of itself`);
            seen.add(name);
            const v = evaluate(equ.value, (n) => this.symbolValue(equ, n, current, previous, here, seen));
            seen.delete(name);
            return v;
        }
        const ext = this.externals.get(name);
        if (ext !== undefined)
            return ext;
        if (/^[0-9]+:[0-9]+$/.test(name)) {
            throw new ExpressionError(`no local label '${name.split(":")[0]}:' after this statement`);
        }
        return undefined;
    }
    encodeInsn(item, lookup, addr, minLength) {
        let rawRip;
        const ops = item.operands.map((op) => {
            switch (op.kind) {
                case "reg":
                    return { kind: "reg", r: op.r };
                case "imm":
                    return { kind: "imm", value: evaluate(op.expr, lookup) };
                default: {
                    const disp = op.disp === undefined ? 0n : evaluate(op.disp, lookup);
                    // `sym(%rip)` names the target; a plain number is GNU as's raw displacement.
                    if (op.base?.cls === "rip" && (op.disp === undefined || symbolsOf(op.disp).length === 0))
                        rawRip = disp;
                    return {
                        kind: "mem",
                        seg: op.seg,
                        base: op.base,
                        index: op.index,
                        scale: op.scale,
                        disp,
                        bare: op.bare,
                    };
                }
            }
        });
        const prefixes = { lock: item.lock, rep: item.rep };
        if (rawRip === undefined)
            return encode(item.spec, ops, addr, minLength, prefixes).bytes;
        const withTarget = (target) => ops.map((o) => (o.kind === "mem" && o.base?.cls === "rip" ? { ...o, disp: target } : o));
        const length = encode(item.spec, withTarget(addr), addr, minLength, prefixes).bytes.length;
        return encode(item.spec, withTarget(addr + BigInt(length) + rawRip), addr, minLength, prefixes).bytes;
    }
}
function splitLineArgs(args) {
    const out = [];
    let quote = false;
    let depth = 0;
    let start = 0;
    for (let k = 0; k < args.length; k++) {
        const c = args[k];
        if (c === '"' && args[k - 1] !== "\\")
            quote = !quote;
        if (quote)
            continue;
        if (c === "(")
            depth++;
        else if (c === ")")
            depth--;
        else if (c === "," && depth === 0) {
            out.push(args.slice(start, k).trim());
            start = k + 1;
        }
    }
    const last = args.slice(start).trim();
    if (last !== "" || out.length > 0)
        out.push(last);
    return out;
}
function dataBytes(width, values, lookup, strict) {
    const out = new Uint8Array(width * values.length);
    values.forEach((e, k) => {
        const v = evaluate(e, lookup);
        const bits = BigInt(width * 8);
        if (strict && width < 8 && (v < -(1n << (bits - 1n)) || v >= 1n << bits)) {
            throw new ExpressionError(`value ${v} does not fit ${width * 8} bits`);
        }
        const u = BigInt.asUintN(width * 8, v);
        for (let b = 0; b < width; b++)
            out[k * width + b] = Number((u >> BigInt(8 * b)) & 0xffn);
    });
    return out;
}
/** Assembles `text` at `base` in one call. */
export function assemble(base, text, symbols) {
    const a = new Assembler(symbols === undefined ? { base } : { base, symbols });
    return a.asm(text).assemble();
}
//# sourceMappingURL=assembler.js.map