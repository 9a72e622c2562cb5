import { PAGE_SIZE, PTE_NX, PTE_U, PTE_W } from "../../cpu/memory.js";
import { USER_BRK_MAX } from "../layout.js";
import { argNum } from "../native-args.js";
const pageAlign = (a) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
/** unsigned long brk(unsigned long brk): the new break, or the old one when the request is refused. */
export function sys_brk(k, cpu) {
    const t = k.current();
    const want = argNum(cpu, 0);
    if (want < t.startBrk || want > t.startBrk + USER_BRK_MAX)
        return t.brk;
    const oldEnd = pageAlign(t.brk);
    const newEnd = pageAlign(want);
    if (newEnd > oldEnd)
        t.space.map(oldEnd, newEnd - oldEnd, PTE_U | PTE_W | PTE_NX);
    else if (newEnd < oldEnd)
        t.space.unmap(newEnd, oldEnd - newEnd);
    t.brk = want;
    return want;
}
//# sourceMappingURL=mm.js.map