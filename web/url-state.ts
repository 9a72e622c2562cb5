// The page's set-up and position as a URL fragment, so a teacher can link to "this design, this flag, stopped at
// sysret_check": #flavour=linux-3.1&design=cgroup-tif&tif=TIF_SYSCALL_AUDIT&depth=0&filtered=1&nr=110&b=none&at=sysret_check

export type FlavourChoice = "linux-3.1" | "linux-generic" | "linux-generic-pti";

export interface PageState {
  flavour: FlavourChoice;
  design: string;
  /** TIF_* names */
  tif: string[];
  depth: number;
  filtered: boolean;
  nr: number;
  /** up to six arguments as typed (decimal or 0x hex) */
  args: string[];
  /** the second set-up's design, "" for none (one column) */
  b: string;
  /** position: a step index … */
  step: number | null;
  /** … or the first step at this label */
  at: string;
}

export const DEFAULT_STATE: PageState = {
  flavour: "linux-3.1",
  design: "none",
  tif: [],
  depth: 0,
  filtered: false,
  nr: 110,
  args: [],
  b: "",
  step: null,
  at: "",
};

const FLAVOURS: readonly FlavourChoice[] = ["linux-3.1", "linux-generic", "linux-generic-pti"];

/** Parses a fragment; a bad field is reported and replaced by its default, never thrown. */
export function parseState(hash: string, problems: string[] = []): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const s: PageState = { ...DEFAULT_STATE, tif: [], args: [] };
  const f = q.get("flavour");
  if (f !== null) {
    if ((FLAVOURS as readonly string[]).includes(f)) s.flavour = f as FlavourChoice;
    else problems.push(`flavour '${f}' is not one of ${FLAVOURS.join(", ")}`);
  }
  const d = q.get("design");
  if (d !== null && /^[a-z0-9-]{1,40}$/.test(d)) s.design = d;
  const tif = q.get("tif");
  if (tif) s.tif = tif.split(",").filter((t) => /^TIF_[A-Z0-9_]{1,40}$/.test(t));
  const depth = q.get("depth");
  if (depth !== null) {
    const n = Number(depth);
    if (Number.isInteger(n) && n >= 0 && n <= 3) s.depth = n;
    else problems.push(`depth '${depth}' is not 0..3`);
  }
  s.filtered = q.get("filtered") === "1";
  const nr = q.get("nr");
  if (nr !== null) {
    const n = Number(nr);
    if (Number.isInteger(n) && n >= 0 && n < 1024) s.nr = n;
    else problems.push(`nr '${nr}' is not a syscall number 0..1023`);
  }
  const args = q.get("args");
  if (args) s.args = args.split(",").slice(0, 6);
  const b = q.get("b");
  if (b !== null && /^[a-z0-9-]{0,40}$/.test(b)) s.b = b;
  const step = q.get("step");
  if (step !== null && /^\d{1,7}$/.test(step)) s.step = Number(step);
  const at = q.get("at");
  if (at !== null && /^[\w.]{1,80}$/.test(at)) s.at = at;
  return s;
}

export function formatState(s: PageState): string {
  const q = new URLSearchParams();
  q.set("flavour", s.flavour);
  q.set("design", s.design);
  if (s.tif.length) q.set("tif", s.tif.join(","));
  q.set("depth", String(s.depth));
  if (s.filtered) q.set("filtered", "1");
  q.set("nr", String(s.nr));
  if (s.args.some((a) => a !== "")) q.set("args", s.args.join(","));
  if (s.b) q.set("b", s.b);
  if (s.at) q.set("at", s.at);
  else if (s.step !== null) q.set("step", String(s.step));
  return `#${q.toString()}`;
}

/** "0x10" or "16" (or "-1") to a 64-bit value; null when it is neither. */
export function parseArg(a: string): bigint | null {
  const t = a.trim();
  if (t === "") return 0n;
  if (!/^-?(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(t)) return null;
  const neg = t.startsWith("-");
  const v = BigInt(neg ? t.slice(1) : t);
  return BigInt.asUintN(64, neg ? -v : v);
}
