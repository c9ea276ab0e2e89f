/**
 * `hull manifest create|add|remove|inspect|push|exists|rm`: podman's manifest lists (docker's
 * `docker manifest`). Translates flags only; the lists live in the image store
 * (src/images/manifest-list.ts), pushing in src/images/push-index.ts. See docs/images.md.
 */
import { HullError, showUntrusted } from '../../errors.js';
import { bool, list, str, type OptionValues } from '../args.js';
import { groupCommand, type Subcommand } from '../group.js';
import type { AddOptions } from '../../images/manifest-list.js';
import { TLS_OPTIONS, TRANSFER_OPTIONS, registryOptionsFrom } from './registry-options.js';
import { createProgressRenderer } from './transfer-progress.js';

const PLATFORM_OPTIONS = [
  { name: 'os', type: 'string' as const, valueName: 'OS', description: "override the operating system the image's config names" },
  { name: 'arch', type: 'string' as const, valueName: 'ARCH', description: "override the architecture the image's config names" },
  { name: 'variant', type: 'string' as const, valueName: 'VARIANT', description: "override the architecture variant (v7, v8) the image's config names" },
  { name: 'annotation', type: 'string' as const, multiple: true, valueName: 'KEY=VALUE', description: "annotation on the image's entry in the list" },
];
const ALL_OPTION = { name: 'all', type: 'boolean' as const, description: 'an image that is itself a list adds all its manifests (default: the one for this host)' };

function addOptions(o: OptionValues): AddOptions {
  const annotations: Record<string, string> = {};
  for (const a of list(o, 'annotation')) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --annotation "${showUntrusted(a)}": expected KEY=VALUE`);
    annotations[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const out: AddOptions = { all: bool(o, 'all') };
  for (const k of ['os', 'arch', 'variant'] as const) {
    const v = str(o, k);
    if (v !== undefined) out[k] = v;
  }
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  return out;
}

const SUBS: Record<string, Subcommand> = {
  create: {
    usage: '[OPTIONS] LIST [IMAGE...]',
    minArgs: 1,
    summary: 'Create a manifest list, optionally of local images or docker://REF ones (printed: the list ID)',
    options: [ALL_OPTION, ...TRANSFER_OPTIONS.filter((o) => o.name !== 'quiet')],
    async run(ctx, { options, positionals }) {
      const [name, ...images] = positionals as [string, ...string[]];
      const record = await ctx.engine().images.manifestList((m, deps) => m.createManifestList(deps, name, images, { ...addOptions(options), registry: registryOptionsFrom(options) }));
      ctx.stdout.write(`${record.id.slice(7)}\n`);
      return 0;
    },
  },
  add: {
    usage: '[OPTIONS] LIST IMAGE',
    minArgs: 2,
    maxArgs: 2,
    summary: "Add a local image's manifest to a list (its platform from the image's config); docker://REF fetches it from its registry",
    options: [ALL_OPTION, ...PLATFORM_OPTIONS, ...TRANSFER_OPTIONS.filter((o) => o.name !== 'quiet')],
    async run(ctx, { options, positionals }) {
      const [name, image] = positionals as [string, string];
      const { record } = await ctx.engine().images.manifestList((m, deps) => m.addToManifestList(deps, name, image, { ...addOptions(options), registry: registryOptionsFrom(options) }));
      ctx.stdout.write(`${record.id.slice(7)}\n`);
      return 0;
    },
  },
  remove: {
    usage: 'LIST DIGEST',
    minArgs: 2,
    maxArgs: 2,
    summary: 'Remove the manifest DIGEST from a list',
    options: [],
    async run(ctx, { positionals }) {
      const [name, digest] = positionals as [string, string];
      const record = await ctx.engine().images.manifestList((m, deps) => m.removeFromManifestList(deps, name, digest));
      ctx.stdout.write(`${record.id.slice(7)}\n`);
      return 0;
    },
  },
  inspect: {
    usage: '[OPTIONS] LIST|REMOTE-REFERENCE',
    minArgs: 1,
    maxArgs: 1,
    summary: "Print a local list's index, else the manifest or index a registry serves, as JSON",
    options: [...TLS_OPTIONS],
    async run(ctx, { options, positionals }) {
      const bytes = await ctx.engine().images.inspectManifest(positionals[0] as string, registryOptionsFrom(options));
      // podman prints the document indented, whatever the bytes' own layout.
      ctx.stdout.write(`${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 4)}\n`);
      return 0;
    },
  },
  push: {
    usage: '[OPTIONS] LIST [DESTINATION]',
    minArgs: 1,
    maxArgs: 2,
    summary: "Push every image the list names, then the list (an OCI index); prints the list's digest",
    options: [
      { name: 'all', type: 'boolean', description: 'push the images the list names too (default true; hull always does)' },
      { name: 'rm', type: 'boolean', description: 'remove the local list after a successful push' },
      { name: 'max-concurrent-uploads', type: 'string', valueName: 'N', description: 'blobs uploaded at once (default 3)' },
      ...TRANSFER_OPTIONS,
    ],
    async run(ctx, { options, positionals }) {
      const [name, destination] = positionals as [string, string?];
      if (options.all === false) {
        throw new HullError('UNSUPPORTED', `Cannot push manifest list "${showUntrusted(name)}" with --all=false: a registry may refuse an index whose images it does not hold`, { hint: 'push with --all (the default)' });
      }
      const engine = ctx.engine();
      await engine.images.getManifestList(name); // a plain image is refused here, in the list's words
      const renderer = createProgressRenderer(ctx.stderr, 'push', { quiet: bool(options, 'quiet') });
      try {
        const result = await engine.images.push(name, destination, { ...registryOptionsFrom(options, 'max-concurrent-uploads'), onEvent: (e) => renderer.onEvent(e) });
        renderer.finish();
        if (bool(options, 'rm')) await engine.images.remove(name);
        ctx.stdout.write(`${result.digest}\n`);
        return 0;
      } finally {
        renderer.finish();
      }
    },
  },
  exists: {
    usage: 'LIST',
    minArgs: 1,
    maxArgs: 1,
    summary: 'Exit 0 when the manifest list exists locally, 1 when it does not',
    options: [],
    async run(ctx, { positionals }) {
      return ctx.engine().images.isManifestList(positionals[0] as string) ? 0 : 1;
    },
  },
  rm: {
    usage: 'LIST...',
    minArgs: 1,
    summary: 'Remove manifest lists (the images they name stay)',
    options: [],
    async run(ctx, { positionals }) {
      const engine = ctx.engine();
      for (const name of positionals) {
        const record = await engine.images.getManifestList(name);
        await engine.images.remove(name);
        ctx.stdout.write(`Untagged: ${showUntrusted(name)}\nDeleted: ${record.id}\n`);
      }
      return 0;
    },
  },
};

const manifest = groupCommand({
  name: 'manifest',
  summary: 'Manage manifest lists (multi-platform images)',
  subs: SUBS,
  examples: [
    'hull manifest create localhost:5000/app:1 app-amd64 app-arm64',
    'hull manifest add --arch arm64 --variant v8 localhost:5000/app:1 app-arm64',
    'hull manifest inspect docker.io/library/busybox:latest',
    'hull manifest push localhost:5000/app:1',
  ],
});

export default manifest;
