import type { Command } from 'commander';
import { isNexuralError } from '../schemas/errors.js';

/**
 * Runs the CLI: user errors (NexuralError) print one clear line and exit 1 — never a stack trace;
 * anything else is a bug and keeps its stack.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (isNexuralError(error)) {
      process.stderr.write(`nexural: ${error.code}: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
