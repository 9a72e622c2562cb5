// The Skylake-SP / Cascade Lake core (Cascade Lake is Skylake-SP's core with hardware mitigations; uops.info
// measures it as "CLX" with the same ports and latencies as "SKX") for the out-of-order timing model. Every row
// names its source. Sources, quoted as recalled and checked against the per-instruction output of
// `llvm-mca -mcpu=cascadelake -instruction-info` (LLVM 14, X86SchedSkylakeServer.td) where the two agree:
//   UOPS   A. Abel and J. Reineke, "uops.info: Characterizing Latency, Throughput, and Port Usage of
//          Instructions on Intel Microarchitectures", ASPLOS 2019; tables at https://uops.info/table.html
//          (columns SKX/CLX)
//   AGNER  A. Fog, "Instruction tables", Intel Skylake / Skylake-X sections, and "The microarchitecture of
//          Intel, AMD and VIA CPUs", §11 (Skylake), https://www.agner.org/optimize/
//   INTEL  Intel 64 and IA-32 Architectures Optimization Reference Manual (order no. 248966), §2.2 (Skylake
//          microarchitecture) and §3.4.2.2 (macro-fusion)
// Where LLVM's model differs from uops.info the row says so; the uops.info figure is used.
import type { Sourced, UarchSpec } from "../profile.ts";

const UOPS = "uops.info SKX/CLX (Abel & Reineke, ASPLOS 2019)";
const AGNER = "Agner Fog, instruction tables, Skylake(-X)";
const LLVM_SAME = "llvm-mca -mcpu=cascadelake -instruction-info agrees";

function row(uops: string, fused: number, latency: number, source: string) {
  return { uops, fused, latency, source };
}

const s = (value: number, source: string): Sourced => ({ value, source });

export const skylakeServerUarch: UarchSpec = {
  name: "skylake-server",
  description:
    "Intel Skylake-SP / Cascade Lake core: ports p0–p7 (ALU p0156, loads p23, store address p237, store data p4)",
  issueWidth: s(
    4,
    "INTEL §2.2: the Skylake renamer/allocator issues up to 4 fused-domain µops per cycle (Agner Fog, microarchitecture §11 (Skylake pipeline): four µops per clock through rename); LLVM's model uses a dispatch width of 6, the µop-cache delivery rate",
  ),
  loadLatency: s(
    5,
    `${UOPS}: MOV r64, m64 latency [≤5] (4 only for pointer chasing with a displacement < 2048); INTEL §2.2: L1 data cache load-to-use 4–5 cycles; ${LLVM_SAME} (5)`,
  ),
  loadPorts: "1*p23",
  storeAddressPorts: "1*p237",
  storeDataPorts: "1*p4",
  portsSource: `${UOPS}: a load is one µop on p2 or p3, a store one store-address µop on p2/p3/p7 and one store-data µop on p4, micro-fused into one fused-domain µop`,
  mispredictPenalty: s(
    17,
    "≈ midpoint of the 15–20 cycles Agner Fog measured for Skylake (microarchitecture §11, 'Misprediction penalty'); charged per mispredicted branch (dynamic term)",
  ),
  returnStackEntries: s(
    16,
    "Agner Fog, microarchitecture §3 (branch prediction, 'Returns'): a 16-entry return stack buffer on Intel cores of this generation",
  ),
  macroFusion: s(
    1,
    "INTEL §3.4.2.2: CMP/TEST/ADD/SUB/AND/INC/DEC fuse with a following Jcc (TEST/AND with every Jcc; CMP/ADD/SUB not with JO/JNO/JS/JNS/JP/JNP; INC/DEC only with JE/JNE/JL/JGE/JLE/JG), not when the first has both a memory operand and an immediate or is RIP-relative",
  ),
  forms: {
    nop: row("", 1, 0, `${UOPS}: NOP 1 fused µop, no execution port (retires only); ${LLVM_SAME}`),
    zero_idiom: row(
      "",
      1,
      0,
      `${UOPS}: XOR/SUB r32,r32 of the same register: dependency-breaking zero idiom, no port; INTEL §3.5.1.7; ${LLVM_SAME}`,
    ),
    mov_rr: row(
      "1*p0156",
      1,
      1,
      `${UOPS}: MOV r64,r64 1*p0156 latency 1 (move elimination, which makes some of them 0, is not modelled); ${LLVM_SAME}`,
    ),
    mov_ri: row("1*p0156", 1, 1, `${UOPS}: MOV r,imm 1*p0156; ${LLVM_SAME}`),
    movx_rr: row("1*p0156", 1, 1, `${UOPS}: MOVZX/MOVSX/MOVSXD r,r 1*p0156 latency 1; ${LLVM_SAME}`),
    load: row(
      "",
      1,
      0,
      `${UOPS}: MOV/MOVZX/MOVSX r,m and POP r are the load µop only (1*p23; POP's RSP update is done by the stack engine, Agner Fog, microarchitecture §11 'Stack engine'); latency = loadLatency. LLVM models POP as 2 µops with a 6-cycle RSP dependency (no stack engine)`,
    ),
    store: row(
      "",
      1,
      0,
      `${UOPS}: MOV m,r / MOV m,imm / PUSH r: store-address (p237) + store-data (p4) micro-fused into 1 fused-domain µop (the store µops are added by the memory rule). LLVM models PUSH as 3 µops with an RSP dependency (no stack engine)`,
    ),
    lea_fast: row("1*p15", 1, 1, `${UOPS}: LEA with 1 or 2 components 1*p15 latency 1; ${LLVM_SAME}`),
    lea_slow: row(
      "1*p1",
      1,
      3,
      `${UOPS}: LEA with base+index+displacement (or RIP-relative) 1*p1 latency 3; INTEL §3.5.1.3 ('slow LEA'). LLVM's model gives these 1*p15 latency 1`,
    ),
    alu: row(
      "1*p0156",
      1,
      1,
      `${UOPS}: ADD/SUB/AND/OR/XOR/CMP/TEST/INC/DEC/NEG/NOT r,r|imm 1*p0156 latency 1; ${LLVM_SAME}`,
    ),
    adc: row("1*p06", 1, 1, `${UOPS}: ADC/SBB r,r 1*p06 latency 1 (Broadwell and later); ${LLVM_SAME}`),
    shift_imm: row("1*p06", 1, 1, `${UOPS}: SHL/SHR/SAR/ROL/ROR r,imm 1*p06 latency 1; ${LLVM_SAME}`),
    shift_cl: row(
      "1*p0156+2*p06",
      3,
      2,
      `${UOPS}: SHL/SHR/SAR r,CL 3 µops (1*p0156+2*p06), latency 1 on the data and 2 through the flags merge; ${AGNER}: 3 µops latency 2; LLVM: 3 µops latency 3`,
    ),
    rotate_carry: row(
      "2*p06",
      2,
      2,
      `${AGNER}: RCL/RCR r,1 2 µops latency 2 (by an immediate > 1: 8 µops, priced as by 1)`,
    ),
    imul: row("1*p1", 1, 3, `${UOPS}: IMUL r64,r64 and r64,r64,imm 1*p1 latency 3; ${LLVM_SAME}`),
    mul_wide: row(
      "1*p1+1*p5",
      2,
      4,
      `${UOPS}: MUL/IMUL r64 2 µops (1*p1+1*p5), latency 3 to RAX and 4 to RDX (the later one); ${LLVM_SAME} (2 µops, 4)`,
    ),
    call: row(
      "1*p237+1*p4+1*p6",
      2,
      1,
      `${UOPS}: CALL rel32 / CALL r64: store of the return address (p237+p4, micro-fused) + the branch (p6), 2 fused-domain µops; LLVM assumes a 100-cycle latency for calls ('call instructions are not correctly modeled')`,
    ),
    ret: row(
      "1*p23+1*p6",
      2,
      1,
      `${AGNER}: RET near 2 µops (the return-address load on p2/p3 and the branch on p6); LLVM: 3 µops with an RSP dependency`,
    ),
    jmp: row(
      "1*p6",
      1,
      1,
      `${UOPS}: JMP rel32 / JMP r64 1*p6 (port 0's branch unit takes only predicted-not-taken branches, so a JMP, always taken, is one per cycle); LLVM's model: 1*p06, two per cycle`,
    ),
    jcc: row("1*p06", 1, 1, `${UOPS}: Jcc 1*p06 (predicted taken: p6); ${LLVM_SAME}`),
    fused_jcc: row(
      "1*p06",
      1,
      1,
      "INTEL §2.2 and §3.4.2.2: a macro-fused compare-and-branch is one µop on the branch ports p0/p6; LLVM's model has no macro-fusion",
    ),
    setcc: row("1*p06", 1, 1, `${UOPS}: SETcc r8 1*p06; ${LLVM_SAME}`),
    cmov: row("1*p06", 1, 1, `${UOPS}: CMOVcc r64,r64 1*p06 latency 1; ${LLVM_SAME}`),
    cmov_2: row(
      "2*p06",
      2,
      2,
      `${UOPS}: CMOVBE/CMOVNBE 2*p06 latency 2 (reads both flag groups); ${LLVM_SAME}`,
    ),
    sign_extend_acc: row("1*p0156", 1, 1, `${UOPS}: CBW/CWDE/CDQE 1*p0156; ${LLVM_SAME}`),
    sign_split_acc: row("1*p06", 1, 1, `${UOPS}: CWD/CDQ/CQO 1*p06; ${LLVM_SAME}`),
    xchg_rr: row("3*p0156", 3, 2, `${UOPS}: XCHG r64,r64 3*p0156 latency 2; ${LLVM_SAME}`),
    bt: row("1*p06", 1, 1, `${UOPS}: BT/BTS/BTR/BTC r,r|imm 1*p06 latency 1; ${LLVM_SAME}`),
    leave: row(
      "2*p0156+1*p23",
      3,
      6,
      `${UOPS}: LEAVE 3 µops (RSP←RBP, RBP←[RSP] load, RSP+8); latency to RBP = load 5 + 1; LLVM: 3 µops latency 7`,
    ),
    bswap32: row("1*p15", 1, 1, `${UOPS}: BSWAP r32 1*p15 latency 1; ${LLVM_SAME}`),
    bswap64: row("1*p06+1*p15", 2, 2, `${UOPS}: BSWAP r64 1*p06+1*p15 latency 2; ${LLVM_SAME}`),
    bit_scan: row("1*p1", 1, 3, `${UOPS}: BSF/BSR/TZCNT/LZCNT r64,r64 1*p1 latency 3; ${LLVM_SAME}`),
    shift_double: row(
      "1*p1",
      1,
      3,
      `${UOPS}: SHLD/SHRD r64,r64,imm 1*p1 latency 3 (by CL: 4 µops, priced as by imm); ${LLVM_SAME}`,
    ),
    flags_ah: row("1*p06", 1, 1, `${UOPS}: LAHF/SAHF 1*p06 latency 1; ${LLVM_SAME}`),
    sse: row(
      "1*p015",
      1,
      1,
      `est.: one generic row for SSE/SSE2 (${UOPS}: PADDD/PXOR/MOVDQA/ANDPD xmm 1*p015 latency 1; FP add/mul 1*p01 latency 4 are priced alike); the model does not track XMM dependencies`,
    ),
  },
};
