/** Rendering for the terminal: docker-style tables, sizes, relative times and Go templates (format/). */
import { formatList, kindOfTable } from './format/list-format.js';
import { parseGoTemplate, runGoTemplate, type GoTemplate } from './format/template.js';

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

/** "2 minutes ago", "About an hour ago", as docker prints creation times. */
export function timeAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return 'Less than a second ago';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'} ago`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute ago';
  if (m < 60) return `${m} minutes ago`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour ago';
  if (h < 48) return `${h} hours ago`;
  const d = Math.round(s / 86400);
  if (d < 14) return `${d} days ago`;
  if (d < 60) return `${Math.round(d / 7)} weeks ago`;
  if (d < 730) return `${Math.round(d / 30)} months ago`;
  return `${Math.round(d / 365)} years ago`;
}

/**
 * A Go template on one value, as `inspect -f`, `info -f`, `version -f` and `events --format` run
 * it (docker's templates.Parse, without the list formatter's \t and \n escapes). An unknown field
 * of one of docker's structs is an error; a missing key of a map (Labels) prints <no value>.
 * Throws INVALID_ARGUMENT for a malformed template or an unknown field.
 */
export function renderTemplate(template: string, value: unknown): string {
  // Commands call this once per item (inspect, events): parse each distinct template once.
  if (lastParsed?.source !== template) lastParsed = parseGoTemplate(template);
  return runGoTemplate(lastParsed, value, { missingKey: 'struct' });
}
let lastParsed: GoTemplate | undefined;

/**
 * Writes a list in the format asked for: table (default), json (one array), `table TEMPLATE` (a
 * header row and aligned columns, as docker prints them), or a template per item. The whole
 * output is rendered before any of it is written, so a template error prints nothing else.
 */
export function writeFormatted<T>(out: NodeJS.WritableStream, format: string | undefined, items: T[], asTable: (items: T[]) => string, asJson: (item: T) => unknown): void {
  if (format === undefined || format === 'table' || format === '') out.write(asTable(items));
  else if (format === 'json') out.write(JSON.stringify(items.map(asJson), null, 2) + '\n');
  else {
    const kind = kindOfTable(asTable([]).split(/ {2,}|\n/)[0]);
    out.write(formatList(format, items.map((i) => asJson(i) as Record<string, unknown>), kind));
  }
}
