/**
 * Go's time.ParseDuration, which HEALTHCHECK's --interval/--timeout/--start-period/--start-interval
 * use: a sequence of decimal numbers with units (ns, us/µs, ms, s, m, h), e.g. "1h30m", "1.5s";
 * "0" alone needs no unit. Returns nanoseconds, or undefined when the text is not a duration.
 */
const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (rest !== '') {
    const match = part.exec(rest);
    const [whole, int = '', frac = '', unit = ''] = match ?? [];
    if (whole === undefined || (int === '' && frac === '')) return undefined;
    const scale = UNITS[unit];
    if (scale === undefined) return undefined;
    total += Number(int === '' ? 0 : int) * scale + (frac === '' ? 0 : Math.round((Number(`0.${frac}`) * scale)));
    rest = rest.slice(whole.length);
  }
  return sign * total;
}
