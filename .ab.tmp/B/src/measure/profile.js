// Cost profiles: the data that turns executed instructions and natives into simulated cycles.
// A profile is written as a CostProfileSpec, in which every number carries its source; compileProfile
// validates it and builds the CostTable the CPU charges from.
import { readFileSync } from "node:fs";
import { INSN_CLASSES } from "../cpu/insn-class.js";
import { NATIVE_NAMES, WORK_COST_NAMES } from "../kernel/native-costs.js";
import { sandybridge2011 } from "./profiles/sandybridge-2011.js";
/**
 * The names a profile must price, exactly: the kernel's natives (cost per call) and its work costs (cost per
 * unit, charged from inside natives). src/kernel/native-costs.ts is the single list.
 */
export const PRICED_NAMES = [...NATIVE_NAMES, ...WORK_COST_NAMES];
const SPEC_KEYS = ["name", "description", "clockHz", "classes", "load", "store", "natives"];
const SOURCED_KEYS = ["value", "source", "fitted"];
function isRecord(x) {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}
function describeValue(x) {
    if (typeof x === "number" || typeof x === "boolean" || x === null || x === undefined)
        return String(x);
    if (typeof x === "string")
        return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
    return Array.isArray(x) ? "an array" : `a ${typeof x}`;
}
function checkSourced(x, field, fail) {
    if (!isRecord(x))
        fail(`${field} must be an object { value, source, fitted? } (got ${describeValue(x)})`);
    for (const k of Object.keys(x)) {
        if (!SOURCED_KEYS.includes(k))
            fail(`${field}.${k} is not a known field`);
    }
    const { value, source, fitted } = x;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        fail(`${field}.value must be a finite number >= 0 (got ${describeValue(value)})`);
    }
    if (typeof source !== "string" || source.trim() === "") {
        fail(`${field}.source must be a non-empty string naming the citation or derivation`);
    }
    if (fitted !== undefined && typeof fitted !== "boolean") {
        fail(`${field}.fitted must be true or false (got ${describeValue(fitted)})`);
    }
    return fitted === undefined ? { value, source } : { value, source, fitted };
}
function checkTable(x, field, keys, fail) {
    if (!isRecord(x))
        fail(`${field} must be an object keyed by name (got ${describeValue(x)})`);
    for (const k of Object.keys(x)) {
        if (!keys.includes(k))
            fail(`${field}.${k} is not a known name`);
    }
    const out = {};
    for (const k of keys) {
        if (!(k in x))
            fail(`${field}.${k} is missing`);
        out[k] = checkSourced(x[k], `${field}.${k}`, fail);
    }
    return out;
}
function freezeSpec(spec) {
    for (const s of [
        spec.clockHz,
        spec.load,
        spec.store,
        ...Object.values(spec.classes),
        ...Object.values(spec.natives),
    ]) {
        Object.freeze(s);
    }
    Object.freeze(spec.classes);
    Object.freeze(spec.natives);
    return Object.freeze(spec);
}
/**
 * Validates a spec (every class and every native present, no unknown names, every value finite and >= 0
 * with a non-empty source) and builds the profile. Errors are one line and name the offending field.
 */
export function compileProfile(spec, origin) {
    const raw = spec;
    const label = () => {
        const name = isRecord(raw) && typeof raw.name === "string" && raw.name !== "" ? `"${raw.name}"` : "";
        return ["cost profile", name, origin ? `(${origin})` : ""].filter((s) => s !== "").join(" ");
    };
    const fail = (msg) => {
        throw new Error(`${label()}: ${msg}`);
    };
    if (!isRecord(raw))
        return fail(`must be an object (got ${describeValue(raw)})`);
    for (const k of Object.keys(raw)) {
        if (!SPEC_KEYS.includes(k))
            fail(`${k} is not a known field`);
    }
    if (typeof raw.name !== "string" || raw.name.trim() === "")
        fail("name must be a non-empty string");
    if (typeof raw.description !== "string")
        fail("description must be a string");
    const clockHz = checkSourced(raw.clockHz, "clockHz", fail);
    if (clockHz.value <= 0)
        fail("clockHz.value must be > 0");
    const checked = {
        name: raw.name,
        description: raw.description,
        clockHz,
        classes: checkTable(raw.classes, "classes", INSN_CLASSES, fail),
        load: checkSourced(raw.load, "load", fail),
        store: checkSourced(raw.store, "store", fail),
        natives: checkTable(raw.natives, "natives", PRICED_NAMES, fail),
    };
    const classes = Object.freeze(Object.fromEntries(INSN_CLASSES.map((c) => [c, checked.classes[c].value])));
    const costs = Object.freeze({ classes, load: checked.load.value, store: checked.store.value });
    const natives = Object.freeze(Object.fromEntries(PRICED_NAMES.map((n) => [n, checked.natives[n].value])));
    return Object.freeze({
        name: checked.name,
        description: checked.description,
        clockHz: clockHz.value,
        costs,
        natives,
        spec: freezeSpec(checked),
    });
}
const BUILT_IN = [sandybridge2011];
let registry;
function builtIns() {
    registry ??= new Map(BUILT_IN.map((s) => [s.name, compileProfile(s, "built-in")]));
    return registry;
}
/** Names of the built-in profiles, sorted. */
export function listProfiles() {
    return [...builtIns().keys()].sort();
}
/** A built-in profile by name; throws an Error listing the known names if there is none. */
export function getProfile(name) {
    const p = builtIns().get(name);
    if (!p) {
        throw new Error(`unknown cost profile "${name}"; known profiles: ${listProfiles().join(", ")}`);
    }
    return p;
}
/** Reads a user profile: a JSON file in the CostProfileSpec form. */
export function loadProfileFile(path) {
    let text;
    try {
        text = readFileSync(path, "utf8");
    }
    catch (e) {
        throw new Error(`cannot read cost profile file ${path}: ${e.message}`);
    }
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (e) {
        throw new Error(`cost profile file ${path} is not valid JSON: ${e.message}`);
    }
    return compileProfile(json, path);
}
/** Every priced value as a row keyed by its field path in the spec (classes.X, load, store, natives.X). */
export function describeProfile(p) {
    const row = (key, s) => ({
        key,
        cycles: s.value,
        source: s.source,
        fitted: s.fitted === true,
    });
    return [
        ...INSN_CLASSES.map((c) => row(`classes.${c}`, p.spec.classes[c])),
        row("load", p.spec.load),
        row("store", p.spec.store),
        ...PRICED_NAMES.map((n) => row(`natives.${n}`, p.spec.natives[n])),
    ];
}
function cell(s) {
    return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
/** The profile as a Markdown table (the form docs/cost-profiles.md embeds). */
export function profileMarkdownTable(p) {
    const lines = [
        "| key | cycles | fitted | source |",
        "|---|---:|---|---|",
        `| clockHz | ${p.clockHz} Hz | ${p.spec.clockHz.fitted ? "yes" : "no"} | ${cell(p.spec.clockHz.source)} |`,
        ...describeProfile(p).map((r) => `| ${r.key} | ${r.cycles} | ${r.fitted ? "yes" : "no"} | ${cell(r.source)} |`),
    ];
    return lines.join("\n");
}
//# sourceMappingURL=profile.js.map