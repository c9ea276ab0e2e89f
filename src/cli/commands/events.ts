import { HullError } from '../../errors.js';
import { list, str } from '../args.js';
import type { Command } from '../command.js';
import { renderTemplate } from '../output.js';
import { parseLogTime } from '../../engine/flags.js';
import type { EventFilter, HullEvent } from '../../engine/requests.js';

function format(e: HullEvent, template: string | undefined): string {
  if (template === 'json') return JSON.stringify(e);
  if (template !== undefined) return renderTemplate(template, e);
  const when = new Date(e.timeNano / 1e6).toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(e.timeNano % 1e6).padStart(6, '0')}Z`);
  const attrs = Object.entries(e.Actor.Attributes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}`;
}

const events: Command = {
  name: 'events',
  summary: 'Show what happened to containers, images and volumes',
  usage: '[OPTIONS]',
  description: 'Print recorded events, then follow new ones (until --until, or ctrl-c). Every hull process records them; no daemon is needed.',
  examples: ['hull events --since 10m --filter event=die', "hull events --filter container=web --format '{{.Action}} {{.Actor.Attributes.exitCode}}'"],
  options: [
    { name: 'since', type: 'string', valueName: 'TIME', description: 'events since TIME (RFC 3339, Unix time, or a duration such as 10m)' },
    { name: 'until', type: 'string', valueName: 'TIME', description: 'events until TIME, then exit' },
    { name: 'filter', short: 'f', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'type, event, container, image, volume, label' },
    { name: 'format', type: 'string', valueName: 'FORMAT', description: '"json" or a Go-style template' },
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const log = ctx.engine().events;
    const filter: EventFilter = { filters: list(options, 'filter').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as [string, string]) };
    try {
      const since = str(options, 'since');
      if (since !== undefined) filter.since = parseLogTime(since);
      const until = str(options, 'until');
      if (until !== undefined) filter.until = parseLogTime(until);
    } catch (err) {
      throw new HullError('INVALID_ARGUMENT', `Cannot read events: ${(err as Error).message}`);
    }
    const fmt = str(options, 'format');
    await log.stream(filter, (e) => ctx.stdout.write(format(e, fmt) + '\n'));
    return 0;
  },
};

export default events;
