// The three paths of the entry code as boxes in lanes (fast/SYSRET, audit semi-slow, slow/IRET), each box lit once
// the trace has executed an instruction under one of its labels.
import type { TraceStep } from "../src/measure/entry-trace.ts";

export interface PathBox {
  id: string;
  text: string;
  /** 0: shared entry, 1: fast, 2: audit semi-slow, 3: slow/IRET, 4: shared return */
  lane: number;
  col: number;
  match: (s: TraceStep) => boolean;
}

const label = (re: RegExp) => (s: TraceStep) => s.cpl === 0 && re.test(s.label);

export const BOXES_31: readonly PathBox[] = [
  {
    id: "syscall",
    text: "SYSCALL",
    lane: 0,
    col: 0,
    match: (s) => s.cpl === 3 && s.text.startsWith("syscall"),
  },
  {
    id: "entry",
    text: "swapgs · stack · args",
    lane: 0,
    col: 1,
    match: label(/^system_call(_after_swapgs)?$/),
  },
  { id: "fast", text: "system_call_fastpath", lane: 1, col: 2, match: label(/^system_call_fastpath$/) },
  {
    id: "fast-ret",
    text: "sysret_check",
    lane: 1,
    col: 4,
    match: label(/^(ret_from_sys_call|sysret_check)$/),
  },
  { id: "audit", text: "auditsys", lane: 2, col: 2, match: label(/^auditsys$/) },
  { id: "audit-ret", text: "sysret_audit", lane: 2, col: 4, match: label(/^sysret_(audit|signal|careful)$/) },
  { id: "slow", text: "tracesys", lane: 3, col: 2, match: label(/^tracesys$/) },
  { id: "slow-work", text: "syscall_trace_enter", lane: 3, col: 3, match: label(/^syscall_trace_enter$/) },
  {
    id: "slow-ret",
    text: "int_ret_from_sys_call",
    lane: 3,
    col: 4,
    match: label(
      /^(int_ret_from_sys_call|int_with_check|int_careful|int_very_careful|int_signal|int_restore_rest)$/,
    ),
  },
  { id: "body", text: "sys_call_table → sys_*", lane: 0, col: 3, match: label(/^sys_/) },
  { id: "sysret", text: "SYSRET", lane: 4, col: 5, match: (s) => s.text.startsWith("sysret") },
  { id: "iret", text: "IRET", lane: 3, col: 5, match: (s) => s.text.startsWith("iret") },
];

export const BOXES_GENERIC: readonly PathBox[] = [
  {
    id: "syscall",
    text: "SYSCALL",
    lane: 0,
    col: 0,
    match: (s) => s.cpl === 3 && s.text.startsWith("syscall"),
  },
  { id: "entry", text: "entry_SYSCALL_64", lane: 0, col: 1, match: label(/^entry_SYSCALL_64$/) },
  {
    id: "work-test",
    text: "syscall_work test",
    lane: 1,
    col: 2,
    match: label(/^syscall_enter_from_user_mode$/),
  },
  { id: "slow", text: "syscall_enter_work", lane: 3, col: 2, match: label(/^syscall_enter_work$/) },
  { id: "slow-work", text: "syscall_trace_enter", lane: 3, col: 3, match: label(/^syscall_trace_enter$/) },
  { id: "body", text: "do_syscall_64 → sys_*", lane: 0, col: 3, match: label(/^sys_/) },
  { id: "fast-ret", text: "exit_to_user_mode", lane: 1, col: 4, match: label(/^syscall_exit_to_user_mode$/) },
  {
    id: "slow-ret",
    text: "swapgs_restore_regs…",
    lane: 2,
    col: 4,
    match: label(/^swapgs_restore_regs_and_return_to_usermode$/),
  },
  { id: "sysret", text: "SYSRET", lane: 4, col: 5, match: (s) => s.text.startsWith("sysret") },
  { id: "iret", text: "IRET", lane: 2, col: 5, match: (s) => s.text.startsWith("iret") },
];

export const LANE_NAMES = ["entry", "fast path", "audit semi-slow path", "slow path (IRET)", "return"];
/** 5.x has no audit semi-slow path: any entry work goes through syscall_enter_work, and the way out is SYSRET
 *  unless the opportunistic-SYSRET checks send it to IRET. */
export const LANE_NAMES_GENERIC = [
  "entry",
  "no entry work",
  "IRET return (SYSRET checks failed)",
  "entry work (slow path)",
  "return",
];

/** Which of the three paths the steps so far took: the slow path wins over audit, audit over fast. */
export function pathTaken(steps: readonly TraceStep[], flavour: string): "fast" | "audit" | "slow" | "" {
  let fast = false;
  let audit = false;
  let slow = false;
  for (const s of steps) {
    if (s.other || s.cpl !== 0) continue;
    if (flavour === "linux-3.1") {
      if (s.label === "system_call_fastpath") fast = true;
      if (s.label === "auditsys" || s.label === "sysret_audit") audit = true;
      if (s.label === "syscall_trace_enter" || s.label === "int_ret_from_sys_call") slow = true;
    } else {
      if (s.label === "syscall_enter_from_user_mode") fast = true;
      if (s.label === "syscall_enter_work") slow = true;
    }
  }
  return slow ? "slow" : audit ? "audit" : fast ? "fast" : "";
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** The diagram as SVG: lit boxes for what ran so far, the current box outlined, the taken path's lane named. */
export function pathDiagram(
  boxes: readonly PathBox[],
  steps: readonly TraceStep[],
  current: TraceStep | null,
  flavour: string,
): string {
  const lit = new Set<string>();
  for (const s of steps) for (const b of boxes) if (b.match(s)) lit.add(b.id);
  const cur = current ? boxes.find((b) => b.match(current))?.id : undefined;
  const taken = pathTaken(steps, flavour);
  const takenLane = taken === "fast" ? 1 : taken === "audit" ? 2 : taken === "slow" ? 3 : -1;
  const W = 132;
  const H = 30;
  const x = (c: number) => 6 + c * (W + 10);
  const y = (l: number) => 6 + (l === 4 ? 1 : l) * (H + 12);
  const parts: string[] = [];
  const names = flavour === "linux-3.1" ? LANE_NAMES : LANE_NAMES_GENERIC;
  for (let l = 1; l <= 3; l++) {
    const at = flavour === "linux-3.1" || l !== 2 ? x(2) - 4 : x(4) - 4;
    parts.push(
      `<text x="${at}" y="${y(l) - 2}" class="lane${l === takenLane ? " taken" : ""}" text-anchor="start">${names[l]}${l === takenLane ? " ← taken" : ""}</text>`,
    );
  }
  for (const b of boxes) {
    const cls = ["box", lit.has(b.id) ? "lit" : "", b.id === cur ? "current" : "", `lane${b.lane}`].join(" ");
    parts.push(
      `<g class="${cls}" data-box="${b.id}"><rect x="${x(b.col)}" y="${y(b.lane) + 2}" width="${W}" height="${H}" rx="5"/><text x="${x(b.col) + W / 2}" y="${y(b.lane) + 21}" text-anchor="middle">${esc(b.text)}</text></g>`,
    );
  }
  const width = x(6);
  const height = y(3) + H + 10;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="the three entry paths; taken: ${taken || "not yet decided"}" class="paths">${parts.join("")}</svg>`;
}
