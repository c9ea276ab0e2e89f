/** Rendering for the terminal: docker-style tables, sizes, relative times and Go templates (format/). */
import { formatList, kindOfTable } from './format/list-format.js';
import { parseGoTemplate, runGoTemplate, type GoTemplate } from './format/template.js';

/** Columns separated by at least three spaces, as docker aligns them. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export { humanSizeDecimal as humanSize, timeAgo } from '../engine/views.js';

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
