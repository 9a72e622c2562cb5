/**
 * AT&T disassembly through iced-x86's GNU-as formatter, with branch targets and absolute or
 * RIP-relative memory addresses shown as labels where one matches exactly.
 */
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Instruction, OpKind, Register } from "iced-x86";
function indexLabels(labels) {
    const exact = new Map();
    for (const [name, value] of labels) {
        const addr = BigInt.asUintN(64, value);
        if (!exact.has(addr))
            exact.set(addr, name);
    }
    const sorted = [...exact]
        .map(([addr, name]) => ({ addr, name }))
        .sort((a, b) => (a.addr < b.addr ? -1 : 1));
    return { sorted, exact };
}
function nearest(addr, index) {
    const { sorted } = index;
    let lo = 0;
    let hi = sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid].addr <= addr) {
            found = mid;
            lo = mid + 1;
        }
        else
            hi = mid - 1;
    }
    if (found < 0)
        return "";
    const { addr: at, name } = sorted[found];
    return at === addr ? name : `${name}+0x${(addr - at).toString(16)}`;
}
/** The nearest label at or below `addr`: "name" or "name+0x1f"; "" when there is none. */
export function symbolize(addr, labels) {
    return nearest(BigInt.asUintN(64, addr), indexLabels(labels));
}
let formatter;
function gasFormatter() {
    if (formatter === undefined) {
        formatter = new Formatter(FormatterSyntax.Gas);
        formatter.gasShowMnemonicSizeSuffix = true;
        formatter.uppercaseHex = false;
        formatter.branchLeadingZeros = false;
    }
    return formatter;
}
/** objdump spells near call/jmp/ret and set<cc> without iced's size suffix. */
function objdumpMnemonics(text) {
    return text.replace(/\b(call|jmp|ret)q\b/, "$1").replace(/^(set[a-z]+)b\b/, "$1");
}
function mnemonicText(f, instr) {
    return objdumpMnemonics(f.formatMnemonic(instr));
}
const NUMBER = /-?0x[0-9a-f]+|-?[0-9]+/;
function annotate(f, instr, labels) {
    const plain = () => objdumpMnemonics(f.format(instr));
    if (labels.exact.size === 0)
        return plain();
    let changed = false;
    const operands = [];
    const count = f.operandCount(instr);
    for (let i = 0; i < count; i++) {
        let text = f.formatOperand(instr, i);
        const op = f.getInstructionOperand(instr, i);
        if (op !== undefined) {
            const kind = instr.opKind(op);
            if (kind === OpKind.NearBranch64) {
                const name = labels.exact.get(instr.nearBranch64);
                if (name !== undefined) {
                    text = name;
                    changed = true;
                }
            }
            else if (kind === OpKind.Memory) {
                if (instr.memoryBase === Register.RIP) {
                    const name = labels.exact.get(instr.ipRelMemoryAddress);
                    if (name !== undefined) {
                        text = text.replace(NUMBER, () => `${name}(%rip)`);
                        changed = true;
                    }
                }
                else if (instr.memoryBase === Register.None) {
                    const name = labels.exact.get(instr.memoryDisplacementU64);
                    if (name !== undefined && NUMBER.test(text.replace(/%[a-z]s:/, ""))) {
                        text = text.replace(/^(\*?(?:%[a-z]s:)?)(-?0x[0-9a-f]+|-?[0-9]+)/, (_m, pre) => `${pre}${name}`);
                        changed = true;
                    }
                }
            }
        }
        operands.push(text);
    }
    if (!changed)
        return plain();
    return `${mnemonicText(f, instr)} ${operands.join(",")}`;
}
function hexBytes(bytes, start, length) {
    const out = [];
    for (let k = start; k < start + length; k++)
        out.push(bytes[k].toString(16).padStart(2, "0"));
    return out.join(" ");
}
/** Disassembles `bytes` loaded at `addr`; invalid bytes give the text "(bad)". */
export function disassemble(bytes, addr, opts = {}) {
    const labels = indexLabels(opts.symbols ?? new Map());
    const f = gasFormatter();
    const decoder = new Decoder(64, bytes, DecoderOptions.None);
    const instr = new Instruction();
    const lines = [];
    const limit = opts.count ?? Number.POSITIVE_INFINITY;
    try {
        const base = BigInt.asUintN(64, addr);
        decoder.ip = base;
        while (decoder.canDecode && lines.length < limit) {
            const offset = decoder.position;
            decoder.decodeOut(instr);
            // Like objdump, an undecodable byte is one "(bad)" line and decoding resumes after it.
            const length = instr.isInvalid ? 1 : instr.length;
            const at = BigInt.asUintN(64, base + BigInt(offset));
            lines.push({
                addr: at,
                length,
                bytes: hexBytes(bytes, offset, Math.min(length, bytes.length - offset)),
                text: instr.isInvalid ? "(bad)" : annotate(f, instr, labels),
                symbol: nearest(at, labels),
            });
            if (instr.isInvalid) {
                decoder.position = offset + 1;
                decoder.ip = at + 1n;
            }
        }
    }
    finally {
        instr.free();
        decoder.free();
    }
    return lines;
}
//# sourceMappingURL=disassembler.js.map