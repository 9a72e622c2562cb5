// exit / exit_group (kernel/exit.c): every task is single-threaded, so both end the task.
import type { Cpu } from "../../cpu/cpu.ts";
import type { KernelContext } from "../kernel-context.ts";
import { argInt } from "../native-args.ts";

/** void exit(int error_code): never returns; the exit status is error_code & 0xff. */
export function sys_exit(k: KernelContext, cpu: Cpu): undefined {
  k.doExit(argInt(cpu, 0) & 0xff, null);
  return undefined;
}

export const sys_exit_group = sys_exit;
