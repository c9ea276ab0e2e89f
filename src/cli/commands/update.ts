/**
 * `hull update`: docker's flags for new limits and restart policy, applied by the engine's
 * containers.update (the same call as the API's POST /containers/{id}/update).
 */
import { HullError } from '../../errors.js';
import { str, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { parseRestartPolicy, parseSize } from '../../engine/flags.js';
import type { UpdateRequest } from '../../engine/requests.js';

const SIZE_FLAGS = [['memory', 'Memory'], ['memory-reservation', 'MemoryReservation']] as const;
const INT_FLAGS = [['cpu-shares', 'CpuShares'], ['cpu-quota', 'CpuQuota'], ['cpu-period', 'CpuPeriod'], ['pids-limit', 'PidsLimit'], ['blkio-weight', 'BlkioWeight']] as const;

/** Pure: the flags -> the engine's UpdateRequest (syntax errors name the flag). */
export function updateRequestOf(o: OptionValues): UpdateRequest {
  const req: UpdateRequest = {};
  for (const [flag, key] of SIZE_FLAGS) {
    const v = str(o, flag);
    if (v !== undefined) req[key] = parseSize(v, flag);
  }
  const swap = str(o, 'memory-swap');
  if (swap !== undefined) req.MemorySwap = swap.trim() === '-1' ? -1 : parseSize(swap, 'memory-swap');
  for (const [flag, key] of INT_FLAGS) {
    const v = str(o, flag);
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v.trim())) throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${v}": expected a whole number`);
    req[key] = Number(v);
  }
  const cpus = str(o, 'cpus');
  if (cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(cpus.trim()) || !(Number(cpus) > 0)) throw new HullError('INVALID_ARGUMENT', `Cannot use --cpus "${cpus}": expected a positive number such as 0.5 or 2`);
    req.NanoCpus = Math.round(Number(cpus) * 1e9);
  }
  for (const [flag, key] of [['cpuset-cpus', 'CpusetCpus'], ['cpuset-mems', 'CpusetMems']] as const) {
    const v = str(o, flag);
    if (v !== undefined) req[key] = v;
  }
  const restart = str(o, 'restart');
  if (restart !== undefined) req.RestartPolicy = parseRestartPolicy(restart);
  return req;
}

const option = (name: string, valueName: string, description: string) => ({ name, type: 'string', valueName, description }) as const;

export const update: Command = {
  name: 'update',
  summary: 'Update the configuration of one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Change resource limits (applied at once to a running container\'s cgroup) and the restart policy (from the next exit).',
  options: [
    { ...option('memory', 'SIZE', 'memory limit (e.g. 256m)'), short: 'm' },
    option('memory-swap', 'SIZE', 'memory plus swap limit (-1: unlimited swap)'),
    option('memory-reservation', 'SIZE', 'soft memory limit'),
    option('cpus', 'N', 'number of CPUs (fractional: 1.5)'),
    { ...option('cpu-shares', 'N', 'relative CPU weight'), short: 'c' },
    option('cpu-quota', 'MICROSECONDS', 'CPU time per period (with --cpu-period)'),
    option('cpu-period', 'MICROSECONDS', 'the CPU period of --cpu-quota (default 100000)'),
    option('cpuset-cpus', 'LIST', 'CPUs the container may use (0-3, 0,1)'),
    option('cpuset-mems', 'LIST', 'memory nodes the container may use'),
    option('pids-limit', 'N', 'maximum number of processes (-1: unlimited)'),
    option('blkio-weight', 'N', 'block I/O weight, 10 to 1000 (needs the BFQ or CFQ scheduler)'),
    option('restart', 'POLICY', 'no, always, unless-stopped, on-failure[:MAX]'),
  ],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const request = updateRequestOf(options);
    if (Object.keys(request).length === 0) throw new HullError('INVALID_ARGUMENT', 'Cannot update containers: nothing to change', { hint: 'give a flag such as --memory, --cpus or --restart (hull update --help)' });
    return forEach(ctx, positionals, async (name) => {
      await ctx.engine().containers.update(name, request);
      return name;
    });
  },
};
