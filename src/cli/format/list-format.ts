/**
 * docker's list formatter (docker/cli cli/command/formatter/formatter.go) for `ps`, `images`,
 * `volume ls`...: a custom `--format` is a Go template run once per row, each followed by a
 * newline; `table TEMPLATE` adds a header row (the same template run on a map of column names,
 * with docker's header functions) and aligns the columns on tabs as docker's tabwriter does.
 * `\t` and `\n` typed literally in the format become a tab and a newline, as in docker.
 */
import { TYPE_NAME } from './exec.js';
import { HEADER_FUNCTIONS } from './funcs.js';
import { alignColumns } from './tabwriter.js';
import { parseGoTemplate, runGoTemplate } from './template.js';
import { execute } from './exec.js';

/** docker's column names per row type; a field not listed gets its name in capitals, split into words. */
const HEADERS: Record<string, Record<string, string>> = {
  container: {
    ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE',
    Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Platform: 'PLATFORM',
    Name: 'NAME', Container: 'CONTAINER', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
  },
  image: {
    ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS',
    VirtualSize: 'VIRTUAL SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Labels: 'LABELS',
  },
  history: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
  network: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' },
  volume: { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' },
  'disk usage': { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
};

/** The row type from the first column of the command's default table (CONTAINER ID: a container). */
const KIND_BY_FIRST_COLUMN: Record<string, string> = {
  'CONTAINER ID': 'container',
  REPOSITORY: 'image',
  IMAGE: 'history',
  'NETWORK ID': 'network',
  DRIVER: 'volume',
  TYPE: 'disk usage',
};

export function kindOfTable(firstColumn: string | undefined): string {
  return KIND_BY_FIRST_COLUMN[firstColumn ?? ''] ?? 'row';
}

/** "CreatedAt" -> "CREATED AT", "ID" -> "ID". */
function headerOf(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toUpperCase();
}

/**
 * A row as docker's typed contexts show it to templates: Labels as "k=v,k2=v2" (sorted), a
 * `.Label "name"` method, and an unknown field reported rather than printed as <no value>.
 */
export function rowContext(row: Record<string, unknown>, kind: string): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...row };
  const labels = row.Labels;
  if (typeof labels === 'object' && labels !== null && !Array.isArray(labels)) {
    const map = labels as Record<string, unknown>;
    ctx.Labels = Object.entries(map).map(([k, v]) => `${k}=${String(v)}`).sort().join(',');
    Object.defineProperty(ctx, 'Label', { enumerable: false, value: (name: string) => (typeof map[name] === 'string' ? map[name] : '') });
  } else if (labels === undefined || labels === null || typeof labels === 'string') {
    const text = typeof labels === 'string' ? labels : '';
    Object.defineProperty(ctx, 'Label', { enumerable: false, value: (name: string) => labelFromText(text, name) });
  }
  Object.defineProperty(ctx, TYPE_NAME, { enumerable: false, value: kind });
  return ctx;
}

function labelFromText(text: string, name: string): string {
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return '';
}

/** docker's format preparation: strip "table", trim spaces, turn typed \t and \n into real ones. */
export function prepareListFormat(format: string): { table: boolean; body: string } {
  const table = format.startsWith('table');
  const body = (table ? format.slice('table'.length) : format).replace(/^ +| +$/g, '').replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
  return { table, body };
}

/** Renders rows with a custom format (anything but "", "table" and "json"); throws on a bad template. */
export function formatList(format: string, rows: Record<string, unknown>[], kind: string): string {
  const { table, body } = prepareListFormat(format);
  const tmpl = parseGoTemplate(body);
  let text = '';
  for (const row of rows) text += runGoTemplate(tmpl, rowContext(row, kind), { missingKey: 'struct' }) + '\n';
  if (!table) return text;
  // The header: the template on column names; an error there (docker ignores it) ends the header.
  const names: Record<string, string> = {};
  for (const field of new Set([...Object.keys(HEADERS[kind] ?? {}), ...rows.flatMap((r) => Object.keys(r))])) names[field] = HEADERS[kind]?.[field] ?? headerOf(field);
  const header = execute(parseGoTemplate(body, HEADER_FUNCTIONS).tree, names, { functions: HEADER_FUNCTIONS, partialOnError: true });
  return alignColumns(`${header}\n${text}`);
}
