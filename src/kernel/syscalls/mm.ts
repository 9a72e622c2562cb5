// brk (mm/mmap.c): grow or shrink the heap after the program image, page by page.
import type { Cpu } from "../../cpu/cpu.ts";
import { PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../../cpu/memory.ts";
import type { KernelContext } from "../kernel-context.ts";
import { USER_BRK_MAX } from "../layout.ts";
import { framesLeft } from "../mm.ts";
import { argNum } from "../native-args.ts";

const pageAlign = (a: number) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

/** unsigned long brk(unsigned long brk): the new break, or the old one when the request is refused. */
export function sys_brk(k: KernelContext, cpu: Cpu): number {
  const t = k.current();
  const want = argNum(cpu, 0);
  if (want < t.startBrk || want > t.startBrk + USER_BRK_MAX) return t.brk;
  const oldEnd = pageAlign(t.brk);
  const newEnd = pageAlign(want);
  if (newEnd > oldEnd) {
    // out of guest memory (BootOptions.limits.memoryBytes): the request is refused, as for any other reason
    if ((newEnd - oldEnd) / PAGE_SIZE > framesLeft(t.space)) return t.brk;
    t.space.map(oldEnd, newEnd - oldEnd, PTE_U | PTE_W | PTE_NX);
  } else if (newEnd < oldEnd) t.space.unmap(newEnd, oldEnd - newEnd);
  t.brk = want;
  return want;
}
