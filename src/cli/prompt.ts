/** Docker's "Are you sure?" confirmation, answered on standard input; end of input means no. */
import { createInterface } from 'node:readline';

/** The question goes to standard output, as docker prints it. */
export async function confirm(ctx: { stdout: NodeJS.WritableStream }, question: string): Promise<boolean> {
  ctx.stdout.write(`${question}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
