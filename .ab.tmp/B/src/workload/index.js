import { nullWorkload } from "./null.js";
import { sowaMicroWorkload } from "./sowa-micro.js";
import { unixbenchSyscallWorkload } from "./unixbench-syscall.js";
export const WORKLOADS = [nullWorkload, sowaMicroWorkload, unixbenchSyscallWorkload];
export function getWorkload(name) {
    const w = WORKLOADS.find((x) => x.name === name);
    if (!w) {
        throw new Error(`unknown workload '${name}' (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
    }
    return w;
}
//# sourceMappingURL=index.js.map