// Which engine Cpu.run uses: the interpreter (the reference) or the block JIT (the default). Both give the same
// guest results, cycles and counts (test/cpu/jit/); `trace` and step() always interpret.
export type Engine = "interp" | "jit";
export const ENGINES: readonly Engine[] = ["interp", "jit"];

let current: Engine = "jit";

/** The engine a new Cpu starts with. */
export function defaultEngine(): Engine {
  return current;
}

/** Sets the engine of Cpus created from now on (the CLI's --engine and SYSCALL_LAB_ENGINE). */
export function setDefaultEngine(e: Engine): void {
  if (!ENGINES.includes(e)) throw new Error(`unknown engine '${e}' (known: ${ENGINES.join(", ")})`);
  current = e;
}
