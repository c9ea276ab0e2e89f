/**
 * `hull build` and `hull builder prune`. The build's events are rendered by build-progress.ts:
 * podman's plain `STEP 2/5: RUN make` lines in a pipe, one line per step with CACHED or its time
 * on a terminal, only the image ID with --quiet. The image ID is always the last line of stdout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { bool, list, str } from '../args.js';
import type { Command } from '../command.js';
import { humanSize } from '../output.js';
import { confirm } from '../prompt.js';
import { createBuildRenderer } from './build-progress.js';
import type { BuildEvent } from '../../build/events.js';
import { CREDS_OPTION, TLS_OPTIONS, registryOptionsFrom } from './registry-options.js';

function keyValues(values: string[], flag: string, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0) throw new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${v}": the name is empty`, { hint: `use ${flag} NAME=VALUE` });
    if (eq === -1) {
      // docker: --build-arg NAME takes the value from the environment (and is skipped when unset).
      const fromEnv = env[v];
      if (fromEnv !== undefined) out[v] = fromEnv;
      continue;
    }
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** --secret id=ID,src=PATH (src= may be source=; type=file is the only type). */
export function parseSecret(spec: string): [string, string] {
  const fields = Object.fromEntries(spec.split(',').map((f) => {
    const eq = f.indexOf('=');
    return eq === -1 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
  }));
  const id = fields.id;
  const src = fields.src ?? fields.source;
  if (fields.type !== undefined && fields.type !== 'file') throw new HullError('INVALID_ARGUMENT', `Cannot use --secret "${spec}": only type=file is supported`, { hint: 'use --secret id=ID,src=FILE' });
  if (!id || !src) throw new HullError('INVALID_ARGUMENT', `Cannot use --secret "${spec}": expected id=ID,src=FILE`, { hint: 'for example --secret id=npmrc,src=$HOME/.npmrc' });
  return [id, src];
}

/** docker's test for a remote context: a URL or git address that is not a local path. */
function isRemoteContext(arg: string): boolean {
  return /^(https?:\/\/|git:\/\/|git@|github\.com\/)/.test(arg) && !existsSync(arg);
}

export const build: Command = {
  name: 'build',
  summary: 'Build an image from a Containerfile or Dockerfile',
  usage: '[OPTIONS] CONTEXT|URL',
  description:
    'Build an image from the instructions in CONTEXT/Containerfile (or CONTEXT/Dockerfile, or -f FILE), with the files of CONTEXT that .containerignore/.dockerignore do not exclude. ' +
    'Only the stages the target needs are built. Steps are cached: a step is reused while its parent, its instruction and the files it copies are unchanged ("hull builder prune" empties the cache). ' +
    'RUN steps run through the runtime with the default security settings and, unless --network says otherwise, on the default bridge network. ' +
    'The context may be a URL, as with docker: a git repository (git://…, git@…, github.com/…, https://….git, with #REF:DIR to pick a branch, tag or commit and a directory), a tar archive, or a Dockerfile alone.',
  examples: ['hull build -t app:1 .', 'hull build -t app:2 https://git.example.com/app.git#v2:docker', 'hull build -f build/Containerfile --build-arg VERSION=2 --target runtime -t app:2 .', 'hull build --secret id=token,src=token.txt -q .'],
  options: [
    { name: 'tag', short: 't', type: 'string', multiple: true, valueName: 'NAME[:TAG]', description: 'name the image' },
    { name: 'file', short: 'f', type: 'string', valueName: 'FILE', description: 'the Containerfile ("-" reads it from standard input); default CONTEXT/Containerfile or CONTEXT/Dockerfile' },
    { name: 'build-arg', type: 'string', multiple: true, valueName: 'NAME[=VALUE]', description: 'set a build argument (NAME alone: from the environment)' },
    { name: 'target', type: 'string', valueName: 'STAGE', description: 'build up to this stage' },
    { name: 'no-cache', type: 'boolean', description: 'run every step, using nothing from the build cache' },
    { name: 'pull', type: 'boolean', description: 'pull base images even when they are present' },
    { name: 'network', type: 'string', valueName: 'MODE', description: 'network of RUN steps: bridge (default), none, host or a network name' },
    { name: 'label', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'add a label to the image' },
    { name: 'iidfile', type: 'string', valueName: 'FILE', description: 'write the image ID to FILE' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the image ID' },
    { name: 'secret', type: 'string', multiple: true, valueName: 'id=ID,src=FILE', description: 'a file RUN --mount=type=secret can read (never stored in the image)' },
    { name: 'platform', type: 'string', valueName: 'OS/ARCH', description: 'platform of the base images (RUN steps need it to match the host)' },
    // How base images are pulled (podman build takes the same).
    ...TLS_OPTIONS,
    { ...CREDS_OPTION, description: 'credentials for the registry of the base images, instead of the auth file' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const file = str(options, 'file');
    const stdinOnly = positionals[0] === '-';
    if (stdinOnly && file === '-') throw new HullError('INVALID_ARGUMENT', 'Cannot build: both the context and the Containerfile are "-" (standard input)', { hint: 'give a context directory with -f -, or use "hull build - < Containerfile" alone' });
    const quiet = bool(options, 'quiet');
    const secrets = Object.fromEntries(list(options, 'secret').map(parseSecret));
    const network = str(options, 'network');
    const ac = new AbortController();
    const abort = () => ac.abort();
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    const renderer = createBuildRenderer(ctx.stdout, ctx.stderr, { quiet });
    let failed = true;
    try {
      const request = {
        tags: list(options, 'tag'),
        buildArgs: keyValues(list(options, 'build-arg'), '--build-arg', process.env),
        labels: keyValues(list(options, 'label'), '--label'),
        secrets,
        noCache: bool(options, 'no-cache'),
        pull: bool(options, 'pull'),
        signal: ac.signal,
        registry: registryOptionsFrom(options),
        ...(str(options, 'target') !== undefined ? { target: str(options, 'target') as string } : {}),
        ...(network !== undefined ? { network } : {}),
        ...(str(options, 'platform') !== undefined ? { platform: str(options, 'platform') as string } : {}),
      };
      const context = positionals[0] as string;
      const onEvent = (e: BuildEvent) => renderer.onEvent(e);
      const result = isRemoteContext(context)
        ? // docker build URL: -f names the Dockerfile inside the fetched context.
          await (await import('../../engine/build-context.js')).buildFromRemote(ctx.engine(), context, { ...request, ...(file !== undefined ? { dockerfile: file } : {}) }, onEvent)
        : await ctx.engine().builds.build(
            {
              ...request,
              // `build -`: the Containerfile on stdin and no context, as docker does (COPY has nothing to copy).
              contextDir: stdinOnly ? emptyContext() : context,
              ...(file === '-' || stdinOnly ? { fileText: readFileSync(0, 'utf8') } : file !== undefined ? { file } : {}),
            },
            onEvent,
          );
      failed = false;
      renderer.finish(false);
      const iidfile = str(options, 'iidfile');
      if (iidfile !== undefined) writeFileSync(iidfile, result.id);
      renderer.line(result.id);
      return 0;
    } finally {
      if (failed) renderer.finish(true);
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    }
  },
};

export const builderPrune: Command = {
  name: 'builder prune',
  summary: 'Remove the build cache',
  usage: '[OPTIONS]',
  description: 'Remove every build cache entry and RUN --mount=type=cache directory, then free the blobs and layers no image needs any more.',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'accepted for docker compatibility: the whole cache is always removed' },
    { name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    if (!bool(options, 'force') && !(await confirm(ctx, 'WARNING! This will remove all build cache.'))) return 0;
    const r = await ctx.engine().builds.prune();
    ctx.stdout.write(`Deleted build cache entries: ${r.entries}\nTotal reclaimed space: ${humanSize(r.reclaimed)}\n`);
    return 0;
  },
};

/** An empty directory as the context of `build -`, removed when hull exits. */
function emptyContext(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hull-build-ctx-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
