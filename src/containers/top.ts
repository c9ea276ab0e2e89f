/**
 * `top`: the processes of a container as the host's ps shows them, in Docker's shape
 * ({Titles, Processes}). ps runs with the user's options over every process, and the rows are
 * then kept by PID, as dockerd does: BSD-style options such as `aux` ignore `-p`, which listed the
 * whole host.
 */
import { HullError } from '../errors.js';
import { execOrThrow } from '../sys/exec.js';
import { runcArgv, type RuntimeOptions } from '../runtime/runc.js';
import type { ContainerRecord } from './record.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Pure: ps output -> rows of the given pids. The last column (the command) keeps its spaces. */
export function parsePsOutput(text: string, pids: ReadonlySet<number>): TopResult {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const Titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidColumn = Titles.indexOf('PID');
  if (pidColumn === -1) throw new HullError('INVALID_ARGUMENT', 'Cannot list processes: the ps options give no PID column', { hint: 'keep the PID column, e.g. "hull top C -ef" or "hull top C aux"' });
  const Processes = lines.slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(' ')];
    return pids.has(Number(row[pidColumn])) ? [row] : [];
  });
  return { Titles, Processes };
}

export async function listProcesses(runtime: RuntimeOptions, record: ContainerRecord, psArgs: string[]): Promise<TopResult> {
  if (record.State.Status !== 'running' && record.State.Status !== 'paused') throw new HullError('CONFLICT', `Cannot list processes of container "${record.Name}": it is ${record.State.Status}`, { hint: `start it first ("hull start ${record.Name}")` });
  for (const a of psArgs) if (/[^\w\-=,:+ ]/.test(a)) throw new HullError('INVALID_ARGUMENT', `Cannot list processes with ps option "${a}"`, { hint: 'ps options are letters, digits and - = , :' });
  const pids = new Set(JSON.parse(await execOrThrow(runcArgv.ps(runtime, record.Id), `list processes of "${record.Name}"`)) as number[]);
  const out = await execOrThrow(['ps', ...(psArgs.length > 0 ? psArgs : ['-ef'])], 'run ps');
  return parsePsOutput(out, pids);
}
