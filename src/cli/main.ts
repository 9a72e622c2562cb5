import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands.ts";
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exitCodeHelp } from "./exit-codes.ts";
import { toolVersion } from "./version.ts";

// A closed pipe (`syscall-lab ... | head`) ends the output, not the program with a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(EXIT_OK);
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
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText("after", `\n${exitCodeHelp()}`);
registerCommands(program);

const argv = process.argv.slice(2);
try {
  await program.parseAsync(argv.length === 0 ? ["node", "syscall-lab", "start"] : process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander already printed its message; help and version exit 0
    process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  } else {
    // loaded only on failure: it names the error classes of the whole tool, so `--help` need not load them
    const { describeFailure } = await import("./describe-failure.ts");
    const f = describeFailure(e);
    process.stderr.write(`syscall-lab: ${f.message}\n`);
    if (f.code === EXIT_INTERNAL && process.env.SYSCALL_LAB_DEBUG && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
    process.exitCode = f.code;
  }
}
