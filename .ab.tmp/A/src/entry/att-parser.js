/**
 * AT&T statement and operand syntax as GNU as reads Linux's entry_64.S: registers `%rax`,
 * immediates `$expr`, memory `seg:disp(base,index,scale)`, `*` for indirect branch operands.
 */
import { Register } from "iced-x86";
import { parseExpression } from "./expression.js";
export class AttSyntaxError extends Error {
}
const REGISTERS = new Map();
function defineRegister(name, reg, size, cls) {
    REGISTERS.set(name, { name, reg, size, cls });
}
{
    const legacy = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
    const byte8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];
    const byteHigh = ["ah", "ch", "dh", "bh"];
    for (let n = 0; n < 16; n++) {
        const q = n < 8 ? `r${legacy[n]}` : `r${n}`;
        const d = n < 8 ? `e${legacy[n]}` : `r${n}d`;
        const w = n < 8 ? legacy[n] : `r${n}w`;
        const b = n < 8 ? byte8[n] : `r${n}b`;
        defineRegister(q, Register.RAX + n, 64, "gpr");
        defineRegister(d, Register.EAX + n, 32, "gpr");
        defineRegister(w, Register.AX + n, 16, "gpr");
        defineRegister(b, n < 4 ? Register.AL + n : Register.SPL + (n - 4), 8, "gpr");
        if (n >= 8)
            defineRegister(`r${n}l`, Register.SPL + (n - 4), 8, "gpr");
    }
    byteHigh.forEach((name, k) => {
        defineRegister(name, Register.AH + k, 8, "gpr");
    });
    ["es", "cs", "ss", "ds", "fs", "gs"].forEach((name, k) => {
        defineRegister(name, Register.ES + k, 16, "seg");
    });
    for (let n = 0; n < 16; n++)
        defineRegister(`cr${n}`, Register.CR0 + n, 64, "cr");
    for (let n = 0; n < 8; n++)
        defineRegister(`db${n}`, Register.DR0 + n, 64, "dr");
    for (let n = 0; n < 8; n++)
        defineRegister(`dr${n}`, Register.DR0 + n, 64, "dr");
    defineRegister("rip", Register.RIP, 64, "rip");
}
export function lookupRegister(name) {
    return REGISTERS.get(name.toLowerCase());
}
function parseRegister(text) {
    const t = text.trim();
    if (!t.startsWith("%"))
        throw new AttSyntaxError(`expected a register, got '${t}'`);
    const r = lookupRegister(t.slice(1));
    if (r === undefined)
        throw new AttSyntaxError(`unknown register '${t}'`);
    return r;
}
function expression(text) {
    try {
        return parseExpression(text);
    }
    catch (e) {
        throw new AttSyntaxError(`bad expression '${text.trim()}': ${e.message}`);
    }
}
/** Index of the `(` matching the `)` at `close`, or -1. */
function matchingOpen(text, close) {
    let depth = 0;
    for (let i = close; i >= 0; i--) {
        if (text[i] === ")")
            depth++;
        else if (text[i] === "(" && --depth === 0)
            return i;
    }
    return -1;
}
export function parseOperand(raw) {
    let text = raw.trim();
    if (text === "")
        throw new AttSyntaxError("empty operand");
    let indirect = false;
    if (text.startsWith("*")) {
        indirect = true;
        text = text.slice(1).trim();
    }
    if (text.startsWith("$")) {
        if (indirect)
            throw new AttSyntaxError(`'*' before an immediate in '${raw.trim()}'`);
        return { kind: "imm", expr: expression(text.slice(1)), indirect: false };
    }
    let seg = Register.None;
    const segMatch = /^%([a-z]s)\s*:/i.exec(text);
    if (segMatch !== null) {
        const r = lookupRegister(segMatch[1]);
        if (r === undefined || r.cls !== "seg")
            throw new AttSyntaxError(`bad segment override in '${raw.trim()}'`);
        seg = r.reg;
        text = text.slice(segMatch[0].length).trim();
        if (text === "")
            throw new AttSyntaxError(`missing address after segment override in '${raw.trim()}'`);
    }
    else if (text.startsWith("%")) {
        return { kind: "reg", r: parseRegister(text), indirect };
    }
    if (text.endsWith(")")) {
        const open = matchingOpen(text, text.length - 1);
        if (open < 0)
            throw new AttSyntaxError(`unbalanced parentheses in '${raw.trim()}'`);
        const inner = text.slice(open + 1, -1).trim();
        if (inner.startsWith("%") || inner.startsWith(",")) {
            const parts = inner.split(",").map((s) => s.trim());
            if (parts.length > 3)
                throw new AttSyntaxError(`bad memory operand '${raw.trim()}'`);
            const base = parts[0] === "" ? undefined : parseRegister(parts[0]);
            const index = parts[1] === undefined || parts[1] === "" ? undefined : parseRegister(parts[1]);
            let scale = 1;
            if (parts[2] !== undefined && parts[2] !== "") {
                if (!/^[1248]$/.test(parts[2]))
                    throw new AttSyntaxError(`bad scale '${parts[2]}' in '${raw.trim()}'`);
                scale = Number(parts[2]);
            }
            if (base !== undefined && base.cls !== "gpr" && base.cls !== "rip") {
                throw new AttSyntaxError(`bad base register '%${base.name}'`);
            }
            if (base !== undefined && base.cls === "gpr" && base.size !== 64) {
                throw new AttSyntaxError(`base register '%${base.name}' must be a 64-bit register`);
            }
            if (index !== undefined && (index.cls !== "gpr" || index.size !== 64 || index.reg === Register.RSP)) {
                throw new AttSyntaxError(`bad index register '%${index.name}'`);
            }
            if (base?.cls === "rip" && index !== undefined)
                throw new AttSyntaxError("%rip cannot take an index");
            const dispText = text.slice(0, open).trim();
            return {
                kind: "mem",
                seg,
                base,
                index,
                scale,
                disp: dispText === "" ? undefined : expression(dispText),
                bare: false,
                indirect,
            };
        }
    }
    return {
        kind: "mem",
        seg,
        base: undefined,
        index: undefined,
        scale: 1,
        disp: expression(text),
        bare: seg === Register.None,
        indirect,
    };
}
/** Splits on commas outside parentheses and quotes. */
export function splitOperands(text) {
    const out = [];
    let depth = 0;
    let start = 0;
    let quote = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"' && text[i - 1] !== "\\")
            quote = !quote;
        if (quote)
            continue;
        if (c === "(")
            depth++;
        else if (c === ")")
            depth--;
        else if (c === "," && depth === 0) {
            out.push(text.slice(start, i).trim());
            start = i + 1;
        }
    }
    const last = text.slice(start).trim();
    if (last !== "" || out.length > 0)
        out.push(last);
    return out;
}
/**
 * Splits one source line into statements: strips `#` comments, splits on `;`, and peels
 * `label:` definitions off the front. Quotes are respected.
 */
export function splitLine(line) {
    const pieces = [];
    let quote = false;
    let start = 0;
    let end = line.length;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '"' && line[i - 1] !== "\\")
            quote = !quote;
        if (quote)
            continue;
        if (c === "#") {
            end = i;
            break;
        }
        if (c === ";") {
            pieces.push(line.slice(start, i));
            start = i + 1;
        }
    }
    pieces.push(line.slice(start, end));
    const out = [];
    for (const piece of pieces) {
        let rest = piece.trim();
        const labels = [];
        for (;;) {
            const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*|[0-9]+)\s*:(?!:)/.exec(rest);
            if (m === null)
                break;
            labels.push(m[1]);
            rest = rest.slice(m[0].length).trim();
        }
        if (labels.length > 0 || rest !== "")
            out.push({ labels, statement: rest.replace(/\s+/g, " ") });
    }
    return out;
}
export const PREFIXES = new Set(["lock", "rep", "repe", "repz", "repne", "repnz"]);
export function splitStatement(statement) {
    const words = statement.trim();
    const prefixes = [];
    let rest = words;
    for (;;) {
        const m = /^([A-Za-z][A-Za-z0-9]*)\s*(.*)$/.exec(rest);
        if (m === null)
            throw new AttSyntaxError(`expected a mnemonic`);
        const word = m[1].toLowerCase();
        if (PREFIXES.has(word) && m[2] !== "" && /^[A-Za-z]/.test(m[2])) {
            prefixes.push(word);
            rest = m[2];
            continue;
        }
        return { prefixes, mnemonic: word, operands: splitOperands(m[2]) };
    }
}
//# sourceMappingURL=att-parser.js.map