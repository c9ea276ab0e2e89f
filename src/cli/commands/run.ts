import { bool, list, str } from '../args.js';
import type { Command } from '../command.js';
import { attachStreams, CREATE_OPTIONS, checkCidFile, createRequestFrom, writeCidFile } from '../create-flags.js';
import { checkTerminal, runAttached, runWithoutMonitor } from '../run-attached.js';
import { imageForCreate, PULL_OPTION } from './pull.js';

const run: Command = {
  name: 'run',
  summary: 'Create and run a container',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description:
    "Create a container from IMAGE and run COMMAND (or the image's default) in it.\nIn the foreground, output streams to this terminal and hull exits with the container's exit code (125 when hull fails, 126 when the command cannot be invoked, 127 when it is not found). With -d, hull prints the container ID and returns; the container keeps running under its monitor (conmon).",
  examples: [
    'hull run --rm busybox echo hello',
    'hull run -d --name web busybox httpd -f -p 8080',
    'hull run -it --rm busybox sh',
    "hull run --rm -e GREETING=hi -w /tmp -u nobody busybox sh -c 'echo $GREETING from $(pwd) as $(id -un)'",
  ],
  options: [
    { name: 'detach', short: 'd', type: 'boolean', description: 'run in the background and print the container ID' },
    { name: 'rm', type: 'boolean', description: 'remove the container when it exits' },
    { name: 'interactive', short: 'i', type: 'boolean', description: "keep the container's standard input open and connected" },
    { name: 'tty', short: 't', type: 'boolean', description: 'allocate a pseudo-terminal' },
    { name: 'detach-keys', type: 'string', valueName: 'KEYS', description: 'key sequence to detach from the container (default ctrl-p,ctrl-q with -t)' },
    { name: 'attach', short: 'a', type: 'string', multiple: true, valueName: 'STREAM', description: 'attach only these of STDIN, STDOUT, STDERR (default: all)' },
    { name: 'sig-proxy', type: 'boolean', description: 'pass the signals hull receives to the container (default true)' },
    PULL_OPTION,
    ...CREATE_OPTIONS,
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const [image, ...cmd] = positionals as [string, ...string[]];
    const engine = ctx.engine();
    const tty = bool(options, 'tty');
    const stdin = bool(options, 'interactive');
    if (!bool(options, 'detach')) checkTerminal(tty, stdin);
    const streams = attachStreams(list(options, 'attach'));
    checkCidFile(str(options, 'cidfile'));
    const request = createRequestFrom(options, image, cmd, { env: process.env, cwd: process.cwd() }, { attached: !bool(options, 'detach') });
    request.Config.Image = await imageForCreate(ctx, image, str(options, 'pull'), str(options, 'platform'));
    const record = await engine.containers.create(request);
    writeCidFile(str(options, 'cidfile'), record.Id);
    if (bool(options, 'detach')) {
      await engine.containers.start(record.Id);
      ctx.stdout.write(`${record.Id}\n`);
      return 0;
    }
    // --rm is the engine's AutoRemove: whoever records the exit removes the container.
    const sigProxy = options['sig-proxy'] !== false;
    if (bool(options, 'rm') && !tty) return runWithoutMonitor(engine, record.Id, { stdin, streams, sigProxy });
    return runAttached(engine, record.Id, { tty, stdin, detachKeys: str(options, 'detach-keys'), streams, sigProxy });
  },
};

export default run;
