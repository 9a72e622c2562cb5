import { argInt } from "../native-args.js";
/** void exit(int error_code): never returns; the exit status is error_code & 0xff. */
export function sys_exit(k, cpu) {
    k.doExit(argInt(cpu, 0) & 0xff, null);
    return undefined;
}
export const sys_exit_group = sys_exit;
//# sourceMappingURL=exit.js.map