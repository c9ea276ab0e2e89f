/**
 * A minimal process entry for the registry server, used by crash tests (spawned as a child and
 * killed with SIGKILL) and benchmarks until the CLI wires `hull registry serve`.
 *   node dist/src/registry-server/serve-entry.js --root DIR [--addr 127.0.0.1:0] [--config FILE]
 * Prints one line `listening <url>` on stdout when ready; logs JSON lines to stderr when --log.
 */
import { parseArgs } from 'node:util';
import { jsonLineLogger, loadRegistryConfig, silentLogger, startRegistryServer } from './index.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    addr: { type: 'string' },
    root: { type: 'string' },
    htpasswd: { type: 'string' },
    log: { type: 'boolean', default: false },
    'no-fsync': { type: 'boolean', default: false },
  },
});
const config = await loadRegistryConfig(values.config, {
  ...(values.addr ? { addr: values.addr } : { addr: '127.0.0.1:0' }),
  ...(values.root ? { root: values.root } : {}),
  ...(values.htpasswd ? { htpasswd: values.htpasswd } : {}),
  ...(values['no-fsync'] ? { fsync: false } : {}),
});
const controller = new AbortController();
const logger = values.log ? jsonLineLogger((line) => process.stderr.write(line)) : silentLogger;
const running = await startRegistryServer(config, { signal: controller.signal, logger });
process.stdout.write(`listening ${running.url}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
