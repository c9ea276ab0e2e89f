/** `--follow`, `--tail`, `--since` and `--until` as `hull logs` and `hull pod logs` take them (docker's). */
import { HullError } from '../errors.js';
import { bool, str, type OptionValues } from './args.js';
import { parseLogTime } from '../engine/flags.js';
import type { LogOptions } from '../engine/requests.js';

export function parseLogFlags(options: OptionValues): LogOptions & { follow: boolean } {
  const o: LogOptions & { follow: boolean } = { follow: bool(options, 'follow') };
  const tail = str(options, 'tail');
  if (tail !== undefined && tail !== 'all') {
    if (!/^\d+$/.test(tail)) throw new HullError('INVALID_ARGUMENT', `Cannot use --tail "${tail}": expected a number or "all"`);
    o.tail = Number(tail);
  }
  try {
    const since = str(options, 'since');
    if (since !== undefined) o.since = parseLogTime(since);
    const until = str(options, 'until');
    if (until !== undefined) o.until = parseLogTime(until);
  } catch (err) {
    throw new HullError('INVALID_ARGUMENT', `Cannot read logs: ${(err as Error).message}`);
  }
  return o;
}
