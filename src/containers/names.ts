/** Container names: docker's rule ([a-zA-Z0-9][a-zA-Z0-9_.-]+) and generated adjective_noun names. */
import { randomInt } from '../sys/random.js';
import { HullError } from '../errors.js';

const ADJECTIVES = ['brave', 'calm', 'eager', 'fervent', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nifty', 'quirky', 'sharp', 'stoic', 'tender', 'vibrant', 'wizardly', 'zealous', 'bold', 'clever'];
const NOUNS = ['hopper', 'lovelace', 'turing', 'ritchie', 'thompson', 'torvalds', 'knuth', 'liskov', 'hamilton', 'curie', 'noether', 'shannon', 'dijkstra', 'lamport', 'babbage', 'goldwasser', 'kahn', 'cerf', 'perlman', 'wozniak'];

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n) || n.length > 253) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return n;
}

export function generateName(attempt: number): string {
  const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
  return attempt === 0 ? base : `${base}${attempt}`;
}
