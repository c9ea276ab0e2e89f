/**
 * Commands that act on several objects (`stop a b c`) go on after a failure, report each error,
 * and exit non-zero at the end, as docker does: 1 when only "no such" errors happened, else 125.
 */
import { errorMessage, escapeControlChars, isHullError } from '../errors.js';
import type { CliContext } from './command.js';

export async function forEach(ctx: CliContext, names: string[], fn: (name: string) => Promise<string | undefined>): Promise<number> {
  let code = 0;
  for (const name of names) {
    try {
      const line = await fn(name);
      if (line !== undefined) ctx.stdout.write(`${line}\n`);
    } catch (err) {
      // Names come from the command line and the store: nothing in them may drive the terminal.
      ctx.stderr.write(`Error: ${escapeControlChars(errorMessage(err), true)}\n`);
      if (isHullError(err) && err.hint) ctx.stderr.write(`hint: ${escapeControlChars(err.hint, true)}\n`);
      const thisCode = isHullError(err, 'NOT_FOUND') ? 1 : isHullError(err) ? err.exitCode : 125;
      code = code === 0 || code === 1 ? thisCode : code;
    }
  }
  return code;
}
