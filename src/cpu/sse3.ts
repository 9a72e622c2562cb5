// SSE3 (SDM Vol. 2: LDDQU, MOVDDUP, MOVSLDUP, MOVSHDUP, ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD) on the XMM register
// file. The arithmetic is sse-float.ts's (one definition of each IEEE operation): the horizontal forms rearrange
// their inputs into the A/B lanes it reads, so that "first source" in its NaN rule is the left element of a pair.
import { A, arithD, arithF, B, FP_ADD, FP_SUB, R as FR } from "./sse-float.ts";

/** SSE3 moves 192–195: dst dwords x of X ← T (the source, loaded by execSse). */
export function sse3Move(X: Int32Array, x: number, sub: number, T: Int32Array): void {
  switch (sub) {
    case 192: // LDDQU
      X.set(T, x);
      return;
    case 193: // MOVDDUP: the low quadword twice
      X[x] = T[0]!;
      X[x + 1] = T[1]!;
      X[x + 2] = T[0]!;
      X[x + 3] = T[1]!;
      return;
    case 194: // MOVSLDUP: dwords 0 0 2 2
      X[x] = T[0]!;
      X[x + 1] = T[0]!;
      X[x + 2] = T[2]!;
      X[x + 3] = T[2]!;
      return;
    default: // 195 MOVSHDUP: dwords 1 1 3 3
      X[x] = T[1]!;
      X[x + 1] = T[1]!;
      X[x + 2] = T[3]!;
      X[x + 3] = T[3]!;
  }
}

/**
 * SSE3 floating point 196–201 on a = X[x..x+3] and b = T into sse-float's R (the caller has run fpBegin and commits
 * the flags): ADDSUB subtracts in the even lanes and adds in the odd ones; HADD/HSUB combine adjacent pairs, the
 * destination's pairs into the low half of the result and the source's into the high half.
 */
export function sse3Fp(X: Int32Array, x: number, sub: number, T: Int32Array): void {
  const a = [X[x]!, X[x + 1]!, X[x + 2]!, X[x + 3]!];
  const b = [T[0]!, T[1]!, T[2]!, T[3]!];
  switch (sub) {
    case 196: // ADDSUBPD
      A.set(a);
      B.set(b);
      FR.set(a);
      arithD(FP_SUB, 0);
      arithD(FP_ADD, 1);
      return;
    case 197: // ADDSUBPS
      A.set(a);
      B.set(b);
      FR.set(a);
      for (let i = 0; i < 4; i++) arithF(i & 1 ? FP_ADD : FP_SUB, i);
      return;
    case 198: // HADDPD
    case 200: {
      // HSUBPD: lane 0 = a0 op a1, lane 1 = b0 op b1
      A.set([a[0]!, a[1]!, b[0]!, b[1]!]);
      B.set([a[2]!, a[3]!, b[2]!, b[3]!]);
      FR.set(A);
      const k = sub === 198 ? FP_ADD : FP_SUB;
      arithD(k, 0);
      arithD(k, 1);
      return;
    }
    default: {
      // 199 HADDPS, 201 HSUBPS: a0 op a1, a2 op a3, b0 op b1, b2 op b3
      A.set([a[0]!, a[2]!, b[0]!, b[2]!]);
      B.set([a[1]!, a[3]!, b[1]!, b[3]!]);
      FR.set(A);
      const k = sub === 199 ? FP_ADD : FP_SUB;
      for (let i = 0; i < 4; i++) arithF(k, i);
    }
  }
}
