/**
 * Maps an AT&T mnemonic and its operands to an iced-x86 `Code` and encodes it. Candidate forms
 * come from iced's own opcode tables (grouped by the `Code` name's mnemonic part); among the
 * forms that fit, the shortest encoding wins and ties go to the lower opcode, which is the
 * choice GNU as makes (imm8 forms, `05 imm32` accumulator forms, `89 /r` for reg-to-reg moves).
 */
import { Code, CodeExt, Encoder, Instruction, OpCodeOperandKind as K, MemoryOperand, Register, RepPrefixKind, } from "iced-x86";
export class EncodeError extends Error {
}
const CONDITIONS = {
    o: "o",
    no: "no",
    b: "b",
    c: "b",
    nae: "b",
    ae: "ae",
    nb: "ae",
    nc: "ae",
    e: "e",
    z: "e",
    ne: "ne",
    nz: "ne",
    be: "be",
    na: "be",
    a: "a",
    nbe: "a",
    s: "s",
    ns: "ns",
    p: "p",
    pe: "p",
    np: "np",
    po: "np",
    l: "l",
    nge: "l",
    ge: "ge",
    nl: "ge",
    le: "le",
    ng: "le",
    g: "g",
    nle: "g",
};
/** Mnemonics that take a b/w/l/q size suffix, with the iced `Code` groups they draw forms from. */
const SIZED = {
    mov: ["Mov"],
    add: ["Add"],
    adc: ["Adc"],
    sub: ["Sub"],
    sbb: ["Sbb"],
    and: ["And"],
    or: ["Or"],
    xor: ["Xor"],
    cmp: ["Cmp"],
    test: ["Test"],
    inc: ["Inc"],
    dec: ["Dec"],
    neg: ["Neg"],
    not: ["Not"],
    mul: ["Mul"],
    div: ["Div"],
    idiv: ["Idiv"],
    imul: ["Imul"],
    shl: ["Shl"],
    sal: ["Shl"],
    shr: ["Shr"],
    sar: ["Sar"],
    rol: ["Rol"],
    ror: ["Ror"],
    rcl: ["Rcl"],
    rcr: ["Rcr"],
    push: ["Push", "Pushq", "Pushw"],
    pop: ["Pop", "Popq", "Popw"],
    lea: ["Lea"],
    xchg: ["Xchg"],
    bt: ["Bt"],
    bts: ["Bts"],
    btr: ["Btr"],
    btc: ["Btc"],
    nop: ["Nop"],
    cmpxchg: ["Cmpxchg"],
    xadd: ["Xadd"],
    bsf: ["Bsf"],
    bsr: ["Bsr"],
    bswap: ["Bswap"],
    movzx: ["Movzx"],
    movsx: ["Movsx"],
    movsxd: ["Movsxd"],
};
/** Operand-less and other fixed-name mnemonics (AT&T name → iced group). */
const RENAMED = {
    ret: "Retnq",
    retq: "Retnq",
    leave: "Leaveq",
    leaveq: "Leaveq",
    cbw: "Cbw",
    cbtw: "Cbw",
    cwde: "Cwde",
    cwtl: "Cwde",
    cdqe: "Cdqe",
    cltq: "Cdqe",
    cwd: "Cwd",
    cwtd: "Cwd",
    cdq: "Cdq",
    cltd: "Cdq",
    cqo: "Cqo",
    cqto: "Cqo",
    pushf: "Pushfq",
    pushfq: "Pushfq",
    popf: "Popfq",
    popfq: "Popfq",
    sysretq: "Sysretq",
    // GNU as reads a bare `sysret` as the 32-bit form, as it does `iret`.
    sysret: "Sysretd",
    sysretl: "Sysretd",
    iretq: "Iretq",
    iret: "Iretd",
    iretl: "Iretd",
    int: "Int",
};
const SIZE_SUFFIX = { b: 8, w: 16, l: 32, q: 64 };
let groupIndex;
function groups() {
    if (groupIndex === undefined) {
        groupIndex = new Map();
        for (const key of Object.keys(Code)) {
            const value = Code[key];
            if (typeof value !== "number")
                continue;
            const cut = key.indexOf("_");
            const group = cut < 0 ? key : key.slice(0, cut);
            const list = groupIndex.get(group);
            if (list === undefined)
                groupIndex.set(group, [value]);
            else
                list.push(value);
        }
    }
    return groupIndex;
}
function capitalize(s) {
    return s.charAt(0).toUpperCase() + s.slice(1);
}
function generic(names, opSize, srcSize, movabs = false) {
    return { form: "generic", groups: names, opSize, srcSize, movabs };
}
function branchSpec(name) {
    const short = Code[`${name}_rel8_64`];
    const near = Code[`${name}_rel32_64`];
    const codes = [];
    if (short !== undefined)
        codes.push(short);
    if (near !== undefined)
        codes.push(near);
    return { form: "branch", codes };
}
/**
 * Resolves an AT&T mnemonic. `direct` says whether the first operand is a plain expression
 * (a branch target) rather than `*`-indirect, a register or a memory reference.
 */
export function resolveMnemonic(name, operandCount, direct) {
    const m = name.toLowerCase();
    if (m === "jmp" || m === "jmpq" || m === "call" || m === "callq") {
        const base = m.startsWith("jmp") ? "Jmp" : "Call";
        if (direct)
            return branchSpec(base);
        return generic([base], m.endsWith("q") ? 64 : undefined);
    }
    if (m === "jrcxz")
        return branchSpec("Jrcxz");
    if (m === "nop" && operandCount === 0)
        return { form: "fixed", code: Code.Nopd };
    if (m === "movabs" || m === "movabsq")
        return generic(["Mov"], 64, undefined, true);
    if (m === "movslq")
        return generic(["Movsxd"], 64, 32);
    const ext = /^mov([sz])([bw])([wlq])$/.exec(m);
    if (ext !== null) {
        return generic([ext[1] === "s" ? "Movsx" : "Movzx"], SIZE_SUFFIX[ext[3]], SIZE_SUFFIX[ext[2]]);
    }
    const str = /^(movs|stos|lods|scas|cmps)([bwlq])$/.exec(m);
    if (str !== null && operandCount <= 2) {
        return { form: "string", op: str[1], size: SIZE_SUFFIX[str[2]] };
    }
    const renamed = RENAMED[m];
    if (renamed !== undefined)
        return generic([renamed]);
    const sized = SIZED[m];
    if (sized !== undefined)
        return generic(sized);
    const suffix = SIZE_SUFFIX[m.slice(-1)];
    const stem = SIZED[m.slice(0, -1)];
    if (suffix !== undefined && stem !== undefined)
        return generic(stem, suffix);
    const jcc = /^j(.+)$/.exec(m);
    if (jcc !== null && CONDITIONS[jcc[1]] !== undefined)
        return branchSpec(`J${CONDITIONS[jcc[1]]}`);
    const setcc = /^set(.+?)(b?)$/.exec(m);
    if (setcc !== null) {
        const cc = CONDITIONS[setcc[1] + setcc[2]] ?? (setcc[2] === "b" ? CONDITIONS[setcc[1]] : undefined);
        if (cc !== undefined)
            return generic([`Set${cc}`]);
    }
    const cmov = /^cmov(.+)$/.exec(m);
    if (cmov !== null) {
        const whole = CONDITIONS[cmov[1]];
        if (whole !== undefined)
            return generic([`Cmov${whole}`]);
        const cc = CONDITIONS[cmov[1].slice(0, -1)];
        const size = SIZE_SUFFIX[m.slice(-1)];
        if (cc !== undefined && size !== undefined && size !== 8)
            return generic([`Cmov${cc}`], size);
    }
    const group = capitalize(m);
    if (groups().has(group))
        return generic([group]);
    return undefined;
}
const formCache = new Map();
const SUPPORTED_KINDS = new Set([
    K.mem,
    K.mem_offs,
    K.r8_or_mem,
    K.r16_or_mem,
    K.r32_or_mem,
    K.r64_or_mem,
    K.r8_reg,
    K.r8_opcode,
    K.r16_reg,
    K.r16_reg_mem,
    K.r16_rm,
    K.r16_opcode,
    K.r32_reg,
    K.r32_reg_mem,
    K.r32_rm,
    K.r32_opcode,
    K.r64_reg,
    K.r64_reg_mem,
    K.r64_rm,
    K.r64_opcode,
    K.seg_reg,
    K.cr_reg,
    K.dr_reg,
    K.es,
    K.cs,
    K.ss,
    K.ds,
    K.fs,
    K.gs,
    K.al,
    K.cl,
    K.ax,
    K.dx,
    K.eax,
    K.rax,
    K.imm8,
    K.imm8_const_1,
    K.imm8sex16,
    K.imm8sex32,
    K.imm8sex64,
    K.imm16,
    K.imm32,
    K.imm32sex64,
    K.imm64,
]);
function formsOf(group) {
    let forms = formCache.get(group);
    if (forms !== undefined)
        return forms;
    forms = [];
    for (const code of groups().get(group) ?? []) {
        const name = Code[code];
        // Undocumented aliases (e.g. `F6 /1` for test) decode to a different Code; GNU never emits them.
        if (/_[0-9A-F]{2}(r\d)?$/.test(name))
            continue;
        // Far call/jmp through memory are `lcall`/`ljmp` in AT&T.
        if (/_(m|ptr)16(16|32|64)$/.test(name))
            continue;
        const info = CodeExt.opCode(code);
        try {
            if (!info.mode64 || !info.isInstruction)
                continue;
            const kinds = [];
            for (let i = 0; i < info.opCount; i++)
                kinds.push(info.opKind(i));
            if (!kinds.every((k) => SUPPORTED_KINDS.has(k)))
                continue;
            forms.push({
                code,
                name,
                kinds,
                operandSize: info.operandSize,
                defaultOpSize64: info.defaultOpSize64,
                canUseLock: info.canUseLockPrefix,
            });
        }
        finally {
            info.free();
        }
    }
    formCache.set(group, forms);
    return forms;
}
function gprKindSize(k) {
    switch (k) {
        case K.r8_or_mem:
        case K.r8_reg:
        case K.r8_opcode:
        case K.al:
        case K.cl:
            return 8;
        case K.r16_or_mem:
        case K.r16_reg:
        case K.r16_reg_mem:
        case K.r16_rm:
        case K.r16_opcode:
        case K.ax:
        case K.dx:
            return 16;
        case K.r32_or_mem:
        case K.r32_reg:
        case K.r32_reg_mem:
        case K.r32_rm:
        case K.r32_opcode:
        case K.eax:
            return 32;
        case K.r64_or_mem:
        case K.r64_reg:
        case K.r64_reg_mem:
        case K.r64_rm:
        case K.r64_opcode:
        case K.rax:
            return 64;
        default:
            return undefined;
    }
}
function primarySize(f) {
    for (const k of f.kinds) {
        const s = gprKindSize(k);
        if (s !== undefined)
            return s;
    }
    return f.operandSize === 0 ? undefined : f.operandSize;
}
const FIXED_REGISTER = {
    [K.al]: Register.AL,
    [K.cl]: Register.CL,
    [K.ax]: Register.AX,
    [K.dx]: Register.DX,
    [K.eax]: Register.EAX,
    [K.rax]: Register.RAX,
    [K.es]: Register.ES,
    [K.cs]: Register.CS,
    [K.ss]: Register.SS,
    [K.ds]: Register.DS,
    [K.fs]: Register.FS,
    [K.gs]: Register.GS,
};
const fitsSigned = (v, bits) => v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits - 1);
/** Fits `bits` bits read either as signed or as unsigned. */
const fitsBits = (v, bits) => v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits);
/** The value to hand iced for an immediate of kind `k`, or undefined when `v` does not fit. */
function immediateFor(k, v) {
    switch (k) {
        case K.imm8:
            return fitsBits(v, 8) ? BigInt.asIntN(8, v) : undefined;
        case K.imm8_const_1:
            return v === 1n ? 1n : undefined;
        case K.imm8sex16:
        case K.imm8sex32: {
            const bits = k === K.imm8sex16 ? 16 : 32;
            if (!fitsBits(v, bits))
                return undefined;
            const s = BigInt.asIntN(bits, v);
            return fitsSigned(s, 8) ? s : undefined;
        }
        case K.imm8sex64:
            return fitsSigned(v, 8) ? v : undefined;
        case K.imm16:
            return fitsBits(v, 16) ? BigInt.asIntN(16, v) : undefined;
        case K.imm32:
            return fitsBits(v, 32) ? BigInt.asIntN(32, v) : undefined;
        case K.imm32sex64:
            return fitsSigned(v, 32) ? v : undefined;
        case K.imm64:
            return BigInt.asUintN(64, v);
        default:
            return undefined;
    }
}
function isImmKind(k) {
    return (k === K.imm8 ||
        k === K.imm8_const_1 ||
        k === K.imm8sex16 ||
        k === K.imm8sex32 ||
        k === K.imm8sex64 ||
        k === K.imm16 ||
        k === K.imm32 ||
        k === K.imm32sex64 ||
        k === K.imm64);
}
/** Whether operand `op` can fill kind `k`; immediates are checked for kind only (not value). */
function kindMatches(k, op, movabs) {
    switch (op.kind) {
        case "reg": {
            const fixed = FIXED_REGISTER[k];
            if (fixed !== undefined)
                return op.r.reg === fixed;
            if (k === K.seg_reg)
                return op.r.cls === "seg";
            if (k === K.cr_reg)
                return op.r.cls === "cr";
            if (k === K.dr_reg)
                return op.r.cls === "dr";
            return op.r.cls === "gpr" && gprKindSize(k) === op.r.size;
        }
        case "mem":
            if (op.base?.cls === "rip" && k === K.mem_offs)
                return false;
            switch (k) {
                case K.mem:
                case K.r8_or_mem:
                case K.r16_or_mem:
                case K.r32_or_mem:
                case K.r64_or_mem:
                case K.r16_reg_mem:
                case K.r32_reg_mem:
                case K.r64_reg_mem:
                    return !movabs;
                case K.mem_offs:
                    return movabs && op.base === undefined && op.index === undefined;
                default:
                    return false;
            }
        case "imm":
            if (movabs && k !== K.imm64)
                return false;
            return isImmKind(k);
    }
}
const encoder = new Encoder(64);
function memoryOperand(op) {
    const base = op.base?.reg ?? Register.None;
    const index = op.index?.reg ?? Register.None;
    let seg = op.seg;
    // GNU as drops an override naming the default segment.
    const stackBased = base === Register.RSP || base === Register.RBP;
    if ((seg === Register.DS && !stackBased) || (seg === Register.SS && stackBased))
        seg = Register.None;
    if (base === Register.RIP) {
        return new MemoryOperand(base, Register.None, 1, BigInt.asUintN(64, op.disp), 8, false, seg);
    }
    if (!fitsSigned(op.disp, 32)) {
        throw new EncodeError(`displacement 0x${BigInt.asUintN(64, op.disp).toString(16)} does not fit a sign-extended disp32`);
    }
    // With no base, displSize 8 selects 64-bit addressing: SIB with no base and a sign-extended
    // disp32 (displSize 4 would add a 0x67 address-size prefix).
    const displSize = base === Register.None ? 8 : op.disp === 0n ? 0 : 1;
    return new MemoryOperand(base, index, op.scale, BigInt.asUintN(64, op.disp), displSize, false, seg);
}
/** Builds the iced instruction for `form` with Intel-ordered operands; immediates already fitted. */
function build(form, ops, imms) {
    const sig = ops.map((o) => (o.kind === "reg" ? "R" : o.kind === "mem" ? "M" : "I")).join("");
    const reg = (i) => ops[i].r.reg;
    const imm = (i) => Number(imms[i]);
    const isImm64 = form.kinds[ops.length - 1] === K.imm64;
    // The create* functions take ownership of the MemoryOperand (wasm-bindgen moves it), so it is not freed here.
    const withMem = (i, f) => f(memoryOperand(ops[i]));
    switch (sig) {
        case "":
            return Instruction.create(form.code);
        case "R":
            return Instruction.createReg(form.code, reg(0));
        case "M":
            return withMem(0, (m) => Instruction.createMem(form.code, m));
        case "I":
            return Instruction.createI32(form.code, imm(0));
        case "RR":
            return Instruction.createRegReg(form.code, reg(0), reg(1));
        case "RM":
            return withMem(1, (m) => Instruction.createRegMem(form.code, reg(0), m));
        case "MR":
            return withMem(0, (m) => Instruction.createMemReg(form.code, m, reg(1)));
        case "RI":
            return isImm64
                ? Instruction.createRegU64(form.code, reg(0), imms[1])
                : Instruction.createRegI32(form.code, reg(0), imm(1));
        case "MI":
            return withMem(0, (m) => Instruction.createMemI32(form.code, m, imm(1)));
        case "RRI":
            return Instruction.createRegRegI32(form.code, reg(0), reg(1), imm(2));
        case "RMI":
            return withMem(1, (m) => Instruction.createRegMemI32(form.code, reg(0), m, imm(2)));
        default:
            throw new EncodeError(`unsupported operand combination`);
    }
}
function encodeInstruction(instr, ip) {
    try {
        encoder.encode(instr, BigInt.asUintN(64, ip));
        return encoder.takeBuffer();
    }
    catch (e) {
        encoder.takeBuffer();
        throw new EncodeError(String(e.message ?? e).replace(/^Error: /, ""));
    }
    finally {
        instr.free();
    }
}
/**
 * Encodes one instruction at `ip`. `ops` are in AT&T order. Among the fitting forms the
 * shortest one at least `minLength` bytes long is chosen (or the longest, if none is); the
 * assembler raises `minLength` to make branch relaxation converge.
 */
export function encode(spec, atOps, ip, minLength, prefixes) {
    switch (spec.form) {
        case "fixed":
            if (atOps.length !== 0)
                throw new EncodeError("takes no operands");
            return { bytes: encodeInstruction(Instruction.create(spec.code), ip), code: spec.code };
        case "string":
            return encodeString(spec.op, spec.size, prefixes);
        case "branch":
            return encodeBranch(spec.codes, atOps, ip, minLength);
        case "generic":
            return encodeGeneric(spec, atOps, ip, minLength, prefixes);
    }
}
function encodeString(op, size, prefixes) {
    const rep = prefixes.rep === "rep"
        ? RepPrefixKind.Repe
        : prefixes.rep === "repne"
            ? RepPrefixKind.Repne
            : RepPrefixKind.None;
    const s = { 8: "b", 16: "w", 32: "d", 64: "q" }[size];
    let instr;
    switch (op) {
        case "movs":
            instr = Instruction[`createMovs${s}`](64, Register.None, rep);
            break;
        case "lods":
            instr = Instruction[`createLods${s}`](64, Register.None, rep);
            break;
        case "cmps":
            instr = Instruction[`createCmps${s}`](64, Register.None, rep);
            break;
        default:
            instr = Instruction[`create${capitalize(op)}${s}`](64, rep);
    }
    const code = instr.code;
    return { bytes: encodeInstruction(instr, 0n), code };
}
function encodeBranch(codes, ops, ip, minLength) {
    const target = ops[0];
    if (ops.length !== 1 || target === undefined || target.kind !== "mem" || !target.bare) {
        throw new EncodeError("expected one branch target");
    }
    let best;
    let lastError = "branch target out of range";
    for (const code of codes) {
        let bytes;
        try {
            bytes = encodeInstruction(Instruction.createBranch(code, BigInt.asUintN(64, target.disp)), ip);
        }
        catch {
            lastError = `branch target 0x${BigInt.asUintN(64, target.disp).toString(16)} out of range`;
            continue;
        }
        best = { bytes, code };
        if (bytes.length >= minLength)
            return best;
    }
    if (best === undefined)
        throw new EncodeError(lastError);
    return best;
}
function encodeGeneric(spec, atOps, ip, minLength, prefixes) {
    // GNU as assembles `int $3` as the one-byte breakpoint `cc`.
    if (spec.groups[0] === "Int" && atOps.length === 1 && atOps[0].kind === "imm" && atOps[0].value === 3n) {
        return { bytes: encodeInstruction(Instruction.create(Code.Int3), ip), code: Code.Int3 };
    }
    let ops = [...atOps].reverse();
    const isShift = spec.groups.length === 1 && ["Shl", "Shr", "Sar", "Rol", "Ror", "Rcl", "Rcr"].includes(spec.groups[0]);
    if (isShift && ops.length === 1)
        ops = [ops[0], { kind: "imm", value: 1n }];
    // `imul $imm, %reg` is `imul $imm, %reg, %reg`.
    if (spec.groups[0] === "Imul" && ops.length === 2 && ops[1].kind === "imm" && ops[0].kind === "reg") {
        ops = [ops[0], ops[0], ops[1]];
    }
    const orders = [ops];
    // xchg is symmetric; GNU as uses the one-byte `90+r` form whichever side names %rax.
    if (spec.groups[0] === "Xchg" && ops.length === 2)
        orders.push([ops[1], ops[0]]);
    const byKind = [];
    const candidates = [];
    for (const order of orders) {
        for (const group of spec.groups) {
            for (const form of formsOf(group)) {
                if (form.kinds.length !== order.length)
                    continue;
                if (!form.kinds.every((k, i) => kindMatches(k, order[i], spec.movabs)))
                    continue;
                const size = primarySize(form);
                if (spec.opSize !== undefined && size !== spec.opSize)
                    continue;
                if (spec.srcSize !== undefined && gprKindSize(form.kinds[1]) !== spec.srcSize)
                    continue;
                const imms = order.map((o, i) => o.kind === "imm" ? immediateFor(form.kinds[i], o.value) : undefined);
                const candidate = { form, ops: order, imms };
                byKind.push(candidate);
                if (order.every((o, i) => o.kind !== "imm" || imms[i] !== undefined))
                    candidates.push(candidate);
            }
        }
    }
    if (candidates.length === 0) {
        if (byKind.length > 0) {
            const imm = atOps.find((o) => o.kind === "imm");
            const v = imm?.kind === "imm" ? imm.value : 0n;
            throw new EncodeError(`immediate ${v} (0x${BigInt.asUintN(64, v).toString(16)}) out of range`);
        }
        throw new EncodeError("no form of this instruction takes these operands");
    }
    let pool = candidates;
    if (spec.opSize === undefined) {
        const shape = (c) => `${primarySize(c.form)}/${c.form.kinds.map((k, i) => (c.ops[i].kind === "mem" ? gprKindSize(k) : "")).join()}`;
        const shapes = new Set(pool.map(shape));
        if (shapes.size > 1) {
            // push, pop, call and jmp default to 64-bit operands in long mode.
            const wide = pool.filter((c) => c.form.defaultOpSize64 && primarySize(c.form) === 64);
            if (wide.length === 0 || pool.some((c) => !c.form.defaultOpSize64 && primarySize(c.form) !== 16)) {
                throw new EncodeError("operand size is ambiguous; add a b/w/l/q suffix");
            }
            pool = wide;
        }
    }
    if (prefixes.lock) {
        pool = pool.filter((c) => c.form.canUseLock && c.ops[0].kind === "mem");
        if (pool.length === 0)
            throw new EncodeError("lock prefix not allowed here");
    }
    if (prefixes.rep !== undefined)
        throw new EncodeError(`${prefixes.rep} prefix not allowed here`);
    const encodings = [];
    let firstError;
    for (const c of pool) {
        let instr;
        try {
            instr = build(c.form, c.ops, c.imms);
        }
        catch (e) {
            firstError ??= e instanceof EncodeError ? e.message : String(e.message ?? e);
            if (e instanceof EncodeError)
                throw e;
            continue;
        }
        if (prefixes.lock)
            instr.hasLockPrefix = true;
        try {
            encodings.push({ bytes: encodeInstruction(instr, ip), code: c.form.code });
        }
        catch (e) {
            firstError ??= e.message;
        }
    }
    if (encodings.length === 0)
        throw new EncodeError(firstError ?? "cannot encode");
    // Stable sort keeps iced's opcode order among equal lengths.
    encodings.sort((a, b) => a.bytes.length - b.bytes.length);
    return encodings.find((e) => e.bytes.length >= minLength) ?? encodings[encodings.length - 1];
}
//# sourceMappingURL=instruction-encoder.js.map