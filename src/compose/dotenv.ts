/**
 * `.env` and `env_file` files as Compose v2 reads them (docs: compose/environment-variables/
 * env-file): `KEY=VALUE` lines, `export KEY=VALUE`, `#` comments, blank lines ignored;
 * unquoted values are trimmed and lose a ` #comment`; 'single quotes' are literal;
 * "double quotes" may span lines and understand \n \t \\ \" escapes; unquoted and
 * double-quoted values interpolate `${VAR}` from the lines above and the lookup. A bare `KEY`
 * takes its value from the lookup (and is left out when the lookup has none).
 */
import { HullError } from '../errors.js';
import { InterpolationError, interpolateString, type Lookup } from './interpolate.js';
import { quote } from './yaml-source.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseDotenv(text: string, file: string, lookup: Lookup = () => undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  const resolve: Lookup = (name) => (Object.hasOwn(vars, name) ? vars[name] : lookup(name));
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (what: string): never => {
      throw new HullError('INVALID_FORMAT', `Cannot read env file ${quote(file)}: line ${lineNo}: ${what}`, { hint: 'each line reads KEY=VALUE' });
    };
    let line = (lines[i] as string).trimStart();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.search(/[=:]/);
    if (eq === -1) {
      const key = line.trim();
      if (!KEY.test(key)) fail(`invalid variable name ${quote(key)}`);
      const v = lookup(key);
      if (v !== undefined) vars[key] = v;
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) fail(`invalid variable name ${quote(key)}`);
    let rest = line.slice(eq + 1).trimStart();
    let value: string;
    const q = rest[0];
    if (q === "'" || q === '"') {
      // A quoted value may continue on the following lines until its closing quote.
      let body = rest.slice(1);
      let close = findClose(body, q);
      while (close === -1 && i + 1 < lines.length) {
        body += `\n${lines[++i] as string}`;
        close = findClose(body, q);
      }
      if (close === -1) fail(`unterminated ${q === '"' ? 'double' : 'single'}-quoted value`);
      const raw = body.slice(0, close);
      value = q === "'" ? raw : expand(unescapeDouble(raw), resolve, fail);
    } else {
      const hash = rest.search(/\s#/);
      if (hash !== -1) rest = rest.slice(0, hash);
      value = expand(rest.trim(), resolve, fail);
    }
    vars[key] = value;
  }
  return vars;
}

function findClose(body: string, q: string): number {
  for (let i = 0; i < body.length; i++) {
    if (q === '"' && body[i] === '\\') i++;
    else if (body[i] === q) return i;
  }
  return -1;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', $: '$$' })[c] ?? `\\${c}`);
}

function expand(value: string, lookup: Lookup, fail: (what: string) => never): string {
  if (!value.includes('$')) return value;
  try {
    return interpolateString(value, lookup).value;
  } catch (err) {
    if (err instanceof InterpolationError) fail(err.message);
    throw err;
  }
}
