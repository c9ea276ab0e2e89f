/**
 * The `hull` binary: parses global options, finds the command, builds the CLI context and runs it.
 * Errors become `Error: <message>` plus a hint on stderr, and docker's exit codes.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { HullError, errnoCode, errorMessage, escapeControlChars, isHullError } from './errors.js';
import { parseArgs, formatOptions, str, type OptionSpec } from './cli/args.js';
import { COMMANDS, GROUPS } from './cli/commands.js';
import { checkArgCount } from './cli/group.js';
import type { CliContext, Command } from './cli/command.js';
import type { Engine } from './engine/engine.js';
import { parseStorageDriverOption } from './engine/storage-driver.js';

// engine/defaults.ts holds constants only: `hull version` and `--help` still never load the engine.
import { DEFAULT_ROOT, DEFAULT_RUNROOT } from './engine/defaults.js';
import { reexecInNamespace, rootlessEngineOptions, rootlessInside } from './cli/rootless.js';

const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'root', type: 'string', valueName: 'DIR', description: `persistent storage: images, layers, containers (default ${DEFAULT_ROOT}, or $HULL_ROOT)` },
  { name: 'runroot', type: 'string', valueName: 'DIR', description: `runtime state: bundles, mounts (default ${DEFAULT_RUNROOT}, or $HULL_RUNROOT)` },
  { name: 'storage-driver', type: 'string', valueName: 'DRIVER', description: 'overlay, fuse-overlayfs or copy (vfs), for a new store; or $HULL_STORAGE_DRIVER (default: overlay when the kernel allows it; rootless: then fuse-overlayfs)' },
  { name: 'runtime', type: 'string', valueName: 'PATH', description: 'OCI runtime binary (default runc)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help' },
  { name: 'version', short: 'v', type: 'boolean', description: 'show the version' },
];

/** The object groups (`hull image ls`), listed as docker lists its management commands. */
const GROUP_SUMMARIES: Record<string, string> = {
  builder: 'Manage builds',
  container: 'Manage containers',
  image: 'Manage images',
  system: 'Manage hull',
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS).filter((n) => !COMMANDS[n]?.hidden);
  const groups = Object.keys(GROUPS).sort();
  const width = Math.max(...names.map((n) => n.length), ...groups.map((n) => n.length));
  return [
    'Usage:  hull [OPTIONS] COMMAND',
    '',
    'A daemonless OCI container engine.',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}   ${COMMANDS[n]?.summary}`),
    '',
    'Management Commands:',
    ...groups.map((g) => `  ${g.padEnd(width)}   ${GROUP_SUMMARIES[g] ?? ''}`),
    '',
    'Global options:',
    formatOptions(GLOBAL_OPTIONS),
    '',
    'Run "hull COMMAND --help" for more information on a command.',
    '',
  ].join('\n');
}

function groupHelp(name: string, group: Record<string, string>): string {
  const subs = Object.keys(group).filter((k) => group[k] !== 'container-cleanup');
  const width = Math.max(...subs.map((k) => k.length));
  const lines = subs.map((k) => `  ${k.padEnd(width)}   ${COMMANDS[group[k] as string]?.summary ?? ''}`);
  return [`Usage:  hull ${name} COMMAND`, '', GROUP_SUMMARIES[name] ?? '', '', 'Commands:', ...lines, '', `Run "hull ${name} COMMAND --help" for more information on a command.`, ''].join('\n');
}

export function commandHelp(cmd: Command): string {
  return [
    `Usage:  hull ${cmd.name} ${cmd.usage}`,
    '',
    cmd.description ?? cmd.summary,
    ...(cmd.options.length > 0 ? ['', 'Options:', formatOptions([...cmd.options, { name: 'help', type: 'boolean', description: 'show this help' }])] : []),
    ...(cmd.examples?.length ? ['', 'Examples:', ...cmd.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}

function reportError(err: unknown): number {
  // Messages quote names from images, registries and arguments: nothing in them may drive the terminal.
  if (isHullError(err)) {
    process.stderr.write(`Error: ${escapeControlChars(err.message, true)}\n`);
    if (err.hint) process.stderr.write(`hint: ${escapeControlChars(err.hint, true)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`Error: ${escapeControlChars(errorMessage(err), true)}\n`);
  if (process.env.HULL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 125;
}

async function main(argv: string[]): Promise<number> {
  // Global options come before the command name.
  const commandIndex = argv.findIndex((a, i) => !a.startsWith('-') && !['--root', '--runroot', '--storage-driver', '--runtime'].includes(argv[i - 1] ?? ''));
  const globals = parseArgs(commandIndex === -1 ? argv : argv.slice(0, commandIndex), GLOBAL_OPTIONS, '');
  if (globals.options.version === true) argv = ['version'];
  else if (commandIndex === -1) {
    process.stdout.write(mainHelp());
    return globals.options.help === true ? 0 : 125;
  } else argv = argv.slice(commandIndex);

  let [name = '', ...rest] = argv;
  const group = GROUPS[name];
  if (group) {
    const sub = rest[0];
    const mapped = sub === undefined ? undefined : group[sub];
    if (!mapped) {
      const help = sub === undefined || sub === '--help' || sub === '-h';
      if (!help) {
        throw new HullError('INVALID_ARGUMENT', `Cannot run "hull ${name} ${sub}": unknown command`, { hint: `commands: ${Object.keys(group).filter((k) => group[k] !== 'container-cleanup').join(', ')}; see "hull ${name} --help"` });
      }
      process.stdout.write(groupHelp(name, group));
      return 0;
    }
    name = mapped;
    rest = rest.slice(1);
  }
  if (name === 'help') {
    const g = rest[0] === undefined ? undefined : GROUPS[rest[0]];
    if (g) {
      process.stdout.write(groupHelp(rest[0] as string, g));
      return 0;
    }
    const target = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    process.stdout.write(target ? commandHelp(await target.load()) : mainHelp());
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) throw new HullError('INVALID_ARGUMENT', `Cannot run "hull ${name}": unknown command`, { hint: 'see "hull --help" for the commands' });
  const cmd = await entry.load();
  const shortHelp = !cmd.options.some((o) => o.short === 'h'); // run's -h is --hostname, as in docker
  const helpIndex = rest.findIndex((a) => a === '--help' || (shortHelp && a === '-h'));
  const parsed = parseArgs(rest, [...cmd.options, { name: 'help', ...(shortHelp ? { short: 'h' } : {}), type: 'boolean', description: '' }], cmd.name, cmd.stopAtPositional);
  if (helpIndex !== -1 && (!cmd.stopAtPositional || parsed.positionals.length === 0 || rest.indexOf(parsed.positionals[0] as string) > helpIndex)) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  checkArgCount(cmd.name, cmd.usage, parsed.positionals.length, cmd.minArgs, cmd.maxArgs);
  // An ordinary user: the command runs again inside the user's namespace (cli/rootless.ts).
  if (cmd.usesEngine !== false && process.getuid?.() !== 0) return reexecInNamespace([process.argv[1] ?? fileURLToPath(import.meta.url), ...process.argv.slice(2)], process.env);
  const rootless = rootlessInside(process.env);
  const root = str(globals.options, 'root') ?? process.env.HULL_ROOT ?? rootless?.root ?? DEFAULT_ROOT;
  const runroot = str(globals.options, 'runroot') ?? process.env.HULL_RUNROOT ?? rootless?.runroot ?? DEFAULT_RUNROOT;
  const engineOptions = {
    root,
    runroot,
    // A user's host-wide state (network lock, probe answers) stays the user's: under the runroot.
    ...(rootless ? { rootless: rootlessEngineOptions(rootless), hostPaths: { networkLock: join(runroot, 'network.lock'), bridgeOwners: join(runroot, 'bridges'), probeCache: join(runroot, 'probes') } } : {}),
    storageDriver: parseStorageDriverOption(str(globals.options, 'storage-driver') ?? process.env.HULL_STORAGE_DRIVER),
    runtime: str(globals.options, 'runtime'),
    // The script node started (the bundle's loader, or this file): conmon's exit command runs it
    // to record a container's exit.
    hullEntry: process.argv[1] ?? fileURLToPath(import.meta.url),
    // The CLI is the user's shell's program: the engine works in its environment.
    env: process.env,
  };
  // The engine module (and everything behind it) loads only for commands that use it.
  const { openEngine } = cmd.usesEngine === false ? { openEngine: undefined } : await import('./engine/engine.js');
  let engine: Engine | undefined;
  const ctx: CliContext = {
    engineOptions,
    engine: () => {
      if (!openEngine) throw new HullError('INTERNAL', `"hull ${cmd.name}" declared that it does not use the engine`);
      return (engine ??= openEngine(engineOptions));
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
  return cmd.run(ctx, parsed);
}

/**
 * A closed stdout (`hull ps | head -1`) ends hull at once and quietly, as SIGPIPE ends docker
 * (exit 141 = 128 + SIGPIPE, what a shell reports for it), unless the command listens for it
 * itself; a closed stderr is ignored. Any other
 * failure that escapes a command is still one line, never a stack trace (HULL_DEBUG=1 shows it).
 */
function guardProcess(): void {
  process.stdout.on('error', (err) => {
    // A command that listens itself has its own policy (build finishes and tags its image).
    if (process.stdout.listenerCount('error') > 1) return;
    if (errnoCode(err) === 'EPIPE') process.exit(141);
    process.stderr.write(`Error: cannot write the output: ${errorMessage(err)}\n`);
    process.exit(125);
  });
  process.stderr.on('error', () => undefined);
  const fatal = (err: unknown) => {
    if (errnoCode(err) === 'EPIPE') process.exit(141);
    process.exit(reportError(err));
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

guardProcess();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (errnoCode(err) === 'EPIPE') process.exit(141);
    process.exitCode = reportError(err);
  },
);
