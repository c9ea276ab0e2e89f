/**
 * Prometheus metrics in the text exposition format 0.0.4, kept as plain counters per server
 * (no global registry). Storage size is measured by walking blobs/ at most once a minute, since a
 * scrape must stay cheap.
 */
import { BLOBS_DIR } from './paths.js';
import type { StorageDriver } from './storage/driver.js';

const STORAGE_CACHE_MS = 60_000;

export class RegistryMetrics {
  private readonly requests = new Map<string, number>();
  bytesIn = 0;
  bytesOut = 0;
  inFlight = 0;
  private storage: { at: number; bytes: number; blobs: number } | undefined;

  countRequest(method: string, status: number): void {
    const key = `${method} ${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  async render(driver: StorageDriver, uploadSessions: number, now = Date.now()): Promise<string> {
    if (!this.storage || now - this.storage.at > STORAGE_CACHE_MS) this.storage = { at: now, ...(await measureBlobs(driver)) };
    const lines = [
      '# HELP hull_registry_requests_total HTTP requests by method and status.',
      '# TYPE hull_registry_requests_total counter',
      ...[...this.requests.entries()].sort().map(([k, v]) => {
        const [method, status] = k.split(' ');
        return `hull_registry_requests_total{method="${method}",status="${status}"} ${v}`;
      }),
      '# HELP hull_registry_received_bytes_total Request body bytes received.',
      '# TYPE hull_registry_received_bytes_total counter',
      `hull_registry_received_bytes_total ${this.bytesIn}`,
      '# HELP hull_registry_sent_bytes_total Bytes sent (headers and bodies, as written to sockets).',
      '# TYPE hull_registry_sent_bytes_total counter',
      `hull_registry_sent_bytes_total ${this.bytesOut}`,
      '# HELP hull_registry_requests_in_flight Requests being served.',
      '# TYPE hull_registry_requests_in_flight gauge',
      `hull_registry_requests_in_flight ${this.inFlight}`,
      '# HELP hull_registry_upload_sessions Open upload sessions this process holds state for.',
      '# TYPE hull_registry_upload_sessions gauge',
      `hull_registry_upload_sessions ${uploadSessions}`,
      '# HELP hull_registry_storage_bytes Bytes of stored blobs and manifests (refreshed each minute).',
      '# TYPE hull_registry_storage_bytes gauge',
      `hull_registry_storage_bytes ${this.storage.bytes}`,
      '# HELP hull_registry_storage_blobs Stored blobs and manifests.',
      '# TYPE hull_registry_storage_blobs gauge',
      `hull_registry_storage_blobs ${this.storage.blobs}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

async function measureBlobs(driver: StorageDriver): Promise<{ bytes: number; blobs: number }> {
  let bytes = 0;
  let blobs = 0;
  for (const alg of await driver.list(BLOBS_DIR)) {
    for (const prefix of await driver.list(`${BLOBS_DIR}/${alg}`)) {
      for (const hex of await driver.list(`${BLOBS_DIR}/${alg}/${prefix}`)) {
        const info = await driver.stat(`${BLOBS_DIR}/${alg}/${prefix}/${hex}`);
        if (info) {
          bytes += info.size;
          blobs++;
        }
      }
    }
  }
  return { bytes, blobs };
}
