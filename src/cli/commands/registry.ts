/**
 * `hull registry serve|gc`: the OCI Distribution registry server (src/registry-server) as a
 * front door. Only translates flags into a config and renders logs and the GC report; the
 * server itself never prints. See docs/registry.md.
 */
import { HullError } from '../../errors.js';
import { bool, str, type OptionSpec, type ParsedArgs } from '../args.js';
import { groupCommand, type Subcommand } from '../group.js';
import { jsonLineLogger, loadRegistryConfig, runRegistryGc, startRegistryServer, type RegistryConfigOverrides } from '../../registry-server/index.js';
import { untilInterrupted } from '../interrupt.js';


const COMMON: OptionSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'FILE', description: 'YAML config file (flags override it)' },
  { name: 'root', type: 'string', valueName: 'DIR', description: 'storage root directory' },
];

function overrides(options: ParsedArgs['options']): RegistryConfigOverrides {
  const o: RegistryConfigOverrides = {};
  const s = (name: string): string | undefined => str(options, name);
  if (s('addr')) o.addr = s('addr')!;
  if (s('root')) o.root = s('root')!;
  if (s('htpasswd')) o.htpasswd = s('htpasswd')!;
  if (s('access')) o.access = s('access')!;
  if (s('tls-cert')) o.tlsCert = s('tls-cert')!;
  if (s('tls-key')) o.tlsKey = s('tls-key')!;
  if (s('upload-purge-age')) o.uploadPurgeAge = s('upload-purge-age')!;
  if (s('max-manifest-bytes')) {
    const n = Number(s('max-manifest-bytes'));
    if (!Number.isSafeInteger(n) || n <= 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --max-manifest-bytes "${s('max-manifest-bytes')}": expected a positive integer`);
    o.maxManifestBytes = n;
  }
  if (bool(options, 'anonymous-pull')) o.anonymousPull = true;
  if (bool(options, 'token')) o.token = true;
  if (bool(options, 'no-fsync')) o.fsync = false;
  return o;
}

const SUBS: Record<string, Subcommand> = {
  serve: {
    usage: '[OPTIONS]',
    maxArgs: 0,
    summary: 'Serve an OCI Distribution v1.1 registry until interrupted',
    options: [
      ...COMMON,
      { name: 'addr', type: 'string', valueName: 'HOST:PORT', description: 'listen address (default 127.0.0.1:5000)' },
      { name: 'htpasswd', type: 'string', valueName: 'FILE', description: 'bcrypt htpasswd file: require Basic auth' },
      { name: 'access', type: 'string', valueName: 'FILE', description: 'YAML access rules (per-repository pull/push/delete)' },
      { name: 'token', type: 'boolean', description: 'issue Bearer tokens at /token instead of Basic on every request' },
      { name: 'anonymous-pull', type: 'boolean', description: 'allow pulls without credentials' },
      { name: 'tls-cert', type: 'string', valueName: 'FILE', description: 'TLS certificate (PEM)' },
      { name: 'tls-key', type: 'string', valueName: 'FILE', description: 'TLS private key (PEM)' },
      { name: 'max-manifest-bytes', type: 'string', valueName: 'N', description: 'refuse larger manifests with 413 (default 4 MiB)' },
      { name: 'upload-purge-age', type: 'string', valueName: 'DURATION', description: 'purge upload sessions idle this long (default 24h)' },
      { name: 'no-fsync', type: 'boolean', description: 'skip fsync before blobs become visible (faster, not crash-durable)' },
    ],
    async run(ctx, { options }) {
      const config = await loadRegistryConfig(str(options, 'config'), overrides(options));
      const controller = new AbortController();
      const logger = jsonLineLogger((line) => ctx.stderr.write(line));
      const running = await startRegistryServer(config, { signal: controller.signal, logger });
      ctx.stdout.write(`hull registry listening on ${running.url}\n`);
      await untilInterrupted();
      await running.close();
      return 0;
    },
  },
  gc: {
    usage: '[OPTIONS]',
    maxArgs: 0,
    summary: 'Delete blobs (and with --delete-untagged, manifests) nothing references',
    options: [
      ...COMMON,
      { name: 'dry-run', type: 'boolean', description: 'only report what would be deleted' },
      { name: 'delete-untagged', type: 'boolean', description: 'also delete manifests no tag, index or kept subject reaches' },
      { name: 'format', type: 'string', valueName: 'FORMAT', description: '"json" for the full report' },
    ],
    async run(ctx, { options }) {
      const config = await loadRegistryConfig(str(options, 'config'), overrides(options));
      const report = await runRegistryGc(config, { dryRun: bool(options, 'dry-run'), deleteUntagged: bool(options, 'delete-untagged') });
      if (str(options, 'format') === 'json') {
        ctx.stdout.write(`${JSON.stringify(report)}\n`);
        return 0;
      }
      const verb = report.dryRun ? 'would delete' : 'deleted';
      for (const m of report.manifestsDeleted) ctx.stdout.write(`${verb} manifest ${m.repository}@${m.digest}\n`);
      for (const b of report.blobsDeleted) ctx.stdout.write(`${verb} blob ${b}\n`);
      ctx.stdout.write(`${verb} ${report.manifestsDeleted.length} manifests and ${report.blobsDeleted.length} blobs (${report.bytesFreed} bytes); kept ${report.blobsKept} blobs in ${report.repositories} repositories\n`);
      if (report.incomplete) ctx.stdout.write('the sweep stopped at its deadline: run gc again to continue\n');
      return 0;
    },
  },
};

const registry = groupCommand({
  name: 'registry',
  summary: 'Run an OCI Distribution registry',
  subs: SUBS,
  usesEngine: false,
  examples: ['hull registry serve --root /srv/registry --addr 0.0.0.0:5000 --htpasswd users.htpasswd --tls-cert tls.crt --tls-key tls.key', 'hull registry gc --root /srv/registry --dry-run'],
});

export default registry;
