// /proc/PID/maps (fs/proc/task_mmu.c show_map_vma) from the page table: this kernel keeps no VMAs, so each line is a
// run of consecutive user pages with the same permissions. Offsets, devices and inodes are 0 and no file names
// are known; the brk heap is named [heap] and the exec stack [stack], as Linux names them.
import { PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../../cpu/memory.ts";
import { USER_STACK_TOP } from "../layout.ts";
import { EXEC_STACK_SIZE } from "../mm.ts";
import type { Task } from "../task.ts";
import { TASK_SIZE_MAX } from "../thread-info.ts";

const hex = (n: number) => n.toString(16).padStart(8, "0");

function perms(pte: number): string {
  if ((pte & PTE_U) === 0) return "---p"; // PROT_NONE: mapped supervisor-only here
  return `r${pte & PTE_W ? "w" : "-"}${pte & PTE_NX ? "-" : "x"}p`;
}

/** The text of /proc/self/maps for task t, now. */
export function procMaps(t: Task): string {
  const end = TASK_SIZE_MAX / PAGE_SIZE;
  const vpns = [...t.space.ptes.keys()].filter((v) => v >= 0 && v < end).sort((a, b) => a - b);
  const heapLo = t.startBrk;
  const heapHi = Math.ceil(t.brk / PAGE_SIZE) * PAGE_SIZE;
  const stackLo = USER_STACK_TOP - EXEC_STACK_SIZE;
  const lines: string[] = [];
  let i = 0;
  while (i < vpns.length) {
    const p = perms(t.space.ptes.get(vpns[i]!)!);
    const lo = vpns[i]! * PAGE_SIZE;
    let j = i + 1;
    // a run also ends at the heap's and the stack's edges (separate VMAs on Linux)
    const edge = (v: number) =>
      v * PAGE_SIZE === heapLo || v * PAGE_SIZE === heapHi || v * PAGE_SIZE === stackLo;
    while (
      j < vpns.length &&
      vpns[j] === vpns[j - 1]! + 1 &&
      !edge(vpns[j]!) &&
      perms(t.space.ptes.get(vpns[j]!)!) === p
    )
      j++;
    const hi = (vpns[j - 1]! + 1) * PAGE_SIZE;
    const name =
      lo >= heapLo && hi <= heapHi && heapHi > heapLo
        ? "[heap]"
        : lo >= stackLo && hi <= USER_STACK_TOP
          ? "[stack]"
          : "";
    const head = `${hex(lo)}-${hex(hi)} ${p} 00000000 00:00 0`;
    lines.push(name === "" ? head : `${head.padEnd(73)}${name}`);
    i = j;
  }
  return lines.map((l) => `${l}\n`).join("");
}
