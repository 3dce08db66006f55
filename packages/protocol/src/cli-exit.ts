import type { Command } from 'commander';
import { errorCode } from './errors.js';

/** Exit statuses of both command lines (the table is in docs/operations.md). */
export const ExitCode = {
  Ok: 0,
  /** The command ran and failed: unreachable server, refused access, bad config file, ... */
  Failure: 1,
  /** The command line itself is wrong: unknown command or option, missing or malformed argument. */
  Usage: 2,
} as const;

/**
 * Parses argv and runs the command. Usage errors exit 2 (commander's default is 1, which a
 * script cannot tell from a failed connection); any other error prints its message and code and
 * exits 1.
 */
export function runCli(program: Command, argv: readonly string[] = process.argv): void {
  // Set before subcommands are parsed; commander copies it onto each subcommand it creates, and
  // the walk covers the ones registered earlier.
  const onExit = (err: { exitCode: number }): never => process.exit(err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);
  const walk = (cmd: Command): void => {
    cmd.exitOverride(onExit);
    cmd.commands.forEach(walk);
  };
  walk(program);
  program.parseAsync(argv).catch((err: unknown) => {
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${program.name()}: ${message}${code ? ` [${code}]` : ''}\n`);
    process.exit(ExitCode.Failure);
  });
}
