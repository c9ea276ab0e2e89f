import { str } from '../args.js';
import { FORMAT_OPTION, type Command } from '../command.js';
import { renderTemplate } from '../output.js';
import { containerJson, imageJson } from '../../engine/views.js';
import { HullError, errorMessage, escapeControlChars, showUntrusted } from '../../errors.js';

const inspect: Command = {
  name: 'inspect',
  summary: 'Show low-level information on containers or images as JSON',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Show containers and images as JSON, in the shape docker prints. Containers are looked up first, then images.',
  examples: ['hull inspect -f "{{.State.ExitCode}}" mycontainer', 'hull inspect --type image busybox'],
  options: [FORMAT_OPTION, { name: 'type', type: 'string', valueName: 'TYPE', description: 'only look for "container" or "image"' }],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const engine = ctx.engine();
    const type = str(options, 'type');
    if (type !== undefined && type !== 'container' && type !== 'image') {
      throw new HullError('INVALID_ARGUMENT', `Cannot inspect with --type "${type}": expected container or image`);
    }
    const results: unknown[] = [];
    let code = 0;
    for (const name of positionals) {
      const container = type === 'image' ? undefined : engine.containers.list(true).find((c) => c.Id === name || c.Name === name || c.Id.startsWith(name));
      if (container) {
        results.push(containerJson(container, engine.options.runroot));
        continue;
      }
      try {
        if (type === 'container') throw new HullError('NOT_FOUND', `Cannot find container "${name}": no such container`);
        results.push(imageJson(engine.images.details(engine.images.get(name))));
      } catch (err) {
        ctx.stderr.write(`Error: no such object: ${showUntrusted(name)}${type === undefined ? '' : ` (${escapeControlChars(errorMessage(err))})`}\n`);
        code = 1;
      }
    }
    const format = str(options, 'format');
    if (format === undefined || format === 'json') ctx.stdout.write(JSON.stringify(results, null, 4) + '\n');
    else for (const r of results) ctx.stdout.write(renderTemplate(format, r) + '\n');
    return code;
  },
};

export default inspect;
