import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands.ts";
import { UsageError } from "./output.ts";
import { toolVersion } from "./version.ts";

// A closed pipe (`syscall-lab ... | head`) ends the output, not the program with a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command();
program
  .name("syscall-lab")
  .description(
    "x86-64 emulator with the Linux syscall entry path, for measuring what syscall filtering costs",
  )
  .version(toolVersion(), "-V, --version", "print the version")
  .exitOverride()
  .showHelpAfterError("(run with --help for usage)");
registerCommands(program);

const argv = process.argv.slice(2);
try {
  await program.parseAsync(argv.length === 0 ? ["node", "syscall-lab", "start"] : process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander already printed its message; help and version exit 0
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof UsageError) {
    process.stderr.write(`syscall-lab: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof Error) {
    process.stderr.write(`syscall-lab: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
