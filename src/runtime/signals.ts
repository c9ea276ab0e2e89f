/**
 * Signal names as docker takes them (`kill -s`, `--stop-signal`, STOPSIGNAL): KILL, SIGKILL, 9,
 * RTMIN+3. Pure: an unknown one is refused with the list, before runc is asked.
 */
import { constants } from 'node:os';
import { HullError } from '../errors.js';

const NAMES = Object.keys(constants.signals).map((n) => n.replace(/^SIG/, ''));
const RT_MIN = 34;
const RT_MAX = 64;

/** "sigterm", "TERM", "15", "RTMIN+2" -> the name runc takes ("TERM", "15", "36"). */
export function parseSignal(signal: string, flag = '--signal'): string {
  const s = signal.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(s)) {
    if (Number(s) >= 1 && Number(s) <= RT_MAX) return s;
  } else if (NAMES.includes(s)) return s;
  else {
    const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(s);
    const n = rt ? (rt[1] === 'IN' ? RT_MIN : RT_MAX) + Number(rt[2] ?? 0) : NaN;
    if (n >= RT_MIN && n <= RT_MAX) return String(n);
  }
  throw new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${signal}": unknown signal`, { hint: 'use a name such as TERM, KILL, HUP, INT, USR1 (with or without SIG) or a number from 1 to 64' });
}
