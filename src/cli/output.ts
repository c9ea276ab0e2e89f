/** Rendering for the terminal: docker-style tables, sizes, relative times and Go-style templates. */

/** Columns separated by at least three spaces, as docker aligns them. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Docker's human sizes: decimal units, three significant digits (4.26MB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))}${units[u]}`;
}

export { timeAgo } from '../engine/views.js';

function lookup(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'object') return Array.isArray(v) ? `[${v.map(show).join(' ')}]` : `map[${Object.entries(v).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

/**
 * The subset of Go templates that docker users type: {{.Field.Sub}}, {{json .Field}} and {{json .}},
 * plus \t and \n escapes. Anything else is left as written.
 */
export function renderTemplate(template: string, value: unknown): string {
  return template
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n')
    .replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
      const v = lookup(value, path);
      return json ? JSON.stringify(v ?? null) : show(v);
    });
}

/** Writes a list in the format asked for: table (default), json (one array), or a template per item. */
export function writeFormatted<T>(out: NodeJS.WritableStream, format: string | undefined, items: T[], asTable: (items: T[]) => string, asJson: (item: T) => unknown): void {
  if (format === undefined || format === 'table') out.write(asTable(items));
  else if (format === 'json') out.write(JSON.stringify(items.map(asJson), null, 2) + '\n');
  else for (const item of items) out.write(renderTemplate(format, asJson(item)) + '\n');
}
