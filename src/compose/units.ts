/**
 * Value forms compose files share: booleans, integers, byte sizes (docker's units, binary
 * multiples: `512m`, `1gb`), Go durations (`1m30s`, printed back the way Go prints them) and
 * the shell-like word splitting Compose applies to a `command:` given as one string.
 * Each parser throws a ValueError whose message the caller places after the key and line.
 */

export class ValueError extends Error {}

const fail = (msg: string): never => {
  throw new ValueError(msg);
};

export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true' || l === 'yes' || l === 'on' || l === '1') return true;
    if (l === 'false' || l === 'no' || l === 'off' || l === '0') return false;
  }
  return fail(`must be true or false, not ${JSON.stringify(v)}`);
}

export function toInt(v: unknown, min = Number.MIN_SAFE_INTEGER): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[-+]?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) return fail(`must be a whole number, not ${JSON.stringify(v)}`);
  if (n < min) return fail(`must be at least ${min}, not ${n}`);
  return n;
}

export function toStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(`must be a single value, not ${v === null ? 'null' : Array.isArray(v) ? 'a list' : 'a mapping'}`);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** `1g`, `512m`, `1.5gb`, `100000` (bytes), as docker's RAMInBytes reads them. */
export function toBytes(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(v.trim()) : null;
  if (!m) return fail(`must be a size such as 512m or 1g, not ${JSON.stringify(v)}`);
  return Math.floor(Number(m[1]) * (BYTE_UNITS[(m[2] as string).toLowerCase()] as number));
}

const NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`1m30s`, `500ms`, `10s`) in nanoseconds. A bare number is seconds (Compose accepts it). */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v * 1e9;
  if (typeof v !== 'string' || v.trim() === '') return fail(`must be a duration such as 10s or 1m30s, not ${JSON.stringify(v)}`);
  const text = v.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1e9;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * (NS[m[2] as string] as number);
    at = re.lastIndex;
  }
  if (at !== text.length) return fail(`must be a duration such as 10s or 1m30s, not ${JSON.stringify(v)}`);
  return Math.round(total);
}

/** Prints nanoseconds as Go's time.Duration.String does (`1m30s`, `1.5s`, `500ms`, `0s`). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

export function toDuration(v: unknown): string {
  return formatDuration(parseDuration(v));
}

/**
 * Splits a command string into words as a POSIX shell would, without expansion: quotes group,
 * a backslash escapes outside single quotes (what Compose's shellwords parser does).
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return fail(`has an unterminated single quote: ${JSON.stringify(text)}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && ['"', '\\', '$', '`'].includes(text[j + 1] as string)) j++;
        word += text[j];
      }
      if (j >= text.length) return fail(`has an unterminated double quote: ${JSON.stringify(text)}`);
      inWord = true;
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
