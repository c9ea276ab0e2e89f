/**
 * `hull compose [OPTIONS] COMMAND`: Compose v2's command line. The project options (-f, -p,
 * --project-directory, --env-file, --profile) come before the subcommand, as in docker
 * compose; this module parses them, hands them with the process's environment and working
 * directory to `loadProject` (the compose core never reads process.env itself), and renders.
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, formatOptions, list, parseArgs, str, type OptionSpec } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { checkArgCount } from '../group.js';
import { loadProject, type LoadOptions } from '../../compose/load.js';
import type { ComposeProject } from '../../compose/model.js';
import { modelAsYaml, modelForOutput, serviceImage } from '../../compose/output.js';
import { down, ps, up, type ComposeSub } from './compose-lifecycle.js';
import { cp, events, exec, kill, logs, ls, pause, restart, rm, run, start, stop, unpause, version } from './compose-containers.js';
import { build, create, images, port, pull, push, top } from './compose-images.js';

const PROJECT_OPTIONS: OptionSpec[] = [
  { name: 'file', short: 'f', type: 'string', multiple: true, valueName: 'FILE', description: 'compose file (default: compose.yaml in this or a parent directory)' },
  { name: 'project-name', short: 'p', type: 'string', valueName: 'NAME', description: 'project name (default: COMPOSE_PROJECT_NAME, name:, or the directory name)' },
  { name: 'project-directory', type: 'string', valueName: 'DIR', description: 'project directory (default: the first file\'s directory)' },
  { name: 'env-file', type: 'string', multiple: true, valueName: 'FILE', description: 'variables for interpolation (default: .env in the project directory)' },
  { name: 'profile', type: 'string', multiple: true, valueName: 'NAME', description: 'enable the services of a profile (default: COMPOSE_PROFILES)' },
];

type Sub = ComposeSub;

function warn(ctx: CliContext, project: ComposeProject): void {
  for (const w of project.warnings) ctx.stderr.write(`WARNING: ${w}\n`);
}

const SUBS: Record<string, Sub> = {
  config: {
    usage: '[OPTIONS] [SERVICE...]',
    summary: 'Check the compose files and print the normalised project',
    options: [
      { name: 'format', type: 'string', valueName: 'FORMAT', description: 'output format: "yaml" (default) or "json"' },
      { name: 'services', type: 'boolean', description: 'print the service names, one a line' },
      { name: 'volumes', type: 'boolean', description: 'print the volume names, one a line' },
      { name: 'networks', type: 'boolean', description: 'print the network names, one a line' },
      { name: 'profiles', type: 'boolean', description: 'print the profile names, one a line' },
      { name: 'images', type: 'boolean', description: 'print the image of each service, one a line' },
      { name: 'quiet', short: 'q', type: 'boolean', description: 'only check the files; print nothing' },
    ],
    async run(ctx, project, { options, positionals }) {
      const format = str(options, 'format') ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') throw new HullError('INVALID_ARGUMENT', `Cannot print the project as ${JSON.stringify(format)}: unknown format`, { hint: 'use --format yaml or --format json' });
      const p = project.load(positionals);
      warn(ctx, p);
      const model = p.model;
      for (const s of positionals) if (!model.services[s]) throw new HullError('NOT_FOUND', `Cannot print service ${JSON.stringify(s)}: no such service in the project`, { hint: `services: ${Object.keys(model.services).join(', ')}` });
      if (positionals.length > 0) model.services = Object.fromEntries(positionals.map((s) => [s, model.services[s]!]));
      const lines = (items: string[]) => ctx.stdout.write(items.map((i) => `${i}\n`).join(''));
      if (bool(options, 'quiet')) return 0;
      if (bool(options, 'services')) lines(Object.keys(model.services).sort());
      else if (bool(options, 'volumes')) lines(Object.keys(model.volumes ?? {}).sort());
      else if (bool(options, 'networks')) lines(Object.keys(model.networks ?? {}).sort());
      else if (bool(options, 'profiles')) lines([...new Set([...Object.values(model.services), ...Object.values(p.disabledServices)].flatMap((s) => s.profiles ?? []))].sort());
      else if (bool(options, 'images')) lines(Object.keys(model.services).sort().map((s) => serviceImage(model, s)));
      else if (format === 'json') ctx.stdout.write(`${JSON.stringify(modelForOutput(model), null, 2)}\n`);
      else ctx.stdout.write(modelAsYaml(model));
      return 0;
    },
  },
  up,
  down,
  ps,
  create,
  build,
  pull,
  push,
  images,
  port,
  top,
  run,
  exec,
  logs,
  start,
  stop,
  restart,
  kill,
  rm,
  pause,
  unpause,
  cp,
  events,
  ls,
  version,
};

function commandList(): string[] {
  const width = Math.max(...Object.keys(SUBS).map((n) => n.length));
  return ['Commands:', ...Object.entries(SUBS).map(([n, s]) => `  ${n.padEnd(width)}   ${s.summary}`), '', 'Run "hull compose COMMAND --help" for more information on a command.'];
}

function help(): string {
  return ['Usage:  hull compose [OPTIONS] COMMAND', '', SUMMARY, '', 'Options:', formatOptions(PROJECT_OPTIONS), '', ...commandList(), ''].join('\n');
}

const SUMMARY = 'Define and run multi-container applications from compose files';

const compose: Command = {
  name: 'compose',
  summary: SUMMARY,
  usage: '[OPTIONS] COMMAND',
  description: [SUMMARY, '', ...commandList()].join('\n'),
  options: PROJECT_OPTIONS,
  stopAtPositional: true,
  async run(ctx, { options, positionals }) {
    const [given, ...rest] = positionals;
    if (given === undefined) {
      ctx.stdout.write(help());
      return 0;
    }
    const sub = SUBS[given];
    if (!sub) throw new HullError('INVALID_ARGUMENT', `Cannot run "hull compose ${given}": unknown command`, { hint: `commands: ${Object.keys(SUBS).join(', ')}` });
    const args = parseArgs(rest, [...sub.options, { name: 'help', type: 'boolean', description: '' }], `compose ${given}`, sub.stopAtPositional);
    if (args.options.help === true) {
      ctx.stdout.write([`Usage:  hull compose ${given} ${sub.usage}`, '', sub.summary, '', 'Options:', formatOptions([...sub.options, { name: 'help', type: 'boolean', description: 'show this help' }]), ''].join('\n'));
      return 0;
    }
    checkArgCount(`compose ${given}`, sub.usage, args.positionals.length, sub.minArgs, sub.maxArgs);
    const base: LoadOptions = {
      workingDir: process.cwd(),
      environment: process.env,
      files: list(options, 'file'),
      envFiles: list(options, 'env-file'),
      profiles: list(options, 'profile'),
      ...(str(options, 'project-name') !== undefined ? { projectName: str(options, 'project-name') } : {}),
      ...(str(options, 'project-directory') !== undefined ? { projectDirectory: str(options, 'project-directory') } : {}),
    };
    // `-f -`: the compose file is this process's standard input (read here: the core takes text, not stdin).
    if (base.files?.includes('-')) base.stdinText = readFileSync(0, 'utf8');
    return sub.run(ctx, { load: (services = []) => loadProject({ ...base, services }) }, args);
  },
};

export default compose;
