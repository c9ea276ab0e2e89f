import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { openTerminalSession } from '../attach-terminal.js';

const attach: Command = {
  name: 'attach',
  summary: "Attach this terminal to a running container's input and output",
  usage: '[OPTIONS] CONTAINER',
  description: 'Connect to a running container (through its monitor). Detach with the detach keys (ctrl-p,ctrl-q for -t containers) without stopping it.',
  options: [
    { name: 'no-stdin', type: 'boolean', description: 'do not attach standard input' },
    { name: 'detach-keys', type: 'string', valueName: 'KEYS', description: 'key sequence to detach' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const containers = ctx.engine().containers;
    const record = containers.inspect(positionals[0] as string);
    if (record.State.Status !== 'running') throw new HullError('CONFLICT', `Cannot attach to container "${record.Name}": it is ${record.State.Status}`, { hint: `start it with "hull start -a ${record.Name}"` });
    const session = openTerminalSession({ tty: record.Config.Tty, stdin: record.Config.OpenStdin && !bool(options, 'no-stdin'), detachKeys: str(options, 'detach-keys') });
    try {
      const attachment = await containers.attach(record.Id, session.io);
      session.started((size) => void containers.resize(record.Id, size).catch(() => {}));
      if ((await attachment.done) === 'detached') return 0;
      return (await containers.wait(record.Id, record.HostConfig.AutoRemove ? 'removed' : 'not-running')).StatusCode;
    } finally {
      session.restore();
    }
  },
};

export default attach;
