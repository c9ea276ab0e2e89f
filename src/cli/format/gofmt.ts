/**
 * Go's fmt package as templates use it: %v printing of JSON-shaped values (maps as map[k:v] with
 * sorted keys, slices as [a b], nil as <nil>), Sprint, Sprintln and Sprintf with Go's verbs, flags
 * and its %!verb(type=value) complaints (https://pkg.go.dev/fmt).
 */

/** The Go type a JSON-shaped value would have after encoding/json decodes it, for messages. */
export function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') && v.length > 0 ? '[]string' : '[]interface {}';
  return 'map[string]interface {}';
}

/**
 * A number as Go's %v prints it. A whole number is taken for an int (docker's fields are ints);
 * any other is a float64: shortest digits, exponent form below 1e-4 and from 1e6 (%g).
 */
export function formatFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) {
    const [mant, e = '0'] = n.toExponential().split('e');
    const ev = Number(e);
    return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  return String(n);
}

/** %v of one value. `top` is false inside a slice or map, where nil prints as <nil>. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort(compareKeys);
    return `map[${keys.map((k) => `${k}:${formatValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go sorts map keys by value: UTF-8 bytes order, which for strings is code point order. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

/** Go's %q: a double-quoted string with Go escapes (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xfffd) out += c === 0xfffd ? ch : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * x (>= 0) with `prec` decimals, rounded as Go does: to the nearest, ties to even on the exact
 * binary value (2.25 -> "2.2"), where JavaScript's toFixed rounds ties up.
 */
export function toFixedHalfEven(x: number, prec: number): string {
  const exact = x.toFixed(Math.min(100, prec + 30)); // exact enough to see a tie
  const [int = '0', frac = ''] = exact.split('.');
  const kept = frac.slice(0, prec);
  const rest = frac.slice(prec);
  let digits = BigInt(int + kept);
  const last = Number((int + kept).slice(-1));
  if (rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || last % 2 === 1)))) digits += 1n;
  const s = digits.toString().padStart(prec + 1, '0');
  return prec === 0 ? s : `${s.slice(0, -prec)}.${s.slice(-prec)}`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function pad(s: string, f: Spec): string {
  if (f.width === undefined || s.length >= f.width) return s;
  if (f.minus) return s.padEnd(f.width);
  if (f.zero) {
    const sign = /^[+-]/.test(s) ? (s[0] as string) : '';
    return sign + s.slice(sign.length).padStart(f.width - sign.length, '0');
  }
  return s.padStart(f.width);
}

function bad(verb: string, v: unknown): string {
  return `%!${verb}(${goType(v)}=${formatValue(v)})`;
}

function formatInt(v: number, verb: string, f: Spec): string {
  const neg = v < 0;
  const abs = BigInt(Math.abs(v));
  let body: string;
  switch (verb) {
    case 'd':
      body = abs.toString();
      break;
    case 'b':
      body = abs.toString(2);
      break;
    case 'o':
      body = (f.sharp ? '0' : '') + abs.toString(8);
      break;
    case 'x':
      body = (f.sharp ? '0x' : '') + abs.toString(16);
      break;
    case 'X':
      body = (f.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
      break;
    case 'c':
      return pad(String.fromCodePoint(v), { ...f, zero: false });
    case 'q':
      return pad(`'${String.fromCodePoint(v)}'`, f);
    case 'U':
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, f);
    default:
      return bad(verb, v);
  }
  if (f.prec !== undefined) body = body.padStart(f.prec, '0');
  return pad((neg ? '-' : f.plus ? '+' : f.space ? ' ' : '') + body, f);
}

function formatFloatVerb(v: number, verb: string, f: Spec): string {
  let body: string;
  const prec = f.prec ?? 6;
  switch (verb) {
    case 'f':
    case 'F':
      body = toFixedHalfEven(Math.abs(v), prec);
      break;
    case 'e':
    case 'E': {
      const [m, e = '0'] = Math.abs(v).toExponential(prec).split('e');
      const ev = Number(e);
      body = `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
      if (verb === 'E') body = body.toUpperCase();
      break;
    }
    case 'g':
    case 'G':
    case 'v':
      body = f.prec === undefined ? formatFloat(Math.abs(v)) : String(Number(Math.abs(v).toPrecision(Math.max(1, f.prec))));
      break;
    default:
      return bad(verb, v);
  }
  return pad((v < 0 || Object.is(v, -0) ? '-' : f.plus ? '+' : f.space ? ' ' : '') + body, f);
}

function formatOne(verb: string, v: unknown, f: Spec): string {
  if (verb === 'T') return pad(goType(v), f);
  if (verb === 'v' && (typeof v !== 'number' || Number.isInteger(v))) {
    if (typeof v === 'number') return formatInt(v, 'd', f);
    if (typeof v === 'string' && f.sharp) return pad(goQuote(v), f);
    return pad(formatValue(v), f);
  }
  if (typeof v === 'number') return Number.isInteger(v) && !'eEfFgG'.includes(verb) ? formatInt(v, verb, f) : formatFloatVerb(v, verb, f);
  if (typeof v === 'string') {
    const s = f.prec === undefined ? v : [...v].slice(0, f.prec).join('');
    switch (verb) {
      case 's':
        return pad(s, f);
      case 'q':
        return pad(goQuote(s), f);
      case 'x':
      case 'X': {
        const hex = Buffer.from(s).toString('hex');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, f);
      }
      default:
        return bad(verb, v);
    }
  }
  if (typeof v === 'boolean') return verb === 't' ? pad(String(v), f) : bad(verb, v);
  if (v === undefined || v === null) return verb === 's' || verb === 'd' ? `%!${verb}(<nil>)` : pad('<nil>', f);
  if (Array.isArray(v) && verb !== 'v') return `[${v.map((x) => formatOne(verb, x, { ...f, width: undefined })).join(' ')}]`;
  return verb === 's' || verb === 'v' ? pad(formatValue(v), f) : bad(verb, v);
}

/** fmt.Sprintf with Go's verbs, flags, width and precision (including `*`). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const f: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false, width: undefined, prec: undefined };
    i++;
    for (; i < format.length; i++) {
      const fl = format[i];
      if (fl === '-') f.minus = true;
      else if (fl === '+') f.plus = true;
      else if (fl === ' ') f.space = true;
      else if (fl === '0') f.zero = true;
      else if (fl === '#') f.sharp = true;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const w = args[argi++];
        return typeof w === 'number' ? w : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    f.width = readNum();
    if (format[i] === '.') {
      i++;
      f.prec = readNum() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], f);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goType(a)}=${formatValue(a)}`).join(', ')})`;
  return out;
}
