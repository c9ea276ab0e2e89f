/** Docker's "Are you sure?" confirmation, answered on standard input; end of input means no. */
import { createRequire } from 'node:module';
import type * as readline from 'node:readline';

/** The question goes to standard output, as docker prints it. */
export async function confirm(ctx: { stdout: NodeJS.WritableStream }, question: string): Promise<boolean> {
  ctx.stdout.write(`${question}\nAre you sure you want to continue? [y/N] `);
  // Loaded only when a question is asked. Not import(): the bundle runs in a vm.Script, which has
  // no dynamic import of Node's built-ins.
  const { createInterface } = createRequire(import.meta.url)('node:readline') as typeof readline;
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
