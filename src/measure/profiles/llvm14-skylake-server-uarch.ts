// The oracle's own data: the skylake-server µarch table with the rows where LLVM 14's Skylake-Server scheduling
// model (llvm/lib/Target/X86/X86SchedSkylakeServer.td, read through `llvm-mca -mcpu=cascadelake
// -instruction-info -resource-pressure`) differs from uops.info replaced by LLVM's values, LLVM's dispatch width
// (6) and no macro-fusion (llvm-mca has none). Pricing blocks with it isolates the model's mechanics (front end,
// ports, dependency chains) from the table when comparing with llvm-mca; scripts/llvm-mca-agreement.ts
// prices with both this and the production table and docs/validation.md reports both.
import type { UarchTiming } from "../../cpu/timing/uarch.ts";
import { uarchTiming } from "../profile.ts";
import { skylakeServerUarch } from "./skylake-server-uarch.ts";

const prod = uarchTiming(skylakeServerUarch, (m) => {
  throw new Error(m);
});

export const LLVM_DIFFERENCES: Readonly<Record<string, string>> = {
  issueWidth: "IssueWidth = 6 (uops.info/Intel: 4-wide rename)",
  macroFusion: "llvm-mca does not macro-fuse",
  jmp: "JMP rel8 runs at 2 per cycle in llvm-mca (uops.info: 1*p6)",
  lea_slow: "3-component LEA 1*p15 latency 1 (uops.info: 1*p1 latency 3)",
  shift_cl: "SHL r64,CL 3*p06 latency 3 (uops.info: 1*p0156+2*p06, latency 2)",
  leave: "LEAVE latency 7 (uops.info: load 5 + 1)",
};

export const llvmSkx: UarchTiming = {
  ...prod,
  name: "llvm-14-skylake-server",
  issueWidth: 6,
  macroFusion: false,
  forms: {
    ...prod.forms,
    jmp: { uops: "1*p06", fused: 1, latency: 1 },
    lea_slow: { uops: "1*p15", fused: 1, latency: 1 },
    shift_cl: { uops: "3*p06", fused: 3, latency: 3 },
    leave: { uops: "2*p0156+1*p23", fused: 3, latency: 7 },
  },
};
