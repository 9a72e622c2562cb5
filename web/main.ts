// The browser stepper: records one system call of each set-up with the emulator (src/measure/entry-trace.ts, the
// same code and cost accounting as `syscall-lab trace` and `run`) and lets the reader seek in the recording.
import { designIds } from "../src/cgroup/designs/index.ts";
import { GPR_NAMES } from "../src/cpu/registers.ts";
import { PT_REGS_FIELDS } from "../src/kernel/pt-regs.ts";
import { SYSCALL_NAMES_X86_64_3_1 } from "../src/kernel/syscall-names-x86_64-3.1.ts";
import { TIF_NAMES } from "../src/kernel/tif.ts";
import { type Flavour, flavourBlocks } from "../src/measure/compare.ts";
import {
  type EntryTrace,
  type MachineState,
  type TraceSetup,
  type TraceStep,
  tifBits,
  traceSetup,
} from "../src/measure/entry-trace.ts";
import { collapsedStacks, flameFrames, flameSvg } from "../src/measure/flame.ts";
import { getProfile } from "../src/measure/profile.ts";
import { alignTraces, positions, type Tick } from "./lockstep.ts";
import { BOXES_31, BOXES_GENERIC, pathDiagram, pathTaken } from "./paths.ts";
import { DEFAULT_STATE, formatState, type PageState, parseArg, parseState } from "./url-state.ts";

/** Cycles: whole numbers as they are, a timing model's fractional per-instruction shares to two decimals. */
function fmtCycles(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** The thread_info bits a student sets by hand: the work bits the entry code tests. */
const TIF_CHOICES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 28].map((b) => TIF_NAMES[b]!);
/** Steps recorded at most per set-up (a runaway configuration stops here, with a message). */
const MAX_STEPS = 50_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const hex = (v: bigint | number) => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface Side {
  name: string;
  trace: EntryTrace;
  /** the task's own steps of call 1 */
  steps: TraceStep[];
  root: HTMLElement;
  /** listing line elements by address */
  lines: Map<string, HTMLElement>;
  /** indexes of steps the other side does not execute */
  only: Set<number>;
}

let state: PageState = DEFAULT_STATE;
let sides: Side[] = [];
let ticks: Tick[] = [];
/** current tick; -1 = before the SYSCALL instruction */
let pos = -1;
/** how many set-ups were loaded (the browser tests wait on it) */
let loads = 0;

function flavourOf(s: PageState): { flavour: Flavour; pti: boolean; profile: string } {
  if (s.flavour === "linux-3.1") return { flavour: "linux-3.1", pti: false, profile: "sandybridge-2011" };
  const pti = s.flavour === "linux-generic-pti";
  return { flavour: "linux-generic", pti, profile: pti ? "cascadelake-2022-pti" : "cascadelake-2022" };
}

/** The set-up the page traces, as the Node API takes it (the browser tests build the same one for `run`). */
export function setupOf(s: PageState, design: string): TraceSetup {
  const f = flavourOf(s);
  const args = s.args.map((a, i) => {
    const v = parseArg(a);
    if (v === null) throw new Error(`argument ${i + 1} '${a}' is not a number (decimal or 0x hex)`);
    return v;
  });
  while (args.length && args[args.length - 1] === 0n && s.args[args.length - 1]?.trim() === "") args.pop();
  return {
    profile: getProfile(f.profile),
    flavour: f.flavour,
    pti: f.pti,
    design,
    tif: s.tif,
    depth: s.depth,
    filtered: s.filtered,
    syscall: { nr: s.nr, args },
  };
}

function message(text: string): void {
  $("message").textContent = text;
}

function fillForm(): void {
  const designs = designIds();
  const { flavour } = flavourOf(state);
  const opt = (d: string, sel: string) => {
    const blocked = flavourBlocks(d, flavour);
    return `<option value="${d}"${d === sel ? " selected" : ""}${blocked ? " disabled" : ""}>${d}${blocked ? " (3.1 only)" : ""}</option>`;
  };
  $("design").innerHTML = designs.map((d) => opt(d, state.design)).join("");
  $("design-b").innerHTML =
    `<option value="">— (one column)</option>${designs.map((d) => opt(d, state.b)).join("")}`;
  $<HTMLSelectElement>("flavour").value = state.flavour;
  $<HTMLInputElement>("depth").value = String(state.depth);
  $<HTMLInputElement>("filtered").checked = state.filtered;
  $<HTMLInputElement>("nr").value = String(state.nr);
  $("nr-name").textContent = SYSCALL_NAMES_X86_64_3_1[state.nr] ?? "(no 3.1 name)";
  $("tif").innerHTML = TIF_CHOICES.map(
    (n) =>
      `<label class="check"><input type="checkbox" name="tif" value="${n}"${state.tif.includes(n) ? " checked" : ""} /> <code>${n}</code></label>`,
  ).join("");
  $("tif-count").textContent = state.tif.length
    ? `(${state.tif.map((t) => t.replace(/^TIF_/, "")).join(", ")})`
    : "(none set)";
  document.querySelectorAll<HTMLInputElement>("input[name=arg]").forEach((el, i) => {
    el.value = state.args[i] ?? "";
  });
}

function readForm(): PageState {
  const tif = [...document.querySelectorAll<HTMLInputElement>("input[name=tif]:checked")].map((e) => e.value);
  const args = [...document.querySelectorAll<HTMLInputElement>("input[name=arg]")].map((e) => e.value.trim());
  while (args.length && args[args.length - 1] === "") args.pop();
  const nr = Number($<HTMLInputElement>("nr").value);
  const depth = Number($<HTMLInputElement>("depth").value);
  return {
    flavour: $<HTMLSelectElement>("flavour").value as PageState["flavour"],
    design: $<HTMLSelectElement>("design").value,
    b: $<HTMLSelectElement>("design-b").value,
    tif,
    depth: Number.isInteger(depth) && depth >= 0 && depth <= 3 ? depth : 0,
    filtered: $<HTMLInputElement>("filtered").checked,
    nr: Number.isInteger(nr) && nr >= 0 && nr < 1024 ? nr : 110,
    args,
    step: null,
    at: "",
  };
}

function listingHtml(t: EntryTrace): string {
  return t.listing
    .map((l) => {
      if (l.kind === "comment") return `<li class="comment">${esc(l.text)}</li>`;
      if (l.kind === "label")
        return `<li class="label" id="${"" /* labels repeat across sides */}">${esc(l.text)}</li>`;
      return `<li class="insn" data-addr="${l.addr}"><span class="addr">${l.addr!.slice(-6)}</span> ${esc(l.text)}</li>`;
    })
    .join("");
}

function sideHtml(name: string, flavour: string): string {
  return `<section class="side" aria-label="set-up ${esc(name)}">
  <h2>${esc(name)} <small>${esc(flavour)}</small></h2>
  <div class="cycles" aria-live="polite"><span class="total" data-testid="cycles">0</span> cycles
    <span class="split">user <b class="user">0</b> · kernel <b class="kernel">0</b></span>
    <span class="path" data-testid="path"></span></div>
  <div class="diagram"></div>
  <div class="now"><code class="insn-now"></code><p class="note"></p></div>
  <div class="cols">
    <ol class="listing" tabindex="0" aria-label="entry code"></ol>
    <div class="state">
      <h3>registers</h3><table class="regs"></table>
      <h3>RFLAGS</h3><div class="rflags"></div>
      <h3>GS base (swapgs)</h3><div class="gs"></div>
      <h3>thread_info.flags</h3><div class="ti"></div>
      <h3>kernel stack: struct pt_regs</h3><table class="ptregs"></table>
      <h3>decisions so far</h3><ol class="decisions"></ol>
    </div>
  </div>
</section>`;
}

function record(design: string): Side | null {
  const setup = setupOf(state, design);
  const trace = traceSetup(setup, { calls: 1, snapshots: true, maxSteps: MAX_STEPS });
  if (!trace.complete)
    message(`${design}: stopped after ${MAX_STEPS} instructions without finishing the call`);
  const steps = trace.steps.filter((s) => s.call === 1 && !s.other);
  return {
    name: design,
    trace,
    steps,
    root: document.createElement("div"),
    lines: new Map(),
    only: new Set(),
  };
}

/** Whether either side executes the first instruction under `label` at this tick. */
function atLabel(k: Tick, label: string): boolean {
  const hit = (st: TraceStep | undefined) =>
    st !== undefined && st.label === label && !/\+0x/.test(st.symbol);
  return (k.a !== null && hit(sides[0]!.steps[k.a])) || (k.b !== null && hit(sides[1]!.steps[k.b]));
}

/** Records the set-up(s) the state names and builds their columns. */
function load(): void {
  message("");
  const { flavour } = flavourOf(state);
  const names = [state.design, ...(state.b ? [state.b] : [])];
  for (const d of names) {
    const why = designIds().includes(d) ? flavourBlocks(d, flavour) : `unknown design ${d}`;
    if (why) {
      message(`${d}: ${why}; showing none`);
      if (d === state.design) state.design = "none";
      else state.b = "";
    }
  }
  const t0 = performance.now();
  try {
    sides = [state.design, ...(state.b ? [state.b] : [])].map((d) => record(d)!);
  } catch (e) {
    message((e as Error).message);
    sides = [];
  }
  const t1 = performance.now();
  const main = $("sides");
  main.className = sides.length === 2 ? "two" : "one";
  const f = flavourOf(state);
  const what = `${f.flavour}${f.pti ? " + PTI" : ""}, profile ${f.profile}, ${state.filtered ? "filtered" : "unfiltered"} task, depth ${state.depth}`;
  main.innerHTML = sides.map((s) => sideHtml(s.name, what)).join("");
  sides.forEach((s, i) => {
    s.root = main.children[i] as HTMLElement;
    const ol = s.root.querySelector(".listing")!;
    ol.innerHTML = listingHtml(s.trace);
    for (const li of ol.querySelectorAll<HTMLElement>("li.insn")) s.lines.set(li.dataset.addr!, li);
  });
  ticks = alignTraces(sides[0]?.steps ?? [], sides[1]?.steps ?? null);
  if (sides.length === 2) {
    ticks.forEach((t) => {
      if (t.a !== null && t.b === null) sides[0]!.only.add(t.a);
      if (t.b !== null && t.a === null) sides[1]!.only.add(t.b);
    });
    for (const s of sides) for (const i of s.only) s.lines.get(s.steps[i]!.addr)?.classList.add("only");
  }
  const labels = new Set<string>();
  for (const s of sides)
    for (const st of s.steps) if (st.cpl === 0 && !/\+0x/.test(st.symbol)) labels.add(st.label);
  $("label").innerHTML = [...labels].map((l) => `<option>${esc(l)}</option>`).join("");
  pos = -1;
  if (state.at) {
    const at = state.at;
    const t = ticks.findIndex((k) => atLabel(k, at));
    if (t >= 0) pos = t;
    else message(`no step at label ${state.at} in this set-up`);
    $<HTMLSelectElement>("label").value = state.at;
  } else if (state.step !== null) pos = Math.min(state.step, ticks.length) - 1;
  render();
  document.body.dataset.loads = String(++loads);
  document.body.dataset.timing = `record ${Math.round(t1 - t0)} ms, render ${Math.round(performance.now() - t1)} ms`;
}

function stateAt(s: Side, i: number): MachineState | null {
  return i < 0 ? s.trace.initial : (s.steps[i]?.state ?? null);
}

function renderSide(s: Side, i: number): void {
  const r = s.root;
  const q = <T extends Element>(sel: string) => r.querySelector(sel) as T;
  const done = s.steps.slice(0, i + 1);
  const cur = i >= 0 ? s.steps[i]! : null;
  const st = stateAt(s, i);
  const prev = stateAt(s, i - 1);
  const total = cur ? cur.userCycles + cur.sysCycles : 0;
  q(".total").textContent = fmtCycles(total);
  q<HTMLElement>(".total").dataset.cycles = String(total); // exact, for tests and copying
  q(".user").textContent = fmtCycles(cur?.userCycles ?? 0);
  q(".kernel").textContent = fmtCycles(cur?.sysCycles ?? 0);
  const taken = pathTaken(done, s.trace.flavour);
  const last = i === s.steps.length - 1;
  const ret = s.steps[s.steps.length - 1]?.text.startsWith("sysret") ? "SYSRET" : "IRET";
  q(".path").textContent =
    `${taken ? `${taken} path` : ""}${last ? ` · SYSCALL … ${ret}: ${fmtCycles(total)} cycles` : ""}`;
  q(".path").setAttribute("data-path", taken);
  q(".diagram").innerHTML = pathDiagram(
    s.trace.flavour === "linux-3.1" ? BOXES_31 : BOXES_GENERIC,
    done,
    cur,
    s.trace.flavour,
  );
  q(".insn-now").textContent = cur
    ? `${cur.symbol}: ${cur.text}  (${fmtCycles(cur.cycles)} cycle${cur.cycles === 1 ? "" : "s"})${s.only.has(i) ? "  — only in this set-up" : ""}`
    : "before the SYSCALL instruction";
  q(".note").textContent = cur ? [cur.note, cur.changes.join("  ")].filter((x) => x).join(" — ") : "";
  // listing: ran / current
  for (const li of s.lines.values()) li.classList.remove("ran", "current");
  for (const d of done) s.lines.get(d.addr)?.classList.add("ran");
  if (cur) {
    const li = s.lines.get(cur.addr);
    if (li) {
      li.classList.add("current");
      // scroll the listing only (scrollIntoView would move the page away from the controls)
      const ol = li.parentElement!;
      const top = li.offsetTop - ol.offsetTop;
      if (top < ol.scrollTop || top + li.offsetHeight > ol.scrollTop + ol.clientHeight)
        ol.scrollTop = Math.max(0, top - ol.clientHeight / 3);
    }
  }
  if (!st) return;
  const changed = (k: number) => prev !== null && prev.regs[k] !== st.regs[k];
  const rows: string[] = [];
  for (let k = 0; k < 16; k += 2) {
    const cell = (n: number) =>
      `<th>${GPR_NAMES[n]}</th><td class="${changed(n) ? "changed" : ""}">${hex(st.regs[n]!)}${changed(n) ? " ●" : ""}</td>`;
    rows.push(`<tr>${cell(k)}${cell(k + 1)}</tr>`);
  }
  rows.push(
    `<tr><th>rip</th><td>${hex(st.rip)}</td><th>cpl</th><td class="${prev && prev.cpl !== st.cpl ? "changed" : ""}">${st.cpl}${st.cpl === 0 ? " (kernel)" : " (user)"}</td></tr>`,
  );
  q(".regs").innerHTML = rows.join("");
  const flags: [string, number][] = [
    ["CF", 0],
    ["PF", 2],
    ["AF", 4],
    ["ZF", 6],
    ["SF", 7],
    ["TF", 8],
    ["IF", 9],
    ["DF", 10],
    ["OF", 11],
  ];
  q(".rflags").innerHTML = `<code>${hex(st.rflags)}</code> ${flags
    .map(([n, b]) => {
      const on = (st.rflags >>> b) & 1;
      const ch = prev !== null && ((prev.rflags >>> b) & 1) !== on;
      return `<span class="flag${on ? " on" : ""}${ch ? " changed" : ""}" title="${n}=${on}">${n}</span>`;
    })
    .join("")}`;
  const swapped = st.gsBase >= 0x8000_0000_0000_0000n;
  q(".gs").innerHTML =
    `<div>GS.base <code class="${prev && prev.gsBase !== st.gsBase ? "changed" : ""}">${hex(st.gsBase)}</code> ${swapped ? "→ the per-cpu area (kernel)" : "(user's)"}</div><div>IA32_KERNEL_GS_BASE <code>${hex(st.kernelGsBase)}</code></div>`;
  q(".ti").innerHTML = `<code>${hex(st.tif)}</code> ${esc(tifBits(st.tif, s.trace.tifNames))}`;
  const written = (k: number) => prev !== null && prev.ptRegs[k] !== st.ptRegs[k];
  q(".ptregs").innerHTML = `<tr><th>offset</th><th>field</th><th>value</th></tr>${PT_REGS_FIELDS.map(
    ([name, off], k) =>
      `<tr class="${written(k) ? "changed" : ""}"><td>${off}</td><th>${name}</th><td>${hex(st.ptRegs[k]!)}${written(k) ? " ●" : ""}</td></tr>`,
  ).join("")}`;
  q(".decisions").innerHTML = done
    .filter((d) => d.taken !== undefined)
    .map(
      (d) =>
        `<li class="${d.taken ? "taken" : "fall"}"><code>${esc(d.symbol)} ${esc(d.text)}</code><br />${esc(d.note)}</li>`,
    )
    .join("");
}

function render(): void {
  const p = positions(ticks, pos);
  sides.forEach((s, k) => {
    renderSide(s, k === 0 ? p.a : p.b);
  });
  $("pos").textContent = `step ${pos + 1} of ${ticks.length}`;
  const link = formatState({ ...state, step: pos + 1, at: "" });
  $<HTMLAnchorElement>("link").href = link;
  history.replaceState(null, "", link);
}

function go(to: number): void {
  pos = Math.max(-1, Math.min(ticks.length - 1, to));
  state = { ...state, at: "", step: pos + 1 };
  render();
}

function runTo(label: string): void {
  for (let t = pos + 1; t < ticks.length; t++) {
    if (atLabel(ticks[t]!, label)) {
      go(t);
      return;
    }
  }
  message(`${label} is not reached again after this step`);
}

function flame(): void {
  const out = $("flame-out");
  out.hidden = false;
  const { flavour } = flavourOf(state);
  const none =
    sides.find((s) => s.name === "none")?.trace ?? traceSetup(setupOf(state, "none"), { calls: 1 });
  const frames = sides.flatMap((s) => flameFrames(s.name, s.trace, none));
  const svg = flameSvg(
    frames,
    `Where the cycles of this call go (${flavour}${state.flavour.endsWith("pti") ? " + PTI" : ""})`,
    1200,
  );
  const link = (data: string, type: string, name: string) =>
    `<a download="${name}" href="${URL.createObjectURL(new Blob([data], { type }))}">${name}</a>`;
  out.innerHTML = `<h2>Where the cycles go</h2><div class="flame">${svg}</div><p>Download: ${link(svg, "image/svg+xml", "flame.svg")} · ${link(collapsedStacks(frames), "text/plain", "stacks.collapsed.txt")} (flamegraph.pl, speedscope)</p>`;
  out.scrollIntoView({ block: "start" });
  document.body.dataset.flame = "1";
}

function init(): void {
  const problems: string[] = [];
  state = parseState(location.hash, problems);
  fillForm();
  load();
  if (problems.length) message(`link: ${problems.join("; ")}`);
  $("setup").addEventListener("change", () => {
    state = readForm();
    fillForm();
    load();
  });
  $("first").addEventListener("click", () => go(-1));
  $("back").addEventListener("click", () => go(pos - 1));
  $("step").addEventListener("click", () => go(pos + 1));
  $("last").addEventListener("click", () => go(ticks.length - 1));
  $("run-to").addEventListener("click", () => runTo($<HTMLSelectElement>("label").value));
  $("flame").addEventListener("click", flame);
  document.addEventListener("keydown", (e) => {
    const t = e.target as HTMLElement;
    if (t.closest("input, select, textarea") || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight" || e.key === "j") go(pos + 1);
    else if (e.key === "ArrowLeft" || e.key === "k") go(pos - 1);
    else if (e.key === "Home") go(-1);
    else if (e.key === "End") go(ticks.length - 1);
    else return;
    e.preventDefault();
  });
  window.addEventListener("hashchange", () => {
    const next = formatState({ ...state, step: pos + 1, at: "" });
    if (location.hash === next) return;
    state = parseState(location.hash);
    fillForm();
    load();
  });
  document.body.dataset.ready = "1";
}

init();
